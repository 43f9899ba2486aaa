// Reading a board's renewal roster CSV (browser-safe, pure): the file's bytes become the rows to keep
// and, for every other row, its physical line, a sentence saying what is wrong, and the raw text.
// Problems with the whole file (not text, no header, too big, duplicated licensees) stop the upload.
import { parse } from "csv-parse/browser/esm/sync";
import { z } from "zod";
import { isValidNpi } from "../../db/generator/npi";

export const ROSTER_LIMITS = {
  /** 5 MB: about 60,000 rows of a typical roster. */
  maxBytes: 5 * 1024 * 1024,
  maxRows: 100_000,
} as const;

/** One licensee's cycle as the board lists it. */
export interface RosterRow {
  /** Physical line of the file the row starts on (the header is line 1). */
  line: number;
  /** Licence id (state board) or board id (certifying board), trimmed and upper-cased. */
  rosterKey: string;
  firstName: string;
  lastName: string;
  birthMonth: number;
  birthDay: number;
  npi: string | null;
  /** YYYY-MM-DD. */
  cycleEnd: string;
}

export interface RosterRowProblem {
  line: number;
  reason: string;
  raw: string;
}

export type RosterParseResult =
  | {
      ok: true;
      rows: RosterRow[];
      errors: RosterRowProblem[];
      /** Rows read (kept plus rejected); blank lines are not rows. */
      totalRows: number;
      /** What the file calls its id column ("licence id", "board id" or "id"). */
      keyLabel: string;
      /** Header names that are not roster columns (read past, not an error). */
      ignoredColumns: string[];
      encoding: "utf-8" | "utf-16" | "windows-1252";
    }
  | { ok: false; problem: string };

// ---------------------------------------------------------------- columns

export const ROSTER_FIELDS = ["rosterKey", "firstName", "lastName", "birth", "npi", "cycleEnd"] as const;
export type RosterField = (typeof ROSTER_FIELDS)[number];

/** Accepted header names (after lower-casing and turning spaces, hyphens and dots into underscores). */
const ALIASES: Record<RosterField, readonly string[]> = {
  rosterKey: [
    "licence_id", "license_id", "licence", "license", "licence_number", "license_number", "licence_no", "license_no",
    "board_id", "certificate_id", "diplomate_id", "id",
  ],
  firstName: ["first_name", "firstname", "first", "given_name"],
  lastName: ["last_name", "lastname", "last", "surname", "family_name"],
  birth: ["birth_date", "birth_mmdd", "birthdate", "date_of_birth", "dob", "birth_month_day", "birthday"],
  npi: ["npi", "npi_number"],
  cycleEnd: [
    "cycle_end", "cycle_end_date", "expiry_date", "expiration_date", "expiry", "expiration", "expires",
    "licence_expiry", "license_expiry", "licence_expiration", "license_expiration", "license_expiration_date",
  ],
};

const REQUIRED: readonly RosterField[] = ["rosterKey", "firstName", "lastName", "birth", "cycleEnd"];

const FIELD_NAMES: Record<RosterField, string> = {
  rosterKey: "licence or board id (licence_id, license_id, board_id or id)",
  firstName: "first name (first_name)",
  lastName: "last name (last_name)",
  birth: "birth date as MM/DD (birth_date or birth_mmdd)",
  npi: "NPI (npi)",
  cycleEnd: "cycle end (cycle_end, expiry_date or expiration_date)",
};

export function normaliseHeader(name: string): string {
  return name
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase()
    .replace(/[\s\-.]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

const FIELD_BY_ALIAS = new Map<string, RosterField>(ROSTER_FIELDS.flatMap((field) => ALIASES[field].map((alias) => [alias, field] as const)));

function keyLabelFor(alias: string): string {
  if (alias.startsWith("licen")) return "licence id";
  if (alias === "id") return "id";
  return "board id";
}

function cycleEndLabelFor(alias: string): string {
  if (alias.includes("expir")) return alias.includes("expiry") ? "expiry date" : "expiration date";
  return "cycle end";
}

// ---------------------------------------------------------------- values

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A value as quoted in a message: short, on one line. */
function shown(value: string): string {
  const flat = value.replace(/\s+/g, " ");
  return `“${flat.length > 40 ? `${flat.slice(0, 39)}…` : flat}”`;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const max = month === 2 ? (leap ? 29 : 28) : (DAYS_IN_MONTH[month - 1] as number);
  return day <= max;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** A required text cell: trimmed; empty is an issue named after the field. */
function required(label: string) {
  return z.string().transform((value, ctx) => {
    const text = value.trim();
    if (text === "") {
      ctx.addIssue({ code: "custom", message: `${capitalise(label)} is empty.` });
      return z.NEVER;
    }
    return text;
  });
}

function rosterKeyField(label: string) {
  return required(label).transform((text, ctx) => {
    if (text.length > 30) {
      ctx.addIssue({ code: "custom", message: `${capitalise(label)} ${shown(text)} is longer than 30 characters.` });
      return z.NEVER;
    }
    if (!/^[A-Za-z0-9.-]+$/.test(text)) {
      ctx.addIssue({ code: "custom", message: `${capitalise(label)} ${shown(text)} may only have letters, digits, dots and hyphens.` });
      return z.NEVER;
    }
    return text.toUpperCase();
  });
}

function nameField(label: string) {
  return required(label).transform((text, ctx) => {
    const name = text.replace(/\s+/g, " ");
    if (name.length > 60) {
      ctx.addIssue({ code: "custom", message: `${capitalise(label)} ${shown(name)} is longer than 60 characters.` });
      return z.NEVER;
    }
    if (!/^[\p{L}\p{M}' .\-’]+$/u.test(name) || !/\p{L}/u.test(name)) {
      ctx.addIssue({
        code: "custom",
        message: `${capitalise(label)} ${shown(name)} has characters a name cannot have (use letters, spaces, apostrophes, hyphens and periods).`,
      });
      return z.NEVER;
    }
    return name;
  });
}

/** MM/DD (also M/D); a full date (MM/DD/YYYY or YYYY-MM-DD) is accepted and its year dropped. */
const birthField = required("birth date").transform((text, ctx) => {
  const short = /^(\d{1,2})[/-](\d{1,2})$/.exec(text);
  if (short) {
    const [month, day] = [Number(short[1]), Number(short[2])];
    if (!isRealDate(2000, month, day)) {
      ctx.addIssue({ code: "custom", message: `Birth date ${shown(text)} is not a real MM/DD.` });
      return z.NEVER;
    }
    return { month, day };
  }
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const full = us ? [us[3], us[1], us[2]] : iso ? [iso[1], iso[2], iso[3]] : null;
  if (full) {
    const [year, month, day] = full.map(Number) as [number, number, number];
    if (!isRealDate(year, month, day)) {
      ctx.addIssue({ code: "custom", message: `Birth date ${shown(text)} is not a real date.` });
      return z.NEVER;
    }
    return { month, day };
  }
  ctx.addIssue({ code: "custom", message: `Birth date ${shown(text)} is not MM/DD (for example 03/17).` });
  return z.NEVER;
});

const npiField = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const text = (value ?? "").trim();
    if (text === "") return null;
    if (!/^\d{10}$/.test(text)) {
      ctx.addIssue({ code: "custom", message: `NPI ${shown(text)} is not 10 digits.` });
      return z.NEVER;
    }
    if (!isValidNpi(text)) {
      ctx.addIssue({ code: "custom", message: `NPI ${shown(text)} fails the NPI check digit (a digit is wrong).` });
      return z.NEVER;
    }
    return text;
  });

/** YYYY-MM-DD or MM/DD/YYYY (also M/D/YYYY, and M/D/YY as 20YY, as Excel writes US dates). */
function cycleEndField(label: string) {
  return required(label).transform((text, ctx) => {
    const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
    const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})$/.exec(text);
    if (!iso && !us) {
      ctx.addIssue({ code: "custom", message: `${capitalise(label)} ${shown(text)} is not a date (use YYYY-MM-DD or MM/DD/YYYY).` });
      return z.NEVER;
    }
    const [year, month, day] = iso
      ? [Number(iso[1]), Number(iso[2]), Number(iso[3])]
      : [(us?.[3]?.length === 2 ? 2000 : 0) + Number(us?.[3]), Number(us?.[1]), Number(us?.[2])];
    if (!isRealDate(year, month, day)) {
      ctx.addIssue({ code: "custom", message: `${capitalise(label)} ${shown(text)} is not a real date.` });
      return z.NEVER;
    }
    if (year < 2000 || year > 2100) {
      ctx.addIssue({ code: "custom", message: `${capitalise(label)} ${shown(text)} is not between 2000 and 2100.` });
      return z.NEVER;
    }
    return `${year}-${pad2(month)}-${pad2(day)}`;
  });
}

/** The schema of one row's cells (by roster field), labelled as the file names its columns. */
export function rosterRowSchema(labels: { rosterKey: string; cycleEnd: string } = { rosterKey: "licence id", cycleEnd: "cycle end" }) {
  return z.object({
    rosterKey: rosterKeyField(labels.rosterKey),
    firstName: nameField("first name"),
    lastName: nameField("last name"),
    birth: birthField,
    npi: npiField,
    cycleEnd: cycleEndField(labels.cycleEnd),
  });
}

// ---------------------------------------------------------------- bytes to text

type Decoded = { ok: true; text: string; encoding: "utf-8" | "utf-16" | "windows-1252" } | { ok: false; problem: string };

const startsWith = (bytes: Uint8Array, ...prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

const NOT_TEXT = "The file is not a CSV text file. Save the roster as CSV (in Excel: File › Save As › CSV UTF-8) and upload that.";

function decode(content: Uint8Array | string): Decoded {
  if (typeof content === "string") {
    return content.includes("\0") ? { ok: false, problem: NOT_TEXT } : { ok: true, text: content, encoding: "utf-8" };
  }
  const bytes = content;
  if (startsWith(bytes, 0x50, 0x4b, 0x03, 0x04)) {
    return { ok: false, problem: "The file is an Excel workbook (.xlsx) or another zip archive, not CSV. In Excel use File › Save As › CSV UTF-8, then upload the .csv file." };
  }
  if (startsWith(bytes, 0xd0, 0xcf, 0x11, 0xe0)) {
    return { ok: false, problem: "The file is an old Excel workbook (.xls), not CSV. In Excel use File › Save As › CSV UTF-8, then upload the .csv file." };
  }
  if (startsWith(bytes, 0x25, 0x50, 0x44, 0x46)) return { ok: false, problem: "The file is a PDF, not CSV. Upload the roster as a CSV file." };
  // Excel's "Unicode Text" is UTF-16 with a byte-order mark.
  if (startsWith(bytes, 0xff, 0xfe) || startsWith(bytes, 0xfe, 0xff)) {
    const text = new TextDecoder(bytes[0] === 0xff ? "utf-16le" : "utf-16be").decode(bytes);
    return text.includes("\0") ? { ok: false, problem: NOT_TEXT } : { ok: true, text, encoding: "utf-16" };
  }
  if (bytes.includes(0)) return { ok: false, problem: NOT_TEXT };
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), encoding: "utf-8" };
  } catch {
    // Not UTF-8: Excel's plain "CSV" on Windows writes windows-1252 (é as one byte).
    return { ok: true, text: new TextDecoder("windows-1252").decode(bytes), encoding: "windows-1252" };
  }
}

function byteLength(content: Uint8Array | string): number {
  return typeof content === "string" ? new TextEncoder().encode(content).length : content.length;
}

/** Control characters other than tab, line feed and carriage return: text files have next to none. */
function looksBinary(text: string): boolean {
  let control = 0;
  const sample = text.length > 200_000 ? text.slice(0, 200_000) : text;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) control++;
  }
  return control > 0 && control / sample.length > 0.001;
}

/** The separator the header line uses: comma, semicolon (European Excel) or tab. */
function detectDelimiter(text: string): string {
  const firstLine = text.slice(0, Math.min(text.length, 4096)).split(/\r\n|\n|\r/, 1)[0] ?? "";
  const count = (c: string) => firstLine.split(c).length - 1;
  const candidates = [",", ";", "\t"].map((c) => [c, count(c)] as const).sort((a, b) => b[1] - a[1]);
  return (candidates[0] as readonly [string, number])[1] > 0 ? (candidates[0] as readonly [string, number])[0] : ",";
}

// ---------------------------------------------------------------- the file

interface CsvRecord {
  record: string[];
  raw: string;
  info: { lines: number };
}

const isBlank = (cells: string[]) => cells.every((c) => c.trim() === "");
const rawLine = (raw: string) => {
  const text = raw.replace(/(\r\n|\n|\r)$/, "");
  return text.length > 1000 ? `${text.slice(0, 999)}…` : text;
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

export function parseRosterCsv(content: Uint8Array | string): RosterParseResult {
  const size = byteLength(content);
  if (size === 0) return { ok: false, problem: "The file is empty." };
  if (size > ROSTER_LIMITS.maxBytes) {
    return { ok: false, problem: `The file is ${(size / 1024 / 1024).toFixed(1)} MB; the limit is ${ROSTER_LIMITS.maxBytes / 1024 / 1024} MB. Split the roster into smaller files.` };
  }
  const decoded = decode(content);
  if (!decoded.ok) return decoded;
  const text = decoded.text.replace(/^\uFEFF/, "");
  if (text.trim() === "") return { ok: false, problem: "The file is empty." };
  if (looksBinary(text)) return { ok: false, problem: NOT_TEXT };

  let lastEnd = 0;
  let records: CsvRecord[];
  try {
    records = parse(text, {
      delimiter: detectDelimiter(text),
      record_delimiter: ["\r\n", "\n", "\r"],
      info: true,
      raw: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      on_record: (record, context) => {
        lastEnd = context.lines;
        return record;
      },
    }) as unknown as CsvRecord[];
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "CSV_QUOTE_NOT_CLOSED") {
      return {
        ok: false,
        problem: `A value starting with a double quote (") on line ${lastEnd + 1} is never closed, so the rest of the file cannot be read. Check that line for a stray quote.`,
      };
    }
    return { ok: false, problem: `The file could not be read as CSV near line ${lastEnd + 1}.` };
  }

  // Each record starts on the line after the previous one ended (blank lines are records too).
  const lines: Array<{ line: number; cells: string[]; raw: string }> = [];
  let previousEnd = 0;
  for (const r of records) {
    lines.push({ line: previousEnd + 1, cells: r.record, raw: r.raw });
    previousEnd = r.info.lines;
  }
  const headerIndex = lines.findIndex((l) => !isBlank(l.cells));
  if (headerIndex < 0) return { ok: false, problem: "The file is empty." };
  const header = lines[headerIndex]!;

  const columns = new Map<RosterField, { index: number; alias: string; name: string }>();
  const ignoredColumns: string[] = [];
  for (const [index, name] of header.cells.entries()) {
    const alias = normaliseHeader(name);
    const field = FIELD_BY_ALIAS.get(alias);
    if (!field) {
      if (alias !== "") ignoredColumns.push(name.trim());
      continue;
    }
    const existing = columns.get(field);
    if (existing) {
      return { ok: false, problem: `Two columns give the ${FIELD_NAMES[field].replace(/ \(.*$/, "")}: “${existing.name.trim()}” and “${name.trim()}”. Keep one of them.` };
    }
    columns.set(field, { index, alias, name });
  }
  const missing = REQUIRED.filter((f) => !columns.has(f));
  if (missing.length) {
    return {
      ok: false,
      problem: `The first line must be a header naming the columns. Missing: ${missing.map((f) => FIELD_NAMES[f]).join("; ")}.`,
    };
  }
  const body = lines.slice(headerIndex + 1).filter((l) => !isBlank(l.cells));
  if (body.length === 0) return { ok: false, problem: "The file has a header but no rows." };
  if (body.length > ROSTER_LIMITS.maxRows) {
    return { ok: false, problem: `The file has ${plural(body.length, "row")}; the limit is ${ROSTER_LIMITS.maxRows.toLocaleString("en-US")}. Split the roster into smaller files.` };
  }

  const keyLabel = keyLabelFor(columns.get("rosterKey")!.alias);
  const schema = rosterRowSchema({ rosterKey: keyLabel, cycleEnd: cycleEndLabelFor(columns.get("cycleEnd")!.alias) });
  const width = header.cells.length;
  const rows: RosterRow[] = [];
  const errors: RosterRowProblem[] = [];
  for (const { line, cells, raw } of body) {
    if (cells.length !== width) {
      errors.push({
        line,
        reason:
          cells.length > width
            ? `The row has ${plural(cells.length, "value")} but the header has ${plural(width, "column")} (a value with a comma in it must be in double quotes).`
            : `The row has ${plural(cells.length, "value")} but the header has ${plural(width, "column")}.`,
        raw: rawLine(raw),
      });
      continue;
    }
    const input: Partial<Record<RosterField, string>> = {};
    for (const [field, column] of columns) input[field] = cells[column.index] ?? "";
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      errors.push({ line, reason: parsed.error.issues.map((i) => i.message).join(" "), raw: rawLine(raw) });
      continue;
    }
    const v = parsed.data;
    rows.push({
      line,
      rosterKey: v.rosterKey,
      firstName: v.firstName,
      lastName: v.lastName,
      birthMonth: v.birth.month,
      birthDay: v.birth.day,
      npi: v.npi,
      cycleEnd: v.cycleEnd,
    });
  }

  // A licensee's cycle twice: which of the two is right is the board's call, not ours.
  const seen = new Map<string, number>();
  const duplicates: string[] = [];
  let duplicateCount = 0;
  for (const row of rows) {
    const key = `${row.rosterKey}\u0000${row.cycleEnd}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, row.line);
      continue;
    }
    duplicateCount++;
    if (duplicates.length < 3) duplicates.push(`${keyLabel} ${row.rosterKey} with cycle end ${row.cycleEnd} is on lines ${first} and ${row.line}`);
  }
  if (duplicateCount) {
    const more = duplicateCount - duplicates.length;
    return {
      ok: false,
      problem: `${capitalise(duplicates.join("; "))}${more > 0 ? ` (and ${plural(more, "more duplicate")})` : ""}. Each licensee's cycle may appear once: remove the duplicates and upload the file again.`,
    };
  }
  return { ok: true, rows, errors, totalRows: body.length, keyLabel, ignoredColumns, encoding: decoded.encoding };
}
