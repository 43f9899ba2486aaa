// What every analytics report shares: the WHERE clause of its filters (always starting from the
// scope), provider names, and reading a report against the current snapshot.
import { z } from "zod";
import { duckCount, type AnalyticsReader, type SnapshotInfo, type SnapshotQuery } from "../../../db/analytics/reader";
import { dsql, join, list, raw, type DuckSql } from "../../../db/analytics/sql";
import { snapshotReportsInScope, type Scope } from "../../auth/scope.server";
import type { ReportFilters } from "../../lib/reports";
import { addDays } from "../../../domain/calendar";

/** The day after a YYYY-MM-DD day, as a TIMESTAMP literal value (submission times are UTC). */
function nextDayStart(date: string): string {
  return `${addDays(date, 1)} 00:00:00`;
}

/**
 * The conditions of a report's filters over `report` (alias r) or `report_credit_type` (alias t):
 * the organisation's scope first, then submission dates, provider, formats and board.
 */
export function reportConditions(scope: Scope, filters: ReportFilters, alias: "r" | "t" = "r"): DuckSql {
  const col = (name: string) => raw(`${alias}.${name}`);
  const conditions: DuckSql[] = [
    snapshotReportsInScope(scope, alias),
    dsql`${col("submitted_at")} >= ${`${filters.from} 00:00:00`}::timestamp`,
    dsql`${col("submitted_at")} < ${nextDayStart(filters.to)}::timestamp`,
  ];
  if (filters.provider?.kind === "id") {
    conditions.push(dsql`${col("provider_id")} = ${Number(filters.provider.id)}::integer`);
  } else if (filters.provider?.kind === "words") {
    // Every word starts a word of the name (searchWords left letters and digits only).
    const words = filters.provider.words.map((w) => dsql`regexp_matches(p.name, ${`(^|[^[:alnum:]])${w}`}, 'i')`);
    conditions.push(dsql`${col("provider_id")} in (select p.id from provider p where ${join(words, " and ")})`);
  }
  if (filters.formats.length) conditions.push(dsql`${col("format")} in ${list(filters.formats)}`);
  if (filters.board) conditions.push(dsql`${col("board_code")} = ${filters.board}`);
  return join(conditions, " and ");
}

/** A 7-digit ACCME provider id from the snapshot's integer. */
export function providerCode(id: number): string {
  return String(id).padStart(7, "0");
}

/** Board codes with credit reports in the organisation's scope (the ACCME board filter's options). */
export async function boardsInSnapshot(q: SnapshotQuery, scope: Scope): Promise<string[]> {
  const rows = await q.rows(
    dsql`select distinct board_code from report r where ${snapshotReportsInScope(scope, "r")} order by 1`,
    z.object({ board_code: z.string() }),
  );
  return rows.map((r) => r.board_code);
}

/** A provider's name, if it has records in scope (so a name never leaks from outside the scope). */
export async function providerName(q: SnapshotQuery, scope: Scope, id: string): Promise<string | null> {
  const rows = await q.rows(
    dsql`select p.name from provider p where p.id = ${Number(id)}::integer
         and exists (select 1 from report r where r.provider_id = p.id and ${snapshotReportsInScope(scope, "r")})`,
    z.object({ name: z.string() }),
  );
  return rows[0]?.name ?? null;
}

export const countRow = z.object({ n: duckCount });

export type ReportRead<T> = { state: "ready"; report: T; snapshot: SnapshotInfo } | { state: "preparing" };

/** Runs a report against the current snapshot, or says analytics are being prepared. */
export async function readReport<T>(reader: AnalyticsReader, work: (q: SnapshotQuery, info: SnapshotInfo) => Promise<T>): Promise<ReportRead<T>> {
  const result = await reader.read(work);
  return result ? { state: "ready", report: result.value, snapshot: result.info } : { state: "preparing" };
}
