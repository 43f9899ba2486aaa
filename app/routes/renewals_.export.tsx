// Export of the renewal queue: every entry the filters match, in the queue's order and columns.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { BOARD_KINDS, requireUser } from "~/auth/permissions.server";
import { visibleColumns } from "~/lib/grid";
import { RENEWAL_FILTER_NAMES, renewalColumns, type RenewalRow } from "~/lib/renewal-search";
import { orgWords } from "../../domain/org-words";
import { organisationTimeZone, type OrganisationKind } from "../../domain/reference";
import { recordAudit } from "~/models/audit.server";
import { EXPORT_FORMATS, exportFilename, exportResponse, outcomeDetail, type ExportColumn, type ExportFormat } from "~/models/exports.server";
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
  const words = orgWords(user.org.kind as OrganisationKind);
  const unit = measures.unit;
  // Progress is numbers a spreadsheet can use: counted, required, and the share met (never over 1).
  const progress: ExportColumn<RenewalRow>[] = [
    { header: `Counted (${unit})`, value: (r) => r.creditsCounted, kind: "number" },
    { header: `Required (${unit})`, value: (r) => r.creditsRequired, kind: "number" },
    {
      header: "Share of requirement met",
      value: (r) => (r.creditsCounted === null || !r.creditsRequired ? null : Math.min(1, r.creditsCounted / r.creditsRequired)),
      kind: "share",
    },
  ];
  const fileColumns = columns.flatMap((c): ExportColumn<RenewalRow>[] =>
    c.id === "progress" ? progress : [{ header: c.id === "shortBy" ? `Short by (${unit}${shortIn ? `, in ${shortIn.label}` : ""})` : c.label, value: c.exportValue, kind: c.exportKind }],
  );
  const named = Object.fromEntries(RENEWAL_FILTER_NAMES.filter((n) => n !== "endFrom" && n !== "endTo").map((n) => [n, params.getAll(n)]));
  return exportResponse({ services: context.services, userId: user.id, method: request.method }, {
    format: format as ExportFormat,
    filename: exportFilename(user.org.code, words.cycles, { filters: named, range: state.window }),
    sheetName: words.Cycles,
    timeZone: organisationTimeZone(user.org.code),
    columns: fileColumns,
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
