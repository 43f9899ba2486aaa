// Compliance at a glance, from the stored renewal statuses (board.roster_entry: one row per licensee
// cycle, tens of thousands per board, indexed by organisation and cycle end): how much of each
// cohort meets its requirement, and how far short the others are. These are board tables, not the
// learner store, so they are read in PostgreSQL, as stored (the background runner computes them).
// Retired entries (no longer on the board's roster) are left out.
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { dateRangeError, isoDate } from "../lib/grid";
import type { ReportTable } from "../lib/reports";
import type { QueueStatus } from "../lib/renewal-search";

export interface CohortMonth {
  /** YYYY-MM of the cycle end. */
  month: string;
  total: number;
  meets: number;
  short: number;
  nothing: number;
  needsReview: number;
  unmatched: number;
  /** Share of matched licensees (with a placed cycle) that meet the requirement, 0–1; null when none. */
  meetsShare: number | null;
}

/** Shortfall buckets, in credits short of the largest unmet requirement. */
export const SHORTFALL_BUCKETS = [
  { id: "0-5", label: "Up to 5", from: 0, to: 5 },
  { id: "5-10", label: "5 to 10", from: 5, to: 10 },
  { id: "10-25", label: "10 to 25", from: 10, to: 25 },
  { id: "25+", label: "Over 25", from: 25, to: null },
] as const;

export interface ComplianceOverview {
  window: { from: string; to: string };
  months: CohortMonth[];
  totals: Omit<CohortMonth, "month">;
  shortfall: Array<{ id: string; label: string; licensees: number }>;
}

function share(meets: number, short: number, nothing: number, review: number): number | null {
  const decided = meets + short + nothing + review;
  return decided === 0 ? null : meets / decided;
}

export async function complianceOverview(db: Kysely<Database>, orgCode: string, window: { from: string; to: string }): Promise<ComplianceOverview> {
  const rows = await sql<{ month: string; status: QueueStatus; n: string }>`
    select to_char(cycle_end, 'YYYY-MM') as month, status, count(*)::text as n
      from board.roster_entry
     where org_code = ${orgCode} and cycle_end between ${window.from}::date and ${window.to}::date and retired_at is null
     group by 1, 2 order by 1`.execute(db);
  const byMonth = new Map<string, CohortMonth>();
  for (const row of rows.rows) {
    const month = byMonth.get(row.month) ?? { month: row.month, total: 0, meets: 0, short: 0, nothing: 0, needsReview: 0, unmatched: 0, meetsShare: null };
    const n = Number(row.n);
    month.total += n;
    if (row.status === "meets") month.meets += n;
    else if (row.status === "short") month.short += n;
    else if (row.status === "nothing") month.nothing += n;
    else if (row.status === "needs_review") month.needsReview += n;
    else if (row.status === "unmatched") month.unmatched += n;
    byMonth.set(row.month, month);
  }
  const months = [...byMonth.values()].map((m) => ({ ...m, meetsShare: share(m.meets, m.short, m.nothing, m.needsReview) }));
  const sum = (key: "total" | "meets" | "short" | "nothing" | "needsReview" | "unmatched") => months.reduce((n, m) => n + m[key], 0);
  const totals = {
    total: sum("total"),
    meets: sum("meets"),
    short: sum("short"),
    nothing: sum("nothing"),
    needsReview: sum("needsReview"),
    unmatched: sum("unmatched"),
    meetsShare: share(sum("meets"), sum("short"), sum("nothing"), sum("needsReview")),
  };
  const buckets = await sql<{ bucket: string; n: string }>`
    select case when short_by <= 5 then '0-5' when short_by <= 10 then '5-10' when short_by <= 25 then '10-25' else '25+' end as bucket,
           count(*)::text as n
      from board.roster_entry
     where org_code = ${orgCode} and cycle_end between ${window.from}::date and ${window.to}::date and retired_at is null
       and status in ('short', 'nothing') and short_by > 0
     group by 1`.execute(db);
  const counts = new Map(buckets.rows.map((b) => [b.bucket, Number(b.n)]));
  return {
    window,
    months,
    totals,
    shortfall: SHORTFALL_BUCKETS.map((b) => ({ id: b.id, label: b.label, licensees: counts.get(b.id) ?? 0 })),
  };
}

export type DashboardCompliance =
  | { kind: "renewals"; dueIn90Days: number; meeting: number; href: string }
  | { kind: "credit-type-minimums"; diplomates: number; short: number; href: string };

/**
 * The dashboard's compliance figures. A state board: licensees whose cycle ends in the next 90 days
 * and how many already meet the requirement. A certifying board: diplomates on its rosters whose
 * cycle has not ended, and how many are short of a credit-type minimum (an unmet requirement other
 * than the total).
 */
export async function dashboardCompliance(db: Kysely<Database>, org: { code: string; kind: string }, today: string): Promise<DashboardCompliance | null> {
  if (org.kind !== "state_board" && org.kind !== "certifying_board") return null;
  if (org.kind === "state_board") {
    const row = await sql<{ due: string; meeting: string }>`
      select count(*)::text as due, count(*) filter (where status = 'meets')::text as meeting from board.roster_entry
       where org_code = ${org.code} and cycle_end between ${today}::date and ${today}::date + 90 and retired_at is null`.execute(db);
    const r = row.rows[0]!;
    return { kind: "renewals", dueIn90Days: Number(r.due), meeting: Number(r.meeting), href: "/reports/compliance" };
  }
  const row = await sql<{ diplomates: string; short: string }>`
    select count(*)::text as diplomates,
           count(*) filter (where exists (select 1 from unnest(requirements_short) s where s <> 'total'))::text as short
      from board.roster_entry where org_code = ${org.code} and cycle_end >= ${today}::date and learner_id is not null and retired_at is null`.execute(db);
  const r = row.rows[0]!;
  return { kind: "credit-type-minimums", diplomates: Number(r.diplomates), short: Number(r.short), href: "/renewals?status=short" };
}

/** The report's two tables (what the page shows under the charts and what each CSV holds). */
export function complianceTables(overview: ComplianceOverview): { months: ReportTable; shortfall: ReportTable } {
  return {
    months: {
      id: "months",
      title: "Cohort by month of cycle end",
      columns: [
        { key: "month", label: "Cycle ends in", kind: "month" },
        { key: "total", label: "Licensees", kind: "count" },
        { key: "meets", label: "Meet", kind: "count" },
        { key: "short", label: "Short", kind: "count" },
        { key: "nothing", label: "Nothing reported", kind: "count" },
        { key: "needsReview", label: "Needs review", kind: "count" },
        { key: "unmatched", label: "Not matched", kind: "count" },
        { key: "meetsShare", label: "Share meeting", kind: "percent" },
      ],
      rows: overview.months.map((m) => ({ ...m })),
      total: { month: "Total", ...overview.totals },
      note: "Share meeting counts matched licensees with a placed cycle (not matched ones are left out).",
    },
    shortfall: {
      id: "shortfall",
      title: "How far short (credits, largest unmet requirement)",
      columns: [
        { key: "label", label: "Short by", kind: "text" },
        { key: "licensees", label: "Licensees", kind: "count" },
      ],
      rows: overview.shortfall.map((b) => ({ label: b.label, licensees: b.licensees })),
    },
  };
}


const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The report's window from `endFrom` / `endTo` (default: the next 365 days), with a message per bad field. */
export function complianceWindow(params: URLSearchParams, today: string): { window: { from: string; to: string }; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const parse = (name: string) => {
    const raw = params.get(name);
    if (!raw) return undefined;
    const result = isoDate.safeParse(raw);
    if (!result.success) errors[name] = result.error.issues[0]?.message ?? "Not a date.";
    return result.success ? result.data : undefined;
  };
  let from = parse("endFrom");
  let to = parse("endTo");
  const order = dateRangeError(from, to);
  if (order) {
    errors.endTo = order;
    from = to = undefined;
  }
  return { window: { from: from ?? today, to: to ?? addDays(from ?? today, 365) }, errors };
}
