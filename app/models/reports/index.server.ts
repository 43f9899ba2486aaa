// The analytics reports as routes use them: a report page (filters parsed, the report read from
// the current snapshot, the board options for ACCME) and the CSV/XLSX export of one of its tables,
// audited like every other export. Every report goes through here, so scope, filter parsing and
// the "preparing" state are the same for all of them.
import type { Kysely } from "kysely";
import type { Database } from "../../../db/schema";
import type { Analytics, AnalyticsFreshness } from "../../../db/analytics/service";
import type { SnapshotQuery } from "../../../db/analytics/reader";
import type { Scope } from "../../auth/scope.server";
import type { SessionUser } from "../../auth/session.server";
import {
  exportCell,
  exportColumns,
  exportHeader,
  ExportRequest,
  monthStart,
  parseReportFilters,
  REPORT_FILTER_NAMES,
  utcToday,
  type ReportFilters,
  type ReportId,
  type ReportTable,
} from "../../lib/reports";
import { recordAudit } from "../audit.server";
import { exportFilename, exportResponse, outcomeDetail, type CellValue, type ExportContext } from "../exports.server";
import { boardsInSnapshot, providerName } from "./common.server";
import { creditMixReport } from "./credit-mix.server";
import { rejectionsReport } from "./rejections.server";
import { timelinessReport } from "./timeliness.server";
import { volumeReport } from "./volume.server";
import { organisationTimeZone } from "../../../domain/reference";

/** Each report's query, and which of its fields are tables (in page order). */
const REPORT_QUERIES = {
  timeliness: {
    run: (q: SnapshotQuery, scope: Scope, filters: ReportFilters, all: boolean) => timelinessReport(q, scope, filters, { allProviders: all }),
    tables: ["monthly", "lag", "providers"],
    rankings: true,
  },
  volume: {
    run: (q: SnapshotQuery, scope: Scope, filters: ReportFilters) => volumeReport(q, scope, filters),
    tables: ["monthly", "entryMethods", "formats"],
    rankings: false,
  },
  "credit-mix": {
    run: (q: SnapshotQuery, scope: Scope, filters: ReportFilters) => creditMixReport(q, scope, filters),
    tables: ["types", "monthly"],
    rankings: false,
  },
  rejections: {
    run: (q: SnapshotQuery, scope: Scope, filters: ReportFilters, all: boolean) => rejectionsReport(q, scope, filters, { allProviders: all }),
    tables: ["monthly", "reasons", "providers"],
    rankings: true,
  },
} as const satisfies Record<
  ReportId,
  { run: (q: SnapshotQuery, scope: Scope, filters: ReportFilters, all: boolean) => Promise<object>; tables: readonly string[]; rankings: boolean }
>;

export type ReportData<Id extends ReportId> = Awaited<ReturnType<(typeof REPORT_QUERIES)[Id]["run"]>>;

/**
 * A report's filters as an organisation asks for them. Board organisations see only their own
 * board: the board filter is for ACCME.
 */
function parseFilters(id: ReportId, scope: Scope, params: URLSearchParams, today = utcToday()) {
  return parseReportFilters(params, { ownBoards: scope.boardCodes, today, rankings: REPORT_QUERIES[id].rankings });
}

/** The tables of a report, in page order. */
export function reportTables(id: ReportId, report: object): ReportTable[] {
  const record = report as Record<string, unknown>;
  return REPORT_QUERIES[id].tables.map((key) => record[key] as ReportTable);
}

export type ReportPage<Id extends ReportId> =
  | {
      state: "ready";
      report: ReportData<Id>;
      filters: ReportFilters;
      /** The provider the filter names, when it is a provider id in scope. */
      providerLabel: string | null;
      /** Board codes with records in scope (ACCME's board filter). */
      boards: string[];
      asOf: string;
      /** Whether these figures are behind the store (the notice above them). */
      freshness: AnalyticsFreshness;
      errors: Partial<Record<string, string>>;
      values: Record<string, string[]>;
      multiBoard: boolean;
      defaultRange: { from: string; to: string };
    }
  | {
      state: "preparing";
      /** The snapshot turned out damaged and is being rebuilt (not the first build). */
      rebuilding: boolean;
      /** The latest attempt to build it failed at this time (ISO), or null. */
      failedAt: string | null;
      filters: ReportFilters;
      errors: Partial<Record<string, string>>;
      values: Record<string, string[]>;
      multiBoard: boolean;
      boards: string[];
      defaultRange: { from: string; to: string };
    };

/**
 * A report page for the signed-in user. A board organisation that names another board gets 404
 * (that board's figures do not exist for it); any other bad value is a message beside its field.
 */
export async function loadReportPage<Id extends ReportId>(analytics: Analytics, user: SessionUser, id: Id, params: URLSearchParams): Promise<ReportPage<Id>> {
  const today = utcToday();
  const parsed = parseFilters(id, user.scope, params, today);
  if (parsed.foreignBoard) throw new Response("Not found", { status: 404 });
  const multiBoard = user.scope.boardCodes === null;
  // The range a report shows without dates in the address (the filter panel counts a date range as a filter only when it differs).
  const defaultRange = { from: monthStart(today, 11), to: today };
  const common = { filters: parsed.filters, errors: parsed.errors, values: parsed.values, multiBoard, defaultRange };
  const read = await analytics.reader.read((q) => reportPageFigures(q, user.scope, id, parsed.filters));
  if (!read) {
    const failedAt = analytics.health().lastFailure?.at ?? null;
    return { state: "preparing", rebuilding: analytics.reader.rebuilding, failedAt, ...common, boards: [...(user.scope.boardCodes ?? [])] };
  }
  return { state: "ready", ...common, ...read.value, asOf: read.info.asOf, freshness: analytics.freshness(read.info.asOf) };
}

/**
 * A report page's figures for one scope and one set of filters. A snapshot never changes once
 * published, so they are computed once per snapshot and shared by every reviewer who asks for them
 * (decision 017).
 */
function reportPageFigures<Id extends ReportId>(q: SnapshotQuery, scope: Scope, id: Id, filters: ReportFilters) {
  return q.cached(`report-page:${id}:${JSON.stringify(scope)}:${JSON.stringify(filters)}`, async (q) => {
    const report = (await REPORT_QUERIES[id].run(q, scope, filters, false)) as ReportData<Id>;
    const boards = scope.boardCodes === null ? await boardsInSnapshot(q, scope) : [...scope.boardCodes];
    const providerLabel = filters.provider?.kind === "id" ? await providerName(q, scope, filters.provider.id) : null;
    return { report, boards, providerLabel };
  });
}

/**
 * Every report as it opens (no filters) for each of these organisations, so the first reviewers
 * after a start do not wait for them. Run once, after the first snapshot of a server process;
 * later snapshots recompute what was asked for (AnalyticsReader's warming).
 */
export async function warmReportPages(q: SnapshotQuery, scopes: readonly Scope[], today = utcToday()): Promise<number> {
  let computed = 0;
  for (const scope of scopes) {
    for (const id of Object.keys(REPORT_QUERIES) as ReportId[]) {
      const { filters } = parseFilters(id, scope, new URLSearchParams(), today);
      await reportPageFigures(q, scope, id, filters);
      computed++;
    }
  }
  return computed;
}

/**
 * One table of a report as CSV or XLSX: exactly the page's table for the same filters (provider
 * rankings in full), numbers as numbers, text neutralised against formulas; audited when it ends.
 */
export async function exportReportTable(
  services: { db: Kysely<Database>; analytics: Analytics } & ExportContext["services"],
  user: SessionUser,
  id: ReportId,
  params: URLSearchParams,
  ip: string | null,
  /** The request's method (a HEAD gets headers only). */
  method: string,
): Promise<Response> {
  const request = ExportRequest.safeParse({ table: params.get("table") ?? undefined, download: params.get("download") ?? undefined });
  if (!request.success) throw new Response(`The export was not started. ${request.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join(" ")}`, { status: 400 });
  const query = new URLSearchParams(params);
  query.delete("table");
  query.delete("download");
  const parsed = parseFilters(id, user.scope, query);
  if (parsed.foreignBoard) throw new Response("Not found", { status: 404 });
  const problems = Object.entries(parsed.errors);
  if (problems.length > 0) {
    // An export must be exactly what was asked for: refuse rather than export a different set.
    throw new Response(`The export was not started. ${problems.map(([key, message]) => `${key}: ${message}`).join(" ")}`, { status: 400 });
  }
  const { db, analytics } = services;
  const read = await analytics.reader.read(async (q) => REPORT_QUERIES[id].run(q, user.scope, parsed.filters, true));
  if (!read) {
    const why = analytics.reader.rebuilding
      ? "Analytics are being rebuilt: the figures could not be read and are being computed again from the reported credit."
      : "Analytics are being prepared: the first figures are still being computed from the reported credit.";
    throw new Response(`${why} Try again in a minute.`, { status: 503, headers: { "Retry-After": "30" } });
  }
  const table = reportTables(id, read.value).find((t) => t.id === request.data.table);
  if (!table) throw new Response(`The export was not started. table: this report has no table "${request.data.table}".`, { status: 400 });

  const columns = exportColumns(table);
  const rows = table.total ? [...table.rows, table.total] : table.rows;
  async function* source() {
    yield* rows;
  }
  const described = Object.fromEntries([...query.keys()].map((key) => [key, query.getAll(key).join(",")]));
  return exportResponse({ services, userId: user.id, method }, {
    format: request.data.download,
    readsDatabase: false,
    filename: exportFilename(user.org.code, `${id}-${table.id}`, {
      filters: Object.fromEntries(REPORT_FILTER_NAMES.filter((n) => n !== "submittedFrom" && n !== "submittedTo").map((n) => [n, query.getAll(n)])),
      range: { from: parsed.filters.from, to: parsed.filters.to },
    }),
    sheetName: table.sheet ?? table.title,
    timeZone: organisationTimeZone(user.org.code),
    columns: columns.map((c) => ({
      header: exportHeader(c),
      value: (row: (typeof rows)[number]): CellValue => exportCell(c, row),
      kind: c.kind === "text" || c.kind === "code" || c.kind === "month" ? "text" : "number",
      width: c.kind === "text" ? 36 : undefined,
    })),
    rows: source(),
    onFinish: (outcome) =>
      recordAudit(db, {
        action: "export",
        userId: user.id,
        orgCode: user.org.code,
        target: `report:${id}:${table.id}`,
        detail: {
          format: request.data.download,
          filters: { ...described, submittedFrom: parsed.filters.from, submittedTo: parsed.filters.to },
          dataAsOf: read.info.asOf,
          ...outcomeDetail(outcome),
        },
        ip,
      }),
  });
}
