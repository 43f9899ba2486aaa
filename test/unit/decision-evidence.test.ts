// Which outcomes contradict the requirement check, the override reason's rule and an extension's
// bounds (app/lib/decision-evidence.ts): table-driven, with the expectations worked by hand.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contradiction, extensionProblem, oneYearAfter, overrideReason, type Evidence } from "../../app/lib/decision-evidence";
import { DECISION_OUTCOMES, type DecisionOutcomeId } from "../../app/lib/renewal-search";
import { orgWords } from "../../domain/org-words";

const state = orgWords("state_board");
const certifying = orgWords("certifying_board");

describe("contradiction", () => {
  const evaluated = (status: "meets" | "short" | "nothing" | "needs_review", requirementsMet: boolean): Evidence => ({ kind: "evaluated", status, requirementsMet });
  // [evidence, outcomes that are overrides]
  const table: Array<[string, Evidence, DecisionOutcomeId[]]> = [
    ["meets", evaluated("meets", true), ["deficient"]],
    ["short", evaluated("short", false), ["compliant"]],
    ["nothing reported", evaluated("nothing", false), ["compliant"]],
    ["needs review, requirements not met", evaluated("needs_review", false), ["compliant"]],
    // Met but with a doubtful record: neither outcome contradicts the figures; the reviewer judges the doubt.
    ["needs review, requirements met", evaluated("needs_review", true), []],
    ["not matched", { kind: "unmatched" }, ["compliant"]],
    ["no cycle", { kind: "no_cycle" }, ["compliant"]],
    ["no rules", { kind: "no_rules" }, ["compliant"]],
  ];
  for (const [name, evidence, overrides] of table) {
    it(`${name}: overrides are ${overrides.join(", ") || "none"}`, () => {
      const found = DECISION_OUTCOMES.filter((o) => contradiction(o, evidence, state) !== null);
      expect(found).toEqual(overrides);
    });
  }
  it("names the person in the organization's words", () => {
    expect(contradiction("compliant", { kind: "unmatched" }, certifying)).toContain("this diplomate");
    expect(contradiction("compliant", { kind: "unmatched" }, state)).toContain("this licensee");
  });
});

describe("override reason", () => {
  it.each([
    ["", false],
    ["Checked.", false],
    ["twentycharacterslongbutoneword", false],
    ["ok ok ok", false],
    ["   Certificates on file for 40 hours.   ", true],
    ["Board approved at the June meeting.", true],
  ])("%j accepted: %s", (reason, ok) => {
    expect(overrideReason.safeParse(reason).success).toBe(ok);
  });
  it("is kept trimmed", () => {
    expect(overrideReason.parse("  Certificates on file for 40 hours.  ")).toBe("Certificates on file for 40 hours.");
  });
});

describe("extension deadline", () => {
  it.each([
    ["2026-12-31", "2027-12-31"],
    ["2028-02-29", "2029-02-28"],
    ["2027-02-28", "2028-02-28"],
    ["2026-06-30", "2027-06-30"],
  ])("a year after %s is %s (as PostgreSQL's + interval '1 year')", (from, to) => {
    expect(oneYearAfter(from)).toBe(to);
  });

  it.each([
    ["2026-12-31", "2026-12-31", /after the renewal date \(12\/31\/2026\)/],
    ["2026-12-31", "2026-11-01", /after the renewal date/],
    ["2026-12-31", "2028-01-01", /at most a year after the renewal date: 12\/31\/2027/],
    ["2026-12-31", "2027-02-30", /real date/],
    ["2026-12-31", "2027-01-01", null],
    ["2026-12-31", "2027-12-31", null],
  ])("cycle end %s, new deadline %s", (end, deadline, problem) => {
    const found = extensionProblem(deadline, end, state);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  it("accepts exactly the days after the cycle end up to a year later (day count by Date.UTC)", () => {
    const day = 86_400_000;
    const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1) / day, max: Date.UTC(2090, 0, 1) / day }), fc.integer({ min: -30, max: 400 }), (endDay, offset) => {
        const end = iso(endDay * day);
        const deadline = iso((endDay + offset) * day);
        const [y, m, d] = end.split("-").map(Number) as [number, number, number];
        // The same month and day a year later, clamped to the month's last day.
        const lastOfMonth = new Date(Date.UTC(y + 1, m, 0)).getUTCDate();
        const latest = Date.UTC(y + 1, m - 1, Math.min(d, lastOfMonth)) / day;
        const ok = offset > 0 && endDay + offset <= latest;
        expect(extensionProblem(deadline, end, certifying) === null).toBe(ok);
      }),
    );
  });
});
