// `npm run provider-writes -- [--once] [--batches B] [--interval-ms M] [--per-batch K] [--seed S]`
// Simulates providers writing over time (owner role), so reports and sync can be tested for freshness.
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { loadEnv } from "../app/env.server";
import { applyProviderWrites } from "../db/generator/provider-writes";
import { openOwnerDatabase } from "./lib/owner-database";

const Args = z.object({
  once: z.boolean().default(false),
  batches: z.coerce.number().int().min(1, "--batches must be at least 1").max(100_000).default(10),
  intervalMs: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  perBatch: z.coerce.number().int().min(1, "--per-batch must be at least 1").max(1_000_000).default(100),
  seed: z.coerce.number().int().min(0).max(2 ** 32 - 1).default(Date.now() % 2 ** 32),
});

const { values } = parseArgs({
  options: {
    once: { type: "boolean" },
    batches: { type: "string" },
    "interval-ms": { type: "string" },
    "per-batch": { type: "string" },
    seed: { type: "string" },
  },
  strict: true,
});
const parsed = Args.safeParse({ once: values.once, batches: values.batches, intervalMs: values["interval-ms"], perBatch: values["per-batch"], seed: values.seed });
if (!parsed.success) {
  console.error(`provider-writes: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  process.exit(2);
}
const args = parsed.data;
const env = loadEnv();
const owner = await openOwnerDatabase(env, { reuseRunning: true });
let stop = false;
process.on("SIGINT", () => (stop = true));
try {
  const batches = args.once ? 1 : args.batches;
  for (let b = 0; b < batches && !stop; b++) {
    const k = args.perBatch;
    const counts = await applyProviderWrites(owner.url, {
      inserts: Math.max(1, Math.round(k * 0.7)),
      rejections: Math.round(k * 0.1),
      deletes: Math.round(k * 0.1),
      resubmissions: Math.round(k * 0.1),
      seed: args.seed + b,
    });
    console.log(`batch ${b + 1}/${batches}: ${counts.inserted} added, ${counts.rejected} rejected, ${counts.deleted} deleted, ${counts.resubmitted} deleted and resubmitted`);
    if (b + 1 < batches) await sleep(args.intervalMs);
  }
} catch (error) {
  console.error(`provider-writes: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await owner.release();
}
