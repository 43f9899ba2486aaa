// Export of the renewal queue: every entry the filters match, in the queue's order and columns.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { BOARD_KINDS, requireUser } from "~/auth/permissions.server";
import { renewalColumns, type RenewalRow } from "~/lib/renewal-search";
import { orgWords } from "../../domain/org-words";
import type { OrganisationKind } from "../../domain/reference";
import type { ExportColumn } from "~/models/exports.server";
import { exportGrid } from "~/models/grid.server";
import { renewalGrid } from "~/models/list-grids.server";
import { renewalState } from "~/models/renewal-page.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  const query = new URLSearchParams(params);
  query.delete("download");
  const { state, today, measures } = await renewalState(db, user, query);
  const shortIn = measures.measures.find((m) => m.id === state.filters.short);
  const words = orgWords(user.org.kind as OrganisationKind);
  const unit = measures.unit;
  const columns = renewalColumns({ words, unit, shortIn });
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
  return exportGrid(context.services, user, params, () => state, renewalGrid(context.services.exports.db, user, { window: state.window, today, columns }), {
    what: words.cycles,
    target: "renewals",
    sheetName: words.Cycles,
    ip: context.clientIp,
    method: request.method,
    fixed: { window: state.window },
    range: { ...state.window, names: ["endFrom", "endTo"] },
    exportColumns: (visible) =>
      visible.flatMap((c): ExportColumn<RenewalRow>[] =>
        c.id === "progress" ? progress : [{ header: c.id === "shortBy" ? `Short by (${unit}${shortIn ? `, in ${shortIn.label}` : ""})` : c.label, value: c.exportValue, kind: c.exportKind }],
      ),
  });
}
