// Reading a roster CSV as a stream (csv-parse's stream API): the bytes are decoded a slice at a time,
// each slice is parsed and its records checked as they arrive, and the reader yields to the event
// loop between slices, so other users' requests are served while a large file is read. Blank lines
// are skipped by the parser; lines of only separators or white space are dropped as they arrive.
// The row limit is enforced as rows arrive: the record after the last allowed one stops the reading
// and destroys the parser. Memory and time are bounded by the size and row limits, not by what the
// file holds. The rows are handed to the consumer (an upload's staging table) a batch at a time, so
// what is held across the file is the duplicate check's keys and counts, not the rows.
// The per-record work (header, row validation, duplicate check) is in domain/roster-csv.ts.
import { isUtf8 } from "node:buffer";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import { CsvError, parse } from "csv-parse";
import {
  DuplicateCycles,
  EMPTY_FILE,
  NO_ROWS,
  NOT_TEXT,
  ROSTER_LIMITS,
  SNIFF_CHARS,
  detectDelimiter,
  isBlankRecord,
  lineTooLongProblem,
  looksBinary,
  readRosterHeader,
  sniffRosterBytes,
  tooBigProblem,
  tooManyColumnsProblem,
  tooManyRowsProblem,
  type RosterEncoding,
  type RosterHeader,
  type RosterParseResult,
  type RosterRow,
  type RosterRowProblem,
} from "../../domain/roster-csv";
import { readRosterRow } from "../../domain/roster-csv";
import type { AttributeDefinition, AttributeKey } from "../../domain/licensee-attributes";

/** Bytes decoded (and characters parsed) between two turns of the event loop. */
const SLICE = 16 * 1024;

export interface RosterReadOptions {
  /** Rows allowed (blank lines are not rows); ROSTER_LIMITS.maxRows unless a test says otherwise. */
  maxRows?: number;
  /** Called once per turn given back to the event loop (tests count them). */
  onYield?: () => void;
  /** The licensee attributes the organisation keeps: the only attribute columns the header may have (none given: attribute columns are ignored). */
  attributes?: readonly AttributeDefinition[];
}

/** Rows (kept and rejected) handed to the consumer at a time. */
export const ROSTER_BATCH_ROWS = 2_000;

/** A batch of a file's rows: the ones kept and the rejected ones' problems, each in file order. */
export interface RosterBatch {
  rows: RosterRow[];
  problems: RosterRowProblem[];
}

export interface RosterStreamOptions extends RosterReadOptions {
  /**
   * Takes the rows a batch at a time (ROSTER_BATCH_ROWS rows, kept or rejected, unless a test says
   * otherwise), in file order; the reading waits for it, so at most one batch is held. A whole-file
   * problem found later (too many rows, duplicated licensees, a quote never closed) comes after some
   * batches were handed over: the consumer must drop them (the upload's transaction rolls back).
   */
  onBatch: (batch: RosterBatch) => Promise<void>;
  batchRows?: number;
}

/** What a streamed read leaves besides its batches: the counts and what the header said. */
export type RosterStreamResult =
  | ({ ok: true; acceptedRows: number; rejectedRows: number } & Omit<Extract<RosterParseResult, { ok: true }>, "ok" | "rows" | "errors">)
  | { ok: false; problem: string };

/** A whole-file problem found while reading: stops the stream. */
export class Refused extends Error {
  constructor(readonly problem: string) {
    super(problem);
  }
}
/** The bytes are not UTF-8 after all: read them again as windows-1252. */
class NotUtf8 extends Error {}

interface CsvRecord {
  record: string[];
  raw: string;
}

const CR = 13;
const LF = 10;

/** Line ends at the start of a raw record: the blank lines skipped before it. */
function leadingBreaks(raw: string): number {
  let i = 0;
  while (i < raw.length && (raw.charCodeAt(i) === CR || raw.charCodeAt(i) === LF)) i++;
  return i;
}

/** Line ends in a raw record, a CR LF pair counted once. */
function lineBreaks(raw: string): number {
  let breaks = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === LF) breaks++;
    else if (c === CR) {
      breaks++;
      if (raw.charCodeAt(i + 1) === LF) i++;
    }
  }
  return breaks;
}

/** The text of a file, a slice at a time (a slice ends where the decoder can end it). */
function* decodeSlices(bytes: Uint8Array, encoding: "utf-8" | "utf-16le" | "utf-16be" | "windows-1252"): Generator<string> {
  const fatal = encoding === "utf-8";
  const decoder = new TextDecoder(encoding, { fatal, ignoreBOM: false });
  try {
    for (let at = 0; at < bytes.length; at += SLICE) yield decoder.decode(bytes.subarray(at, at + SLICE), { stream: true });
    yield decoder.decode();
  } catch (error) {
    if (fatal && error instanceof TypeError) throw new NotUtf8();
    throw error;
  }
}

function* stringSlices(text: string): Generator<string> {
  for (let at = 0; at < text.length; at += SLICE) yield text.slice(at, at + SLICE);
}

const QUOTE = 34;

/**
 * Counts the values of each record as the text streams by, the way csv-parse splits them with the
 * reader's options (a double quote opens a quoted value only at the start of a value, `""` inside
 * one is a quote, a quote followed by anything but a separator or a line end is taken as text), and
 * refuses the file at the first record with more than `max` values, naming its physical line.
 */
export class ColumnCounter {
  readonly #delimiter: number;
  #quoting = false;
  /** Characters of the current value (a quote opens a quoted value only at its start). */
  #valueLength = 0;
  /** Separators so far in the current record. */
  #separators = 0;
  /** Physical line of the text scanned so far (1-based), and whether the last character was a CR. */
  #line = 1;
  #afterCr = false;
  /** A quote at the very end of the last slice, inside a quoted value: decided by the next character. */
  #pendingQuote = false;

  constructor(
    delimiter: string,
    readonly max: number,
  ) {
    this.#delimiter = delimiter.charCodeAt(0);
  }

  scan(text: string): void {
    const d = this.#delimiter;
    let i = 0;
    if (this.#pendingQuote) {
      this.#pendingQuote = false;
      i = this.#closingQuote(text, -1) + 1;
    }
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const lineEnd = c === LF || c === CR;
      if (lineEnd) {
        if (!(c === LF && this.#afterCr)) this.#line++;
        this.#afterCr = c === CR;
      } else {
        this.#afterCr = false;
      }
      if (this.#quoting) {
        if (c !== QUOTE) continue;
        if (i + 1 === text.length) {
          this.#pendingQuote = true;
          return;
        }
        i = this.#closingQuote(text, i);
        continue;
      }
      if (c === QUOTE && this.#valueLength === 0) {
        this.#quoting = true;
      } else if (c === d) {
        this.#valueLength = 0;
        if (++this.#separators >= this.max) throw new Refused(tooManyColumnsProblem(this.#line));
      } else if (lineEnd) {
        this.#valueLength = 0;
        this.#separators = 0;
      } else {
        this.#valueLength++;
      }
    }
  }

  /** After a quote at `at` inside a quoted value: where to go on from (the index last consumed). */
  #closingQuote(text: string, at: number): number {
    const next = text.charCodeAt(at + 1);
    if (next === QUOTE) return at + 1; // "" is a quote in the value
    // Followed by a separator or a line end it closes the value; by anything else (relax_quotes)
    // it is text, and the value goes on unquoted.
    this.#quoting = false;
    this.#valueLength = 1;
    return at;
  }
}

/**
 * Reads a roster CSV (bytes as uploaded, or text): the rows to keep, every bad row with its line and
 * reason, or the whole-file problem. UTF-8 (with or without BOM), UTF-16 with BOM, or windows-1252.
 * Every row is kept in memory: for tests and small files; an upload streams with `streamRosterCsv`.
 */
export async function parseRosterCsv(content: Uint8Array | string, options: RosterReadOptions = {}): Promise<RosterParseResult> {
  const rows: RosterRow[] = [];
  const errors: RosterRowProblem[] = [];
  const read = await streamRosterCsv(content, {
    ...options,
    onBatch: async (batch) => {
      for (const row of batch.rows) rows.push(row);
      for (const problem of batch.problems) errors.push(problem);
    },
  });
  if (!read.ok) return read;
  const { acceptedRows: _accepted, rejectedRows: _rejected, ...rest } = read;
  return { ...rest, rows, errors };
}

/**
 * Reads a roster CSV as `parseRosterCsv` does, handing the rows and the bad rows' problems to
 * `options.onBatch` a batch at a time instead of keeping them: all it holds across the file is the
 * (key, cycle end) pairs of the duplicate check (strings, about 10 MB at 100,000 rows) and counts.
 */
export async function streamRosterCsv(content: Uint8Array | string, options: RosterStreamOptions): Promise<RosterStreamResult> {
  const size = typeof content === "string" ? Buffer.byteLength(content) : content.length;
  const sizeProblem = tooBigProblem(size);
  if (sizeProblem) return { ok: false, problem: sizeProblem };
  if (typeof content === "string") {
    if (content.includes("\0")) return { ok: false, problem: NOT_TEXT };
    return readText(stringSlices(content), "utf-8", options);
  }
  const sniffed = sniffRosterBytes(content);
  if (!sniffed.ok) return sniffed;
  if (sniffed.decoder !== "utf-8") return readText(decodeSlices(content, sniffed.decoder), "utf-16", options);
  // Decided before any row is handed over (rows of a first, UTF-8 reading would be handed over
  // twice): not UTF-8 is Excel's plain "CSV" on Windows, windows-1252 (é as one byte).
  if (isUtf8(content)) return readText(decodeSlices(content, "utf-8"), "utf-8", options);
  return readText(decodeSlices(content, "windows-1252"), "windows-1252", options);
}

async function readText(slices: Iterator<string>, encoding: RosterEncoding, options: RosterStreamOptions): Promise<RosterStreamResult> {
  const maxRows = options.maxRows ?? ROSTER_LIMITS.maxRows;
  // The start of the file (at most SNIFF_CHARS and a slice) decides whether it is text and which separator it uses.
  let start = "";
  let ended = false;
  while (start.length < SNIFF_CHARS) {
    const next = slices.next();
    if (next.done) {
      ended = true;
      break;
    }
    start += next.value;
  }
  start = start.replace(/^\uFEFF/, "");
  if (ended && start.trim() === "") return { ok: false, problem: EMPTY_FILE };
  if (start.includes("\0") || looksBinary(start)) return { ok: false, problem: NOT_TEXT };
  const delimiter = detectDelimiter(start);

  const columns = new ColumnCounter(delimiter, ROSTER_LIMITS.maxColumns);
  // The text, a slice at a time, with a turn of the event loop before each slice but the first.
  async function* text(): AsyncGenerator<string> {
    for await (const slice of unchecked()) {
      columns.scan(slice);
      yield slice;
    }
  }
  async function* unchecked(): AsyncGenerator<string> {
    let first = true;
    const turn = async () => {
      if (first) {
        first = false;
        return;
      }
      await nextTurn();
      options.onYield?.();
    };
    for (let at = 0; at < start.length; at += SLICE) {
      await turn();
      await pending;
      yield start.slice(at, at + SLICE);
    }
    start = "";
    while (!ended) {
      const next = slices.next();
      if (next.done) break;
      // A UTF-16 file's NULs were only checked in its first slices.
      if (next.value.includes("\0")) throw new Refused(NOT_TEXT);
      await turn();
      await pending;
      yield next.value;
    }
    // The end of the text (and the parser's end-of-file checks) only after the batches so far are taken.
    await pending;
  }

  // Lines are counted from each record's raw text, which holds the line ends of the blank lines
  // skipped before it (one character each), the record with any quoted line breaks, and the first
  // character of its own line end. (csv-parse's `info` would give the lines too, but copying it for
  // every record costs more than parsing the record.)
  //
  // One record is bounded while it is read: its values' characters by max_record_size (which does
  // not count separators), the number of its values by a ColumnCounter run over each slice before
  // the parser sees it (a line of 5 MB of separators stops at the 101st value instead of becoming
  // an array of millions; csv-parse's `cast` hook could count them too, at 40 times the parse's
  // cost). Both refuse the whole file, naming the line.
  const parser = parse({
    delimiter,
    record_delimiter: ["\r\n", "\n", "\r"],
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: ROSTER_LIMITS.maxLineKb * 1024,
  });

  /** Line breaks before this record (the lines of every record and blank line so far). */
  let linesBefore = 0;
  let header: RosterHeader | null = null;
  let duplicates: DuplicateCycles | null = null;
  let totalRows = 0;
  let acceptedRows = 0;
  let rejectedRows = 0;
  const batchRows = options.batchRows ?? ROSTER_BATCH_ROWS;
  let batch: RosterBatch = { rows: [], problems: [] };
  // The records of a slice are taken as they are parsed, in order and at once (as before batches:
  // a row over the limit is refused before an error the parser finds later in the file); a full
  // batch is handed over while they go on, and the next slice is read only once it is taken. So a
  // batch holds at most batchRows and one slice's records, and one batch at a time is handed over.
  let pending: Promise<void> = Promise.resolve();
  const flush = () => {
    const full = batch;
    batch = { rows: [], problems: [] };
    if (full.rows.length + full.problems.length === 0) return;
    pending = pending.then(() => options.onBatch(full));
    // Seen by whoever awaits `pending` next (the reader, the sink's end, or the end of the read).
    pending.catch(() => undefined);
  };
  const sink = new Writable({
    objectMode: true,
    final(done) {
      flush();
      pending.then(
        () => done(),
        (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
      );
    },
    write(chunk: CsvRecord, _encoding, done) {
      const line = linesBefore + leadingBreaks(chunk.raw) + 1;
      linesBefore += lineBreaks(chunk.raw);
      if (isBlankRecord(chunk.record)) return done();
      if (!header) {
        const read = readRosterHeader(chunk.record, options.attributes);
        if (!read.ok) return done(new Refused(read.problem));
        header = read.header;
        duplicates = new DuplicateCycles(header.keyLabel);
        return done();
      }
      totalRows++;
      if (totalRows > maxRows) return done(new Refused(tooManyRowsProblem(maxRows)));
      const read = readRosterRow(header, line, chunk.record, chunk.raw);
      if ("row" in read) {
        duplicates?.add(read.row);
        acceptedRows++;
        batch.rows.push(read.row);
      } else {
        rejectedRows++;
        batch.problems.push(read.error);
      }
      if (batch.rows.length + batch.problems.length >= batchRows) flush();
      done();
    },
  });

  try {
    await pipeline(Readable.from(text()), parser, sink);
  } catch (error) {
    // A batch being handed over is finished (or failed) before the read ends, refused or not.
    await pending.catch(() => undefined);
    if (error instanceof Refused) return { ok: false, problem: error.problem };
    if (error instanceof CsvError) {
      // The record the parser stopped in starts after the blank lines at the start of its raw text.
      const raw = (error as CsvError & { raw?: unknown }).raw;
      const line = linesBefore + (typeof raw === "string" ? leadingBreaks(raw) : 0) + 1;
      // A record over the size limit that runs over several lines is a quote never closed (the
      // parser would have said so at the end of the file, had it gone on).
      const unclosed = error.code === "CSV_MAX_RECORD_SIZE" && typeof raw === "string" && /[\r\n]/.test(raw.slice(leadingBreaks(raw)).replace(/[\r\n]+$/, "")) && raw.includes('"');
      if (error.code === "CSV_MAX_RECORD_SIZE" && !unclosed) return { ok: false, problem: lineTooLongProblem(line) };
      if (error.code === "CSV_QUOTE_NOT_CLOSED" || unclosed) {
        return {
          ok: false,
          problem: `A value starting with a double quote (") on line ${line} is never closed, so the rest of the file cannot be read. Check that line for a stray quote.`,
        };
      }
      return { ok: false, problem: `The file could not be read as CSV near line ${line}.` };
    }
    throw error;
  }
  const read = header as RosterHeader | null;
  if (!read) return { ok: false, problem: EMPTY_FILE };
  if (totalRows === 0) return { ok: false, problem: NO_ROWS };
  const duplicated = (duplicates as DuplicateCycles | null)?.problem();
  if (duplicated) return { ok: false, problem: duplicated };
  return {
    ok: true,
    acceptedRows,
    rejectedRows,
    totalRows,
    keyLabel: read.keyLabel,
    ignoredColumns: read.ignoredColumns,
    attributeColumns: read.attributes.map((a) => a.definition.key as AttributeKey),
    encoding,
  };
}
