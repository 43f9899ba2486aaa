// The analytics snapshot on disk: a DuckDB file per snapshot in the analytics directory, and
// `current.json`, the manifest naming the one reports read. A snapshot file is written once by a
// sync and never changed after the manifest names it; the manifest is replaced atomically (write,
// fsync, rename), so readers always find a complete snapshot (docs/decisions/010-analytics-snapshot.md).
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

/** Bump when the tables below change: a snapshot of another format is rebuilt, never read. */
export const SNAPSHOT_FORMAT = 3;

/**
 * The snapshot's tables. Live credit reports only (soft-deleted ones are left out), with the
 * activity's provider and format copied onto each row so report queries never join; timestamps in
 * UTC (TIMESTAMP, no time zone); lag_days computed by PostgreSQL's own learner.lag_days().
 * Credit-type amounts of accepted records in a long table with the same filter columns. Both are
 * stored in (board_code, submitted_at, id) order, so a board's date range is a few row groups
 * (zone maps), not a scan. A full build creates `report` and `report_credit_type` from a sorted
 * query (CREATE TABLE AS: several times faster than a sorted INSERT); these definitions say what
 * that query yields, and incremental syncs insert into them.
 */
export const SNAPSHOT_TABLES = `
  create table snapshot_meta (
    format integer not null,
    kind varchar not null,
    as_of timestamp not null,
    full_built_at timestamp not null,
    built_at timestamp not null,
    watermark bigint not null
  );
  create table provider (id integer not null, name varchar not null, change_seq bigint not null);
  create table activity (id integer not null, provider_id integer not null, format varchar not null,
    moc boolean not null, mips boolean not null, rems boolean not null, change_seq bigint not null);
`;

/** What `report` and `report_credit_type` hold (the columns of the queries that build them). */
export const REPORT_TABLES = {
  report: {
    id: "BIGINT",
    board_code: "VARCHAR",
    learner_id: "BIGINT",
    activity_id: "INTEGER",
    provider_id: "INTEGER",
    format: "VARCHAR",
    completion_date: "DATE",
    submitted_at: "TIMESTAMP",
    /** The first day of the month of submission (UTC): what reports group by, stored rather than computed per row. */
    submitted_month: "DATE",
    lag_days: "INTEGER",
    entry_method: "VARCHAR",
    status: "VARCHAR",
    rejection_reason: "VARCHAR",
    credits: "DECIMAL(6,2)",
    /** Accepted and carrying at least one topic or credit type. */
    has_credit_types: "BOOLEAN",
    /** The activity offers MOC, MIPS, REMS credit (copied from it, as format is): the credit search's counts filter on them. */
    moc: "BOOLEAN",
    mips: "BOOLEAN",
    rems: "BOOLEAN",
    /** The topics or credit types the record carries, whatever its status (the credit search's filter). */
    credit_type_keys: "VARCHAR[]",
    change_seq: "BIGINT",
  },
  report_credit_type: {
    report_id: "BIGINT",
    board_code: "VARCHAR",
    provider_id: "INTEGER",
    format: "VARCHAR",
    submitted_at: "TIMESTAMP",
    submitted_month: "DATE",
    credit_type: "VARCHAR",
    amount: "DECIMAL(12,4)",
  },
} as const;

export const MANIFEST = "current.json";

const Manifest = z.object({
  format: z.number().int(),
  /** File name of the current snapshot, inside the analytics directory. */
  file: z.string().regex(/^snapshot-[A-Za-z0-9-]+\.duckdb$/),
  /** The store's state the snapshot reflects (ISO, UTC). A sync that finds nothing new moves it on. */
  asOf: z.iso.datetime(),
  /** When the snapshot file was written (ISO). */
  builtAt: z.iso.datetime(),
});
export type Manifest = z.infer<typeof Manifest>;

/** The manifest, or null when there is none or it cannot be read (treated as "no snapshot"). */
export async function readManifest(dir: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST), "utf8");
  } catch {
    return null;
  }
  try {
    const parsed = Manifest.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.format === SNAPSHOT_FORMAT ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Replace the manifest atomically: readers see the old one or the new one, never a torn file. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const temp = path.join(dir, `${MANIFEST}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(JSON.stringify(manifest, null, 2));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path.join(dir, MANIFEST));
  // The rename itself reaches the disk with the directory.
  const directory = await open(dir, "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** A fresh, unique snapshot file name (sortable by time). */
export function newSnapshotName(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, "").replace("T", "-").replace("Z", "");
  return `snapshot-${stamp}-${randomBytes(3).toString("hex")}.duckdb`;
}

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

/**
 * Remove what earlier syncs left behind: staging folders, temp files, and snapshot files other
 * than the current one and those `keep` names (files a reader in this process still has open).
 * Only called by the sync holding the lock. Another process may still read a removed file: on
 * POSIX systems an open file outlives its name.
 */
export async function removeLeftovers(dir: string, keep: ReadonlySet<string>): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const current = (await readManifest(dir))?.file;
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    const snapshot = name.match(/^(snapshot-[A-Za-z0-9-]+\.duckdb)(\.wal|\.tmp)?$/);
    const leftover =
      name.startsWith("staging-") ||
      name === "duckdb-temp" ||
      /^current\.json\.[0-9a-f]+\.tmp$/.test(name) ||
      (snapshot !== null && snapshot[1] !== current && !keep.has(snapshot[1] as string));
    if (leftover) {
      await rm(path.join(dir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}
