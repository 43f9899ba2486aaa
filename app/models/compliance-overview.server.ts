// Compliance at a glance, from the stored renewal statuses (board.roster_entry: one row per licensee
// cycle, tens of thousands per board, indexed by organisation and cycle end): how much of each
// cohort meets its requirement, and how far short the others are. These are board tables, not the
// learner store, so they are read in PostgreSQL after the statuses are brought up to date.
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { QueueStatus } from "../lib/renewal-search";
import { refreshRosterStatuses } from "./renewals.server";

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
  await refreshRosterStatuses(db, orgCode);
  const rows = await sql<{ month: string; status: QueueStatus; n: string }>`
    select to_char(cycle_end, 'YYYY-MM') as month, status, count(*)::text as n
      from board.roster_entry
     where org_code = ${orgCode} and cycle_end between ${window.from}::date and ${window.to}::date
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
     where org_code = ${orgCode} and cycle_end between ${window.from}::date and ${window.to}::date
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
