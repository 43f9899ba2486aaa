// Export of a licensee's credit reports for the board (the licensee page's table).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { learnerInScope } from "~/auth/scope.server";
import { requireUser } from "~/auth/permissions.server";
import { LICENSEE_RECORD_COLUMNS } from "~/lib/credit-search";
import { exportCreditGrid } from "~/models/credit-grid.server";
import { licenseeIdFrom } from "~/models/licensees.server";

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const learnerId = licenseeIdFrom(params);
  const { db } = context.services;
  if (!(await learnerInScope(db, user.scope, learnerId))) throw new Response("Not found", { status: 404 });
  return exportCreditGrid(context.services, user, new URL(request.url).searchParams, {
    columns: LICENSEE_RECORD_COLUMNS,
    fixed: { learnerId },
    what: `licensee-${learnerId}-records`,
    target: `learner:${learnerId}`,
    sheetName: "Credit reports",
    ip: context.clientIp,
    method: request.method,
  });
}
