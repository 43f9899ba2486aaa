// `npm start`: one home for start-up. Opens PostgreSQL (embedded unless DATABASE_URL is set),
// migrates, seeds the demo store when embedded and empty, starts the analytics snapshot's sync
// (built at once when missing), serves, and shuts down cleanly.
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ServerBuild } from "@remix-run/node";
import { pino } from "pino";
import { analyticsDir, loadEnv, type Env } from "../app/env.server";
import { scopeForOrganisation } from "../app/auth/scope.server";
import { utcToday } from "../app/lib/reports";
import { warmDashboard, warmDashboards } from "../app/models/dashboard.server";
import { warmReportPages } from "../app/models/reports/index.server";
import { EXPORT_LIMITS, EXPORT_POOL_NAME } from "../app/models/export-limits.server";
import { STATUS_POOL } from "../app/models/status-runner.server";
import { createAppServices } from "../app/services.server";
import { environmentSecrets } from "../app/auth/sso.server";
import { ORGANISATIONS } from "../domain/reference";
import type { SnapshotQuery } from "../db/analytics/reader";
import { startAnalytics } from "../db/analytics/service";
import { APP_ROLE, createAppDb, createDb, enableAppLogin } from "../db/client";
import { seedLearnerStore } from "../db/generator/seed";
import { migrateToLatest } from "../db/migrate";
import { seedBoard } from "../db/seed-board";
import { demoAccounts, DEMO_PASSWORD, seedDemoAccounts } from "./lib/demo-accounts";
import { seedDemoRosters } from "./lib/demo-rosters";
import { openOwnerDatabase } from "./lib/owner-database";
import { createHttpApp } from "./server";

const env = loadEnv();
const logger = pino({ level: env.LOG_LEVEL });
const production = env.NODE_ENV === "production";

/** Outside production a missing SESSION_SECRET is generated once and kept in DATA_DIR. */
async function sessionSecrets(env: Env): Promise<string[]> {
  if (env.SESSION_SECRET) return env.SESSION_SECRET;
  const file = path.join(env.DATA_DIR, "session-secret");
  if (existsSync(file)) return [(await readFile(file, "utf8")).trim()];
  await mkdir(env.DATA_DIR, { recursive: true });
  const secret = randomBytes(32).toString("hex");
  await writeFile(file, secret, { mode: 0o600 });
  return [secret];
}

const started = Date.now();
const owner = await openOwnerDatabase(env, { reuseRunning: false, callerHandlesSignals: true });
const ownerDb = createDb({ connectionString: owner.url, max: 2 });
try {
  await migrateToLatest(ownerDb);
  await seedBoard(ownerDb);
  if (owner.embedded) await seedDemoAccounts(ownerDb);
  if (owner.embedded) {
    const anyReport = await ownerDb.selectFrom("learner.credit_report").select("id").limit(1).executeTakeFirst();
    if (!anyReport && env.SEED_PHYSICIANS > 0) {
      console.log(`Seeding the demo learner store (${env.SEED_PHYSICIANS.toLocaleString("en-US")} physicians and their credit reports)…`);
      const counts = await seedLearnerStore(owner.url, { physicians: env.SEED_PHYSICIANS, seed: 1 });
      console.log(`Seeded ${counts.reports.toLocaleString("en-US")} credit reports for ${counts.learners.toLocaleString("en-US")} physicians.`);
    }
    // Every board's demo roster, once the store has licensees (also for a store seeded before rosters existed).
    const anyRoster = await ownerDb.selectFrom("board.roster_upload").select("id").limit(1).executeTakeFirst();
    const anyLearner = await ownerDb.selectFrom("learner.learner").select("id").limit(1).executeTakeFirst();
    if (!anyRoster && anyLearner) {
      const rosters = await seedDemoRosters(ownerDb, { today: utcToday() });
      console.log(`Uploaded a demo renewal roster for each of ${rosters.length} boards.`);
    }
  }
} catch (error) {
  await ownerDb.destroy();
  await owner.release();
  throw error;
}
await ownerDb.destroy();

// Embedded: this process owns the server, so the app logs in as its own restricted role.
const appUrl = env.APP_DATABASE_URL ?? (owner.embedded ? await enableAppLogin(owner.url) : undefined);
if (!appUrl) {
  logger.warn("APP_DATABASE_URL is not set: the app assumes role cme_app over the DATABASE_URL login; give it a login of its own in production.");
}
const db = createAppDb(owner.url, appUrl, 10);
// Exports read through a small pool of their own, so downloads can never take the pages' connections.
const exportDb = createAppDb(owner.url, appUrl, EXPORT_LIMITS.connections, EXPORT_POOL_NAME);
// The renewal statuses are evaluated in the background through a pool of their own, never the pages'.
const statusDb = createAppDb(owner.url, appUrl, STATUS_POOL.connections, STATUS_POOL.name);
const secrets = await sessionSecrets(env);
const build = (await import(path.resolve("build/index.js"))) as ServerBuild;

/**
 * After each sync, the figures every overview needs; after the first, also every organisation's
 * overview and reports as they open, so the first reviewers after a start do not wait for them.
 * (Later snapshots recompute what reviewers asked for: decision 017.)
 */
let pagesWarmed = false;
async function warmPages(q: SnapshotQuery): Promise<void> {
  await warmDashboard(q);
  if (pagesWarmed) return;
  pagesWarmed = true;
  const begun = Date.now();
  const scopes = (await db.selectFrom("board.organisation").select(["code", "kind"]).orderBy("code").execute()).map(scopeForOrganisation);
  await warmDashboards(q, scopes, utcToday());
  const pages = await warmReportPages(q, scopes);
  logger.info({ organisations: scopes.length, pages: pages + scopes.length, ms: Date.now() - begun }, "analytics: overviews and reports computed for every organisation");
}

// The snapshot is read as the app's own role, like every other read of the learner store.
const analytics = startAnalytics({
  dir: analyticsDir(env),
  connection: appUrl ? { connectionString: appUrl } : { connectionString: owner.url, role: APP_ROLE },
  intervalSeconds: env.ANALYTICS_SYNC_INTERVAL_SECONDS,
  fullRebuildHours: env.ANALYTICS_FULL_REBUILD_HOURS,
  memoryMb: env.ANALYTICS_MEMORY_MB,
  logger: logger.child({ module: "analytics" }),
  warm: warmPages,
});

// Page views are audited through a queue written about once a second; shutdown writes what is left.
const services = createAppServices({
  db,
  exportDb,
  statusDb,
  statusSchedule: true,
  analytics,
  secrets,
  secureCookies: env.SECURE_COOKIES ?? production,
  logger,
  viewAudit: { intervalMs: env.AUDIT_FLUSH_MS },
  // SSO_<CODE>_CLIENT_SECRET: an organization's single sign-on client secret, kept out of the database.
  ssoClientSecrets: environmentSecrets(process.env, ORGANISATIONS.map((o) => o.code)),
  secondFactorKeys: env.SECOND_FACTOR_KEY,
  appOrigins: env.APP_ORIGIN,
});
const { viewAudit, exports, statuses } = services;
// Every board's statuses brought up to date now (a new day, or rules and rosters changed while stopped).
statuses.start();
const app = createHttpApp({
  build,
  services,
  production,
  trustProxy: env.TRUST_PROXY,
  stallSeconds: env.EXPORT_STALL_SECONDS,
});

// From here on the process serves everyone: a promise that rejects with no one to catch it is a
// defect to log (lint forbids floating promises), never a reason to stop serving every board.
// Start-up errors above still end the process.
process.on("unhandledRejection", (reason) => {
  logger.error({ err: reason }, "unhandled promise rejection (the process keeps serving)");
});

const server = app.listen(env.PORT, env.HOST, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  console.log(`\nCME credit dashboard ready in ${((Date.now() - started) / 1000).toFixed(1)} s: http://${env.HOST === "0.0.0.0" ? "localhost" : env.HOST}:${port}/`);
  if (owner.embedded) {
    const accounts = demoAccounts();
    console.log(`Demo accounts (password "${DEMO_PASSWORD}"), one reviewer and one admin per organisation, e.g.:`);
    for (const code of ["ca-m", "abim", "accme"]) {
      for (const a of accounts.filter((x) => x.email.endsWith(`@${code}.demo.test`))) console.log(`  ${a.email}  (${a.org.name}, ${a.role})`);
    }
    console.log(`  …and reviewer@, supervisor@ and admin@<code>.demo.test for all ${new Set(accounts.map((a) => a.org.code)).size} organisations (see README).`);
  }
});

/**
 * In-flight requests get SHUTDOWN_GRACE_SECONDS (default 20) after SIGTERM/SIGINT before their
 * connections are cut: long enough for a page or an ordinary download, and short enough that a
 * download whose client stopped reading (kept up to EXPORT_STALL_SECONDS otherwise) cannot hold the
 * stop past the usual 30 s an orchestrator waits. Cutting a download cancels its cursor and audits
 * it as aborted. What is left (the audit queue, the pools, PostgreSQL) gets 8 s more.
 */
const SHUTDOWN_GRACE_SECONDS = env.SHUTDOWN_GRACE_SECONDS;
const SHUTDOWN_FORCE_SECONDS = SHUTDOWN_GRACE_SECONDS + 8;

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: finishing in-flight requests…`);
  const force = setTimeout(() => process.exit(1), SHUTDOWN_FORCE_SECONDS * 1000);
  force.unref();
  const cut = setTimeout(() => {
    logger.warn({ graceSeconds: SHUTDOWN_GRACE_SECONDS }, "stopping: cutting the requests still in flight");
    server.closeAllConnections();
  }, SHUTDOWN_GRACE_SECONDS * 1000);
  cut.unref();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  clearTimeout(cut);
  // A cut download closes its cursor and writes its audit row after its connection has gone.
  while (exports.gate.active.length > 0) await once(exports.gate, "finished");
  // Every request has finished: the views they audited are written before the pool closes.
  await viewAudit.close();
  await analytics.stop().catch((error: unknown) => logger.warn({ error }, "stopping the analytics sync"));
  await statuses.stop().catch((error: unknown) => logger.warn({ error }, "stopping the renewal statuses' evaluation"));
  await statusDb.destroy().catch((error: unknown) => logger.warn({ error }, "closing the renewal statuses' database pool"));
  await db.destroy().catch((error: unknown) => logger.warn({ error }, "closing the database pool"));
  await exportDb.destroy().catch((error: unknown) => logger.warn({ error }, "closing the exports' database pool"));
  await owner.release().catch((error: unknown) => logger.warn({ error }, "stopping PostgreSQL"));
  console.log("Stopped.");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
