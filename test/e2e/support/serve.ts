// The server Playwright tests run against: an ephemeral embedded PostgreSQL seeded with the same
// store as the integration template, and the real HTTP app. Writes the owner URL to a file so
// tests can compute expected figures with plain SQL.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ServerBuild } from "@remix-run/node";
import { pino } from "pino";
import { warmDashboard } from "../../../app/models/dashboard.server";
import { startAnalytics } from "../../../db/analytics/service";
import { createAppDb, createDb, enableAppLogin } from "../../../db/client";
import { startEmbeddedPostgres } from "../../../db/embedded";
import { seedLearnerStore } from "../../../db/generator/seed";
import { migrateToLatest } from "../../../db/migrate";
import { seedBoard } from "../../../db/seed-board";
import { seedDemoAccounts } from "../../../scripts/lib/demo-accounts";
import { seedDemoRosters } from "../../../scripts/lib/demo-rosters";
import { createHttpApp } from "../../../scripts/server";
import { EXPORT_LIMITS, EXPORT_POOL_NAME } from "../../../app/models/export-limits.server";
import { STATUS_POOL } from "../../../app/models/status-runner.server";
import { createAppServices } from "../../../app/services.server";
import { TEMPLATE_ROSTER_DAY, TEMPLATE_SEED } from "../../support/template";
import { E2E_STATE_FILE } from "./state";

const port = Number(process.env.E2E_PORT ?? 3107);
const pgServer = await startEmbeddedPostgres({ dataDir: path.join(os.tmpdir(), `cme-e2e-pg-${process.pid}`), ephemeral: true });
const owner = createDb({ connectionString: pgServer.url, max: 2 });
await migrateToLatest(owner);
await seedBoard(owner);
await seedDemoAccounts(owner);
await seedLearnerStore(pgServer.url, TEMPLATE_SEED);
await seedDemoRosters(owner, { today: TEMPLATE_ROSTER_DAY });
await owner.destroy();

const appUrl = await enableAppLogin(pgServer.url);
const db = createAppDb(pgServer.url, appUrl, 8);
// Exports read through a small pool of their own, as in scripts/start.ts.
const exportDb = createAppDb(pgServer.url, appUrl, EXPORT_LIMITS.connections, EXPORT_POOL_NAME);
// The analytics snapshot is built before the server answers; tests that need a newer one sync
// through the admin page, as an administrator would.
const analyticsDir = await mkdtemp(path.join(os.tmpdir(), "cme-e2e-analytics-"));
const analytics = startAnalytics({
  dir: analyticsDir,
  connection: { connectionString: appUrl },
  intervalSeconds: 0,
  fullRebuildHours: 0,
  memoryMb: 512,
  schedule: false,
  warm: warmDashboard,
});
const first = await analytics.syncNow({ mode: "full", trigger: "start-up" });
if (first.outcome !== "succeeded") throw new Error(`e2e: the analytics snapshot was not built: ${JSON.stringify(first)}`);
const build = (await import(path.resolve("build/index.js"))) as ServerBuild;
const logger = pino({ level: "warn" });
const statusDb = createAppDb(pgServer.url, appUrl, STATUS_POOL.connections, STATUS_POOL.name);
const services = createAppServices({ db, exportDb, statusDb, analytics, secrets: ["e2e-secret-e2e-secret-e2e-secret-012345"], secureCookies: false, logger });
const { viewAudit, statuses } = services;
// Every board's statuses computed before the server answers (as npm start begins with).
await statuses.requestAll("start-up");
await statuses.idle();
const app = createHttpApp({ build, services, production: false });
await mkdir(path.dirname(E2E_STATE_FILE), { recursive: true });
await writeFile(E2E_STATE_FILE, JSON.stringify({ ownerUrl: pgServer.url }));
const server = app.listen(port, "127.0.0.1", () => console.log(`e2e server on http://127.0.0.1:${port}`));

async function stop() {
  server.close();
  server.closeAllConnections();
  await viewAudit.close();
  await analytics.stop();
  await statuses.stop();
  await statusDb.destroy();
  await rm(analyticsDir, { recursive: true, force: true });
  await db.destroy();
  await exportDb.destroy();
  await pgServer.stop();
  process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
