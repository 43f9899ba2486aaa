// What one user can do to everyone else, measured on the benchmark store with `npm start`'s own
// process (production build, its pool, its export limits, its memory): while 20 stalled exports and
// the largest allowed roster upload run, other reviewers' page times beside the same pages without
// them, the server's RSS throughout and whether it stayed up; then a 1-million-row CSV export beside
// PostgreSQL's own `COPY (the same query) TO STDOUT`, with the server's RSS during it.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, open, readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import { scopeForOrganisation } from "../../app/auth/scope.server";
import { parseCreditSearch } from "../../app/lib/credit-search";
import { ROSTER_LIMITS } from "../../domain/roster-csv";
import { creditExportQuery } from "../../app/models/credits.server";
import { readHistory } from "../../db/analytics/history";
import { freePort } from "../../db/embedded";
import { checkAim, expectWork, median, percentile, type AimCheck, type BenchContext, type SectionResult, type Timing } from "./context";
import { copyRows, inline } from "./export";

const STALLED_EXPORTS = 20;
/** Seconds other reviewers browse, first without and then with the abuse running. */
const PHASE_SECONDS = 30;
const OTHER_REVIEWERS = 6;
/** Mean seconds a reviewer reads a page before the next (random, exponential). */
const THINK_SECONDS = 0.5;
const EXPORT_ROWS = 1_000_000;
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MB`;

/** VmRSS of a process in bytes (Linux), or null once it has gone. */
async function rssOf(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = status.match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS every 100 ms into the current phase's peak. */
function rssSampler(pid: number) {
  const peaks = new Map<string, number>();
  let phase = "start";
  const timer = setInterval(() => {
    void rssOf(pid).then((rss) => {
      if (rss !== null) peaks.set(phase, Math.max(peaks.get(phase) ?? 0, rss));
    });
  }, 100);
  return {
    phase(name: string) {
      phase = name;
    },
    peak: (name: string) => peaks.get(name) ?? Number.NaN,
    stop: () => clearInterval(timer),
  };
}

async function signIn(baseUrl: string, email: string): Promise<string> {
  const response = await fetch(`${baseUrl}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: baseUrl },
    body: new URLSearchParams({ email, password: "demo-password" }),
  });
  const cookie = response.headers.get("set-cookie")?.match(/__session=[^;]*/)?.[0];
  if (!cookie) throw new Error(`abuse: could not sign in as ${email} (${response.status})`);
  return cookie;
}

/**
 * An export whose client reads the answer's head and then nothing more: a raw socket, paused, so
 * the kernel's buffers fill and the server meets back-pressure. Resolves with the status once known.
 */
function stalledExport(baseUrl: string, pathAndQuery: string, cookie: string): Promise<{ status: number; socket: net.Socket }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.write(`GET ${pathAndQuery} HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${cookie}\r\nAccept-Encoding: identity\r\n\r\n`);
    });
    socket.once("data", (chunk: Buffer) => {
      socket.pause(); // and never read again
      socket.off("error", reject);
      socket.on("error", () => undefined);
      const status = Number(chunk.toString("latin1").match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0);
      resolve({ status, socket });
    });
  });
}

const SYLLABLES = ["al", "ber", "ca", "dor", "el", "fin", "ga", "hal", "ir", "jo", "ka", "lin", "mar", "no", "or", "pe", "qui", "ros", "sa", "ti"];
/** A name of letters only (a roster rejects digits in names), different for each n. */
const name = (n: number) => {
  const a = SYLLABLES[n % 20]!;
  const b = SYLLABLES[Math.floor(n / 20) % 20]!;
  const c = SYLLABLES[Math.floor(n / 400) % 20]!;
  return `${a[0]!.toUpperCase()}${a.slice(1)}${b}${c}`;
};

/** The largest roster the upload accepts: as many rows as fit under both of its limits, every one valid. */
function largestRoster(iteration: number): { csv: Uint8Array<ArrayBuffer>; rows: number } {
  const header = "license_id,first_name,last_name,birth_date,npi,cycle_end\n";
  const parts: string[] = [header];
  let bytes = header.length;
  let rows = 0;
  // Leave a little room under the byte limit for the multipart envelope.
  const maxBytes = ROSTER_LIMITS.maxBytes - 4096;
  for (;;) {
    const line = `AB${iteration}X${String(rows).padStart(7, "0")},${name(rows)},${name(rows * 7 + 3)}son,${String((rows % 12) + 1).padStart(2, "0")}/${String((rows % 28) + 1).padStart(2, "0")},,${2027 + (iteration % 50)}-06-30\n`;
    if (bytes + line.length > maxBytes || rows >= ROSTER_LIMITS.maxRows) break;
    parts.push(line);
    bytes += line.length;
    rows++;
  }
  return { csv: new TextEncoder().encode(parts.join("")), rows };
}

async function uploadRoster(baseUrl: string, cookie: string, iteration: number): Promise<{ status: number; rows: number; ms: number }> {
  const { csv, rows } = largestRoster(iteration);
  const form = new FormData();
  form.set("file", new Blob([csv], { type: "text/csv" }), `bench-abuse-${iteration}.csv`);
  const started = performance.now();
  const response = await fetch(`${baseUrl}/rosters`, { method: "POST", body: form, redirect: "manual", headers: { cookie, origin: baseUrl } });
  await response.arrayBuffer();
  return { status: response.status, rows, ms: performance.now() - started };
}

/** Reviewers of other organisations browsing pages until `until()`; every answer timed and checked. */
async function browse(baseUrl: string, reviewers: Array<{ cookie: string; pages: string[] }>, seconds: number) {
  const samples: number[] = [];
  const failures: string[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    reviewers.map(async (reviewer, r) => {
      for (let i = r; performance.now() < deadline; i++) {
        const page = reviewer.pages[i % reviewer.pages.length]!;
        const started = performance.now();
        const response = await fetch(`${baseUrl}${page}`, { headers: { cookie: reviewer.cookie }, redirect: "manual" }).catch((error: unknown) => error as Error);
        if (response instanceof Error) failures.push(`${page}: ${response.message}`);
        else {
          await response.arrayBuffer();
          samples.push(performance.now() - started);
          if (response.status !== 200) failures.push(`${page}: ${response.status}`);
        }
        await new Promise((resolve) => setTimeout(resolve, -Math.log(1 - Math.random()) * THINK_SECONDS * 1000));
      }
    }),
  );
  return { samples, failures };
}

export async function run(ctx: BenchContext): Promise<SectionResult> {
  const timings: Timing[] = [];
  const notes: string[] = [];
  const aims: AimCheck[] = [];
  const owner = new pg.Client({ connectionString: ctx.ownerUrl, application_name: "cme-bench-abuse" });
  await owner.connect();
  const dataDir = path.join(ctx.dataDir, "abuse");
  await mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const log = await open(path.join(dataDir, "server.log"), "w");
  const launchedAt = new Date().toISOString();
  const analyticsDir = path.join(dataDir, "analytics");
  const server = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: ctx.ownerUrl,
      HOST: "127.0.0.1",
      PORT: String(port),
      SESSION_SECRET: "abuse-secret-abuse-secret-abuse-secret-00",
      SECURE_COOKIES: "false",
      DATA_DIR: dataDir,
      ANALYTICS_DIR: analyticsDir,
      ANALYTICS_SYNC_INTERVAL_SECONDS: "0",
      ANALYTICS_FULL_REBUILD_HOURS: "0",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", log.fd, log.fd],
  });
  let exits = 0;
  const exited = once(server, "exit").then(() => exits++);
  const sockets: net.Socket[] = [];
  try {
    // Ready, and its analytics built (the start-up sync is not what this section measures).
    const ready = async <T>(what: string, probe: () => Promise<T | null>, seconds: number): Promise<T> => {
      const until = performance.now() + seconds * 1000;
      for (;;) {
        if (exits > 0) throw new Error(`abuse: the server exited while waiting for ${what} (see ${path.join(dataDir, "server.log")})`);
        const value = await probe().catch(() => null);
        if (value !== null) return value;
        if (performance.now() > until) throw new Error(`abuse: no ${what} after ${seconds} s`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };
    await ready("answer from the server", async () => ((await fetch(`${baseUrl}/login`)).ok ? true : null), 180);
    ctx.log("server up; waiting for its analytics to be built…");
    const synced = await ready("finished analytics sync", async () => (await readHistory(analyticsDir, 20)).find((r) => r.startedAt >= launchedAt && r.outcome !== "running") ?? null, 900);
    if (synced.outcome !== "succeeded") throw new Error(`abuse: the server's start-up sync ended ${synced.outcome}`);
    const rss = rssSampler(server.pid!);

    // Other organisations' reviewers and what they open.
    const one = async (q: string) => (await owner.query<{ v: string }>(q)).rows[0]?.v;
    const caLicensee = await one(`select learner_id::text as v from learner.credit_report where board_code = 'CA-M' and deleted_at is null limit 1`);
    const abimLicensee = await one(`select learner_id::text as v from learner.credit_report where board_code = 'ABIM' and deleted_at is null limit 1`);
    const provider = await one(`select provider_id::text as v from learner.activity limit 1`);
    if (!caLicensee || !abimLicensee || !provider) throw new Error("abuse: the store has no CA-M or ABIM records to open");
    const others = [
      { email: "reviewer@ca-m.demo.test", pages: ["/credits?last=Sm", `/licensees/${caLicensee}`, "/renewals", "/reports/timeliness", "/"] },
      { email: "reviewer@abim.demo.test", pages: ["/credits?last=Jo", `/licensees/${abimLicensee}`, "/renewals", "/reports/volume", "/"] },
      { email: "reviewer@accme.demo.test", pages: [`/credits?provider=${provider}`, "/activities", "/reports/rejections", "/"] },
    ];
    const reviewers = await Promise.all(Array.from({ length: OTHER_REVIEWERS }, async (_, i) => ({ cookie: await signIn(baseUrl, others[i % others.length]!.email), pages: others[i % others.length]!.pages })));

    // ---- without abuse
    rss.phase("quiet");
    const quiet = await browse(baseUrl, reviewers, PHASE_SECONDS);
    expectWork("other reviewers' pages answered with nothing else running", quiet.samples.length, 10);

    // ---- with 20 stalled exports (CSV and XLSX, every record ACCME can see) from ten users, and the
    // largest allowed roster upload, again and again, from another organisation's supervisor.
    rss.phase("stalled");
    const abusers = await Promise.all(
      ["accme", "ca-m", "abim", "abs", "nc-m"].flatMap((code) => ["supervisor", "admin"].map((role) => signIn(baseUrl, `${role}@${code}.demo.test`))),
    );
    const statuses = new Map<number, number>();
    const stalls = await Promise.all(
      Array.from({ length: STALLED_EXPORTS }, (_, i) =>
        stalledExport(baseUrl, `/credits/export?download=${i % 2 === 0 ? "csv" : "xlsx"}`, abusers[i % abusers.length]!).then((s) => {
          sockets.push(s.socket);
          statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
          return s;
        }),
      ),
    );
    // First the stalled exports alone, then with the uploads: which of the two costs what.
    const stalledOnly = await browse(baseUrl, reviewers, PHASE_SECONDS);
    expectWork("other reviewers' pages answered during the stalled exports", stalledOnly.samples.length, 10);
    rss.phase("abuse");
    const uploader = await signIn(baseUrl, "supervisor@vi-m.demo.test");
    const uploads: Array<{ status: number; rows: number; ms: number }> = [];
    let uploading = true;
    const uploadLoop = (async () => {
      for (let i = 0; uploading; i++) uploads.push(await uploadRoster(baseUrl, uploader, i));
    })();
    const abused = await browse(baseUrl, reviewers, PHASE_SECONDS);
    uploading = false;
    await uploadLoop;
    expectWork("other reviewers' pages answered during the stalled exports and uploads", abused.samples.length, 10);
    expectWork("roster uploads during the abuse", uploads.length);
    const streaming = stalls.filter((s) => s.status === 200).length;
    if (streaming === 0) throw new Error(`abuse: no stalled export was ever streaming (answers ${JSON.stringify([...statuses])})`);
    if (uploads.length === 0 || uploads.some((u) => u.status >= 500)) throw new Error(`abuse: roster uploads ${JSON.stringify(uploads)}`);
    // Every row of every upload was valid and kept: the uploads did the whole work, not a refusal.
    const accepted = (await owner.query<{ uploads: string; rows: string }>(`select count(*)::text as uploads, coalesce(sum(accepted_rows), 0)::text as rows
      from board.roster_upload where org_code = 'VI-M' and file_name like 'bench-abuse-%'`)).rows[0]!;
    if (Number(accepted.uploads) !== uploads.length || Number(accepted.rows) !== uploads.reduce((n, u) => n + u.rows, 0)) {
      throw new Error(`abuse: ${uploads.length} uploads of ${uploads[0]!.rows} rows, but the store kept ${accepted.uploads} uploads with ${accepted.rows} rows`);
    }
    for (const s of sockets) s.destroy();
    sockets.length = 0;

    timings.push({ label: "other reviewers' pages, nothing else running", samples: quiet.samples, note: `${quiet.samples.length} pages, ${quiet.failures.length} not 200` });
    timings.push({
      label: `the same, during ${STALLED_EXPORTS} stalled exports`,
      samples: stalledOnly.samples,
      note: `${stalledOnly.samples.length} pages, ${stalledOnly.failures.length} not 200; p95 ratio ${(percentile(stalledOnly.samples, 95) / percentile(quiet.samples, 95)).toFixed(2)}`,
    });
    timings.push({
      label: `the same, during ${STALLED_EXPORTS} stalled exports + roster uploads`,
      samples: abused.samples,
      note: `${abused.samples.length} pages, ${abused.failures.length} not 200; p95 ratio ${(percentile(abused.samples, 95) / percentile(quiet.samples, 95)).toFixed(2)}`,
    });
    timings.push({ label: `largest allowed roster upload (${uploads[0]!.rows.toLocaleString("en-US")} rows)`, samples: uploads.map((u) => u.ms), note: `answers ${[...new Set(uploads.map((u) => u.status))].join(", ")}` });
    notes.push(
      `stalled exports: ${[...statuses].map(([status, n]) => `${n} answered ${status}`).join(", ")} (the rest refused by the per-user and export limits); ` +
        `other reviewers' failures: ${[...stalledOnly.failures, ...abused.failures].length === 0 ? "none" : [...stalledOnly.failures, ...abused.failures].slice(0, 5).join("; ")}`,
    );
    const abusedP95 = percentile(abused.samples, 95);
    aims.push(checkAim("other reviewers' p95 < 500 ms during 20 stalled exports + the largest roster uploads", "issue 17", `${abusedP95.toFixed(0)} ms`, abusedP95 < 500));
    const slowestDuringUploads = Math.max(...abused.samples);
    aims.push(checkAim("another user's page during the largest allowed upload within 1 s (slowest page)", "issue 17", `${slowestDuringUploads.toFixed(0)} ms`, slowestDuringUploads <= 1000));

    // ---- a 1-million-row CSV export beside COPY of the same query
    rss.phase("export");
    const days = (await owner.query<{ day: string; n: string }>(`select completion_date::text as day, count(*)::text as n from learner.credit_report where deleted_at is null group by 1 order by 1 desc`)).rows;
    let total = 0;
    let from = days[0]!.day;
    for (const d of days) {
      total += Number(d.n);
      from = d.day;
      if (total >= EXPORT_ROWS) break;
    }
    const search = `completedFrom=${from}&completedTo=${days[0]!.day}&sort=completed&dir=desc`;
    const accme = await signIn(baseUrl, "reviewer@accme.demo.test");
    const state = parseCreditSearch(new URLSearchParams(search), { multiBoard: true });
    const compiled = creditExportQuery(ctx.appDb, scopeForOrganisation({ code: "ACCME", kind: "accreditor" }), { filters: state.filters, sort: state.sort }).compile();
    const copySql = inline(compiled.sql, compiled.parameters);
    const app: number[] = [];
    const copy: number[] = [];
    let rows = 0;
    for (let i = 0; i < 2; i++) {
      const c = await copyRows(ctx.ownerUrl, copySql);
      copy.push(c.ms);
      rows = c.rows;
      const started = performance.now();
      const response = await fetch(`${baseUrl}/credits/export?download=csv&${search}`, { headers: { cookie: accme } });
      if (response.status !== 200 || !response.body) throw new Error(`abuse: the export answered ${response.status}`);
      let lines = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) for (let j = 0; j < chunk.length; j++) if (chunk[j] === 10) lines++;
      app.push(performance.now() - started);
      if (lines - 1 !== rows) throw new Error(`abuse: the export had ${lines - 1} rows, COPY ${rows}`);
    }
    expectWork("rows of the large export", rows, EXPORT_ROWS * 0.9);
    const rate = (samples: number[]) => Math.round(rows / (median(samples) / 1000));
    timings.push({ label: `COPY (same query) TO STDOUT, ${rows.toLocaleString("en-US")} rows`, samples: copy, note: `${rate(copy).toLocaleString("en-US")} rows/s` });
    timings.push({ label: "the app's CSV export of the same rows over HTTP", samples: app, note: `${rate(app).toLocaleString("en-US")} rows/s` });
    const exportRatio = rate(app) / rate(copy);
    notes.push(`export / COPY rate: ${exportRatio.toFixed(2)}`);
    aims.push(checkAim("1-million-row CSV export rate ≥ 0.5 × COPY of the same query", "issue 17", `${exportRatio.toFixed(2)} ×`, exportRatio >= 0.5));
    rss.stop();
    const phases = ["start", "quiet", "stalled", "abuse", "export"];
    notes.push(
      `server RSS peaks: ${mb(rss.peak("start"))} after start-up, ${mb(rss.peak("quiet"))} browsing, ${mb(rss.peak("stalled"))} with the stalled exports, ${mb(rss.peak("abuse"))} with the exports and the uploads, ${mb(rss.peak("export"))} during the 1-million-row exports`,
    );
    const peak = Math.max(...phases.map((p) => rss.peak(p)).filter(Number.isFinite));
    expectWork("server RSS samples", Number.isFinite(peak) ? peak : 0);
    aims.push(checkAim("server RSS < 400 MB throughout", "issue 17", `peak ${mb(peak)}`, peak < 400 * 1_048_576));
    aims.push(checkAim("0 server process exits", "issue 17", String(exits), exits === 0));
    if (exits > 0) throw new Error("abuse: the server exited");
  } finally {
    for (const s of sockets) s.destroy();
    if (exits === 0) server.kill("SIGTERM");
    await exited;
    await log.close();
    // The section's own roster uploads leave the store as they found it.
    await owner.query(`delete from board.roster_entry where upload_id in (select id from board.roster_upload where org_code = 'VI-M' and file_name like 'bench-abuse-%')`).catch(() => undefined);
    await owner.query(`delete from board.roster_upload where org_code = 'VI-M' and file_name like 'bench-abuse-%'`).catch(() => undefined);
    await owner.end();
  }
  return { title: "One user against the others (npm start's process)", timings, notes, aims };
}
