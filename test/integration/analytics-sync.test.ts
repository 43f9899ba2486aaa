// The analytics sync: an incremental sync after provider writes (inserts, rejections, soft deletes,
// resubmissions, and in-place updates of reports, activities and providers) leaves exactly the
// tables a full rebuild makes; a sync stopped or killed mid-way leaves reports answering from the
// previous snapshot and is recorded; a missing or corrupt snapshot is rebuilt; one sync at a time;
// with the default schedule a provider's write reaches the reports within 60 seconds.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseEnv } from "../../app/env.server";
import { readHistory } from "../../db/analytics/history";
import { AnalyticsReader, duckCount, type SnapshotQuery } from "../../db/analytics/reader";
import { startAnalytics } from "../../db/analytics/service";
import { readManifest } from "../../db/analytics/snapshot";
import { dsql, raw } from "../../db/analytics/sql";
import { runSync, type SyncKind, type SyncOptions } from "../../db/analytics/sync";
import { applyProviderWrites } from "../../db/generator/provider-writes";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let owner: pg.Client;
const dirs: string[] = [];
const readers: AnalyticsReader[] = [];

beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
  owner = new pg.Client({ connectionString: database.url });
  await owner.connect();
});
afterAll(async () => {
  for (const r of readers) r.close();
  await owner?.end();
  await database?.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cme-sync-test-"));
  dirs.push(dir);
  return dir;
}

function sync(dir: string, extra: Partial<SyncOptions> = {}) {
  return runSync({ connection: { connectionString: database.appUrl }, dir, trigger: "test", memoryMb: 512, ...extra });
}

function reader(dir: string): AnalyticsReader {
  const r = new AnalyticsReader(dir, { pollMs: 0 });
  readers.push(r);
  return r;
}

/** A table's whole content in a stable order, as JSON values (the comparison of two snapshots). */
async function tableContents(dir: string, table: string, order: string): Promise<unknown[]> {
  const r = reader(dir);
  const result = await r.read((q) => q.rows(dsql`select * from ${raw(table)} order by ${raw(order)}`, z.record(z.string(), z.unknown())));
  r.close();
  return result!.value;
}

const TABLES: Array<[string, string]> = [
  ["provider", "id"],
  ["activity", "id"],
  ["report", "id"],
  ["report_credit_type", "report_id, credit_type"],
];

/** Live credit reports per board, straight from PostgreSQL. */
async function liveCount(board: string): Promise<number> {
  const { rows } = await owner.query<{ n: string }>(`select count(*) as n from learner.credit_report where deleted_at is null and board_code = $1`, [board]);
  return Number(rows[0]!.n);
}

async function snapshotCount(r: AnalyticsReader, board: string): Promise<{ n: number; asOf: string } | null> {
  const result = await r.read((q) => q.one(dsql`select count(*) as n from report where board_code = ${board}`, z.object({ n: duckCount })));
  return result ? { n: result.value.n, asOf: result.info.asOf } : null;
}

describe("incremental sync", () => {
  it("after provider writes and in-place updates, equals a full rebuild table by table", async () => {
    const incremental = await tempDir();
    const first = await sync(incremental, { mode: "full" });
    expect(first.outcome).toBe("succeeded");

    // What `npm run provider-writes` does: new accepted and rejected records, soft deletes,
    // deletions with corrected resubmissions.
    const counts = await applyProviderWrites(database.url, { inserts: 300, rejections: 40, deletes: 40, updates: 30, seed: 77 });
    expect(counts.inserted + counts.rejected + counts.deleted + counts.updated).toBeGreaterThan(300);
    // And in-place updates the store allows: a record's status and credit types, an undeleted
    // record, an activity moved to another provider and format, a provider renamed.
    await owner.query(`update learner.credit_report set status = 'rejected', rejection_reason = 'Duplicate record'
                       where id = (select min(id) from learner.credit_report where deleted_at is null and status = 'accepted' and board_code = 'ABIM')`);
    await owner.query(`update learner.credit_report set credit_types = '{"Pain Management": 1.5}', credits = 1.5
                       where id = (select min(id) from learner.credit_report where deleted_at is null and status = 'accepted' and board_code = 'CA-M')`);
    await owner.query(`update learner.credit_report set deleted_at = null where id = (select min(id) from learner.credit_report where deleted_at is not null)`);
    const moved = await owner.query<{ id: string }>(
      `update learner.activity set provider_id = (select max(id) from learner.provider), format = 'Performance Improvement'
       where id = (select activity_id from learner.credit_report where deleted_at is null group by 1 order by count(*) desc, 1 limit 1) returning id`,
    );
    expect(moved.rowCount).toBe(1);
    await owner.query(`update learner.provider set name = name || ' (renamed)' where id = (select min(id) from learner.provider)`);

    const second = await sync(incremental);
    expect(second).toMatchObject({ outcome: "succeeded", kind: "incremental", newFile: true });
    if (second.outcome !== "succeeded") return;
    expect(second.rowsChanged).toBeGreaterThanOrEqual(counts.inserted + counts.rejected + counts.deleted + 2 * counts.updated + 3);

    const full = await tempDir();
    expect((await sync(full, { mode: "full" })).outcome).toBe("succeeded");
    for (const [table, order] of TABLES) {
      const [a, b] = await Promise.all([tableContents(incremental, table, order), tableContents(full, table, order)]);
      expect(a.length, table).toBeGreaterThan(0);
      expect(a, table).toEqual(b);
    }
    // And both equal the store.
    const r = reader(incremental);
    expect((await snapshotCount(r, "CA-M"))!.n).toBe(await liveCount("CA-M"));
    expect((await snapshotCount(r, "ABIM"))!.n).toBe(await liveCount("ABIM"));
  });

  it("finds nothing new when nothing changed, and moves 'data as of' on without a new file", async () => {
    const dir = await tempDir();
    const first = await sync(dir, { mode: "full" });
    const again = await sync(dir);
    expect(again).toMatchObject({ outcome: "succeeded", kind: "incremental", newFile: false, rowsChanged: 0 });
    if (first.outcome !== "succeeded" || again.outcome !== "succeeded") return;
    expect(again.file).toBe(first.file);
    expect(again.asOf.getTime()).toBeGreaterThan(first.asOf.getTime());
  });
});

describe("answers kept per snapshot (q.cached)", () => {
  it("computes a key once per snapshot file, keeps only the most recent answers, and forgets a failure", async () => {
    const dir = await tempDir();
    expect((await sync(dir, { mode: "full" })).outcome).toBe("succeeded");
    const r = new AnalyticsReader(dir, { pollMs: 0, memoEntries: 2 });
    readers.push(r);
    const computed: string[] = [];
    const ask = async (key: string, fail = false) =>
      (await r.read((q) =>
        q.cached(key, async (q) => {
          computed.push(key);
          if (fail) throw new Error("no answer");
          return (await q.one(dsql`select count(*) as n from report`, z.object({ n: duckCount }))).n;
        }),
      ))!.value;
    const total = await ask("a");
    const live = await owner.query<{ n: string }>(`select count(*) as n from learner.credit_report where deleted_at is null`);
    expect(total).toBe(Number(live.rows[0]!.n));
    expect(await ask("a")).toBe(total);
    await ask("b");
    await ask("a"); // a is the most recent again: c pushes b out, not a
    await ask("c");
    await ask("a");
    await ask("b");
    expect(computed).toEqual(["a", "b", "c", "b"]);
    await expect(ask("d", true)).rejects.toThrow("no answer");
    expect(await ask("d")).toBe(total);
    expect(computed.slice(-2)).toEqual(["d", "d"]);
  });

  it("computes what pages asked for lately again as soon as a newer snapshot opens, with its records, before anyone asks", async () => {
    const dir = await tempDir();
    expect((await sync(dir, { mode: "full" })).outcome).toBe("succeeded");
    const r = new AnalyticsReader(dir, { pollMs: 0, warm: { entries: 1, withinMs: 60_000 } });
    readers.push(r);
    const computed: string[] = [];
    const count = (board: string) => async (q: SnapshotQuery) => {
      computed.push(board);
      return (await q.one(dsql`select count(*) as n from report where board_code = ${board}`, z.object({ n: duckCount }))).n;
    };
    const ask = async (board: string) => (await r.read((q) => q.cached(board, count(board))))!;
    await ask("ABIM");
    const before = await ask("CA-M"); // the most recent: the only one warmed (entries: 1)
    expect(before.value).toBe(await liveCount("CA-M"));

    await owner.query(`insert into learner.credit_report (activity_id, learner_id, board_code, completion_date, submitted_at, entry_method, status, credits)
                       select activity_id, learner_id, 'CA-M', current_date - 5, now(), 'manual', 'accepted', 1
                       from learner.credit_report where board_code = 'CA-M' and deleted_at is null order by id limit 4`);
    expect(await sync(dir)).toMatchObject({ outcome: "succeeded", kind: "incremental", newFile: true });
    await r.reload();
    await r.warming();
    expect(computed).toEqual(["ABIM", "CA-M", "CA-M"]);
    const after = await ask("CA-M");
    expect(after.info.file).not.toBe(before.info.file);
    expect(after.value).toBe(before.value + 4);
    expect(after.value).toBe(await liveCount("CA-M"));
    expect(computed).toHaveLength(3); // the page found it computed
  });
});

describe("a sync that does not finish", () => {
  it("stopped while building: the previous snapshot keeps answering, nothing half-built is left, the history says so", async () => {
    const dir = await tempDir();
    expect((await sync(dir, { mode: "full" })).outcome).toBe("succeeded");
    const before = await readManifest(dir);
    const r = reader(dir);
    const answered = await snapshotCount(r, "CA-M");
    expect(answered!.n).toBe(await liveCount("CA-M"));

    await applyProviderWrites(database.url, { inserts: 50, rejections: 5, deletes: 5, updates: 5, seed: 78 });
    const stop = new AbortController();
    const stopped = await sync(dir, { mode: "full", signal: stop.signal, onProgress: (m) => m.startsWith("building") && stop.abort() });
    expect(stopped.outcome).toBe("failed");

    expect(await readManifest(dir)).toEqual(before);
    const still = await snapshotCount(r, "CA-M");
    expect(still).toEqual(answered);
    const fresh = await snapshotCount(reader(dir), "CA-M");
    expect(fresh).toEqual(answered);
    expect((await readdir(dir)).filter((f) => f.endsWith(".duckdb"))).toEqual([before!.file]);
    expect((await readHistory(dir))[0]).toMatchObject({ outcome: "interrupted", kind: "full" });
  });

  it("a failure (the store cannot be read) is logged and leaves the previous snapshot serving", async () => {
    const dir = await tempDir();
    expect((await sync(dir, { mode: "full" })).outcome).toBe("succeeded");
    const before = await readManifest(dir);
    const errors: string[] = [];
    const failed = await runSync({
      // A login that cannot read the store's tables: the COPY fails part-way into the sync.
      connection: { connectionString: database.url, role: "pg_monitor" },
      dir,
      trigger: "test",
      memoryMb: 512,
      logger: { info: () => undefined, warn: () => undefined, error: (_f, m) => errors.push(m) },
    });
    expect(failed.outcome).toBe("failed");
    expect(errors.some((m) => /failed; the previous snapshot keeps serving/.test(m))).toBe(true);
    expect(await readManifest(dir)).toEqual(before);
    expect((await readHistory(dir))[0]).toMatchObject({ outcome: "failed" });
    expect((await snapshotCount(reader(dir), "CA-M"))!.n).toBe(await liveCount("CA-M"));
  });

  it("killed (SIGKILL) mid-way in `npm run sync`: reports answer from the previous snapshot; the next sync records it and cleans up", async () => {
    const dir = await tempDir();
    expect((await sync(dir, { mode: "full" })).outcome).toBe("succeeded");
    const before = await readManifest(dir);
    const r = reader(dir);
    const answered = await snapshotCount(r, "CA-M");

    // A provider's write transaction left open: the sync waits for it before reading (it must not
    // miss a change committed late), which is where we kill it — files made, lock held, nothing done.
    const writer = new pg.Client({ connectionString: database.url });
    await writer.connect();
    await writer.query("begin");
    await writer.query(`update learner.provider set name = name where id = (select min(id) from learner.provider)`);
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/sync.ts", "--full"], {
      env: { ...process.env, DATABASE_URL: database.url, APP_DATABASE_URL: database.appUrl, ANALYTICS_DIR: dir, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ? -1 : code)));
    // Wait until the sync has started (its history line) and made its files, then kill it.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const history = await readHistory(dir);
      const files = await readdir(dir);
      if (history[0]?.outcome === "running" && files.some((f) => f.startsWith("staging-") || (f.endsWith(".duckdb") && f !== before!.file))) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill("SIGKILL");
    expect(await exited, output).toBe(-1);
    await writer.query("rollback");
    await writer.end();

    expect(await readManifest(dir)).toEqual(before);
    expect(await snapshotCount(r, "CA-M")).toEqual(answered);
    expect(await snapshotCount(reader(dir), "CA-M")).toEqual(answered);
    expect((await readHistory(dir))[0]).toMatchObject({ outcome: "running" });

    // PostgreSQL lets go of the killed process's lock once it notices the connection is gone.
    let next = await sync(dir);
    for (let i = 0; i < 50 && next.outcome === "skipped"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      next = await sync(dir);
    }
    expect(next.outcome).toBe("succeeded");
    const history = await readHistory(dir);
    expect(history.map((h) => h.outcome).slice(0, 2)).toEqual(["succeeded", "interrupted"]);
    const left = await readdir(dir);
    expect(left.filter((f) => f.startsWith("staging-"))).toEqual([]);
    expect(left.filter((f) => f.endsWith(".duckdb"))).toEqual([(await readManifest(dir))!.file]);
  });
});

describe("a sync that keeps failing", () => {
  it("after two incremental failures in a row rebuilds in full; a failed rebuild keeps the old snapshot serving and is retried, as a rebuild, after growing pauses", async () => {
    const dir = await tempDir();
    // The incremental path (or both) fails deterministically: as a staging file DuckDB cannot load would.
    const failing = new Set<SyncKind>();
    const analytics = startAnalytics({
      dir,
      connection: { connectionString: database.appUrl },
      intervalSeconds: 20,
      fullRebuildHours: 24,
      memoryMb: 512,
      schedule: false,
      fault: (kind) => {
        if (failing.has(kind)) throw new Error(`injected: the ${kind} sync cannot load what it read`);
      },
    });
    try {
      expect(await analytics.syncNow()).toMatchObject({ outcome: "succeeded", kind: "full" });
      const first = (await analytics.reader.info())!;
      const before = await snapshotCount(analytics.reader, "CA-M");
      expect(analytics.health()).toMatchObject({ incrementalFailures: 0, fullFailures: 0, lastFailure: null, next: { mode: "auto", delayMs: 20_000 } });
      expect(analytics.freshness(first.asOf).behind).toBe(false);

      await owner.query(`insert into learner.credit_report (activity_id, learner_id, board_code, completion_date, submitted_at, entry_method, status, credits)
                         select activity_id, learner_id, 'CA-M', current_date - 3, now(), 'manual', 'accepted', 1
                         from learner.credit_report where board_code = 'CA-M' and deleted_at is null order by id limit 3`);
      failing.add("incremental");
      expect(await analytics.syncNow()).toMatchObject({ outcome: "failed", kind: "incremental" });
      expect(analytics.health()).toMatchObject({ incrementalFailures: 1, next: { mode: "auto", delayMs: 20_000 } });
      const freshness = analytics.freshness(first.asOf);
      expect(freshness).toMatchObject({ behind: true, asOf: first.asOf });
      expect(Date.parse(freshness.failedAt!)).toBeGreaterThan(Date.parse(first.asOf));
      expect(await analytics.syncNow()).toMatchObject({ outcome: "failed", kind: "incremental" });
      expect(analytics.health()).toMatchObject({ incrementalFailures: 2, next: { mode: "full", delayMs: 20_000 } });

      // The rebuild fails too: the old snapshot keeps answering; the next try is a rebuild after a longer pause.
      failing.add("full");
      expect(await analytics.syncNow()).toMatchObject({ outcome: "failed", kind: "full" });
      expect(analytics.health()).toMatchObject({ fullFailures: 1, next: { mode: "full", delayMs: 40_000 } });
      expect(await analytics.syncNow()).toMatchObject({ outcome: "failed", kind: "full" });
      expect(analytics.health()).toMatchObject({ fullFailures: 2, next: { mode: "full", delayMs: 80_000 } });
      expect((await analytics.reader.info())!.file).toBe(first.file);
      expect(await snapshotCount(analytics.reader, "CA-M")).toEqual(before);

      // Whatever breaks the incremental path, the rebuild reads the store afresh and serves it.
      failing.delete("full");
      expect(await analytics.syncNow()).toMatchObject({ outcome: "succeeded", kind: "full" });
      expect((await snapshotCount(analytics.reader, "CA-M"))!.n).toBe(before!.n + 3);
      expect(analytics.health()).toMatchObject({ incrementalFailures: 0, fullFailures: 0, lastFailure: null, next: { mode: "auto", delayMs: 20_000 } });
      expect(analytics.freshness((await analytics.reader.info())!.asOf)).toMatchObject({ behind: false, failedAt: null });
      const kinds = (await analytics.history()).slice(0, 6).map((h) => `${h.kind} ${h.outcome}`);
      expect(kinds).toEqual(["full succeeded", "full failed", "full failed", "incremental failed", "incremental failed", "full succeeded"]);
    } finally {
      await analytics.stop();
    }
  });

  it("with the scheduler running, figures older than a few intervals are behind even when nothing failed", async () => {
    const dir = await tempDir();
    const analytics = startAnalytics({ dir, connection: { connectionString: database.appUrl }, intervalSeconds: 3600, fullRebuildHours: 0, memoryMb: 512, staleAfterSeconds: 60 });
    try {
      const now = new Date("2026-03-02T15:42:00Z");
      expect(analytics.freshness("2026-03-02T15:41:30.000Z", now)).toMatchObject({ behind: false, failedAt: null });
      expect(analytics.freshness("2026-03-02T15:28:00.000Z", now)).toMatchObject({ behind: true, failedAt: null, now: now.toISOString() });
    } finally {
      await analytics.stop();
    }
  });
});

describe("npm run sync", () => {
  it("brings the snapshot up to date (full when there is none, then incremental) and says what it did", async () => {
    const dir = await tempDir();
    const run = (args: string[]) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", "scripts/sync.ts", ...args], {
          env: { ...process.env, DATABASE_URL: database.url, APP_DATABASE_URL: database.appUrl, ANALYTICS_DIR: dir, LOG_LEVEL: "warn" },
        });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        child.on("exit", (code) => resolve({ code, output }));
      });
    const first = await run([]);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/Full rebuild done in [\d.]+ s: [\d,]+ credit reports in the snapshot/);
    const second = await run([]);
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(/Incremental sync done/);
    const bad = await run(["--fast"]);
    expect(bad.code).toBe(2);
    expect(bad.output).toMatch(/usage: npm run sync/);
  });
});

describe("a snapshot file that is missing or damaged", () => {
  it("is rebuilt by the next sync; a reader that has it open keeps answering meanwhile", async () => {
    const dir = await tempDir();
    expect((await sync(dir, { mode: "full" })).outcome).toBe("succeeded");
    const r = reader(dir);
    const answered = await snapshotCount(r, "ABIM");
    const manifest = await readManifest(dir);
    await rm(path.join(dir, manifest!.file));

    expect(await snapshotCount(r, "ABIM")).toEqual(answered);
    expect(await reader(dir).info()).toBeNull();
    const rebuilt = await sync(dir);
    expect(rebuilt).toMatchObject({ outcome: "succeeded", kind: "full" });
    expect((await snapshotCount(reader(dir), "ABIM"))!.n).toBe(await liveCount("ABIM"));
  });

  it("a damaged file (overwritten with junk) is rebuilt, not read", async () => {
    const dir = await tempDir();
    expect((await sync(dir, { mode: "full" })).outcome).toBe("succeeded");
    const manifest = await readManifest(dir);
    await writeFile(path.join(dir, manifest!.file), Buffer.alloc(64 * 1024, 7));
    expect(await reader(dir).info()).toBeNull();
    const rebuilt = await sync(dir);
    expect(rebuilt).toMatchObject({ outcome: "succeeded", kind: "full" });
    expect(existsSync(path.join(dir, manifest!.file))).toBe(false);
    expect((await snapshotCount(reader(dir), "CA-M"))!.n).toBe(await liveCount("CA-M"));
  });
});

describe("one sync at a time", () => {
  it("a second sync of the same snapshot directory while one runs does nothing and says why", async () => {
    const dir = await tempDir();
    const [a, b] = await Promise.all([sync(dir, { mode: "full" }), new Promise((r) => setTimeout(r, 30)).then(() => sync(dir, { mode: "full" }))]);
    const outcomes = [a.outcome, b.outcome].sort();
    expect(outcomes).toEqual(["skipped", "succeeded"]);
    const skipped = [a, b].find((x) => x.outcome === "skipped");
    expect(skipped).toMatchObject({ reason: "another sync is running" });
  });
});

describe("the scheduler at its default interval", () => {
  it("makes a provider's new record visible in the snapshot within 60 seconds", { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const env = parseEnv({});
    const analytics = startAnalytics({
      dir,
      connection: { connectionString: database.appUrl },
      intervalSeconds: env.ANALYTICS_SYNC_INTERVAL_SECONDS,
      fullRebuildHours: env.ANALYTICS_FULL_REBUILD_HOURS,
      memoryMb: 512,
    });
    try {
      // The start-up sync builds the first snapshot.
      const started = Date.now();
      while (!(await analytics.reader.info()) && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 100));
      const before = await snapshotCount(analytics.reader, "CA-M");
      expect(before).not.toBeNull();

      const { rows } = await owner.query<{ id: string }>(
        `insert into learner.credit_report (activity_id, learner_id, board_code, board_learner_id, completion_date, submitted_at, entry_method, status, credits)
         select activity_id, learner_id, board_code, board_learner_id, completion_date, now(), 'web_service', 'accepted', 0.25
         from learner.credit_report where board_code = 'CA-M' and deleted_at is null order by id limit 1 returning id`,
      );
      const written = Date.now();
      let seenAfter: number | null = null;
      while (Date.now() - written < 65_000) {
        const now = await snapshotCount(analytics.reader, "CA-M");
        if (now && now.n === before!.n + 1) {
          seenAfter = Date.now() - written;
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(seenAfter, `record ${rows[0]!.id} not in the reports after 65 s`).not.toBeNull();
      expect(seenAfter!).toBeLessThan(60_000);
    } finally {
      await analytics.stop();
    }
  });
});
