// Export of the credit search: the whole filtered result (not just the page), in the grid's order,
// with the columns shown on screen, as CSV or XLSX, streamed from a database cursor and audited.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/permissions.server";
import { CREDIT_COLUMNS } from "~/lib/credit-search";
import { exportCreditGrid } from "~/models/credit-grid.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  return exportCreditGrid(context.services, user, new URL(request.url).searchParams, {
    columns: CREDIT_COLUMNS,
    what: "credit-reports",
    sheetName: "Credit reports",
    ip: context.clientIp,
    method: request.method,
  });
}
