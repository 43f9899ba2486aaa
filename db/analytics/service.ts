// The analytics snapshot as one service for a server process: the reader the report pages query,
// and the scheduler that keeps the snapshot fresh. scripts/start.ts, the test servers and the bench
// all assemble it here, so they run the same thing.
import { readHistory, type SyncRecord } from "./history";
import { AnalyticsReader, type ReaderLogger, type SnapshotQuery } from "./reader";
import { SyncScheduler, type SyncHealth } from "./scheduler";
import type { SyncConnection, SyncKind, SyncLogger, SyncOptions, SyncResult, SyncTrigger } from "./sync";

export interface AnalyticsOptions {
  dir: string;
  connection: SyncConnection;
  /** Seconds between incremental syncs; 0: only the start-up sync (and syncs asked for). */
  intervalSeconds: number;
  /** Hours between full rebuilds; 0 never. */
  fullRebuildHours: number;
  memoryMb: number;
  logger?: SyncLogger & ReaderLogger;
  /** Start the scheduler (first sync at once). False: nothing runs until syncNow(). */
  schedule?: boolean;
  /** Queries to run on each new snapshot once it is published (cached per snapshot: dashboard figures). */
  warm?: (q: SnapshotQuery) => Promise<unknown>;
  /**
   * With the scheduler running, figures older than this are "behind" even when no sync failed (a
   * sync stuck or running late). Default: five intervals, and at least 5 minutes (a full rebuild of
   * a large store takes about a minute).
   */
  staleAfterSeconds?: number;
  /** Tests only: see SyncOptions.fault. */
  fault?: SyncOptions["fault"];
}

/**
 * Whether the figures a page shows are behind the learner store, for the notice every report page
 * and the overview show: behind when the last update attempt failed after the figures were read,
 * or (with the scheduler running) when the figures are older than `staleAfterSeconds`.
 */
export interface AnalyticsFreshness {
  behind: boolean;
  /** When the figures were read from the store (ISO). */
  asOf: string;
  /** The time of this answer (ISO): how far behind is `now - asOf`. */
  now: string;
  /** The latest update attempt failed at this time (ISO), after the figures were read; else null. */
  failedAt: string | null;
}

export interface Analytics {
  dir: string;
  reader: AnalyticsReader;
  /** Runs a sync now, or waits for the one this process is running. */
  syncNow(options?: { mode?: SyncKind | "auto"; trigger?: SyncTrigger }): Promise<SyncResult>;
  /** The sync history, newest first. */
  history(limit?: number): Promise<SyncRecord[]>;
  /** How this process's syncs have been going (failures in a row, the next sync's kind and delay). */
  health(): SyncHealth;
  /** Whether figures read as of `asOf` (a SnapshotInfo's) are behind, and since when updates fail. */
  freshness(asOf: string, now?: Date): AnalyticsFreshness;
  /** Whether the scheduler runs in this process, and its interval. */
  schedule: { intervalSeconds: number; fullRebuildHours: number } | null;
  /** Stops the scheduler (a running sync is stopped and publishes nothing) and closes the reader. */
  stop(): Promise<void>;
  /** Runs `listener` after each successful sync (in the background; a failure is logged). */
  afterEachSync(listener: () => Promise<unknown>): void;
}

export function startAnalytics(options: AnalyticsOptions): Analytics {
  const listeners: Array<() => Promise<unknown>> = [];
  // A snapshot found damaged while serving is rebuilt at once (a full build), not at the next tick.
  const reader = new AnalyticsReader(options.dir, {
    memoryMb: options.memoryMb,
    logger: options.logger,
    onDamaged: () => {
      scheduler.runNow("scheduler", "full").catch((error: unknown) => options.logger?.error({ error: String(error) }, "analytics: rebuilding a damaged snapshot"));
    },
  });
  const scheduler: SyncScheduler = new SyncScheduler({
    sync: { connection: options.connection, dir: options.dir, memoryMb: options.memoryMb, logger: options.logger, fault: options.fault },
    reader,
    intervalSeconds: options.intervalSeconds,
    fullRebuildHours: options.fullRebuildHours,
    logger: options.logger,
    afterSync: () => Promise.all([options.warm ? reader.read(options.warm) : null, ...listeners.map((listener) => listener())]),
  });
  const scheduled = options.schedule ?? true;
  if (scheduled) scheduler.start();
  const staleAfterMs =
    scheduled && options.intervalSeconds > 0 ? (options.staleAfterSeconds ?? Math.max(5 * options.intervalSeconds, 300)) * 1000 : Number.POSITIVE_INFINITY;
  return {
    dir: options.dir,
    reader,
    syncNow: ({ mode, trigger = "test" } = {}) => scheduler.runNow(trigger, mode),
    history: (limit) => readHistory(options.dir, limit),
    health: () => scheduler.health(),
    freshness(asOf, now = new Date()) {
      const failure = scheduler.health().lastFailure;
      // A failure before the figures were read is behind them (another process's sync, say, has
      // updated them since): it does not hold these figures back.
      const failedAt = failure && Date.parse(failure.at) > Date.parse(asOf) ? failure.at : null;
      const behind = failedAt !== null || now.getTime() - Date.parse(asOf) > staleAfterMs;
      return { behind, asOf, now: now.toISOString(), failedAt };
    },
    schedule: scheduled ? { intervalSeconds: options.intervalSeconds, fullRebuildHours: options.fullRebuildHours } : null,
    async stop() {
      await scheduler.stop();
      reader.close();
    },
    afterEachSync(listener) {
      listeners.push(listener);
    },
  };
}
