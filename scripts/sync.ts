// `npm run sync [-- --full]`: one sync of the DuckDB analytics snapshot from the learner store, as the
// app's role (APP_DATABASE_URL, else DATABASE_URL or the embedded server assuming role cme_app).
// Incremental onto the current snapshot when there is a usable one, else (or with --full) a full
// rebuild. A running server picks the new snapshot up by itself. Exit status: 0 done, 1 failed,
// 2 bad arguments or environment, 3 another sync was running (nothing done).
import { parseArgs } from "node:util";
import { pino } from "pino";
import { analyticsDir, loadEnv } from "../app/env.server";
import { APP_ROLE } from "../db/client";
import { runSync } from "../db/analytics/sync";
import { openOwnerDatabase } from "./lib/owner-database";

function fail(message: string): never {
  console.error(`sync: ${message}`);
  console.error("usage: npm run sync [-- --full]");
  process.exit(2);
}

let full = false;
try {
  full = Boolean(parseArgs({ options: { full: { type: "boolean" } }, strict: true }).values.full);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

const env = loadEnv();
const logger = pino({ level: env.LOG_LEVEL === "info" ? "warn" : env.LOG_LEVEL });
const owner = await openOwnerDatabase(env, { reuseRunning: true });
let status = 0;
try {
  const connection = env.APP_DATABASE_URL ? { connectionString: env.APP_DATABASE_URL } : { connectionString: owner.url, role: APP_ROLE };
  const dir = analyticsDir(env);
  const result = await runSync({
    connection,
    dir,
    mode: full ? "full" : "auto",
    trigger: "command",
    memoryMb: env.ANALYTICS_MEMORY_MB,
    logger,
    onProgress: (message) => console.log(`  ${message}…`),
  });
  switch (result.outcome) {
    case "skipped":
      console.log(`Nothing done: ${result.reason}.`);
      status = 3;
      break;
    case "failed":
      console.error(`The ${result.kind} sync failed after ${(result.durationMs / 1000).toFixed(1)} s: ${result.error}`);
      console.error("Reports keep reading the previous snapshot.");
      status = 1;
      break;
    case "succeeded":
      console.log(
        `${result.kind === "full" ? "Full rebuild" : "Incremental sync"} done in ${(result.durationMs / 1000).toFixed(1)} s: ` +
          `${result.rowsTotal.toLocaleString("en-US")} credit reports in the snapshot, ` +
          `${result.rowsChanged.toLocaleString("en-US")} ${result.kind === "full" ? "loaded" : "changed"}; data as of ${result.asOf.toISOString()}.`,
      );
      console.log(`Snapshot: ${dir}/${result.file}`);
      break;
  }
} finally {
  await owner.release();
}
process.exit(status);
