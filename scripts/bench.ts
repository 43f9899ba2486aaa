// `npm run bench [-- --only search,licensee,export,analytics,renewals,row-security,abuse,growth] [--runs N] [--combos N]`
// Benchmarks on the design-scale store (about 10 million credit reports from about 120,000
// physicians at the programme's density, decision 006): medians and p95s measured side by side in
// one run. Uses BENCH_DATABASE_URL when set; otherwise an embedded PostgreSQL in BENCH_DATA_DIR
// (default .data/bench-physicians), seeded once (about five minutes on two cores) and reused after.
// `growth` (only when named) measures the same pages on a second, smaller store of the same
// generator and seed (--growth-reports, default 1 million) beside this one. Timing lives here, never
// in `npm test`. Pages are rendered by the production build in production mode (checked first),
// every section asserts it did real work, and each prints the README's performance aims it measures
// as met or not.
import { requireProductionBuild } from "./lib/production-mode";
import { loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { ServerBuild } from "@remix-run/node";
import { z } from "zod";
import { median, percentile, type BenchContext, type SectionResult } from "./bench/context";
import { prepareStore, serveApp } from "./bench/stores";

const SECTIONS: Record<string, () => Promise<{ run(ctx: BenchContext): Promise<SectionResult> }>> = {
  search: () => import("./bench/search"),
  licensee: () => import("./bench/licensee"),
  export: () => import("./bench/export"),
  renewals: () => import("./bench/renewals"),
  analytics: () => import("./bench/analytics"),
  "row-security": () => import("./bench/row-security"),
  abuse: () => import("./bench/abuse"),
  growth: () => import("./bench/growth"),
};
/** Run only when named in --only: growth prepares a second store (--growth-reports) of its own. */
const ON_REQUEST = new Set(["growth"]);

const Args = z.object({
  only: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : Object.keys(SECTIONS).filter((s) => !ON_REQUEST.has(s))))
    .refine((list) => list.every((s) => s in SECTIONS), `--only takes a comma-separated list of: ${Object.keys(SECTIONS).join(", ")}`),
  runs: z.coerce.number().int().min(3).max(1000).default(20),
  /** Random filter combinations per organisation in the search section. */
  combos: z.coerce.number().int().min(0).max(5000).default(100),
  reports: z.coerce.number().int().min(1000).max(50_000_000).default(10_000_000),
  "growth-reports": z.coerce.number().int().min(1000).max(50_000_000).default(1_000_000),
});

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: { only: { type: "string" }, runs: { type: "string" }, combos: { type: "string" }, reports: { type: "string" }, "growth-reports": { type: "string" } },
    strict: true,
  }) as { values: Record<string, string | undefined> });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const parsed = Args.safeParse(values);
if (!parsed.success) fail(parsed.error.issues.map((i) => i.message).join("; "));
const args = parsed.data;
// Before anything else: what is measured must be what production runs.
let build: ServerBuild;
try {
  build = await requireProductionBuild();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

// ---------------------------------------------------------------- the store, and the app over it
const dataDir = path.resolve(process.env.BENCH_DATA_DIR ?? ".data/bench-physicians");
const store = await prepareStore({
  url: process.env.BENCH_DATABASE_URL,
  dataDir,
  port: Number(process.env.BENCH_PG_PORT ?? 54410),
  reports: args.reports,
  name: "the benchmark store",
});
const reportCount = store.reports;
// The analytics snapshot of the store: built by the analytics section (nothing runs on a schedule).
const { close: closeApp, ...served } = await serveApp(store, { analyticsDir: path.join(dataDir, "analytics"), build });
const ctx: BenchContext = {
  ...served,
  runs: args.runs,
  combos: args.combos,
  dataDir,
  growthReports: args["growth-reports"],
  build,
  log: (line) => console.log(`  ${line}`),
};

console.log(
  `benchmark store: ${reportCount.toLocaleString("en-US")} credit reports; ${args.runs} timed runs per measurement (after 2 warm-up runs); NODE_ENV=${process.env.NODE_ENV}, Remix ${build.mode} build`,
);
const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)).padStart(8);
const load = () => loadavg().map((n) => n.toFixed(2)).join(" ");
const missed: string[] = [];
try {
  for (const name of args.only) {
    const loadBefore = load();
    const started = performance.now();
    const section = await (await SECTIONS[name]!()).run(ctx);
    console.log(`\n## ${section.title}`);
    console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadBefore} at the start, ${load()} at the end)`);
    console.log(`${"measurement".padEnd(58)} ${"median ms".padStart(9)} ${"p95 ms".padStart(8)}  note`);
    for (const t of section.timings) {
      console.log(`${t.label.padEnd(58)} ${fmt(median(t.samples)).padStart(9)} ${fmt(percentile(t.samples, 95))}  ${t.note ?? ""}`);
    }
    for (const note of section.notes) console.log(`  ${note}`);
    if (section.aims.length === 0) console.log("  (no performance aim in the README for this section)");
    for (const a of section.aims) {
      console.log(`  aim ${a.aim} (${a.source}): ${a.measured}: ${a.met ? "met" : "NOT met"}`);
      if (!a.met) missed.push(`${name}: ${a.aim}: ${a.measured}`);
    }
  }
  console.log(`\n${missed.length === 0 ? "every aim measured was met" : `aims NOT met (${missed.length}):\n${missed.map((m) => `  ${m}`).join("\n")}`}`);
} finally {
  await closeApp();
  await store.stop();
}
process.exit(0);
