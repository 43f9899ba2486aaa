// The compliance engine: cycles for each anchor, every seeded organisation's requirements met
// just, short by an exact amount and at their date boundaries, de-duplication, caps, non-additive
// credit types, one-time topics, shares, status and review flags; then properties over random
// credit reports. Every expected number is worked out by hand in the test, never read back from
// the engine.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cycleFor,
  earliestCompletionNeeded,
  evaluateCycle,
  REVIEW_FLAGS,
  type CycleEvaluation,
  type LicenseeCreditReport,
  type LicenseeForCycle,
  type RequirementOutcome,
} from "../../app/lib/compliance";
import { ruleMeasures, seededRuleSet, SEEDED_REQUIREMENT_RULES, type RequirementRuleSet } from "../../domain/requirement-rules";

// ---------------------------------------------------------------- helpers

function rule(code: string): RequirementRuleSet {
  const found = seededRuleSet(code);
  if (!found) throw new Error(`no seeded rule for ${code}`);
  return found;
}

let lastId = 0;
/** An accepted, live credit report of its own activity (ids increase with each call). */
function credit(completionDate: string, credits: number, more: Partial<LicenseeCreditReport> = {}): LicenseeCreditReport {
  lastId += 1;
  const id = `r${String(lastId).padStart(5, "0")}`;
  return { id, activityId: `activity-${id}`, completionDate, status: "accepted", deleted: false, credits, creditTypes: {}, ...more };
}

const DAY_MS = 86_400_000;
function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * `total` credits as records of at most 10 credits, 80 days apart from `from` (so at most 5 a
 * calendar year and one a day, under every seeded cap), each carrying its whole amount of every
 * type in `types`. Refuses to go past `until`, so a test cannot silently count outside its window.
 */
function spread(from: string, total: number, types: readonly string[], until: string): LicenseeCreditReport[] {
  const records: LicenseeCreditReport[] = [];
  let left = total;
  for (let k = 0; left > 0; k++) {
    const chunk = Math.min(10, left);
    const date = addDays(from, 80 * k);
    if (date > until) throw new Error(`spread: ${total} credits from ${from} do not fit before ${until}`);
    records.push(credit(date, chunk, { creditTypes: Object.fromEntries(types.map((t) => [t, chunk])) }));
    left -= chunk;
  }
  return records;
}

function outcome(evaluation: CycleEvaluation, id: string): RequirementOutcome {
  const found = evaluation.requirements.find((r) => r.id === id);
  if (!found) throw new Error(`no requirement ${id}`);
  return found;
}

function recordOf(evaluation: CycleEvaluation, id: string) {
  const found = evaluation.records.find((r) => r.id === id);
  if (!found) throw new Error(`no record ${id}`);
  return found;
}

function cycleOf(code: string, licensee: Partial<LicenseeForCycle>, asOf: string) {
  const result = cycleFor(rule(code), { birthMonth: 6, birthDay: 15, ...licensee }, { asOf });
  if (!result.ok) throw new Error(result.problem);
  return result.cycle;
}

// ---------------------------------------------------------------- every organisation's total

// The cycles are worked out by hand from each anchor (REQUIREMENTS.md):
const ORGANISATION_CYCLES: [code: string, licensee: Partial<LicenseeForCycle>, asOf: string, start: string, end: string, total: number][] = [
  // Calendar year containing 2026-06-30.
  ["AL-M", {}, "2026-06-30", "2026-01-01", "2026-12-31", 25],
  // Born in March: next last day of March on or after 2026-06-30 is 2027-03-31; two years back is 2025-03-31, so it starts 2025-04-01.
  ["CA-M", { birthMonth: 3 }, "2026-06-30", "2025-04-01", "2027-03-31", 50],
  // Born in November: 2026-11-30 is still ahead on 2026-06-30; it starts the day after 2024-11-30.
  ["ME-M", { birthMonth: 11 }, "2026-06-30", "2024-12-01", "2026-11-30", 40],
  // Roster end 2026-12-31, 2 years: from 2025-01-01.
  ["ME-O", { cycleEnd: "2026-12-31" }, "2026-06-30", "2025-01-01", "2026-12-31", 100],
  // Adams (A–L) ends September 30 of even years: 2026-09-30 is next; starts 2024-10-01.
  ["MD-M", { lastName: "Adams" }, "2026-06-30", "2024-10-01", "2026-09-30", 25],
  ["OR-M", { cycleEnd: "2027-12-31" }, "2026-06-30", "2026-01-01", "2027-12-31", 60],
  // Roster end 2026-08-31, 3 years back is 2023-08-31, so it starts 2023-09-01.
  ["NC-M", { cycleEnd: "2026-08-31" }, "2026-06-30", "2023-09-01", "2026-08-31", 60],
  // Compliance year 2025 (2016, 2019, 2022, 2025): the cycle 2023-01-01 to 2025-12-31.
  ["ND-M", {}, "2025-06-30", "2023-01-01", "2025-12-31", 60],
  ["VI-M", { cycleEnd: "2026-04-30" }, "2026-06-30", "2024-05-01", "2026-04-30", 50],
  // Roster end 2030-12-31, 10 years: from 2021-01-01.
  ["ABA", { cycleEnd: "2030-12-31" }, "2026-06-30", "2021-01-01", "2030-12-31", 250],
  ["ABIM", { cycleEnd: "2027-12-31" }, "2026-06-30", "2023-01-01", "2027-12-31", 100],
  ["ABO", { cycleEnd: "2026-12-31" }, "2026-06-30", "2025-01-01", "2026-12-31", 50],
  ["ABOHNS", {}, "2026-03-01", "2026-01-01", "2026-12-31", 25],
  ["ABPATH", { cycleEnd: "2026-06-30" }, "2026-01-15", "2024-07-01", "2026-06-30", 70],
  ["ABP", { cycleEnd: "2028-12-31" }, "2026-06-30", "2024-01-01", "2028-12-31", 100],
  // Rolling 5 years ending on the date checked: 2021-07-01 to 2026-06-30.
  ["ABS", {}, "2026-06-30", "2021-07-01", "2026-06-30", 150],
];

describe.each(ORGANISATION_CYCLES)("%s total credits", (code, licensee, asOf, start, end, total) => {
  it(`places the cycle ${start} to ${end}`, () => {
    const cycle = cycleOf(code, licensee, asOf);
    expect({ start: cycle.start, end: cycle.end }).toEqual({ start, end });
  });

  it(`is met by exactly ${total} credits, from the first day to the last`, () => {
    // 1 on the first day + 1 on the last day + (total − 2) in between = total.
    const records = [credit(start, 1), credit(end, 1), ...spread(addDays(start, 1), total - 2, [], end)];
    const evaluation = evaluateCycle(rule(code), records, { start, end });
    expect(outcome(evaluation, "total")).toMatchObject({ required: total, counted: total, met: true, shortBy: 0 });
    expect(recordOf(evaluation, records[0]?.id ?? "").countedInCycle).toBe(1);
    expect(recordOf(evaluation, records[1]?.id ?? "").countedInCycle).toBe(1);
  });

  it("is short by exactly 0.25 with a quarter credit less", () => {
    // 1 + 1 + (total − 2.25) = total − 0.25.
    const records = [credit(start, 1), credit(end, 1), ...spread(addDays(start, 1), total - 2.25, [], end)];
    const totalOutcome = outcome(evaluateCycle(rule(code), records, { start, end }), "total");
    expect(totalOutcome).toMatchObject({ required: total, counted: total - 0.25, met: false, shortBy: 0.25 });
  });

  it("leaves out credit completed one day before the cycle or one day after", () => {
    const before = credit(addDays(start, -1), 1);
    const after = credit(addDays(end, 1), 1);
    // Only the (total − 2) in between count: short by 2.
    const records = [before, after, ...spread(addDays(start, 1), total - 2, [], end)];
    const evaluation = evaluateCycle(rule(code), records, { start, end });
    expect(outcome(evaluation, "total")).toMatchObject({ counted: total - 2, shortBy: 2, met: false });
    expect(recordOf(evaluation, before.id)).toMatchObject({ countedInCycle: 0, reasons: [{ code: "beforeCycle" }] });
    expect(recordOf(evaluation, after.id)).toMatchObject({ countedInCycle: 0, countedTowards: {}, reasons: [{ code: "afterCycle" }] });
  });
});

// ---------------------------------------------------------------- every topic / credit-type minimum

const REQUIREMENT_ROWS: [code: string, id: string, types: string[], minimum: number, cycle: [string, string], windowStart: string | null][] = [
  // AL-M: 2 h controlled substance in the 2 years ending 2026-12-31, i.e. from 2025-01-01.
  ["AL-M", "controlled-substance", ["Controlled Substance"], 2, ["2026-01-01", "2026-12-31"], "2025-01-01"],
  ["CA-M", "pain-end-of-life", ["Pain Management"], 12, ["2025-04-01", "2027-03-31"], null],
  ["CA-M", "pain-end-of-life", ["End-of-Life Care"], 12, ["2025-04-01", "2027-03-31"], null],
  ["ME-M", "opioid-prescribing", ["Opioid Prescribing"], 3, ["2024-12-01", "2026-11-30"], "2024-12-01"],
  ["ME-O", "opioid-prescribing", ["Opioid Prescribing"], 3, ["2025-01-01", "2026-12-31"], "2025-01-01"],
  ["MD-M", "opioid-prescribing", ["Opioid Prescribing"], 1, ["2024-10-01", "2026-09-30"], "2024-10-01"],
  ["MD-M", "implicit-bias", ["Implicit Bias"], 1, ["2024-10-01", "2026-09-30"], null],
  ["OR-M", "pain-management", ["Pain Management"], 1, ["2026-01-01", "2027-12-31"], "2026-01-01"],
  ["OR-M", "cultural-competency", ["Cultural Competency"], 2, ["2026-01-01", "2027-12-31"], "2026-01-01"],
  ["NC-M", "controlled-substance", ["Controlled Substance"], 3, ["2023-09-01", "2026-08-31"], "2023-09-01"],
  ["ABA", "patient-safety", ["Patient Safety"], 20, ["2021-01-01", "2030-12-31"], "2021-01-01"],
  ["ABO", "self-assessment", ["Self-Assessment"], 16, ["2025-01-01", "2026-12-31"], "2025-01-01"],
  // ABO: patient safety in the 10 years ending 2026-12-31, i.e. from 2017-01-01.
  ["ABO", "patient-safety", ["Patient Safety"], 0.25, ["2025-01-01", "2026-12-31"], "2017-01-01"],
  ["ABPATH", "self-assessment", ["Self-Assessment"], 20, ["2024-07-01", "2026-06-30"], "2024-07-01"],
  ["ABP", "lifelong-learning", ["Lifelong Learning and Self-Assessment"], 50, ["2024-01-01", "2028-12-31"], "2024-01-01"],
  ["ABP", "improving-practice", ["Improving Professional Practice"], 50, ["2024-01-01", "2028-12-31"], "2024-01-01"],
  ["ABS", "self-assessment", ["Self-Assessment"], 50, ["2021-07-01", "2026-06-30"], "2021-07-01"],
];

describe.each(REQUIREMENT_ROWS)("%s %s from %j", (code, id, types, minimum, [start, end], windowStart) => {
  // One-time requirements are met by credit from long before the cycle.
  const from = windowStart ?? "2016-01-01";

  it(`is met by exactly ${minimum}`, () => {
    const evaluation = evaluateCycle(rule(code), spread(from, minimum, types, end), { start, end });
    expect(outcome(evaluation, id)).toMatchObject({ required: minimum, counted: minimum, met: true, shortBy: 0, applies: true });
    expect(outcome(evaluation, id).window).toEqual({ start: windowStart, end });
  });

  it("is short by exactly 0.25 with a quarter credit less", () => {
    const evaluation = evaluateCycle(rule(code), spread(from, minimum - 0.25, types, end), { start, end });
    expect(outcome(evaluation, id)).toMatchObject({ counted: minimum - 0.25, met: false, shortBy: 0.25 });
  });

  it("counts nothing completed one day before its window, or after the cycle", () => {
    const typed = (date: string) => credit(date, minimum, { creditTypes: Object.fromEntries(types.map((t) => [t, minimum])) });
    const records = [typed(addDays(end, 1)), ...(windowStart ? [typed(addDays(windowStart, -1))] : [])];
    const evaluation = evaluateCycle(rule(code), records, { start, end });
    expect(outcome(evaluation, id)).toMatchObject({ counted: 0, shortBy: minimum, met: false });
  });
});

// ---------------------------------------------------------------- cycles

describe("cycleFor", () => {
  it("CA-M: the licence expires on the last day of the birth month, biennially", () => {
    // Born in March, checked on 2026-03-31: that day is an expiry, so the cycle ends on it.
    expect(cycleOf("CA-M", { birthMonth: 3 }, "2026-03-31")).toMatchObject({ start: "2024-04-01", end: "2026-03-31" });
    // One day later the next expiry is 2027-03-31.
    expect(cycleOf("CA-M", { birthMonth: 3 }, "2026-04-01")).toMatchObject({ start: "2025-04-01", end: "2027-03-31" });
    // Born in February: from 2027-06-01 the next expiry is 2028-02-29 (leap year); the cycle two
    // years earlier ended 2026-02-28, so this one starts 2026-03-01.
    expect(cycleOf("CA-M", { birthMonth: 2 }, "2027-06-01")).toMatchObject({ start: "2026-03-01", end: "2028-02-29" });
    // Without the roster the birth month cannot tell even from odd years: from 2028-03-01 the next
    // expiry is taken to be 2029-02-28 (two years back: 2027-02-28, so it starts 2027-03-01), and
    // the caveat says so.
    const nextYear = cycleOf("CA-M", { birthMonth: 2 }, "2028-03-01");
    expect(nextYear).toMatchObject({ start: "2027-03-01", end: "2029-02-28" });
    expect(nextYear.caveats).toHaveLength(1);
    // Annual birth-month cycles have no such doubt (ME-M is biennial, so a 1-year variant is used).
    const annual: RequirementRuleSet = { ...rule("ME-M"), cycle: { anchor: "birthMonth", years: 1, provenance: { source: "test", assumed: false } } };
    const annualCycle = cycleFor(annual, { birthMonth: 2, birthDay: 1 }, { asOf: "2028-03-01" });
    expect(annualCycle).toMatchObject({ ok: true, cycle: { start: "2028-03-01", end: "2029-02-28", caveats: [] } });
  });

  it("CA-M: says the year of a biennial birth-month expiry is assumed, and the roster settles it", () => {
    const assumed = cycleOf("CA-M", { birthMonth: 3 }, "2026-06-30");
    expect(assumed.caveats).toEqual([expect.stringContaining("roster")]);
    const fromRoster = cycleOf("CA-M", { birthMonth: 3, cycleEnd: "2028-03-31" }, "2026-06-30");
    expect(fromRoster).toMatchObject({ start: "2026-04-01", end: "2028-03-31", caveats: [] });
    expect(fromRoster.basis).toContain("roster");
    const odd = cycleOf("CA-M", { birthMonth: 3, cycleEnd: "2028-04-30" }, "2026-06-30");
    expect(odd).toMatchObject({ start: "2026-05-01", end: "2028-04-30" });
    expect(odd.caveats).toEqual([expect.stringContaining("not the last day of the licensee's birth month (March)")]);
  });

  it("MD-M: September 30, last names A–L in even years and M–Z in odd years", () => {
    expect(cycleOf("MD-M", { lastName: "Adams" }, "2026-06-30")).toMatchObject({ start: "2024-10-01", end: "2026-09-30" });
    expect(cycleOf("MD-M", { lastName: "Lopez" }, "2026-09-30")).toMatchObject({ start: "2024-10-01", end: "2026-09-30" });
    // The day after an A–L expiry the next is two years on.
    expect(cycleOf("MD-M", { lastName: "Adams" }, "2026-10-01")).toMatchObject({ start: "2026-10-01", end: "2028-09-30" });
    expect(cycleOf("MD-M", { lastName: "Miller" }, "2026-06-30")).toMatchObject({ start: "2025-10-01", end: "2027-09-30" });
    expect(cycleOf("MD-M", { lastName: "Zhang" }, "2025-09-30")).toMatchObject({ start: "2023-10-01", end: "2025-09-30" });
    // Accents and leading punctuation do not change the letter.
    expect(cycleOf("MD-M", { lastName: "Ávila" }, "2026-06-30").end).toBe("2026-09-30");
    expect(cycleOf("MD-M", { lastName: "O'Brien" }, "2026-06-30").end).toBe("2027-09-30");
    expect(cycleOf("MD-M", { lastName: " de la Cruz" }, "2026-06-30").end).toBe("2026-09-30");
  });

  it("MD-M: refuses to guess without a last name it can place", () => {
    const place = (lastName: string | undefined) => cycleFor(rule("MD-M"), { birthMonth: 1, birthDay: 1, lastName }, { asOf: "2026-06-30" });
    expect(place(undefined)).toEqual({ ok: false, problem: expect.stringContaining("no last name is known") as unknown });
    expect(place("  ")).toMatchObject({ ok: false });
    expect(place("Øster")).toEqual({ ok: false, problem: expect.stringContaining("“Ø”") as unknown });
    // With the roster's date, the last name is not needed.
    expect(cycleFor(rule("MD-M"), { birthMonth: 1, birthDay: 1, cycleEnd: "2027-09-30" }, { asOf: "2026-06-30" })).toMatchObject({
      ok: true,
      cycle: { start: "2025-10-01", end: "2027-09-30", caveats: [] },
    });
  });

  it("AL-M and ABOHNS: the calendar year", () => {
    expect(cycleOf("AL-M", {}, "2026-01-01")).toMatchObject({ start: "2026-01-01", end: "2026-12-31" });
    expect(cycleOf("AL-M", {}, "2026-12-31")).toMatchObject({ start: "2026-01-01", end: "2026-12-31" });
    expect(cycleOf("AL-M", {}, "2027-01-01")).toMatchObject({ start: "2027-01-01", end: "2027-12-31" });
    expect(cycleOf("ABOHNS", {}, "2024-02-29")).toMatchObject({ start: "2024-01-01", end: "2024-12-31" });
  });

  it("ND-M: 3-year cycles ending December 31 of 2016, 2019, 2022, 2025, …", () => {
    expect(cycleOf("ND-M", {}, "2022-12-31")).toMatchObject({ start: "2020-01-01", end: "2022-12-31" });
    expect(cycleOf("ND-M", {}, "2023-01-01")).toMatchObject({ start: "2023-01-01", end: "2025-12-31" });
    expect(cycleOf("ND-M", {}, "2025-12-31")).toMatchObject({ start: "2023-01-01", end: "2025-12-31" });
    expect(cycleOf("ND-M", {}, "2026-01-01")).toMatchObject({ start: "2026-01-01", end: "2028-12-31" });
    expect(cycleOf("ND-M", {}, "2016-06-30")).toMatchObject({ start: "2014-01-01", end: "2016-12-31" });
  });

  it("roster-anchored boards need the roster's cycle end", () => {
    for (const code of ["ME-O", "OR-M", "NC-M", "VI-M", "ABA", "ABIM", "ABO", "ABPATH", "ABP"]) {
      const result = cycleFor(rule(code), { birthMonth: 1, birthDay: 1 }, { asOf: "2026-06-30" });
      expect(result, code).toEqual({ ok: false, problem: "This board's cycles come from its roster, and the roster gives no cycle end for this licensee." });
    }
    // A roster end that is not a month end keeps its day: 3 years before 2026-08-15 is 2023-08-15.
    expect(cycleOf("NC-M", { cycleEnd: "2026-08-15" }, "2026-06-30")).toMatchObject({ start: "2023-08-16", end: "2026-08-15" });
  });

  it("ABS: a rolling 5 years up to the date checked, or up to the roster's end", () => {
    expect(cycleOf("ABS", {}, "2026-06-15")).toMatchObject({ start: "2021-06-16", end: "2026-06-15" });
    expect(cycleOf("ABS", {}, "2028-02-29")).toMatchObject({ start: "2023-03-01", end: "2028-02-29" });
    expect(cycleOf("ABS", { cycleEnd: "2027-12-31" }, "2026-06-30")).toMatchObject({ start: "2023-01-01", end: "2027-12-31" });
  });

  it("flags a roster end that is not the board's fixed date", () => {
    const cycle = cycleOf("MD-M", { lastName: "Adams", cycleEnd: "2026-10-31" }, "2026-06-30");
    expect(cycle).toMatchObject({ start: "2024-11-01", end: "2026-10-31" });
    expect(cycle.caveats).toEqual([expect.stringContaining("not September 30")]);
  });

  it("explains bad inputs instead of guessing", () => {
    expect(cycleFor(rule("AL-M"), { birthMonth: 1, birthDay: 1 }, { asOf: "2026-02-30" })).toMatchObject({ ok: false, problem: expect.stringContaining("not a real date") as unknown });
    expect(cycleFor(rule("ABA"), { birthMonth: 1, birthDay: 1, cycleEnd: "31/12/2030" }, { asOf: "2026-06-30" })).toMatchObject({ ok: false, problem: expect.stringContaining("roster's cycle end") as unknown });
    expect(cycleFor(rule("CA-M"), { birthMonth: 13, birthDay: 1 }, { asOf: "2026-06-30" })).toMatchObject({ ok: false, problem: expect.stringContaining("birth month") as unknown });
  });
});

// ---------------------------------------------------------------- counting rules

describe("same activity, same day", () => {
  const cycle = { start: "2025-01-01", end: "2026-12-31" };

  it("counts the larger record once and names it in the other's reason", () => {
    const smaller = credit("2025-05-05", 2, { activityId: "A1" });
    const larger = credit("2025-05-05", 3, { activityId: "A1" });
    const evaluation = evaluateCycle(rule("VI-M"), [smaller, larger], cycle);
    // max(2, 3) = 3, not 2 + 3.
    expect(outcome(evaluation, "total").counted).toBe(3);
    expect(recordOf(evaluation, larger.id)).toMatchObject({ countedInCycle: 3, reasons: [] });
    expect(recordOf(evaluation, smaller.id)).toMatchObject({ countedInCycle: 0, reasons: [{ code: "duplicate", duplicateOf: larger.id }] });
  });

  it("keeps the smaller id when the amounts are equal", () => {
    const first = credit("2025-05-05", 2, { activityId: "A1" });
    const second = credit("2025-05-05", 2, { activityId: "A1" });
    const evaluation = evaluateCycle(rule("VI-M"), [second, first], cycle);
    expect(recordOf(evaluation, first.id).countedInCycle).toBe(2);
    expect(recordOf(evaluation, second.id).reasons).toEqual([expect.objectContaining({ code: "duplicate", duplicateOf: first.id })]);
  });

  it("counts the same activity on different days, and different activities on one day", () => {
    const records = [credit("2025-05-05", 2, { activityId: "A1" }), credit("2025-05-06", 2, { activityId: "A1" }), credit("2025-05-05", 2, { activityId: "A2" })];
    // 2 + 2 + 2 = 6.
    expect(outcome(evaluateCycle(rule("VI-M"), records, cycle), "total").counted).toBe(6);
  });

  it("counts, for each requirement, the larger amount in the group", () => {
    const moreCredit = credit("2025-05-05", 3, { activityId: "A1", creditTypes: { "Patient Safety": 0 } });
    const moreSafety = credit("2025-05-05", 2, { activityId: "A1", creditTypes: { "Patient Safety": 2 } });
    const evaluation = evaluateCycle(rule("ABA"), [moreCredit, moreSafety], { start: "2021-01-01", end: "2030-12-31" });
    // Total: max(3, 2) = 3 from the first; Patient Safety: max(0, 2) = 2 from the second.
    expect(outcome(evaluation, "total").contributions).toEqual([{ recordId: moreCredit.id, amount: 3 }]);
    expect(outcome(evaluation, "patient-safety").contributions).toEqual([{ recordId: moreSafety.id, amount: 2 }]);
    expect(recordOf(evaluation, moreSafety.id)).toMatchObject({ countedInCycle: 0, countedTowards: { "patient-safety": 2 }, reasons: [{ code: "duplicate", duplicateOf: moreCredit.id }] });
  });
});

describe("caps", () => {
  const aba = { start: "2021-01-01", end: "2030-12-31" };

  it("ABA: the 61st credit of a calendar year is not counted", () => {
    const sixty = credit("2025-03-01", 60);
    const sixtyFirst = credit("2025-06-01", 1);
    const nextYear = credit("2026-01-02", 1);
    const evaluation = evaluateCycle(rule("ABA"), [sixtyFirst, sixty, nextYear], aba);
    // 2025: min(60, 60 + 1) = 60; 2026: 1. Total 61, with 1 removed by the cap.
    expect(outcome(evaluation, "total")).toMatchObject({ counted: 61, removedByCaps: 1 });
    expect(recordOf(evaluation, sixtyFirst.id)).toMatchObject({ countedInCycle: 0, reasons: [{ code: "yearlyCap", amount: 1 }] });
    expect(recordOf(evaluation, nextYear.id).countedInCycle).toBe(1);
  });

  it("ABA: a record over the yearly cap is counted in part, chronologically", () => {
    const early = credit("2025-02-01", 59.5);
    const late = credit("2025-11-01", 2);
    const evaluation = evaluateCycle(rule("ABA"), [late, early], aba);
    // 60 − 59.5 = 0.5 of the later record counts; 1.5 is over the cap.
    expect(recordOf(evaluation, early.id).countedInCycle).toBe(59.5);
    expect(recordOf(evaluation, late.id)).toMatchObject({ countedInCycle: 0.5, reasons: [{ code: "yearlyCap", amount: 1.5 }] });
    expect(outcome(evaluation, "total").counted).toBe(60);
  });

  it("ABA: the cap bounds each requirement on its own (cut credit still counts as Patient Safety)", () => {
    const general = credit("2025-01-10", 60);
    const safety = credit("2025-12-01", 5, { creditTypes: { "Patient Safety": 5 } });
    const evaluation = evaluateCycle(rule("ABA"), [general, safety], aba);
    // Total: min(60, 65) = 60. Patient Safety alone in 2025: min(60, 5) = 5.
    expect(outcome(evaluation, "total").counted).toBe(60);
    expect(outcome(evaluation, "patient-safety").counted).toBe(5);
    expect(recordOf(evaluation, safety.id)).toMatchObject({ countedInCycle: 0, countedTowards: { "patient-safety": 5 } });
  });

  it("ABA: credit before the cycle does not use up the cap of a year the cycle starts in", () => {
    const cycle = { start: "2021-07-01", end: "2031-06-30" };
    const evaluation = evaluateCycle(rule("ABA"), [credit("2021-03-01", 60), credit("2021-08-01", 60)], cycle);
    // Only the August record is in the cycle: min(60, 60) = 60.
    expect(outcome(evaluation, "total").counted).toBe(60);
  });

  it("ABA: a full cycle meets 250 with 20 Patient Safety only if spread over five years or more", () => {
    // 5 years × 50 = 250, one 50-credit record a year, Patient Safety 4 each: 5 × 4 = 20.
    const spreadOut = [2021, 2022, 2023, 2024, 2025].map((y) => credit(`${y}-06-01`, 50, { creditTypes: { "Patient Safety": 4 } }));
    expect(evaluateCycle(rule("ABA"), spreadOut, aba).status).toBe("meets");
    // 250 in one year counts 60: short by 190.
    const crammed = evaluateCycle(rule("ABA"), [credit("2025-06-01", 250, { creditTypes: { "Patient Safety": 20 } })], aba);
    expect(outcome(crammed, "total")).toMatchObject({ counted: 60, shortBy: 190 });
    expect(crammed.status).toBe("short");
  });

  it("ABS: the 13th credit of one day is not counted", () => {
    const abs = { start: "2021-07-01", end: "2026-06-30" };
    const twelve = credit("2024-04-04", 12);
    const thirteenth = credit("2024-04-04", 1);
    const nextDay = credit("2024-04-05", 1);
    const evaluation = evaluateCycle(rule("ABS"), [thirteenth, nextDay, twelve], abs);
    // 2024-04-04: min(12, 13) = 12; 2024-04-05: 1.
    expect(outcome(evaluation, "total")).toMatchObject({ counted: 13, removedByCaps: 1 });
    expect(recordOf(evaluation, thirteenth.id)).toMatchObject({ countedInCycle: 0, reasons: [{ code: "dailyCap", amount: 1 }] });
  });

  it("ABS: within a day the cap fills in id order, and a record can count in part", () => {
    const abs = { start: "2021-07-01", end: "2026-06-30" };
    const first = credit("2024-04-04", 8, { creditTypes: { "Self-Assessment": 8 } });
    const second = credit("2024-04-04", 5, { creditTypes: { "Self-Assessment": 5 } });
    const evaluation = evaluateCycle(rule("ABS"), [second, first], abs);
    // 8 + min(5, 12 − 8) = 12; Self-Assessment the same way: 12.
    expect(recordOf(evaluation, second.id)).toMatchObject({ countedInCycle: 4, countedTowards: { total: 4, "self-assessment": 4 }, reasons: [{ code: "dailyCap", amount: 1 }] });
    expect(outcome(evaluation, "self-assessment")).toMatchObject({ counted: 12, removedByCaps: 1 });
  });
});

describe("credit types are not additive", () => {
  it("ABIM: a 2.25-credit record with 2.25 Medical Knowledge and 2.25 Patient Safety counts 2.25", () => {
    const record = credit("2025-05-05", 2.25, { creditTypes: { "Medical Knowledge": 2.25, "Patient Safety": 2.25 } });
    const evaluation = evaluateCycle(rule("ABIM"), [record], { start: "2023-01-01", end: "2027-12-31" });
    expect(outcome(evaluation, "total")).toMatchObject({ counted: 2.25, shortBy: 97.75 });
  });

  it("ABP: one record counts in full toward both credit-type minimums", () => {
    const cycle = { start: "2024-01-01", end: "2028-12-31" };
    const both = "Lifelong Learning and Self-Assessment";
    const practice = "Improving Professional Practice";
    // Five 10-point records with both types + five with lifelong learning only:
    // total 100, lifelong learning 100, improving practice 50.
    const records = [...spread("2024-01-01", 50, [both, practice], cycle.end), ...spread("2024-02-01", 50, [both], cycle.end)];
    const evaluation = evaluateCycle(rule("ABP"), records, cycle);
    expect(outcome(evaluation, "total").counted).toBe(100);
    expect(outcome(evaluation, "lifelong-learning").counted).toBe(100);
    expect(outcome(evaluation, "improving-practice")).toMatchObject({ counted: 50, met: true });
    expect(evaluation.status).toBe("meets");
  });

  it("counts a credit-type amount at most up to the record's credits", () => {
    const record = credit("2025-05-05", 2, { creditTypes: { "Patient Safety": 5 } });
    const evaluation = evaluateCycle(rule("ABA"), [record], { start: "2021-01-01", end: "2030-12-31" });
    expect(outcome(evaluation, "patient-safety").counted).toBe(2);
  });

  it("CA-M: a combined topic group counts a record's larger topic amount, not the sum", () => {
    const cycle = { start: "2025-04-01", end: "2027-03-31" };
    const bothTopics = credit("2025-05-05", 3, { creditTypes: { "Pain Management": 3, "End-of-Life Care": 3 } });
    const split = credit("2025-06-06", 3, { creditTypes: { "Pain Management": 2, "End-of-Life Care": 1 } });
    const evaluation = evaluateCycle(rule("CA-M"), [bothTopics, split], cycle);
    // max(3, 3) + max(2, 1) = 5.
    expect(outcome(evaluation, "pain-end-of-life")).toMatchObject({ counted: 5, shortBy: 7 });
  });
});

describe("one-time requirements", () => {
  const caCycle = { start: "2025-04-01", end: "2027-03-31" };

  it("CA-M: 12 h of pain management and end-of-life care completed years before the cycle count", () => {
    const pain = credit("2019-02-01", 8, { creditTypes: { "Pain Management": 8 } });
    const endOfLife = credit("2020-09-09", 4, { creditTypes: { "End-of-Life Care": 4 } });
    // 8 + 4 = 12 one-time; 50 in the cycle.
    const records = [pain, endOfLife, ...spread("2025-04-01", 50, [], caCycle.end)];
    const evaluation = evaluateCycle(rule("CA-M"), records, caCycle);
    expect(outcome(evaluation, "pain-end-of-life")).toMatchObject({ counted: 12, met: true, window: { start: null, end: "2027-03-31" } });
    expect(outcome(evaluation, "total").counted).toBe(50);
    expect(evaluation.status).toBe("meets");
    expect(recordOf(evaluation, pain.id)).toMatchObject({ countedInCycle: 0, countedTowards: { "pain-end-of-life": 8 }, reasons: [{ code: "beforeCycle" }] });
  });

  it("MD-M: implicit bias taken in an earlier cycle still counts", () => {
    const cycle = { start: "2024-10-01", end: "2026-09-30" };
    const bias = credit("2022-11-11", 1, { creditTypes: { "Implicit Bias": 1 } });
    const records = [bias, credit("2025-01-01", 24, { creditTypes: { "Opioid Prescribing": 1 } }), credit("2026-09-30", 1)];
    const evaluation = evaluateCycle(rule("MD-M"), records, cycle);
    // Total 24 + 1 = 25 (the 2022 record is before the cycle); opioid 1; implicit bias 1.
    expect(outcome(evaluation, "total").counted).toBe(25);
    expect(outcome(evaluation, "implicit-bias").counted).toBe(1);
    expect(evaluation.status).toBe("meets");
  });

  it("tells callers how far back to load credit reports", () => {
    expect(earliestCompletionNeeded(rule("CA-M"), caCycle)).toBeNull();
    expect(earliestCompletionNeeded(rule("AL-M"), { start: "2026-01-01", end: "2026-12-31" })).toBe("2025-01-01");
    expect(earliestCompletionNeeded(rule("ABO"), { start: "2025-01-01", end: "2026-12-31" })).toBe("2017-01-01");
    expect(earliestCompletionNeeded(rule("ABIM"), { start: "2023-01-01", end: "2027-12-31" })).toBe("2023-01-01");
  });
});

describe("shares of the total", () => {
  const meoCycle = { start: "2025-01-01", end: "2026-12-31" };
  const osteopathic = (total: number, osteo: number) => [
    ...spread("2025-01-01", osteo, ["Osteopathic"], meoCycle.end),
    ...spread("2025-01-02", total - osteo, [], meoCycle.end),
    credit("2025-03-03", 3, { creditTypes: {} }),
  ];

  it("ME-O: 40% of the required 100 is 40 osteopathic credits", () => {
    // 40 osteopathic + 57 other + 3 = 100.
    const evaluation = evaluateCycle(rule("ME-O"), osteopathic(97, 40), meoCycle);
    expect(outcome(evaluation, "osteopathic")).toMatchObject({ required: 40, counted: 40, met: true, shortBy: 0 });
    // 39.75 osteopathic: short by 40 − 39.75 = 0.25.
    const short = evaluateCycle(rule("ME-O"), osteopathic(97, 39.75), meoCycle);
    expect(outcome(short, "osteopathic")).toMatchObject({ required: 40, counted: 39.75, shortBy: 0.25 });
    expect(outcome(short, "total")).toMatchObject({ counted: 100, met: true });
    expect(short.status).toBe("short");
  });

  it("ME-O: on the counted-total basis, the share grows with the credit earned", () => {
    const base = rule("ME-O");
    const counted: RequirementRuleSet = {
      ...base,
      requirements: base.requirements.map((r) => (r.kind === "share" ? { ...r, basis: "countedTotal" } : r)),
    };
    // 147 + 3 = 150 counted; 40% of 150 = 60; 59.75 osteopathic is short by 0.25.
    const evaluation = evaluateCycle(counted, osteopathic(147, 59.75), meoCycle);
    expect(outcome(evaluation, "total").counted).toBe(150);
    expect(outcome(evaluation, "osteopathic")).toMatchObject({ required: 60, counted: 59.75, shortBy: 0.25 });
  });

  it("rounds a share up to the hundredth", () => {
    const base = rule("ME-O");
    const thirdish: RequirementRuleSet = {
      ...base,
      total: { ...base.total, minimum: 100.25 },
      requirements: [{ kind: "share", id: "osteopathic", creditTypes: ["Osteopathic"], percent: 33, basis: "requiredTotal", provenance: { source: "test", assumed: false } }],
    };
    // 33% of 100.25 = 33.0825, rounded up to 33.09.
    const evaluation = evaluateCycle(thirdish, [credit("2025-05-05", 33.25, { creditTypes: { Osteopathic: 33.25 } })], meoCycle);
    expect(outcome(evaluation, "osteopathic")).toMatchObject({ required: 33.09, met: true });
  });

  it("CA-M: the geriatric 20% applies only when the board says the licensee is in that practice", () => {
    const cycle = { start: "2025-04-01", end: "2027-03-31" };
    // 50 credits, 9.75 of them geriatric, and the one-time 12 met.
    const records = [
      credit("2019-01-01", 12, { creditTypes: { "Pain Management": 12 } }),
      ...spread("2025-04-01", 9.75, ["Geriatric Medicine"], cycle.end),
      ...spread("2025-04-02", 40.25, [], cycle.end),
    ];
    const unknown = evaluateCycle(rule("CA-M"), records, cycle);
    expect(outcome(unknown, "geriatric-medicine")).toMatchObject({ applies: false, required: 10, shortBy: 0.25 });
    expect(unknown.status).toBe("meets");
    const geriatric = evaluateCycle(rule("CA-M"), records, cycle, { attributes: { specialty: "Internal Medicine", patients65Percent: 40 } });
    // 20% of 50 = 10; 9.75 is short by 0.25.
    expect(outcome(geriatric, "geriatric-medicine")).toMatchObject({ applies: true, required: 10, counted: 9.75, shortBy: 0.25 });
    expect(geriatric.status).toBe("short");
  });
});

describe("requirements for some licensees", () => {
  const ncCycle = { start: "2023-09-01", end: "2026-08-31" };
  const sixtyWithoutControlledSubstance = () => spread("2023-09-01", 60, [], ncCycle.end);

  it("NC-M: controlled-substance prescribing applies unless the board says the licensee does not prescribe", () => {
    const unknown = evaluateCycle(rule("NC-M"), sixtyWithoutControlledSubstance(), ncCycle);
    expect(outcome(unknown, "controlled-substance")).toMatchObject({ applies: true, shortBy: 3, applicability: expect.stringContaining("has not said") as unknown, unknownAttributes: ["controlledSubstancePrescriber"] });
    expect(unknown.status).toBe("short");
    const notPrescriber = evaluateCycle(rule("NC-M"), sixtyWithoutControlledSubstance(), ncCycle, { attributes: { controlledSubstancePrescriber: false } });
    expect(outcome(notPrescriber, "controlled-substance").applies).toBe(false);
    expect(notPrescriber.status).toBe("meets");
    const prescriber = evaluateCycle(rule("NC-M"), sixtyWithoutControlledSubstance(), ncCycle, { attributes: { controlledSubstancePrescriber: true } });
    expect(prescriber.status).toBe("short");
  });
});

describe("applicability in the organization's words", () => {
  it("says diplomate for a certifying board and licensee for a state board", () => {
    const base = rule("ABP");
    const pediatricians: RequirementRuleSet = {
      ...base,
      requirements: base.requirements.map((r, i) =>
        i === 0 ? { ...r, appliesTo: { label: "general pediatricians", when: [{ attribute: "specialty", oneOf: ["Pediatrics"] }], whenUnknown: "applies" as const } } : r,
      ),
    };
    const cycle = { start: "2024-01-01", end: "2028-12-31" };
    expect(outcome(evaluateCycle(pediatricians, [], cycle, { attributes: { specialty: "Pediatrics" } }), "lifelong-learning").applicability).toBe(
      "Applies: the diplomate is one of the general pediatricians.",
    );
    expect(outcome(evaluateCycle(pediatricians, [], cycle), "lifelong-learning").applicability).toBe(
      "Applied because the board has not said (specialty) whether the diplomate is one of the general pediatricians.",
    );
    expect(outcome(evaluateCycle(rule("NC-M"), [], { start: "2023-09-01", end: "2026-08-31" }, { attributes: { controlledSubstancePrescriber: false } }), "controlled-substance").applicability).toBe(
      "Does not apply: the licensee is not one of the licensees who prescribe controlled substances.",
    );
  });
});

describe("some credit in every sub-period (ABIM)", () => {
  it("places 2-year windows from the cycle start, following month ends across a leap day", () => {
    // Roster end 2028-02-29: five years back is 2023-02-28, so the cycle starts 2023-03-01. The day
    // before the start (2023-02-28, a month end) moved 2 years is 2025-02-28, 4 years 2027-02-28.
    const evaluation = evaluateCycle(rule("ABIM"), [], { start: "2023-03-01", end: "2028-02-29" });
    expect(evaluation.requirements.map((o) => [o.id, o.window.start, o.window.end])).toEqual([
      ["total", "2023-03-01", "2028-02-29"],
      ["participation-1", "2023-03-01", "2025-02-28"],
      ["participation-2", "2025-03-01", "2027-02-28"],
    ]);
    expect(outcome(evaluation, "participation-2")).toMatchObject({
      requirementId: "participation",
      kind: "subPeriods",
      label: "Points every 2 years (years 3–4)",
      description: expect.stringMatching(/This one: years 3–4, 2025-03-01 to 2027-02-28\.$/) as unknown,
    });
    expect(earliestCompletionNeeded(rule("ABIM"), { start: "2023-03-01", end: "2028-02-29" })).toBe("2023-03-01");
  });

  it("counts one record per activity and day, and the caps, within each sub-period", () => {
    const base = rule("ABIM");
    const capped: RequirementRuleSet = {
      ...base,
      requirements: base.requirements.map((r) => (r.kind === "subPeriods" ? { ...r, minimum: 10 } : r)),
      caps: { perDay: 6, provenance: { source: "test", assumed: false } },
    };
    const cycle = { start: "2023-01-01", end: "2027-12-31" };
    // Years 1–2: two records of one activity on 2024-05-05 (5 and 4: counts 5) + 8 on 2024-12-31 capped at 6 = 11.
    // Years 3–4: 9 on 2025-01-01 capped at 6 = 6, short by 4.
    const records = [
      credit("2024-05-05", 5, { activityId: "same" }),
      credit("2024-05-05", 4, { activityId: "same" }),
      credit("2024-12-31", 8),
      credit("2025-01-01", 9),
    ];
    const evaluation = evaluateCycle(capped, records, cycle);
    expect(outcome(evaluation, "participation-1")).toMatchObject({ required: 10, counted: 11, met: true, removedByCaps: 2 });
    expect(outcome(evaluation, "participation-2")).toMatchObject({ required: 10, counted: 6, shortBy: 4, removedByCaps: 3 });
    expect(evaluation.status).toBe("short");
  });

  it("cuts windows at the end of a cycle shorter than the rule's, so the ids never change", () => {
    // A 2-year span under ABIM's 5-year rule: window 1 is 2024-01-01 to 2025-12-31; window 2 would
    // start 2026-01-01, past the end, and collapses onto the last day.
    const evaluation = evaluateCycle(rule("ABIM"), [credit("2025-12-31", 1)], { start: "2024-01-01", end: "2025-12-31" });
    expect(evaluation.requirements.map((o) => [o.id, o.window.start, o.window.end, o.counted])).toEqual([
      ["total", "2024-01-01", "2025-12-31", 1],
      ["participation-1", "2024-01-01", "2025-12-31", 1],
      ["participation-2", "2025-12-31", "2025-12-31", 1],
    ]);
  });
});

describe("alternatives (Oregon's MOC participation)", () => {
  const cycle = { start: "2026-01-01", end: "2027-12-31" };

  it("meets with no credit at all when the board records MOC participation, and keeps the outcomes", () => {
    const evaluation = evaluateCycle(rule("OR-M"), [], cycle, { attributes: { mocParticipant: true } });
    expect(evaluation).toMatchObject({ status: "meets", requirementsMet: false, satisfiedBy: { id: "moc-participation", label: "Participation in a certifying board's MOC program" } });
    expect(outcome(evaluation, "total")).toMatchObject({ counted: 0, shortBy: 60 });
    expect(evaluation.alternatives).toEqual([expect.objectContaining({ id: "moc-participation", holds: true, unknownAttributes: [] })]);
  });

  it("does not let a flagged record send a satisfied check to review", () => {
    const evaluation = evaluateCycle(rule("OR-M"), [credit("2026-05-05", 2, { flags: ["future"] })], cycle, { attributes: { mocParticipant: true } });
    expect(evaluation).toMatchObject({ status: "meets", reviewReasons: [] });
  });

  it("names participation as unknown when it could change a short result, and never applies it", () => {
    const short = evaluateCycle(rule("OR-M"), [credit("2026-05-05", 2)], cycle);
    expect(short).toMatchObject({ status: "short", satisfiedBy: null, unknownAttributes: ["mocParticipant"] });
    expect(short.alternatives[0]).toMatchObject({ holds: null, unknownAttributes: ["mocParticipant"], explanation: expect.stringContaining("has not said") as unknown });
    // Met by the credit: nothing to fill in.
    const met = evaluateCycle(rule("OR-M"), [credit("2026-05-05", 60, { creditTypes: { "Pain Management": 1, "Cultural Competency": 2 } })], cycle);
    expect(met).toMatchObject({ status: "meets", satisfiedBy: null, unknownAttributes: [] });
    expect(met.alternatives[0]?.holds).toBeNull();
  });
});

describe("proration (North Dakota)", () => {
  const cycle = { start: "2023-01-01", end: "2025-12-31" };
  const required = (initialLicenseDate?: string) =>
    outcome(evaluateCycle(rule("ND-M"), [credit("2025-06-06", 1)], cycle, { attributes: initialLicenseDate ? { initialLicenseDate } : {} }), "total").required;

  it("owes 20 for each year-long part of the cycle that begins on or after the initial license date", () => {
    // Parts begin 2023-01-01, 2024-01-01, 2025-01-01.
    expect(required()).toBe(60); // not recorded: the full total
    expect(required("2019-05-05")).toBe(60); // licensed before the cycle
    expect(required("2023-01-01")).toBe(60); // licensed on its first day: not during it, all three years
    expect(required("2023-01-02")).toBe(40); // 2024 and 2025
    expect(required("2024-01-01")).toBe(40); // 2024 and 2025
    expect(required("2024-01-02")).toBe(20); // 2025
    expect(required("2025-12-31")).toBe(0); // no full year
  });

  it("says how the prorated total was found", () => {
    const evaluation = evaluateCycle(rule("ND-M"), [credit("2025-06-06", 20)], cycle, { attributes: { initialLicenseDate: "2024-03-15" } });
    expect(outcome(evaluation, "total")).toMatchObject({
      required: 20,
      met: true,
      applicability: "Prorated: first licensed on 2024-03-15, so 1 full year of the cycle licensed × 20 = 20 (instead of 60).",
    });
  });
});

describe("records left out", () => {
  const cycle = { start: "2025-01-01", end: "2026-12-31" };

  it("says why each record does not count, and counts the rest", () => {
    const kept = credit("2025-05-05", 10);
    const rejected = credit("2025-05-06", 10, { status: "rejected" });
    const deleted = credit("2025-05-07", 10, { deleted: true });
    const badDate = credit("2025-02-30", 10);
    const badCredits = credit("2025-05-08", Number.NaN);
    const evaluation = evaluateCycle(rule("VI-M"), [kept, rejected, deleted, badDate, badCredits], cycle);
    expect(outcome(evaluation, "total").counted).toBe(10);
    expect(recordOf(evaluation, rejected.id).reasons.map((r) => r.code)).toEqual(["rejected"]);
    expect(recordOf(evaluation, deleted.id).reasons.map((r) => r.code)).toEqual(["deleted"]);
    expect(recordOf(evaluation, badDate.id).reasons.map((r) => r.code)).toEqual(["invalid"]);
    expect(recordOf(evaluation, badCredits.id).reasons.map((r) => r.code)).toEqual(["invalid"]);
    expect(evaluation.records.map((r) => r.id)).toEqual([badDate.id, kept.id, rejected.id, deleted.id, badCredits.id]);
  });

  it("adds quarter and odd hundredth credits without floating-point drift", () => {
    // 0.1 + 0.2 is 0.30000000000000004 in floating point; counted exactly it is 0.3.
    const tenths = evaluateCycle(rule("VI-M"), [credit("2025-01-01", 0.1), credit("2025-01-02", 0.2)], cycle);
    expect(outcome(tenths, "total").counted).toBe(0.3);
    // 199 quarters = 49.75: short by exactly 0.25.
    const quarters = Array.from({ length: 199 }, (_, i) => credit(addDays("2025-01-01", i), 0.25));
    expect(outcome(evaluateCycle(rule("VI-M"), quarters, cycle), "total")).toMatchObject({ counted: 49.75, shortBy: 0.25 });
  });

  it("refuses a cycle without real dates in order, and duplicate record ids", () => {
    expect(() => evaluateCycle(rule("VI-M"), [], { start: "2026-12-31", end: "2025-01-01" })).toThrow(RangeError);
    expect(() => evaluateCycle(rule("VI-M"), [], { start: "2025-01-01", end: "2026-02-29" })).toThrow(RangeError);
    const record = credit("2025-05-05", 1);
    expect(() => evaluateCycle(rule("VI-M"), [record, { ...record }], cycle)).toThrow(/unique/);
  });
});

describe("status", () => {
  const cycle = { start: "2025-01-01", end: "2026-12-31" };
  const fifty = () => spread("2025-01-01", 50, [], cycle.end);

  it("is nothing without accepted credit in the cycle, even with credit around it", () => {
    const records = [credit("2024-12-31", 50), credit("2025-06-06", 50, { status: "rejected" }), credit("2025-07-07", 50, { deleted: true }), credit("2027-01-01", 50)];
    const evaluation = evaluateCycle(rule("VI-M"), records, cycle);
    expect(evaluation.status).toBe("nothing");
    expect(evaluateCycle(rule("VI-M"), [], cycle).status).toBe("nothing");
  });

  it("is meets or short on the requirements when nothing is flagged", () => {
    expect(evaluateCycle(rule("VI-M"), fifty(), cycle)).toMatchObject({ status: "meets", requirementsMet: true, reviewReasons: [] });
    expect(evaluateCycle(rule("VI-M"), fifty().slice(1), cycle)).toMatchObject({ status: "short", requirementsMet: false });
  });

  it("needs review when a counted record breaks a data rule that casts doubt on it", () => {
    expect(REVIEW_FLAGS).toEqual(["overMaximum", "outsideDates", "future"]);
    for (const flag of REVIEW_FLAGS) {
      const flagged = credit("2025-09-09", 2, { flags: [flag] });
      const evaluation = evaluateCycle(rule("VI-M"), [...fifty(), flagged], cycle);
      expect(evaluation, flag).toMatchObject({ status: "needs_review", requirementsMet: true });
      expect(evaluation.reviewReasons).toEqual([expect.stringContaining(`Record ${flagged.id}`)]);
    }
    // Short and flagged is still needs_review, with requirementsMet saying short.
    const shortFlagged = evaluateCycle(rule("VI-M"), [credit("2025-09-09", 2, { flags: ["future"] })], cycle);
    expect(shortFlagged).toMatchObject({ status: "needs_review", requirementsMet: false });
  });

  it("does not need review for late or duplicate flags, unknown flags, or flagged records that count for nothing", () => {
    const records = [
      ...fifty(),
      credit("2025-09-09", 2, { flags: ["late", "duplicate", "somethingElse"] }),
      credit("2024-09-09", 2, { flags: ["overMaximum"] }),
      credit("2025-10-10", 2, { flags: ["future"], status: "rejected" }),
    ];
    expect(evaluateCycle(rule("VI-M"), records, cycle)).toMatchObject({ status: "meets", reviewReasons: [] });
  });
});

// ---------------------------------------------------------------- properties

const PROPERTY_CYCLE = { start: "2024-01-01", end: "2025-12-31" };
const EDGE_DATES = ["2023-12-31", "2024-01-01", "2024-06-30", "2024-12-31", "2025-01-01", "2025-12-31", "2026-01-01"];

/**
 * The seeded rule sets, plus ME-O on the counted-total basis, and a 2-year ABIM variant with
 * yearly Patient Safety sub-periods and ABS's daily cap (so sub-periods fall inside the property
 * cycle and meet caps and same-day groups), so every requirement kind is exercised.
 */
const PROPERTY_RULES: RequirementRuleSet[] = [
  ...SEEDED_REQUIREMENT_RULES,
  (() => {
    const base = rule("ME-O");
    return { ...base, requirements: base.requirements.map((r) => (r.kind === "share" ? { ...r, basis: "countedTotal" as const } : r)) };
  })(),
  (() => {
    const base = rule("ABIM");
    return {
      ...base,
      cycle: { ...base.cycle, years: 2 },
      requirements: [...base.requirements.map((r) => (r.kind === "subPeriods" ? { ...r, years: 1, minimum: 2, creditTypes: ["Patient Safety"] } : r))],
      caps: { perDay: 3, provenance: { source: "test", assumed: false } },
    };
  })(),
];

function typesOf(ruleSet: RequirementRuleSet): string[] {
  return [...new Set(ruleSet.requirements.flatMap((r) => r.creditTypes ?? []))];
}

const dayArb = fc.oneof(
  fc.constantFrom(...EDGE_DATES),
  fc.integer({ min: Date.UTC(2015, 0, 1) / DAY_MS, max: Date.UTC(2026, 5, 30) / DAY_MS }).map((d) => new Date(d * DAY_MS).toISOString().slice(0, 10)),
  // A narrow band makes same-day groups and daily caps common.
  fc.integer({ min: 0, max: 9 }).map((d) => addDays("2025-03-01", d)),
);

type RawRecord = Omit<LicenseeCreditReport, "id">;

function rawRecordArb(types: readonly string[], overrides: Partial<RawRecord> = {}): fc.Arbitrary<RawRecord> {
  const typeEntry = types.length ? fc.tuple(fc.constantFrom(...types), fc.integer({ min: 0, max: 100 })) : fc.constant(null);
  return fc
    .record({
      activity: fc.integer({ min: 0, max: 5 }),
      completionDate: dayArb,
      quarters: fc.integer({ min: 0, max: 100 }),
      typeEntries: fc.array(typeEntry, { maxLength: 3 }),
      status: fc.constantFrom("accepted", "accepted", "accepted", "rejected") as fc.Arbitrary<"accepted" | "rejected">,
      deleted: fc.constantFrom(false, false, false, true),
    })
    .map((r) => ({
      activityId: `A${r.activity}`,
      completionDate: r.completionDate,
      credits: r.quarters / 4,
      creditTypes: Object.fromEntries(r.typeEntries.filter((e) => e !== null).map(([t, q]) => [t, q / 4])),
      status: r.status,
      deleted: r.deleted,
      ...overrides,
    }));
}

const withIds = (raw: readonly RawRecord[], prefix = "p"): LicenseeCreditReport[] => raw.map((r, i) => ({ ...r, id: `${prefix}${String(i).padStart(3, "0")}` }));

const groupsArb = fc.record(
  {
    controlledSubstancePrescriber: fc.boolean(),
    controlledSubstanceCertificate: fc.boolean(),
    specialty: fc.constantFrom("Internal Medicine", "Family Medicine", "Surgery"),
    patients65Percent: fc.integer({ min: 0, max: 100 }),
    mocParticipant: fc.boolean(),
    initialLicenseDate: fc.constantFrom("2000-01-01", "2023-12-31", "2024-01-01", "2024-01-02", "2025-01-01", "2025-06-30", "2025-12-31"),
  },
  { requiredKeys: [] },
);

/** A rule set, its licensee's records and what the board knows of the licensee's groups. */
const scenarioArb = fc.constantFrom(...PROPERTY_RULES).chain((ruleSet) =>
  fc.record({
    ruleSet: fc.constant(ruleSet),
    records: fc.array(rawRecordArb(typesOf(ruleSet)), { maxLength: 40 }).map((raw) => withIds(raw)),
    groups: groupsArb,
    extra: rawRecordArb(typesOf(ruleSet), { status: "accepted", deleted: false }),
  }),
);

const hundredths = (credits: number) => Math.round(credits * 100);
const countedById = (evaluation: CycleEvaluation) => new Map(evaluation.requirements.map((r) => [r.id, hundredths(r.counted)]));

describe("properties", () => {
  const runs = { numRuns: 400 };

  it("adding an accepted credit report never lowers any count; removing one never raises any", () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), ({ ruleSet, records, groups, extra }, pick) => {
        const before = countedById(evaluateCycle(ruleSet, records, PROPERTY_CYCLE, { attributes: groups }));
        const added = countedById(evaluateCycle(ruleSet, [...records, { ...extra, id: "extra" }], PROPERTY_CYCLE, { attributes: groups }));
        for (const [id, counted] of before) expect(added.get(id), id).toBeGreaterThanOrEqual(counted);
        if (records.length === 0) return;
        const removed = countedById(evaluateCycle(ruleSet, records.filter((_, i) => i !== pick % records.length), PROPERTY_CYCLE, { attributes: groups }));
        for (const [id, counted] of before) expect(removed.get(id), id).toBeLessThanOrEqual(counted);
      }),
      runs,
    );
  });

  it("rejected and deleted credit reports never count: adding one changes nothing but its own row", () => {
    fc.assert(
      fc.property(scenarioArb, fc.constantFrom<Partial<RawRecord>>({ status: "rejected" }, { deleted: true }, { status: "rejected", deleted: true }), ({ ruleSet, records, extra }, change) => {
        const before = evaluateCycle(ruleSet, records, PROPERTY_CYCLE);
        const after = evaluateCycle(ruleSet, [...records, { ...extra, ...change, id: "ignored" }], PROPERTY_CYCLE);
        expect(after.requirements).toEqual(before.requirements);
        expect(after.status).toBe(before.status);
        expect(after.records.filter((r) => r.id !== "ignored")).toEqual(before.records);
        expect(after.records.find((r) => r.id === "ignored")).toMatchObject({ countedInCycle: 0, countedTowards: {} });
      }),
      runs,
    );
  });

  it("does not depend on the order of the records", () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.nat(), { minLength: 40, maxLength: 40 }), ({ ruleSet, records, groups }, keys) => {
        const shuffled = records.map((r, i) => ({ r, key: keys[i] ?? 0 })).sort((a, b) => a.key - b.key).map((x) => x.r);
        expect(evaluateCycle(ruleSet, shuffled, PROPERTY_CYCLE, { attributes: groups })).toEqual(evaluateCycle(ruleSet, records, PROPERTY_CYCLE, { attributes: groups }));
      }),
      runs,
    );
  });

  it("never counts more than the accepted credit completed in each requirement's window", () => {
    fc.assert(
      fc.property(scenarioArb, ({ ruleSet, records, groups }) => {
        const evaluation = evaluateCycle(ruleSet, records, PROPERTY_CYCLE, { attributes: groups });
        for (const requirement of evaluation.requirements) {
          const { start, end } = requirement.window;
          const available = records
            .filter((r) => r.status === "accepted" && !r.deleted && (start === null || r.completionDate >= start) && r.completionDate <= end)
            .reduce((sum, r) => sum + hundredths(r.credits), 0);
          expect(hundredths(requirement.counted), requirement.id).toBeLessThanOrEqual(available);
        }
      }),
      runs,
    );
  });

  it("reconciles: contributions and per-record amounts add up to every count, within the caps", () => {
    fc.assert(
      fc.property(scenarioArb, ({ ruleSet, records, groups }) => {
        const evaluation = evaluateCycle(ruleSet, records, PROPERTY_CYCLE, { attributes: groups });
        for (const requirement of evaluation.requirements) {
          const fromContributions = requirement.contributions.reduce((s, c) => s + hundredths(c.amount), 0);
          const fromRecords = evaluation.records.reduce((s, r) => s + hundredths(r.countedTowards[requirement.id] ?? 0), 0);
          expect(fromContributions).toBe(hundredths(requirement.counted));
          expect(fromRecords).toBe(hundredths(requirement.counted));
          expect(hundredths(requirement.shortBy)).toBe(Math.max(0, hundredths(requirement.required) - hundredths(requirement.counted)));
          expect(requirement.met).toBe(requirement.shortBy === 0);
          const byYear = new Map<string, number>();
          const byDay = new Map<string, number>();
          for (const c of requirement.contributions) {
            const date = recordOf(evaluation, c.recordId).completionDate;
            byYear.set(date.slice(0, 4), (byYear.get(date.slice(0, 4)) ?? 0) + hundredths(c.amount));
            byDay.set(date, (byDay.get(date) ?? 0) + hundredths(c.amount));
          }
          if (ruleSet.caps?.perCalendarYear !== undefined) for (const v of byYear.values()) expect(v).toBeLessThanOrEqual(hundredths(ruleSet.caps.perCalendarYear));
          if (ruleSet.caps?.perDay !== undefined) for (const v of byDay.values()) expect(v).toBeLessThanOrEqual(hundredths(ruleSet.caps.perDay));
        }
        const total = evaluation.requirements[0];
        expect(total?.id).toBe("total");
        expect(evaluation.records.reduce((s, r) => s + hundredths(r.countedInCycle), 0)).toBe(hundredths(total?.counted ?? -1));
      }),
      runs,
    );
  });

  it("status (no flags): nothing without accepted in-cycle credit, else meets exactly when every applicable requirement is met", () => {
    fc.assert(
      fc.property(scenarioArb, ({ ruleSet, records, groups }) => {
        const evaluation = evaluateCycle(ruleSet, records, PROPERTY_CYCLE, { attributes: groups });
        const inCycleCredit = records.some(
          (r) => r.status === "accepted" && !r.deleted && r.credits > 0 && r.completionDate >= PROPERTY_CYCLE.start && r.completionDate <= PROPERTY_CYCLE.end,
        );
        const allMet = evaluation.requirements.every((r) => !r.applies || r.met);
        // An alternative that holds (every condition known and true) meets whatever the credit.
        const alternative = (ruleSet.alternatives ?? []).find((a) => a.when.every((w) => "is" in w && groups[w.attribute as keyof typeof groups] === w.is));
        expect(evaluation.satisfiedBy?.id ?? null).toBe(alternative?.id ?? null);
        expect(evaluation.status).toBe(alternative ? "meets" : !inCycleCredit ? "nothing" : allMet ? "meets" : "short");
        expect(evaluation.requirementsMet).toBe(allMet);
      }),
      runs,
    );
  });

  it("reports exactly the rule's measures; sub-periods are consecutive, disjoint and inside the cycle", () => {
    fc.assert(
      fc.property(scenarioArb, ({ ruleSet, records, groups }) => {
        const evaluation = evaluateCycle(ruleSet, records, PROPERTY_CYCLE, { attributes: groups });
        expect(evaluation.requirements.map((o) => o.id)).toEqual(ruleMeasures(ruleSet).map((m) => m.id));
        for (const requirement of ruleSet.requirements) {
          if (requirement.kind !== "subPeriods") continue;
          const windows = evaluation.requirements.filter((o) => o.requirementId === requirement.id).map((o) => o.window);
          expect(windows[0]?.start).toBe(PROPERTY_CYCLE.start);
          for (const [i, w] of windows.entries()) {
            expect(w.start !== null && w.start <= w.end && w.end <= PROPERTY_CYCLE.end).toBe(true);
            const previous = windows[i - 1];
            if (previous && previous.end < PROPERTY_CYCLE.end) expect(w.start).toBe(addDays(previous.end, 1));
          }
        }
      }),
      runs,
    );
  });
});
