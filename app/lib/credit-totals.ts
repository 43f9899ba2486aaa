// The one definition of a licensee's credit totals (browser-safe, pure): what providers reported,
// what counts, and why each record that does not count (or not in full) is left out. The licensee
// page, the transcript and its files, and the renewal check (app/lib/compliance.ts) all count
// through here, so the same records give the same numbers on every screen.
//
// Per record, in this order:
// 1. Deleted by the provider, rejected by the program, or without a real date or amount: not counted.
// 2. Credit over the activity's maximum (for the formats whose maximum binds): counted up to the
//    maximum; the rest is not counted.
// 3. Same board, same activity, same completion day: counted once, the record with the larger amount
//    (after step 2; ties: the smaller id). The others are duplicates of it. Each credit type or topic
//    is counted the same way on its own: the group's largest amount of that type, never a sum.
// A type or topic amount counts at most the record's counted credits (amounts are not additive).
//
// Arithmetic is done on integer hundredths of a credit, so quarter hours never drift.
import { parseDate } from "../../domain/calendar";
import { CERTIFYING_BOARDS, MAX_CREDIT_CAPPED_FORMATS } from "../../domain/reference";

export interface CreditRecord {
  id: string;
  boardCode: string;
  activityId: string;
  /** YYYY-MM-DD */
  completionDate: string;
  status: string;
  deleted: boolean;
  /** As reported: AMA PRA Category 1 (state board) or board credits (certifying board). */
  credits: number;
  /** Topic credits or MOC credit types, as reported; not additive. */
  creditTypes: Readonly<Record<string, number>>;
  /** The activity's maximum that binds this record (bindingMaximum), or null when none binds. */
  maximum: number | null;
}

export type NotCountedCode = "deleted" | "rejected" | "invalid" | "overMaximum" | "duplicate";

export const NOT_COUNTED_CODES: readonly NotCountedCode[] = ["rejected", "deleted", "invalid", "duplicate", "overMaximum"];

/** Short labels for a flag beside a record or a line of the totals. */
export const NOT_COUNTED_LABELS: Record<NotCountedCode, string> = {
  rejected: "Rejected",
  deleted: "Deleted by provider",
  invalid: "Not a valid record",
  duplicate: "Duplicate",
  overMaximum: "Over activity maximum",
};

/** What each kind of left-out credit means, for the totals' explanation. */
export const NOT_COUNTED_EXPLANATIONS: Record<NotCountedCode, string> = {
  rejected: "The reporting program rejected the record; rejected credit never counts.",
  deleted: "The provider deleted the record (a corrected one may replace it); deleted credit never counts.",
  invalid: "The record has no real completion date or credit amount.",
  duplicate: "Another accepted record of the same activity on the same day counts instead (the larger amount).",
  overMaximum: "Credit above the activity's maximum (for courses, regularly scheduled series, enduring materials and performance improvement) is not counted; the maximum is.",
};

export interface RecordCount {
  id: string;
  /** Credits as reported. */
  reported: number;
  /** Credits that count toward totals: 0 when left out, the maximum when over it. */
  counted: number;
  /** Per type or topic: the amount this record counts (0 when another record of its day counts instead). */
  countedTypes: Record<string, number>;
  /** Why the record does not count, or not in full; null when it counts as reported. */
  code: NotCountedCode | null;
  /** The same in words, for the record's row. */
  reason: string | null;
  /** For a duplicate: the record that counts instead. */
  duplicateOf?: string;
}

/** Integer hundredths of a credit. */
export type Hundredths = number;
export const toHundredths = (credits: number): Hundredths => Math.round(credits * 100);
export const fromHundredths = (hundredths: Hundredths): number => hundredths / 100;

const CERTIFYING = new Set(CERTIFYING_BOARDS.map((b) => b.code));
const CAPPED = new Set<string>(MAX_CREDIT_CAPPED_FORMATS);

/**
 * The activity's maximum that binds a record for this board: only the program's capped formats
 * have one; a certifying board's is the MOC maximum (the CME maximum when the activity has none).
 */
export function bindingMaximum(activity: { boardCode: string; format: string; maxCmeCredits: number; maxMocCredits: number | null }): number | null {
  if (!CAPPED.has(activity.format)) return null;
  const maximum = CERTIFYING.has(activity.boardCode) ? (activity.maxMocCredits ?? activity.maxCmeCredits) : activity.maxCmeCredits;
  return Number.isFinite(maximum) ? maximum : null;
}

const fmt = (hundredths: Hundredths) => fromHundredths(hundredths).toFixed(2);

/** Step 1 and 2 for one record: whether it may count, the amount it may count, and why not (in full). */
export interface Eligibility {
  eligible: boolean;
  /** What may count, in hundredths (the maximum when over it; 0 when not eligible). */
  credits: Hundredths;
  code: Exclude<NotCountedCode, "duplicate"> | null;
  reason: string | null;
  /** Hundredths left out by the maximum. */
  overBy: Hundredths;
}

export function eligibility(record: Pick<CreditRecord, "status" | "deleted" | "credits" | "completionDate" | "maximum">): Eligibility {
  if (record.deleted) return { eligible: false, credits: 0, code: "deleted", reason: "Deleted by the provider; never counted.", overBy: 0 };
  if (record.status !== "accepted") return { eligible: false, credits: 0, code: "rejected", reason: "Rejected by the reporting program; never counted.", overBy: 0 };
  if (parseDate(record.completionDate) === null) {
    return { eligible: false, credits: 0, code: "invalid", reason: `The completion date “${record.completionDate}” is not a real date.`, overBy: 0 };
  }
  if (!Number.isFinite(record.credits) || record.credits < 0) {
    return { eligible: false, credits: 0, code: "invalid", reason: `The credit amount “${record.credits}” is not a number of credits.`, overBy: 0 };
  }
  const reported = toHundredths(record.credits);
  const maximum = record.maximum === null || !Number.isFinite(record.maximum) ? null : toHundredths(Math.max(0, record.maximum));
  if (maximum !== null && reported > maximum) {
    return {
      eligible: true,
      credits: maximum,
      code: "overMaximum",
      reason: `${fmt(reported)} reported, over the activity's maximum of ${fmt(maximum)}: ${fmt(maximum)} counted, ${fmt(reported - maximum)} not.`,
      overBy: reported - maximum,
    };
  }
  return { eligible: true, credits: reported, code: null, reason: null, overBy: 0 };
}

/** The de-duplication key: board, activity and completion day. */
export function sameDayKey(record: Pick<CreditRecord, "boardCode" | "activityId" | "completionDate">): string {
  return JSON.stringify([record.boardCode, record.activityId, record.completionDate]);
}

/** The record of a same-day group that counts for an amount: the larger amount, then the smaller id. */
export function representative<T extends { id: string }>(group: readonly T[], amountOf: (r: T) => Hundredths): T {
  let best = group[0] as T;
  for (const record of group.slice(1)) {
    const difference = amountOf(record) - amountOf(best);
    if (difference > 0 || (difference === 0 && record.id < best.id)) best = record;
  }
  return best;
}

/** A type or topic amount of a record, as it may count: at most the record's counted credits. */
export function typeAmount(creditTypes: Readonly<Record<string, number>>, type: string, countedCredits: Hundredths): Hundredths {
  const value = creditTypes[type];
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) return 0;
  return Math.min(toHundredths(value), countedCredits);
}

/** Each record counted, in the order given. Ids must be unique. */
export function countRecords(records: readonly CreditRecord[]): RecordCount[] {
  const prepared = records.map((record) => ({ id: record.id, record, check: eligibility(record) }));
  type Prepared = (typeof prepared)[number];
  const groups = new Map<string, Prepared[]>();
  for (const p of prepared) {
    if (!p.check.eligible) continue;
    const key = sameDayKey(p.record);
    const group = groups.get(key);
    if (group) group.push(p);
    else groups.set(key, [p]);
  }
  const counted = new Map<string, { credits: Hundredths; types: Record<string, Hundredths>; duplicateOf?: string }>();
  for (const group of groups.values()) {
    const kept = representative(group, (p) => p.check.credits);
    for (const p of group) counted.set(p.id, p === kept ? { credits: p.check.credits, types: {} } : { credits: 0, types: {}, duplicateOf: kept.id });
    const types = new Set(group.flatMap((p) => Object.keys(p.record.creditTypes)));
    for (const type of types) {
      const amountOf = (p: Prepared) => typeAmount(p.record.creditTypes, type, p.check.credits);
      const best = representative(group, amountOf);
      const amount = amountOf(best);
      if (amount > 0) counted.get(best.id)!.types[type] = amount;
    }
  }
  return prepared.map(({ id, record, check }) => {
    const reported = Number.isFinite(record.credits) ? record.credits : 0;
    const entry = counted.get(id);
    const countedTypes = Object.fromEntries(Object.entries(entry?.types ?? {}).map(([t, h]) => [t, fromHundredths(h)]));
    if (!check.eligible || !entry) return { id, reported, counted: 0, countedTypes: {}, code: check.code, reason: check.reason };
    if (entry.duplicateOf !== undefined) {
      const typeNote = Object.keys(countedTypes).length
        ? ` It still counts its larger amount of ${Object.entries(countedTypes).map(([t, a]) => `${t} (${a.toFixed(2)})`).join(", ")}.`
        : "";
      return {
        id,
        reported,
        counted: 0,
        countedTypes,
        code: "duplicate",
        reason: `Same activity and completion day as record ${entry.duplicateOf}, which counts instead (the larger amount).${typeNote}`,
        duplicateOf: entry.duplicateOf,
      };
    }
    return { id, reported, counted: fromHundredths(entry.credits), countedTypes, code: check.code, reason: check.reason };
  });
}

export interface TypeTotal {
  type: string;
  /** Sum of the type's amounts on accepted, live records as reported. */
  reported: number;
  counted: number;
}

export interface CreditTotals {
  boardCode: string;
  records: number;
  /** Sum of credits on every record given (accepted or not), as reported. */
  reported: number;
  counted: number;
  /** Records and credits left out, by why (an over-maximum record: the part over the maximum). */
  notCounted: Array<{ code: NotCountedCode; records: number; credits: number }>;
  accepted: number;
  rejected: number;
  byType: TypeTotal[];
}

/**
 * Totals per board of the records given, with `counts` from countRecords (computed when left out).
 * reported = counted + every not-counted amount, exactly.
 */
export function creditTotals(records: readonly CreditRecord[], counts: readonly RecordCount[] = countRecords(records)): CreditTotals[] {
  const byId = new Map(counts.map((c) => [c.id, c]));
  const boards = new Map<string, { records: number; reported: Hundredths; counted: Hundredths; accepted: number; rejected: number; left: Map<NotCountedCode, { records: number; credits: Hundredths }>; types: Map<string, { reported: Hundredths; counted: Hundredths }> }>();
  for (const record of records) {
    const count = byId.get(record.id);
    if (!count) throw new Error(`no count for record ${record.id}`);
    let board = boards.get(record.boardCode);
    if (!board) {
      board = { records: 0, reported: 0, counted: 0, accepted: 0, rejected: 0, left: new Map(), types: new Map() };
      boards.set(record.boardCode, board);
    }
    const reported = toHundredths(count.reported);
    const counted = toHundredths(count.counted);
    board.records += 1;
    board.reported += reported;
    board.counted += counted;
    if (!record.deleted) {
      if (record.status === "accepted") board.accepted += 1;
      else board.rejected += 1;
    }
    if (count.code) {
      const left = board.left.get(count.code) ?? { records: 0, credits: 0 };
      left.records += 1;
      left.credits += reported - counted;
      board.left.set(count.code, left);
    }
    const live = !record.deleted && record.status === "accepted";
    for (const type of new Set([...(live ? Object.keys(record.creditTypes) : []), ...Object.keys(count.countedTypes)])) {
      const t = board.types.get(type) ?? { reported: 0, counted: 0 };
      const value = record.creditTypes[type];
      if (live && typeof value === "number" && Number.isFinite(value) && value > 0) t.reported += toHundredths(value);
      t.counted += toHundredths(count.countedTypes[type] ?? 0);
      board.types.set(type, t);
    }
  }
  return [...boards.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([boardCode, b]) => ({
      boardCode,
      records: b.records,
      reported: fromHundredths(b.reported),
      counted: fromHundredths(b.counted),
      notCounted: NOT_COUNTED_CODES.filter((code) => b.left.has(code)).map((code) => ({ code, records: b.left.get(code)!.records, credits: fromHundredths(b.left.get(code)!.credits) })),
      accepted: b.accepted,
      rejected: b.rejected,
      byType: [...b.types.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([type, t]) => ({ type, reported: fromHundredths(t.reported), counted: fromHundredths(t.counted) })),
    }));
}

/** The credit a board's totals are in, in its own words: MOC points for a certifying board. */
export function creditUnit(boardCode: string): string {
  return CERTIFYING.has(boardCode) ? `${boardCode} MOC points` : "AMA PRA Category 1 Credits™";
}
