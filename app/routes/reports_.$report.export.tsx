// Export of one table of a report (`table=`), for the report's filters, as CSV or XLSX (`download=`):
// the numbers the page shows (provider rankings in full), audited like every export.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/permissions.server";
import { REPORTS, type ReportId } from "~/lib/reports";
import { exportReportTable } from "~/models/reports/index.server";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const report = REPORTS.find((r) => r.id === params.report);
  if (!report) throw new Response("Not found", { status: 404 });
  return exportReportTable(context.services, user, report.id as ReportId, new URL(request.url).searchParams, context.clientIp, request.method);
}
