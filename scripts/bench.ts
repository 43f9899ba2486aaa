// `npm run bench [-- --only search,licensee,export,analytics,renewals,row-security,abuse] [--runs N] [--combos N]`
// Benchmarks on the design-scale store (10 million credit reports, 1 million learners): medians and
// p95s measured side by side in one run. Uses BENCH_DATABASE_URL when set; otherwise an embedded
// PostgreSQL in BENCH_DATA_DIR (default .data/bench), seeded once with 10 million reports (about six
// minutes on two cores) and reused after. Timing lives here, never in `npm test`. Pages are rendered
// by the production build in production mode (checked first), every section asserts it did real
// work, and each prints the README's performance aims it measures as met or not.
import { requireProductionBuild } from "./lib/production-mode";
import type { Server } from "node:http";
import { loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { z } from "zod";
import { warmDashboard } from "../app/models/dashboard.server";
import { startAnalytics } from "../db/analytics/service";
import { APP_ROLE, createAppDb, createDb, enableAppLogin } from "../db/client";
import { startEmbeddedPostgres } from "../db/embedded";
import { seedLearnerStore } from "../db/generator/seed";
import { migrateToLatest } from "../db/migrate";
import { seedBoard } from "../db/seed-board";
import { median, percentile, type BenchContext, type SectionResult } from "./bench/context";
import { createHttpApp } from "./server";
import { EXPORT_LIMITS, EXPORT_POOL_NAME } from "../app/models/export-limits.server";
import { createAppServices } from "../app/services.server";
import type { ServerBuild } from "@remix-run/node";

const SECTIONS: Record<string, () => Promise<{ run(ctx: BenchContext): Promise<SectionResult> }>> = {
  search: () => import("./bench/search"),
  licensee: () => import("./bench/licensee"),
  export: () => import("./bench/export"),
  renewals: () => import("./bench/renewals"),
  analytics: () => import("./bench/analytics"),
  "row-security": () => import("./bench/row-security"),
  abuse: () => import("./bench/abuse"),
};

const Args = z.object({
  only: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : Object.keys(SECTIONS)))
    .refine((list) => list.every((s) => s in SECTIONS), `--only takes a comma-separated list of: ${Object.keys(SECTIONS).join(", ")}`),
  runs: z.coerce.number().int().min(3).max(1000).default(20),
  /** Random filter combinations per organisation in the search section. */
  combos: z.coerce.number().int().min(0).max(5000).default(100),
  reports: z.coerce.number().int().min(1000).max(50_000_000).default(10_000_000),
});

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({ options: { only: { type: "string" }, runs: { type: "string" }, combos: { type: "string" }, reports: { type: "string" } }, strict: true }) as {
    values: Record<string, string | undefined>;
  });
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

// ---------------------------------------------------------------- the store
let ownerUrl = process.env.BENCH_DATABASE_URL;
let stopServer = async () => {};
if (!ownerUrl) {
  const dataDir = path.resolve(process.env.BENCH_DATA_DIR ?? ".data/bench", "pg");
  const server = await startEmbeddedPostgres({ dataDir, port: Number(process.env.BENCH_PG_PORT ?? 54410) });
  ownerUrl = server.url;
  stopServer = () => server.stop();
}
const owner = createDb({ connectionString: ownerUrl, max: 2 });
await migrateToLatest(owner);
await seedBoard(owner, { demoUsers: true });
const existing = await owner.selectFrom("learner.credit_report").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
if (Number(existing.n) === 0) {
  console.log(`seeding the benchmark store with ${args.reports.toLocaleString("en-US")} credit reports (once; reused after)…`);
  const started = Date.now();
  await seedLearnerStore(ownerUrl, { reports: args.reports, seed: 7 });
  console.log(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
const reportCount = Number(
  (await owner.selectFrom("learner.credit_report").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow()).n,
);

// ---------------------------------------------------------------- the app over it
const appUrl = process.env.BENCH_DATABASE_URL ? undefined : await enableAppLogin(ownerUrl);
const appDb = createAppDb(ownerUrl, appUrl, 8);
// Exports read through a small pool of their own, as in scripts/start.ts: the abuse section's
// stalled downloads must hold export connections, never the pages' ones it measures.
const exportDb = createAppDb(ownerUrl, appUrl, EXPORT_LIMITS.connections, EXPORT_POOL_NAME);
// The analytics snapshot of the store: built by the analytics section (nothing runs on a schedule).
const analytics = startAnalytics({
  dir: path.resolve(process.env.BENCH_DATA_DIR ?? ".data/bench", "analytics"),
  connection: appUrl ? { connectionString: appUrl } : { connectionString: ownerUrl, role: APP_ROLE },
  intervalSeconds: 0,
  fullRebuildHours: 0,
  memoryMb: 4096,
  schedule: false,
  warm: warmDashboard,
});
const logger = pino({ level: "silent" });
const services = createAppServices({ db: appDb, exportDb, analytics, secrets: ["bench-secret-bench-secret-bench-secret-0"], secureCookies: false, logger });
const { viewAudit } = services;
const app = createHttpApp({ build, services, production: false });
const http = await new Promise<Server>((resolve) => {
  const s = app.listen(0, "127.0.0.1", () => resolve(s));
});
const address = http.address();
const baseUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
const cookies = new Map<string, string>();
const ctx: BenchContext = {
  ownerUrl,
  appUrl,
  appDb,
  analytics,
  baseUrl,
  runs: args.runs,
  combos: args.combos,
  log: (line) => console.log(`  ${line}`),
  async cookie(orgCode) {
    const code = orgCode.toLowerCase();
    const known = cookies.get(code);
    if (known) return known;
    const response = await fetch(`${baseUrl}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: baseUrl },
      body: new URLSearchParams({ email: `reviewer@${code}.demo.test`, password: "demo-password" }),
    });
    const cookie = response.headers.get("set-cookie")?.match(/__session=[^;]*/)?.[0];
    if (!cookie) throw new Error(`bench: could not sign in as reviewer@${code}.demo.test (${response.status})`);
    cookies.set(code, cookie);
    return cookie;
  },
};

console.log(`benchmark store: ${reportCount.toLocaleString("en-US")} credit reports; ${args.runs} timed runs per measurement (after 2 warm-up runs); NODE_ENV=${process.env.NODE_ENV}, Remix ${build.mode} build`);
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
  http.close();
  http.closeAllConnections();
  await viewAudit.close();
  await analytics.stop();
  await appDb.destroy();
  await exportDb.destroy();
  await owner.destroy();
  await stopServer();
}
process.exit(0);
