// Export of the renewal queue: every entry the filters match, in the queue's order and columns.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { BOARD_KINDS, requireUser } from "~/auth/permissions.server";
import { visibleColumns } from "~/lib/grid";
import { renewalColumns } from "~/lib/renewal-search";
import { orgWords } from "../../domain/org-words";
import type { OrganisationKind } from "../../domain/reference";
import { recordAudit } from "~/models/audit.server";
import { EXPORT_FORMATS, exportFilename, exportResponse, outcomeDetail, type ExportFormat } from "~/models/exports.server";
import { renewalState } from "~/models/renewal-page.server";
import { streamRenewals } from "~/models/renewal-queue.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  const format = params.get("download") ?? "csv";
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new Response("Choose download=csv or download=xlsx.", { status: 400 });
  params.delete("download");
  const { state, today, measures } = await renewalState(db, user, params);
  const problems = Object.entries(state.errors).filter(([key]) => !["page", "cursor", "size"].includes(key));
  if (problems.length) throw new Response(`The export was not started. ${problems.map(([k, m]) => `${k}: ${m}`).join(" ")}`, { status: 400 });
  const shortIn = measures.measures.find((m) => m.id === state.filters.short);
  const columns = visibleColumns(renewalColumns({ words: orgWords(user.org.kind as OrganisationKind), unit: measures.unit, shortIn }), state.hidden, state.shown, false);
  const described = Object.fromEntries([...params.keys()].map((k) => [k, params.getAll(k).join(",")]));
  return exportResponse({ services: context.services, userId: user.id, method: request.method }, {
    format: format as ExportFormat,
    filename: exportFilename(user.org.code, "renewals"),
    sheetName: "Renewals",
    columns: columns.map((c) => ({ header: c.id === "shortBy" && shortIn ? `Short by in ${shortIn.label}` : c.label, value: c.exportValue, kind: c.exportKind })),
    rows: streamRenewals(context.services.exports.db, user.org.code, { filters: state.filters, window: state.window, sort: state.sort, today }),
    onFinish: (outcome) =>
      recordAudit(db, {
        action: "export",
        userId: user.id,
        orgCode: user.org.code,
        target: "renewals",
        detail: { format, filters: described, window: state.window, ...outcomeDetail(outcome) },
        ip: context.clientIp,
      }),
  });
}
