// The analytics sync history as an administrator sees it: every sync's time, kind, outcome,
// duration and row counts, counted within the organisation's scope (a board's admin sees its own
// board's rows, ACCME all), so the history tells no board another's volumes.
import type { Analytics } from "../../db/analytics/service";
import type { SyncRecord } from "../../db/analytics/history";
import type { Scope } from "../auth/scope.server";

export interface SyncHistoryRow {
  id: string;
  startedAt: string;
  finishedAt: string | null;
  kind: SyncRecord["kind"];
  trigger: SyncRecord["trigger"];
  outcome: SyncRecord["outcome"];
  durationMs: number | null;
  /** Live credit reports in the snapshot after the sync, in scope. */
  rows: number | null;
  /** Credit reports the sync read and applied, in scope. */
  changed: number | null;
  asOf: string | null;
  error: string | null;
}

function inScope(counts: Record<string, number> | null, total: number | null, scope: Scope): number | null {
  if (scope.boardCodes === null) return total;
  if (!counts) return null;
  return scope.boardCodes.reduce((sum, code) => sum + (counts[code] ?? 0), 0);
}

export async function syncHistoryFor(analytics: Analytics, scope: Scope, limit = 100): Promise<SyncHistoryRow[]> {
  const records = await analytics.history(limit);
  return records.map((r) => ({
    id: r.id,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    kind: r.kind,
    trigger: r.trigger,
    outcome: r.outcome,
    durationMs: r.durationMs,
    rows: inScope(r.rowsByBoard, r.rowsTotal, scope),
    changed: inScope(r.changesByBoard, r.rowsChanged, scope),
    asOf: r.asOf,
    error: r.error,
  }));
}
