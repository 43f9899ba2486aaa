// A grid of credit reports as a page loads it and as its export streams it: the credit search, an
// activity's learners and (for exports) a licensee's records all go through here, so their URL
// parsing, scope, counting and audit are the same code.
import type { Kysely } from "kysely";
import type { AnalyticsReader } from "../../db/analytics/reader";
import type { Database } from "../../db/schema";
import { boardCodesInScope } from "../auth/scope.server";
import type { SessionUser } from "../auth/session.server";
import { activeFilterCount, CREDIT_FILTER_NAMES, parseCreditSearch, type CreditRow } from "../lib/credit-search";
import { visibleColumns, type ColumnDef } from "../lib/grid";
import { recordAudit } from "./audit.server";
import { searchCreditReports, streamCreditReports, type CreditFilters } from "./credits.server";
import type { ExportServices } from "./export-limits.server";
import { EXPORT_FORMATS, exportFilename, exportResponse, outcomeDetail, type ExportFormat } from "./exports.server";
import type { Logger } from "pino";

/** Parameters about the view, not the rows: their problems are notices above the grid. */
const CONTROL_KEYS = ["sort", "dir", "size", "page", "cursor", "hide", "show"] as const;

export interface CreditGridOptions {
  /** Filters the page fixes (the activity, the licensee), on top of the URL's. */
  fixed?: Pick<CreditFilters, "activityId" | "learnerId">;
  /** The columns this grid offers, in order. */
  columns: readonly ColumnDef<CreditRow>[];
  /** The analytics snapshot, for exact counts of broad searches at any size (credit-count.server.ts). */
  snapshot?: AnalyticsReader | null;
}

/** Pages of `size` rows that `count` records fill; null while counting. */
export function pageCount(count: { value: number } | null, size: number): number | null {
  return count === null ? null : Math.ceil(count.value / size);
}

function multiBoardOf(user: SessionUser): boolean {
  return user.scope.boardCodes === null;
}

export async function loadCreditGrid(db: Kysely<Database>, user: SessionUser, params: URLSearchParams, options: CreditGridOptions) {
  const multiBoard = multiBoardOf(user);
  const state = parseCreditSearch(params, { multiBoard });
  const filters: CreditFilters = { ...state.filters, ...options.fixed };
  const [{ page, count }, boards] = await Promise.all([
    searchCreditReports(db, user.scope, { ...state, filters }, { snapshot: options.snapshot }),
    multiBoard ? boardCodesInScope(db, user.scope) : Promise.resolve(user.scope.boardCodes ?? []),
  ]);
  const notices = CONTROL_KEYS.flatMap((key) => (state.errors[key] ? [state.errors[key]] : []));
  if (page.cursorRejected) notices.push("That page link no longer matches this search; showing the first page.");
  const filterErrors = Object.fromEntries(Object.entries(state.errors).filter(([key]) => !(CONTROL_KEYS as readonly string[]).includes(key)));
  const visible = visibleColumns(options.columns, state.hidden, state.shown, multiBoard).map((c) => c.id);
  return {
    multiBoard,
    boards,
    rows: page.rows,
    next: page.next,
    previous: page.previous,
    /** Exact (`{ value, exact: true }`), or null: "counting…", never an estimate. */
    count,
    pages: pageCount(count, state.size),
    page: page.cursorRejected ? 1 : state.page,
    size: state.size,
    sort: state.sort,
    visible,
    activeFilters: activeFilterCount(state.filters),
    filterErrors,
    notices,
    /** The raw URL values, so a field shows what was typed even when it could not be used. */
    values: Object.fromEntries(CREDIT_FILTER_NAMES.map((name) => [name, params.getAll(name)])) as Record<string, string[]>,
  };
}

export type CreditGridData = Awaited<ReturnType<typeof loadCreditGrid>>;

/**
 * The grid's whole filtered result as CSV or XLSX: the visible columns in screen order, the grid's
 * sort, streamed; audited when it ends. `download` picks the format (`format` is a filter).
 */
export async function exportCreditGrid(
  services: { db: Kysely<Database>; exports: ExportServices; logger: Logger },
  user: SessionUser,
  params: URLSearchParams,
  options: CreditGridOptions & { what: string; sheetName: string; ip: string | null; target?: string; /** The request's method (a HEAD gets headers only). */ method: string },
): Promise<Response> {
  const raw = params.get("download") ?? "csv";
  if (!(EXPORT_FORMATS as readonly string[]).includes(raw)) throw new Response("Choose download=csv or download=xlsx.", { status: 400 });
  const format = raw as ExportFormat;
  const query = new URLSearchParams(params);
  query.delete("download");
  const multiBoard = multiBoardOf(user);
  const state = parseCreditSearch(query, { multiBoard });
  const problems = Object.entries(state.errors).filter(([key]) => !["page", "cursor", "size"].includes(key));
  if (problems.length > 0) {
    // An export must be exactly what was asked for: refuse rather than export a different set.
    throw new Response(`The export was not started. ${problems.map(([key, message]) => `${key}: ${message}`).join(" ")}`, { status: 400 });
  }
  const columns = visibleColumns(options.columns, state.hidden, state.shown, multiBoard);
  const described = Object.fromEntries(
    [...query.keys()].filter((key) => !["after", "before", "page", "size"].includes(key)).map((key) => [key, query.getAll(key).join(",")]),
  );
  const { db } = services;
  return exportResponse({ services, userId: user.id, method: options.method }, {
    format,
    filename: exportFilename(user.org.code, options.what),
    sheetName: options.sheetName,
    columns: columns.map((c) => ({ header: c.label, value: c.exportValue, kind: c.exportKind })),
    rows: streamCreditReports(services.exports.db, user.scope, { filters: { ...state.filters, ...options.fixed }, sort: state.sort }),
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
