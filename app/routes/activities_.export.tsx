// Export of the activity list: every activity the filters match, with the visible columns.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/permissions.server";
import { ACTIVITY_COLUMNS, ACTIVITY_FILTER_NAMES, parseActivitySearch } from "~/lib/activity-search";
import { visibleColumns } from "~/lib/grid";
import { organisationTimeZone } from "../../domain/reference";
import { streamActivities } from "~/models/activities.server";
import { recordAudit } from "~/models/audit.server";
import { EXPORT_FORMATS, exportFilename, exportResponse, outcomeDetail, type ExportFormat } from "~/models/exports.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  const format = params.get("download") ?? "csv";
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new Response("Choose download=csv or download=xlsx.", { status: 400 });
  params.delete("download");
  const multiBoard = user.scope.boardCodes === null;
  const state = parseActivitySearch(params, { multiBoard });
  const problems = Object.entries(state.errors).filter(([key]) => !["page", "cursor", "size"].includes(key));
  if (problems.length) throw new Response(`The export was not started. ${problems.map(([k, m]) => `${k}: ${m}`).join(" ")}`, { status: 400 });
  const columns = visibleColumns(ACTIVITY_COLUMNS, state.hidden, state.shown, multiBoard);
  const described = Object.fromEntries([...params.keys()].map((k) => [k, params.getAll(k).join(",")]));
  return exportResponse({ services: context.services, userId: user.id, method: request.method }, {
    format: format as ExportFormat,
    filename: exportFilename(user.org.code, "activities", {
      filters: Object.fromEntries(ACTIVITY_FILTER_NAMES.filter((n) => n !== "from" && n !== "to").map((n) => [n, params.getAll(n)])),
      range: { from: state.filters.from, to: state.filters.to },
    }),
    sheetName: "Activities",
    timeZone: organisationTimeZone(user.org.code),
    columns: columns.map((c) => ({ header: c.label, value: c.exportValue, kind: c.exportKind })),
    rows: streamActivities(context.services.exports.db, user.scope, state),
    onFinish: (outcome) =>
      recordAudit(db, {
        action: "export",
        userId: user.id,
        orgCode: user.org.code,
        target: "activities",
        detail: { format, filters: described, ...outcomeDetail(outcome) },
        ip: context.clientIp,
      }),
  });
}
