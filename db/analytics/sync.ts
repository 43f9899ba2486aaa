// Builds the DuckDB analytics snapshot from the learner store: a full rebuild into a new file, or an
// incremental sync (changes since the snapshot's watermark of `change_seq`) applied to a copy of the
// current file. Either way the new file is complete, checkpointed and closed before the manifest
// names it, so reports keep reading the previous snapshot until then and a failed or killed sync
// changes nothing they see. One sync per directory at a time, across processes, by a PostgreSQL
// advisory lock. PostgreSQL is only read (COPY ... TO STDOUT into CSV staging files, loaded by
// DuckDB in bulk); the history is kept beside the snapshots. docs/decisions/010-analytics-snapshot.md.
import { copyFile, mkdir, rm, stat } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { z } from "zod";
import { safeWatermark, storePosition, waitForWriters, WRITERS_IN_SNAPSHOT, type RunQuery } from "../change-watermark";
import { closeInterrupted, recordFinish, recordStart } from "./history";
import { ensureDir, newSnapshotName, readManifest, removeLeftovers, SNAPSHOT_FORMAT, SNAPSHOT_TABLES, writeManifest } from "./snapshot";

export type SyncKind = "full" | "incremental";
export type SyncTrigger = "scheduler" | "start-up" | "command" | "admin" | "test";

/** How the sync logs in to PostgreSQL: the app's login, or the owner's assuming the app role. */
export interface SyncConnection {
  connectionString: string;
  role?: string;
}

export interface SyncLogger {
  /** Step by step, and syncs that found nothing new (every 20 s: not worth an info line). */
  debug?(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface SyncOptions {
  connection: SyncConnection;
  /** The analytics directory (snapshots and the manifest). */
  dir: string;
  /** "auto": incremental onto a valid current snapshot, else full. */
  mode?: "auto" | SyncKind;
  trigger: SyncTrigger;
  logger?: SyncLogger;
  /** DuckDB memory ceiling for the build, MiB. */
  memoryMb?: number;
  /** Snapshot files this process still has open for reading: never removed as leftovers. */
  inUse?: () => ReadonlySet<string>;
  /** How long to wait for write transactions already under way before reading (ms). */
  writerWaitMs?: number;
  /** Stops the sync between (and during) its steps; nothing is published. */
  signal?: AbortSignal;
  /** Progress lines for a terminal. */
  onProgress?: (message: string) => void;
  /**
   * Tests only: called once the store has been read, before anything is built from it; what it
   * throws fails the sync there, as a staging file DuckDB cannot load would.
   */
  fault?: (kind: SyncKind) => void | Promise<void>;
}

export type SyncResult =
  | { outcome: "skipped"; reason: string }
  | {
      outcome: "succeeded";
      kind: SyncKind;
      /** The store's state the snapshot now reflects. */
      asOf: Date;
      rowsTotal: number;
      rowsChanged: number;
      durationMs: number;
      /** False when an incremental sync found nothing new (the manifest's as-of moved on). */
      newFile: boolean;
      file: string;
      historyId: string | null;
      /** Milliseconds per step (reading and staging, building the tables, checkpointing, …). */
      steps: Record<string, number>;
    }
  | { outcome: "failed"; kind: SyncKind; error: string; durationMs: number; historyId: string | null };

/**
 * The sync lock: a session-level advisory lock (released with the connection if the process dies),
 * one per snapshot directory: two syncs never write the same directory at once.
 */
const LOCK_NAMESPACE = 0x434d45; // "CME"

class SyncAborted extends Error {
  constructor() {
    super("the sync was stopped");
  }
}

// ---------------------------------------------------------------- PostgreSQL side

function connect(connection: SyncConnection): pg.Client {
  // Long COPYs are expected here (not the app's 30 s ceiling); a lock that never comes is not.
  // The snapshot holds every board's records (reports scope them inside DuckDB): the sync reads as
  // the app's role with row-level security opened to all boards (migration 0007).
  const settings: Record<string, string> = { "app.boards": "*", statement_timeout: "30min", lock_timeout: "60s", datestyle: "ISO", timezone: "UTC" };
  if (connection.role) {
    if (!/^[a-z_][a-z0-9_]*$/.test(connection.role)) throw new Error(`invalid role name: ${connection.role}`);
    settings.role = connection.role;
  }
  const options = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(" ");
  return new pg.Client({ connectionString: connection.connectionString, application_name: "cme-analytics-sync", options });
}

/** What a sync read besides the credit reports (loaded chunk by chunk as they arrive). */
interface StoreRead {
  providers: string;
  activities: string;
  asOf: Date;
  /** The watermark the new snapshot may record: every change at or below it is in the snapshot. */
  watermark: bigint;
}

/**
 * Credit report columns as the snapshot stages them: timestamps as UTC text, the lag in days by the
 * store's own learner.lag_days() (the credit search's "late" uses the same function), and credit
 * types only where the snapshot keeps them (accepted records that carry any).
 */
const REPORT_COLUMNS = `id, board_code, learner_id, activity_id::integer, completion_date,
  to_char(submitted_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), learner.lag_days(completion_date, submitted_at),
  entry_method, status, rejection_reason, credits,
  case when status = 'accepted' and credit_types <> '{}' then credit_types end,
  (select coalesce(jsonb_agg(k order by k), '[]'::jsonb) from jsonb_object_keys(credit_types) as k)::text,
  change_seq, case when deleted_at is null then 0 else 1 end`;

/** Credit reports per COPY in a full build: chunks are read two at a time and loaded as they land. */
const CHUNK_ROWS = 1_000_000;

/**
 * The staging format, written by PostgreSQL and read by DuckDB with the same options spelled out
 * (`readCsv`): UTF-8, comma-separated, every non-null value in double quotes (a quote inside is
 * doubled), NULL as nothing at all, rows ended by a line feed. Providers' text can hold anything but
 * NUL, carriage returns and line feeds included; inside quotes only a doubled quote means anything,
 * so no text can end a field or a row or be taken for NULL (decision 010).
 */
const COPY_FORMAT = `format csv, header false, delimiter ',', quote '"', escape '"', null '', force_quote *, encoding 'UTF8'`;

async function copyToFile(client: pg.Client, query: string, file: string, signal?: AbortSignal): Promise<void> {
  const source = client.query(copyTo(`copy (${query}) to stdout with (${COPY_FORMAT})`));
  await pipeline(source, createWriteStream(file), { signal });
}

/** The highest change number visible in a snapshot, over the tables the snapshot copies. */
const HIGHEST_CHANGE = `greatest(0, (select max(change_seq) from learner.provider), (select max(change_seq) from learner.activity),
  (select max(change_seq) from learner.credit_report))::text`;

/**
 * Reads what changed since `since` (everything live when null) in one REPEATABLE READ snapshot, and
 * the watermark that is safe to record (db/change-watermark.ts: a transaction still open when we read
 * may commit a lower `change_seq` later; applying the changes above the watermark again is harmless).
 *
 * Credit reports are read in chunks (id ranges for a full build, on two connections sharing one
 * exported snapshot, so PostgreSQL uses both cores) and each chunk is handed to `loadChunk` as soon
 * as its file is complete, so DuckDB parses one chunk while PostgreSQL writes the next.
 */
async function readStore(
  client: pg.Client,
  connection: SyncConnection,
  staging: string,
  since: bigint | null,
  options: { writerWaitMs: number; signal?: AbortSignal; loadChunk: (file: string) => Promise<void> },
): Promise<StoreRead> {
  // The watermark's rules (db/change-watermark.ts): the store's position, then its writers awaited.
  const run: RunQuery = async <R>(text: string, values?: unknown[]) => (await client.query(text, values)).rows as R[];
  const before = await storePosition(run, HIGHEST_CHANGE);
  const waited = await waitForWriters(run, before, {
    waitMs: options.writerWaitMs,
    checkpoint: () => {
      if (options.signal?.aborted) throw new SyncAborted();
    },
  });

  let helper: pg.Client | null = null;
  await client.query("begin isolation level repeatable read read only");
  try {
    const head = await client.query<{ as_of: Date; others: number; snapshot: string }>(
      `select transaction_timestamp() as as_of, ${WRITERS_IN_SNAPSHOT} as others,
              pg_export_snapshot() as snapshot`,
    );
    const row = head.rows[0]!;
    const changed = since === null ? "true" : `change_seq > ${since.toString()}`;
    const files = { providers: path.join(staging, "providers.csv"), activities: path.join(staging, "activities.csv") };
    await copyToFile(client, `select id::integer, name, change_seq from learner.provider where ${changed}`, files.providers, options.signal);
    await copyToFile(client, `select id::integer, provider_id::integer, format, moc::int, mips::int, rems::int, change_seq from learner.activity where ${changed}`, files.activities, options.signal);

    // The chunks: all changes since the watermark at once, or the live store by id ranges.
    const chunks: string[] = [];
    if (since !== null) chunks.push(changed);
    else {
      const range = await client.query<{ lo: string | null; hi: string | null }>(`select min(id)::text as lo, max(id)::text as hi from learner.credit_report`);
      const lo = BigInt(range.rows[0]?.lo ?? "0");
      const hi = BigInt(range.rows[0]?.hi ?? "-1");
      for (let from = lo; from <= hi; from += BigInt(CHUNK_ROWS)) {
        chunks.push(`deleted_at is null and id between ${from} and ${from + BigInt(CHUNK_ROWS) - 1n}`);
      }
    }
    const readers = [client];
    if (chunks.length > 1) {
      helper = connect(connection);
      await helper.connect();
      await helper.query("begin isolation level repeatable read read only");
      await helper.query(`set transaction snapshot '${row.snapshot.replace(/'/g, "")}'`);
      readers.push(helper);
    }
    // Readers take chunks in order; a loader takes finished files in order, one at a time.
    let next = 0;
    let loading: Promise<void> = Promise.resolve();
    const loads: Array<Promise<void>> = [];
    await Promise.all(
      readers.map(async (reader) => {
        for (;;) {
          const index = next++;
          if (index >= chunks.length) return;
          if (options.signal?.aborted) throw new SyncAborted();
          const file = path.join(staging, `reports-${String(index).padStart(4, "0")}.csv`);
          await copyToFile(reader, `select ${REPORT_COLUMNS} from learner.credit_report where ${chunks[index]}`, file, options.signal);
          loading = loading.then(() => options.loadChunk(file));
          loads.push(loading);
        }
      }),
    ).catch(async (error: unknown) => {
      await Promise.allSettled(loads);
      throw error;
    });
    await Promise.all(loads);
    const highest = await client.query<{ m: string }>(`select ${HIGHEST_CHANGE} as m`);
    await client.query("commit");
    const watermark = safeWatermark({
      before,
      waited,
      writersWhileReading: row.others,
      highestRead: BigInt(highest.rows[0]?.m ?? "0"),
      previous: since,
    });
    return { ...files, asOf: row.as_of, watermark };
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    await helper?.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- DuckDB side

const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;


/**
 * A staging file as COPY_FORMAT wrote it. Every option that could otherwise be guessed from the data
 * is set: `auto_detect = false` alone still sniffs the line ending (a value beginning with a carriage
 * return made DuckDB take "\r" for it and fail on every later row), comments and rows to skip.
 * Strict RFC 4180 parsing (a stray quote fails the sync rather than shifting columns), and one thread
 * (a parallel scan starts mid-file and must guess whether it is inside a quoted line feed).
 * `bufferBytes` bounds the longest row DuckDB accepts (it must hold a whole row): see `loadCsv`.
 */
function readCsv(file: string, columns: Record<string, string>, bufferBytes: number): string {
  const spec = Object.entries(columns).map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(", ");
  return `read_csv(${sqlString(file)}, header = false, auto_detect = false, delim = ',', quote = '"', escape = '"',
    new_line = '\\n', comment = '', skip = 0, strict_mode = true, null_padding = false, ignore_errors = false,
    allow_quoted_nulls = false, nullstr = '', encoding = 'utf-8', parallel = false,
    max_line_size = ${bufferBytes}, buffer_size = ${bufferBytes}, columns = {${spec}})`;
}

/** DuckDB's own buffer for a CSV file (its default: 16 × its default 2 MB row). */
const CSV_BUFFER_BYTES = 32 << 20;
/** The longest staged row we read: PostgreSQL's own ceiling for a value, and for a COPY row. */
const MAX_ROW_BYTES = 1 << 30;

/**
 * Runs `statement` over a staging file. DuckDB holds a whole row in one buffer, allocated in full
 * against its memory limit, so the buffer is what bounds a row: a file up to DuckDB's usual buffer
 * is read with a buffer of its own size (no row can be longer than its file); a longer file with the
 * usual buffer, and, only when that fails (a provider wrote a value of tens of megabytes), once
 * more with a buffer as large as the file. The statement is atomic: a failed read added nothing.
 */
async function loadCsv(connection: DuckDBConnection, file: string, columns: Record<string, string>, statement: (source: string) => string): Promise<void> {
  const whole = Math.min((await stat(file)).size + 1, MAX_ROW_BYTES);
  const first = Math.min(Math.max(whole, 1 << 20), CSV_BUFFER_BYTES);
  try {
    await connection.run(statement(readCsv(file, columns, first)));
  } catch (error) {
    if (first >= whole) throw error;
    await connection.run(statement(readCsv(file, columns, whole)));
  }
}

const STAGED = {
  providers: { id: "INTEGER", name: "VARCHAR", change_seq: "BIGINT" },
  activities: { id: "INTEGER", provider_id: "INTEGER", format: "VARCHAR", moc: "INTEGER", mips: "INTEGER", rems: "INTEGER", change_seq: "BIGINT" },
  reports: {
    id: "BIGINT",
    board_code: "VARCHAR",
    learner_id: "BIGINT",
    activity_id: "INTEGER",
    completion_date: "DATE",
    submitted_at: "TIMESTAMP",
    lag_days: "INTEGER",
    entry_method: "VARCHAR",
    status: "VARCHAR",
    rejection_reason: "VARCHAR",
    credits: "DECIMAL(6,2)",
    credit_types: "VARCHAR",
    credit_type_keys: "VARCHAR",
    change_seq: "BIGINT",
    deleted: "INTEGER",
  },
};

/** Live staged reports with their activity's provider and format, in the snapshot's row order. */
const LIVE_REPORTS = `
  select s.id, s.board_code, s.learner_id, s.activity_id, a.provider_id, a.format, s.completion_date, s.submitted_at,
         date_trunc('month', s.submitted_at)::date as submitted_month, s.lag_days, s.entry_method, s.status, s.rejection_reason,
         s.credits, s.credit_types is not null as has_credit_types, a.moc, a.mips, a.rems,
         from_json(s.credit_type_keys, '["VARCHAR"]') as credit_type_keys, s.change_seq
  from staged_report s join activity a on a.id = s.activity_id
  where s.deleted = 0
  order by s.board_code, s.submitted_at, s.id`;

/** Credit-type amounts of live, accepted staged reports, in the snapshot's row order (a non-numeric amount comes out null). */
const CREDIT_TYPE_ROWS = `
  select report_id, board_code, provider_id, format, submitted_at, date_trunc('month', submitted_at)::date as submitted_month,
         entry.key as credit_type, try_cast(entry.value as decimal(12, 4)) as amount
  from (
    select s.id as report_id, s.board_code, a.provider_id, a.format, s.submitted_at,
           unnest(map_entries(try_cast(s.credit_types::json as map(varchar, json)))) as entry
    from staged_report s join activity a on a.id = s.activity_id
    where s.deleted = 0 and s.status = 'accepted' and s.credit_types is not null
  )
  order by board_code, submitted_at, report_id`;

async function one(connection: DuckDBConnection, text: string): Promise<Record<string, unknown>> {
  const reader = await connection.runAndReadAll(text);
  return (reader.getRowObjectsJson()[0] ?? {}) as Record<string, unknown>;
}

const count = (value: unknown) => Number(value ?? 0);

/** The staging table credit report chunks are loaded into (a temp table: never in the snapshot file). */
function createStagedReports(connection: DuckDBConnection): Promise<unknown> {
  const columns = Object.entries(STAGED.reports).map(([name, type]) => `${name} ${type}`).join(", ");
  return connection.run(`create temp table staged_report (${columns})`);
}

/** One chunk of credit reports into staging; the file is removed once loaded. */
async function loadReportChunk(connection: DuckDBConnection, file: string): Promise<void> {
  await loadCsv(connection, file, STAGED.reports, (source) => `insert into staged_report select * from ${source}`);
  await rm(file, { force: true });
}

async function stageInto(connection: DuckDBConnection, read: StoreRead): Promise<void> {
  await loadCsv(connection, read.providers, STAGED.providers, (source) => `create temp table staged_provider as select * from ${source}`);
  await loadCsv(connection, read.activities, STAGED.activities, (source) => `create temp table staged_activity as select * from ${source}`);
}

/** Every live staged report must find its activity: a missing one would silently drop credit. */
async function checkActivities(connection: DuckDBConnection): Promise<void> {
  const orphans = await one(
    connection,
    `select count(*) as n from staged_report s where s.deleted = 0 and not exists (select 1 from activity a where a.id = s.activity_id)`,
  );
  if (count(orphans.n) > 0) throw new Error(`${count(orphans.n)} credit reports name an activity the snapshot does not have`);
}

/**
 * The staged reports into the snapshot: a full build creates the tables from the sorted queries, an
 * incremental sync appends. Credit-type amounts that are not numbers are left out and counted.
 */
async function insertReports(connection: DuckDBConnection, kind: SyncKind, mark: (step: string) => void): Promise<{ skippedAmounts: number }> {
  mark("reports table");
  await connection.run(kind === "full" ? `create table report as ${LIVE_REPORTS}` : `insert into report ${LIVE_REPORTS}`);
  mark("credit types table");
  await connection.run(kind === "full" ? `create table report_credit_type as ${CREDIT_TYPE_ROWS}` : `insert into report_credit_type ${CREDIT_TYPE_ROWS}`);
  const bad = count((await one(connection, `select count(*) as n from report_credit_type where amount is null`)).n);
  if (bad > 0) await connection.run(`delete from report_credit_type where amount is null`);
  return { skippedAmounts: bad };
}

async function openForWriting(file: string, dir: string, memoryMb: number): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(file, {
    threads: String(Math.max(1, Math.min(4, os.availableParallelism()))),
    memory_limit: `${memoryMb}MB`,
    temp_directory: path.join(dir, "duckdb-temp"),
    preserve_insertion_order: "true",
  });
  return { instance, connection: await instance.connect() };
}

function close(handles: { instance: DuckDBInstance; connection: DuckDBConnection } | null): void {
  if (!handles) return;
  handles.connection.closeSync();
  handles.instance.closeSync();
}

/**
 * The current snapshot's watermark, read from the file itself (opened read-only: readers may have
 * it open too), or null when it is missing, damaged or of another format.
 */
async function checkSnapshot(file: string, log?: SyncLogger): Promise<{ watermark: bigint; rowsByBoard: Record<string, number> } | null> {
  if (!(await stat(file).catch(() => null))) return null;
  let instance: DuckDBInstance | null = null;
  let connection: DuckDBConnection | null = null;
  try {
    instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY", threads: "1", memory_limit: "256MB" });
    connection = await instance.connect();
    const state = await snapshotState(connection);
    return state && { ...state, rowsByBoard: await countsByBoard(connection, "report") };
  } catch (error) {
    // Not a DuckDB file (damaged, cut short): DuckDB refuses to open it.
    log?.warn({ file, error: String(error) }, "analytics snapshot cannot be opened");
    return null;
  } finally {
    connection?.closeSync();
    instance?.closeSync();
  }
}

const SnapshotState = z.object({
  format: z.number(),
  watermark: z.string().regex(/^\d+$/),
});

/** The snapshot's format and watermark as its own meta table says, or null when it cannot be read. */
async function snapshotState(connection: DuckDBConnection): Promise<{ watermark: bigint } | null> {
  try {
    const parsed = SnapshotState.safeParse(await one(connection, `select format, watermark from snapshot_meta`));
    if (!parsed.success || parsed.data.format !== SNAPSHOT_FORMAT) return null;
    // A file cut short or damaged fails here, not halfway through applying changes.
    await connection.run(`select count(*) from report; select count(*) from report_credit_type`);
    return { watermark: BigInt(parsed.data.watermark) };
  } catch {
    return null;
  }
}

async function countsByBoard(connection: DuckDBConnection, table: string): Promise<Record<string, number>> {
  const rows = (await connection.runAndReadAll(`select board_code, count(*) as n from ${table} group by 1 order by 1`)).getRowObjectsJson();
  return Object.fromEntries(rows.map((r) => [String(r.board_code), count(r.n)]));
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------- the sync

const tsLiteral = (date: Date) => `'${date.toISOString().replace("T", " ").replace("Z", "")}'::timestamp`;

/** Runs one sync. Never throws for a failed sync: the result says what happened (and history has it). */
export async function runSync(options: SyncOptions): Promise<SyncResult> {
  const started = Date.now();
  const log = options.logger;
  const steps: Record<string, number> = {};
  let stepName: string | null = null;
  let stepStarted = started;
  /** Ends the current step (timed in `steps`) and starts the next. */
  const mark = (next: string | null) => {
    const now = Date.now();
    if (stepName) steps[stepName] = (steps[stepName] ?? 0) + (now - stepStarted);
    stepName = next;
    stepStarted = now;
  };
  const progress = (step: string, message: string) => {
    mark(step);
    options.onProgress?.(message);
    log?.debug?.({ step: message }, "analytics sync");
  };
  const client = connect(options.connection);
  let historyId: string | null = null;
  let kind: SyncKind = options.mode === "full" ? "full" : "incremental";
  let staging: string | null = null;
  /** The file being built: removed unless it was published. */
  let building: string | null = null;
  let duck: { instance: DuckDBInstance; connection: DuckDBConnection } | null = null;
  const onAbort = () => duck?.connection.interrupt();
  options.signal?.addEventListener("abort", onAbort);
  const stopIfAsked = () => {
    if (options.signal?.aborted) throw new SyncAborted();
  };
  try {
    await client.connect();
    const lock = await client.query<{ locked: boolean }>(`select pg_try_advisory_lock(${LOCK_NAMESPACE}, hashtext($1)) as locked`, [
      `${os.hostname()}:${path.resolve(options.dir)}`,
    ]);
    if (!lock.rows[0]?.locked) return { outcome: "skipped", reason: "another sync is running" };

    await ensureDir(options.dir);
    // We hold the lock, so a sync the history still shows running was cut off (killed, machine lost).
    const interrupted = await closeInterrupted(options.dir);
    if (interrupted) log?.warn({ interrupted }, "analytics sync: an earlier sync was cut off before finishing; recorded as interrupted");
    historyId = await recordStart(options.dir, { kind, trigger: options.trigger, host: os.hostname(), pid: process.pid });
    const removed = await removeLeftovers(options.dir, options.inUse?.() ?? new Set());
    if (removed.length) log?.info({ removed }, "analytics sync: removed what earlier syncs left behind");

    // An incremental sync starts from the current snapshot: it must open and be of this format, or
    // (missing, damaged, older) the sync becomes a full rebuild.
    const manifest = await readManifest(options.dir);
    const current = manifest ? path.join(options.dir, manifest.file) : null;
    let base: { watermark: bigint; rowsByBoard: Record<string, number> } | null = null;
    if (kind === "incremental") {
      base = current ? await checkSnapshot(current, log) : null;
      if (!base || base.watermark === 0n) {
        if (manifest) log?.warn({ file: manifest.file }, "analytics snapshot missing, unreadable or of another format: rebuilding it");
        kind = "full";
        base = null;
      }
    }
    const name = newSnapshotName();
    building = path.join(options.dir, name);
    staging = path.join(options.dir, `staging-${Date.now()}-${process.pid}`);
    await mkdir(staging, { recursive: true });

    // A full build loads each chunk of credit reports into the new file as it lands; an incremental
    // sync first reads the changes, and copies the snapshot only when there are any.
    const pending: string[] = [];
    if (kind === "full") {
      duck = await openForWriting(building, options.dir, options.memoryMb ?? 2048);
      await createStagedReports(duck.connection);
    }
    progress("read and stage", kind === "full" ? "reading the learner store (full)" : `reading changes since change ${base!.watermark}`);
    const read = await readStore(client, options.connection, staging, base?.watermark ?? null, {
      writerWaitMs: options.writerWaitMs ?? 10_000,
      signal: options.signal,
      // A write transaction that outlasts the wait: an incremental keeps its old watermark (and re-reads
      // from there next time); a full rebuild records none, so the next sync is full again.
      loadChunk: async (file) => {
        if (duck) await loadReportChunk(duck.connection, file);
        else pending.push(file);
      },
    });
    stopIfAsked();
    await options.fault?.(kind);

    const sizes = await Promise.all([read.providers, read.activities, ...pending].map(async (f) => (await stat(f)).size));
    const nothingNew = kind === "incremental" && sizes.every((size) => size === 0);
    if (kind === "incremental" && !nothingNew) {
      progress("copy", "copying the current snapshot");
      await copyFile(current!, building);
      duck = await openForWriting(building, options.dir, options.memoryMb ?? 2048);
      const copied = await snapshotState(duck.connection);
      if (copied?.watermark !== base!.watermark) throw new Error("the snapshot changed while it was being copied");
      await createStagedReports(duck.connection);
      for (const file of pending) await loadReportChunk(duck.connection, file);
    }
    const c = duck?.connection ?? null;
    let changesByBoard: Record<string, number> = {};
    let rowsByBoard: Record<string, number>;
    let skippedAmounts = 0;
    if (nothingNew || !c) {
      rowsByBoard = base!.rowsByBoard;
    } else {
      changesByBoard = await countsByBoard(c, "staged_report");
      progress("providers and activities", "building the snapshot tables");
      if (kind === "full") await c.run(SNAPSHOT_TABLES);
      await stageInto(c, read);
      stopIfAsked();
      // No transaction: the file being built is published only once complete, so a failure anywhere
      // leaves nothing half-applied that a reader could see.
      if (kind === "full") {
        await c.run(`insert into provider select id, name, change_seq from staged_provider order by id`);
        await c.run(`insert into activity select id, provider_id, format, moc = 1, mips = 1, rems = 1, change_seq from staged_activity order by id`);
      } else {
        await c.run(`delete from provider where id in (select id from staged_provider)`);
        await c.run(`insert into provider select id, name, change_seq from staged_provider`);
        await c.run(`delete from activity where id in (select id from staged_activity)`);
        await c.run(`insert into activity select id, provider_id, format, moc = 1, mips = 1, rems = 1, change_seq from staged_activity`);
        // An activity moved to another provider or format, or now offers MOC, MIPS or REMS or not: its reports follow.
        await c.run(`update report set provider_id = a.provider_id, format = a.format, moc = (a.moc = 1), mips = (a.mips = 1), rems = (a.rems = 1) from staged_activity a
                     where report.activity_id = a.id and (report.provider_id <> a.provider_id or report.format <> a.format
                       or report.moc <> (a.moc = 1) or report.mips <> (a.mips = 1) or report.rems <> (a.rems = 1))`);
        await c.run(`update report_credit_type set provider_id = r.provider_id, format = r.format from report r
                     where report_credit_type.report_id = r.id and r.activity_id in (select id from staged_activity)
                       and (report_credit_type.provider_id <> r.provider_id or report_credit_type.format <> r.format)`);
        // A changed report is replaced; a soft-deleted one is removed.
        await c.run(`delete from report where id in (select id from staged_report)`);
        await c.run(`delete from report_credit_type where report_id in (select id from staged_report)`);
      }
      await checkActivities(c);
      ({ skippedAmounts } = await insertReports(c, kind, mark));
      const now = new Date();
      if (kind === "full") {
        await c.run(`insert into snapshot_meta values (${SNAPSHOT_FORMAT}, 'full', ${tsLiteral(read.asOf)}, ${tsLiteral(now)}, ${tsLiteral(now)}, ${read.watermark})`);
      } else {
        await c.run(`update snapshot_meta set kind = 'incremental', as_of = ${tsLiteral(read.asOf)}, built_at = ${tsLiteral(now)}, watermark = ${read.watermark}`);
      }
      stopIfAsked();
      progress("checkpoint", "checkpointing");
      await c.run("checkpoint");
      rowsByBoard = await countsByBoard(c, "report");
    }
    if (skippedAmounts > 0) log?.warn({ skippedAmounts }, "analytics sync: credit-type amounts that are not numbers were left out");
    close(duck);
    duck = null;
    stopIfAsked();

    // Publish. Nothing new: the same file, now known to be current as of this read.
    let published: string;
    if (nothingNew) {
      building = null;
      published = manifest!.file;
      await writeManifest(options.dir, { ...manifest!, asOf: read.asOf.toISOString() });
    } else {
      await writeManifest(options.dir, { format: SNAPSHOT_FORMAT, file: name, asOf: read.asOf.toISOString(), builtAt: new Date().toISOString() });
      published = name;
      building = null;
      // The previous file is no longer named; a reader that still has it open keeps it until it lets go.
      await removeLeftovers(options.dir, options.inUse?.() ?? new Set());
    }
    const durationMs = Date.now() - started;
    const rowsTotal = sum(rowsByBoard);
    const rowsChanged = kind === "full" ? rowsTotal : sum(changesByBoard);
    await recordFinish(options.dir, historyId!, {
      outcome: "succeeded",
      kind,
      asOf: read.asOf.toISOString(),
      rowsTotal,
      rowsByBoard,
      rowsChanged,
      changesByBoard: kind === "full" ? rowsByBoard : changesByBoard,
      durationMs,
      error: null,
    });
    mark(null);
    const fields = { kind, rowsTotal, rowsChanged, durationMs, asOf: read.asOf.toISOString(), file: published, steps };
    if (nothingNew) log?.debug?.(fields, "analytics sync: nothing new");
    else log?.info(fields, "analytics sync succeeded");
    return { outcome: "succeeded", kind, asOf: read.asOf, rowsTotal, rowsChanged, durationMs, newFile: !nothingNew, file: published, historyId, steps };
  } catch (error) {
    const durationMs = Date.now() - started;
    const aborted = error instanceof SyncAborted || options.signal?.aborted === true;
    const message = aborted ? "The sync was stopped (the server is shutting down)." : error instanceof Error ? error.message : String(error);
    try {
      close(duck);
    } catch {
      // already closed
    }
    duck = null;
    if (building) {
      await rm(building, { force: true }).catch(() => undefined);
      await rm(`${building}.wal`, { force: true }).catch(() => undefined);
    }
    if (historyId) {
      await recordFinish(options.dir, historyId, {
        outcome: aborted ? "interrupted" : "failed",
        kind,
        asOf: null,
        rowsTotal: null,
        rowsByBoard: null,
        rowsChanged: null,
        changesByBoard: null,
        durationMs,
        error: message.slice(0, 2000),
      }).catch(() => undefined);
    }
    log?.error({ kind, error: message, durationMs }, "analytics sync failed; the previous snapshot keeps serving");
    return { outcome: "failed", kind, error: message, durationMs, historyId };
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    if (staging) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    // Closing the connection releases the advisory lock.
    await client.end().catch(() => undefined);
  }
}
