// The sync scheduler inside the server: the first sync right after start-up (a full build when there
// is no usable snapshot), then an incremental sync every interval, and a full rebuild when the last
// one is older than the rebuild period. One run at a time; reports keep reading the last good
// snapshot whatever fails. A sync that keeps failing mends itself: after two incremental failures in
// a row the next sync is a full rebuild (whatever the changes were, a rebuild reads the store afresh),
// and a failed rebuild is tried again, as a rebuild, after a growing pause (twice the interval, then
// four times, … at most 15 minutes) rather than every tick. The last failure is kept for the pages'
// "analytics are behind" notice (service.ts).
import type { AnalyticsReader } from "./reader";
import { runSync, type SyncKind, type SyncLogger, type SyncOptions, type SyncResult, type SyncTrigger } from "./sync";

export interface SchedulerOptions {
  sync: Omit<SyncOptions, "mode" | "trigger" | "signal" | "inUse">;
  reader: AnalyticsReader;
  /** Seconds between syncs; 0 runs only the start-up sync. */
  intervalSeconds: number;
  /** Hours between full rebuilds; 0 never (beyond the first). */
  fullRebuildHours: number;
  logger?: SyncLogger;
  /** After each successful sync (the reader already sees its snapshot): warm caches, in the background. */
  afterSync?: () => Promise<unknown>;
}

/** Incremental syncs that fail in a row before the next sync is a full rebuild. */
export const INCREMENTAL_FAILURES_BEFORE_FULL = 2;
/** The longest pause between attempts to rebuild after failed rebuilds (ms). */
export const MAX_RETRY_DELAY_MS = 15 * 60_000;

/** How the scheduler's syncs have been going (this process's syncs). */
export interface SyncHealth {
  /** Incremental and full syncs that failed since the last success. */
  incrementalFailures: number;
  fullFailures: number;
  /** The latest failed sync, when none has succeeded since (ISO time it ended). */
  lastFailure: { at: string; kind: SyncKind; error: string } | null;
  /** When the latest successful sync ended (ISO), or null. */
  lastSuccessAt: string | null;
  /** What the next scheduled sync will be, and after how long (ms) the scheduler tries it. */
  next: { mode: SyncKind | "auto"; delayMs: number };
}

export class SyncScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SyncResult> | null = null;
  private abort = new AbortController();
  private stopped = false;
  private first = true;
  private incrementalFailures = 0;
  private fullFailures = 0;
  private lastFailure: SyncHealth["lastFailure"] = null;
  private lastSuccessAt: string | null = null;

  constructor(private readonly options: SchedulerOptions) {}

  /** Starts the first sync now (in the background) and the ones after it. */
  start(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  /** A failed rebuild, or incremental syncs failing in a row: the next sync rebuilds. */
  private get mustRebuild(): boolean {
    return this.fullFailures > 0 || this.incrementalFailures >= INCREMENTAL_FAILURES_BEFORE_FULL;
  }

  /** The pause before the next scheduled sync: the interval, or growing after failed rebuilds. */
  private delayMs(): number {
    const interval = this.options.intervalSeconds * 1000;
    if (this.fullFailures === 0) return interval;
    return Math.min(interval * 2 ** this.fullFailures, Math.max(interval, MAX_RETRY_DELAY_MS));
  }

  health(): SyncHealth {
    return {
      incrementalFailures: this.incrementalFailures,
      fullFailures: this.fullFailures,
      lastFailure: this.lastFailure && { ...this.lastFailure },
      lastSuccessAt: this.lastSuccessAt,
      next: { mode: this.mustRebuild ? "full" : "auto", delayMs: this.delayMs() },
    };
  }

  private async mode(): Promise<SyncKind | "auto"> {
    if (this.mustRebuild) return "full";
    const info = await this.options.reader.info();
    if (!info) return "auto";
    const hours = this.options.fullRebuildHours;
    if (hours > 0 && Date.now() - Date.parse(info.fullBuiltAt) > hours * 3_600_000) return "full";
    return "incremental";
  }

  private async tick(): Promise<void> {
    this.timer = null;
    try {
      await this.runNow(this.first ? "start-up" : "scheduler");
    } catch (error) {
      this.options.logger?.error({ error: String(error) }, "analytics scheduler");
    }
    this.first = false;
    if (this.options.intervalSeconds > 0) this.schedule(this.delayMs());
  }

  /**
   * Runs a sync now unless one is already running in this process (then waits for that one). No
   * mode, or "auto": what the schedule calls for (a rebuild after failures, see above).
   */
  async runNow(trigger: SyncTrigger = "scheduler", mode?: SyncKind | "auto"): Promise<SyncResult> {
    if (this.running) return this.running;
    const run = (async () => {
      const result = await runSync({
        ...this.options.sync,
        mode: mode === undefined || mode === "auto" ? await this.mode() : mode,
        trigger,
        signal: this.abort.signal,
        inUse: () => this.options.reader.inUse(),
      });
      this.count(result);
      if (result.outcome === "succeeded") {
        await this.options.reader.reload();
        this.options.afterSync?.().catch((error: unknown) => this.options.logger?.warn({ error: String(error) }, "analytics: after the sync"));
      }
      return result;
    })();
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = null;
    }
  }

  private count(result: SyncResult): void {
    if (result.outcome === "skipped") return; // another process's sync: not ours to judge
    if (result.outcome === "succeeded") {
      this.incrementalFailures = 0;
      this.fullFailures = 0;
      this.lastFailure = null;
      this.lastSuccessAt = new Date().toISOString();
      return;
    }
    if (this.stopped) return; // stopped by shutting down, not a failure of the store or the data
    if (result.kind === "full") this.fullFailures++;
    else this.incrementalFailures++;
    this.lastFailure = { at: new Date().toISOString(), kind: result.kind, error: result.error };
    if (this.mustRebuild) {
      this.options.logger?.warn(
        { incrementalFailures: this.incrementalFailures, fullFailures: this.fullFailures, retryInMs: this.delayMs() },
        "analytics sync keeps failing: the next sync rebuilds the snapshot from scratch",
      );
    }
  }

  /** Stops scheduling, stops a running sync (nothing it built is published), and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }
}
