// The analytics reports' shared definitions (browser-safe): the filters every report takes (in the
// URL, parsed with zod), the months and lag bands reports group by, and the serialisable table shape
// a report hands to its page, its accessible table and its CSV export, so the three cannot disagree.
import { z } from "zod";
import { todayIn } from "../../domain/calendar";
import { ACTIVITY_FORMATS, REPORTING_WINDOW_DAYS } from "../../domain/reference";
import { providerQuery, type IdOrWords } from "./credit-search";
import { isoDate } from "./grid";

// ---------------------------------------------------------------- the reports

export const REPORTS = [
  {
    id: "timeliness",
    title: "Submission timeliness",
    summary: `Share of records submitted within ${REPORTING_WINDOW_DAYS} days of completion, the lag distribution, and providers ranked by late share.`,
  },
  { id: "volume", title: "Volume", summary: "Records and credits reported per month, by activity format and by entry method." },
  {
    id: "credit-mix",
    title: "Credit mix",
    summary: "Credits by topic (state boards) and by MOC credit type (certifying boards).",
  },
  { id: "rejections", title: "Rejections", summary: "Rejection rate and reasons over time, and providers ranked by rejection rate." },
  // "Compliance overview" (share of each cohort meeting its requirement, shortfall distribution)
  // joins these once renewal verification provides the cohorts and the compliance engine's results.
] as const;
export type ReportId = (typeof REPORTS)[number]["id"];

// ---------------------------------------------------------------- filters

const FORMATS = ACTIVITY_FORMATS as unknown as [string, ...string[]];
export const BOARD_CODE = /^[A-Z]{2,8}(-[A-Z])?$/;

/** Every report's filters: submission dates, provider, activity formats, and (ACCME) board. */
export interface ReportFilters {
  /** Submitted on or after this UTC day (YYYY-MM-DD). */
  from: string;
  /** Submitted on or before this UTC day. */
  to: string;
  provider?: IdOrWords;
  formats: string[];
  board?: string;
  /** Providers with fewer records are left out of provider rankings. */
  minRecords: number;
}

export const REPORT_FILTER_NAMES = ["submittedFrom", "submittedTo", "provider", "format", "board", "minRecords"] as const;
export type ReportFilterName = (typeof REPORT_FILTER_NAMES)[number];

export const DEFAULT_MIN_RECORDS = 25;
/** The longest date range a report covers (ten years of months). */
const MAX_MONTHS = 120;

const schemas = {
  submittedFrom: isoDate,
  submittedTo: isoDate,
  provider: providerQuery,
  format: z.array(z.enum(FORMATS, { error: "Choose a listed activity format." })).max(ACTIVITY_FORMATS.length),
  board: z.string().trim().toUpperCase().regex(BOARD_CODE, "Choose a listed board."),
  minRecords: z.coerce
    .number({ error: "Enter a whole number." })
    .int("Enter a whole number.")
    .min(1, "Enter 1 or more.")
    .max(100_000, "Enter at most 100,000."),
};

export interface ParsedReportFilters {
  filters: ReportFilters;
  /** Messages by parameter name: the value was not used. */
  errors: Partial<Record<ReportFilterName, string>>;
  /** The raw values, to show in the filter form again. */
  values: Record<ReportFilterName, string[]>;
  /** A board other than the user's own was asked for (the route answers 404). */
  foreignBoard: boolean;
}

/** The first day of the month `monthsBack` months before `today`'s (YYYY-MM-DD, UTC). */
export function monthStart(today: string, monthsBack = 0): string {
  const [y, m] = today.split("-").map(Number) as [number, number];
  const index = y * 12 + (m - 1) - monthsBack;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}-01`;
}

/** Today's UTC date: analytics count submissions by their UTC day, as the programme does. */
export function utcToday(now = new Date()): string {
  return todayIn("UTC", now);
}

/**
 * The report filters in the URL for an organisation. Default range: the last twelve months (this
 * month and the eleven before it). A bad value is reported beside its field and left out.
 * `ownBoards` is null for ACCME (any board may be chosen); a board organisation naming another
 * board sets `foreignBoard`.
 */
export function parseReportFilters(
  params: URLSearchParams,
  options: { ownBoards: readonly string[] | null; today: string; /** The report ranks providers (minRecords applies). */ rankings?: boolean },
): ParsedReportFilters {
  const values = Object.fromEntries(REPORT_FILTER_NAMES.map((name) => [name, params.getAll(name)])) as Record<ReportFilterName, string[]>;
  const errors: ParsedReportFilters["errors"] = {};
  const single = (name: Exclude<ReportFilterName, "format">): string | undefined => {
    const all = values[name].filter((v) => v !== "");
    if (all.length > 1) {
      errors[name] = "Give this filter once.";
      return undefined;
    }
    return all[0];
  };
  const take = <T>(name: Exclude<ReportFilterName, "format">, schema: z.ZodType<T>): T | undefined => {
    const raw = single(name);
    if (raw === undefined) return undefined;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    errors[name] = parsed.error.issues[0]?.message ?? "Not a valid value.";
    return undefined;
  };

  let from = take("submittedFrom", schemas.submittedFrom) ?? monthStart(options.today, 11);
  let to = take("submittedTo", schemas.submittedTo) ?? options.today;
  if (from > to) {
    errors.submittedTo = "The start date is after the end date; showing the last twelve months.";
    from = monthStart(options.today, 11);
    to = options.today;
  } else if (monthIndex(to) - monthIndex(from) >= MAX_MONTHS) {
    errors.submittedFrom = `A report covers at most ${MAX_MONTHS / 12} years; showing the ${MAX_MONTHS / 12} years up to the end date.`;
    from = monthStart(to, MAX_MONTHS - 1);
  }
  const provider = take("provider", schemas.provider);
  const formatValues = values.format.filter((v) => v !== "");
  let formats: string[] = [];
  if (formatValues.length) {
    const parsed = schemas.format.safeParse(formatValues);
    if (parsed.success) formats = [...new Set(parsed.data)];
    else errors.format = parsed.error.issues[0]?.message ?? "Choose a listed activity format.";
  }
  let board = take("board", schemas.board);
  let foreignBoard = false;
  if (board && options.ownBoards !== null) {
    if (!options.ownBoards.includes(board)) foreignBoard = true;
    // Naming one's own board is the same as not naming it.
    board = undefined;
  }
  const minRecords = (options.rankings ?? true ? take("minRecords", schemas.minRecords) : undefined) ?? DEFAULT_MIN_RECORDS;
  return { filters: { from, to, provider, formats, board, minRecords }, errors, values, foreignBoard };
}

/** Filters in force, as URL params (for exports, drill-downs and links that keep the view). */
export function reportFilterParams(filters: ReportFilters, raw: Record<ReportFilterName, string[]>): URLSearchParams {
  const params = new URLSearchParams();
  params.set("submittedFrom", filters.from);
  params.set("submittedTo", filters.to);
  if (filters.provider) params.set("provider", raw.provider[0] ?? "");
  for (const f of filters.formats) params.append("format", f);
  if (filters.board) params.set("board", filters.board);
  if (filters.minRecords !== DEFAULT_MIN_RECORDS) params.set("minRecords", String(filters.minRecords));
  return params;
}

/** The credit search pre-filtered to the same records (a drill-down), plus extra conditions. */
export function creditSearchHref(filters: ReportFilters, extra: Record<string, string>): string {
  const params = new URLSearchParams();
  params.set("submittedFrom", filters.from);
  params.set("submittedTo", filters.to);
  for (const f of filters.formats) params.append("format", f);
  if (filters.board) params.set("board", filters.board);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return `/credits?${params}`;
}

/** Whether the export asks for a single table: `table=<id>`. */
export const ExportRequest = z.object({
  table: z.string().regex(/^[a-z-]{1,40}$/, "Choose a table to export."),
  download: z.enum(["csv", "xlsx"], { error: "Choose download=csv or download=xlsx." }).default("csv"),
});

// ---------------------------------------------------------------- months and lag bands

function monthIndex(date: string): number {
  const [y, m] = date.split("-").map(Number) as [number, number];
  return y * 12 + (m - 1);
}

/** Every month (YYYY-MM) from the month of `from` to the month of `to`. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  for (let i = monthIndex(from); i <= monthIndex(to); i++) months.push(`${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}`);
  return months;
}

const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2026-03" as "Mar 2026". */
export function monthLabel(month: string): string {
  const [y, m] = month.split("-");
  return `${MONTH_NAMES[Number(m) - 1] ?? m} ${y}`;
}

/** Lag bands of the timeliness report, in days from completion to submission. */
export const LAG_BANDS = [
  { id: "early", label: "Before completion", min: null, max: -1, note: "Submitted before the completion date: a data error (rejected as a future completion)." },
  { id: "0-7", label: "0–7 days", min: 0, max: 7 },
  { id: "8-30", label: "8–30 days", min: 8, max: 30 },
  { id: "31-60", label: "31–60 days", min: 31, max: 60 },
  { id: "61-90", label: "61–90 days", min: 61, max: 90 },
  { id: "over-90", label: "Over 90 days", min: 91, max: null },
] as const;

/** Credit-mix kinds: topics reported to state boards, MOC credit types to certifying boards. */
export type CreditKind = "topic" | "moc";

export const CREDIT_KIND_LABELS: Record<CreditKind, { kind: string; total: string; type: string }> = {
  topic: { kind: "State boards: topics", total: "AMA PRA Category 1 credits", type: "Topic" },
  moc: { kind: "Certifying boards: MOC credit types", total: "Board credits", type: "MOC credit type" },
};


// ---------------------------------------------------------------- the table shape

export type CellKind = "text" | "code" | "count" | "percent" | "credits" | "days" | "month";

export interface ReportColumn {
  key: string;
  label: string;
  kind: CellKind;
  /** Header of the exported column, when it differs (units). */
  exportLabel?: string;
  /** The row field holding a link for this cell (a drill-down into the credit search); not exported. */
  linkKey?: string;
  /** How the link is described to a screen reader: "<cell> <linkLabel> of <row's provider>". */
  linkLabel?: string;
}

export type CellValue = string | number | null;
export type ReportRow = Record<string, CellValue>;

/** One table of a report: what the page shows under a chart and what its CSV export holds. */
export interface ReportTable {
  id: string;
  title: string;
  /** The XLSX sheet's name when the title is longer than Excel's 31 characters (whole words). */
  sheet?: string;
  columns: ReportColumn[];
  rows: ReportRow[];
  /** A footer row (totals), shown and exported after the rows. */
  total?: ReportRow;
  /** Shown under the table (e.g. "Top 25 of 112 providers; the export has all"). */
  note?: string;
}

/** A table cell as exported: numbers stay numbers (percentages in percent, two decimals). */
export function exportCell(column: ReportColumn, row: ReportRow): CellValue {
  const value = row[column.key] ?? null;
  if (value === null) return null;
  switch (column.kind) {
    case "percent":
      return typeof value === "number" ? Math.round(value * 10_000) / 100 : value;
    case "credits":
      return typeof value === "number" ? Math.round(value * 100) / 100 : value;
    case "days":
      return typeof value === "number" ? Math.round(value * 10) / 10 : value;
    default:
      return value;
  }
}

/** Header of an exported column: units spelled out. */
export function exportHeader(column: ReportColumn): string {
  if (column.exportLabel) return column.exportLabel;
  return column.kind === "percent" ? `${column.label} (%)` : column.label;
}

/** Columns that go into a file (all of them; drill-down links stay on the page). */
export function exportColumns(table: ReportTable): ReportColumn[] {
  return table.columns;
}

/**
 * The median of values given as (value, count) pairs, interpolated like SQL's
 * percentile_cont(0.5) / DuckDB's quantile_cont: the mean of the two middle values when the count
 * is even. Null when there are none.
 */
export function medianOfCounts(counts: ReadonlyArray<readonly [number, number]>): number | null {
  const sorted = counts.filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const position = (total - 1) / 2;
  const at = (rank: number) => {
    let seen = 0;
    for (const [value, n] of sorted) {
      seen += n;
      if (rank < seen) return value;
    }
    return sorted[sorted.length - 1]![0];
  };
  const lo = at(Math.floor(position));
  const hi = at(Math.ceil(position));
  return lo + (position - Math.floor(position)) * (hi - lo);
}

/** part / whole, or null when there is nothing to divide. */
export function share(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}
