// Export of an activity's learners for this board (404 outside the scope, like the page).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { activityInScope } from "~/auth/scope.server";
import { requireUser } from "~/auth/permissions.server";
import { ACTIVITY_LEARNER_COLUMNS } from "~/lib/credit-search";
import { exportCreditGrid } from "~/models/credit-grid.server";

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const activityId = params.activityId ?? "";
  const { db } = context.services;
  if (!/^\d{9}$/.test(activityId) || !(await activityInScope(db, user.scope, activityId))) throw new Response("Not found", { status: 404 });
  return exportCreditGrid(context.services, user, new URL(request.url).searchParams, {
    columns: ACTIVITY_LEARNER_COLUMNS,
    fixed: { activityId },
    what: `activity-${activityId}-learners`,
    target: `activity:${activityId}`,
    sheetName: "Learners",
    ip: context.clientIp,
    method: request.method,
  });
}
