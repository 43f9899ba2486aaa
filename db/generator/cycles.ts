// Where each licensee's licence (or certification) cycles fall, as the board's seeded rule places
// them: shared by the generator (physicians learn more in the months before a cycle ends) and the
// demo rosters (which give each licensee that same cycle end), so the two always agree. Pure: the
// phase of a cycle comes from a hash of the learner and the board, never from the store's seed, so
// the roster builder can recompute it from what the store holds (id, last name, birth month).
import { addYears, daysInMonth, fromDayNumber, lastDayOf, toDayNumber } from "../../domain/calendar";
import { SEEDED_REQUIREMENT_RULES, type RequirementRuleSet } from "../../domain/requirement-rules";
import { hash32 } from "./random";

const STREAM_CYCLE = 0x6379636c;

export interface LicenseeForPlacement {
  id: number;
  lastName: string;
  birthMonth: number;
}

export interface CyclePlacement {
  /** The first cycle end on or after the reference day (days since the epoch). */
  nextEnd: number;
  years: number;
}

const yearOf = (day: number) => fromDayNumber(day).year;

/** The seeded rule set of each organisation with rules, by code (the generator plans against them). */
export const SEEDED_RULE_BY_CODE: ReadonlyMap<string, RequirementRuleSet> = new Map(SEEDED_REQUIREMENT_RULES.map((r) => [r.organisationCode, r]));

/** The first letter of a last name as A–Z (accents folded; anything else counts as A). */
function initial(lastName: string): string {
  const letter = lastName.normalize("NFD").replace(/[^A-Za-z]/g, "").charAt(0).toUpperCase();
  return letter || "A";
}

/**
 * A licensee's cycle with a board: when the current one ends (on or after `today`) and how long
 * each is. Birth-month boards end on the last day of the birth month (the year of a multi-year
 * licence drawn per licensee); fixed-date boards on their day in their years (by last name where the
 * board groups them); boards whose roster gives the date (and rolling ones) at the end of a month
 * drawn per licensee. Boards without a rule: two-year cycles like a roster board.
 */
export function cyclePlacement(boardCode: string, licensee: LicenseeForPlacement, today: number): CyclePlacement {
  const rule = SEEDED_RULE_BY_CODE.get(boardCode)?.cycle ?? null;
  const years = rule?.years ?? 2;
  const h = hash32(STREAM_CYCLE, licensee.id, [...boardCode].reduce((a, c) => a * 31 + c.charCodeAt(0), 7) >>> 0);
  const thisYear = yearOf(today);
  if (rule?.anchor === "fixedDate") {
    const reference = rule.lastNameGroups
      ? (rule.lastNameGroups.find((g) => g.from <= initial(licensee.lastName) && initial(licensee.lastName) <= g.to)?.referenceEndYear ?? thisYear)
      : (rule.referenceEndYear ?? thisYear);
    for (let year = thisYear; ; year++) {
      if ((((year - reference) % years) + years) % years !== 0) continue;
      const end = toDayNumber({ year, month: rule.endMonth, day: Math.min(rule.endDay, daysInMonth(year, rule.endMonth)) });
      if (end >= today) return { nextEnd: end, years };
    }
  }
  const month = rule?.anchor === "birthMonth" && licensee.birthMonth >= 1 && licensee.birthMonth <= 12 ? licensee.birthMonth : 1 + (h % 12);
  let end = toDayNumber(lastDayOf(thisYear, month));
  if (end < today) end = toDayNumber(lastDayOf(thisYear + 1, month));
  const offset = Math.floor(h / 12) % years;
  const year = yearOf(end) + offset;
  return { nextEnd: toDayNumber(lastDayOf(year, month)), years };
}

/** The cycle end `k` cycles before `end` (k = 1: the previous one), keeping a month's last day. */
export function earlierCycleEnd(end: number, years: number, k: number): number {
  return toDayNumber(addYears(fromDayNumber(end), -years * k));
}
