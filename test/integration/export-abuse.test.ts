// Exports under abuse, through the real HTTP app (issue 17): one user's downloads must not take the
// database from other boards, hold memory, or end the process. Clients that stop reading, go away,
// or ask for ten files at once; a database connection killed mid-export; an audit write that fails.
// Every wait is for an event (the export gate's `finished`, a response head, a socket's close) or
// for a state PostgreSQL reports, never for time to pass.
import net from "node:net";
import { Writable } from "node:stream";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import fc from "fast-check";
import { sql } from "kysely";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { neutraliseCell } from "../../app/lib/spreadsheet";
import { EXPORT_POOL_NAME, type ExportGate, type FinishedExport } from "../../app/models/export-limits.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { get, signIn, startTestServer, type TestServer } from "../support/server";

/** Log lines of a server, as JSON objects. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: "info" }, sink), lines };
}

let database: TestDatabase;
/** Long stall timeout, small export pool and limits: for holding slots and for the killed connection. */
let held: TestServer;
const heldLog = capturedLogger();
const HELD_LIMITS = { perUser: 2, global: 2, retryAfterSeconds: 7 };
/** A stall timeout of one second: for the client that stops reading. */
let quick: TestServer;
const quickLog = capturedLogger();
let caCookie: string;
let caSupervisorCookie: string;
let abimCookie: string;
let accmeCookie: string;
/** Live credit reports in the store: what ACCME's unfiltered export holds. */
let allRows: number;

beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
  // Wide rows of text that does not compress well: hex of md5, different per licensee (a
  // licensee's rows are far apart in the export's order, beyond a deflate window), so the whole
  // export is far larger than the sockets' buffers, in CSV (gzip) and XLSX alike.
  // (The name index cannot hold such names; this private copy of the store does without it.)
  await sql`drop index learner.learner_name_idx`.execute(database.owner);
  await sql`update learner.learner l set last_name = l.last_name || ' ' ||
    (select string_agg(md5(l.id::text || g::text), '') from generate_series(1, 160) g)`.execute(database.owner);
  allRows = Number((await sql<{ n: string }>`select count(*)::text as n from learner.credit_report where deleted_at is null`.execute(database.owner)).rows[0]!.n);
  held = await startTestServer(database, { sync: false, exportConnections: 2, exportLimits: HELD_LIMITS, stallSeconds: 600, logger: heldLog.logger });
  quick = await startTestServer(database, { sync: false, stallSeconds: 1, logger: quickLog.logger });
  const cookies = await Promise.all(
    ["reviewer@ca-m.demo.test", "supervisor@ca-m.demo.test", "reviewer@abim.demo.test", "reviewer@accme.demo.test"].map((email) => signIn(held.baseUrl, email)),
  );
  [caCookie, caSupervisorCookie, abimCookie, accmeCookie] = cookies as [string, string, string, string];
});

afterAll(async () => {
  await held?.close();
  await quick?.close();
  await database?.drop();
});

/** The next `count` exports to finish on `gate` (subscribe before starting them). */
function nextFinished(gate: ExportGate, count = 1): Promise<FinishedExport[]> {
  return new Promise((resolve) => {
    const seen: FinishedExport[] = [];
    const on = (event: FinishedExport) => {
      seen.push(event);
      if (seen.length < count) return;
      gate.off("finished", on);
      resolve(seen);
    };
    gate.on("finished", on);
  });
}

interface RawDownload {
  socket: net.Socket;
  /** The status line and headers, once they have arrived. */
  head: Promise<{ status: number; text: string }>;
  /** Every byte received so far. */
  bytes(): Buffer;
  /** Resolves when the server has closed the connection (or it failed). */
  closed: Promise<void>;
}

/** A GET over a raw socket, so the test decides when (and whether) the response is read. */
/** Every raw socket a test opened: closed after each test, so a failing test leaves no export behind. */
const openSockets = new Set<net.Socket>();
afterEach(() => {
  for (const socket of openSockets) socket.destroy();
  openSockets.clear();
});

function rawGet(server: TestServer, path: string, cookie: string, options: { gzip?: boolean } = {}): RawDownload {
  const url = new URL(server.baseUrl);
  const socket = net.connect(Number(url.port), url.hostname);
  openSockets.add(socket);
  socket.on("error", () => undefined);
  const chunks: Buffer[] = [];
  let resolveHead: (head: { status: number; text: string }) => void = () => undefined;
  const head = new Promise<{ status: number; text: string }>((resolve) => (resolveHead = resolve));
  socket.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    const all = Buffer.concat(chunks);
    const end = all.indexOf("\r\n\r\n");
    if (end >= 0) {
      const text = all.subarray(0, end).toString("latin1");
      resolveHead({ status: Number(text.split(" ")[1]), text });
    }
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${cookie}\r\n${options.gzip ? "Accept-Encoding: gzip, deflate, br\r\n" : ""}Connection: close\r\n\r\n`,
  );
  return { socket, head, bytes: () => Buffer.concat(chunks), closed };
}

/** The export's connections that are not resting idle in their pool (a transaction or a query open). */
async function busyExportConnections(): Promise<number> {
  const r = await sql<{ n: string }>`select count(*)::text as n from pg_stat_activity
    where application_name = ${EXPORT_POOL_NAME} and datname = current_database() and state <> 'idle'`.execute(database.owner);
  return Number(r.rows[0]!.n);
}

async function lastExportAudit(): Promise<{ target: string; detail: Record<string, unknown> }> {
  const r = await sql<{ target: string; detail: Record<string, unknown> }>`
    select target, detail from board.audit_event where action = 'export' order by id desc limit 1`.execute(database.owner);
  return r.rows[0]!;
}

/**
 * The most rows a stalled export may have read: what fits in the two sockets' kernel buffers (a few
 * MB on loopback) plus the server's own small buffers, at the rows' width (> 5 kB of hex each
 * after the update above, about half that compressed). A server without back-pressure reads all.
 */
const STALLED_ROW_BOUND = 5_000;

describe("a client that stops reading", () => {
  it.each([
    ["csv", true],
    ["xlsx", false],
  ] as const)("%s: rows are read only as fast as the client takes them; after the stall timeout the connection is released and the audit says stalled", async (format, gzip) => {
    expect(allRows).toBeGreaterThan(3 * STALLED_ROW_BOUND);
    const finished = nextFinished(quick.exports.gate);
    const download = rawGet(quick, `/credits/export?download=${format}`, accmeCookie, { gzip });
    const head = await download.head;
    // Not one more byte taken from the kernel: the server's writes back up to the cursor.
    download.socket.pause();
    expect(head.status).toBe(200);
    const [event] = await finished;
    expect(event!.outcome).toMatchObject({ completed: false, aborted: "stalled" });
    expect(event!.rowsRead).toBeLessThan(STALLED_ROW_BOUND);
    expect(event!.outcome.rows).toBeLessThanOrEqual(event!.rowsRead);
    // Rows written into the file are not all sent: the audit counts only those handed to the
    // response (test/unit/export-rows-sent.test.ts checks the count against the bytes).
    expect(event!.outcome.rows).toBeLessThanOrEqual(event!.outcome.rowsWritten);
    expect(event!.outcome.rowsWritten).toBeLessThanOrEqual(event!.rowsRead);
    // Cut: its cursor closed and its transaction rolled back before the audit row was written.
    expect(await busyExportConnections()).toBe(0);
    const audit = await lastExportAudit();
    expect(audit.target).toBe("credit-reports");
    expect(audit.detail).toMatchObject({
      format,
      completed: false,
      aborted: "stalled",
      rows: event!.outcome.rows,
      rowsWritten: event!.outcome.rowsWritten,
    });
    expect(quick.exports.gate.active).toHaveLength(0);
    download.socket.destroy();
  });
});

describe("a client that goes away mid-export", () => {
  it("cancels the export at once: cursor closed, connection released, audited as client-gone with the rows sent", async () => {
    const finished = nextFinished(held.exports.gate);
    const download = rawGet(held, "/credits/export?download=csv", accmeCookie);
    expect((await download.head).status).toBe(200);
    // Take some of the file, then hang up.
    await new Promise<void>((resolve) => {
      const check = () => {
        if (download.bytes().length < 256 * 1024) return;
        download.socket.off("data", check);
        resolve();
      };
      download.socket.on("data", check);
      check();
    });
    download.socket.destroy();
    const [event] = await finished;
    expect(event!.outcome).toMatchObject({ completed: false, aborted: "client-gone" });
    expect(event!.outcome.rows).toBeGreaterThan(0);
    expect(event!.outcome.rows).toBeLessThan(allRows);
    expect(await busyExportConnections()).toBe(0);
    expect((await lastExportAudit()).detail).toMatchObject({ completed: false, aborted: "client-gone", rows: event!.outcome.rows });
  });
});

describe("HEAD on an export", () => {
  it("answers the file's headers at once, takes no slot, opens no cursor and writes no audit row; a GET right after is admitted", async () => {
    const audits = async () =>
      Number((await sql<{ n: string }>`select count(*)::text as n from board.audit_event where action = 'export'`.execute(database.owner)).rows[0]!.n);
    const before = await audits();
    // More HEADs in a row than one user's limit and the whole export pool together (2 and 2 here).
    for (let i = 0; i < 3 * (HELD_LIMITS.perUser + HELD_LIMITS.global); i++) {
      const format = i % 2 ? "csv" : "xlsx";
      const response = await fetch(`${held.baseUrl}/credits/export?download=${format}`, { method: "HEAD", headers: { cookie: caSupervisorCookie } });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename=".*\\.${format}"$`));
      expect(response.headers.get("cache-control")).toBe("no-store");
      // The gate is empty the moment the answer is in: nothing waits for a body no one will read.
      expect(held.exports.gate.active).toHaveLength(0);
    }
    expect(await busyExportConnections()).toBe(0);
    expect(await audits()).toBe(before);
    // The same user's GET right after is admitted and gets the whole file.
    const finished = nextFinished(held.exports.gate);
    const response = await get(held.baseUrl, "/credits/export?download=csv&status=rejected", caSupervisorCookie);
    expect(response.status).toBe(200);
    expect((await response.text()).length).toBeGreaterThan(0);
    const [event] = await finished;
    expect(event!.outcome).toMatchObject({ completed: true, aborted: null });
    expect(await audits()).toBe(before + 1);
  });
});

describe("many exports at once", () => {
  it("one user's extra exports get 429, everyone's beyond the export pool too, both with Retry-After; pages keep answering; nothing crashes", async () => {
    // Two stalled downloads (one XLSX, one CSV) hold CA-M's reviewer's two slots, and the whole
    // (two-connection) export pool.
    const finishedHolders = nextFinished(held.exports.gate, 2);
    const holders = [rawGet(held, "/credits/export?download=xlsx", caCookie), rawGet(held, "/credits/export?download=csv", caCookie)];
    for (const h of holders) {
      expect((await h.head).status).toBe(200);
      h.socket.pause();
    }
    expect(held.exports.gate.active).toHaveLength(2);

    // Ten more of each from the same reviewer, at once: refused at once, never queued.
    const more = await Promise.all(
      Array.from({ length: 20 }, (_, i) => get(held.baseUrl, `/credits/export?download=${i % 2 ? "csv" : "xlsx"}`, caCookie)),
    );
    for (const response of more) {
      expect(response.status).toBe(429);
      expect(response.headers.get("retry-after")).toBe(String(HELD_LIMITS.retryAfterSeconds));
      expect(await response.text()).toMatch(/downloads running/);
    }
    // Another user of another board: the export share is full, so 429 with Retry-After…
    const other = await get(held.baseUrl, "/credits/export?download=csv", abimCookie);
    expect(other.status).toBe(429);
    expect(other.headers.get("retry-after")).toBe(String(HELD_LIMITS.retryAfterSeconds));
    expect(await other.text()).toMatch(/slot is busy/);
    // …while pages (the main pool) answer as usual, for that board and for the exporter's own colleague.
    const pages = await Promise.all([
      ...Array.from({ length: 6 }, () => get(held.baseUrl, "/credits", abimCookie)),
      ...Array.from({ length: 6 }, () => get(held.baseUrl, "/credits?status=rejected", caSupervisorCookie)),
    ]);
    for (const page of pages) {
      expect(page.status).toBe(200);
      await page.text();
    }
    expect(held.exports.gate.active).toHaveLength(2);

    // The holders hang up: their slots and connections come back, and exports work again.
    for (const h of holders) h.socket.destroy();
    const events = await finishedHolders;
    expect(events.map((e) => e.outcome.aborted)).toEqual(["client-gone", "client-gone"]);
    expect(await busyExportConnections()).toBe(0);
    const again = await get(held.baseUrl, "/credits/export?download=xlsx&status=rejected", abimCookie);
    expect(again.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await again.arrayBuffer());
    expect(workbook.worksheets[0]!.rowCount).toBeGreaterThan(1);
  });
});

describe("a database error during an export", () => {
  it.each(["csv", "xlsx"] as const)("%s: the export's connection is killed mid-stream: the download is cut (not a valid-looking file), the failure logged and audited, the process serves on", async (format) => {
    const finished = nextFinished(held.exports.gate);
    const download = rawGet(held, `/credits/export?download=${format}`, accmeCookie);
    expect((await download.head).status).toBe(200);
    download.socket.pause();
    // The export waits for the client with its transaction and cursor open (its portal suspended,
    // which pg_stat_activity shows as active): kill that backend.
    let killed = 0;
    for (let i = 0; i < 200 && killed === 0; i++) {
      const r = await sql<{ pid: number }>`select pg_terminate_backend(pid) as pid from pg_stat_activity
        where application_name = ${EXPORT_POOL_NAME} and datname = current_database() and state <> 'idle'`.execute(database.owner);
      killed = r.rows.length;
      if (killed === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(killed).toBe(1);
    download.socket.resume();
    await download.closed;
    const [event] = await finished;
    expect(event!.outcome).toMatchObject({ completed: false, aborted: "failed" });
    const raw = download.bytes();
    const body = raw.subarray(raw.indexOf("\r\n\r\n") + 4);
    // Chunked transfer: a complete response ends with the zero-length chunk; a cut one does not.
    expect(body.subarray(-5).toString("latin1")).not.toBe("0\r\n\r\n");
    expect((await lastExportAudit()).detail).toMatchObject({ format, completed: false, aborted: "failed" });
    expect(heldLog.lines.some((l) => l.msg === "export: the source failed; the download is cut")).toBe(true);
    expect(await busyExportConnections()).toBe(0);
    // Still serving, exports included.
    const after = await get(held.baseUrl, "/credits/export?download=csv&status=rejected", abimCookie);
    expect(after.status).toBe(200);
    expect((await after.text()).length).toBeGreaterThan(0);
  });
});

describe("an audit write that fails", () => {
  it.each(["csv", "xlsx"] as const)("%s: is logged; the download completes and nothing is left unhandled", async (format) => {
    const finished = nextFinished(held.exports.gate);
    await sql`revoke insert on board.audit_event from cme_app`.execute(database.owner);
    try {
      const response = await get(held.baseUrl, `/credits/export?download=${format}&status=rejected`, abimCookie);
      expect(response.status).toBe(200);
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.length).toBeGreaterThan(0);
      const [event] = await finished;
      expect(event!.outcome).toMatchObject({ completed: true, aborted: null });
    } finally {
      await sql`grant insert on board.audit_event to cme_app`.execute(database.owner);
    }
    expect(heldLog.lines.some((l) => l.msg === "export: the audit row could not be written")).toBe(true);
  });
});

describe("any text the store can hold goes through the exports unchanged", () => {
  /** A CA-M licensee with records of several activities, and those activities' providers. */
  let learnerId: string;
  let activities: { id: string; providerId: string }[];

  beforeAll(async () => {
    const r = await sql<{ learner_id: string }>`select cr.learner_id::text from learner.credit_report cr
      where cr.board_code = 'CA-M' and cr.deleted_at is null group by cr.learner_id
      having count(distinct cr.activity_id) >= 3 order by cr.learner_id limit 1`.execute(database.owner);
    learnerId = r.rows[0]!.learner_id;
    activities = (
      await sql<{ id: string; provider_id: string }>`select distinct a.id::text, a.provider_id::text from learner.credit_report cr
        join learner.activity a on a.id = cr.activity_id
        where cr.learner_id = ${learnerId} and cr.board_code = 'CA-M' and cr.deleted_at is null order by 1 limit 4`.execute(database.owner)
    ).rows.map((a) => ({ id: a.id, providerId: a.provider_id }));
  });

  // What providers may send: any Unicode (U+0000 aside: PostgreSQL text cannot hold it), C0
  // controls, DEL, noncharacters, separators, quotes, formula starts and OOXML-escape look-alikes.
  const unit = fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 0x1f }).map((c) => String.fromCharCode(c)) },
    { weight: 3, arbitrary: fc.constantFrom("\r", "\n", "\r\n", "\t", '"', ",", ";", "'", "=", "+", "-", "@", " ", "&", "<", ">", "&amp;", "&#13;", "]]>", "\u007f", "\u0085", "\u2028", "\ufeff", "\ufffe", "\uffff", "\u00e9", "\u{1f600}") },
    { weight: 2, arbitrary: fc.constantFrom("_x000D_", "_x005F_", "_x0041_", "_xabcd_", "_xD800_", "_x0000_", "_X000D_", "_x000d_", "_x", "x000D_", "_x005F_x000D_") },
  );
  const text = fc.string({ unit, maxLength: 20 }).map((s) => s.split("\u0000").join(""));

  function byActivity(header: readonly unknown[], rows: readonly (readonly unknown[])[]) {
    const at = (label: string) => header.indexOf(label);
    expect(at("Activity id")).toBeGreaterThanOrEqual(0);
    return new Map(rows.map((r) => [String(r[at("Activity id")]), { title: r[at("Activity")], provider: r[at("Provider")] }]));
  }

  /** A cell's text as a reader sees it: inline strings are runs; an empty cell is empty text. */
  function cellText(value: ExcelJS.CellValue): unknown {
    if (value === null || value === undefined) return "";
    if (typeof value === "object" && "richText" in value) return value.richText.map((run) => run.text).join("");
    return value;
  }

  it("CSV (csv-parse) and XLSX (exceljs's reader) give exactly PostgreSQL's values, neutralised against formulas", async () => {
    const providers = [...new Set(activities.map((a) => a.providerId))];
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: activities.length, maxLength: activities.length }), fc.array(text, { minLength: providers.length, maxLength: providers.length }), async (titles, names) => {
        await database.owner.transaction().execute(async (trx) => {
          for (const [i, a] of activities.entries()) await sql`update learner.activity set title = ${titles[i]!} where id = ${a.id}`.execute(trx);
          for (const [i, p] of providers.entries()) await sql`update learner.provider set name = ${names[i]!} where id = ${p}`.execute(trx);
        });
        // What PostgreSQL holds (read back, not what was sent), neutralised as the exports must.
        const stored = await sql<{ id: string; title: string; name: string }>`select a.id::text, a.title, p.name from learner.activity a
          join learner.provider p on p.id = a.provider_id where a.id in (${sql.join(activities.map((a) => a.id))})`.execute(database.owner);
        const expected = new Map(stored.rows.map((r) => [r.id, { title: neutraliseCell(r.title), provider: neutraliseCell(r.name) }]));

        const csv = await get(held.baseUrl, `/licensees/${learnerId}/records/export?download=csv`, caCookie);
        expect(csv.status).toBe(200);
        const [csvHeader, ...csvRows] = parse(Buffer.from(await csv.arrayBuffer()).toString("utf8"), { bom: true }) as string[][];
        const fromCsv = byActivity(csvHeader!, csvRows);
        for (const [id, want] of expected) expect(fromCsv.get(id)).toEqual(want);

        const xlsx = await get(held.baseUrl, `/licensees/${learnerId}/records/export?download=xlsx`, caCookie);
        expect(xlsx.status).toBe(200);
        const workbook = new ExcelJS.Workbook();
        await workbook.xlsx.load(await xlsx.arrayBuffer());
        const values: unknown[][] = [];
        workbook.worksheets[0]!.eachRow((row) => {
          const cells: unknown[] = [];
          row.eachCell({ includeEmpty: true }, (cell) => cells.push(cellText(cell.value)));
          values.push(cells);
        });
        const [xlsxHeader, ...xlsxRows] = values;
        const fromXlsx = byActivity(xlsxHeader!, xlsxRows);
        for (const [id, want] of expected) expect(fromXlsx.get(id)).toEqual(want);
      }),
      { numRuns: Number(process.env.EXPORT_TEXT_RUNS ?? 40) },
    );
  });
});
