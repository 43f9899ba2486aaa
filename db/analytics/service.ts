// The analytics snapshot as one service for a server process: the reader the report pages query,
// and the scheduler that keeps the snapshot fresh. scripts/start.ts, the test servers and the bench
// all assemble it here, so they run the same thing.
import { readHistory, type SyncRecord } from "./history";
import { AnalyticsReader, type ReaderLogger, type SnapshotQuery } from "./reader";
import { SyncScheduler } from "./scheduler";
import type { SyncConnection, SyncKind, SyncLogger, SyncResult, SyncTrigger } from "./sync";

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
}

export interface Analytics {
  dir: string;
  reader: AnalyticsReader;
  /** Runs a sync now, or waits for the one this process is running. */
  syncNow(options?: { mode?: SyncKind | "auto"; trigger?: SyncTrigger }): Promise<SyncResult>;
  /** The sync history, newest first. */
  history(limit?: number): Promise<SyncRecord[]>;
  /** Whether the scheduler runs in this process, and its interval. */
  schedule: { intervalSeconds: number; fullRebuildHours: number } | null;
  /** Stops the scheduler (a running sync is stopped and publishes nothing) and closes the reader. */
  stop(): Promise<void>;
}

export function startAnalytics(options: AnalyticsOptions): Analytics {
  // A snapshot found damaged while serving is rebuilt at once (a full build), not at the next tick.
  const reader = new AnalyticsReader(options.dir, {
    memoryMb: options.memoryMb,
    logger: options.logger,
    onDamaged: () => {
      scheduler.runNow("scheduler", "full").catch((error: unknown) => options.logger?.error({ error: String(error) }, "analytics: rebuilding a damaged snapshot"));
    },
  });
  const scheduler: SyncScheduler = new SyncScheduler({
    sync: { connection: options.connection, dir: options.dir, memoryMb: options.memoryMb, logger: options.logger },
    reader,
    intervalSeconds: options.intervalSeconds,
    fullRebuildHours: options.fullRebuildHours,
    logger: options.logger,
    afterSync: options.warm ? () => reader.read(options.warm!) : undefined,
  });
  const scheduled = options.schedule ?? true;
  if (scheduled) scheduler.start();
  return {
    dir: options.dir,
    reader,
    syncNow: ({ mode, trigger = "test" } = {}) => scheduler.runNow(trigger, mode),
    history: (limit) => readHistory(options.dir, limit),
    schedule: scheduled ? { intervalSeconds: options.intervalSeconds, fullRebuildHours: options.fullRebuildHours } : null,
    async stop() {
      await scheduler.stop();
      reader.close();
    },
  };
}
