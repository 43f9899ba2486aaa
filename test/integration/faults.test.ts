// Faults while serving. PostgreSQL stopped under load (a private embedded server, stopped and started
// again mid-test while reviewers keep asking for pages, data, exports and recording decisions):
// every answer is a page, a redirect or a clear 503 "temporarily unavailable" with Retry-After —
// never a 500 or a dropped connection — the app recovers by itself once PostgreSQL returns (from
// its first success on, every request succeeds), and every decision it acknowledged is in the
// database. The test waits for events (decisions acknowledged, requests answered), never for a
// fixed time, so a slow or busy machine changes how long it takes, not whether it passes.
import net from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Kysely } from "kysely";
import type pg from "pg";
import { APP_SESSION_SETTINGS, createDb, createPool, enableAppLogin, RowScopedPostgresDialect } from "../../db/client";
import { REPORTS } from "../../app/lib/reports";
import { readManifest } from "../../db/analytics/snapshot";
import { ResilientCursor } from "../../db/cursor";
import type { Database } from "../../db/schema";
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from "../../db/embedded";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { leaksIn } from "../support/leaks";
import { get, setUpSeededApp, signIn, startTestServer, type TestServer } from "../support/server";
import { startProcess } from "../support/start-process";
import { seedTestStore } from "../support/template";

/** A safety net for a test that waits for events: a wait this long means something is stuck. */
const STUCK_MS = 90_000;

/** Resolves once `done()` holds; throws, naming `what`, if it has not after STUCK_MS. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + STUCK_MS;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`faults: still waiting for ${what} after ${STUCK_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("PostgreSQL stopped and started again under load", () => {
  const dataDir = path.join(os.tmpdir(), `cme-faults-pg-${process.pid}-${randomBytes(4).toString("hex")}`);
  let port: number;
  let pgServer: EmbeddedServer | null = null;
  let database: TestDatabase;
  let server: TestServer;
  let appPool: pg.Pool;

  beforeAll(async () => {
    port = await freePort();
    pgServer = await startEmbeddedPostgres({ dataDir, port });
    const url = pgServer.url;
    const owner = createDb({ connectionString: url, max: 2 });
    await seedTestStore(url, owner, { physicians: 1_500, seed: 20261124 });
    const appUrl = await enableAppLogin(url);
    // The app's client as `npm start` makes it (createAppDb: 10 connections, its timeouts and
    // settings), with the pool in hand to see that no connection stays checked out.
    appPool = createPool({ connectionString: appUrl, max: 10, settings: APP_SESSION_SETTINGS });
    const app = new Kysely<Database>({ dialect: new RowScopedPostgresDialect({ pool: appPool, cursor: ResilientCursor }) });
    database = { url, appUrl, owner, app, drop: async () => {} };
    // Six workers share one reviewer's session: export limits (decision 018, tested in
    // export-abuse.test.ts) are set out of their way, so every export here meets the outage.
    server = await startTestServer(database, { sync: false, exportConnections: 6, exportLimits: { perUser: 6, global: 6, retryAfterSeconds: 5 } });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await database?.app.destroy();
    await database?.owner.destroy();
    await pgServer?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("answers 503 with Retry-After while it is down, never 500; recovers by itself; keeps every acknowledged decision", { timeout: 4 * STUCK_MS }, async () => {
    const { baseUrl } = server;
    const reviewer = await signIn(baseUrl, "reviewer@ca-m.demo.test");
    const entries = (
      await sql<{ id: string; learner_id: string }>`select e.id::text, e.learner_id::text from board.roster_entry e
        where e.org_code = 'CA-M' and e.learner_id is not null
          and not exists (select 1 from board.decision d where d.entry_id = e.id) order by e.id limit 400`.execute(database.owner)
    ).rows;
    expect(entries.length).toBeGreaterThan(40);
    const licensee = entries[0]!.learner_id;
    const reserved = entries.pop()!; // posted while PostgreSQL is down

    // What reviewers ask for, in turn: pages, data requests (single fetch), a resource route (export), decisions.
    const gets: Array<{ kind: string; path: string }> = [
      { kind: "page", path: "/credits?last=A" },
      { kind: "page", path: `/licensees/${licensee}` },
      { kind: "page", path: "/renewals" },
      { kind: "data", path: "/credits.data" },
      { kind: "data", path: `/licensees/${licensee}.data` },
      { kind: "export", path: "/credits/export?download=csv" },
    ];
    interface Outcome {
      kind: string;
      path: string;
      started: number;
      ended: number;
      status: number | "network-error";
      retryAfter: string | null;
      body: string;
      location: string | null;
      entryId?: string;
    }
    const outcomes: Outcome[] = [];
    let nextEntry = 0;
    let stop = false;

    async function once(kind: string, pathname: string, init: RequestInit = {}, entryId?: string): Promise<Outcome> {
      const started = performance.now();
      let outcome: Outcome;
      try {
        const response = await fetch(`${baseUrl}${pathname}`, { redirect: "manual", ...init, headers: { cookie: reviewer, origin: baseUrl, ...init.headers } });
        const body = await response.text();
        outcome = { kind, path: pathname, started, ended: performance.now(), status: response.status, retryAfter: response.headers.get("retry-after"), body, location: response.headers.get("location"), entryId };
      } catch (error) {
        outcome = { kind, path: pathname, started, ended: performance.now(), status: "network-error", retryAfter: null, body: String(error), location: null, entryId };
      }
      outcomes.push(outcome);
      return outcome;
    }
    function decide(entry = entries[nextEntry++]): Promise<Outcome> | null {
      if (!entry) return null;
      // An outcome that never contradicts the credit check: recorded whatever the entry's status.
      const body = new URLSearchParams({ intent: "decide", outcome: "referred_to_audit", note: "fault test" });
      return once("decision", `/renewals/${entry.id}`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } }, entry.id);
    }
    async function worker(n: number) {
      for (let i = n; !stop; i++) {
        if (i % 3 === 0) {
          if (!(await decide())) await new Promise((r) => setTimeout(r, 20));
        } else {
          const g = gets[i % gets.length]!;
          await once(g.kind, g.path);
        }
      }
    }

    const t0 = performance.now();
    const workers = Array.from({ length: 6 }, (_, n) => worker(n));
    const ok = (o: Outcome) => o.status === 200 || o.status === 302;
    const acknowledgedSince = (t: number) => outcomes.filter((o) => o.kind === "decision" && o.status === 302 && o.started >= t).length;
    // Before the fault: decisions acknowledged and every kind of request answered, however long that takes.
    await until(() => acknowledgedSince(t0) >= 6 && outcomes.filter((o) => o.kind !== "decision" && ok(o)).length >= 12, "decisions and pages before the stop");

    // ---- PostgreSQL goes away (fast shutdown: sessions are terminated mid-query).
    const stopping = performance.now();
    await pgServer!.stop();
    pgServer = null;
    const stopped = performance.now();
    // While it is down: one of each kind, answered 503 with Retry-After and no stack trace.
    const down = await Promise.all([...gets.map((g) => once(g.kind, g.path)), decide(reserved)!]);

    // ---- PostgreSQL returns (same data, same port).
    pgServer = await startEmbeddedPostgres({ dataDir, port });
    const returned = performance.now();
    // After its return: the first success, then decisions acknowledged and requests answered that
    // began after it (events, not a time: a busy machine answers fewer in any fixed time).
    const firstOkEnded = () => outcomes.filter((o) => o.started >= returned && ok(o)).reduce((min, o) => Math.min(min, o.ended), Infinity);
    await until(() => Number.isFinite(firstOkEnded()), "the first success after PostgreSQL returned");
    const recovered = firstOkEnded();
    await until(() => acknowledgedSince(recovered) >= 6 && outcomes.filter((o) => o.started >= recovered).length >= 12, "decisions and pages after the recovery");
    stop = true;
    await Promise.all(workers);

    // Down: every kind says "temporarily unavailable" clearly.
    for (const o of down) {
      expect(o.status, `${o.kind} ${o.path} while PostgreSQL was down`).toBe(503);
      expect(o.retryAfter, `${o.kind} ${o.path}: Retry-After`).toMatch(/^\d+$/);
      expect(leaksIn(o.body), `${o.kind} ${o.path}`).toEqual([]);
      expect(o.body).not.toContain("ECONNREFUSED");
    }
    const page = down.find((o) => o.kind === "page")!;
    expect(page.body).toContain("Temporarily unavailable");
    expect(page.body).toContain("<html");

    // Never a 500, never a dropped connection: a page, a redirect, a 409-free decision or a 503.
    const unexpected = outcomes.filter((o) => o.status !== 200 && o.status !== 302 && o.status !== 503 && !(o.kind === "export" && o.started < stopped));
    expect(unexpected.map((o) => `${o.kind} ${o.path} ${o.status} ${o.body.slice(0, 200)}`)).toEqual([]);
    expect(outcomes.filter((o) => o.status === 503 && o.started < stopping && o.ended < stopping)).toEqual([]);
    expect(outcomes.filter((o) => o.started > stopped && o.ended < returned && o.status !== 503)).toEqual([]);

    // Recovery by itself: once one request has succeeded after PostgreSQL's return, every request
    // begun after that succeeded (no stale connection, no state that needs a restart).
    const late = outcomes.filter((o) => o.started >= recovered);
    expect(late.length).toBeGreaterThanOrEqual(12);
    expect(late.filter((o) => !ok(o)).map((o) => `${o.kind} ${o.path} ${o.status}`)).toEqual([]);

    // No connection stays checked out of the pool (a leak would empty it after a few outages).
    expect({ checkedOut: appPool.totalCount - appPool.idleCount, waiting: appPool.waitingCount }).toEqual({ checkedOut: 0, waiting: 0 });

    // Decisions: every acknowledged one (302 to ?recorded=<id>) is stored, for its entry.
    const posted = outcomes.filter((o) => o.kind === "decision");
    const acknowledged = posted.filter((o) => o.status === 302);
    expect(acknowledged.length).toBeGreaterThan(5);
    expect(posted.filter((o) => o.status === 503).length).toBeGreaterThan(0);
    const stored = await sql<{ id: string; entry_id: string }>`select id::text, entry_id::text from board.decision
      where entry_id = any(${posted.map((o) => o.entryId!)}::bigint[])`.execute(database.owner);
    const storedById = new Map(stored.rows.map((r) => [r.id, r.entry_id]));
    for (const o of acknowledged) {
      const id = o.location?.match(/recorded=(\d+)/)?.[1];
      expect(id, `decision on entry ${o.entryId}: ${o.location}`).toBeDefined();
      expect(storedById.get(id!), `acknowledged decision ${id} on entry ${o.entryId}`).toBe(o.entryId);
    }
    // And nothing was stored twice or for an entry that was not posted.
    expect(new Set(stored.rows.map((r) => r.entry_id)).size).toBe(stored.rows.length);
  });
});

describe("SIGTERM while a request is in flight", () => {
  let database: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    database = await createTestDatabase(inject("pgServerUrl"));
    dataDir = await mkdtemp(path.join(os.tmpdir(), "cme-faults-start-"));
  });
  afterAll(async () => {
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  // The server's connections log in as the app's role (this test's own are the owner's).
  const appConnections = sql<{ n: string }>`select count(*)::text as n from pg_stat_activity
    where datname = current_database() and usename = 'cme_app'`;

  it("`npm start`'s process lets a large CSV export finish, then exits 0 with its database connections closed", { timeout: 90_000 }, async () => {
    const { child, output, exited, baseUrl } = await startProcess(database, dataDir);
    try {
      const cookie = await signIn(baseUrl, "reviewer@accme.demo.test");

      // The whole store as CSV, every column: several MB, read slowly so it is still in flight.
      const response = await fetch(`${baseUrl}/credits/export?download=csv&show=npi&show=format&show=entry`, { headers: { cookie } });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const chunks: Uint8Array[] = [];
      const first = await reader.read();
      chunks.push(first.value!);
      expect(Number((await appConnections.execute(database.owner)).rows[0]!.n)).toBeGreaterThan(0);

      child.kill("SIGTERM");
      const sigtermAt = performance.now();
      let slow = 0;
      for (;;) {
        const next = await reader.read();
        if (next.done) break;
        chunks.push(next.value);
        if (slow++ < 30) await new Promise((r) => setTimeout(r, 50)); // a slow client, for a while
      }
      const finishedAfter = performance.now() - sigtermAt;
      const exit = await exited;
      const text = Buffer.concat(chunks).toString("utf8");
      const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
      const expected = await sql<{ n: string }>`select count(*)::text as n from learner.credit_report where deleted_at is null`.execute(database.owner);
      expect(lines.length - 1, "data rows in the export").toBe(Number(expected.rows[0]!.n));
      expect(finishedAfter).toBeGreaterThan(500); // it really was in flight when the signal came
      expect(exit, output()).toEqual({ code: 0, signal: null });
      expect(output()).toContain("Stopped.");
      expect(Number((await appConnections.execute(database.owner)).rows[0]!.n)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("a download whose client stopped reading cannot hold the stop: cut after the grace, audited as aborted, exit 0", { timeout: 90_000 }, async () => {
    // Its own copy of the store, with wide names that do not compress: the export is far larger than
    // the sockets' buffers, so it cannot finish while its client reads nothing.
    const wide = await createTestDatabase(inject("pgServerUrl"));
    await sql`drop index learner.learner_name_idx`.execute(wide.owner);
    await sql`update learner.learner l set last_name = l.last_name || ' ' ||
      (select string_agg(md5(l.id::text || g::text), '') from generate_series(1, 160) g)`.execute(wide.owner);
    // The stall timeout far beyond the grace: only the stop can end this download.
    const { child, output, exited, baseUrl } = await startProcess(wide, dataDir, { env: { SHUTDOWN_GRACE_SECONDS: "2", EXPORT_STALL_SECONDS: "600" } });
    try {
      const cookie = await signIn(baseUrl, "reviewer@accme.demo.test");
      const before = Number((await sql<{ id: string }>`select coalesce(max(id), 0)::text as id from board.audit_event`.execute(wide.owner)).rows[0]!.id);
      // A raw socket that reads the answer's head, then nothing: the server's writes back up.
      const url = new URL(baseUrl);
      const socket = net.connect(Number(url.port), url.hostname);
      const head = await new Promise<string>((resolve, reject) => {
        socket.once("error", reject);
        socket.write(`GET /credits/export?download=csv&show=npi&show=format&show=entry HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${cookie}\r\nAccept-Encoding: identity\r\n\r\n`);
        socket.once("data", (chunk: Buffer) => {
          socket.pause();
          resolve(chunk.toString("latin1"));
        });
      });
      socket.on("error", () => undefined);
      expect(head).toMatch(/^HTTP\/1\.1 200/);

      child.kill("SIGTERM");
      const exit = await exited;
      expect(exit, output()).toEqual({ code: 0, signal: null });
      expect(output()).toContain("cutting the requests still in flight");
      expect(output()).toContain("Stopped.");
      // The export was audited with what it delivered, as aborted, before the pool closed.
      const audit = (
        await sql<{ detail: { completed: boolean; aborted: string | null; rows: number } }>`select detail from board.audit_event
          where action = 'export' and id > ${before} order by id`.execute(wide.owner)
      ).rows;
      expect(audit).toHaveLength(1);
      expect(audit[0]!.detail).toMatchObject({ completed: false, aborted: "client-gone" });
      const total = Number((await sql<{ n: string }>`select count(*)::text as n from learner.credit_report where deleted_at is null`.execute(wide.owner)).rows[0]!.n);
      expect(audit[0]!.detail.rows).toBeLessThan(total);
      expect(Number((await appConnections.execute(wide.owner)).rows[0]!.n)).toBe(0);
      socket.destroy();
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await wide.drop();
    }
  });
});

describe("closing the app's pool", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(inject("pgServerUrl"));
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("resolves only once every connection has left the server, so stopping PostgreSQL next cuts none", async () => {
    const name = `cme-close-${randomBytes(4).toString("hex")}`;
    const db = createDb({ connectionString: database.appUrl, max: 4, applicationName: name, settings: APP_SESSION_SETTINGS });
    // Four connections at once (each held by a sleeping query), then all idle in the pool.
    await Promise.all([0, 1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(db)));
    const connections = sql<{ n: string }>`select count(*)::text as n from pg_stat_activity where application_name = ${name}`;
    expect(Number((await connections.execute(database.owner)).rows[0]!.n)).toBe(4);
    await db.destroy();
    // Read at once: pg-pool's own end() resolves before its connections' goodbyes reach the server.
    expect(Number((await connections.execute(database.owner)).rows[0]!.n)).toBe(0);
  });
});

describe("the analytics snapshot deleted or damaged while serving", () => {
  // A private clone of the seeded store and the app over it, for this block only.
  const seeded = setUpSeededApp();

  const pages = ["/", ...REPORTS.map((r) => `/reports/${r.id}`)];
  async function visit(cookie: string) {
    return Promise.all(
      pages.map(async (page) => {
        const response = await get(seeded.server.baseUrl, page, cookie);
        const body = await response.text();
        return { page, status: response.status, preparing: body.includes('data-testid="analytics-preparing"'), rebuilding: /being rebuilt/.test(body) };
      }),
    );
  }

  it("damaged (overwritten in place): report pages and the dashboard say it is being rebuilt, never 500, and recover after the automatic rebuild", { timeout: 60_000 }, async () => {
    const cookie = await signIn(seeded.server.baseUrl, "reviewer@ca-m.demo.test");
    const before = await readManifest(seeded.server.analytics.dir);
    // Junk over the open file (same inode): the pages' columns are no longer readable.
    await writeFile(path.join(seeded.server.analytics.dir, before!.file), Buffer.alloc(64 * 1024, 7));

    const during = await visit(cookie);
    expect(during.filter((p) => p.status !== 200)).toEqual([]);
    expect(during.some((p) => p.preparing && p.rebuilding), JSON.stringify(during)).toBe(true);
    // A report CSV meanwhile: 503 with the reason, not a 500.
    const exportDuring = await get(seeded.server.baseUrl, "/reports/volume/export?table=monthly", cookie);
    if (exportDuring.status !== 200) {
      expect(exportDuring.status).toBe(503);
      expect(await exportDuring.text()).toMatch(/being rebuilt/);
    }

    // Nobody asks for a sync: the damaged snapshot is rebuilt by itself.
    const started = performance.now();
    let after = await visit(cookie);
    while (after.some((p) => p.preparing || p.status !== 200) && performance.now() - started < 40_000) {
      await new Promise((r) => setTimeout(r, 250));
      after = await visit(cookie);
    }
    console.log(`analytics: damaged snapshot rebuilt and serving again after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(after.filter((p) => p.preparing || p.status !== 200)).toEqual([]);
    const rebuilt = await readManifest(seeded.server.analytics.dir);
    expect(rebuilt!.file).not.toBe(before!.file);
    const history = await seeded.server.analytics.history(5);
    expect(history[0]).toMatchObject({ outcome: "succeeded", kind: "full", trigger: "scheduler" });
    expect((await get(seeded.server.baseUrl, "/reports/volume/export?table=monthly", cookie)).status).toBe(200);
  });

  it("deleted: pages keep answering from the open snapshot, and the next sync rebuilds it", { timeout: 60_000 }, async () => {
    const cookie = await signIn(seeded.server.baseUrl, "reviewer@abim.demo.test");
    const before = await readManifest(seeded.server.analytics.dir);
    await rm(path.join(seeded.server.analytics.dir, before!.file));
    const during = await visit(cookie);
    expect(during.filter((p) => p.status !== 200 || p.preparing)).toEqual([]);
    const sync = await seeded.server.analytics.syncNow();
    expect(sync).toMatchObject({ outcome: "succeeded", kind: "full" });
    const after = await visit(cookie);
    expect(after.filter((p) => p.status !== 200 || p.preparing)).toEqual([]);
    expect((await readManifest(seeded.server.analytics.dir))!.file).not.toBe(before!.file);
  });
});
