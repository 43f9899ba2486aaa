// `npm run load [-- --duration 60 --connections 50 --sessions 50 --think S --max-requests 500000]`
// A load test of the whole app on the design-scale store: `npm start` itself (scripts/start.ts: pool
// of 10, the analytics snapshot) in its own process, on loopback, driven from this process by
// autocannon with
// 50 signed-in reviewers of CA-M, ABIM and ACCME requesting a mix of credit searches, licensee
// pages, the renewal queue and its entries, and report pages. Prints throughput, latency
// percentiles (overall and per kind of page), errors and non-2xx answers, and writes a JSON summary
// to bench-results/. Uses LOAD_DATABASE_URL (default: the benchmark store on 127.0.0.1:54400);
// loopback hosts only. It never migrates or seeds: the store must be the bench store.
import { requireProductionBuild } from "./lib/production-mode";
import { mkdir, open, writeFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import { z } from "zod";
import { readHistory } from "../db/analytics/history";
import { percentile } from "./bench/context";

const DEFAULT_URL = "postgres://postgres:postgres@127.0.0.1:54400/postgres";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

const Args = z.object({
  duration: z.coerce.number().int().min(5).max(600).default(60),
  connections: z.coerce.number().int().min(1).max(500).default(50),
  sessions: z.coerce.number().int().min(3).max(500).default(50),
  "max-requests": z.coerce.number().int().min(100).max(10_000_000).default(500_000),
  /** Mean seconds each reviewer reads a page before asking for the next (random, exponential); unset: as fast as answered. */
  think: z.coerce.number().min(0.1).max(600).optional(),
  out: z.string().optional(),
});

function fail(message: string): never {
  console.error(`load: ${message}`);
  process.exit(2);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: { duration: { type: "string" }, connections: { type: "string" }, think: { type: "string" }, sessions: { type: "string" }, "max-requests": { type: "string" }, out: { type: "string" } },
    strict: true,
  }) as { values: Record<string, string | undefined> });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const parsed = Args.safeParse(values);
if (!parsed.success) fail(parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; "));
const args = parsed.data;

const ownerUrl = process.env.LOAD_DATABASE_URL ?? DEFAULT_URL;
let dbHost: string;
try {
  dbHost = new URL(ownerUrl).hostname;
} catch {
  fail("LOAD_DATABASE_URL is not a URL");
}
if (!LOOPBACK.has(dbHost) && !/^127\.\d+\.\d+\.\d+$/.test(dbHost)) fail(`LOAD_DATABASE_URL must name a loopback host (127.0.0.1, localhost, ::1), not ${dbHost}`);

// ---------------------------------------------------------------- the store: what to ask for
type Kind = "search" | "licensee" | "queue" | "entry" | "report";
interface Org {
  code: string;
  kind: "state" | "certifying" | "accreditor";
  share: number;
}
const ORGS: Org[] = [
  { code: "CA-M", kind: "state", share: 0.4 },
  { code: "ABIM", kind: "certifying", share: 0.3 },
  { code: "ACCME", kind: "accreditor", share: 0.3 },
];

const store = new pg.Client({ connectionString: ownerUrl, application_name: "cme-load-setup" });
await store.connect();
async function rows<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await store.query<T>(text, params)).rows;
}
const missing = await rows<{ email: string }>(
  `select e.email from unnest($1::text[]) e(email) where not exists (select 1 from board.staff_user u where u.email = e.email)`,
  [ORGS.map((o) => `reviewer@${o.code.toLowerCase()}.demo.test`)],
);
if (missing.length > 0) fail(`the store has no demo reviewer ${missing.map((m) => m.email).join(", ")} (run \`npm run bench\` once against it to seed the board side)`);

/** Sampled records of a board (a block sample: quick on 10 million rows, different each run). */
async function sampleRecords(board: string | null, n: number) {
  return rows<{ learner_id: string; first_name: string; last_name: string; npi: string | null; board_learner_id: string | null; activity_id: string; provider_id: string }>(
    `select cr.learner_id::text, l.first_name, l.last_name, l.npi, cr.board_learner_id, cr.activity_id, a.provider_id
       from learner.credit_report cr tablesample system (0.05)
       join learner.learner l on l.id = cr.learner_id join learner.activity a on a.id = cr.activity_id
      where ($1::text is null or cr.board_code = $1) and cr.deleted_at is null
      limit $2`,
    [board, n],
  );
}

const paths = new Map<string, Record<Kind, string[]>>();
for (const org of ORGS) {
  const records = await sampleRecords(org.kind === "accreditor" ? null : org.code, 300);
  if (records.length < 20) fail(`too few ${org.code} records in the store to sample from (${records.length})`);
  const search: string[] = [];
  const q = (params: Record<string, string>) => `/credits?${new URLSearchParams(params).toString()}`;
  for (const [i, r] of records.slice(0, 60).entries()) {
    const byId: Record<string, string> = org.kind === "certifying" ? { boardId: r.board_learner_id ?? "" } : { licence: r.board_learner_id ?? "" };
    const variants: Array<Record<string, string>> = [
      { last: r.last_name.slice(0, 3) },
      { last: r.last_name, first: r.first_name },
      r.npi ? { npi: r.npi } : { last: r.last_name },
      r.board_learner_id && org.kind !== "accreditor" ? byId : { activity: r.activity_id },
      { activity: r.activity_id },
      { provider: r.provider_id },
    ];
    search.push(q(variants[i % variants.length]!));
  }
  search.push(
    "/credits",
    q({ completedFrom: "2025-03-01", completedTo: "2025-03-31" }),
    q({ submittedFrom: "2025-03-01", submittedTo: "2025-03-31" }),
    q({ status: "rejected" }),
    q({ late: "1" }),
    q({ creditType: org.kind === "certifying" ? "Patient Safety" : "Pain Management" }),
    q({ format: "Performance Improvement" }),
    q({ sort: "licensee", dir: "asc" }),
    q({ sort: "credits", dir: "desc" }),
    q({ page: "2" }),
  );
  if (org.kind === "accreditor") search.push(q({ board: "CA-M" }), q({ board: "ABIM", status: "rejected" }));
  const licensee = [...new Set(records.map((r) => r.learner_id))].map((id) => `/licensees/${id}`);
  // The overview and each report as they open, and as often one narrowed to a provider (a page no
  // one else asked for on this snapshot, so its figures are computed, not taken from the cache).
  const report = ["/", "/reports", "/reports/timeliness", "/reports/volume", "/reports/credit-mix", "/reports/rejections"];
  const reportIds = ["timeliness", "volume", "credit-mix", "rejections"];
  for (const [i, r] of records.slice(0, report.length).entries()) report.push(`/reports/${reportIds[i % reportIds.length]}?provider=${r.provider_id}`);
  let queue: string[] = [];
  let entry: string[] = [];
  if (org.code === "CA-M") {
    queue = [
      "/renewals",
      "/renewals?sort=progress",
      "/renewals?status=short&sort=shortBy&dir=desc",
      "/renewals?decision=undecided&lastName=Sm",
      "/renewals?size=100",
    ];
    entry = (await rows<{ id: string }>(`select id::text from board.roster_entry where org_code = 'CA-M' order by random() limit 300`)).map((r) => `/renewals/${r.id}`);
    if (entry.length === 0) fail("the store has no CA-M renewal cohort (run `npm run bench -- --only renewals` once to create it)");
  }
  paths.set(org.code, { search, licensee, queue, entry, report });
}
await store.end();

/** How often each kind of page is asked for (boards without a renewal queue skip those kinds). */
const WEIGHTS: Record<Kind, number> = { search: 30, licensee: 25, queue: 12, entry: 13, report: 20 };

// ---------------------------------------------------------------- the app over it: `npm start` itself
// scripts/start.ts in its own process, pointed at the store by DATABASE_URL (it migrates, which is a
// no-op here, and seeds nothing), so that what is measured is what ships, and autocannon's work does
// not share its event loop.
await mkdir(".tmp/load", { recursive: true });
const logFile = path.resolve(".tmp/load/server.log");
const analyticsDir = path.resolve(process.env.LOAD_ANALYTICS_DIR ?? ".tmp/load/analytics");
// A deployment runs with NODE_ENV=production and a production build (React's development build
// renders several times slower): the server gets the same, or nothing is measured.
try {
  await requireProductionBuild();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const serverNodeEnv = "production";
const port = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const address = probe.address();
    probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
  });
});
const launchedAt = new Date().toISOString();
const serverLog = await open(logFile, "w");
const server = spawn(
  process.execPath,
  ["--import", "tsx", ...(process.env.LOAD_SERVER_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.LOAD_SERVER_PROFILE}`] : []), "scripts/start.ts"],
  {
    env: {
      ...process.env,
      NODE_ENV: serverNodeEnv,
      DATABASE_URL: ownerUrl,
      HOST: "127.0.0.1",
      PORT: String(port),
      SESSION_SECRET: "load-secret-load-secret-load-secret-0000",
      // Plain HTTP on loopback: the session cookie must come back without TLS.
      SECURE_COOKIES: "false",
      ANALYTICS_DIR: analyticsDir,
      // Only the start-up sync: no scheduled sync lands in the middle of the measurement.
      ANALYTICS_SYNC_INTERVAL_SECONDS: "0",
      ANALYTICS_FULL_REBUILD_HOURS: "0",
      LOG_LEVEL: process.env.LOAD_LOG_LEVEL ?? "warn",
    },
    stdio: ["ignore", serverLog.fd, serverLog.fd],
  },
);
const serverExit = once(server, "exit");
let exited = false;
void serverExit.then(() => (exited = true));
const baseUrl = `http://127.0.0.1:${port}`;

/** Polls `ready` every half second until it answers, or fails when the server exits or time runs out. */
async function waitFor<T>(what: string, ready: () => Promise<T | null>, seconds: number): Promise<T> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    if (exited) fail(`the server exited while waiting for ${what} (see ${path.relative(process.cwd(), logFile)})`);
    const value = await ready().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > until) fail(`no ${what} after ${seconds} s (see ${path.relative(process.cwd(), logFile)})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
await waitFor("answer from the server", async () => ((await fetch(`${baseUrl}/login`)).ok ? true : null), 120);
console.log("analytics snapshot: syncing (a full build of 10 million reports takes about a minute the first time)…");
const synced = await waitFor(
  "finished analytics sync",
  async () => (await readHistory(analyticsDir, 20)).find((r) => r.startedAt >= launchedAt && r.outcome !== "running") ?? null,
  900,
);
if (synced.outcome !== "succeeded") fail(`the analytics sync at start-up ended ${synced.outcome} (see ${path.relative(process.cwd(), logFile)})`);
console.log(`  ${synced.kind} sync done in ${((synced.durationMs ?? 0) / 1000).toFixed(1)} s`);

async function signIn(code: string): Promise<string> {
  const response = await fetch(`${baseUrl}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: baseUrl },
    body: new URLSearchParams({ email: `reviewer@${code.toLowerCase()}.demo.test`, password: "demo-password" }),
  });
  const cookie = response.headers.get("set-cookie")?.match(/__session=[^;]*/)?.[0];
  if (!cookie) throw new Error(`could not sign in as reviewer@${code.toLowerCase()}.demo.test (${response.status})`);
  return cookie;
}

interface Session {
  org: string;
  cookie: string;
  kinds: Kind[];
}
const sessions: Session[] = [];
for (const org of ORGS) {
  const n = Math.max(1, Math.round(args.sessions * org.share));
  const own = paths.get(org.code)!;
  const kinds = (Object.keys(WEIGHTS) as Kind[]).filter((k) => own[k].length > 0).flatMap((k) => Array<Kind>(WEIGHTS[k]).fill(k));
  for (let i = 0; i < n; i++) sessions.push({ org: org.code, cookie: await signIn(org.code), kinds });
}
console.log(`signed in ${sessions.length} reviewer sessions (${ORGS.map((o) => `${sessions.filter((s) => s.org === o.code).length} ${o.code}`).join(", ")})`);

// ---------------------------------------------------------------- the run
const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
interface RequestContext {
  session?: Session;
  kind?: Kind;
  path?: string;
}
let next = 0;
/** The next page to ask for: the sessions take turns, each asks for a kind of page by its weight. */
function nextRequest(): Required<RequestContext> {
  const session = sessions[next++ % sessions.length]!;
  const kind = pick(session.kinds);
  return { session, kind, path: pick(paths.get(session.org)![kind]) };
}
const perKind = new Map<Kind, { latencies: number[]; non2xx: number; statuses: Record<string, number> }>();
const perOrg = new Map<string, number[]>();
/** The slowest answers, to say which pages make the tail. */
const slowest: Array<{ ms: number; org: string; kind: Kind; path: string; status: number }> = [];
let answered = 0;
function record(context: RequestContext | undefined, status: number, ms: number): void {
  const kind = context?.kind ?? ("search" as Kind);
  const entry = perKind.get(kind) ?? { latencies: [], non2xx: 0, statuses: {} };
  entry.latencies.push(ms);
  entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
  if (status < 200 || status > 299) entry.non2xx++;
  perKind.set(kind, entry);
  if (context?.session) {
    const list = perOrg.get(context.session.org) ?? [];
    list.push(ms);
    perOrg.set(context.session.org, list);
    slowest.push({ ms, org: context.session.org, kind, path: context.path ?? "?", status });
    if (slowest.length > 200) slowest.sort((a, b) => b.ms - a.ms).splice(20);
  }
  answered++;
}

interface RunResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
  autocannon: { average: number; latency: { p50: number; p97_5: number; p99: number; max: number } } | null;
}

/** As fast as answered: each connection asks again the moment its answer has arrived (autocannon). */
async function unpaced(): Promise<RunResult> {
  let finished!: (result: autocannon.Result) => void;
  let failed!: (error: Error) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  const instance = autocannon({
    url: baseUrl,
    connections: args.connections,
    duration: args.duration,
    timeout: 30,
    headers: { "accept-encoding": "gzip", accept: "text/html" },
    requests: [
      {
        setupRequest(request, context: RequestContext) {
          // The context carries what was asked to the response below.
          Object.assign(context, nextRequest());
          return { ...request, method: "GET", path: context.path, headers: { ...request.headers, cookie: context.session!.cookie } };
        },
      },
    ],
  }, (error, result) => (error ? failed(error) : finished(result)));
  // One request in flight per connection (no pipelining), so the client's context is this response's.
  instance.on("response", (client: unknown, status: number, _bytes: number, ms: number) => {
    record((client as { requestIterator?: { context?: RequestContext } }).requestIterator?.context, status, ms);
    if (answered >= args["max-requests"]) instance.stop();
  });
  const result = await done;
  return {
    duration: result.duration,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodeStats: result.statusCodeStats as RunResult["statusCodeStats"],
    autocannon: { average: result.requests.average, latency: result.latency },
  };
}

/**
 * Reviewers who read each page before asking for the next: every connection waits a random time
 * (exponential, mean `think` seconds, so the reviewers do not ask in step) after each answer, and
 * before its first request. The answer is read whole (compressed, as a browser asks for it).
 */
async function withThinkTime(thinkSeconds: number): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: args.connections });
  const { port: serverPort } = new URL(baseUrl);
  const until = Date.now() + args.duration * 1000;
  const started = performance.now();
  const counts = { errors: 0, timeouts: 0 };
  /** Reads for a while; false when the run ends first. */
  const think = async () => {
    const ms = Math.min(-Math.log(1 - Math.random()) * thinkSeconds * 1000, thinkSeconds * 5000);
    if (Date.now() + ms >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return true;
  };
  const ask = (context: Required<RequestContext>) =>
    new Promise<void>((resolve) => {
      const sent = performance.now();
      const request = http.get(
        { host: "127.0.0.1", port: Number(serverPort), path: context.path, agent, timeout: 30_000, headers: { cookie: context.session.cookie, "accept-encoding": "gzip", accept: "text/html" } },
        (response) => {
          response.resume();
          response.on("end", () => {
            record(context, response.statusCode ?? 0, performance.now() - sent);
            resolve();
          });
          response.on("error", () => {
            counts.errors++;
            resolve();
          });
        },
      );
      request.on("timeout", () => {
        counts.timeouts++;
        request.destroy(new Error("timed out"));
      });
      request.on("error", (error) => {
        if (error.message !== "timed out") counts.errors++;
        resolve();
      });
    });
  async function reviewer(): Promise<void> {
    while ((await think()) && answered < args["max-requests"]) await ask(nextRequest());
  }
  await Promise.all(Array.from({ length: args.connections }, reviewer));
  agent.destroy();
  // Statuses as record() counted them per kind of page.
  const statusCodeStats: Record<string, { count: number }> = {};
  for (const { statuses } of perKind.values()) {
    for (const [status, n] of Object.entries(statuses)) statusCodeStats[status] = { count: (statusCodeStats[status]?.count ?? 0) + n };
  }
  const non2xx = [...perKind.values()].reduce((sum, k) => sum + k.non2xx, 0);
  return { duration: (performance.now() - started) / 1000, ...counts, non2xx, statusCodeStats, autocannon: null };
}

console.log(
  `running ${args.duration} s, ${args.connections} ${args.think ? `reviewers, each reading a page for ${args.think} s on average before the next` : "connections, each asking again as soon as answered"} (at most ${args["max-requests"].toLocaleString("en-US")} requests)…`,
);
const result = args.think ? await withThinkTime(args.think) : await unpaced();

// Requests still in flight when the run stopped finish before the pool closes.
server.kill("SIGTERM");
await serverExit;
await serverLog.close();

// ---------------------------------------------------------------- the summary
const all = [...perKind.values()].flatMap((k) => k.latencies);
if (all.length === 0) fail("no request was answered: nothing was measured");
const summarise = (samples: number[]) => ({
  requests: samples.length,
  p50: percentile(samples, 50),
  p95: percentile(samples, 95),
  p99: percentile(samples, 99),
  max: samples.length ? Math.max(...samples) : Number.NaN,
});
const overall = summarise(all);
const seconds = result.duration;
const summary = {
  at: new Date().toISOString(),
  command: `npm run load -- --duration ${args.duration} --connections ${args.connections} --sessions ${args.sessions}${args.think ? ` --think ${args.think}` : ""}`,
  nodeEnv: serverNodeEnv,
  database: `${dbHost}:${new URL(ownerUrl).port}`,
  durationSeconds: seconds,
  connections: args.connections,
  /** Mean seconds a reviewer reads a page before the next; null: unpaced. */
  thinkSeconds: args.think ?? null,
  sessions: sessions.length,
  throughput: { requestsPerSecond: all.length / seconds, autocannonAverage: result.autocannon?.average ?? null },
  latencyMs: overall,
  autocannonLatencyMs: result.autocannon
    ? { p50: result.autocannon.latency.p50, p97_5: result.autocannon.latency.p97_5, p99: result.autocannon.latency.p99, max: result.autocannon.latency.max }
    : null,
  errors: result.errors,
  timeouts: result.timeouts,
  non2xx: result.non2xx,
  statusCodes: result.statusCodeStats,
  byKind: Object.fromEntries([...perKind].map(([kind, k]) => [kind, { ...summarise(k.latencies), non2xx: k.non2xx, statuses: k.statuses }])),
  byOrg: Object.fromEntries([...perOrg].map(([org, samples]) => [org, summarise(samples)])),
  slowest: slowest.sort((a, b) => b.ms - a.ms).slice(0, 20),
  serverLog: path.relative(process.cwd(), logFile),
};

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "-").padStart(7);
console.log(`\n${all.length.toLocaleString("en-US")} requests in ${seconds.toFixed(1)} s: ${(all.length / seconds).toFixed(1)} req/s; errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}`);
console.log(`${"kind".padEnd(12)} ${"requests".padStart(9)} ${"p50 ms".padStart(7)} ${"p95 ms".padStart(7)} ${"p99 ms".padStart(7)} ${"max ms".padStart(7)}  non-2xx`);
const line = (label: string, s: ReturnType<typeof summarise>, non2xx: number | string) =>
  console.log(`${label.padEnd(12)} ${String(s.requests).padStart(9)} ${ms(s.p50)} ${ms(s.p95)} ${ms(s.p99)} ${ms(s.max)}  ${non2xx}`);
line("all", overall, result.non2xx);
for (const [kind, k] of perKind) line(kind, summarise(k.latencies), k.non2xx);
for (const [org, samples] of perOrg) line(`org ${org}`, summarise(samples), "");
const loadAimMet = result.errors + result.timeouts + result.non2xx === 0 && overall.p95 < 300;
console.log(
  `aim 0 errors and p95 < 300 ms on this 2-core machine (issue 6): ${result.errors + result.timeouts + result.non2xx} errors, timeouts or non-2xx, p95 ${overall.p95.toFixed(0)} ms${args.think ? ` (reviewers reading ${args.think} s on average)` : " (unpaced)"}: ${loadAimMet ? "met" : "NOT met"}`,
);
console.log("slowest answers:");
for (const s of summary.slowest.slice(0, 10)) console.log(`${ms(s.ms)} ms  ${s.status}  ${s.org.padEnd(5)} ${s.path}`);

const out = path.resolve(args.out ?? `bench-results/load-${summary.at.replace(/[:.]/g, "-")}.json`);
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`\nsummary: ${path.relative(process.cwd(), out)}; server warnings and errors: ${summary.serverLog}`);
process.exit(result.errors + result.timeouts + result.non2xx > 0 ? 1 : 0);
