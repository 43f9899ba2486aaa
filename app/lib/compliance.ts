// The compliance engine (browser-safe, pure): places a licensee's cycle in time (`cycleFor`) and
// checks the licensee's credit reports for one board against that board's requirement rule set
// (`evaluateCycle`), accounting for every record so a reviewer can reconcile each number. It reads
// and writes nothing; the rule model is domain/requirement-rules.ts, the record flags data-rules.ts.
// What a record may count at all (rejected, deleted, over the activity's maximum, same-day
// duplicates) is the one credit-total definition of credit-totals.ts, shared with every screen.
//
// Arithmetic: credits arrive in quarter hours as JS numbers; they are converted once to integer
// hundredths (Math.round(x * 100)) and every sum, cap and comparison is done on integers, so 0.25
// steps never drift. Amounts are converted back (/ 100) only in the returned values.
//
// Dates: YYYY-MM-DD calendar dates, compared as strings and moved by the one calendar module
// (domain/calendar.ts); no time zone is ever involved here.
import { FLAG_LABELS, RECORD_FLAGS, type RecordFlag } from "./data-rules";
import { eligibility, fromHundredths, representative as creditRepresentative, sameDayKey, toHundredths, type Hundredths } from "./credit-totals";
import { addDays, addYears, formatDate, lastDayOf, MONTH_NAMES, parseDate, periodStart, type CalendarDate } from "../../domain/calendar";
import { attributeDefinition, type AttributeKey, type LicenseeAttributes } from "../../domain/licensee-attributes";
import { orgWords } from "../../domain/org-words";
import {
  type Alternative,
  type AppliesTo,
  type AttributeCondition,
  describeRequirement,
  describeTotal,
  formatRuleCredits,
  organisationKindOf,
  requirementLabel,
  subPeriodCount,
  subPeriodLabel,
  subPeriodYears,
  type Caps,
  type CycleRule,
  type LastNameGroup,
  type Requirement,
  type RequirementPeriod,
  type RequirementRuleSet,
} from "../../domain/requirement-rules";

// ================================================================ cycleFor

/** What a board knows of a licensee that places the cycle. `birthDay` is not used by any anchor yet. */
export interface LicenseeForCycle {
  /** 1–12 */
  birthMonth: number;
  birthDay: number;
  lastName?: string | null;
  /** The roster's cycle end (licence expiry), YYYY-MM-DD; wins over every anchor when given. */
  cycleEnd?: string | null;
}

export interface CycleOptions {
  /** The date the check is made for, YYYY-MM-DD: the cycle containing it, or the next to end. */
  asOf: string;
}

export interface Cycle {
  /** First day, YYYY-MM-DD, inclusive. */
  start: string;
  /** Last day, YYYY-MM-DD, inclusive. */
  end: string;
  /** How the dates were found, in words a reviewer can check. */
  basis: string;
  /** What the dates rest on that the board should confirm (empty when nothing is in doubt). */
  caveats: string[];
}

export type CycleResult = { ok: true; cycle: Cycle } | { ok: false; problem: string };

/**
 * The licensee's cycle under a rule set, as of a date:
 * - A roster cycle end, when given, wins for every anchor: the cycle is the `years` ending on it.
 *   A caveat is added when it disagrees with the anchor (not the last day of the birth month, not
 *   the fixed month and day).
 * - `roster` without a roster cycle end: no cycle (a problem to show, never a guess).
 * - `birthMonth`: ends on the last day of the birth month, the first such day on or after `asOf`.
 *   For cycles longer than a year the birth month cannot tell which year the licence expires in,
 *   so the next expiry is assumed and said in a caveat; the roster's date settles it.
 * - `fixedDate`: ends on the rule's month and day in the first year on or after `asOf` that is a
 *   whole number of cycles from the reference end year (the last-name group's, for Maryland).
 * - `rolling`: the `years` ending on `asOf`.
 */
export function cycleFor(rule: RequirementRuleSet, licensee: LicenseeForCycle, options: CycleOptions): CycleResult {
  const asOf = parseDate(options.asOf);
  if (!asOf) return { ok: false, problem: `The date to check (“${options.asOf}”) is not a real date as YYYY-MM-DD.` };
  if (licensee.cycleEnd !== undefined && licensee.cycleEnd !== null && licensee.cycleEnd !== "") {
    const end = parseDate(licensee.cycleEnd);
    if (!end) return { ok: false, problem: `The roster's cycle end (“${licensee.cycleEnd}”) is not a real date as YYYY-MM-DD.` };
    return { ok: true, cycle: rosterCycle(rule.cycle, end, licensee) };
  }
  switch (rule.cycle.anchor) {
    case "roster":
      return { ok: false, problem: "This board's cycles come from its roster, and the roster gives no cycle end for this licensee." };
    case "birthMonth":
      return birthMonthCycle(rule.cycle.years, licensee, asOf);
    case "fixedDate":
      return fixedDateCycle(rule.cycle, licensee, asOf);
    case "rolling": {
      const years = rule.cycle.years;
      return { ok: true, cycle: cycle(asOf, years, `Rolling ${years}-year period ending on the date checked (${formatDate(asOf)}).`, []) };
    }
  }
}

function cycle(end: CalendarDate, years: number, basis: string, caveats: string[]): Cycle {
  return { start: formatDate(periodStart(end, years)), end: formatDate(end), basis, caveats };
}

function rosterCycle(rule: CycleRule, end: CalendarDate, licensee: LicenseeForCycle): Cycle {
  const caveats: string[] = [];
  if (rule.anchor === "birthMonth" && isBirthMonth(licensee.birthMonth)) {
    const expected = lastDayOf(end.year, licensee.birthMonth);
    if (formatDate(expected) !== formatDate(end)) {
      caveats.push(`The roster's cycle end is not the last day of the licensee's birth month (${MONTH_NAMES[licensee.birthMonth - 1]}); the roster's date was used.`);
    }
  }
  if (rule.anchor === "fixedDate" && (end.month !== rule.endMonth || end.day !== rule.endDay)) {
    caveats.push(`The roster's cycle end is not ${MONTH_NAMES[rule.endMonth - 1]} ${rule.endDay}, the board's usual end; the roster's date was used.`);
  }
  return cycle(end, rule.years, `Cycle end ${formatDate(end)} from the board's roster; ${rule.years}-year cycle.`, caveats);
}

function isBirthMonth(month: number): boolean {
  return Number.isInteger(month) && month >= 1 && month <= 12;
}

function birthMonthCycle(years: number, licensee: LicenseeForCycle, asOf: CalendarDate): CycleResult {
  if (!isBirthMonth(licensee.birthMonth)) {
    return { ok: false, problem: "The licensee's birth month is not known (it must be 1 to 12), so a birth-month cycle cannot be placed." };
  }
  const month = licensee.birthMonth;
  let end = lastDayOf(asOf.year, month);
  if (formatDate(end) < formatDate(asOf)) end = lastDayOf(asOf.year + 1, month);
  const basis = `The license expires on the last day of the birth month (${MONTH_NAMES[month - 1]}); the next expiry on or after ${formatDate(asOf)} is ${formatDate(end)}.`;
  const caveats =
    years > 1
      ? [`A ${years}-year license may expire in a different year; the year was assumed from the date checked. Import the roster's cycle end to be sure.`]
      : [];
  return { ok: true, cycle: cycle(end, years, basis, caveats) };
}

type FixedDateCycle = Extract<CycleRule, { anchor: "fixedDate" }>;

function fixedDateCycle(rule: FixedDateCycle, licensee: LicenseeForCycle, asOf: CalendarDate): CycleResult {
  let referenceEndYear = rule.referenceEndYear ?? asOf.year;
  let groupText = "";
  if (rule.lastNameGroups) {
    const group = lastNameGroupOf(rule.lastNameGroups, licensee.lastName);
    if (!group.ok) return group;
    referenceEndYear = group.group.referenceEndYear;
    groupText = ` for last names ${group.group.from}–${group.group.to}`;
  }
  let year = asOf.year;
  if (formatDate({ year, month: rule.endMonth, day: rule.endDay }) < formatDate(asOf)) year += 1;
  while ((((year - referenceEndYear) % rule.years) + rule.years) % rule.years !== 0) year += 1;
  const end = { year, month: rule.endMonth, day: rule.endDay };
  const every = rule.years === 1 ? "every year" : `every ${rule.years} years (${referenceEndYear}, ${referenceEndYear + rule.years}, …)`;
  const basis = `Cycles end ${MONTH_NAMES[rule.endMonth - 1]} ${rule.endDay} ${every}${groupText}; the next end on or after ${formatDate(asOf)} is ${formatDate(end)}.`;
  return { ok: true, cycle: cycle(end, rule.years, basis, []) };
}

type GroupResult = { ok: true; group: LastNameGroup } | { ok: false; problem: string };

/** The group of the last name's first letter, accents removed (“Ávila” → A, “O'Brien” → O). */
function lastNameGroupOf(groups: readonly LastNameGroup[], lastName: string | null | undefined): GroupResult {
  const firstLetter = (lastName ?? "").normalize("NFD").replace(/\p{M}/gu, "").toUpperCase().match(/\p{L}/u)?.[0];
  if (!firstLetter) return { ok: false, problem: "This board's cycle depends on the last name's first letter, and no last name is known for this licensee." };
  const group = groups.find((g) => g.from <= firstLetter && firstLetter <= g.to && /^[A-Z]$/.test(firstLetter));
  if (!group) return { ok: false, problem: `No last-name group of this board covers a name starting with “${firstLetter}”; give the roster's cycle end.` };
  return { ok: true, group };
}

// ================================================================ evaluateCycle: inputs and outputs

/** One credit report of the licensee for the board whose rule set is applied. */
export interface LicenseeCreditReport {
  id: string;
  activityId: string;
  /** YYYY-MM-DD */
  completionDate: string;
  status: "accepted" | "rejected";
  deleted: boolean;
  /** Credits in quarter hours (AMA PRA Category 1 for a state board, board credits for a certifying board). */
  credits: number;
  /** Topic credits (state board) or MOC credit-type amounts (certifying board); not additive. */
  creditTypes: Readonly<Record<string, number>>;
  /** Data-rule flags (data-rules.ts RECORD_FLAGS); other strings are ignored. */
  flags?: readonly string[];
  /** The activity's maximum that binds the record (credit-totals.ts bindingMaximum); none when left out or null. */
  maximum?: number | null;
}

export interface EvaluateOptions {
  /**
   * What the board knows of the licensee (domain/licensee-attributes.ts), read by requirements'
   * `appliesTo` conditions. An attribute left out is unknown, and the requirement's `whenUnknown` decides.
   */
  attributes?: Readonly<LicenseeAttributes>;
}

export type ComplianceStatus = "meets" | "short" | "nothing" | "needs_review";

/**
 * Flags that send a result to review when the flagged record counts toward a requirement that
 * applies: each casts doubt on whether the credit was really earned as reported. Not `late` (a
 * provider's timeliness, not the credit's validity) nor `duplicate` (the engine counts same-day
 * records of one activity once, and lists the others with the record they duplicate).
 */
export const REVIEW_FLAGS: readonly RecordFlag[] = ["overMaximum", "outsideDates", "future"];

export type RecordReasonCode = "deleted" | "rejected" | "invalid" | "overMaximum" | "afterCycle" | "beforeCycle" | "duplicate" | "dailyCap" | "yearlyCap";

export interface RecordReason {
  code: RecordReasonCode;
  message: string;
  /** For `duplicate`: the record the total counts instead. */
  duplicateOf?: string;
  /** For `overMaximum`, `dailyCap` / `yearlyCap`: the credits left out. */
  amount?: number;
}

export interface RecordOutcome {
  id: string;
  activityId: string;
  completionDate: string;
  /** As reported. */
  credits: number;
  /** Credits of this record counted toward the cycle total (0 when left out; less when capped). */
  countedInCycle: number;
  /** Amount counted toward each requirement, by requirement id ("total" for the total); only amounts above 0. */
  countedTowards: Record<string, number>;
  /** Why the record is not counted toward the total, or not in full; empty when counted in full. */
  reasons: RecordReason[];
  /** The review flags (REVIEW_FLAGS) it carries. */
  reviewFlags: RecordFlag[];
}

export interface Contribution {
  recordId: string;
  amount: number;
}

export interface RequirementOutcome {
  /** "total", the requirement's id in the rule set, or `${id}-${n}` for sub-period n (from 1) of a sub-period requirement. */
  id: string;
  /** The requirement it measures: "total", or the requirement's id (the same for every sub-period). */
  requirementId: string;
  kind: "total" | Requirement["kind"];
  label: string;
  description: string;
  /** The completion dates counted: from `start` (null: any date) to `end`, inclusive. */
  window: { start: string | null; end: string };
  /** False when the requirement binds only a group the licensee is not (or is assumed not to be) in. */
  applies: boolean;
  /** Why it applies or not, for requirements that bind only some licensees; null otherwise. */
  applicability: string | null;
  /**
   * The attributes whose being unknown decided `applies` (through the requirement's `whenUnknown`):
   * what the board should fill in. Empty when the attributes decided it, or nothing binds it.
   */
  unknownAttributes: AttributeKey[];
  required: number;
  counted: number;
  met: boolean;
  /** required − counted when short, 0 when met. */
  shortBy: number;
  /** Credit of this measure left out by the caps. */
  removedByCaps: number;
  /** Every record counted toward it, chronologically; the amounts add up to `counted`. */
  contributions: Contribution[];
}

/** Whether a rule set's alternative (rule.alternatives) holds on the licensee's attributes. */
export interface AlternativeOutcome {
  id: string;
  label: string;
  /** True when every condition holds, false when one fails, null when an attribute it needs is not known (never applied). */
  holds: boolean | null;
  /** The attributes it needs that the board has not given (empty when it holds or fails). */
  unknownAttributes: AttributeKey[];
  /** In words, for the page. */
  explanation: string;
}

export interface CycleEvaluation {
  organisationCode: string;
  cycle: { start: string; end: string };
  /** "meets" when an alternative holds, whatever the credit shows (see `satisfiedBy`). */
  status: ComplianceStatus;
  /** Every requirement that applies is met (whatever the review flags say, and whether or not an alternative holds). */
  requirementsMet: boolean;
  /** The rule set's alternative that satisfied the check (Oregon's MOC participation), or null. */
  satisfiedBy: { id: string; label: string } | null;
  /** Every alternative of the rule set, in order, and whether it holds. */
  alternatives: AlternativeOutcome[];
  /**
   * What the board should fill in: the attributes whose being unknown decided a requirement's
   * `applies`, plus, when the requirements are not met, those an alternative needs.
   */
  unknownAttributes: AttributeKey[];
  /** Why the status is "needs_review" (empty otherwise, and when the status is "nothing"). */
  reviewReasons: string[];
  /** The total first, then the rule set's requirements in order. */
  requirements: RequirementOutcome[];
  /** Every input record, by completion date then id. */
  records: RecordOutcome[];
}

// ================================================================ evaluateCycle

interface PreparedRecord {
  id: string;
  report: LicenseeCreditReport;
  /** What the record may count (credit-totals.ts): the activity's maximum when over it. */
  credits: Hundredths;
  /** Accepted, not deleted, valid, completed by the cycle end: may count toward something. */
  countable: boolean;
  reasons: RecordReason[];
}

interface Window {
  start: string | null;
  end: string;
}

/** What one requirement (or one of its sub-periods) counts: the records in its window, each by some amount. */
interface Measure {
  id: string;
  window: Window;
  amountOf(record: PreparedRecord): Hundredths;
  /** The outcome's label (a sub-period's names its years). */
  label?: string;
}

interface MeasureCount {
  counted: Hundredths;
  removedByCaps: Hundredths;
  perRecord: Map<string, CountedEntry>;
}

interface CountedEntry {
  record: PreparedRecord;
  counted: Hundredths;
  removedDaily: Hundredths;
  removedYearly: Hundredths;
}

/**
 * Checks a licensee's credit reports for one board against the board's rule set for a cycle.
 *
 * Pass every credit report the licensee has for the board, not only the cycle's: one-time and
 * look-back requirements count completions before the cycle start (see
 * `earliestCompletionNeeded`). Completions after the cycle end never count.
 *
 * Counting, for the total and each requirement separately, over the completions in its window
 * (steps 1 and 2 are the one credit-total definition, credit-totals.ts):
 * 1. Only accepted, not deleted records with a real completion date and a valid amount count, and
 *    a record over the activity's binding maximum counts the maximum.
 * 2. Same activity, same completion day counts once: the record with the larger amount for that
 *    measure (ties: the smaller id). The total's choice is named in the others' `duplicate` reason.
 * 3. A credit-type or topic amount counts at most the record's credits, and a combined group
 *    counts a record's largest amount among its types, never the sum (amounts are not additive).
 * 4. Caps, record by record in order of completion date then id: the daily cap first, then the
 *    calendar-year cap on what the day allowed. Caps bound each measure on its own, so credit cut
 *    from the total by a cap can still count toward a credit-type minimum.
 * Every count is a sum of capped sums of maximums, so adding a record never lowers one, and the
 * order of the input never matters.
 */
export function evaluateCycle(
  rule: RequirementRuleSet,
  records: readonly LicenseeCreditReport[],
  cycleDates: { start: string; end: string },
  options: EvaluateOptions = {},
): CycleEvaluation {
  const cycleWindow = checkedCycle(cycleDates);
  const prepared = prepareRecords(records, cycleWindow);
  const groups = sameDayGroups(prepared);

  const attributes = options.attributes ?? {};
  const person = orgWords(organisationKindOf(rule.organisationCode) ?? "state_board").person;

  const totalMeasure: Measure = { id: "total", window: cycleWindow, amountOf: (r) => r.credits };
  const totalCount = countMeasure(totalMeasure, groups, rule.caps);
  markDuplicates(groups);
  markCaps(totalCount, rule.caps);

  const total = totalOutcome(rule, totalCount, cycleWindow, attributes);
  const outcomes: RequirementOutcome[] = [total];
  for (const requirement of rule.requirements) {
    // Who a requirement applies to is judged against the cycle (not a requirement's own window).
    const applicability = applicabilityOf(requirement, attributes, cycleWindow, person);
    for (const measure of requirementMeasures(rule, requirement, cycleWindow)) {
      const count = countMeasure(measure, groups, rule.caps);
      outcomes.push(requirementOutcome(rule, requirement, measure, count, toHundredths(total.required), totalCount.counted, applicability));
    }
  }

  const countedByRecord = countedTowardsByRecord(outcomes);
  const recordOutcomes = prepared.map((r) => recordOutcome(r, countedByRecord.get(r.report.id) ?? {})).sort(byDateThenId);
  const requirementsMet = outcomes.every((o) => !o.applies || o.met);
  const alternatives = (rule.alternatives ?? []).map((a) => alternativeOutcome(a, attributes, cycleWindow));
  const satisfying = alternatives.find((a) => a.holds === true);
  const satisfiedBy = satisfying ? { id: satisfying.id, label: satisfying.label } : null;
  const hasCycleCredit = prepared.some((r) => r.countable && r.credits > 0 && inWindow(r.report.completionDate, cycleWindow));
  const reviewReasons = hasCycleCredit && !satisfiedBy ? reviewReasonsFor(recordOutcomes, outcomes) : [];
  const status: ComplianceStatus = satisfiedBy ? "meets" : !hasCycleCredit ? "nothing" : reviewReasons.length > 0 ? "needs_review" : requirementsMet ? "meets" : "short";
  const unknownAttributes = [
    ...new Set([...outcomes.flatMap((o) => o.unknownAttributes), ...(requirementsMet || satisfiedBy ? [] : alternatives.flatMap((a) => a.unknownAttributes))]),
  ];

  return {
    organisationCode: rule.organisationCode,
    cycle: { start: cycleWindow.start, end: cycleWindow.end },
    status,
    requirementsMet,
    satisfiedBy,
    alternatives,
    unknownAttributes,
    reviewReasons,
    requirements: outcomes,
    records: recordOutcomes,
  };
}

/**
 * The earliest completion date the rule set can count for this cycle (YYYY-MM-DD), or null when
 * a one-time requirement can count any date: what to load from the store before `evaluateCycle`.
 */
export function earliestCompletionNeeded(rule: RequirementRuleSet, cycleDates: { start: string; end: string }): string | null {
  const cycleWindow = checkedCycle(cycleDates);
  let earliest: string = cycleWindow.start;
  for (const requirement of rule.requirements) {
    for (const measure of requirementMeasures(rule, requirement, cycleWindow)) {
      const start = measure.window.start;
      if (start === null) return null;
      if (start < earliest) earliest = start;
    }
  }
  return earliest;
}

function checkedCycle(cycleDates: { start: string; end: string }): { start: string; end: string } {
  if (!parseDate(cycleDates.start) || !parseDate(cycleDates.end) || cycleDates.start > cycleDates.end) {
    throw new RangeError(`A cycle needs real dates YYYY-MM-DD with start on or before end; got ${cycleDates.start} to ${cycleDates.end}.`);
  }
  return { start: cycleDates.start, end: cycleDates.end };
}

function inWindow(date: string, window: Window): boolean {
  return (window.start === null || date >= window.start) && date <= window.end;
}

function byDateThenId(a: { completionDate: string; id: string }, b: { completionDate: string; id: string }): number {
  if (a.completionDate !== b.completionDate) return a.completionDate < b.completionDate ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

// ---------------------------------------------------------------- step 1: what may count

function prepareRecords(records: readonly LicenseeCreditReport[], cycleWindow: { start: string; end: string }): PreparedRecord[] {
  const ids = new Set<string>();
  return records.map((report) => {
    if (ids.has(report.id)) throw new Error(`Credit report ids must be unique; ${report.id} appears twice.`);
    ids.add(report.id);
    const reasons: RecordReason[] = [];
    const check = eligibility({ ...report, maximum: report.maximum ?? null });
    // A record both deleted and rejected says both, as it always has.
    if (report.deleted) reasons.push({ code: "deleted", message: "Deleted by the provider (records are not edited: a corrected one may replace it)." });
    if (report.status !== "accepted") reasons.push({ code: "rejected", message: "Rejected by the reporting program." });
    if (reasons.length === 0 && check.code === "invalid") reasons.push({ code: "invalid", message: check.reason ?? "Not a valid record." });
    if (reasons.length === 0 && report.completionDate > cycleWindow.end) {
      reasons.push({ code: "afterCycle", message: `Completed after the cycle ended (${cycleWindow.end}).` });
    }
    const countable = reasons.length === 0;
    if (countable && check.code === "overMaximum") reasons.push({ code: "overMaximum", amount: fromHundredths(check.overBy), message: check.reason ?? "" });
    if (countable && report.completionDate < cycleWindow.start) {
      reasons.push({ code: "beforeCycle", message: `Completed before the cycle began (${cycleWindow.start}); it can count only toward one-time or look-back requirements.` });
    }
    return { id: report.id, report, credits: countable ? check.credits : 0, countable, reasons };
  });
}

/** Countable records grouped by activity and completion day (the de-duplication key). */
function sameDayGroups(records: readonly PreparedRecord[]): PreparedRecord[][] {
  const groups = new Map<string, PreparedRecord[]>();
  for (const record of records) {
    if (!record.countable) continue;
    const key = sameDayKey({ boardCode: "", activityId: record.report.activityId, completionDate: record.report.completionDate });
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return [...groups.values()];
}

// ---------------------------------------------------------------- steps 2–4: counting a measure

/** The record of a same-day group that counts for a measure: the larger amount, then the smaller id (credit-totals.ts). */
function representative(group: readonly PreparedRecord[], amountOf: (r: PreparedRecord) => Hundredths): PreparedRecord {
  return creditRepresentative(group, amountOf);
}

function countMeasure(measure: Measure, groups: readonly PreparedRecord[][], caps: Caps | undefined): MeasureCount {
  const entries = groups
    .filter((group) => inWindow((group[0] as PreparedRecord).report.completionDate, measure.window))
    .map((group) => representative(group, measure.amountOf))
    .filter((record) => measure.amountOf(record) > 0)
    .sort((a, b) => byDateThenId(a.report, b.report));

  const perDayCap = caps?.perDay === undefined ? null : toHundredths(caps.perDay);
  const perYearCap = caps?.perCalendarYear === undefined ? null : toHundredths(caps.perCalendarYear);
  const usedByDay = new Map<string, Hundredths>();
  const usedByYear = new Map<string, Hundredths>();
  const perRecord = new Map<string, CountedEntry>();
  let counted = 0;
  let removedByCaps = 0;
  for (const record of entries) {
    const day = record.report.completionDate;
    const year = day.slice(0, 4);
    const amount = measure.amountOf(record);
    const afterDay = perDayCap === null ? amount : Math.min(amount, Math.max(0, perDayCap - (usedByDay.get(day) ?? 0)));
    usedByDay.set(day, (usedByDay.get(day) ?? 0) + afterDay);
    const afterYear = perYearCap === null ? afterDay : Math.min(afterDay, Math.max(0, perYearCap - (usedByYear.get(year) ?? 0)));
    usedByYear.set(year, (usedByYear.get(year) ?? 0) + afterYear);
    perRecord.set(record.report.id, { record, counted: afterYear, removedDaily: amount - afterDay, removedYearly: afterDay - afterYear });
    counted += afterYear;
    removedByCaps += amount - afterYear;
  }
  return { counted, removedByCaps, perRecord };
}

/** Every record of a same-day group but the total's choice gets a `duplicate` reason naming it. */
function markDuplicates(groups: readonly PreparedRecord[][]): void {
  for (const group of groups) {
    if (group.length < 2) continue;
    const kept = representative(group, (r) => r.credits);
    for (const record of group) {
      if (record === kept) continue;
      record.reasons.push({
        code: "duplicate",
        duplicateOf: kept.report.id,
        message: `Same activity and completion day as record ${kept.report.id}, which the total counts instead (the larger amount, then the smaller id). For each requirement the record with the larger amount counts.`,
      });
    }
  }
}

function markCaps(totalCount: MeasureCount, caps: Caps | undefined): void {
  for (const entry of totalCount.perRecord.values()) {
    const date = entry.record.report.completionDate;
    if (entry.removedDaily > 0) {
      entry.record.reasons.push({
        code: "dailyCap",
        amount: fromHundredths(entry.removedDaily),
        message: `${formatRuleCredits(fromHundredths(entry.removedDaily))} credits over the cap of ${formatRuleCredits(caps?.perDay ?? 0)} a day on ${date} not counted.`,
      });
    }
    if (entry.removedYearly > 0) {
      entry.record.reasons.push({
        code: "yearlyCap",
        amount: fromHundredths(entry.removedYearly),
        message: `${formatRuleCredits(fromHundredths(entry.removedYearly))} credits over the cap of ${formatRuleCredits(caps?.perCalendarYear ?? 0)} a calendar year in ${date.slice(0, 4)} not counted.`,
      });
    }
  }
}

// ---------------------------------------------------------------- requirements

function windowFor(period: RequirementPeriod, cycleWindow: { start: string; end: string }): Window {
  switch (period.kind) {
    case "cycle":
      return { start: cycleWindow.start, end: cycleWindow.end };
    case "ever":
      return { start: null, end: cycleWindow.end };
    case "lastYears":
      return { start: formatDate(periodStart(parseDate(cycleWindow.end) as CalendarDate, period.years)), end: cycleWindow.end };
  }
}

/** A record's amount of any of the types, capped at its credits; the largest, never the sum. */
function creditTypeAmount(record: PreparedRecord, types: readonly string[]): Hundredths {
  let largest = 0;
  for (const type of types) {
    const value = record.report.creditTypes[type];
    if (typeof value === "number" && Number.isFinite(value) && value > 0) largest = Math.max(largest, toHundredths(value));
  }
  return Math.min(largest, record.credits);
}

/** The same calendar position `years` later (month ends stay month ends, as cycles do). */
function yearsAfter(date: CalendarDate, years: number): CalendarDate {
  return addYears(date, years);
}

/**
 * The windows of a sub-period requirement: `subPeriodCount` consecutive `years`-long windows from
 * the cycle's first day (each ends the day before the same date `years` later). A trailing
 * remainder is not a window. Should the dates given be shorter than the rule's cycle, windows are
 * cut at the cycle end (and one past it collapses onto the last day), so the ids never change.
 */
export function subPeriodWindows(rule: RequirementRuleSet, requirement: { years: number }, cycleWindow: { start: string; end: string }): Array<{ start: string; end: string }> {
  const dayBefore = addDays(parseDate(cycleWindow.start) as CalendarDate, -1);
  const windows: Array<{ start: string; end: string }> = [];
  for (let n = 1; n <= subPeriodCount(rule, requirement); n++) {
    const start = formatDate(addDays(yearsAfter(dayBefore, (n - 1) * requirement.years), 1));
    const end = formatDate(yearsAfter(dayBefore, n * requirement.years));
    windows.push({ start: start < cycleWindow.end ? start : cycleWindow.end, end: end < cycleWindow.end ? end : cycleWindow.end });
  }
  return windows;
}

/** What a requirement counts: one measure, or one per sub-period (ids `${id}-${n}`). */
function requirementMeasures(rule: RequirementRuleSet, requirement: Requirement, cycleWindow: { start: string; end: string }): Measure[] {
  if (requirement.kind === "subPeriods") {
    const types = requirement.creditTypes;
    const amountOf = types ? (r: PreparedRecord) => creditTypeAmount(r, types) : (r: PreparedRecord) => r.credits;
    return subPeriodWindows(rule, requirement, cycleWindow).map((window, i) => ({
      id: `${requirement.id}-${i + 1}`,
      window,
      amountOf,
      label: subPeriodLabel(requirement, i + 1, rule.creditLabel),
    }));
  }
  const period: RequirementPeriod = requirement.kind === "share" ? { kind: "cycle" } : requirement.period;
  return [{ id: requirement.id, window: windowFor(period, cycleWindow), amountOf: (r) => creditTypeAmount(r, requirement.creditTypes) }];
}

function contributions(count: MeasureCount): Contribution[] {
  return [...count.perRecord.values()]
    .filter((entry) => entry.counted > 0)
    .sort((a, b) => byDateThenId(a.record.report, b.record.report))
    .map((entry) => ({ recordId: entry.record.report.id, amount: fromHundredths(entry.counted) }));
}

function outcomeNumbers(required: Hundredths, count: MeasureCount) {
  return {
    required: fromHundredths(required),
    counted: fromHundredths(count.counted),
    met: count.counted >= required,
    shortBy: fromHundredths(Math.max(0, required - count.counted)),
    removedByCaps: fromHundredths(count.removedByCaps),
    contributions: contributions(count),
  };
}

/**
 * The total required, prorated (North Dakota) for a licensee first licensed during the cycle: the
 * per-year amount times the cycle's year-long parts (counted from its first day) that begin on or
 * after the initial license date, never more than the full total. Without a known date: the full total.
 */
export function requiredTotal(
  rule: RequirementRuleSet,
  attributes: Readonly<LicenseeAttributes>,
  cycleWindow: { start: string; end: string },
): { required: Hundredths; prorated: { licensedYears: number; since: string } | null } {
  const full = toHundredths(rule.total.minimum);
  const prorate = rule.total.proratePerYear;
  const since = prorate ? attributes[prorate.attribute] : undefined;
  if (!prorate || typeof since !== "string" || !parseDate(since) || since <= cycleWindow.start) return { required: full, prorated: null };
  const dayBefore = addDays(parseDate(cycleWindow.start) as CalendarDate, -1);
  let licensedYears = 0;
  for (let k = 0; k < rule.cycle.years; k++) {
    if (formatDate(addDays(yearsAfter(dayBefore, k), 1)) >= since) licensedYears += 1;
  }
  return { required: Math.min(full, licensedYears * toHundredths(prorate.credits)), prorated: { licensedYears, since } };
}

function totalOutcome(rule: RequirementRuleSet, count: MeasureCount, window: Window & { start: string }, attributes: Readonly<LicenseeAttributes>): RequirementOutcome {
  const { required, prorated } = requiredTotal(rule, attributes, window);
  const perYear = rule.total.proratePerYear?.credits ?? 0;
  const applicability = prorated
    ? `Prorated: first licensed on ${prorated.since}, so ${prorated.licensedYears} full ${prorated.licensedYears === 1 ? "year" : "years"} of the cycle licensed × ${formatRuleCredits(perYear)} = ${formatRuleCredits(fromHundredths(required))} (instead of ${formatRuleCredits(rule.total.minimum)}).`
    : null;
  return {
    id: "total",
    requirementId: "total",
    kind: "total",
    label: `Total ${rule.creditLabel}`,
    description: describeTotal(rule),
    window,
    applies: true,
    applicability,
    unknownAttributes: [],
    ...outcomeNumbers(required, count),
  };
}

function requirementOutcome(
  rule: RequirementRuleSet,
  requirement: Requirement,
  measure: Measure,
  count: MeasureCount,
  totalRequired: Hundredths,
  totalCounted: Hundredths,
  applicability: { applies: boolean; applicability: string | null; unknownAttributes: AttributeKey[] },
): RequirementOutcome {
  const window = measure.window;
  const description =
    requirement.kind === "subPeriods"
      ? `${describeRequirement(rule, requirement)}. This one: ${subPeriodYears(requirement, Number(measure.id.slice(requirement.id.length + 1)))}, ${window.start} to ${window.end}.`
      : describeRequirement(rule, requirement);
  return {
    id: measure.id,
    requirementId: requirement.id,
    kind: requirement.kind,
    label: measure.label ?? requirementLabel(requirement, rule.creditLabel),
    description,
    window,
    ...applicability,
    unknownAttributes: [...applicability.unknownAttributes],
    ...outcomeNumbers(requiredAmount(requirement, totalRequired, totalCounted), count),
  };
}

/** A share is rounded up to the hundredth: 40% of 100.75 asks for 40.30, never 40.29. */
function requiredAmount(requirement: Requirement, totalRequired: Hundredths, totalCounted: Hundredths): Hundredths {
  if (requirement.kind !== "share") return toHundredths(requirement.minimum);
  const base = requirement.basis === "requiredTotal" ? totalRequired : totalCounted;
  return Math.ceil((requirement.percent * base) / 100);
}

/** Whether an alternative holds: every condition true; one false fails it; otherwise unknown (not applied). */
function alternativeOutcome(alternative: Alternative, attributes: Readonly<LicenseeAttributes>, cycleWindow: { start: string }): AlternativeOutcome {
  const results = alternative.when.map((c) => ({ condition: c, holds: conditionHolds(c, attributes, cycleWindow.start) }));
  const base = { id: alternative.id, label: alternative.label };
  const what = alternative.label.charAt(0).toLowerCase() + alternative.label.slice(1);
  if (results.some((r) => r.holds === false)) return { ...base, holds: false, unknownAttributes: [], explanation: `Not met by ${what}: the board's records say it does not hold.` };
  const unknown = [...new Set(results.filter((r) => r.holds === null).map((r) => r.condition.attribute))];
  if (unknown.length === 0) return { ...base, holds: true, unknownAttributes: [], explanation: `Met by ${what}, as the board's records say, whatever the credit shows.` };
  const missing = unknown.map((k) => (attributeDefinition(k)?.label ?? k).toLowerCase()).join(", ");
  return { ...base, holds: null, unknownAttributes: unknown, explanation: `Not applied: the board has not said (${missing}) whether ${what} holds.` };
}

/** Whether one condition holds on the licensee's attributes; null when the attribute is not known. */
export function conditionHolds(condition: AttributeCondition, attributes: Readonly<LicenseeAttributes>, cycleStart: string | null): boolean | null {
  const value = attributes[condition.attribute];
  if (value === undefined || value === null) return null;
  if ("is" in condition) return typeof value === "boolean" ? value === condition.is : null;
  if ("oneOf" in condition) {
    if (typeof value !== "string") return null;
    const wanted = value.trim().toLowerCase();
    return condition.oneOf.some((s) => s.trim().toLowerCase() === wanted);
  }
  if ("moreThan" in condition) return typeof value === "number" ? value > condition.moreThan : null;
  if (typeof value !== "string" || cycleStart === null) return null;
  return value < cycleStart;
}

/**
 * A requirement with `appliesTo` applies when every condition holds. One that fails decides "does
 * not apply" even if others are unknown; otherwise an unknown attribute leaves it to `whenUnknown`.
 */
export function applicabilityOf(
  requirement: { appliesTo?: AppliesTo | undefined },
  attributes: Readonly<LicenseeAttributes>,
  window: { start: string | null },
  /** "licensee" or "diplomate": the organization's word for the person (domain/org-words.ts). */
  person = "licensee",
): { applies: boolean; applicability: string | null; unknownAttributes: AttributeKey[] } {
  const appliesTo = requirement.appliesTo;
  if (!appliesTo) return { applies: true, applicability: null, unknownAttributes: [] };
  const results = appliesTo.when.map((c) => ({ condition: c, holds: conditionHolds(c, attributes, window.start) }));
  if (results.some((r) => r.holds === false)) {
    return { applies: false, applicability: `Does not apply: the ${person} is not one of the ${appliesTo.label}.`, unknownAttributes: [] };
  }
  const unknown = [...new Set(results.filter((r) => r.holds === null).map((r) => r.condition.attribute))];
  if (unknown.length === 0) return { applies: true, applicability: `Applies: the ${person} is one of the ${appliesTo.label}.`, unknownAttributes: [] };
  const missing = unknown.map((k) => (attributeDefinition(k)?.label ?? k).toLowerCase()).join(", ");
  return appliesTo.whenUnknown === "applies"
    ? { applies: true, applicability: `Applied because the board has not said (${missing}) whether the ${person} is one of the ${appliesTo.label}.`, unknownAttributes: unknown }
    : { applies: false, applicability: `Not applied: it applies only to ${appliesTo.label}, and the board has not said (${missing}) whether the ${person} is one of them.`, unknownAttributes: unknown };
}

// ---------------------------------------------------------------- records and status

/** Record id → requirement id → amount counted, from the requirements' contributions. */
function countedTowardsByRecord(outcomes: readonly RequirementOutcome[]): Map<string, Record<string, number>> {
  const byRecord = new Map<string, Record<string, number>>();
  for (const outcome of outcomes) {
    for (const contribution of outcome.contributions) {
      const counted = byRecord.get(contribution.recordId) ?? {};
      counted[outcome.id] = contribution.amount;
      byRecord.set(contribution.recordId, counted);
    }
  }
  return byRecord;
}

function recordOutcome(record: PreparedRecord, countedTowards: Record<string, number>): RecordOutcome {
  const known = new Set<string>(RECORD_FLAGS);
  const reviewFlags = (record.report.flags ?? []).filter((f): f is RecordFlag => known.has(f) && (REVIEW_FLAGS as readonly string[]).includes(f));
  return {
    id: record.report.id,
    activityId: record.report.activityId,
    completionDate: record.report.completionDate,
    credits: record.report.credits,
    countedInCycle: countedTowards.total ?? 0,
    countedTowards,
    reasons: record.reasons,
    reviewFlags: [...new Set(reviewFlags)],
  };
}

/** A flagged record sends the result to review only if it counts toward a requirement that applies. */
function reviewReasonsFor(records: readonly RecordOutcome[], outcomes: readonly RequirementOutcome[]): string[] {
  const applying = new Set(outcomes.filter((o) => o.applies).map((o) => o.id));
  const reasons: string[] = [];
  for (const record of records) {
    if (record.reviewFlags.length === 0) continue;
    const counts = Object.keys(record.countedTowards).filter((id) => applying.has(id));
    if (counts.length === 0) continue;
    const labels = record.reviewFlags.map((f) => FLAG_LABELS[f]).join(", ");
    const counted = outcomes.filter((o) => counts.includes(o.id)).map((o) => `${formatRuleCredits(record.countedTowards[o.id] ?? 0)} toward ${o.label}`);
    reasons.push(`Record ${record.id} (completed ${record.completionDate}) is flagged “${labels}” and counts ${counted.join(", ")}.`);
  }
  return reasons;
}
