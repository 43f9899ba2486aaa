// The reporting programme's data rules as record-level flags (browser-safe, pure): what a reviewer
// should look at twice on a credit report. REQUIREMENTS.md "Data rules of the reporting programme".
import { CERTIFYING_BOARDS, REPORTING_WINDOW_DAYS } from "../../domain/reference";
import { bindingMaximum } from "./credit-totals";

export const RECORD_FLAGS = ["late", "overMaximum", "outsideDates", "future", "duplicate"] as const;
export type RecordFlag = (typeof RECORD_FLAGS)[number];

export const FLAG_LABELS: Record<RecordFlag, string> = {
  late: "Reported late",
  overMaximum: "Over activity maximum",
  outsideDates: "Outside activity dates",
  future: "Completion in the future",
  duplicate: "Duplicate",
};

export const FLAG_DESCRIPTIONS: Record<RecordFlag, string> = {
  late: `Submitted more than ${REPORTING_WINDOW_DAYS} days after completion.`,
  overMaximum: "More credit than the activity's maximum, for a format whose maximum is binding.",
  outsideDates: "Completed before the activity started or after its end date (credit claim date for MOC).",
  future: "Completion date after the day it was submitted, or after today.",
  duplicate: "Another accepted record has the same activity, learner, board and completion day.",
};

const CERTIFYING = new Set(CERTIFYING_BOARDS.map((b) => b.code));

export function isCertifyingBoard(boardCode: string): boolean {
  return CERTIFYING.has(boardCode);
}

const DAY_MS = 86_400_000;

/** Days from a completion date to a submission time, on the UTC calendar (as the SQL lag_days). */
export function lagDays(completionDate: string, submittedAt: string): number {
  const submittedDay = Math.floor(Date.parse(submittedAt) / DAY_MS);
  const completionDay = Math.floor(Date.parse(`${completionDate}T00:00:00Z`) / DAY_MS);
  return submittedDay - completionDay;
}

export interface FlagInput {
  boardCode: string;
  format: string;
  /** YYYY-MM-DD */
  completionDate: string;
  /** ISO timestamp */
  submittedAt: string;
  credits: number;
  activityStart: string;
  activityEnd: string;
  creditClaimDate: string | null;
  maxCmeCredits: number;
  maxMocCredits: number | null;
  /** Another live accepted record with the same activity, learner, board and completion date exists. */
  duplicate: boolean;
}

/** The data rules a record breaks, in a fixed order. `today` is YYYY-MM-DD (the organisation's day). */
export function recordFlags(record: FlagInput, today: string): RecordFlag[] {
  const flags: RecordFlag[] = [];
  const certifying = isCertifyingBoard(record.boardCode);
  const submittedDate = new Date(record.submittedAt).toISOString().slice(0, 10);
  if (lagDays(record.completionDate, record.submittedAt) > REPORTING_WINDOW_DAYS) flags.push("late");
  const maximum = bindingMaximum({ boardCode: record.boardCode, format: record.format, maxCmeCredits: record.maxCmeCredits, maxMocCredits: record.maxMocCredits });
  if (maximum !== null && record.credits > maximum) flags.push("overMaximum");
  const lastDay = certifying ? (record.creditClaimDate ?? record.activityEnd) : record.activityEnd;
  if (record.completionDate < record.activityStart || record.completionDate > lastDay) flags.push("outsideDates");
  if (record.completionDate > today || record.completionDate > submittedDate) flags.push("future");
  if (record.duplicate) flags.push("duplicate");
  return flags;
}
