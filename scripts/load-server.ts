// The server `npm run load` measures, in its own process: assembled as `npm start` assembles it (a
// pool of 10, the analytics snapshot synced first), listening on loopback. Kept apart from the load
// generator so that autocannon's own work does not share, and slow, the server's event loop.
// Started by scripts/load.ts through fork(): it sends `{ port }` when listening, and on SIGTERM (or
// when its parent goes away) stops taking requests, lets those in flight finish, then closes the
// pool and the snapshot.
import "./lib/production-mode";
import { once } from "node:events";
import type { Server } from "node:http";
import path from "node:path";
import type { ServerBuild } from "@remix-run/node";
import { pino } from "pino";
import { z } from "zod";
import { createSessionCookie } from "../app/auth/session.server";
import { warmDashboard } from "../app/models/dashboard.server";
import { startAnalytics } from "../db/analytics/service";
import { APP_ROLE, createAppDb } from "../db/client";
import { createHttpApp } from "./server";

const Env = z.object({
  LOAD_DATABASE_URL: z.string().url(),
  LOAD_ANALYTICS_DIR: z.string().min(1),
  LOAD_LOG_FILE: z.string().min(1),
  LOAD_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("warn"),
  LOAD_SESSION_SECRET: z.string().min(32),
});
const env = Env.parse(process.env);

const send = (message: unknown) => process.send?.(message);
const logger = pino({ level: env.LOAD_LOG_LEVEL }, pino.destination({ dest: env.LOAD_LOG_FILE, sync: false, append: false }));
const appDb = createAppDb(env.LOAD_DATABASE_URL, undefined, 10);
const analytics = startAnalytics({
  dir: path.resolve(env.LOAD_ANALYTICS_DIR),
  connection: { connectionString: env.LOAD_DATABASE_URL, role: APP_ROLE },
  intervalSeconds: 0,
  fullRebuildHours: 0,
  memoryMb: 2048,
  schedule: false,
  logger: logger.child({ module: "analytics" }),
  warm: warmDashboard,
});

const started = Date.now();
const result = await analytics.syncNow({ mode: "auto", trigger: "command" });
if (result.outcome !== "succeeded") {
  send({ error: `the analytics sync did not succeed: ${result.outcome === "failed" ? result.error : result.reason}` });
  process.exit(2);
}
send({ synced: { kind: result.kind, seconds: (Date.now() - started) / 1000 } });

const build = (await import(path.resolve("build/index.js"))) as ServerBuild;
const app = createHttpApp({
  build,
  services: { db: appDb, analytics, sessionCookie: createSessionCookie([env.LOAD_SESSION_SECRET], false), logger },
  production: false,
});
const http: Server = app.listen(0, "127.0.0.1");
await once(http, "listening");
const address = http.address();
send({ port: typeof address === "object" && address ? address.port : 0 });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await new Promise<void>((resolve) => {
    http.close(() => resolve());
    http.closeIdleConnections();
  });
  await analytics.stop();
  await appDb.destroy();
  logger.flush();
  process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.on("disconnect", () => void stop());
