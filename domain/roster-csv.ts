// The pure pieces of reading a board's renewal roster CSV (browser-safe, no I/O): header names and
// their aliases, the validation of one row (its physical line, a sentence saying what is wrong, and
// the raw text), the sniffing of a file's first bytes, and the whole-file problems (not text, no
// header, too big, too many rows, duplicated licensees) that stop an upload. The file itself is
// read as a stream, one record at a time, by `streamRosterCsv` (rows handed over in batches) or `parseRosterCsv` in roster-csv-stream.server.ts.
import { z } from "zod";
import { isMonthDay, isRealDate } from "./calendar";
import { LICENSEE_ATTRIBUTES, parseAttributeValue, type AttributeDefinition, type AttributeKey, type LicenseeAttributes } from "./licensee-attributes";
import { isValidNpi } from "./npi";

export const ROSTER_LIMITS = {
  /** 5 MB: about 60,000 rows of a typical roster. */
  maxBytes: 5 * 1024 * 1024,
  maxRows: 100_000,
  /**
   * Characters of one record's values (csv-parse's max_record_size): a roster row is well under
   * 1 kB, so 64 kB is only ever a file that is not a roster or a quote never closed; without it one
   * 5 MB line was parsed into one 5 MB record.
   */
  maxLineKb: 64,
  /**
   * Values in one record: a roster has about 10 columns. Checked as each value is read, so a line of
   * 5 MB of separators stops at the 101st instead of becoming an array of 5 million values.
   */
  maxColumns: 100,
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
  /**
   * The licensee attributes the row supplies (the organisation's attribute columns): only the
   * cells with a value; an empty cell is "not supplied" and leaves what the board knew as it was.
   */
  attributes: LicenseeAttributes;
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
      /** The licensee attributes the file has columns for, in column order. */
      attributeColumns: AttributeKey[];
      encoding: RosterEncoding;
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
  rosterKey: "license number or board ID (license_id, licence_id, board_id or id)",
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
  if (alias.startsWith("licen")) return "license number";
  if (alias === "id") return "id";
  return "board ID";
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
    if (!isMonthDay(month, day)) {
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
export function rosterRowSchema(labels: { rosterKey: string; cycleEnd: string } = { rosterKey: "license number", cycleEnd: "cycle end" }) {
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

export type RosterEncoding = "utf-8" | "utf-16" | "windows-1252";

const startsWith = (bytes: Uint8Array, ...prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

export const NOT_TEXT = "The file is not a CSV text file. Save the roster as CSV (in Excel: File › Save As › CSV UTF-8) and upload that.";

/**
 * What the first bytes say the file is: refused (an office document, a PDF, binary with NUL bytes),
 * UTF-16 with a byte-order mark (Excel's "Unicode Text"), or 8-bit text to be read as UTF-8 (and as
 * windows-1252 if it is not valid UTF-8). Looks at the signature and searches for a NUL byte; it
 * never decodes the file.
 */
export function sniffRosterBytes(bytes: Uint8Array): { ok: true; decoder: "utf-8" | "utf-16le" | "utf-16be" } | { ok: false; problem: string } {
  if (startsWith(bytes, 0x50, 0x4b, 0x03, 0x04)) {
    return { ok: false, problem: "The file is an Excel workbook (.xlsx) or another zip archive, not CSV. In Excel use File › Save As › CSV UTF-8, then upload the .csv file." };
  }
  if (startsWith(bytes, 0xd0, 0xcf, 0x11, 0xe0)) {
    return { ok: false, problem: "The file is an old Excel workbook (.xls), not CSV. In Excel use File › Save As › CSV UTF-8, then upload the .csv file." };
  }
  if (startsWith(bytes, 0x25, 0x50, 0x44, 0x46)) return { ok: false, problem: "The file is a PDF, not CSV. Upload the roster as a CSV file." };
  // Excel's "Unicode Text" is UTF-16 with a byte-order mark (its NULs are half of every character).
  if (startsWith(bytes, 0xff, 0xfe)) return { ok: true, decoder: "utf-16le" };
  if (startsWith(bytes, 0xfe, 0xff)) return { ok: true, decoder: "utf-16be" };
  if (bytes.includes(0)) return { ok: false, problem: NOT_TEXT };
  return { ok: true, decoder: "utf-8" };
}

export function tooBigProblem(size: number): string | null {
  if (size === 0) return "The file is empty.";
  if (size > ROSTER_LIMITS.maxBytes) {
    return `The file is ${(size / 1024 / 1024).toFixed(1)} MB; the limit is ${ROSTER_LIMITS.maxBytes / 1024 / 1024} MB. Split the roster into smaller files.`;
  }
  return null;
}

/** How many characters of the file's start `looksBinary` and `detectDelimiter` look at. */
export const SNIFF_CHARS = 200_000;

/** Control characters other than tab, line feed and carriage return: text files have next to none. Reads at most SNIFF_CHARS. */
export function looksBinary(text: string): boolean {
  let control = 0;
  const length = Math.min(text.length, SNIFF_CHARS);
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) control++;
  }
  return control > 0 && control / length > 0.001;
}

/** The separator the header line uses: comma, semicolon (European Excel) or tab. */
export function detectDelimiter(text: string): string {
  const firstLine = text.slice(0, Math.min(text.length, 4096)).split(/\r\n|\n|\r/, 1)[0] ?? "";
  const count = (c: string) => firstLine.split(c).length - 1;
  const candidates = [",", ";", "\t"].map((c) => [c, count(c)] as const).sort((a, b) => b[1] - a[1]);
  return (candidates[0] as readonly [string, number])[1] > 0 ? (candidates[0] as readonly [string, number])[0] : ",";
}

// ---------------------------------------------------------------- the file, one record at a time
//
// The reader (app/lib/roster-csv-stream.server.ts) parses the file as a stream and hands each
// record here as it arrives: the first non-blank one is the header, every later non-blank one a
// row. Each step costs one record's work; nothing here looks at the whole file.

/** A record whose every value is empty or white space (a blank line, or only separators). */
export const isBlankRecord = (cells: readonly string[]) => cells.every((c) => c.trim() === "");

/** A row's text as shown with its error: without the line breaks around it (skipped blank lines included), at most 1,000 characters. */
export const rawLine = (raw: string) => {
  const text = raw.replace(/^[\r\n]+/, "").replace(/(\r\n|\n|\r)$/, "");
  return text.length > 1000 ? `${text.slice(0, 999)}…` : text;
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

export const EMPTY_FILE = "The file is empty.";
export const NO_ROWS = "The file has a header but no rows.";

export function lineTooLongProblem(line: number): string {
  return `Line ${line} is longer than ${ROSTER_LIMITS.maxLineKb} kB (a roster row is well under 1 kB), so the file was not read. Check that line: a double quote (") that is never closed makes the rest of the file one value.`;
}

export function tooManyColumnsProblem(line: number): string {
  return `Line ${line} has more than ${ROSTER_LIMITS.maxColumns} columns (a roster has about 10), so the file was not read. Check that the file is a roster, with one licensee per line.`;
}

export function tooManyRowsProblem(maxRows: number): string {
  return `The file has more rows than the limit of ${maxRows.toLocaleString("en-US")}. Split the roster into smaller files.`;
}

/** The columns a header names, and the schema its rows are read with. */
export interface RosterHeader {
  columns: Map<RosterField, { index: number; alias: string; name: string }>;
  /** The organisation's licensee attributes the file has a column for, in column order. */
  attributes: { index: number; definition: AttributeDefinition; name: string }[];
  width: number;
  keyLabel: string;
  ignoredColumns: string[];
  schema: ReturnType<typeof rosterRowSchema>;
}

/** A column name as attribute names are compared: case, spaces and punctuation ignored ("Patients 65+ %" → "patients65"). */
export function attributeHeaderKey(name: string): string {
  return name.replace(/^\uFEFF/, "").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
}

const ATTRIBUTE_BY_HEADER = new Map<string, AttributeDefinition>(
  LICENSEE_ATTRIBUTES.flatMap((a) => [a.key, a.label, ...a.aliases].map((name) => [attributeHeaderKey(name), a as AttributeDefinition] as const)),
);

/** The licensee attribute a column heading names (by key, label or alias), whichever organisation keeps it. */
export function attributeForHeader(name: string): AttributeDefinition | undefined {
  const key = attributeHeaderKey(name);
  return key === "" ? undefined : ATTRIBUTE_BY_HEADER.get(key);
}

function keptAttributesText(kept: readonly AttributeDefinition[]): string {
  return kept.length === 0
    ? "Your organization keeps no licensee attributes, so remove the column."
    : `The attributes your organization keeps are: ${kept.map((a) => a.label).join("; ")}. Remove the column or rename it to one of these.`;
}

/**
 * The header record: which column gives which field (and which of the organisation's licensee
 * attributes, `kept`), or what is wrong with it (a whole-file problem). A column naming an attribute
 * the organisation does not keep is refused here, naming the ones it keeps. Without `kept`,
 * attribute columns are not read (ignored like any other column).
 */
export function readRosterHeader(cells: readonly string[], kept?: readonly AttributeDefinition[]): { ok: true; header: RosterHeader } | { ok: false; problem: string } {
  const columns = new Map<RosterField, { index: number; alias: string; name: string }>();
  const attributes: RosterHeader["attributes"] = [];
  const ignoredColumns: string[] = [];
  for (const [index, name] of cells.entries()) {
    const alias = normaliseHeader(name);
    const field = FIELD_BY_ALIAS.get(alias);
    if (!field) {
      const definition = kept ? attributeForHeader(name) : undefined;
      if (kept && definition) {
        if (!kept.some((k) => k.key === definition.key)) {
          return { ok: false, problem: `The column “${name.trim().slice(0, 60)}” gives “${definition.label}”, which your organization does not keep. ${keptAttributesText(kept)}` };
        }
        const existing = attributes.find((a) => a.definition.key === definition.key);
        if (existing) {
          return { ok: false, problem: `Two columns give “${definition.label}”: “${existing.name.trim()}” and “${name.trim()}”. Keep one of them.` };
        }
        attributes.push({ index, definition, name });
        continue;
      }
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
  const keyLabel = keyLabelFor(columns.get("rosterKey")!.alias);
  const schema = rosterRowSchema({ rosterKey: keyLabel, cycleEnd: cycleEndLabelFor(columns.get("cycleEnd")!.alias) });
  return { ok: true, header: { columns, attributes, width: cells.length, keyLabel, ignoredColumns, schema } };
}

/** One row (a non-blank record after the header): the licensee's cycle, or the line's problem in a sentence. */
export function readRosterRow(header: RosterHeader, line: number, cells: readonly string[], raw: string): { row: RosterRow } | { error: RosterRowProblem } {
  const { width } = header;
  if (cells.length !== width) {
    return {
      error: {
        line,
        reason:
          cells.length > width
            ? `The row has ${plural(cells.length, "value")} but the header has ${plural(width, "column")} (a value with a comma in it must be in double quotes).`
            : `The row has ${plural(cells.length, "value")} but the header has ${plural(width, "column")}.`,
        raw: rawLine(raw),
      },
    };
  }
  const input: Partial<Record<RosterField, string>> = {};
  for (const [field, column] of header.columns) input[field] = cells[column.index] ?? "";
  const parsed = header.schema.safeParse(input);
  // The attribute cells: a bad value rejects the row (never half-written), named with the others.
  const attributes: LicenseeAttributes = {};
  const attributeProblems: string[] = [];
  for (const column of header.attributes) {
    const value = parseAttributeValue(column.definition, cells[column.index] ?? "");
    if (!value.ok) attributeProblems.push(`${value.message.replace(/[.]?$/, ".")}`);
    else if (value.value !== null) attributes[column.definition.key as AttributeKey] = value.value;
  }
  if (!parsed.success || attributeProblems.length > 0) {
    const problems = [...(parsed.success ? [] : parsed.error.issues.map((i) => i.message)), ...attributeProblems];
    return { error: { line, reason: problems.join(" "), raw: rawLine(raw) } };
  }
  const v = parsed.data;
  return {
    row: {
      line,
      rosterKey: v.rosterKey,
      firstName: v.firstName,
      lastName: v.lastName,
      birthMonth: v.birth.month,
      birthDay: v.birth.day,
      npi: v.npi,
      cycleEnd: v.cycleEnd,
      attributes,
    },
  };
}

/**
 * Tracks the licensee cycles seen so far: a cycle twice is a whole-file problem (which of the two
 * rows is right is the board's call, not ours). One map lookup per row.
 */
export class DuplicateCycles {
  private readonly seen = new Map<string, number>();
  private readonly named: string[] = [];
  private count = 0;
  constructor(private readonly keyLabel: string) {}

  add(row: RosterRow): void {
    const key = `${row.rosterKey}\u0000${row.cycleEnd}`;
    const first = this.seen.get(key);
    if (first === undefined) {
      this.seen.set(key, row.line);
      return;
    }
    this.count++;
    if (this.named.length < 3) this.named.push(`${this.keyLabel} ${row.rosterKey} with cycle end ${row.cycleEnd} is on lines ${first} and ${row.line}`);
  }

  problem(): string | null {
    if (!this.count) return null;
    const more = this.count - this.named.length;
    return `${capitalise(this.named.join("; "))}${more > 0 ? ` (and ${plural(more, "more duplicate")})` : ""}. Each licensee's cycle may appear once: remove the duplicates and upload the file again.`;
  }
}
