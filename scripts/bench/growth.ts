// Growth: the same pages on two stores of the same generator and seed, the bench's main store and
// one about a tenth of its size (--growth-reports, an embedded PostgreSQL of its own beside the main
// one), so each operation's cost at the national store (130 million reports) can be extrapolated:
// a ratio near 1 is index-bound (grows with log n or with the result), near the size ratio a scan
// (grows with n). Searches, licensee pages and transcripts, the activities list, the renewal queue,
// the analytics report pages (after a full sync of each store's snapshot) and the syncs themselves,
// run by run alternating between the stores so both see the same machine. Writes JSON and the
// decision note's markdown rows (docs/decisions/020) to bench-results/.
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { addDays, lastDayOfMonth, todayIn } from "../../domain/calendar";
import { monthStart } from "../../app/lib/reports";
import { getOk, median, percentile, type BenchContext, type SectionResult, type Timing } from "./context";
import { busyLicensees } from "./licensee";
import { ensureCohort } from "./renewals";
import { prepareStore, serveApp, BENCH_SEED, type ServedApp } from "./stores";

/** The national learner store to extrapolate to (decision 020). */
const NATIONAL = 130_000_000;
/**
 * Exponent of growth (ratio = sizeRatio^e) below which an operation is index-bound (×1.8 for ten
 * times the reports), above which a scan (×5.6).
 */
const INDEX_BOUND_BELOW = 0.25;
const SCAN_ABOVE = 0.75;
/**
 * A backend publishes its statistics when it goes idle, but at most once a second: counts from a
 * busier stretch wait for its next idle check, 10 s later (PGSTAT_IDLE_INTERVAL). Waiting this long
 * after the last request makes pg_stat_database complete.
 */
const STATS_SETTLE_MS = 10_500;
/** Requests per operation and store in the pass that counts buffers (after the timed runs). */
const WORK_REQUESTS = 3;

type OrgKind = "state" | "certifying" | "accreditor";
const ORGS: Array<{ code: string; kind: OrgKind; board: string }> = [
  { code: "CA-M", kind: "state", board: "CA-M" },
  { code: "ABIM", kind: "certifying", board: "ABIM" },
  // ACCME sees every board; its sampled values come from one state board.
  { code: "ACCME", kind: "accreditor", board: "CA-M" },
];
const REPORT_PAGES = ["timeliness", "volume", "credit-mix", "rejections"];

interface Store {
  name: string;
  reports: number;
  app: Pick<ServedApp, "ownerUrl" | "baseUrl" | "cookie" | "analytics">;
  owner: pg.Client;
}

/** One operation on one store: the page it opens on each run (warm-ups are runs -1 and -2), as whom. */
interface Operation {
  key: string;
  group: "search" | "licensee" | "activities" | "renewals" | "reports";
  org: string;
  page: (run: number) => string;
  /** What the answer found, counted in its HTML (table rows, a figure); it must be more than 0. */
  found: (html: string) => number;
  /** A figure about this store's answer, shown beside the timing (records per licensee, …). */
  detail?: string;
}

/** An operation on the smaller store and on the main one, with each one's session and what it found. */
interface Pair {
  ops: readonly [Operation, Operation];
  cookies: readonly [string, string];
  details: Array<string | null>;
}

interface Side {
  median: number;
  p95: number;
  samples: number[];
  /** The result count the page shows, or another figure about the answer. */
  detail: string | null;
}

type Growth = "index-bound" | "between" | "scan";

export interface GrowthRow {
  key: string;
  group: string;
  small: Side;
  big: Side;
  /** big ÷ small median, and its exponent: ratio = sizeRatio ^ exponent. */
  ratio: number;
  p95Ratio: number;
  exponent: number;
  kind: Growth;
  /**
   * Shared buffers (hit + read) PostgreSQL touched per request in the data the page reads (see
   * buffersTouched): the work, without the page's fixed cost (HTTP, render, session, audit) that
   * hides it at small sizes. Null until measured.
   */
  work: { small: number; big: number; ratio: number; exponent: number; kind: Growth } | null;
  national: { median: number; p95: number; rule: string };
  /** 1-minute load average when the operation's timed runs ended. */
  loadAverage: number;
}

async function one<T extends pg.QueryResultRow>(client: pg.Client, text: string, values: unknown[] = []): Promise<T> {
  const row = (await client.query<T>(text, values)).rows[0];
  if (!row) throw new Error(`growth: nothing found for ${text.replace(/\s+/g, " ").slice(0, 120)}`);
  return row;
}

/** Rows in every table body of a page. */
function bodyRows(html: string): number {
  let n = 0;
  for (const m of html.matchAll(/<tbody[^>]*>([\s\S]*?)<\/tbody>/g)) n += (m[1]!.match(/<tr[\s>]/g) ?? []).length;
  return n;
}

/** The overview's "Credit reports" figure in scope. */
function reportsInScope(html: string): number {
  const value = html.match(/data-testid="stat-credit-reports"[^>]*>([^<]*)</)?.[1];
  return value ? Number(value.replace(/,/g, "")) : 0;
}

/** The grid's result count as the page words it ("1,234 records", "More than 1,000 records …"). */
function resultCount(html: string): string | null {
  const raw = html.match(/data-testid="result-count"[^>]*>([\s\S]*?)<\/p>/)?.[1];
  return raw ? raw.replace(/<[^>]*>/g, "").replace(/\s+/g, " ").trim() : null;
}

const toQuery = (query: Record<string, string>) => new URLSearchParams(query).toString();

/** The first day and last day of the month `back` months before this one (UTC). */
function monthBefore(back: number): { from: string; to: string } {
  const from = monthStart(todayIn("UTC"), back);
  return { from, to: lastDayOfMonth(Number(from.slice(0, 4)), Number(from.slice(5, 7))) };
}

/** The UTC date `n` days before today (YYYY-MM-DD). */
function daysAgo(n: number): string {
  return addDays(todayIn("UTC"), -n);
}

/** Every operation on one store, its values taken from that store (the same recipe on both). */
async function operations(store: Store): Promise<Operation[]> {
  const ops: Operation[] = [];
  const month = monthBefore(2);
  for (const org of ORGS) {
    // A record some way into the store, with every identifier a search can start from.
    const r = await one<{ last_name: string; npi: string; board_learner_id: string; activity_id: string; provider_id: string }>(
      store.owner,
      `select l.last_name, l.npi, cr.board_learner_id, cr.activity_id::text, a.provider_id::text
         from learner.credit_report cr join learner.learner l on l.id = cr.learner_id join learner.activity a on a.id = cr.activity_id
        where cr.board_code = $1 and cr.deleted_at is null and cr.status = 'accepted' and l.npi is not null and cr.board_learner_id is not null
        order by cr.id offset 500 limit 1`,
      [org.board],
    );
    const searches: Array<[string, Record<string, string>]> = [
      ["no filter", {}],
      ["last-name prefix (3 letters)", { last: r.last_name.slice(0, 3) }],
      [org.kind === "certifying" ? "board id" : "licence id", org.kind === "certifying" ? { boardId: r.board_learner_id } : { licence: r.board_learner_id }],
      ["NPI", { npi: r.npi }],
      ["activity id", { activity: r.activity_id }],
      ["provider", { provider: r.provider_id }],
      ["format Performance Improvement", { format: "Performance Improvement" }],
      [`completion month (${month.from.slice(0, 7)})`, { completedFrom: month.from, completedTo: month.to }],
      ["status rejected", { status: "rejected" }],
      [org.kind === "certifying" ? "credit type Patient Safety" : "topic Pain Management", { creditType: org.kind === "certifying" ? "Patient Safety" : "Pain Management" }],
      ["sort by licensee", { sort: "licensee", dir: "asc" }],
      ["sort by credits", { sort: "credits", dir: "desc" }],
    ];
    for (const [label, query] of searches) {
      ops.push({ key: `${org.code} search: ${label}`, group: "search", org: org.code, page: () => `/credits?${toQuery(query)}`, found: bodyRows });
    }

    // The busiest licensees of a deterministic slice, one per run, as the licensee section opens them.
    const learners = await busyLicensees(store.app.ownerUrl, org.board, 10);
    if (learners.length === 0) throw new Error(`growth: ${store.name} has no ${org.board} licensee to open`);
    const records = await one<{ n: string }>(
      store.owner,
      `select round(avg(n))::text as n from (select count(*) as n from learner.credit_report
        where board_code = $1 and deleted_at is null and learner_id = any($2::bigint[]) group by learner_id) per`,
      [org.board, learners],
    );
    const detail = `${records.n} records per licensee`;
    const learner = (run: number) => learners[Math.abs(run) % learners.length]!;
    ops.push({ key: `${org.code} licensee page`, group: "licensee", org: org.code, page: (run) => `/licensees/${learner(run)}`, found: bodyRows, detail });
    ops.push({ key: `${org.code} transcript`, group: "licensee", org: org.code, page: (run) => `/licensees/${learner(run)}/transcript`, found: bodyRows, detail });
    ops.push({ key: `${org.code} activities list`, group: "activities", org: org.code, page: () => "/activities", found: bodyRows });
    if (org.kind === "state") {
      ops.push({ key: `${org.code} renewal queue`, group: "renewals", org: org.code, page: () => "/renewals", found: bodyRows });
      ops.push({ key: `${org.code} renewal queue by progress`, group: "renewals", org: org.code, page: () => "/renewals?sort=progress", found: bodyRows });
      ops.push({ key: `${org.code} report compliance`, group: "reports", org: org.code, page: () => "/reports/compliance", found: bodyRows });
    }
    for (const report of REPORT_PAGES) {
      // A report's answer is kept per snapshot, scope and filters (decision 017): the same address
      // again is the kept answer; the first after each sync is computed in DuckDB. Computed: each run
      // ends the default twelve months a day earlier, so each asks afresh for about the same rows.
      ops.push({ key: `${org.code} report ${report} (kept answer)`, group: "reports", org: org.code, page: () => `/reports/${report}`, found: bodyRows });
      ops.push({ key: `${org.code} report ${report} (computed)`, group: "reports", org: org.code, page: (run) => `/reports/${report}?submittedTo=${daysAgo(run + 3)}`, found: bodyRows });
    }
    ops.push({ key: `${org.code} overview (/, kept per snapshot)`, group: "reports", org: org.code, page: () => "/", found: reportsInScope });
  }
  return ops;
}

/**
 * Shared buffers (hit + read) touched so far in the data the pages read: the learner store and the
 * board's rosters, rules and decisions, not the sign-in, session and audit bookkeeping every request
 * writes (nor autovacuum's work on it).
 */
async function buffersTouched(store: Store): Promise<number> {
  const row = await one<{ n: string | null }>(
    store.owner,
    `select sum(coalesce(heap_blks_hit, 0) + coalesce(heap_blks_read, 0) + coalesce(idx_blks_hit, 0) + coalesce(idx_blks_read, 0)
              + coalesce(toast_blks_hit, 0) + coalesce(toast_blks_read, 0) + coalesce(tidx_blks_hit, 0) + coalesce(tidx_blks_read, 0))::text as n
       from pg_statio_all_tables
      where schemaname = 'learner' or (schemaname = 'board' and relname not in ('audit_event', 'session') and relname not like 'login\\_%')`,
  );
  return Number(row.n ?? 0);
}

/** A store's size as PostgreSQL sees it. */
async function storeFigures(store: Store) {
  const row = await one<{ learners: string; heap: string; indexes: string; shared_buffers: string }>(
    store.owner,
    `select (select count(*) from learner.learner)::text as learners, pg_table_size('learner.credit_report')::text as heap,
            pg_indexes_size('learner.credit_report')::text as indexes, current_setting('shared_buffers') as shared_buffers`,
  );
  return {
    name: store.name,
    reports: store.reports,
    learners: Number(row.learners),
    heapMiB: Math.round(Number(row.heap) / 1_048_576),
    indexesMiB: Math.round(Number(row.indexes) / 1_048_576),
    sharedBuffers: row.shared_buffers,
  };
}

/** "100 k", "1.0 M", "10 M": store sizes as the note's columns name them. */
export function sizeLabel(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(n >= 10_000_000 ? 0 : 1)} M`;
  return `${Math.round(n / 1000)} k`;
}

/** Where a cost sits between index-bound (flat) and scan (grows with n), from its growth between the stores. */
export function classify(small: number, big: number, sizeRatio: number): { ratio: number; exponent: number; kind: Growth } {
  const ratio = big / small;
  const exponent = Math.log(ratio) / Math.log(sizeRatio);
  return { ratio, exponent, kind: exponent < INDEX_BOUND_BELOW ? "index-bound" : exponent > SCAN_ABOVE ? "scan" : "between" };
}

/** The naive extrapolation to the national store: flat, linear, or the measured power in between. */
export function toNational(kind: Growth, exponent: number, bigReports: number): { factor: number; rule: string } {
  const scale = NATIONAL / bigReports;
  if (kind === "index-bound") return { factor: 1, rule: "flat" };
  if (kind === "scan") return { factor: scale, rule: `linear ×${scale.toFixed(0)}` };
  return { factor: scale ** exponent, rule: `n^${exponent.toFixed(2)} ×${(scale ** exponent).toFixed(1)}` };
}

/** Milliseconds with their unit, to about three figures. */
const duration = (v: number) =>
  v >= 10_000 ? `${(v / 1000).toFixed(0)} s` : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`;

export async function run(ctx: BenchContext): Promise<SectionResult> {
  const smallDir = path.resolve(process.env.BENCH_SMALL_DATA_DIR ?? `${ctx.dataDir}-1m`);
  ctx.log(`growth: the smaller store in ${smallDir} (${ctx.growthReports.toLocaleString("en-US")} reports when seeded)…`);
  const smallStore = await prepareStore({
    dataDir: smallDir,
    port: Number(process.env.BENCH_SMALL_PG_PORT ?? 54412),
    reports: ctx.growthReports,
    name: "the growth section's smaller store",
    log: ctx.log,
  });
  try {
    const smallApp = await serveApp(smallStore, { analyticsDir: path.join(smallDir, "analytics"), build: ctx.build });
    try {
      return await measure(ctx, smallApp, smallDir);
    } finally {
      await smallApp.close();
    }
  } finally {
    await smallStore.stop();
  }
}

async function measure(ctx: BenchContext, smallApp: ServedApp, smallDir: string): Promise<SectionResult> {
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  const connect = async (url: string) => {
    const client = new pg.Client({ connectionString: url, application_name: "cme-bench-growth" });
    await client.connect();
    return client;
  };
  const big: Store = { name: "", reports: 0, app: ctx, owner: await connect(ctx.ownerUrl) };
  const small: Store = { name: "", reports: 0, app: smallApp, owner: await connect(smallApp.ownerUrl) };
  try {
    for (const store of [small, big]) store.reports = Number((await one<{ n: string }>(store.owner, `select count(*)::text as n from learner.credit_report`)).n);
    const sizeRatio = big.reports / small.reports;
    if (small.reports <= 0 || big.reports <= 0) throw new Error(`growth: empty store (${small.reports} and ${big.reports} reports)`);
    if (sizeRatio < 5 || sizeRatio > 20) {
      throw new Error(`growth: the stores hold ${big.reports.toLocaleString("en-US")} and ${small.reports.toLocaleString("en-US")} reports (×${sizeRatio.toFixed(1)}); the smaller must be 1/5 to 1/20 of the main one (--growth-reports, or delete ${smallDir} to reseed it)`);
    }
    small.name = sizeLabel(small.reports);
    big.name = sizeLabel(big.reports);
    const stores = [small, big] as const;
    const figures = await Promise.all(stores.map(storeFigures));

    // The renewal cohort (the renewals section's: up to 20,000 CA-M licensees, cycles ending in the next 90 days).
    const cohorts: number[] = [];
    for (const store of stores) {
      await ensureCohort(store.app.ownerUrl);
      cohorts.push(Number((await one<{ n: string }>(store.owner, `select count(*)::text as n from board.roster_entry where org_code = 'CA-M'`)).n));
    }

    const rows: GrowthRow[] = [];
    const settle = async () => {
      await sleep(STATS_SETTLE_MS);
      return Promise.all(stores.map(buffersTouched));
    };
    const row = (key: string, group: string, atSmall: Side, atBig: Side): GrowthRow => {
      const c = classify(atSmall.median, atBig.median, sizeRatio);
      const n = toNational(c.kind, c.exponent, big.reports);
      return {
        key,
        group,
        small: atSmall,
        big: atBig,
        ...c,
        p95Ratio: atBig.p95 / atSmall.p95,
        work: null,
        national: { median: atBig.median * n.factor, p95: atBig.p95 * n.factor, rule: n.rule },
        loadAverage: os.loadavg()[0]!,
      };
    };
    const withWork = (r: GrowthRow, atSmall: number, atBig: number) => {
      r.work = { small: atSmall, big: atBig, ...classify(atSmall, atBig, sizeRatio) };
    };

    // ---------------------------------------------------------------- full syncs of both snapshots
    // One each (a scan by design: COPY of every live record); the report pages below read these.
    const synced: Side[] = [];
    const syncWork: number[] = [];
    for (const [i, store] of stores.entries()) {
      ctx.log(`growth: full analytics sync of the ${store.name} store…`);
      const before = await settle();
      const result = await store.app.analytics.syncNow({ mode: "full", trigger: "command" });
      if (result.outcome !== "succeeded") throw new Error(`growth: the ${store.name} store's sync ${result.outcome}: ${JSON.stringify(result)}`);
      if (result.rowsChanged <= 0) throw new Error(`growth: the ${store.name} store's full sync read no rows`);
      const after = await settle();
      synced.push({ median: result.durationMs, p95: result.durationMs, samples: [result.durationMs], detail: `${result.rowsChanged.toLocaleString("en-US")} rows read` });
      syncWork.push(after[i]! - before[i]!);
    }
    const syncRow = row("full analytics sync (DuckDB snapshot)", "sync", synced[0]!, synced[1]!);
    withWork(syncRow, syncWork[0]!, syncWork[1]!);
    rows.push(syncRow);

    // ---------------------------------------------------------------- the pages, timed
    const smallOps = await operations(small);
    const bigOps = await operations(big);
    if (smallOps.length !== bigOps.length || smallOps.some((op, i) => op.key !== bigOps[i]!.key)) {
      throw new Error("growth: the two stores' operations do not pair up");
    }
    const pairs: Pair[] = [];
    for (const [o, op] of bigOps.entries()) {
      const ops = [smallOps[o]!, op] as const;
      const cookies = [await small.app.cookie(op.org), await big.app.cookie(op.org)] as const;
      pairs.push({ ops, cookies, details: [ops[0].detail ?? null, ops[1].detail ?? null] as Array<string | null> });
    }
    /** One page of the operation on store i; checks it answered 200 with something found; returns ms. */
    const request = async (pair: Pair, i: 0 | 1, run: number): Promise<number> => {
      const op = pair.ops[i];
      const page = op.page(run);
      const started = performance.now();
      const html = await getOk(stores[i].app.baseUrl, page, pair.cookies[i]);
      const elapsed = performance.now() - started;
      const found = op.found(html);
      if (!(found > 0)) throw new Error(`growth: ${op.key} on the ${stores[i].name} store (${page}) found nothing`);
      if (run === -1) pair.details[i] ??= resultCount(html) ?? `${found.toLocaleString("en-US")} ${op.found === bodyRows ? "rows shown" : "found"}`;
      return elapsed;
    };
    const pageRows: GrowthRow[] = [];
    for (const pair of pairs) {
      ctx.log(`growth: ${pair.ops[1].key}…`);
      // Warm-up on both, then run by run alternating: both stores see the same machine and load.
      for (let w = 1; w <= 2; w++) for (const i of [0, 1] as const) await request(pair, i, -w);
      const samples: [number[], number[]] = [[], []];
      for (let r = 0; r < ctx.runs; r++) for (const i of [0, 1] as const) samples[i].push(await request(pair, i, r));
      const side = (i: 0 | 1): Side => ({ median: median(samples[i]), p95: percentile(samples[i], 95), samples: samples[i], detail: pair.details[i] ?? null });
      pageRows.push(row(pair.ops[1].key, pair.ops[1].group, side(0), side(1)));
    }
    rows.push(...pageRows);

    // ---------------------------------------------------------------- the pages, PostgreSQL's work
    // A pass of its own (counting needs the backends idle for 10 s between operations).
    ctx.log(`growth: PostgreSQL's buffers per request, ${WORK_REQUESTS} requests per operation and store (about ${Math.ceil((pairs.length * STATS_SETTLE_MS) / 60_000)} min of waiting for its statistics)…`);
    let before = await settle();
    for (const [o, pair] of pairs.entries()) {
      for (let r = 0; r < WORK_REQUESTS; r++) for (const i of [0, 1] as const) await request(pair, i, r);
      const after = await settle();
      withWork(pageRows[o]!, Math.round((after[0]! - before[0]!) / WORK_REQUESTS), Math.round((after[1]! - before[1]!) / WORK_REQUESTS));
      before = after;
    }

    // ---------------------------------------------------------------- what it says, and where it is kept
    const loadAtEnd = os.loadavg();
    let commit = "unknown";
    try {
      commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    } catch {
      // not a checkout
    }
    const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(", ");
    const header = [
      `- Stores: ${figures.map((f) => `${f.name} = ${f.reports.toLocaleString("en-US")} reports, ${f.learners.toLocaleString("en-US")} learners, credit_report ${f.heapMiB} MiB + indexes ${f.indexesMiB} MiB`).join("; ")}; shared_buffers ${figures[1]!.sharedBuffers} each.`,
      `- Generator: db/generator (seed ${BENCH_SEED}) at commit ${commit}; CA-M roster entries (renewal cohort) ${cohorts.map((c, i) => `${c.toLocaleString("en-US")} (${stores[i]!.name})`).join(", ")}.`,
      `- Run: ${startedAt.toISOString().slice(0, 16)}Z, ${ctx.runs} timed runs per operation and store (alternating), NODE_ENV=${process.env.NODE_ENV ?? "(unset)"}, ${os.cpus().length} cores; load average (1, 5, 15 min) ${load(loadAtStart)} at the start, ${load(loadAtEnd)} at the end.`,
    ];
    const work = (r: GrowthRow) => (r.work ? `${r.work.small.toLocaleString("en-US")} → ${r.work.big.toLocaleString("en-US")} (×${r.work.ratio.toFixed(1)})` : "–");
    const markdown = [
      ...header,
      "",
      `| operation | ${small.name}: median / p95 | ${big.name}: median / p95 | time ×ratio | time class | PostgreSQL buffers per request ${small.name} → ${big.name} | work class | ${sizeLabel(NATIONAL)}: median / p95 (rule) | load |`,
      "|---|---:|---:|---:|---|---:|---|---:|---:|",
      ...rows.map(
        (r) =>
          `| ${r.key} | ${duration(r.small.median)} / ${duration(r.small.p95)} | ${duration(r.big.median)} / ${duration(r.big.p95)} | ×${r.ratio.toFixed(2)} | ${r.kind} | ${work(r)} | ${r.work?.kind ?? "–"} | ${duration(r.national.median)} / ${duration(r.national.p95)} (${r.national.rule}) | ${r.loadAverage.toFixed(2)} |`,
      ),
    ];
    const timings: Timing[] = rows.flatMap((r) => [
      { label: `${r.key} · ${small.name}`, samples: r.small.samples, note: r.small.detail ?? undefined },
      {
        label: `${r.key} · ${big.name}`,
        samples: r.big.samples,
        note: `×${r.ratio.toFixed(2)} ${r.kind}; buffers ${work(r)} ${r.work?.kind ?? ""}; ${sizeLabel(NATIONAL)} ≈ ${duration(r.national.median)}; load ${r.loadAverage.toFixed(2)}${r.big.detail ? `; ${r.big.detail}` : ""}`,
      },
    ]);
    const outDir = path.resolve("bench-results");
    await mkdir(outDir, { recursive: true });
    const stem = path.join(outDir, `growth-${startedAt.toISOString().replace(/[:.]/g, "-")}`);
    await writeFile(
      `${stem}.json`,
      `${JSON.stringify({ at: startedAt.toISOString(), commit, seed: BENCH_SEED, runs: ctx.runs, nodeEnv: process.env.NODE_ENV ?? null, cores: os.cpus().length, loadAverage: { start: loadAtStart, end: loadAtEnd }, national: NATIONAL, sizeRatio, stores: figures, cohorts, rows }, null, 2)}\n`,
    );
    await writeFile(`${stem}.md`, `${markdown.join("\n")}\n`);

    const byKind = (kind: Growth) => rows.filter((r) => r.kind === kind).length;
    const hidden = rows.filter((r) => r.kind === "index-bound" && r.work && r.work.kind !== "index-bound").map((r) => r.key);
    return {
      // No README aim: the figures feed decision 020's extrapolation to national scale.
      aims: [],
      title: `Growth: the same operations on ${small.reports.toLocaleString("en-US")} and ${big.reports.toLocaleString("en-US")} reports (×${sizeRatio.toFixed(1)}), alternating; ratio = ${big.name} ÷ ${small.name} median`,
      timings,
      notes: [
        `${rows.length} operations: ${byKind("index-bound")} index-bound (exponent < ${INDEX_BOUND_BELOW}), ${byKind("between")} between, ${byKind("scan")} scan (exponent > ${SCAN_ABOVE}); exponent = log(ratio) / log(${sizeRatio.toFixed(1)})`,
        hidden.length ? `time flat but PostgreSQL's work growing (the page's fixed cost hides it at these sizes): ${hidden.join("; ")}` : "no operation's PostgreSQL work grows where its time is flat",
        `written: ${stem}.json and ${stem}.md (the rows of docs/decisions/020-growth-to-national-scale.md)`,
        "",
        ...markdown,
      ],
    };
  } finally {
    await big.owner.end();
    await small.owner.end();
  }
}
