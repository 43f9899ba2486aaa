// The benchmark's stores and the app over them: a learner store (an embedded PostgreSQL in its own
// directory, or a given server) migrated, with the demo users, seeded once from the generator; and
// the app served over a store on loopback exactly as `npm start` assembles it. ../bench.ts prepares
// its main store with these; the growth section prepares a smaller one beside it the same way.
import type { Server } from "node:http";
import path from "node:path";
import type { ServerBuild } from "@remix-run/node";
import { pino } from "pino";
import { warmDashboard } from "../../app/models/dashboard.server";
import { EXPORT_LIMITS, EXPORT_POOL_NAME } from "../../app/models/export-limits.server";
import { STATUS_POOL } from "../../app/models/status-runner.server";
import { createAppServices } from "../../app/services.server";
import { startAnalytics } from "../../db/analytics/service";
import { APP_ROLE, createAppDb, createDb, enableAppLogin } from "../../db/client";
import { startEmbeddedPostgres } from "../../db/embedded";
import { seedLearnerStore } from "../../db/generator/seed";
import { migrateToLatest } from "../../db/migrate";
import { seedBoard } from "../../db/seed-board";
import { seedDemoAccounts } from "../lib/demo-accounts";
import { createHttpApp } from "../server";
import type { BenchContext } from "./context";

/** The generator's seed for every benchmark store: stores of different sizes differ only in size. */
export const BENCH_SEED = 7;

export interface BenchStore {
  /** Owner connection string. */
  ownerUrl: string;
  /** Whether this process started the server (then it also owns the app role's login). */
  embedded: boolean;
  /** Credit reports the store holds (counted after seeding). */
  reports: number;
  /** Stops the embedded server (nothing for a given URL). */
  stop(): Promise<void>;
}

export interface StoreOptions {
  /** A running server's owner URL; without it, an embedded PostgreSQL in `dataDir/pg` on `port`. */
  url?: string;
  dataDir: string;
  port: number;
  /** Reports to seed when the store is empty (a non-empty store is used as it is). */
  reports: number;
  /** Names the store in progress lines ("the benchmark store"). */
  name: string;
  log?: (line: string) => void;
}

async function countReports(ownerUrl: string): Promise<number> {
  const owner = createDb({ connectionString: ownerUrl, max: 1 });
  try {
    const row = await owner.selectFrom("learner.credit_report").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await owner.destroy();
  }
}

/** Starts (or connects to), migrates and, the first time, seeds a benchmark store. */
export async function prepareStore(options: StoreOptions): Promise<BenchStore> {
  const log = options.log ?? ((line: string) => console.log(line));
  let ownerUrl = options.url;
  let stop = async () => {};
  if (!ownerUrl) {
    const server = await startEmbeddedPostgres({ dataDir: path.resolve(options.dataDir, "pg"), port: options.port });
    ownerUrl = server.url;
    stop = () => server.stop();
  }
  try {
    const owner = createDb({ connectionString: ownerUrl, max: 2 });
    try {
      await migrateToLatest(owner);
      await seedBoard(owner);
      await seedDemoAccounts(owner);
    } finally {
      await owner.destroy();
    }
    if ((await countReports(ownerUrl)) === 0) {
      log(`seeding ${options.name} with ${options.reports.toLocaleString("en-US")} credit reports (once; reused after)…`);
      const started = Date.now();
      await seedLearnerStore(ownerUrl, { reports: options.reports, seed: BENCH_SEED });
      log(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    return { ownerUrl, embedded: !options.url, reports: await countReports(ownerUrl), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The app served over a store: what a section measures through, and how to close it. */
export interface ServedApp extends Pick<BenchContext, "ownerUrl" | "appUrl" | "appDb" | "analytics" | "baseUrl" | "cookie" | "statuses"> {
  close(): Promise<void>;
}

/**
 * The production build served over `store` on a free loopback port with `npm start`'s services:
 * the app's own role (SELECT-only on the store, under row-level security), the exports' own pool,
 * and an analytics snapshot in `analyticsDir` that syncs only when asked (no scheduler).
 */
export async function serveApp(store: BenchStore, options: { analyticsDir: string; build: ServerBuild }): Promise<ServedApp> {
  const { ownerUrl } = store;
  const appUrl = store.embedded ? await enableAppLogin(ownerUrl) : undefined;
  const appDb = createAppDb(ownerUrl, appUrl, 8);
  // Exports read through a small pool of their own, as in scripts/start.ts: the abuse section's
  // stalled downloads must hold export connections, never the pages' ones it measures.
  const exportDb = createAppDb(ownerUrl, appUrl, EXPORT_LIMITS.connections, EXPORT_POOL_NAME);
  const analytics = startAnalytics({
    dir: options.analyticsDir,
    connection: appUrl ? { connectionString: appUrl } : { connectionString: ownerUrl, role: APP_ROLE },
    intervalSeconds: 0,
    fullRebuildHours: 0,
    memoryMb: 4096,
    schedule: false,
    warm: warmDashboard,
  });
  const { build } = options;
  const logger = pino({ level: "silent" });
  // The renewal statuses' own pool; the runner runs only when asked (the renewals section evaluates
  // the cohort itself, to time it).
  const statusDb = createAppDb(ownerUrl, appUrl, STATUS_POOL.connections, STATUS_POOL.name);
  const services = createAppServices({ db: appDb, exportDb, statusDb, analytics, secrets: ["bench-secret-bench-secret-bench-secret-0"], secureCookies: false, logger });
  // Every board's statuses computed before the app answers, as npm start begins with.
  await services.statuses.requestAll("start-up");
  await services.statuses.idle();
  const app = createHttpApp({ build, services, production: false });
  const http = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const address = http.address();
  const baseUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  // One sign-in per organisation, shared by concurrent callers (sign-in is throttled per account).
  const cookies = new Map<string, Promise<string>>();
  const signIn = async (code: string) => {
    const response = await fetch(`${baseUrl}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: baseUrl },
      body: new URLSearchParams({ email: `reviewer@${code}.demo.test`, password: "demo-password" }),
    });
    const cookie = response.headers.get("set-cookie")?.match(/__session=[^;]*/)?.[0];
    if (!cookie) throw new Error(`bench: could not sign in as reviewer@${code}.demo.test (${response.status})`);
    return cookie;
  };
  return {
    ownerUrl,
    appUrl,
    appDb,
    analytics,
    baseUrl,
    statuses: services.statuses,
    cookie(orgCode) {
      const code = orgCode.toLowerCase();
      let cookie = cookies.get(code);
      if (!cookie) {
        cookie = signIn(code);
        cookies.set(code, cookie);
        cookie.catch(() => cookies.delete(code));
      }
      return cookie;
    },
    async close() {
      http.close();
      http.closeAllConnections();
      await services.viewAudit.close();
      await analytics.stop();
      await services.statuses.stop();
      await appDb.destroy();
      await exportDb.destroy();
      await statusDb.destroy();
    },
  };
}
