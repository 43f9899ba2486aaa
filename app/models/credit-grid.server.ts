// The credit-report grids (credit search, an activity's learners, a licensee's records) as
// definitions of the one grid pipeline (app/models/grid.server.ts): their URL schema, scope, reads,
// count and export stream; the page and its export call the same definition.
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../../db/schema";
import { boardCodesInScope } from "../auth/scope.server";
import type { SessionUser } from "../auth/session.server";
import { CREDIT_FILTER_NAMES, parseCreditSearch, type CREDIT_FILTERS, type CreditRow } from "../lib/credit-search";
import type { ColumnDef, GridState } from "../lib/grid";
import { countCreditReports, EXACT_COUNT_CAP, searchCreditReports, streamCreditReports, type CreditFilters } from "./credits.server";
import type { ExportServices } from "./export-limits.server";
import { exportGrid, loadGrid, type GridDefinition } from "./grid.server";
import type { RememberedGrid } from "./preferences.server";

export interface CreditGridOptions {
  /** Filters the page fixes (the activity, the licensee), on top of the URL's. */
  fixed?: Pick<CreditFilters, "activityId" | "learnerId">;
  /** The columns this grid offers, in order. */
  columns: readonly ColumnDef<CreditRow>[];
}

function multiBoardOf(user: SessionUser): boolean {
  return user.scope.boardCodes === null;
}

function rememberedAs(options: CreditGridOptions): RememberedGrid {
  return options.fixed?.activityId ? "activity-learners" : options.fixed?.learnerId ? "licensee-records" : "credits";
}

/** One credit grid as the pipeline reads it, in the user's scope (`readDb`: the export's own pool). */
export function creditGrid(readDb: Kysely<Database>, user: SessionUser, options: CreditGridOptions): GridDefinition<typeof CREDIT_FILTERS, CreditRow> {
  const withFixed = (state: GridState<typeof CREDIT_FILTERS>): CreditFilters => ({ ...state.filters, ...options.fixed });
  return {
    name: rememberedAs(options),
    columns: options.columns,
    filterNames: CREDIT_FILTER_NAMES,
    multiBoard: multiBoardOf(user),
    async read(state, request) {
      const { page, count } = await searchCreditReports(readDb, user.scope, {
        filters: withFixed(state),
        sort: state.sort,
        size: request.size,
        after: request.after,
        before: request.before,
        fromEnd: request.fromEnd,
      });
      return { ...page, count: { ...count, cap: EXACT_COUNT_CAP } };
    },
    count: async (state) => ({ ...(await countCreditReports(readDb, user.scope, withFixed(state))), cap: EXACT_COUNT_CAP }),
    stream: (state) => streamCreditReports(readDb, user.scope, { filters: withFixed(state), sort: state.sort }),
  };
}

export async function loadCreditGrid(db: Kysely<Database>, user: SessionUser, params: URLSearchParams, options: CreditGridOptions) {
  const multiBoard = multiBoardOf(user);
  const state = parseCreditSearch(params, { multiBoard });
  const [grid, boards] = await Promise.all([
    loadGrid(db, user, params, state, creditGrid(db, user, options)),
    multiBoard ? boardCodesInScope(db, user.scope) : Promise.resolve(user.scope.boardCodes ?? []),
  ]);
  return { ...grid, boards };
}

export type CreditGridData = Awaited<ReturnType<typeof loadCreditGrid>>;

/**
 * The grid's whole filtered result as CSV or XLSX: the visible columns in screen order, the grid's
 * sort, streamed; audited when it ends. `download` picks the format (`format` is a filter).
 */
export function exportCreditGrid(
  services: { db: Kysely<Database>; exports: ExportServices; logger: Logger },
  user: SessionUser,
  params: URLSearchParams,
  options: CreditGridOptions & { what: string; sheetName: string; ip: string | null; target?: string; /** The request's method (a HEAD gets headers only). */ method: string },
): Promise<Response> {
  const multiBoard = multiBoardOf(user);
  return exportGrid(services, user, params, (query) => parseCreditSearch(query, { multiBoard }), creditGrid(services.exports.db, user, options), {
    what: options.what,
    sheetName: options.sheetName,
    ip: options.ip,
    target: options.target,
    method: options.method,
    fixed: options.fixed,
  });
}
