// The official transcript: its period (a renewal cycle, dates asked for, or every record), what it
// prints (the licensee's records counted by the one credit-total definition), the verification code
// it carries and what was issued under it (board.issued_transcript, migration 0021), the CSV and
// XLSX files with the same header block, and the check behind /verify/<code>: is the code one the
// organization issued, and are the records behind it unchanged since.
import { createHash, randomBytes } from "node:crypto";
import { stringify } from "csv-stringify/sync";
import ExcelJS from "exceljs";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { SessionUser } from "../auth/session.server";
import { creditUnit, NOT_COUNTED_LABELS, type RecordCount } from "../lib/credit-totals";
import { formatCredits, formatDate, formatDateTime } from "../lib/format";
import { isoDate } from "../lib/grid";
import { neutraliseCell } from "../lib/spreadsheet";
import { CODE_ALPHABET, CODE_LENGTH, formatCode, PRIMARY_SOURCE } from "../lib/transcript-code";
import { orgWords } from "../../domain/org-words";
import { organisationTimeZone, organisationToday, type OrganisationKind } from "../../domain/reference";
import { recordAudit } from "./audit.server";
import { currentCycle, licenseeCount, type BoardTotals, type Licensee, type LicenseeCount, type LicenseeRecord } from "./licensees.server";
import { evaluateEntryNow, getEntry } from "./renewals.server";

// ---------------------------------------------------------------- verification codes

export { formatCode, normaliseCode, PRIMARY_SOURCE } from "../lib/transcript-code";

/** 12 random characters (60 bits). */
export function newCode(): string {
  const bytes = randomBytes(CODE_LENGTH);
  let code = "";
  for (const byte of bytes) code += CODE_ALPHABET[byte & 31];
  return code;
}

// ---------------------------------------------------------------- the period

export interface TranscriptPeriod {
  from: string;
  to: string;
  /** The renewal entry the period is the cycle of, when it is. */
  entryId: string | null;
  /** How the dates were chosen, in words. */
  basis: string;
}

export type PeriodAnswer = { ok: true; period: TranscriptPeriod } | { ok: false; errors: Partial<Record<"from" | "to" | "entry", string>> };

/** The cycle of one of the organization's roster entries for this licensee (to its counting end under an extension). */
async function entryPeriod(db: Kysely<Database>, user: SessionUser, learnerId: string, entryId: string): Promise<TranscriptPeriod | null> {
  if (!/^\d{1,18}$/.test(entryId) || user.org.kind === "accreditor") return null;
  const entry = await getEntry(db, user.org.code, entryId);
  if (!entry || entry.learnerId !== learnerId) return null;
  const live = await evaluateEntryNow(db, entry);
  if (live.kind !== "evaluated") return null;
  const words = orgWords(user.org.kind as OrganisationKind);
  const to = live.extendedTo ?? live.cycle.end;
  return { from: live.cycle.start, to, entryId, basis: `The ${words.cycle} cycle ${formatDate(live.cycle.start)} – ${formatDate(live.cycle.end)}${live.extendedTo ? `, extended to ${formatDate(live.extendedTo)}` : ""}` };
}

/**
 * The transcript's period from the URL: `?entry=<roster entry>` (its cycle), `?from=&to=`, or by
 * default the licensee's current cycle on the roster, else every record up to the organization's today.
 */
export async function transcriptPeriod(db: Kysely<Database>, user: SessionUser, learnerId: string, params: URLSearchParams): Promise<PeriodAnswer> {
  const today = organisationToday(user.org.code);
  const entry = (params.get("entry") ?? "").trim();
  // completedFrom / completedTo: what the licensee page's links and older bookmarks carry.
  const fromText = (params.get("from") ?? params.get("completedFrom") ?? "").trim();
  const toText = (params.get("to") ?? params.get("completedTo") ?? "").trim();
  const words = orgWords(user.org.kind as OrganisationKind);
  if (entry && !fromText && !toText) {
    const period = await entryPeriod(db, user, learnerId, entry.slice(0, 40));
    return period ? { ok: true, period } : { ok: false, errors: { entry: `That ${words.cycle} is not on your roster for this ${words.person}, or its cycle cannot be placed.` } };
  }
  if (fromText || toText) {
    const errors: Partial<Record<"from" | "to", string>> = {};
    const from = fromText ? isoDate.safeParse(fromText.slice(0, 40)) : null;
    const to = toText ? isoDate.safeParse(toText.slice(0, 40)) : null;
    if (from && !from.success) errors.from = from.error.issues[0]?.message ?? "Enter a real date as YYYY-MM-DD.";
    if (to && !to.success) errors.to = to.error.issues[0]?.message ?? "Enter a real date as YYYY-MM-DD.";
    if (Object.keys(errors).length) return { ok: false, errors };
    const start = from?.data ?? (await firstCompletion(db, user, learnerId)) ?? today;
    const end = to?.data ?? today;
    if (start > end) return { ok: false, errors: { to: "The end date is before the start date." } };
    return { ok: true, period: { from: start, to: end, entryId: null, basis: "The dates asked for" } };
  }
  if (user.org.kind !== "accreditor") {
    const cycle = await currentCycle(db, user.org.code, learnerId);
    if (cycle?.start) {
      const period = await entryPeriod(db, user, learnerId, cycle.entryId);
      if (period) return { ok: true, period };
    }
  }
  const first = (await firstCompletion(db, user, learnerId)) ?? today;
  return { ok: true, period: { from: first < today ? first : today, to: today, entryId: null, basis: "Every record reported" } };
}

async function firstCompletion(db: Kysely<Database>, user: SessionUser, learnerId: string): Promise<string | null> {
  let query = db.selectFrom("learner.credit_report as cr").where("cr.deleted_at", "is", null).where("cr.learner_id", "=", learnerId);
  if (user.scope.boardCodes !== null) query = query.where("cr.board_code", "in", user.scope.boardCodes);
  const row = await query.select((eb) => eb.fn.min("cr.completion_date").as("first")).executeTakeFirst();
  return (row?.first as string | null | undefined) ?? null;
}

// ---------------------------------------------------------------- what is issued

/** The records' fingerprint: every field that decides a line or a total, in id order. */
export function transcriptHash(records: readonly LicenseeRecord[]): string {
  const lines = [...records]
    .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0))
    .map((r) =>
      JSON.stringify([
        r.id,
        r.boardCode,
        r.activityId,
        r.completionDate,
        r.status,
        r.deleted,
        r.credits.toFixed(2),
        Object.entries(r.creditTypes).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, Number(v).toFixed(2)]),
        r.maximum === null ? null : r.maximum.toFixed(2),
      ]),
    );
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}

/** The totals a transcript prints, as stored with it. */
export interface StoredTotals {
  boards: Array<{ boardCode: string; records: number; reported: number; counted: number; accepted: number; rejected: number; byType: Array<{ type: string; reported: number; counted: number }> }>;
}

export function storedTotals(totals: readonly BoardTotals[]): StoredTotals {
  return {
    boards: totals.map((t) => ({ boardCode: t.boardCode, records: t.records, reported: t.reported, counted: t.counted, accepted: t.accepted, rejected: t.rejected, byType: t.byType })),
  };
}

export interface Issued {
  code: string;
  issuedAt: string;
  /** A code already issued to the same user for the same records and period today. */
  reused: boolean;
}

/**
 * The transcript's code: the one this user was issued today (the organization's day) for the same
 * licensee, period and records, or a new one, stored and audited.
 */
export async function issueTranscript(
  db: Kysely<Database>,
  user: SessionUser,
  learnerId: string,
  period: TranscriptPeriod,
  count: LicenseeCount,
  meta: { format: "page" | "csv" | "xlsx"; ip: string | null },
): Promise<Issued> {
  const hash = transcriptHash(count.records);
  const range = `[${period.from},${period.to}]`;
  const zone = organisationTimeZone(user.org.code);
  const existing = await db
    .selectFrom("board.issued_transcript")
    .select(["code", "issued_at"])
    .where("org_code", "=", user.org.code)
    .where("learner_id", "=", learnerId)
    .where("issued_by", "=", user.id)
    .where("issued_at", ">=", sql<Date>`now() - interval '1 day'`)
    .where(sql`(issued_at at time zone ${zone})::date`, "=", sql`(now() at time zone ${zone})::date`)
    .where("period", "=", sql<string>`${range}::daterange`)
    .where("content_hash", "=", hash)
    .orderBy("issued_at", "desc")
    .limit(1)
    .executeTakeFirst();
  if (existing) return { code: existing.code, issuedAt: new Date(existing.issued_at).toISOString(), reused: true };
  const code = newCode();
  const row = await db
    .insertInto("board.issued_transcript")
    .values({ code, org_code: user.org.code, learner_id: learnerId, period: range, issued_by: user.id, content_hash: hash, totals: JSON.stringify(storedTotals(count.totals)) })
    .returning(["code", "issued_at"])
    .executeTakeFirstOrThrow();
  await recordAudit(db, {
    action: "transcript.issue",
    userId: user.id,
    orgCode: user.org.code,
    target: `learner:${learnerId}`,
    detail: { code: row.code, from: period.from, to: period.to, entry: period.entryId, format: meta.format, records: count.records.length },
    ip: meta.ip,
  });
  return { code: row.code, issuedAt: new Date(row.issued_at).toISOString(), reused: false };
}

// ---------------------------------------------------------------- verification

export interface Verification {
  code: string;
  learnerId: string;
  /** The licensee as the organization sees them now; null when no credit is reported to it any more. */
  licensee: { firstName: string; lastName: string } | null;
  period: { from: string; to: string };
  issuedAt: string;
  issuedBy: string;
  unchanged: boolean;
  then: StoredTotals;
  now: StoredTotals;
  /** What differs, in words (empty when unchanged). */
  changes: string[];
}

/** What was issued under the code by the user's organization, compared with the records now; null when it issued no such code. */
export async function verifyTranscript(db: Kysely<Database>, user: SessionUser, code: string): Promise<Verification | null> {
  const row = await db
    .selectFrom("board.issued_transcript as t")
    .innerJoin("board.staff_user as u", "u.id", "t.issued_by")
    .select([
      "t.code",
      sql<string>`t.learner_id::text`.as("learner_id"),
      sql<string>`lower(t.period)::text`.as("from"),
      sql<string>`(upper(t.period) - 1)::text`.as("to"),
      "t.issued_at",
      "t.content_hash",
      "t.totals",
      "u.display_name",
    ])
    .where("t.code", "=", code)
    .where("t.org_code", "=", user.org.code)
    .executeTakeFirst();
  if (!row) return null;
  const count = await licenseeCount(db, user.scope, row.learner_id, { from: row.from, to: row.to });
  const now = storedTotals(count.totals);
  const then = row.totals as StoredTotals;
  const unchanged = transcriptHash(count.records) === row.content_hash;
  const person = await db
    .selectFrom("learner.learner")
    .select(["first_name", "last_name"])
    .where(sql<boolean>`id = ${row.learner_id}`)
    .executeTakeFirst();
  // The name only when the licensee is still in scope (a record reported to the organization).
  const licensee = person && count.records.length > 0 ? { firstName: person.first_name, lastName: person.last_name } : null;
  return {
    code: row.code,
    learnerId: row.learner_id,
    licensee,
    period: { from: row.from, to: row.to },
    issuedAt: new Date(row.issued_at).toISOString(),
    issuedBy: row.display_name,
    unchanged,
    then,
    now,
    changes: unchanged ? [] : describeChanges(then, now),
  };
}

/** The differences between the totals issued and now, per board, in words. */
export function describeChanges(then: StoredTotals, now: StoredTotals): string[] {
  const changes: string[] = [];
  const boards = [...new Set([...then.boards.map((b) => b.boardCode), ...now.boards.map((b) => b.boardCode)])].sort();
  const empty = { records: 0, reported: 0, counted: 0, accepted: 0, rejected: 0, byType: [] };
  for (const code of boards) {
    const a = then.boards.find((b) => b.boardCode === code) ?? { boardCode: code, ...empty };
    const b = now.boards.find((x) => x.boardCode === code) ?? { boardCode: code, ...empty };
    const unit = creditUnit(code);
    const parts: string[] = [];
    if (a.records !== b.records) parts.push(`records ${a.records} then, ${b.records} now`);
    if (a.rejected !== b.rejected) parts.push(`rejected ${a.rejected} then, ${b.rejected} now`);
    if (a.reported !== b.reported) parts.push(`reported ${formatCredits(a.reported)} then, ${formatCredits(b.reported)} now`);
    if (a.counted !== b.counted) parts.push(`counted ${formatCredits(a.counted)} then, ${formatCredits(b.counted)} now`);
    for (const type of [...new Set([...a.byType.map((t) => t.type), ...b.byType.map((t) => t.type)])].sort()) {
      const x = a.byType.find((t) => t.type === type)?.counted ?? 0;
      const y = b.byType.find((t) => t.type === type)?.counted ?? 0;
      if (x !== y) parts.push(`${type} counted ${formatCredits(x)} then, ${formatCredits(y)} now`);
    }
    if (parts.length) changes.push(`${code} (${unit}): ${parts.join("; ")}.`);
  }
  if (changes.length === 0) changes.push("The totals are the same, but records behind them were changed, replaced or corrected by their providers.");
  return changes;
}

// ---------------------------------------------------------------- the files

export interface TranscriptDocument {
  issuer: string;
  licensee: Licensee;
  boardNames: Record<string, string>;
  period: TranscriptPeriod;
  count: LicenseeCount;
  issued: Issued;
  producedBy: string;
  timeZone: string;
  verifyUrl: string;
}

type Cell = string | number | null;

function headerBlock(doc: TranscriptDocument): Cell[][] {
  const l = doc.licensee;
  return [
    ["Official transcript", doc.issuer],
    ["Primary source", PRIMARY_SOURCE],
    ["Licensee", `${l.lastName}, ${l.firstName}`],
    ["Date of birth (month/day)", l.birthDate],
    ["NPI", l.npi ?? ""],
    ...l.identifiers.map((i): Cell[] => [`${doc.boardNames[i.boardCode] ?? i.boardCode} ${i.kind === "licence" ? "license" : "board ID"}`, i.value]),
    ["Period", `${formatDate(doc.period.from)} – ${formatDate(doc.period.to)}`],
    ["Period basis", doc.period.basis],
    ["Produced", formatDateTime(doc.issued.issuedAt, doc.timeZone)],
    ["Produced by", doc.producedBy],
    ["Verification code", formatCode(doc.issued.code)],
    ["Verify at", doc.verifyUrl],
  ];
}

const TOTALS_HEADER = ["Board", "Credit", "Reported", "Counted", "Not counted"];

function totalsRows(doc: TranscriptDocument): Cell[][] {
  return doc.count.totals.flatMap((t) => [
    [doc.boardNames[t.boardCode] ?? t.boardCode, `Total ${creditUnit(t.boardCode)}`, t.reported, t.counted, Math.round((t.reported - t.counted) * 100) / 100],
    ...t.byType.map((b): Cell[] => [doc.boardNames[t.boardCode] ?? t.boardCode, b.type, b.reported, b.counted, Math.round((b.reported - b.counted) * 100) / 100]),
  ]);
}

const LINES_HEADER = ["Completed", "Board", "Activity", "Activity id", "Provider", "Format", "Status", "Credits reported", "Credits counted", "Not counted because", "Topics / credit types"];

function lineRows(doc: TranscriptDocument): Cell[][] {
  const byId = new Map<string, RecordCount>(doc.count.counts.map((c) => [c.id, c]));
  return doc.count.records.map((r) => {
    const c = byId.get(r.id)!;
    return [
      r.completionDate,
      r.boardCode,
      r.activityTitle,
      r.activityId,
      r.providerName,
      r.format,
      r.status === "accepted" ? "Accepted" : "Rejected",
      r.credits,
      c.counted,
      c.code ? `${NOT_COUNTED_LABELS[c.code]}: ${c.reason ?? ""}` : "",
      Object.entries(r.creditTypes)
        .map(([type, amount]) => `${type} ${formatCredits(amount)}`)
        .join("; "),
    ];
  });
}

const text = (value: Cell): Cell => (typeof value === "string" ? neutraliseCell(value) : value);

/** The transcript as CSV: the header block, the totals, then one row per record. */
export function transcriptCsv(doc: TranscriptDocument): string {
  const rows: Cell[][] = [...headerBlock(doc), [], ["Totals"], TOTALS_HEADER, ...totalsRows(doc), [], ["Records"], LINES_HEADER, ...lineRows(doc)];
  return stringify(rows.map((r) => r.map(text)), { bom: true });
}

/** The transcript as XLSX: the same rows, numbers as numbers, completion dates as dates, a filter on the records. */
export async function transcriptXlsx(doc: TranscriptDocument): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("Official transcript");
  for (const row of headerBlock(doc)) {
    const added = sheet.addRow(row.map(text));
    added.getCell(1).font = { bold: true };
  }
  sheet.addRow([]);
  sheet.addRow(["Totals"]).font = { bold: true, size: 12 };
  sheet.addRow(TOTALS_HEADER).font = { bold: true };
  for (const row of totalsRows(doc)) {
    const added = sheet.addRow(row.map(text));
    for (const col of [3, 4, 5]) added.getCell(col).numFmt = "0.00";
  }
  sheet.addRow([]);
  sheet.addRow(["Records"]).font = { bold: true, size: 12 };
  const header = sheet.addRow(LINES_HEADER);
  header.font = { bold: true };
  for (const row of lineRows(doc)) {
    const [completed, ...rest] = row;
    const added = sheet.addRow([new Date(`${completed as string}T00:00:00Z`), ...rest.map(text)]);
    added.getCell(1).numFmt = "mm/dd/yyyy";
    for (const col of [8, 9]) added.getCell(col).numFmt = "0.00";
  }
  const last = sheet.rowCount;
  sheet.autoFilter = { from: { row: header.number, column: 1 }, to: { row: Math.max(header.number, last), column: LINES_HEADER.length } };
  const widths = [26, 18, 48, 12, 34, 20, 11, 10, 10, 48, 40];
  widths.forEach((w, i) => (sheet.getColumn(i + 1).width = w));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
