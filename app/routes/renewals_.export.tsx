// Export of the renewal queue: every entry the filters match, in the queue's order and columns.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { BOARD_KINDS, requireUser } from "~/auth/permissions.server";
import { renewalColumns } from "~/lib/renewal-search";
import { orgWords } from "../../domain/org-words";
import type { OrganisationKind } from "../../domain/reference";
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
  const columns = renewalColumns({ words: orgWords(user.org.kind as OrganisationKind), unit: measures.unit, shortIn });
  return exportGrid(context.services, user, params, () => state, renewalGrid(context.services.exports.db, user, { window: state.window, today, columns }), {
    what: "renewals",
    sheetName: "Renewals",
    ip: context.clientIp,
    method: request.method,
    fixed: { window: state.window },
    header: (c) => (c.id === "shortBy" && shortIn ? `Short by in ${shortIn.label}` : c.label),
  });
}
