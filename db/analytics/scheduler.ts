// The sync scheduler inside the server: the first sync right after start-up (a full build when there
// is no usable snapshot), then an incremental sync every interval, and a full rebuild when the last
// one is older than the rebuild period. One run at a time; a failed run is logged and retried at the
// next tick while reports keep reading the last good snapshot.
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

export class SyncScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SyncResult> | null = null;
  private abort = new AbortController();
  private stopped = false;
  private first = true;

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

  private async mode(): Promise<SyncKind | "auto"> {
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
    if (this.options.intervalSeconds > 0) this.schedule(this.options.intervalSeconds * 1000);
  }

  /** Runs a sync now unless one is already running in this process (then waits for that one). */
  async runNow(trigger: SyncTrigger = "scheduler", mode?: SyncKind | "auto"): Promise<SyncResult> {
    if (this.running) return this.running;
    const run = (async () => {
      const result = await runSync({
        ...this.options.sync,
        mode: mode ?? (await this.mode()),
        trigger,
        signal: this.abort.signal,
        inUse: () => this.options.reader.inUse(),
      });
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

  /** Stops scheduling, stops a running sync (nothing it built is published), and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }
}
