// What every benchmark section gets: the 10-million-report store, the app served over it on
// loopback (exactly as `npm start` assembles it), signed-in sessions per organisation, and helpers
// to time things and summarise timings. Sections live beside this file and are run by ../bench.ts.
import type { RenewalStatusRunner } from "../../app/models/status-runner.server";
import type { ServerBuild } from "@remix-run/node";
import type { Kysely } from "kysely";
import type { Analytics } from "../../db/analytics/service";
import type { Database } from "../../db/schema";

export interface BenchContext {
  /** Owner connection string of the benchmark store (for plain SQL and COPY baselines). */
  ownerUrl: string;
  /** The app's own login URL, when it has one (else the app assumes role cme_app over the owner URL): see createAppDb. */
  appUrl: string | undefined;
  /** The production build the pages are rendered by (checked before anything runs). */
  build: ServerBuild;
  /** The app's own client (role cme_app, app session settings). */
  appDb: Kysely<Database>;
  /** The app's analytics snapshot service (no scheduler: sections sync when they need to). */
  analytics: Analytics;
  /** Base URL of the app served over the store on loopback. */
  baseUrl: string;
  /** The served app's background evaluation of renewal statuses (after syncs, uploads, rule changes). */
  statuses: RenewalStatusRunner;
  /** A session cookie for `reviewer@<code>.demo.test` (code lower-cased, e.g. "ca-m", "accme"). */
  cookie(orgCode: string): Promise<string>;
  /** Timed runs per measurement (after warm-up). */
  runs: number;
  /** Where the bench keeps its files (BENCH_DATA_DIR, default .data/bench-physicians), absolute. */
  dataDir: string;
  /** Credit reports in the growth section's smaller store (--growth-reports). */
  growthReports: number;
  /** Random filter combinations the search section times per organisation. */
  combos: number;
  log(line: string): void;
}

export interface Timing {
  label: string;
  /** Milliseconds, one per run. */
  samples: number[];
  /** Free-form figure shown beside the timing (rows, a ratio, …). */
  note?: string;
}

export interface SectionResult {
  title: string;
  timings: Timing[];
  /** Lines printed under the section's table (throughputs, ratios, sizes). */
  notes: string[];
  /** The README's performance aims this section measures, each met or not (empty: it measures none). */
  aims: AimCheck[];
}

/** One performance aim of the README ("Performance aims"), as this run measured it. */
export interface AimCheck {
  /** The aim as the README words it, e.g. "licensee page p95 < 50 ms". */
  aim: string;
  /** Where it was stated (issue or decision). */
  source: string;
  /** The figure measured, e.g. "43 ms". */
  measured: string;
  met: boolean;
}

export const checkAim = (aim: string, source: string, measured: string, met: boolean): AimCheck => ({ aim, source, measured, met });

/**
 * A benchmark's proof that it measured real work (rows read, entries evaluated, bytes sent, rows on
 * a page), as a test asserts its result: a figure under `min` throws, and the bench exits non-zero.
 * Returns `n`, so a check can sit where the figure is computed.
 */
export function expectWork(label: string, n: number, min = 1): number {
  if (!Number.isFinite(n) || n < min) throw new Error(`bench: no real work measured: ${label} was ${n} (expected at least ${min})`);
  return n;
}

/** Rows of the data tables (every <tbody>) of a rendered page. */
export function tableRows(html: string): number {
  let rows = 0;
  for (const body of html.matchAll(/<tbody[^>]*>([\s\S]*?)<\/tbody>/g)) rows += body[1]!.match(/<tr[\s>]/g)?.length ?? 0;
  return rows;
}

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

/** Runs `fn` `warmup` times untimed, then `runs` times timed; returns the milliseconds. */
export async function timeRuns(runs: number, fn: (run: number) => Promise<unknown>, warmup = 2): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

/** A GET against the app that must answer 200; returns the body text. */
export async function getOk(baseUrl: string, path: string, cookie: string): Promise<string> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { cookie }, redirect: "manual" });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${body.slice(0, 200)}`);
  return body;
}
