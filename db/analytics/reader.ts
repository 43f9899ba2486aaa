// The read side of the analytics snapshot: the snapshot the manifest names, opened read-only, with a
// small pool of DuckDB connections. A page runs all its queries against one snapshot (so its numbers
// agree with each other and with its "data as of" line); when a sync publishes a new snapshot the
// reader opens it, sends new pages there, and closes the old one once the pages using it are done.
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { LRUCache } from "lru-cache";
import path from "node:path";
import { z } from "zod";
import { readManifest, SNAPSHOT_FORMAT } from "./snapshot";
import type { DuckSql } from "./sql";

export interface SnapshotInfo {
  file: string;
  /** The learner store's state the snapshot reflects (ISO, UTC). */
  asOf: string;
  /** When the last full rebuild of this snapshot's lineage ran (ISO, UTC). */
  fullBuiltAt: string;
}

/** Runs queries against one snapshot; each row is checked by a zod schema (types do not reach here). */
export interface SnapshotQuery {
  rows<S extends z.ZodType>(query: DuckSql, schema: S): Promise<Array<z.infer<S>>>;
  one<S extends z.ZodType>(query: DuckSql, schema: S): Promise<z.infer<S>>;
  /**
   * `compute` once per snapshot file under `key` (a published file never changes, so neither does
   * the answer): the figures that scan everything, such as distinct licensees per board, and whole
   * report pages for one scope and one set of filters. The key must name everything the answer
   * depends on, the scope included, and `compute` must read through the query it is given (it is
   * run again on the next snapshot). The most recently used answers are kept
   * (ReaderOptions.memoEntries); those asked for lately are computed again as soon as a newer
   * snapshot opens (ReaderOptions.warm).
   */
  cached<T>(key: string, compute: (query: SnapshotQuery) => Promise<T>): Promise<T>;
}

export interface ReaderLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface ReaderOptions {
  memoryMb?: number;
  /** How often the manifest is looked at for a newer snapshot (ms). */
  pollMs?: number;
  /** Connections per snapshot (concurrent report queries). */
  connections?: number;
  /** Answers of `cached` kept per snapshot, the least recently used dropped first (default 500). */
  memoEntries?: number;
  /**
   * When a newer snapshot opens, the answers of `cached` asked for on the previous one within
   * `withinMs` are computed on it in the background, most recent first, at most `entries` of them,
   * one at a time: the pages reviewers are reading do not wait for a recomputation after each sync.
   * Default: 100 entries asked for within 10 minutes.
   */
  warm?: { entries: number; withinMs: number };
  /** A report query running longer than this is interrupted (ms). */
  queryTimeoutMs?: number;
  logger?: ReaderLogger;
  /** Called when the open snapshot turns out damaged while serving (start a rebuild). */
  onDamaged?: (file: string) => void;
}

/**
 * DuckDB's answer when the file under an open snapshot was overwritten, cut short or corrupted:
 * its pages can no longer be read (a deleted file keeps reading: the open handle holds it).
 */
export function isDamagedSnapshotError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /\bIO Error\b|corrupt|checksum|Could not read enough bytes|not a valid DuckDB database/i.test(message);
}

/** One answer of `cached`: how to compute it again, and when a page last asked for it. */
interface MemoEntry {
  value: Promise<unknown>;
  compute: (query: SnapshotQuery) => Promise<unknown>;
  askedAt: number;
}

class OpenSnapshot {
  refs = 0;
  retired = false;
  readonly memo: LRUCache<string, MemoEntry>;
  private idle: DuckDBConnection[] = [];
  private created = 0;
  private waiting: Array<(c: DuckDBConnection) => void> = [];

  constructor(
    readonly info: SnapshotInfo,
    private readonly instance: DuckDBInstance,
    private readonly size: number,
    memoEntries: number,
  ) {
    this.memo = new LRUCache({ max: memoEntries });
  }

  async acquire(): Promise<DuckDBConnection> {
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.created < this.size) {
      this.created++;
      return this.instance.connect();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(connection: DuckDBConnection): void {
    const next = this.waiting.shift();
    if (next) next(connection);
    else this.idle.push(connection);
  }

  close(): void {
    for (const c of this.idle) c.closeSync();
    this.idle = [];
    this.instance.closeSync();
  }
}

const Meta = z.object({
  format: z.number(),
  full_built_at: z.string(),
});

/** "YYYY-MM-DD HH:MM:SS[.ffffff]" (DuckDB TIMESTAMP, UTC) as ISO. */
export function duckTimestampToIso(value: string): string {
  const [date, time = "00:00:00"] = value.split(" ");
  return new Date(`${date}T${time.slice(0, 12)}Z`).toISOString();
}

export class AnalyticsReader {
  private current: OpenSnapshot | null = null;
  private checkedAt = 0;
  private refreshing: Promise<void> | null = null;
  private failedFile: string | null = null;
  private damagedFile: string | null = null;
  private closed = false;
  private warmingNow: Promise<void> | null = null;

  constructor(
    readonly dir: string,
    private readonly options: ReaderOptions = {},
  ) {}

  /** Snapshot files this process has open (a sync must not remove them). */
  inUse(): Set<string> {
    return new Set(this.current ? [this.current.info.file] : []);
  }

  /** Whether the snapshot last served turned out damaged and none has replaced it yet (being rebuilt). */
  get rebuilding(): boolean {
    return this.damagedFile !== null && this.current === null;
  }

  /** The snapshot reports read now, or null while none exists yet (analytics are being prepared). */
  async info(): Promise<SnapshotInfo | null> {
    await this.refresh();
    return this.current ? { ...this.current.info } : null;
  }

  /**
   * Runs `work` against one snapshot. Null when there is no snapshot yet, or when the snapshot
   * turned out damaged while serving (then it is dropped and a rebuild is asked for). The snapshot
   * stays open until `work` ends, even if a newer one is published meanwhile.
   */
  async read<T>(work: (query: SnapshotQuery, info: SnapshotInfo) => Promise<T>): Promise<{ value: T; info: SnapshotInfo } | null> {
    await this.refresh();
    const snapshot = this.current;
    if (!snapshot) return null;
    return this.readFrom(snapshot, work);
  }

  /** Answers being computed on a newly opened snapshot (ReaderOptions.warm), or nothing. */
  warming(): Promise<void> {
    return this.warmingNow ?? Promise.resolve();
  }

  /** `read` on one snapshot; `warmedAsk` (warming only) carries when a page last asked for a key. */
  private async readFrom<T>(
    snapshot: OpenSnapshot,
    work: (query: SnapshotQuery, info: SnapshotInfo) => Promise<T>,
    warmedAsk?: number,
  ): Promise<{ value: T; info: SnapshotInfo } | null> {
    snapshot.refs++;
    const info = { ...snapshot.info };
    let connection: DuckDBConnection | null = null;
    try {
      connection = await snapshot.acquire();
      const run = async (query: DuckSql) => {
        const { text, values } = query.compile();
        const timer = setTimeout(() => connection?.interrupt(), this.options.queryTimeoutMs ?? 20_000);
        try {
          const reader = await connection!.runAndReadAll(text, values);
          return reader.getRowObjectsJson() as unknown[];
        } finally {
          clearTimeout(timer);
        }
      };
      const query: SnapshotQuery = {
        async rows(q, schema) {
          return (await run(q)).map((row) => schema.parse(row));
        },
        async one(q, schema) {
          const rows = await run(q);
          if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
          return schema.parse(rows[0]);
        },
        cached<T>(key: string, compute: (query: SnapshotQuery) => Promise<T>): Promise<T> {
          const askedAt = warmedAsk ?? Date.now();
          const found = warmedAsk === undefined ? snapshot.memo.get(key) : snapshot.memo.peek(key);
          if (found) {
            found.askedAt = Math.max(found.askedAt, askedAt);
            return found.value as Promise<T>;
          }
          const entry: MemoEntry = { value: compute(query), compute: compute as MemoEntry["compute"], askedAt };
          snapshot.memo.set(key, entry);
          // A failure is not remembered: the next page tries again.
          entry.value.catch(() => {
            if (snapshot.memo.peek(key) === entry) snapshot.memo.delete(key);
          });
          return entry.value as Promise<T>;
        },
      };
      return { value: await work(query, info), info };
    } catch (error) {
      if (!isDamagedSnapshotError(error)) throw error;
      this.dropDamaged(snapshot, error);
      return null;
    } finally {
      if (connection) snapshot.release(connection);
      snapshot.refs--;
      this.closeIfRetired(snapshot);
    }
  }

  /** Stops serving a snapshot whose file cannot be read any more, and asks for a rebuild. */
  private dropDamaged(snapshot: OpenSnapshot, error: unknown): void {
    if (this.current !== snapshot) return; // already dropped (or replaced) by another page
    this.current = null;
    snapshot.retired = true;
    this.failedFile = snapshot.info.file;
    this.damagedFile = snapshot.info.file;
    this.options.logger?.warn({ file: snapshot.info.file, error: String(error) }, "the analytics snapshot is damaged: reports wait for a rebuild");
    this.options.onDamaged?.(snapshot.info.file);
  }

  private closeIfRetired(snapshot: OpenSnapshot): void {
    if (snapshot.retired && snapshot.refs === 0) {
      try {
        snapshot.close();
      } catch (error) {
        this.options.logger?.warn({ error: String(error) }, "closing an old analytics snapshot");
      }
    }
  }

  /** Looks at the manifest (at most every pollMs) and opens a newer snapshot if there is one. */
  private async refresh(force = false): Promise<void> {
    if (this.closed) return;
    const poll = this.options.pollMs ?? 1_000;
    if (!force && this.current && Date.now() - this.checkedAt < poll) return;
    if (!this.refreshing) {
      this.refreshing = this.load().finally(() => {
        this.refreshing = null;
      });
    }
    await this.refreshing;
  }

  private async load(): Promise<void> {
    this.checkedAt = Date.now();
    const manifest = await readManifest(this.dir);
    if (!manifest) return; // keep serving what is open (if anything); the next sync rebuilds
    if (this.current?.info.file === manifest.file) {
      this.current.info.asOf = manifest.asOf;
      return;
    }
    if (this.failedFile === manifest.file) return;
    let opened: OpenSnapshot;
    try {
      opened = await this.open(manifest.file, manifest.asOf);
    } catch (error) {
      // Missing or damaged: keep the snapshot we have; the next sync sees the same and rebuilds.
      this.failedFile = manifest.file;
      this.options.logger?.warn({ file: manifest.file, error: String(error) }, "cannot open the analytics snapshot; keeping the previous one");
      return;
    }
    const previous = this.current;
    this.current = opened;
    this.failedFile = null;
    this.damagedFile = null;
    if (previous) {
      // What pages asked for lately, most recent first, to compute again on the new snapshot.
      const { entries, withinMs } = this.options.warm ?? { entries: 100, withinMs: 10 * 60_000 };
      const since = Date.now() - withinMs;
      const asked = [...previous.memo.entries()].filter(([, e]) => e.askedAt >= since).slice(0, entries);
      previous.retired = true;
      this.closeIfRetired(previous);
      if (asked.length > 0) {
        const warming: Promise<void> = this.warm(opened, asked).finally(() => {
          if (this.warmingNow === warming) this.warmingNow = null;
        });
        this.warmingNow = warming;
      }
    }
  }

  private async warm(snapshot: OpenSnapshot, asked: Array<[string, MemoEntry]>): Promise<void> {
    const started = Date.now();
    let computed = 0;
    for (const [key, entry] of asked) {
      if (this.closed || this.current !== snapshot) return; // a newer one opened: it warms itself
      if (snapshot.memo.has(key)) continue; // a page asked first
      try {
        await this.readFrom(snapshot, (q) => q.cached(key, entry.compute), entry.askedAt);
        computed++;
      } catch (error) {
        this.options.logger?.warn({ key, error: String(error) }, "analytics: computing a page again on the new snapshot");
      }
    }
    this.options.logger?.info({ file: snapshot.info.file, computed, ms: Date.now() - started }, "analytics: pages asked for lately computed on the new snapshot");
  }

  private async open(file: string, asOf: string): Promise<OpenSnapshot> {
    const instance = await DuckDBInstance.create(path.join(this.dir, file), {
      access_mode: "READ_ONLY",
      threads: "2",
      memory_limit: `${this.options.memoryMb ?? 2048}MB`,
    });
    try {
      const connection = await instance.connect();
      try {
        const rows = (await connection.runAndReadAll(`select format, strftime(full_built_at, '%Y-%m-%d %H:%M:%S.%f') as full_built_at from snapshot_meta`)).getRowObjectsJson();
        const meta = Meta.parse(rows[0]);
        if (meta.format !== SNAPSHOT_FORMAT) throw new Error(`snapshot format ${meta.format}, expected ${SNAPSHOT_FORMAT}`);
        return new OpenSnapshot({ file, asOf, fullBuiltAt: duckTimestampToIso(meta.full_built_at) }, instance, this.options.connections ?? 3, this.options.memoEntries ?? 500);
      } finally {
        connection.closeSync();
      }
    } catch (error) {
      instance.closeSync();
      throw error;
    }
  }

  /** Looks at the manifest now (after this process published a snapshot). */
  async reload(): Promise<void> {
    await this.refresh(true);
  }

  close(): void {
    this.closed = true;
    const snapshot = this.current;
    this.current = null;
    if (snapshot) {
      snapshot.retired = true;
      this.closeIfRetired(snapshot);
    }
  }
}

// ---------------------------------------------------------------- zod shapes of DuckDB values (JSON form)

/** A count or sum: DuckDB BIGINT/HUGEINT/DECIMAL arrive as strings, INTEGER/DOUBLE as numbers. */
export const duckNumber = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)]).transform(Number).pipe(z.number().finite());
export const duckCount = duckNumber.pipe(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER));
export const duckNullableNumber = z.union([z.null(), duckNumber]);
/** A DATE as 'YYYY-MM-DD'. */
export const duckDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
