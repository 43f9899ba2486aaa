// Export of the activity list: every activity the filters match, with the visible columns.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/permissions.server";
import { parseActivitySearch } from "~/lib/activity-search";
import { exportGrid } from "~/models/grid.server";
import { activityGrid } from "~/models/list-grids.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const multiBoard = user.scope.boardCodes === null;
  const params = new URL(request.url).searchParams;
  return exportGrid(
    context.services,
    user,
    params,
    (query) => parseActivitySearch(query, { multiBoard }),
    activityGrid(context.services.exports.db, user),
    {
      what: "activities",
      sheetName: "Activities",
      ip: context.clientIp,
      method: request.method,
      range: { from: params.get("from"), to: params.get("to"), names: ["from", "to"] },
    },
  );
}
