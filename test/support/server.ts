// The real HTTP app (Express + the built Remix server) on a loopback port, over a test database,
// exactly as scripts/start.ts assembles it. Requires `remix build` to have run (npm test does it).
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import os from "node:os";
import path from "node:path";
import type { ServerBuild } from "@remix-run/node";
import { pino, type Logger } from "pino";
import { warmDashboard } from "../../app/models/dashboard.server";
import type { ViewAudit } from "../../app/models/view-audit.server";
import { EXPORT_LIMITS, EXPORT_POOL_NAME, type ExportServices } from "../../app/models/export-limits.server";
import type { UploadGate, UploadLimits } from "../../app/models/upload-limits.server";
import type { AdmissionLimits } from "../../app/models/admission.server";
import { STATUS_POOL, type RenewalStatusRunner } from "../../app/models/status-runner.server";
import { createAppServices } from "../../app/services.server";
import { createAppDb } from "../../db/client";
import { startAnalytics, type Analytics } from "../../db/analytics/service";
import { createHttpApp } from "../../scripts/server";
import { afterAll, beforeAll, inject } from "vitest";
import { createTestDatabase, type TestDatabase } from "./database";

export interface TestServer {
  baseUrl: string;
  /** The server's analytics snapshot: no scheduler runs; tests sync with `analytics.syncNow()`. */
  analytics: Analytics;
  /** The server's queue of `*.view` audit events: `await viewAudit.flush()` before reading them. */
  viewAudit: ViewAudit;
  /** The exports' own pool and gate (its `active` list and `finished` events show each export). */
  exports: ExportServices;
  /** The roster uploads' gate (its `active` list and `admitted` / `released` events show each upload). */
  uploads: UploadGate;
  /** The renewal statuses' background evaluation: `await statuses.idle()` after what triggers one. */
  statuses: RenewalStatusRunner;
  /** Stops serving, then (as scripts/start.ts does) writes the queued views, stops the analytics and closes the exports' pool. */
  close(): Promise<void>;
}

/**
 * The analytics service of a test server: snapshots in a private temp folder, read as the app's
 * role; built once before the server answers (unless `sync: false`), then only when a test asks.
 */
export async function startTestAnalytics(database: TestDatabase, options: { sync?: boolean } = {}): Promise<Analytics> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cme-test-analytics-"));
  const analytics = startAnalytics({
    dir,
    connection: { connectionString: database.appUrl },
    intervalSeconds: 0,
    fullRebuildHours: 0,
    memoryMb: 512,
    schedule: false,
    warm: warmDashboard,
  });
  if (options.sync ?? true) {
    const result = await analytics.syncNow({ mode: "full" });
    if (result.outcome !== "succeeded") throw new Error(`test analytics: the first sync ${result.outcome}: ${JSON.stringify(result)}`);
  }
  const stop = analytics.stop;
  analytics.stop = async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };
  return analytics;
}

export interface TestServerOptions {
  sync?: boolean;
  /** Built as for production (HSTS, upgrade-insecure-requests, Secure cookies). */
  production?: boolean;
  /** TRUST_PROXY: the proxy hops whose X-Forwarded-For / -Proto are believed (default 0). */
  trustProxy?: number;
  /** Connections of the exports' pool (default EXPORT_LIMITS.connections). */
  exportConnections?: number;
  /** Export admission limits (default EXPORT_LIMITS). */
  exportLimits?: AdmissionLimits;
  /** Roster upload admission limits (default UPLOAD_LIMITS). */
  uploadLimits?: UploadLimits;
  /** Seconds before a response whose client stopped reading is cut (default EXPORT_LIMITS.stallSeconds). */
  stallSeconds?: number;
  /** The server's logger (default: silent). */
  logger?: Logger;
  /** Evaluate every board's renewal statuses before answering (default true). */
  evaluate?: boolean;
}

export async function startTestServer(database: TestDatabase, options: TestServerOptions = {}): Promise<TestServer> {
  const production = options.production ?? false;
  const build = (await import(path.resolve("build/index.js"))) as ServerBuild;
  const analytics = await startTestAnalytics(database, options);
  const logger = options.logger ?? pino({ level: "silent" });
  // No timer: a view's row is written when a test flushes (or the queue fills, or the server closes),
  // so a test that counts audit rows around its requests never sees a write land in between.
  const exportDb = createAppDb(database.url, database.appUrl, options.exportConnections ?? EXPORT_LIMITS.connections, EXPORT_POOL_NAME);
  const statusDb = createAppDb(database.url, database.appUrl, STATUS_POOL.connections, STATUS_POOL.name);
  const services = createAppServices({
    db: database.app,
    exportDb,
    statusDb,
    analytics,
    secrets: ["test-secret-test-secret-test-secret-0123"],
    secureCookies: production,
    logger,
    viewAudit: { schedule: false },
    exportLimits: options.exportLimits,
    uploadLimits: options.uploadLimits,
  });
  const { viewAudit, exports, uploads, statuses } = services;
  // Every board's statuses computed before the server answers (as npm start begins with), unless
  // the test wants to see them pending.
  if (options.evaluate ?? true) {
    await statuses.requestAll("start-up");
    await statuses.idle();
  }
  const app = createHttpApp({
    build,
    stallSeconds: options.stallSeconds,
    services,
    production,
    trustProxy: options.trustProxy ?? 0,
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    analytics,
    viewAudit,
    exports,
    uploads,
    statuses,
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      await viewAudit.close();
      await analytics.stop();
      await statuses.stop();
      await exportDb.destroy();
      await statusDb.destroy();
    },
  };
}

/**
 * For a test file: a private clone of the seeded store and the app served over it, set up before
 * the file's tests and torn down after. Read `.database` / `.server` inside tests.
 */
export function setUpSeededApp(options: TestServerOptions = {}): { readonly database: TestDatabase; readonly server: TestServer } {
  const state: { database?: TestDatabase; server?: TestServer } = {};
  beforeAll(async () => {
    state.database = await createTestDatabase(inject("pgServerUrl"));
    state.server = await startTestServer(state.database, options);
  });
  afterAll(async () => {
    await state.server?.close();
    await state.database?.drop();
  });
  return {
    get database() {
      if (!state.database) throw new Error("setUpSeededApp: used outside a test");
      return state.database;
    },
    get server() {
      if (!state.server) throw new Error("setUpSeededApp: used outside a test");
      return state.server;
    },
  };
}

/** Posts the sign-in form; returns the response (redirects are not followed). */
export function postLogin(baseUrl: string, email: string, password: string, redirectTo = ""): Promise<Response> {
  return fetch(`${baseUrl}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: baseUrl },
    body: new URLSearchParams({ email, password, redirectTo }),
  });
}

/** The session cookie pair ("__session=...") from a response's Set-Cookie header. */
export function sessionCookieFrom(response: Response): string | null {
  const header = response.headers.get("set-cookie");
  const match = header?.match(/__session=([^;]*)/);
  return match && match[1] ? `__session=${match[1]}` : null;
}

export async function signIn(baseUrl: string, email: string, password = "demo-password"): Promise<string> {
  const response = await postLogin(baseUrl, email, password);
  const cookie = sessionCookieFrom(response);
  if (response.status !== 302 || !cookie) throw new Error(`sign-in as ${email} failed with ${response.status}`);
  return cookie;
}

export function get(baseUrl: string, pathname: string, cookie?: string): Promise<Response> {
  return fetch(`${baseUrl}${pathname}`, { redirect: "manual", headers: cookie ? { cookie } : {} });
}

/**
 * A POST from the app's own origin, as its forms send it: form fields are urlencoded; a
 * URLSearchParams or FormData body brings its own content type; any other body is sent as given.
 * `headers` add to or replace the defaults (a foreign Origin, a content type); null leaves one out.
 */
export function post(
  baseUrl: string,
  pathname: string,
  cookie: string | null,
  body?: BodyInit | Record<string, string>,
  headers: Record<string, string | null> = {},
): Promise<Response> {
  const plainFields = body !== undefined && body !== null && Object.getPrototypeOf(body) === Object.prototype;
  const sent = Object.entries({ origin: baseUrl, ...(cookie ? { cookie } : {}), ...headers }).filter((h): h is [string, string] => h[1] !== null);
  return fetch(`${baseUrl}${pathname}`, {
    method: "POST",
    redirect: "manual",
    headers: sent,
    body: plainFields ? new URLSearchParams(body as Record<string, string>) : (body as BodyInit | undefined),
  });
}
