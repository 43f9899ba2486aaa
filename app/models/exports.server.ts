// The one export pipeline: rows from an async source (a database cursor) streamed to the browser as
// CSV (csv-stringify) or XLSX (exceljs's streaming writer). Rows are taken from the source only
// when the response asks for more bytes, and the server (scripts/lib/remix-express.ts) asks only
// when the client has taken what it was sent: memory stays flat whatever the client does. Each export
// holds a slot of the export gate (app/models/export-limits.server.ts) until it ends. Text cells are
// neutralised against formula injection; XLSX text escapes what XML cannot carry. Every export is
// audited with the rows actually handed to the client and whether (and why) it was cut short.
// Files are made for analysis: a name that says whose, what, which filters and dates; numbers as
// numbers; times as ISO 8601 with the organization's offset (its zone named in the header); every
// XLSX sheet with a whole-word name, an autofilter and a frozen header row.
import { PassThrough } from "node:stream";
import zlib from "node:zlib";
import { stringify } from "csv-stringify/sync";
import ExcelJS from "exceljs";
import type { Logger } from "pino";
import { isoInZone, timeZoneLabel, wallClock } from "../lib/format";
import { neutraliseCell } from "../lib/spreadsheet";
import { organisationToday } from "../../domain/reference";
import type { ExportAbort, ExportOutcome, ExportServices, ExportTicket } from "./export-limits.server";

export type { ExportOutcome } from "./export-limits.server";

export const EXPORT_FORMATS = ["csv", "xlsx"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export type CellValue = string | number | null;

export interface ExportColumn<R> {
  header: string;
  value(row: R): CellValue;
  /**
   * How the cell is stored: a real date (YYYY-MM-DD text in), a moment (ISO text in: ISO 8601 with
   * the organization's offset in CSV, its wall-clock time in XLSX, the zone named in the header), a
   * number, a share (a fraction, rounded to four places; shown as a percentage in XLSX), or text.
   */
  kind?: "text" | "number" | "share" | "date" | "timestamp";
  /** XLSX column width in characters. */
  width?: number;
}

export interface ExportRequest<R> {
  format: ExportFormat;
  /** File name without extension (exportFilename). */
  filename: string;
  /** At most 31 characters (Excel's limit), whole words: see fitSheetName. */
  sheetName: string;
  /** The organization's time zone: moments are written in it. */
  timeZone: string;
  columns: readonly ExportColumn<R>[];
  rows: AsyncIterable<R>;
  /**
   * Whether `rows` reads the database while the file streams (a cursor or keyset pages over the
   * export pool). Rows already in memory (a report's table) take no database slot. Default true.
   */
  readsDatabase?: boolean;
  /** Called once, when the stream ends for any reason (audit goes here). A failure is logged. */
  onFinish(outcome: ExportOutcome): Promise<void>;
}

/** Who asks, and where an export's slot, pool and logger come from. */
export interface ExportContext {
  services: { exports: ExportServices; logger: Logger };
  userId: string;
  /**
   * The request's method. A HEAD is answered with the file's headers alone, before admission: Remix
   * drops a HEAD response's body without reading or cancelling it, so a body made for one would hold
   * its export slot with no one to release it.
   */
  method: string;
}

/** Rows per chunk handed to the response (at most; a chunk also ends at CHUNK_CHARS). */
const BATCH = 1_000;
/** Characters per CSV chunk, so a store of very long texts still moves in small steps. */
const CHUNK_CHARS = 64 * 1024;
/** XLSX rows between looks at whether the client has taken what was zipped. */
const XLSX_CHECK_EVERY = 50;
/**
 * A body not read at all within this long is dropped and its export slot freed. A HEAD never gets a
 * body (exportResponse); this is the safety net for any other way a body could be left unread.
 */
const UNREAD_BODY_MS = 10_000;
/** Sheet XML that may wait for the zip (uncompressed) before the XLSX writer stops for it. */
const ZIP_BACKLOG = 512 * 1024;

/** Resolves at the first of these events, and stops listening to all of them. */
function firstOf(...sources: (readonly [NodeJS.EventEmitter, string])[]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const [emitter, event] of sources) emitter.off(event, done);
      resolve();
    };
    for (const [emitter, event] of sources) emitter.on(event, done);
  });
}

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

/** What a file name says beyond the organization and the subject. */
export interface FilenameParts {
  /** Filters in use, by URL name (several values joined). Names and values are made safe. */
  filters?: Record<string, string | readonly string[] | undefined>;
  /** The date range the rows are in (a completion or cycle-end window, say). */
  range?: { from?: string | null; to?: string | null };
}

/** Longest file name (without extension) an export gets: every system keeps 255 bytes. */
const FILENAME_MAX = 160;

const safePart = (text: string) =>
  text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9.]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");

/**
 * `CA-M_credit-reports_creditType-Patient-Safety_2024-01-01_to_2024-12-31_produced-2026-12-05`:
 * the organization, what, each filter as name-value, the date range and the organization's date it
 * was produced. Letters, digits, hyphens, dots and underscores only; at most 160 characters, filters
 * that do not fit are counted ("plus-2-more-filters") rather than cut.
 */
export function exportFilename(orgCode: string, what: string, parts: FilenameParts = {}, now = new Date()): string {
  const head = [safePart(orgCode), safePart(what)].filter(Boolean);
  const range = parts.range ?? {};
  const tail: string[] = [];
  if (range.from && range.to) tail.push(`${safePart(range.from)}_to_${safePart(range.to)}`);
  else if (range.from) tail.push(`from-${safePart(range.from)}`);
  else if (range.to) tail.push(`to-${safePart(range.to)}`);
  tail.push(`produced-${organisationToday(orgCode, now)}`);
  const filters = Object.entries(parts.filters ?? {})
    .map(([name, value]) => [name, typeof value === "string" ? [value] : [...(value ?? [])]] as const)
    .filter(([, values]) => values.some((v) => v !== ""))
    .map(([name, values]) => safePart(`${name}-${values.filter((v) => v !== "").join("-")}`))
    .filter(Boolean);
  const fixedLength = [...head, ...tail].join("_").length;
  const kept: string[] = [];
  for (const [i, filter] of filters.entries()) {
    const left = filters.length - i - 1;
    const note = left > 0 ? `_plus-${left}-more-filter${left === 1 ? "" : "s"}` : "";
    if (fixedLength + [...kept, filter].join("_").length + 1 + note.length <= FILENAME_MAX) kept.push(filter);
    else {
      const dropped = filters.length - kept.length;
      kept.push(`plus-${dropped}-more-filter${dropped === 1 ? "" : "s"}`);
      break;
    }
  }
  const name = [...head, ...kept, ...tail].join("_");
  return name.length <= FILENAME_MAX ? name : [...head, ...tail].join("_").slice(0, FILENAME_MAX);
}

/** Characters Excel refuses in a sheet name. */
const SHEET_FORBIDDEN = /[[\]:*?/\\]/g;
/** Excel's limit on a sheet name. */
export const SHEET_NAME_MAX = 31;

/**
 * A sheet name Excel accepts, never cut mid-word: the name itself when it fits, else its first
 * clause (before a comma or parenthesis) when that fits, else as many whole words as fit.
 */
export function fitSheetName(name: string): string {
  const clean = name.replace(SHEET_FORBIDDEN, " ").replace(/\s+/g, " ").trim().replace(/^'+|'+$/g, "");
  if (clean.length <= SHEET_NAME_MAX) return clean || "Sheet";
  const clause = clean.split(/\s*[,(]/)[0]!.trim();
  if (clause.length <= SHEET_NAME_MAX && clause.length > 0) return clause;
  let fitted = "";
  for (const word of clean.split(" ")) {
    const next = fitted ? `${fitted} ${word}` : word;
    if (next.length > SHEET_NAME_MAX) break;
    fitted = next;
  }
  // A first word longer than the limit has no whole-word fit: cut it (no real name does this).
  return (fitted || clean.slice(0, SHEET_NAME_MAX)).replace(/[\s,;:(-]+$/, "");
}

/** A share (a fraction) rounded to four places: 0.10714285714285714 is written 0.1071. */
export function roundShare(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/**
 * A streamed file download of `rows` in the given format, or a thrown 429 (this user has too many
 * exports running, or every export slot is busy) Response with Retry-After. A HEAD gets the
 * download's headers and no body: no slot, no cursor, no audit row (no personal data is sent).
 */
export function exportResponse<R>(context: ExportContext, asked: ExportRequest<R>): Response {
  const zone = timeZoneLabel(asked.timeZone);
  const request: ExportRequest<R> = {
    ...asked,
    sheetName: fitSheetName(asked.sheetName),
    // A moment's column names the zone its times are in.
    columns: asked.columns.map((c) => (c.kind === "timestamp" ? { ...c, header: `${c.header} (${zone})` } : c)),
  };
  const headers = {
    "Content-Type": CONTENT_TYPES[request.format],
    "Content-Disposition": `attachment; filename="${request.filename}.${request.format}"`,
    "Cache-Control": "no-store",
    // X-Content-Type-Options: nosniff comes with every answer from scripts/server.ts (not repeated here).
  };
  // `rows` is a generator not yet started (it reads nothing until its first next()): left unread.
  if (context.method.toUpperCase() === "HEAD") return new Response(null, { headers });
  const ticket = context.services.exports.gate.admit(context.userId, request.readsDatabase ?? true);
  const producer = request.format === "csv" ? csvProducer(request, ticket) : xlsxProducer(request, ticket, context.services.logger);
  const body = byteStream(request, producer, ticket, context.services.logger);
  return new Response(body, { headers });
}

/** Audit detail of an outcome: rows handed to the client, rows written into the file, completed or not, and why not. */
export function outcomeDetail(outcome: ExportOutcome): { rows: number; rowsWritten: number; completed: boolean; aborted?: ExportAbort } {
  const detail = { rows: outcome.rows, rowsWritten: outcome.rowsWritten, completed: outcome.completed };
  return outcome.aborted ? { ...detail, aborted: outcome.aborted } : detail;
}

function textCell(value: CellValue): CellValue {
  return typeof value === "string" ? neutraliseCell(value) : value;
}

/** A cell as CSV writes it: moments with the zone's offset, shares rounded, text neutralised. */
function csvCell<R>(column: ExportColumn<R>, row: R, timeZone: string): CellValue {
  const value = column.value(row);
  if (column.kind === "timestamp" && typeof value === "string") return isoInZone(value, timeZone);
  if (column.kind === "share" && typeof value === "number") return roundShare(value);
  return textCell(value);
}

/**
 * Text as OOXML's ST_Xstring carries it: XML 1.0 cannot hold most C0 control characters (nor
 * U+FFFE/U+FFFF), and a literal carriage return is read back as a line feed (XML end-of-line
 * handling), so these are written `_xHHHH_`; an underscore that starts something that looks like
 * such an escape is itself escaped (`_x005F_`), so Excel shows the text exactly as stored. DEL is
 * escaped too (exceljs would drop it).
 */
export function ooxmlEscape(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0B-\x1F\x7F\uFFFE\uFFFF]/g, (ch) =>
    ch === "_" ? "_x005F_" : `_x${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}_`,
  );
}

/** Bytes of a file, produced on demand. */
interface Producer {
  /** The next piece of the file, or null at its end. Rejects when the source fails. */
  next(): Promise<Uint8Array | null>;
  /** Rows written into the file so far (some may not be in a piece yet). */
  readonly rows: number;
  /** The response has taken the last piece next() returned. */
  taken(): void;
  /** Rows whose bytes are whole in the pieces taken. */
  rowsSent(): Promise<number>;
  /** Stops early: closes the source (its cursor and connection) and drops what is buffered. */
  stop(): Promise<void>;
}

function abortOf(reason: unknown): ExportAbort {
  // The server says why it cancelled (scripts/lib/remix-express.ts): a code, not a class, since the
  // server and this bundle do not share module instances.
  return typeof reason === "object" && reason !== null && (reason as { code?: unknown }).code === "EXPORT_STALLED" ? "stalled" : "client-gone";
}

/**
 * The response body: asks the producer for a piece only when the response asks for one (after it
 * has taken the last), so the rows read from the cursor follow what the client reads.
 */
function byteStream<R>(request: ExportRequest<R>, producer: Producer, ticket: ExportTicket, logger: Logger): ReadableStream<Uint8Array> {
  /** A piece was handed on and not yet known to be taken (each pull means the last one was). */
  let pending = false;
  /** No piece is made or handed on any more (finished, failed or cancelled). */
  let stopped = false;
  const finish = async (outcome: ExportOutcome) => {
    try {
      await request.onFinish(outcome);
    } catch (error) {
      logger.error({ err: error, outcome, file: request.filename }, "export: the audit row could not be written");
    } finally {
      ticket.release(outcome);
    }
  };
  const stop = async () => {
    try {
      await producer.stop();
    } catch (error) {
      logger.warn({ err: error, file: request.filename }, "export: closing the source failed");
    }
  };
  /** The outcome of an export cut short: the rows whole in the pieces taken. */
  const cutShort = async (aborted: ExportAbort): Promise<ExportOutcome> => ({ rows: await producer.rowsSent(), rowsWritten: producer.rows, completed: false, aborted });
  // A body nobody starts reading must not keep its slot (HEAD gets no body at all: exportResponse).
  let pulled = false;
  const unread = setTimeout(() => {
    if (pulled || stopped) return;
    stopped = true;
    const outcome: ExportOutcome = { rows: 0, rowsWritten: 0, completed: false, aborted: "client-gone" };
    stop().then(
      () => ticket.release(outcome),
      () => ticket.release(outcome),
    );
  }, UNREAD_BODY_MS);
  unread.unref();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        pulled = true;
        clearTimeout(unread);
        if (pending) producer.taken();
        pending = false;
        if (stopped) return;
        let piece: Uint8Array | null;
        try {
          piece = await producer.next();
        } catch (error) {
          if (stopped) return; // cancelled meanwhile: the cancel records it
          stopped = true;
          logger.error({ err: error, file: request.filename }, "export: the source failed; the download is cut");
          controller.error(error);
          await stop();
          await finish(await cutShort("failed"));
          return;
        }
        if (stopped) return; // cancelled while the piece was being made
        if (piece === null) {
          stopped = true;
          // Every piece has been taken, so every row written was sent. Audited before the file
          // ends, so whoever holds the whole file can find its audit event.
          await finish({ rows: producer.rows, rowsWritten: producer.rows, completed: true, aborted: null });
          controller.close();
          return;
        }
        pending = true;
        controller.enqueue(piece);
      },
      async cancel(reason) {
        clearTimeout(unread);
        if (stopped) return;
        stopped = true;
        // Release the cursor and the connection first, then record what the client got.
        await stop();
        await finish(await cutShort(abortOf(reason)));
      },
    },
    // Nothing is made before the response asks (0, not 1: a stream with room pulls as soon as it
    // is built, which opened the cursor even for a body no one would read).
    { highWaterMark: 0 },
  );
}

function csvProducer<R>(request: ExportRequest<R>, ticket: ExportTicket): Producer {
  const iterator = request.rows[Symbol.asyncIterator]();
  const headers = request.columns.map((c) => c.header);
  let rows = 0;
  /** Rows up to the end of the last piece made, and of the last piece taken. */
  let inLastPiece = 0;
  let sent = 0;
  let started = false;
  let done = false;
  const encoder = new TextEncoder();
  return {
    get rows() {
      return rows;
    },
    // A piece holds exactly the rows formatted for it.
    taken() {
      sent = inLastPiece;
    },
    async rowsSent() {
      return sent;
    },
    async next() {
      if (done) return null;
      const batch: CellValue[][] = [];
      let chars = 0;
      while (batch.length < BATCH && chars < CHUNK_CHARS) {
        const next = await iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        ticket.rowsRead++;
        const cells = request.columns.map((c) => csvCell(c, next.value, request.timeZone));
        for (const cell of cells) chars += typeof cell === "string" ? cell.length + 3 : 12;
        batch.push(cells);
      }
      // A BOM so Excel reads the file as UTF-8 (names with diacritics); the header row first.
      const text = stringify(batch, { bom: !started, header: !started, columns: headers });
      started = true;
      rows += batch.length;
      inLastPiece = rows;
      if (text) return encoder.encode(text);
      return done ? null : new Uint8Array(0);
    },
    async stop() {
      done = true;
      await iterator.return?.();
    },
  };
}

/**
 * XLSX through exceljs's streaming writer. The writer pushes zipped bytes into `output` as rows are
 * committed, so the rows are written by a task of their own that waits whenever `output` holds
 * more than its high-water mark, and `next()` hands on what `output` has.
 */
function xlsxProducer<R>(request: ExportRequest<R>, ticket: ExportTicket, logger: Logger): Producer {
  const output = new PassThrough({ highWaterMark: 64 * 1024 });
  let rows = 0;
  let stopping = false;
  let task: Promise<void> | null = null;
  let closed = false;
  let failure: Error | null = null;
  output.on("close", () => (closed = true));
  // A failure reaches next() through `failure`; the listener keeps it from being an unheard 'error'.
  output.on("error", (error) => (failure ??= error));
  const iterator = request.rows[Symbol.asyncIterator]();
  let sheetRef: ExcelJS.Worksheet | null = null;
  /** The rows in the part of the file the response has taken, and the piece it has not yet. */
  const sent = new SentSheetRows();
  let lastPiece: Buffer | null = null;

  const cell = (column: ExportColumn<R>, row: R): ExcelJS.CellValue => {
    const value = column.value(row);
    if (value === null) return null;
    if (column.kind === "date" && typeof value === "string") return new Date(`${value}T00:00:00Z`);
    if (column.kind === "timestamp" && typeof value === "string") {
      // Excel has no zones: the organization's wall-clock time, the zone named in the header.
      const { date, time } = wallClock(value, request.timeZone);
      return new Date(`${date}T${time}Z`);
    }
    if (column.kind === "share" && typeof value === "number") return roundShare(value);
    if (typeof value === "number") return value;
    // An inline string (<is><r><t>), whose `_xHHHH_` escapes every reader decodes.
    return { richText: [{ text: ooxmlEscape(neutraliseCell(value)) }] };
  };

  /**
   * Bytes of sheet XML handed to the zip but not yet taken by it. exceljs 4's worksheet stream (a
   * StreamBuf) writes into the archiver's entry stream without waiting for it, so while the zip
   * waits for `output`, committed rows pile up there: this reads that pile (exceljs internals; the
   * stalled-client test in export-abuse.test.ts fails if an upgrade moves them).
   */
  const zipBacklog = (): { bytes: number; pipes: NodeJS.EventEmitter[] } => {
    const buf = (sheetRef as unknown as { stream?: { buffers?: unknown[]; bufSize?: number; pipes?: NodeJS.EventEmitter[] } } | null)?.stream;
    if (!buf) return { bytes: 0, pipes: [] };
    const pipes = buf.pipes ?? [];
    const pending = (p: NodeJS.EventEmitter) => {
      const w = p as unknown as { writableLength?: number; _writableState?: { length?: number } };
      return w.writableLength ?? w._writableState?.length ?? 0;
    };
    return { bytes: (buf.buffers?.length ?? 0) * (buf.bufSize ?? 0) + pipes.reduce((n, p) => n + pending(p), 0), pipes };
  };
  /** Resolves when `output` and the zip have room again, or `output` is gone. */
  const room = async () => {
    for (;;) {
      if (closed || stopping) return;
      const backlog = zipBacklog();
      if (output.writableNeedDrain) await firstOf([output, "drain"], [output, "close"]);
      else if (backlog.bytes <= ZIP_BACKLOG) return;
      else if (backlog.pipes.length) await firstOf(...backlog.pipes.map((p) => [p, "drain"] as const), [output, "close"]);
      else await new Promise<void>((resolve) => setImmediate(resolve)); // the zip has not started on the sheet yet
    }
  };
  const gone = new Promise<"gone">((resolve) => output.once("close", () => resolve("gone")));

  const write = async () => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false, zip: { zlib: { level: 1 } } });
    (workbook as unknown as { zip: NodeJS.EventEmitter }).zip.on("error", (error: Error) => output.destroy(error));
    // The header row stays in view; its autofilter (written when the sheet is committed) spans every row.
    const sheet = workbook.addWorksheet(request.sheetName, { views: [{ state: "frozen", ySplit: 1, topLeftCell: "A2", activeCell: "A2" }] });
    sheetRef = sheet;
    sheet.columns = request.columns.map((c, i) => ({
      key: `c${i}`,
      header: c.header,
      width: c.width ?? Math.max(10, Math.min(40, c.header.length + 4)),
      style: c.kind === "date" ? { numFmt: "yyyy-mm-dd" } : c.kind === "timestamp" ? { numFmt: "yyyy-mm-dd hh:mm:ss" } : c.kind === "share" ? { numFmt: "0.00%" } : {},
    }));
    sheet.getRow(1).font = { bold: true };
    let finished = false;
    try {
      for (;;) {
        if (stopping) return;
        const next = await iterator.next();
        if (next.done) break;
        ticket.rowsRead++;
        sheet.addRow(request.columns.map((c) => cell(c, next.value))).commit();
        rows++;
        // Hold back while the client has not taken what is already zipped.
        if (rows % XLSX_CHECK_EVERY === 0) {
          // Let the zip take what was committed (a cursor chunk arrives without a turn of the
          // event loop), then wait while `output` is full.
          await new Promise<void>((resolve) => setImmediate(resolve));
          await room();
        }
      }
      finished = true;
      if (stopping) return;
      sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: rows + 1, column: Math.max(1, request.columns.length) } };
      sheet.commit();
      // The commit waits for the zip to reach `output`; a download cut meanwhile never lets it.
      if ((await Promise.race([workbook.commit(), gone])) === "gone" && !stopping) throw new Error("the XLSX output closed before the workbook was written");
    } catch (error) {
      output.destroy(error instanceof Error ? error : new Error(String(error)));
    } finally {
      if (!finished) await iterator.return?.().catch((error: unknown) => logger.warn({ err: error }, "export: closing the source failed"));
    }
  };

  /** Waits until `output` has something to read, has ended, or has failed. */
  const readable = () =>
    new Promise<void>((resolve) => {
      const go = () => {
        output.off("readable", go);
        output.off("end", go);
        output.off("close", go);
        resolve();
      };
      output.on("readable", go);
      output.on("end", go);
      output.on("close", go);
    });

  return {
    get rows() {
      return rows;
    },
    taken() {
      if (lastPiece) sent.feed(lastPiece);
      lastPiece = null;
    },
    rowsSent() {
      return sent.count();
    },
    async next() {
      // The writer starts with the first read, inside the response, not when the loader returns.
      task ??= write().catch((error: unknown) => {
        // write() handles its own failures; anything here is a defect, logged, never unhandled.
        logger.error({ err: error }, "export: the XLSX writer failed");
        output.destroy(error instanceof Error ? error : new Error(String(error)));
      });
      for (;;) {
        if (failure) throw failure;
        const chunk = output.read() as Buffer | null;
        if (chunk) {
          lastPiece = chunk;
          return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        }
        if (output.readableEnded) return null;
        if (closed) throw failure ?? new Error("the XLSX output closed early");
        await readable();
      }
    },
    async stop() {
      stopping = true;
      output.destroy();
      lastPiece = null;
      if (task) await task;
      else await iterator.return?.();
    },
  };
}

const LOCAL_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const SHEET_ENTRY = Buffer.from("xl/worksheets/sheet1.xml");

/**
 * The data rows whose XML is whole in the part of an XLSX handed to the response, counted as the
 * client would read them: the sheet's zip entry (exceljs writes it third, after the theme and the
 * package relations, all with data descriptors) is inflated as its bytes are taken, and a row counts
 * once the next row or the end of the sheet data has arrived. Inflating costs a fraction of what
 * deflating it did; nothing is kept but a few bytes of header and the count.
 */
class SentSheetRows {
  /** Bytes before the sheet's data, until its local header has been found (a few kB). */
  #head: Buffer | null = Buffer.alloc(0);
  #inflate: zlib.InflateRaw | null = null;
  /** The inflater has ended (the sheet is whole) or failed: nothing more to count. */
  #done = false;
  #rowStarts = 0;
  #sheetDataEnded = false;
  #tail = "";

  feed(piece: Buffer): void {
    if (this.#done) return;
    if (this.#head) {
      const head = Buffer.concat([this.#head, piece]);
      const at = this.#findSheet(head);
      if (at === null) {
        this.#head = head;
        return;
      }
      this.#head = null;
      const inflate = zlib.createInflateRaw();
      inflate.on("data", (chunk: Buffer) => this.#count(chunk));
      inflate.on("end", () => (this.#done = true));
      // Past the sheet's end come the next entries: an inflater that has ended or fails counts no more.
      inflate.on("error", () => (this.#done = true));
      this.#inflate = inflate;
      piece = head.subarray(at);
    }
    this.#inflate?.write(piece);
  }

  /** Data rows whole so far (the header row is not one). */
  async count(): Promise<number> {
    const inflate = this.#inflate;
    if (inflate && !this.#done) {
      // Everything written so far, inflated and counted.
      await new Promise<void>((resolve) => inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    inflate?.destroy();
    this.#done = true;
    const whole = this.#sheetDataEnded ? this.#rowStarts : Math.max(0, this.#rowStarts - 1);
    return Math.max(0, whole - 1);
  }

  /** Where the sheet entry's data starts in `bytes`, or null before its local header is whole. */
  #findSheet(bytes: Buffer): number | null {
    for (let at = bytes.indexOf(LOCAL_HEADER); at >= 0; at = bytes.indexOf(LOCAL_HEADER, at + 1)) {
      if (at + 30 > bytes.length) return null;
      const nameLength = bytes.readUInt16LE(at + 26);
      const extraLength = bytes.readUInt16LE(at + 28);
      if (at + 30 + nameLength + extraLength > bytes.length) return null;
      if (nameLength === SHEET_ENTRY.length && bytes.subarray(at + 30, at + 30 + nameLength).equals(SHEET_ENTRY)) return at + 30 + nameLength + extraLength;
    }
    return null;
  }

  #count(chunk: Buffer): void {
    // Tags are ASCII; text is escaped (no "<" in it) and UTF-8's other bytes are >= 0x80.
    const text = this.#tail + chunk.toString("latin1");
    for (let at = text.indexOf("<row ", Math.max(0, this.#tail.length - 4)); at >= 0; at = text.indexOf("<row ", at + 1)) this.#rowStarts++;
    if (text.includes("</sheetData>")) this.#sheetDataEnded = true;
    this.#tail = text.slice(-11);
  }
}
