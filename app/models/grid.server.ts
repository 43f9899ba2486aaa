// The one server-side grid pipeline: every grid (credit search, an activity's learners, a licensee's
// records, activities, the renewal queue) and its export go through here: parse (the grid's own URL
// schema) → scope (the definition's reads are scoped) → page (keyset, first / previous / next / last)
// → count. A filter that could not be read lists nothing; the export refuses it.
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../../db/schema";
import type { SessionUser } from "../auth/session.server";
import { activeFilterCount } from "../lib/credit-search";
import { lastPageRows, pageCount, splitGridErrors, visibleColumns, type ColumnDef, type FilterSpec, type GridState } from "../lib/grid";
import { recordAudit } from "./audit.server";
import type { ExportServices } from "./export-limits.server";
import { organisationTimeZone } from "../../domain/reference";
import { EXPORT_FORMATS, exportFilename, exportResponse, outcomeDetail, type ExportColumn, type ExportFormat } from "./exports.server";
import { getColumnChoice, type RememberedGrid } from "./preferences.server";

/** An exact count, or null while it could not be had within the time limit ("counting…"); never an estimate. */
export type GridCountValue = { value: number; exact: true } | null;

export interface GridPageRead<R> {
  rows: R[];
  next: string | null;
  previous: string | null;
  cursorRejected: boolean;
  count: GridCountValue;
}

export interface GridReadRequest {
  after: string | null;
  before: string | null;
  /** Rows to read; on the last page, the rows it holds. */
  size: number;
  /** The final page, read backwards from the end. */
  fromEnd: boolean;
}

/** One grid: its columns, what it reads (in the user's scope) and how it streams for an export. */
export interface GridDefinition<F extends Record<string, FilterSpec>, R> {
  /** The remembered-columns key. */
  name: RememberedGrid;
  /** Every column the grid offers, in order. */
  columns: readonly ColumnDef<R>[];
  /** The URL's filter names (the fields show what was typed, even when it could not be used). */
  filterNames: readonly string[];
  /** Board-level columns shown (organizations that see several boards). */
  multiBoard: boolean;
  read(state: GridState<F>, request: GridReadRequest): Promise<GridPageRead<R>>;
  /** The count alone (read first for the last page). */
  count(state: GridState<F>): Promise<GridCountValue>;
  /** Every matching row in the grid's order, for the export. */
  stream(state: GridState<F>): AsyncIterable<R>;
}

export interface GridData<R> {
  rows: R[];
  next: string | null;
  previous: string | null;
  count: { value: number; exact: true; pages: number } | null;
  page: number;
  size: number;
  sort: { id: string; desc: boolean };
  multiBoard: boolean;
  /** Visible column ids, in order (the URL's hide / show, else the user's remembered choice). */
  visible: string[];
  /** Whether the visible columns are the user's remembered choice (and not the URL's). */
  remembered: boolean;
  rememberKey: RememberedGrid;
  activeFilters: number;
  filterErrors: Record<string, string>;
  notices: string[];
  /** A filter could not be read: nothing is listed. */
  refused: boolean;
  values: Record<string, string[]>;
}

/** Load one page of a grid for the signed-in user. */
export async function loadGrid<F extends Record<string, FilterSpec>, R>(
  db: Kysely<Database>,
  user: Pick<SessionUser, "id">,
  params: URLSearchParams,
  state: GridState<F>,
  grid: GridDefinition<F, R>,
): Promise<GridData<R>> {
  const { filterErrors, notices } = splitGridErrors(state.errors);
  const refused = Object.keys(filterErrors).length > 0;
  const columnIds = grid.columns.map((c) => c.id);
  const fromUrl = params.has("hide") || params.has("show");
  const remembered = fromUrl ? null : await getColumnChoice(db, user.id, grid.name, columnIds);
  const visible = visibleColumns(grid.columns, remembered?.hide ?? state.hidden, remembered?.show ?? state.shown, grid.multiBoard).map((c) => c.id);

  let read: GridPageRead<R> = { rows: [], next: null, previous: null, cursorRejected: false, count: { value: 0, exact: true } };
  let page = state.page;
  if (!refused) {
    if (state.last) {
      const count = await grid.count(state);
      if (count !== null) {
        read = { ...(await grid.read(state, { after: null, before: null, size: lastPageRows(count.value, state.size), fromEnd: true })), count };
        page = pageCount(count.value, state.size);
      } else {
        notices.push("The last page can be opened once the number of matches is known; showing the first page.");
        read = await grid.read(state, { after: null, before: null, size: state.size, fromEnd: false });
        page = 1;
      }
    } else {
      read = await grid.read(state, { after: state.after, before: state.before, size: state.size, fromEnd: false });
    }
  }
  if (read.cursorRejected) {
    notices.push("That page link no longer matches this search; showing the first page.");
    page = 1;
  }
  const pages = read.count === null ? null : pageCount(read.count.value, state.size);
  return {
    rows: read.rows,
    next: read.next,
    previous: read.previous,
    count: read.count === null || pages === null ? null : { ...read.count, pages },
    page: pages === null ? page : Math.min(page, pages),
    size: state.size,
    sort: state.sort,
    multiBoard: grid.multiBoard,
    visible,
    remembered: remembered !== null,
    rememberKey: grid.name,
    activeFilters: activeFilterCount(state.filters),
    filterErrors,
    notices,
    refused,
    values: Object.fromEntries(grid.filterNames.map((name) => [name, params.getAll(name)])),
  };
}

export interface GridExportOptions<R> {
  what: string;
  sheetName: string;
  ip: string | null;
  /** The audit target (default: `what`). */
  target?: string;
  /** The request's method (a HEAD gets headers only). */
  method: string;
  /** Facts the page fixes (an activity, a licensee, a window), recorded with the filters. */
  fixed?: Record<string, unknown>;
  /** A column's header in the file when it differs from the screen's. */
  header?(column: ColumnDef<R>): string;
  /**
   * The file's columns from the visible ones, when a screen column becomes several numeric ones
   * (credit types, progress); default: each column's export value under its header.
   */
  exportColumns?(columns: readonly ColumnDef<R>[]): ExportColumn<R>[];
  /** The date range the rows are in, named in the file name (and left out of its filters). */
  range?: { from?: string | null; to?: string | null; names?: readonly string[] };
  /** Filters the route sets itself, left out of the file name. */
  implied?: readonly string[];
}

/**
 * A grid's whole filtered result as CSV or XLSX (`download=csv|xlsx`): the URL's visible columns in
 * screen order, the grid's sort, streamed; audited when it ends. A filter that could not be read
 * refuses the export (it must be exactly what was asked for).
 */
export async function exportGrid<F extends Record<string, FilterSpec>, R>(
  services: { db: Kysely<Database>; exports: ExportServices; logger: Logger },
  user: Pick<SessionUser, "id" | "org">,
  params: URLSearchParams,
  parse: (query: URLSearchParams) => GridState<F> | Promise<GridState<F>>,
  grid: GridDefinition<F, R>,
  options: GridExportOptions<R>,
): Promise<Response> {
  const raw = params.get("download") ?? "csv";
  if (!(EXPORT_FORMATS as readonly string[]).includes(raw)) throw new Response("Choose download=csv or download=xlsx.", { status: 400 });
  const format = raw as ExportFormat;
  const query = new URLSearchParams(params);
  query.delete("download");
  const state = await parse(query);
  const problems = Object.entries(state.errors).filter(([key]) => !["page", "cursor", "size"].includes(key));
  if (problems.length > 0) {
    throw new Response(`The export was not started. ${problems.map(([key, message]) => `${key}: ${message}`).join(" ")}`, { status: 400 });
  }
  const columns = visibleColumns(grid.columns, state.hidden, state.shown, grid.multiBoard);
  const described = Object.fromEntries(
    [...query.keys()].filter((key) => !["after", "before", "page", "size"].includes(key)).map((key) => [key, query.getAll(key).join(",")]),
  );
  const { db } = services;
  // The file name says the organization, what, each filter in use and the date range.
  const leftOut = new Set([...(options.range?.names ?? []), ...(options.implied ?? [])]);
  const named = Object.fromEntries(grid.filterNames.filter((name) => !leftOut.has(name)).map((name) => [name, query.getAll(name)]));
  return exportResponse({ services, userId: user.id, method: options.method }, {
    format,
    filename: exportFilename(user.org.code, options.what, { filters: named, range: options.range }),
    sheetName: options.sheetName,
    timeZone: organisationTimeZone(user.org.code),
    columns: options.exportColumns?.(columns) ?? columns.map((c) => ({ header: options.header?.(c) ?? c.label, value: c.exportValue, kind: c.exportKind })),
    rows: grid.stream(state),
    onFinish: (outcome) =>
      recordAudit(db, {
        action: "export",
        userId: user.id,
        orgCode: user.org.code,
        target: options.target ?? options.what,
        detail: { format, filters: { ...described, ...options.fixed }, ...outcomeDetail(outcome) },
        ip: options.ip,
      }),
  });
}
