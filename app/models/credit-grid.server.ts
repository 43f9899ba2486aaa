// The credit-report grids (credit search, an activity's learners, a licensee's records) as
// definitions of the one grid pipeline (app/models/grid.server.ts): their URL schema, scope, reads,
// count and export stream; the page and its export call the same definition.
import type { Kysely } from "kysely";
import type { AnalyticsReader } from "../../db/analytics/reader";
import type { Logger } from "pino";
import type { Database } from "../../db/schema";
import { boardCodesInScope } from "../auth/scope.server";
import type { SessionUser } from "../auth/session.server";
import { ALL_CREDIT_TYPES, CREDIT_FILTER_NAMES, parseCreditSearch, type CREDIT_FILTERS, type CreditRow } from "../lib/credit-search";
import type { ColumnDef, GridState } from "../lib/grid";
import { countCreditReports, searchCreditReports, streamCreditReports, type CreditFilters } from "./credits.server";
import type { ExportServices } from "./export-limits.server";
import type { ExportColumn } from "./exports.server";
import { exportGrid, loadGrid, type GridDefinition } from "./grid.server";
import type { RememberedGrid } from "./preferences.server";
import { MOC_CREDIT_TYPES, STATE_TOPICS } from "../../domain/reference";

export interface CreditGridOptions {
  /** Filters the page fixes (the activity, the licensee), on top of the URL's. */
  fixed?: Pick<CreditFilters, "activityId" | "learnerId">;
  /** The columns this grid offers, in order. */
  columns: readonly ColumnDef<CreditRow>[];
  /** The analytics snapshot, for exact counts of broad searches at any size (credit-count.server.ts). */
  snapshot?: AnalyticsReader | null;
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
      }, { snapshot: options.snapshot });
      return { ...page, count };
    },
    count: (state) => countCreditReports(readDb, user.scope, withFixed(state), undefined, options.snapshot),
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
 * The credit types a file gets a column for: a certifying board's MOC credit types, a state board's
 * topics, every one of both for ACCME (unless it narrowed the file to one board).
 */
export function exportedCreditTypes(board: string | null): readonly string[] {
  if (board === null) return ALL_CREDIT_TYPES;
  return MOC_CREDIT_TYPES[board] ?? STATE_TOPICS;
}

/**
 * A grid's columns as a file has them: each column's export value, except "Topics / credit types",
 * which becomes one numeric column per credit type (the amount, empty when the record has none), so
 * a spreadsheet can sum and filter them.
 */
export function creditExportColumns(columns: readonly ColumnDef<CreditRow>[], creditTypes: readonly string[]): ExportColumn<CreditRow>[] {
  return columns.flatMap((c): ExportColumn<CreditRow>[] =>
    c.id === "creditTypes"
      ? creditTypes.map((type) => ({ header: type, value: (r: CreditRow) => r.creditTypes[type] ?? null, kind: "number" as const }))
      : [{ header: c.label, value: c.exportValue, kind: c.exportKind }],
  );
}

/**
 * The grid's whole filtered result as CSV or XLSX: the visible columns in screen order, the grid's
 * sort, streamed; audited when it ends. `download` picks the format (`format` is a filter).
 */
export function exportCreditGrid(
  services: { db: Kysely<Database>; exports: ExportServices; logger: Logger },
  user: SessionUser,
  params: URLSearchParams,
  options: CreditGridOptions & {
    what: string;
    sheetName: string;
    ip: string | null;
    target?: string;
    /** The request's method (a HEAD gets headers only). */
    method: string;
    /** Filters the route sets itself (a transcript's accepted records): the file name does not repeat them. */
    implied?: readonly string[];
  },
): Promise<Response> {
  const multiBoard = multiBoardOf(user);
  // Read here too (exportGrid reads it again, and refuses it if it has a problem): the board the
  // file is for decides its credit-type columns, and the completion dates are its range.
  const query = new URLSearchParams(params);
  query.delete("download");
  const asked = parseCreditSearch(query, { multiBoard }).filters;
  const board = user.scope.boardCodes?.length === 1 ? user.scope.boardCodes[0]! : (asked.board ?? null);
  return exportGrid(services, user, params, (q) => parseCreditSearch(q, { multiBoard }), creditGrid(services.exports.db, user, options), {
    what: options.what,
    sheetName: options.sheetName,
    ip: options.ip,
    target: options.target,
    method: options.method,
    fixed: options.fixed,
    implied: options.implied,
    range: { from: asked.completedFrom, to: asked.completedTo, names: ["completedFrom", "completedTo"] },
    exportColumns: (columns) => creditExportColumns(columns, exportedCreditTypes(typeof board === "string" ? board : null)),
  });
}
