// Export throughput: the app's streamed CSV and XLSX over HTTP against PostgreSQL's own
// `COPY (the same query) TO STDOUT`, side by side; and the server's memory through a
// multi-million-row export (it must stay flat).
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { scopeForOrganisation } from "../../app/auth/scope.server";
import { parseCreditSearch } from "../../app/lib/credit-search";
import { creditExportQuery } from "../../app/models/credits.server";
import { checkAim, expectWork, median, type BenchContext, type SectionResult, type Timing } from "./context";

/** The compiled query with its parameters written in as literals (COPY takes no parameters). */
export function inline(sqlText: string, parameters: readonly unknown[]): string {
  const literal = (value: unknown): string => {
    if (value === null) return "null";
    if (typeof value === "number") return String(value);
    if (Array.isArray(value)) return `array[${value.map(literal).join(", ")}]`;
    return pg.Client.prototype.escapeLiteral(String(value));
  };
  return sqlText.replace(/\$(\d+)/g, (_, n: string) => literal(parameters[Number(n) - 1]));
}

export async function copyRows(ownerUrl: string, query: string): Promise<{ rows: number; ms: number; bytes: number }> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query("set jit = off; set max_parallel_workers_per_gather = 0; set random_page_cost = 1.1");
    const started = performance.now();
    const stream = client.query(copyTo(`copy (${query}) to stdout with (format csv)`));
    let bytes = 0;
    let rows = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) rows++;
    }
    return { rows, ms: performance.now() - started, bytes };
  } finally {
    await client.end();
  }
}

async function httpDownload(url: string, cookie: string, onChunk?: (bytes: number) => void): Promise<{ ms: number; bytes: number; body: Buffer | null }> {
  const started = performance.now();
  const response = await fetch(url, { headers: { cookie } });
  if (response.status !== 200 || !response.body) throw new Error(`export answered ${response.status}`);
  let bytes = 0;
  const keep: Buffer[] = [];
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    onChunk?.(bytes);
    if (!onChunk) keep.push(Buffer.from(chunk));
  }
  return { ms: performance.now() - started, bytes, body: onChunk ? null : Buffer.concat(keep) };
}

const lines = (body: Buffer) => body.toString("utf8").split("\n").filter(Boolean).length - 1;

export async function run(ctx: BenchContext): Promise<SectionResult> {
  const timings: Timing[] = [];
  const notes: string[] = [];
  const scope = scopeForOrganisation({ code: "CA-M", kind: "state_board" });
  const cookie = await ctx.cookie("CA-M");
  const runs = Math.min(ctx.runs, 3);

  // CA-M's credit reports completed in 2024, newest completion first: a few hundred thousand rows.
  const search = "completedFrom=2024-01-01&completedTo=2024-12-31&sort=completed&dir=desc";
  const state = parseCreditSearch(new URLSearchParams(search), { multiBoard: false });
  const compiled = creditExportQuery(ctx.appDb, scope, { filters: state.filters, sort: state.sort, boards: ["CA-M"] }).compile();
  const copySql = inline(compiled.sql, compiled.parameters);

  const copy: number[] = [];
  const csv: number[] = [];
  const xlsx: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const c = await copyRows(ctx.ownerUrl, copySql);
    copy.push(c.ms);
    rows = expectWork("rows COPY read", c.rows, 1000);
    const a = await httpDownload(`${ctx.baseUrl}/credits/export?download=csv&${search}`, cookie);
    csv.push(a.ms);
    if (lines(a.body!) !== rows) throw new Error(`CSV export had ${lines(a.body!)} rows, COPY ${rows}`);
    const x = await httpDownload(`${ctx.baseUrl}/credits/export?download=xlsx&${search}`, cookie);
    // An XLSX file is a zip: at least tens of bytes per row of it.
    expectWork("bytes of the XLSX export", x.bytes, rows * 20);
    xlsx.push(x.ms);
  }
  const rate = (samples: number[]) => Math.round(rows / (median(samples) / 1000));
  timings.push({ label: `COPY (same query) TO STDOUT, ${rows.toLocaleString("en-US")} rows`, samples: copy, note: `${rate(copy).toLocaleString("en-US")} rows/s` });
  timings.push({ label: "export CSV over HTTP (cursor -> csv-stringify)", samples: csv, note: `${rate(csv).toLocaleString("en-US")} rows/s` });
  timings.push({ label: "export XLSX over HTTP (exceljs streaming writer)", samples: xlsx, note: `${rate(xlsx).toLocaleString("en-US")} rows/s` });
  const ratio = rate(csv) / rate(copy);
  notes.push(`CSV export / COPY throughput: ${ratio.toFixed(2)}; XLSX / COPY: ${(rate(xlsx) / rate(copy)).toFixed(2)}`);
  const aims = [checkAim("CSV export rate ≥ 0.5 × COPY of the same query", "issue 3", `${ratio.toFixed(2)} × (${rows.toLocaleString("en-US")} rows)`, ratio >= 0.5)];

  // Memory through every CA-M record (about two million rows): sample the server's RSS as bytes arrive.
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const samples: Array<[number, number]> = [];
  const timer = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peak = Math.max(peak, rss);
  }, 100);
  let lastMark = 0;
  const big = await httpDownload(`${ctx.baseUrl}/credits/export?download=csv&sort=completed&dir=desc`, cookie, (bytes) => {
    if (bytes - lastMark > 50_000_000) {
      lastMark = bytes;
      samples.push([bytes, process.memoryUsage().rss]);
    }
  });
  clearInterval(timer);
  // Every CA-M record: millions of rows, hundreds of megabytes.
  expectWork("bytes of the export of every CA-M record", big.bytes, 50_000_000);
  const mb = (n: number) => `${(n / 1_048_576).toFixed(0)} MB`;
  timings.push({ label: "export CSV, every CA-M record", samples: [big.ms], note: `${mb(big.bytes)} of CSV` });
  notes.push(
    `server RSS during the full CA-M export: ${mb(before)} before, ${mb(peak)} peak; at ${samples.map(([b, r]) => `${mb(b)} sent: ${mb(r)}`).join(", ")}`,
  );
  return { title: "Exports (CA-M)", timings, notes, aims };
}
