// The pure part of shortfall by requirement: credit units, measures grouped by requirement, the
// "short in" check, how a status reads for an open or ended cycle, and the queue's columns in each
// kind of organization's words.
import { describe, expect, it } from "vitest";
import { renewalColumns, statusLabel, type RenewalRow } from "../../app/lib/renewal-search";
import { creditUnit, measureGroups, shortInProblem } from "../../app/lib/shortfalls";
import { orgWords } from "../../domain/org-words";
import { ruleMeasures, SEEDED_REQUIREMENT_RULES, seededRuleSet } from "../../domain/requirement-rules";

describe("creditUnit", () => {
  it("keeps points as the board names them and says credits otherwise", () => {
    expect(creditUnit("MOC points")).toBe("MOC points");
    expect(creditUnit("CC points")).toBe("CC points");
    expect(creditUnit("AMA PRA Category 1 credits")).toBe("credits");
    expect(creditUnit("Category 1 credits")).toBe("credits");
    expect(creditUnit(null)).toBe("credits");
  });
});

describe("measureGroups", () => {
  it("puts every measure of every seeded rule set in exactly one group, the total first", () => {
    for (const rule of SEEDED_REQUIREMENT_RULES) {
      const groups = measureGroups(rule);
      expect(groups[0]).toMatchObject({ id: "total", kind: "total", ids: ["total"] });
      const grouped = groups.flatMap((g) => g.ids);
      expect([...grouped].sort(), rule.organisationCode).toEqual(ruleMeasures(rule).map((m) => m.id).sort());
      expect(new Set(grouped).size, rule.organisationCode).toBe(grouped.length);
    }
  });

  it("CA-M: the total and two topic minimums, by their labels", () => {
    const groups = measureGroups(seededRuleSet("CA-M")!);
    expect(groups.map((g) => [g.id, g.kind, g.ids])).toEqual([
      ["total", "total", ["total"]],
      ["pain-end-of-life", "minimum", ["pain-end-of-life"]],
      ["geriatric-medicine", "minimum", ["geriatric-medicine"]],
    ]);
    expect(groups[0]!.label).toBe("Total of 50 AMA PRA Category 1 credits");
  });
});

describe("shortInProblem", () => {
  const measures = ruleMeasures(seededRuleSet("CA-M")!);
  it("accepts no filter and the organization's own measures only", () => {
    expect(shortInProblem(undefined, measures)).toBeNull();
    for (const m of measures) expect(shortInProblem(m.id, measures)).toBeNull();
    expect(shortInProblem("patient-safety", measures)).toMatch(/^Choose one of your requirements: Total AMA PRA Category 1 credits, /);
    expect(shortInProblem("total", [])).toMatch(/no requirement rules/);
  });
});

describe("statusLabel", () => {
  it("calls an open cycle not yet met and only an ended one short", () => {
    expect(statusLabel("short", true)).toBe("Not yet met (cycle open)");
    expect(statusLabel("short", false)).toBe("Short at cycle end");
    expect(statusLabel("nothing", true)).toBe("Nothing reported yet (cycle open)");
    expect(statusLabel("nothing", false)).toBe("Nothing reported by cycle end");
    expect(statusLabel("meets", true)).toBe("Meets");
  });
});

describe("renewalColumns", () => {
  const row: RenewalRow = {
    id: "1",
    rosterKey: "100011",
    firstName: "Ada",
    lastName: "Lovelace",
    birthMonth: 12,
    birthDay: 10,
    cycleStart: "2022-01-01",
    cycleEnd: "2026-12-31",
    learnerId: "7",
    matchQuality: "id",
    overrideReason: null,
    extendedTo: null,
    notKnown: [],
    status: "short",
    creditsCounted: 54.5,
    creditsRequired: 100,
    shortBy: 45.5,
    shortfall: "Total 45.50 · Patient Safety 15.50",
    problem: null,
    decision: null,
    decidedAt: null,
    cycleOpen: true,
    shortfalls: { total: 45.5, "patient-safety": 15.5 },
  };
  it("speaks a certifying board's words and counts in its points", () => {
    const columns = renewalColumns({ words: orgWords("certifying_board"), unit: "MOC points", shortIn: { id: "patient-safety", label: "Patient Safety" } });
    const byId = Object.fromEntries(columns.map((c) => [c.id, c]));
    expect(byId.name!.label).toBe("Diplomate");
    expect(byId.key!.label).toBe("Board ID");
    expect(byId.cycleEnd!.label).toBe("Cycle end");
    expect(byId.progress!.exportValue(row)).toBe("54.50 / 100 MOC points");
    expect(byId.status!.exportValue(row)).toBe("Not yet met (cycle open)");
    expect(byId.shortBy!.exportValue(row)).toBe(15.5);
    expect(byId.match!.exportValue(row)).toBe("Board ID");
  });
  it("speaks a state board's words and says short only once the cycle has ended", () => {
    const columns = renewalColumns({ words: orgWords("state_board"), unit: "credits" });
    const byId = Object.fromEntries(columns.map((c) => [c.id, c]));
    expect(byId.name!.label).toBe("Licensee");
    expect(byId.key!.label).toBe("License number");
    expect(byId.cycleEnd!.label).toBe("Renewal date");
    expect(byId.status!.exportValue({ ...row, cycleOpen: false })).toBe("Short at cycle end");
    expect(byId.shortBy!.exportValue(row)).toBe(45.5);
  });
});
