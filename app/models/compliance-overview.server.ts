// Compliance at a glance, from the stored renewal statuses (board.roster_entry: one row per licensee
// cycle, tens of thousands per board, indexed by organization and cycle end): how much of each
// cohort meets its requirement, how far short the others are, and in which of the rules'
// requirements. A cycle that has not ended is "not yet met", never "short". These are board
// tables, not the learner store, so they are read in PostgreSQL, as stored (the background runner
// computes them). Retired entries (no longer on the board's roster) are left out.
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { addDays } from "../../domain/calendar";
import { dateRangeError, isoDate } from "../lib/grid";
import type { ReportTable } from "../lib/reports";
import type { QueueStatus } from "../lib/renewal-search";
import { orgWords } from "../../domain/org-words";
import { organisationToday, type OrganisationKind } from "../../domain/reference";
import { getRuleSet } from "./rules.server";
import { complianceCards, measureGroups, shortInCounts, type ComplianceCards } from "./renewal-shortfalls.server";
import { ruleMeasures } from "../../domain/requirement-rules";

export interface CohortMonth {
  /** YYYY-MM of the cycle end. */
  month: string;
  total: number;
  meets: number;
  short: number;
  nothing: number;
  needsReview: number;
  unmatched: number;
  /** Short or nothing reported, cycle ended (before today). */
  endedShort: number;
  /** Short or nothing reported, cycle still open (ends today or later). */
  openNotMet: number;
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
  /** Each measure of the rules: how many entries in the window are short in it, ended and open. */
  requirements: Array<{ id: string; label: string; ended: number; open: number }>;
  /** The rules' topic or credit-type minimums, and how many entries ended short of at least one (null: the rules define none). */
  minimums: { names: string[]; ended: number; open: number } | null;
}

function share(meets: number, short: number, nothing: number, review: number): number | null {
  const decided = meets + short + nothing + review;
  return decided === 0 ? null : meets / decided;
}

export async function complianceOverview(
  db: Kysely<Database>,
  orgCode: string,
  window: { from: string; to: string },
  today: string = organisationToday(orgCode),
): Promise<ComplianceOverview> {
  const rows = await sql<{ month: string; status: QueueStatus; ended: boolean; n: string }>`
    select to_char(cycle_end, 'YYYY-MM') as month, status, cycle_end < ${today}::date as ended, count(*)::text as n
      from board.roster_entry
     where org_code = ${orgCode} and cycle_end between ${window.from}::date and ${window.to}::date and retired_at is null
     group by 1, 2, 3 order by 1`.execute(db);
  const byMonth = new Map<string, CohortMonth>();
  for (const row of rows.rows) {
    const month = byMonth.get(row.month) ?? {
      month: row.month,
      total: 0,
      meets: 0,
      short: 0,
      nothing: 0,
      needsReview: 0,
      unmatched: 0,
      endedShort: 0,
      openNotMet: 0,
      meetsShare: null,
    };
    const n = Number(row.n);
    month.total += n;
    if (row.status === "short" || row.status === "nothing") {
      if (row.ended) month.endedShort += n;
      else month.openNotMet += n;
    }
    if (row.status === "meets") month.meets += n;
    else if (row.status === "short") month.short += n;
    else if (row.status === "nothing") month.nothing += n;
    else if (row.status === "needs_review") month.needsReview += n;
    else if (row.status === "unmatched") month.unmatched += n;
    byMonth.set(row.month, month);
  }
  const months = [...byMonth.values()].map((m) => ({ ...m, meetsShare: share(m.meets, m.short, m.nothing, m.needsReview) }));
  const sum = (key: "total" | "meets" | "short" | "nothing" | "needsReview" | "unmatched" | "endedShort" | "openNotMet") => months.reduce((n, m) => n + m[key], 0);
  const totals = {
    total: sum("total"),
    meets: sum("meets"),
    short: sum("short"),
    nothing: sum("nothing"),
    needsReview: sum("needsReview"),
    unmatched: sum("unmatched"),
    endedShort: sum("endedShort"),
    openNotMet: sum("openNotMet"),
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
  // By requirement: only the measures the organization's rules define.
  const stored = await getRuleSet(db, orgCode);
  const byMeasure = await shortInCounts(db, orgCode, window, today);
  const requirements = stored ? ruleMeasures(stored.rule).map((m) => ({ id: m.id, label: m.label, ...(byMeasure[m.id] ?? { ended: 0, open: 0 }) })) : [];
  const minimumGroups = stored ? measureGroups(stored.rule).filter((g) => g.kind === "minimum") : [];
  let minimums: ComplianceOverview["minimums"] = null;
  if (minimumGroups.length) {
    const ids = minimumGroups.flatMap((g) => g.ids);
    const row = await sql<{ ended: string; open: string }>`
      select count(*) filter (where cycle_end < ${today}::date)::text as ended, count(*) filter (where cycle_end >= ${today}::date)::text as open
        from board.roster_entry
       where org_code = ${orgCode} and cycle_end between ${window.from}::date and ${window.to}::date and retired_at is null and shortfalls ?| ${ids}::text[]`.execute(db);
    minimums = { names: minimumGroups.map((g) => g.label), ended: Number(row.rows[0]?.ended ?? 0), open: Number(row.rows[0]?.open ?? 0) };
  }
  return {
    window,
    months,
    totals,
    shortfall: SHORTFALL_BUCKETS.map((b) => ({ id: b.id, label: b.label, licensees: counts.get(b.id) ?? 0 })),
    requirements,
    minimums,
  };
}

export type DashboardCompliance = ComplianceCards;

/**
 * The dashboard's compliance cards (renewal-shortfalls.server.ts): only what the organization's rules
 * define, open cycles "not yet met", ended ones "short".
 */
export async function dashboardCompliance(db: Kysely<Database>, org: { code: string; kind: string }, today: string): Promise<DashboardCompliance | null> {
  if (org.kind !== "state_board" && org.kind !== "certifying_board") return null;
  return complianceCards(db, org, today);
}

/** The report's two tables (what the page shows under the charts and what each CSV holds). */
export const COMPLIANCE_TABLES = ["months", "shortfall", "requirements"] as const;

/** The report's tables (what the page shows under the charts and what each CSV holds), in the organization's words. */
export function complianceTables(
  overview: ComplianceOverview,
  org: { kind: string; unit?: string } = { kind: "state_board" },
): Record<(typeof COMPLIANCE_TABLES)[number], ReportTable> {
  const words = orgWords(org.kind as OrganisationKind);
  const unit = org.unit ?? "credits";
  return {
    months: {
      id: "months",
      title: "Cohort by month of cycle end",
      columns: [
        { key: "month", label: "Cycle ends in", kind: "month" },
        { key: "total", label: words.People, kind: "count" },
        { key: "meets", label: "Meet", kind: "count" },
        { key: "endedShort", label: "Short at cycle end", kind: "count" },
        { key: "openNotMet", label: "Not yet met (cycle open)", kind: "count" },
        { key: "needsReview", label: "Needs review", kind: "count" },
        { key: "unmatched", label: "Not matched", kind: "count" },
        { key: "meetsShare", label: "Share meeting", kind: "percent" },
      ],
      rows: overview.months.map((m) => ({ ...m })),
      total: { month: "Total", ...overview.totals },
      note: `Short and not yet met include ${words.people} with nothing reported. Share meeting counts matched ${words.people} with a placed cycle (not matched ones are left out).`,
    },
    shortfall: {
      id: "shortfall",
      title: `How far short (${unit}, largest unmet requirement)`,
      sheet: "How far short",
      columns: [
        { key: "label", label: "Short by", kind: "text" },
        { key: "licensees", label: words.People, kind: "count" },
      ],
      rows: overview.shortfall.map((b) => ({ label: b.label, licensees: b.licensees })),
    },
    requirements: {
      id: "requirements",
      title: "By requirement",
      columns: [
        { key: "label", label: "Requirement", kind: "text" },
        { key: "ended", label: "Short at cycle end", kind: "count" },
        { key: "open", label: "Not yet met (cycle open)", kind: "count" },
      ],
      rows: overview.requirements.map((r) => ({ label: r.label, ended: r.ended, open: r.open })),
      note: `Only the requirements your rules define. A ${words.person} short in several is counted in each.`,
    },
  };
}


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
