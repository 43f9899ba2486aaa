// Export of the credit search: the whole filtered result (not just the page), in the grid's order,
// with the columns shown on screen, as CSV or XLSX, streamed from a database cursor and audited.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { requireUser } from "~/auth/session.server";
import { CREDIT_COLUMNS, parseCreditSearch } from "~/lib/credit-search";
import { visibleColumns } from "~/lib/grid";
import { recordAudit } from "~/models/audit.server";
import { streamCreditReports } from "~/models/credits.server";
import { EXPORT_FORMATS, exportFilename, exportResponse } from "~/models/exports.server";

const FormatParam = z.enum(EXPORT_FORMATS);

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  // "download", not "format": `format` is the activity-format filter.
  const format = FormatParam.safeParse(params.get("download") ?? "csv");
  if (!format.success) throw new Response("Choose download=csv or download=xlsx.", { status: 400 });
  params.delete("download");
  const multiBoard = user.scope.boardCodes === null;
  const state = parseCreditSearch(params, { multiBoard });
  const problems = Object.entries(state.errors).filter(([key]) => !["page", "cursor", "size"].includes(key));
  if (problems.length > 0) {
    // An export must be exactly what was asked for: refuse rather than export a different set.
    throw new Response(`The export was not started: ${problems.map(([key, message]) => `${key}: ${message}`).join(" ")}`, { status: 400 });
  }
  const columns = visibleColumns(CREDIT_COLUMNS, state.hidden, state.shown, multiBoard);
  const filters = Object.fromEntries([...params].filter(([key]) => !["after", "before", "page", "size"].includes(key)));
  return exportResponse({
    format: format.data,
    filename: exportFilename(user.org.code, "credit-reports"),
    sheetName: "Credit reports",
    columns: columns.map((c) => ({ header: c.label, value: c.exportValue, kind: c.exportKind })),
    rows: streamCreditReports(db, user.scope, { filters: state.filters, sort: state.sort }),
    onFinish: (outcome) =>
      recordAudit(db, {
        action: "export",
        userId: user.id,
        orgCode: user.org.code,
        target: "credit-reports",
        detail: { format: format.data, filters, rows: outcome.rows, completed: outcome.completed },
        ip: context.clientIp,
      }),
  });
}
