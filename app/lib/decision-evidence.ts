// Whether a decision follows the evidence (browser-safe, pure): which outcomes contradict the live
// requirement check and so are overrides needing a reason, the override reason's rule, and the
// bounds of an extension's new deadline. The entry page (its warnings) and the decision model (its
// refusals) read the same functions.
import { z } from "zod";
import type { OrgWords } from "../../domain/org-words";
import { daysInMonth, formatDate as formatCalendarDate, isDate, parseDate } from "../../domain/calendar";
import { formatDate } from "./format";
import { OUTCOME_LABELS, STATUS_LABELS, type DecisionOutcomeId, type QueueStatus } from "./renewal-search";

/** What the live check says, as far as a decision is concerned. */
export type Evidence =
  | { kind: "evaluated"; status: QueueStatus; requirementsMet: boolean }
  | { kind: "unmatched" | "no_cycle" | "no_rules" };

/**
 * Why recording `outcome` contradicts the check (it is then an override and needs a reason), or
 * null when it does not. "Compliant" contradicts a check that finds the requirement not met or
 * could count nothing; "Deficient" contradicts a check that finds it met. The other outcomes do
 * not judge the credit and never contradict it.
 */
export function contradiction(outcome: DecisionOutcomeId, evidence: Evidence, words: OrgWords): string | null {
  const label = OUTCOME_LABELS[outcome];
  if (outcome === "compliant") {
    if (evidence.kind !== "evaluated") return `The check could not count any credit for this ${words.person}: recording “${label}” is an override.`;
    if (evidence.status === "short" || evidence.status === "nothing" || (evidence.status === "needs_review" && !evidence.requirementsMet)) {
      return `The check says the requirement is not met (“${STATUS_LABELS[evidence.status]}”): recording “${label}” is an override.`;
    }
    return null;
  }
  if (outcome === "deficient" && evidence.kind === "evaluated" && evidence.status === "meets") {
    return `The check says the requirement is met: recording “${label}” is an override.`;
  }
  return null;
}

export const OVERRIDE_REASON_MIN = 20;

/** An override's reason: at least a sentence (20 characters and three words or more). */
export const overrideReason = z
  .string()
  .trim()
  .min(OVERRIDE_REASON_MIN, `Give the reason for the override in at least a sentence (${OVERRIDE_REASON_MIN} characters or more).`)
  .max(2000, "Keep the reason under 2,000 characters.")
  .refine((s) => s.split(/\s+/).filter(Boolean).length >= 3, "Give the reason for the override in at least a sentence, not a word or two.");

/**
 * The same month and day a year later, February 29 becoming February 28: PostgreSQL's
 * `+ interval '1 year'`, which the decision table's check constraint uses (unlike the calendar's
 * `addYears`, where a month's last day follows month ends).
 */
export function oneYearAfter(date: string): string {
  const from = parseDate(date);
  if (!from) throw new RangeError(`Not a date: ${date}`);
  const year = from.year + 1;
  return formatCalendarDate({ year, month: from.month, day: Math.min(from.day, daysInMonth(year, from.month)) });
}

/** The latest new deadline an extension may set: a year after the cycle end. */
export const EXTENSION_YEARS = 1;

/** Why `extendedTo` cannot be the new deadline of a cycle ending on `cycleEnd`, or null when it can. */
export function extensionProblem(extendedTo: string, cycleEnd: string, words: OrgWords): string | null {
  if (!isDate(extendedTo)) return "Enter the new deadline as a real date (MM/DD/YYYY in the date field, or YYYY-MM-DD).";
  if (extendedTo <= cycleEnd) return `The new deadline must be after the ${words.deadline} (${formatDate(cycleEnd)}).`;
  const latest = oneYearAfter(cycleEnd);
  if (extendedTo > latest) return `The new deadline can be at most a year after the ${words.deadline}: ${formatDate(latest)} at the latest.`;
  return null;
}
