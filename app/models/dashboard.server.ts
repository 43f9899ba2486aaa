// The home dashboard: the few figures that matter to each kind of organisation, from the analytics
// snapshot. A dashboard is a list of sections (DASHBOARD_SECTIONS per organisation kind); each
// section loads its own figures here and renders in app/routes/_index.tsx. Renewal and compliance
// figures (state boards: renewals due in 90 days and how many meet; certifying boards: diplomates
// short of their credit-type minimums) arrive as further sections with "Renewal verification".
import { z } from "zod";
import { addDays } from "../../domain/calendar";
import { REPORTING_WINDOW_DAYS } from "../../domain/reference";
import { duckCount, duckNumber, duckTimestampToIso, type SnapshotQuery } from "../../db/analytics/reader";
import { dsql } from "../../db/analytics/sql";
import { snapshotReportsInScope, type Scope } from "../auth/scope.server";
import { monthStart, monthsBetween, share, type ReportFilters, type ReportTable } from "../lib/reports";
import { lateProviderRanking } from "./reports/timeliness.server";

export type SectionId = "scope" | "trends" | "late-providers" | "by-board";

/** Which sections each kind of organisation sees, in order. */
export const DASHBOARD_SECTIONS: Record<string, readonly SectionId[]> = {
  accreditor: ["trends", "late-providers", "scope", "by-board"],
  state_board: ["trends", "scope"],
  certifying_board: ["trends", "scope"],
};

export interface ScopeFigures {
  creditReports: number;
  licensees: number;
  accepted: number;
  rejected: number;
  latestSubmission: string | null;
}

export interface TrendCard {
  id: "records" | "credits" | "late-share" | "rejection-rate";
  label: string;
  /** This month's value (to date); null when there is nothing to divide. */
  value: number | null;
  format: "count" | "credits" | "percent";
  /** One value per month, oldest first; the last is this month (to date). */
  series: Array<number | null>;
  hint: string;
}

export type DashboardSection =
  | { id: "scope"; figures: ScopeFigures }
  | { id: "trends"; months: string[]; cards: TrendCard[] }
  | { id: "late-providers"; from: string; to: string; minRecords: number; table: ReportTable }
  | { id: "by-board"; rows: Array<ScopeFigures & { boardCode: string }> };

const Figures = z.object({
  credit_reports: duckCount,
  licensees: duckCount,
  accepted: duckCount,
  rejected: duckCount,
  latest: z.string().nullable(),
});

function figures(row: z.infer<typeof Figures>): ScopeFigures {
  return {
    creditReports: row.credit_reports,
    licensees: row.licensees,
    accepted: row.accepted,
    rejected: row.rejected,
    latestSubmission: row.latest ? duckTimestampToIso(row.latest) : null,
  };
}

const FIGURES = dsql`count(*) as credit_reports, count(distinct r.learner_id) as licensees,
  count(*) filter (where r.status = 'accepted') as accepted, count(*) filter (where r.status = 'rejected') as rejected,
  strftime(max(r.submitted_at), '%Y-%m-%d %H:%M:%S.%f') as latest`;

/**
 * Every board's scope figures and the figures over all boards, in one scan (grouping sets), once
 * per snapshot: distinct licensees cannot be summed across boards and take a full pass to count.
 * The scheduler computes them as soon as a new snapshot is published (warmDashboard), so pages
 * find them ready.
 */
function allScopeFigures(q: SnapshotQuery): Promise<{ total: ScopeFigures; boards: Map<string, ScopeFigures> }> {
  return q.cached("scope-figures", async (q) => {
    const rows = await q.rows(
      dsql`select r.board_code, ${FIGURES} from report r group by grouping sets ((r.board_code), ())`,
      Figures.extend({ board_code: z.string().nullable() }),
    );
    const total = rows.find((r) => r.board_code === null);
    return {
      total: total ? figures(total) : EMPTY,
      boards: new Map(rows.filter((r) => r.board_code !== null).map((r) => [r.board_code as string, figures(r)])),
    };
  });
}

const EMPTY: ScopeFigures = { creditReports: 0, licensees: 0, accepted: 0, rejected: 0, latestSubmission: null };

/** How many credit reports and licensees the organisation can see (a licensee: someone with credit reported to the board). */
export async function scopeFigures(q: SnapshotQuery, scope: Scope): Promise<ScopeFigures> {
  if (scope.boardCodes === null) return (await allScopeFigures(q)).total;
  if (scope.boardCodes.length === 1) return (await allScopeFigures(q)).boards.get(scope.boardCodes[0]!) ?? EMPTY;
  return figures(await q.one(dsql`select ${FIGURES} from report r where ${snapshotReportsInScope(scope, "r")}`, Figures));
}

async function byBoard(q: SnapshotQuery, scope: Scope): Promise<Array<ScopeFigures & { boardCode: string }>> {
  const { boards } = await allScopeFigures(q);
  return [...boards.entries()]
    .filter(([code]) => scope.boardCodes === null || scope.boardCodes.includes(code))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([boardCode, f]) => ({ boardCode, ...f }));
}

/** Run after a new snapshot is published: the figures every dashboard needs, computed once, before a page asks. */
export async function warmDashboard(q: SnapshotQuery): Promise<void> {
  await allScopeFigures(q);
}

/** The sections an organisation's overview shows. */
export function dashboardSections(scope: Scope): readonly SectionId[] {
  return DASHBOARD_SECTIONS[scope.kind] ?? ["scope"];
}

/** Each organisation's whole overview, as its first page view would compute it (see warmReportPages). */
export async function warmDashboards(q: SnapshotQuery, scopes: readonly Scope[], today: string): Promise<void> {
  for (const scope of scopes) await loadDashboard(q, scope, dashboardSections(scope), today);
}

async function trends(q: SnapshotQuery, scope: Scope, today: string): Promise<Extract<DashboardSection, { id: "trends" }>> {
  const from = monthStart(today, 11);
  const rows = await q.rows(
    dsql`select strftime(r.submitted_month, '%Y-%m') as month, count(*) as records,
                count(*) filter (where r.lag_days > ${REPORTING_WINDOW_DAYS}) as late,
                count(*) filter (where r.status = 'rejected') as rejected,
                coalesce(sum(r.credits) filter (where r.status = 'accepted'), 0) as credits
         from report r
         where ${snapshotReportsInScope(scope, "r")} and r.submitted_at >= ${`${from} 00:00:00`}::timestamp
         group by r.submitted_month`,
    z.object({ month: z.string(), records: duckCount, late: duckCount, rejected: duckCount, credits: duckNumber }),
  );
  const months = monthsBetween(from, today);
  const byMonth = new Map(rows.map((r) => [r.month, r]));
  const at = (m: string) => byMonth.get(m) ?? { records: 0, late: 0, rejected: 0, credits: 0 };
  const series = {
    records: months.map((m) => at(m).records),
    credits: months.map((m) => Math.round(at(m).credits * 100) / 100),
    lateShare: months.map((m) => share(at(m).late, at(m).records)),
    rejectionRate: months.map((m) => share(at(m).rejected, at(m).records)),
  };
  const last = <T>(list: T[]) => list[list.length - 1] ?? null;
  const records: TrendCard = { id: "records", label: "Records this month", value: last(series.records), format: "count", series: series.records, hint: "So far this month; 12-month trend" };
  const lateShare: TrendCard = {
    id: "late-share",
    label: "Reported late this month",
    value: last(series.lateShare),
    format: "percent",
    series: series.lateShare,
    hint: `Share submitted more than ${REPORTING_WINDOW_DAYS} days after completion`,
  };
  const rejectionRate: TrendCard = { id: "rejection-rate", label: "Rejected this month", value: last(series.rejectionRate), format: "percent", series: series.rejectionRate, hint: "Share of records rejected" };
  const credits: TrendCard = {
    id: "credits",
    label: scope.kind === "certifying_board" ? "Board credits this month" : "Category 1 credits this month",
    value: last(series.credits),
    format: "credits",
    series: series.credits,
    hint: "Credits on accepted records",
  };
  const cards = scope.kind === "accreditor" ? [lateShare, records, rejectionRate] : [records, credits, lateShare, rejectionRate];
  return { id: "trends", months, cards };
}

/** Providers with fewer records in the 90 days are not ranked on the dashboard. */
export const DASHBOARD_MIN_RECORDS = 20;

/** ACCME: providers most often late over the last 90 days (the timeliness report's ranking, top 5). */
async function lateProviders(q: SnapshotQuery, scope: Scope, today: string): Promise<Extract<DashboardSection, { id: "late-providers" }>> {
  const from = addDays(today, -89);
  const filters: ReportFilters = { from, to: today, formats: [], minRecords: DASHBOARD_MIN_RECORDS };
  return { id: "late-providers", from, to: today, minRecords: DASHBOARD_MIN_RECORDS, table: await lateProviderRanking(q, scope, filters, 5) };
}

export function loadDashboard(q: SnapshotQuery, scope: Scope, sections: readonly SectionId[], today: string): Promise<DashboardSection[]> {
  // The same for every reviewer of the organisation until the next snapshot (or the next day).
  return q.cached(`dashboard:${JSON.stringify(scope)}:${sections.join(",")}:${today}`, (q) => computeDashboard(q, scope, sections, today));
}

async function computeDashboard(q: SnapshotQuery, scope: Scope, sections: readonly SectionId[], today: string): Promise<DashboardSection[]> {
  const loaded: DashboardSection[] = [];
  for (const id of sections) {
    switch (id) {
      case "scope":
        loaded.push({ id, figures: await scopeFigures(q, scope) });
        break;
      case "trends":
        loaded.push(await trends(q, scope, today));
        break;
      case "late-providers":
        loaded.push(await lateProviders(q, scope, today));
        break;
      case "by-board":
        loaded.push({ id, rows: await byBoard(q, scope) });
        break;
    }
  }
  return loaded;
}
