// `npm run seed -- --reports N --seed S [--today YYYY-MM-DD]`: generate a deterministic learner store
// into an empty store (owner role), against DATABASE_URL or the embedded server.
import { parseArgs } from "node:util";
import { SingleBar, Presets } from "cli-progress";
import { z } from "zod";
import { loadEnv } from "../app/env.server";
import { createDb } from "../db/client";
import { seedLearnerStore } from "../db/generator/seed";
import { migrateToLatest } from "../db/migrate";
import { seedBoard } from "../db/seed-board";
import { openOwnerDatabase } from "./lib/owner-database";

const env = loadEnv();
const Args = z.object({
  reports: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(0).max(50_000_000).default(env.SEED_REPORTS),
  seed: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(0).max(2 ** 32 - 1).default(1),
  today: z.iso.date("must be a date YYYY-MM-DD").optional(),
});

const { values } = parseArgs({
  options: { reports: { type: "string" }, seed: { type: "string" }, today: { type: "string" } },
  strict: true,
});
const parsed = Args.safeParse(values);
if (!parsed.success) {
  console.error(`seed: ${parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ")}`);
  process.exit(2);
}
const args = parsed.data;

const owner = await openOwnerDatabase(env, { reuseRunning: true });
const db = createDb({ connectionString: owner.url, max: 1 });
try {
  await migrateToLatest(db);
  await seedBoard(db, { demoUsers: owner.embedded });
  const bar = new SingleBar({ format: "seeding credit reports [{bar}] {percentage}% | {value}/{total} | {rate} rows/s | {duration_formatted}", hideCursor: true, noTTYOutput: true, notTTYSchedule: 5_000 }, Presets.shades_classic);
  const started = Date.now();
  bar.start(args.reports, 0, { rate: 0 });
  const counts = await seedLearnerStore(owner.url, {
    reports: args.reports,
    seed: args.seed,
    today: args.today,
    onProgress: (done) => bar.update(done, { rate: Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)) }),
  });
  bar.stop();
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `seeded ${counts.reports.toLocaleString("en-US")} credit reports, ${counts.learners.toLocaleString("en-US")} learners, ` +
      `${counts.activities.toLocaleString("en-US")} activities, ${counts.providers.toLocaleString("en-US")} providers ` +
      `in ${seconds.toFixed(1)} s (${Math.round(counts.reports / seconds).toLocaleString("en-US")} reports/s, indexes included)`,
  );
} catch (error) {
  console.error(`seed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await db.destroy();
  await owner.release();
}
