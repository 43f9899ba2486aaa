// The requirement rule model: every seeded rule set parses and matches REQUIREMENTS.md, bad rule
// sets get messages on the field that caused them, and descriptions read as a reviewer expects.
import { describe, expect, it } from "vitest";
import {
  allowedCreditTypes,
  describeCycle,
  describeRequirement,
  describeRuleSet,
  requirementRuleSetSchema,
  ruleSetFieldErrors,
  seededRuleSet,
  SEEDED_REQUIREMENT_RULES,
  type RequirementRuleSet,
} from "../../domain/requirement-rules";
import { CERTIFYING_BOARDS, MOC_CREDIT_TYPES, STATE_BOARDS, STATE_TOPICS } from "../../domain/reference";

function seeded(code: string): RequirementRuleSet {
  const rule = seededRuleSet(code);
  if (!rule) throw new Error(`no seeded rule for ${code}`);
  return rule;
}

/** The field messages for a rule set that must fail. */
function errorsOf(input: unknown): Record<string, string> {
  const result = requirementRuleSetSchema.safeParse(input);
  if (result.success) throw new Error("expected the rule set to be refused");
  return ruleSetFieldErrors(result.error);
}

/** A seeded rule set with one change, as plain JSON (what the form or jsonb column would hold). */
function edited(code: string, change: (rule: Record<string, unknown>) => void): unknown {
  const rule = JSON.parse(JSON.stringify(seeded(code))) as Record<string, unknown>;
  change(rule);
  return rule;
}

describe("seeded rule sets", () => {
  it("cover exactly the 16 organisations that sign in, once each", () => {
    const codes = SEEDED_REQUIREMENT_RULES.map((r) => r.organisationCode);
    expect([...codes].sort()).toEqual([...STATE_BOARDS, ...CERTIFYING_BOARDS].map((o) => o.code).sort());
    expect(new Set(codes).size).toBe(16);
    expect(seededRuleSet("ACCME")).toBeNull();
  });

  it.each(SEEDED_REQUIREMENT_RULES.map((r) => [r.organisationCode, r] as const))("%s parses, also after a round trip through JSON (jsonb)", (_code, rule) => {
    expect(requirementRuleSetSchema.parse(rule)).toEqual(rule);
    const stored = JSON.parse(JSON.stringify(rule)) as unknown;
    expect(requirementRuleSetSchema.parse(stored)).toEqual(rule);
  });

  // The expected values are read off REQUIREMENTS.md by hand ("state requirements" and
  // "certifying-board requirements" tables), not from the seeded data.
  it.each([
    // code, total, cycle years, anchor, requirements as "id: types minimum period"
    ["AL-M", 25, 1, "fixedDate", ["controlled-substance: Controlled Substance 2 lastYears2"]],
    ["CA-M", 50, 2, "birthMonth", ["pain-end-of-life: Pain Management+End-of-Life Care 12 ever", "geriatric-medicine: Geriatric Medicine 20% requiredTotal"]],
    ["ME-M", 40, 2, "birthMonth", ["opioid-prescribing: Opioid Prescribing 3 cycle"]],
    ["ME-O", 100, 2, "roster", ["osteopathic: Osteopathic 40% requiredTotal", "opioid-prescribing: Opioid Prescribing 3 cycle"]],
    ["MD-M", 25, 2, "fixedDate", ["opioid-prescribing: Opioid Prescribing 1 cycle", "implicit-bias: Implicit Bias 1 ever"]],
    ["OR-M", 60, 2, "roster", ["pain-management: Pain Management 1 cycle", "cultural-competency: Cultural Competency 2 cycle"]],
    ["NC-M", 60, 3, "roster", ["controlled-substance: Controlled Substance 3 cycle"]],
    ["ND-M", 60, 3, "fixedDate", []],
    ["VI-M", 50, 2, "roster", []],
    ["ABA", 250, 10, "roster", ["patient-safety: Patient Safety 20 cycle"]],
    ["ABIM", 100, 5, "roster", ["participation: any 0.25 every2"]],
    ["ABO", 50, 2, "roster", ["self-assessment: Self-Assessment 16 cycle", "patient-safety: Patient Safety 0.25 lastYears10"]],
    ["ABOHNS", 25, 1, "fixedDate", []],
    ["ABPATH", 70, 2, "roster", ["self-assessment: Self-Assessment 20 cycle"]],
    ["ABP", 100, 5, "roster", ["lifelong-learning: Lifelong Learning and Self-Assessment 50 cycle", "improving-practice: Improving Professional Practice 50 cycle"]],
    ["ABS", 150, 5, "rolling", ["self-assessment: Self-Assessment 50 cycle"]],
  ] as const)("%s: %d credits per %d-year cycle anchored by %s", (code, total, years, anchor, requirements) => {
    const rule = seeded(code);
    expect(rule.total.minimum).toBe(total);
    expect(rule.cycle.years).toBe(years);
    expect(rule.cycle.anchor).toBe(anchor);
    const summary = rule.requirements.map((r) => {
      const types = (r.creditTypes ?? ["any"]).join("+");
      if (r.kind === "share") return `${r.id}: ${types} ${r.percent}% ${r.basis}`;
      if (r.kind === "subPeriods") return `${r.id}: ${types} ${r.minimum} every${r.years}`;
      const period = r.period.kind === "lastYears" ? `lastYears${r.period.years}` : r.period.kind;
      return `${r.id}: ${types} ${r.minimum} ${period}`;
    });
    expect(summary).toEqual(requirements);
  });

  it("places the fixed-date cycles as REQUIREMENTS.md says", () => {
    const md = seeded("MD-M").cycle;
    expect(md).toMatchObject({ anchor: "fixedDate", endMonth: 9, endDay: 30, lastNameGroups: [{ from: "A", to: "L" }, { from: "M", to: "Z" }] });
    const nd = seeded("ND-M").cycle;
    // Compliance years 2016, 2019, 2022, 2025: 3-year cycles, and 2025 is one of their end years.
    expect(nd).toMatchObject({ anchor: "fixedDate", years: 3, endMonth: 12, endDay: 31, referenceEndYear: 2025 });
    expect(seeded("AL-M").cycle).toMatchObject({ anchor: "fixedDate", years: 1, endMonth: 12, endDay: 31 });
  });

  it("carries the caps: ABA 60 a calendar year, ABS 12 a day, nobody else", () => {
    expect(seeded("ABA").caps).toMatchObject({ perCalendarYear: 60 });
    expect(seeded("ABA").caps?.perDay).toBeUndefined();
    expect(seeded("ABS").caps).toMatchObject({ perDay: 12 });
    expect(seeded("ABS").caps?.perCalendarYear).toBeUndefined();
    expect(SEEDED_REQUIREMENT_RULES.filter((r) => r.caps).map((r) => r.organisationCode).sort()).toEqual(["ABA", "ABS"]);
  });

  it("marks applicability for requirements that bind only some licensees", () => {
    const applies = (code: string, id: string) => seeded(code).requirements.find((r) => r.id === id)?.appliesTo;
    expect(applies("NC-M", "controlled-substance")).toMatchObject({ when: [{ attribute: "controlledSubstancePrescriber", is: true }], whenUnknown: "applies" });
    expect(applies("AL-M", "controlled-substance")).toMatchObject({ when: [{ attribute: "controlledSubstanceCertificate", is: true }], whenUnknown: "applies" });
    expect(applies("CA-M", "geriatric-medicine")).toMatchObject({
      when: [{ attribute: "specialty", oneOf: ["Internal Medicine", "Family Medicine"] }, { attribute: "patients65Percent", moreThan: 25 }],
      whenUnknown: "doesNotApply",
    });
    // The opioid requirements bind prescribers (applied unless the board says otherwise).
    for (const code of ["MD-M", "ME-M", "ME-O"]) {
      expect(applies(code, "opioid-prescribing"), code).toMatchObject({ when: [{ attribute: "controlledSubstancePrescriber", is: true }], whenUnknown: "applies" });
    }
    // California's pain management is due by the second renewal: it binds those licensed before the cycle began.
    expect(applies("CA-M", "pain-end-of-life")).toMatchObject({ when: [{ attribute: "initialLicenseDate", beforeCycleStart: true }], whenUnknown: "applies" });
    // Requirements that bind everyone carry no condition.
    expect(applies("OR-M", "pain-management")).toBeUndefined();
    expect(applies("ABP", "lifelong-learning")).toBeUndefined();
  });

  it("gives Oregon its MOC alternative, North Dakota its proration and ABIM its 2-year participation", () => {
    expect(seeded("OR-M").alternatives).toEqual([
      { id: "moc-participation", label: "Participation in a certifying board's MOC program", when: [{ attribute: "mocParticipant", is: true }], provenance: { source: "OAR 847-008-0075", assumed: false } },
    ]);
    expect(SEEDED_REQUIREMENT_RULES.filter((r) => r.alternatives).map((r) => r.organisationCode)).toEqual(["OR-M"]);
    expect(seeded("ND-M").total.proratePerYear).toMatchObject({ credits: 20, attribute: "initialLicenseDate", provenance: { assumed: true } });
    expect(SEEDED_REQUIREMENT_RULES.filter((r) => r.total.proratePerYear).map((r) => r.organisationCode)).toEqual(["ND-M"]);
    expect(seeded("ABIM").requirements).toEqual([expect.objectContaining({ kind: "subPeriods", id: "participation", years: 2, minimum: 0.25 })]);
    expect(seeded("ABIM").requirements[0]?.creditTypes).toBeUndefined();
  });

  it("names the credit as each board does", () => {
    const labels = Object.fromEntries(SEEDED_REQUIREMENT_RULES.map((r) => [r.organisationCode, r.creditLabel]));
    expect(labels).toEqual({
      "AL-M": "AMA PRA Category 1 credits",
      "CA-M": "AMA PRA Category 1 credits",
      "ME-M": "AMA PRA Category 1 credits",
      "ME-O": "AMA PRA Category 1 credits",
      "MD-M": "AMA PRA Category 1 credits",
      "OR-M": "AMA PRA Category 1 credits",
      "NC-M": "AMA PRA Category 1 credits",
      "ND-M": "AMA PRA Category 1 credits",
      "VI-M": "AMA PRA Category 1 credits",
      ABA: "Category 1 credits",
      ABIM: "MOC points",
      ABO: "Category 1 credits",
      ABOHNS: "Category 1 credits",
      ABPATH: "Category 1 credits",
      ABP: "MOC points",
      ABS: "Category 1 credits",
    });
  });

  it("gives every value a source, and a reason wherever it is assumed", () => {
    for (const rule of SEEDED_REQUIREMENT_RULES) {
      const provenances = [
        rule.cycle.provenance,
        rule.total.provenance,
        ...(rule.total.proratePerYear ? [rule.total.proratePerYear.provenance] : []),
        ...rule.requirements.map((r) => r.provenance),
        ...(rule.caps ? [rule.caps.provenance] : []),
        ...(rule.alternatives ?? []).map((a) => a.provenance),
      ];
      for (const p of provenances) {
        expect(p.source.length, rule.organisationCode).toBeGreaterThan(0);
        if (p.assumed) expect(p.reason?.length, rule.organisationCode).toBeGreaterThan(20);
      }
    }
  });

  it("marks as assumed what REQUIREMENTS.md marks verify / not found", () => {
    expect(seeded("VI-M").total.provenance.assumed).toBe(true);
    expect(seeded("VI-M").cycle.provenance.assumed).toBe(true);
    expect(seeded("ABOHNS").total.provenance.assumed).toBe(true);
    expect(seeded("ND-M").cycle.provenance.assumed).toBe(true);
    // ND-M's nutrition hour is not seeded (the store has no Nutrition topic) and the note says so.
    expect(seeded("ND-M").requirements).toEqual([]);
    expect(seeded("ND-M").notes.join(" ")).toMatch(/nutrition/i);
    // Values REQUIREMENTS.md states plainly are sourced, with the source it names.
    expect(seeded("CA-M").total.provenance).toEqual({ source: expect.stringContaining("mbc.ca.gov") as unknown, assumed: false });
    expect(seeded("CA-M").requirements.map((r) => r.provenance.source)).toEqual(["Cal. Bus. & Prof. Code §2190.5", "Cal. Bus. & Prof. Code §2190.3"]);
    expect(seeded("OR-M").total.provenance.source).toBe("OAR 847-008-0075");
    expect(seeded("MD-M").total.provenance.source).toContain("COMAR 10.32.01.10");
    expect(seeded("AL-M").total.provenance.source).toContain("ALAC 540-X-14-.02");
  });

  it("names only topics and credit types the organisation receives", () => {
    for (const rule of SEEDED_REQUIREMENT_RULES) {
      const allowed = allowedCreditTypes(rule.organisationCode);
      for (const r of rule.requirements) for (const type of r.creditTypes ?? []) expect(allowed, rule.organisationCode).toContain(type);
    }
    expect(allowedCreditTypes("CA-M")).toEqual(STATE_TOPICS);
    expect(allowedCreditTypes("ABP")).toEqual(MOC_CREDIT_TYPES.ABP);
    expect(allowedCreditTypes("ACCME")).toEqual([]);
  });

  it("hands out copies, so editing one never changes the seed", () => {
    const copy = seeded("CA-M");
    copy.total.minimum = 1;
    expect(seeded("CA-M").total.minimum).toBe(50);
  });
});

describe("rule set validation messages", () => {
  it.each([
    ["a negative total", (r: Record<string, unknown>) => (r.total = { ...(r.total as object), minimum: -1 }), "total.minimum", "Total credits must be a number from 0 to 1000"],
    ["a total over 1000", (r: Record<string, unknown>) => (r.total = { ...(r.total as object), minimum: 1000.25 }), "total.minimum", "Total credits must be a number from 0 to 1000"],
    ["a total given as text", (r: Record<string, unknown>) => (r.total = { ...(r.total as object), minimum: "50" }), "total.minimum", "Total credits must be a number from 0 to 1000"],
    ["a total not in quarter credits", (r: Record<string, unknown>) => (r.total = { ...(r.total as object), minimum: 12.3 }), "total.minimum", "Total credits must be in quarter credits (for example 12.25)"],
    ["a cycle of 0 years", (r: Record<string, unknown>) => (r.cycle = { ...(r.cycle as object), years: 0 }), "cycle.years", "Cycle length must be a whole number of years from 1 to 10"],
    ["a cycle of 2.5 years", (r: Record<string, unknown>) => (r.cycle = { ...(r.cycle as object), years: 2.5 }), "cycle.years", "Cycle length must be a whole number of years from 1 to 10"],
    ["an unknown anchor", (r: Record<string, unknown>) => (r.cycle = { ...(r.cycle as object), anchor: "weekly" }), "cycle.anchor", "Cycle anchor must be one of: roster, birthMonth, fixedDate, rolling"],
    ["an organisation without rules", (r: Record<string, unknown>) => (r.organisationCode = "ACCME"), "organisationCode", "Organization must be one of"],
    ["an empty credit name", (r: Record<string, unknown>) => (r.creditLabel = "  "), "creditLabel", "Name the credit"],
    ["an assumed value without a reason", (r: Record<string, unknown>) => (r.total = { minimum: 50, provenance: { source: "guess", assumed: true } }), "total.provenance.reason", "Say why this value is assumed"],
    ["a value without a source", (r: Record<string, unknown>) => (r.total = { minimum: 50, provenance: { source: "", assumed: false } }), "total.provenance.source", "Say where this value comes from"],
  ])("refuses %s on the field", (_what, change, path, message) => {
    const errors = errorsOf(edited("CA-M", change));
    expect(errors[path]).toContain(message);
  });

  it("refuses a topic the state boards do not receive, listing the ones they do", () => {
    const errors = errorsOf(
      edited("ND-M", (r) => {
        r.requirements = [{ kind: "creditTypes", id: "nutrition", creditTypes: ["Nutrition"], minimum: 1, period: { kind: "cycle" }, provenance: { source: "ndbom.org", assumed: false } }];
      }),
    );
    expect(errors["requirements.0.creditTypes.0"]).toBe(`“Nutrition” is not a topic or credit type ND-M receives; use one of: ${STATE_TOPICS.join(", ")}`);
  });

  it("refuses another board's MOC credit type (ABA has no Self-Assessment type)", () => {
    const errors = errorsOf(edited("ABA", (r) => ((r.requirements as Record<string, unknown>[])[0] = { ...(r.requirements as object[])[0], creditTypes: ["Self-Assessment"] })));
    expect(errors["requirements.0.creditTypes.0"]).toContain("use one of: Lifelong Learning, Patient Safety");
  });

  it("refuses requirement problems on the requirement's field", () => {
    const base = { kind: "creditTypes", id: "x", creditTypes: ["Pain Management"], minimum: 1, period: { kind: "cycle" }, provenance: { source: "s", assumed: false } };
    const cases: [object, string, string][] = [
      [{ ...base, minimum: 0 }, "requirements.0.minimum", "Minimum credits must be a number from 0.25 to 1000"],
      [{ ...base, id: "total" }, "requirements.0.id", "reserved"],
      [{ ...base, id: "Opioid Rx" }, "requirements.0.id", "lower-case letters"],
      [{ ...base, creditTypes: [] }, "requirements.0.creditTypes", "Name at least one topic or credit type"],
      [{ ...base, creditTypes: ["Pain Management", "Pain Management"] }, "requirements.0.creditTypes", "Name each topic or credit type once"],
      [{ ...base, period: { kind: "lastYears", years: 11 } }, "requirements.0.period.years", "Look-back period must be a whole number of years from 1 to 10"],
      [{ ...base, period: { kind: "sometimes" } }, "requirements.0.period.kind", "Period must be one of: cycle, ever, lastYears"],
      [{ ...base, appliesTo: { label: "prescribers", when: [{ attribute: "controlledSubstancePrescriber", is: true }], whenUnknown: "maybe" } }, "requirements.0.appliesTo.whenUnknown", "When unknown must be applies or doesNotApply"],
      [{ ...base, kind: "share", percent: 0, basis: "requiredTotal" }, "requirements.0.percent", "Percent must be a whole number from 1 to 100"],
      [{ ...base, kind: "share", percent: 40, basis: "most" }, "requirements.0.basis", "Basis must be requiredTotal or countedTotal"],
      [{ ...base, kind: "topic" }, "requirements.0.kind", "Requirement kind must be creditTypes, share or subPeriods"],
    ];
    for (const [requirement, path, message] of cases) {
      const errors = errorsOf(edited("ME-M", (r) => (r.requirements = [requirement])));
      expect(errors[path], path).toContain(message);
    }
  });

  it("refuses sub-period and alternative problems on their fields", () => {
    const sub = { kind: "subPeriods", id: "participation", years: 2, minimum: 0.25, provenance: { source: "s", assumed: false } };
    const onAbim = (change: (r: Record<string, unknown>) => void) => errorsOf(edited("ABIM", change));
    expect(onAbim((r) => (r.requirements = [{ ...sub, years: 6 }]))["requirements.0.years"]).toBe("Sub-period length must be at most the cycle length (5 years)");
    expect(onAbim((r) => (r.requirements = [{ ...sub, years: 1.5 }]))["requirements.0.years"]).toBe("Sub-period length must be a whole number of years from 1 to 10");
    expect(onAbim((r) => (r.requirements = [{ ...sub, minimum: 0.3 }]))["requirements.0.minimum"]).toBe("Minimum credits must be in quarter credits (for example 12.25)");
    expect(onAbim((r) => (r.requirements = [{ ...sub, creditTypes: ["CME"] }]))["requirements.0.creditTypes.0"]).toContain("“CME” is not a topic or credit type ABIM receives");
    const clash = { kind: "creditTypes", id: "participation-2", creditTypes: ["Patient Safety"], minimum: 1, period: { kind: "cycle" }, provenance: { source: "s", assumed: false } };
    expect(onAbim((r) => (r.requirements = [sub, clash]))["requirements.0.id"]).toBe("The id “participation” would name its sub-periods like another requirement (“participation-2”)");
    const alternative = { id: "moc", label: "MOC participation", when: [{ attribute: "mocParticipant", is: true }], provenance: { source: "s", assumed: false } };
    const onOregon = (alternatives: unknown) => errorsOf(edited("OR-M", (r) => (r.alternatives = alternatives)));
    expect(onOregon([{ ...alternative, id: "pain-management" }])["alternatives.0.id"]).toBe("Another requirement or alternative already uses the id “pain-management”");
    expect(onOregon([alternative, alternative])["alternatives.1.id"]).toBe("Another requirement or alternative already uses the id “moc”");
    expect(onOregon([{ ...alternative, when: [] }])["alternatives.0.when"]).toBe("Give at least one condition");
    expect(onOregon([{ ...alternative, label: " " }])["alternatives.0.label"]).toBe("Name the alternative");
    expect(onOregon([{ ...alternative, when: [{ attribute: "mocParticipant", is: "maybe" }] }])["alternatives.0.when.0"]).toBeDefined();
    const prorate = (p: unknown) => errorsOf(edited("ND-M", (r) => (r.total = { ...(r.total as object), proratePerYear: p })));
    expect(prorate({ credits: 0, attribute: "initialLicenseDate", provenance: { source: "s", assumed: false } })["total.proratePerYear.credits"]).toBe("Credits per licensed year must be a number from 0.25 to 1000");
    expect(prorate({ credits: 20, attribute: "specialty", provenance: { source: "s", assumed: false } })["total.proratePerYear.attribute"]).toBe("Proration reads the initial license date");
  });

  it("refuses two requirements with one id", () => {
    const errors = errorsOf(edited("ABP", (r) => ((r.requirements as Record<string, unknown>[])[1] = { ...(r.requirements as object[])[1], id: "lifelong-learning" })));
    expect(errors["requirements.1.id"]).toBe("Another requirement already uses the id “lifelong-learning”");
  });

  it("refuses fixed-date cycles that cannot place every licensee", () => {
    const fixed = (cycle: object) => edited("AL-M", (r) => (r.cycle = { anchor: "fixedDate", years: 1, endMonth: 12, endDay: 31, provenance: { source: "s", assumed: false }, ...cycle }));
    expect(errorsOf(fixed({ endMonth: 2, endDay: 29 }))["cycle.endDay"]).toBe("End day must be a day every year has in that month (1 to 28)");
    expect(errorsOf(fixed({ endMonth: 13 }))["cycle.endMonth"]).toBe("End month must be a month number from 1 to 12");
    expect(errorsOf(fixed({ years: 3 }))["cycle.referenceEndYear"]).toContain("Give a year in which a cycle ends");
    expect(errorsOf(fixed({ years: 2, referenceEndYear: 2024, lastNameGroups: [{ from: "A", to: "Z", referenceEndYear: 2024 }] }))["cycle.lastNameGroups"]).toContain("not both");
    expect(errorsOf(fixed({ years: 2, lastNameGroups: [{ from: "A", to: "L", referenceEndYear: 2024 }] }))["cycle.lastNameGroups"]).toBe(
      "Last-name groups must cover every letter A to Z; missing M, N, O, P, Q, R, S, T, U, V, W, X, Y, Z",
    );
    expect(
      errorsOf(
        fixed({
          years: 2,
          lastNameGroups: [
            { from: "A", to: "M", referenceEndYear: 2024 },
            { from: "M", to: "Z", referenceEndYear: 2025 },
          ],
        }),
      )["cycle.lastNameGroups.1"],
    ).toBe("Letter M is already in another last-name group");
    expect(errorsOf(fixed({ years: 2, lastNameGroups: [{ from: "L", to: "A", referenceEndYear: 2024 }] }))["cycle.lastNameGroups.0.to"]).toBe("The last letter must come after the first letter");
    expect(errorsOf(fixed({ years: 2, lastNameGroups: [{ from: "a", to: "Z", referenceEndYear: 2024 }] }))["cycle.lastNameGroups.0.from"]).toBe("First letter must be one capital letter A to Z");
  });

  it("refuses caps that cap nothing or are out of range", () => {
    expect(errorsOf(edited("ABA", (r) => (r.caps = { provenance: { source: "s", assumed: false } })))["caps.perCalendarYear"]).toBe("Give a yearly or a daily cap, or remove the caps");
    expect(errorsOf(edited("ABS", (r) => (r.caps = { perDay: 0, provenance: { source: "s", assumed: false } })))["caps.perDay"]).toBe("Credits counted per day must be a number from 0.25 to 1000");
  });

  it("keys every message by the dotted path of its field", () => {
    const errors = errorsOf({ organisationCode: "CA-M" });
    expect(Object.keys(errors).sort()).toEqual(["creditLabel", "cycle", "notes", "requirements", "total"]);
    expect(errorsOf("not a rule set")).toEqual({ "(rule set)": expect.any(String) as unknown });
  });
});

describe("descriptions", () => {
  it("describe each seeded organisation's requirements in words", () => {
    expect(describeRuleSet(seeded("CA-M"))).toEqual([
      "50 AMA PRA Category 1 credits per 2-year renewal cycle ending on the last day of the licensee's birth month",
      "12 credits of Pain Management and End-of-Life Care combined, one-time (a completion at any date up to the end of the renewal cycle counts); applies to licensees past their first renewal (the course is due by the second renewal)",
      "At least 20% of the required 50 AMA PRA Category 1 credits (10) in Geriatric Medicine; applies to general internists and family physicians with over 25% of patients aged 65 or over",
    ]);
    expect(describeRuleSet(seeded("ABA"))).toEqual([
      "250 Category 1 credits per 10-year certification cycle (dates from the board's roster)",
      "20 credits of Patient Safety per certification cycle",
      "At most 60 credits count per calendar year",
    ]);
    expect(describeRuleSet(seeded("ABS"))).toEqual([
      "150 Category 1 credits in any 5-year period (rolling: the 5 years up to the date checked)",
      "50 credits of Self-Assessment per certification cycle",
      "At most 12 credits count per day",
    ]);
    expect(describeRuleSet(seeded("ABIM"))).toEqual([
      "100 MOC points per 5-year certification cycle (dates from the board's roster)",
      "At least 0.25 MOC points in every 2-year period of the certification cycle, counted from its start (years 1–2 and 3–4); the last year of the certification cycle is not checked on its own",
    ]);
    expect(describeRuleSet(seeded("OR-M"))).toEqual([
      "60 AMA PRA Category 1 credits per 2-year renewal cycle (dates from the board's roster)",
      "1 credit of Pain Management per renewal cycle",
      "2 credits of Cultural Competency per renewal cycle",
      "Also met, whatever the credit shows, by participation in a certifying board's MOC program (when the board records: participates in MOC: yes)",
    ]);
    expect(describeRuleSet(seeded("ND-M"))).toEqual([
      "60 AMA PRA Category 1 credits per 3-year renewal cycle ending December 31 (2019, 2022, 2025, …); a licensee first licensed during the renewal cycle owes 20 for each full year of it licensed",
    ]);
    expect(describeRuleSet(seeded("AL-M"))[0]).toBe("25 AMA PRA Category 1 credits per calendar year");
    expect(describeRuleSet(seeded("AL-M"))[1]).toBe("2 credits of Controlled Substance in the 2 years ending with the renewal cycle; applies to holders of an Alabama Controlled Substances Certificate");
    expect(describeRuleSet(seeded("ME-O"))[1]).toBe("At least 40% of the required 100 AMA PRA Category 1 credits (40) in Osteopathic");
    expect(describeRuleSet(seeded("ME-O"))[2]).toBe("3 credits of Opioid Prescribing per renewal cycle; applies to licensees who prescribe controlled substances");
    expect(describeRuleSet(seeded("MD-M"))[2]).toBe("1 credit of Implicit Bias, one-time (a completion at any date up to the end of the renewal cycle counts)");
    expect(describeRuleSet(seeded("ABO"))[2]).toBe("0.25 credits of Patient Safety in the 10 years ending with the certification cycle");
  });

  it("describe sub-periods that fill the cycle, one-year ones, and ones of a credit type", () => {
    const base = seeded("ABIM");
    const sub = base.requirements[0];
    if (sub?.kind !== "subPeriods") throw new Error("ABIM's first requirement is the sub-period one");
    // 6-year cycle, 2-year sub-periods: three, nothing left over.
    expect(describeRequirement({ ...base, cycle: { ...base.cycle, years: 6 } }, sub)).toBe(
      "At least 0.25 MOC points in every 2-year period of the certification cycle, counted from its start (years 1–2, 3–4 and 5–6)",
    );
    // 3-year cycle, 1-year sub-periods of Patient Safety.
    expect(describeRequirement({ ...base, cycle: { ...base.cycle, years: 3 } }, { ...sub, years: 1, minimum: 1, creditTypes: ["Patient Safety"] })).toBe(
      "At least 1 credit of Patient Safety in every year of the certification cycle, counted from its start (years 1, 2 and 3)",
    );
    // 5-year cycle, 3-year sub-periods: one, and the last 2 years are left over.
    expect(describeRequirement(base, { ...sub, years: 3 })).toBe(
      "At least 0.25 MOC points in every 3-year period of the certification cycle, counted from its start (years 1–3); the last 2 years of the certification cycle are not checked on their own",
    );
  });

  it("use the state board's words for a state board's sub-periods and alternatives", () => {
    const rule = edited("VI-M", (r) => {
      r.requirements = [{ kind: "subPeriods", id: "yearly", years: 1, minimum: 10, provenance: { source: "test", assumed: false } }];
      r.alternatives = [{ id: "prescriber", label: "Prescribers", when: [{ attribute: "controlledSubstancePrescriber", is: false }], provenance: { source: "test", assumed: false } }];
    });
    const parsed = requirementRuleSetSchema.parse(rule);
    expect(describeRuleSet(parsed).slice(1)).toEqual([
      "At least 10 AMA PRA Category 1 credits in every year of the renewal cycle, counted from its start (years 1 and 2)",
      "Also met, whatever the credit shows, by prescribers (when the board records: prescribes controlled substances: no)",
    ]);
  });

  it("describe fixed-date cycles with the years they end in", () => {
    expect(describeCycle(seeded("MD-M").cycle)).toBe("per 2-year renewal cycle ending September 30 (last names A–L: 2020, 2022, 2024, …; last names M–Z: 2021, 2023, 2025, …)");
    expect(describeCycle(seeded("ND-M").cycle)).toBe("per 3-year renewal cycle ending December 31 (2019, 2022, 2025, …)");
    expect(describeCycle(seeded("ABOHNS").cycle)).toBe("per calendar year");
  });

  it("describe a share of the counted total", () => {
    const rule = seeded("ME-O");
    const share = rule.requirements[0];
    if (share?.kind !== "share") throw new Error("ME-O's first requirement is the osteopathic share");
    expect(describeRequirement(rule, { ...share, basis: "countedTotal" })).toBe("At least 40% of the AMA PRA Category 1 credits counted in the renewal cycle in Osteopathic");
  });
});

describe("ruleMeasures", () => {
  it("lists exactly the outcomes the engine reports, in its order, for a cycle of the rule's length", async () => {
    const { ruleMeasures } = await import("../../domain/requirement-rules");
    const { evaluateCycle } = await import("../../app/lib/compliance");
    for (const rule of SEEDED_REQUIREMENT_RULES) {
      // The cycle of the rule's length ending 2030-12-31 (it starts January 1 of the year after 2030 − years).
      const cycle = { start: `${2031 - rule.cycle.years}-01-01`, end: "2030-12-31" };
      const evaluation = evaluateCycle(rule, [], cycle);
      expect(ruleMeasures(rule).map((m) => [m.id, m.label, m.kind, m.requirementId])).toEqual(evaluation.requirements.map((o) => [o.id, o.label, o.kind, o.requirementId]));
    }
  });

  it("lists one measure per whole sub-period (floor of cycle years over sub-period years)", async () => {
    const { ruleMeasures } = await import("../../domain/requirement-rules");
    // ABIM: 5-year cycle, 2-year sub-periods: floor(5 / 2) = 2.
    expect(ruleMeasures(seeded("ABIM"))).toEqual([
      { id: "total", label: "Total MOC points", kind: "total", requirementId: "total" },
      { id: "participation-1", label: "Points every 2 years (years 1–2)", kind: "subPeriods", requirementId: "participation" },
      { id: "participation-2", label: "Points every 2 years (years 3–4)", kind: "subPeriods", requirementId: "participation" },
    ]);
    const base = seeded("ABIM");
    const sub = base.requirements[0];
    if (sub?.kind !== "subPeriods") throw new Error("ABIM's first requirement is the sub-period one");
    // 10-year cycle, 3-year sub-periods of Patient Safety: floor(10 / 3) = 3.
    const ten = { ...base, cycle: { ...base.cycle, years: 10 }, requirements: [{ ...sub, years: 3, creditTypes: ["Patient Safety"] }] };
    expect(ruleMeasures(ten).map((m) => `${m.id}: ${m.label}`)).toEqual([
      "total: Total MOC points",
      "participation-1: Patient Safety every 3 years (years 1–3)",
      "participation-2: Patient Safety every 3 years (years 4–6)",
      "participation-3: Patient Safety every 3 years (years 7–9)",
    ]);
  });
});

describe("migration 0013 (the rule model)", () => {
  it("carries a frozen copy of every seeded rule set that the app parses", async () => {
    const { SEEDED_AT_0013 } = await import("../../db/migrations/0013_rule_model");
    expect(Object.keys(SEEDED_AT_0013).sort()).toEqual(SEEDED_REQUIREMENT_RULES.map((r) => r.organisationCode).sort());
    for (const [code, rule] of Object.entries(SEEDED_AT_0013)) {
      const parsed = requirementRuleSetSchema.safeParse(rule);
      expect(parsed.success, code).toBe(true);
      expect((rule as { organisationCode: string }).organisationCode).toBe(code);
    }
  });

  it("turns the old “applies to” groups into attribute conditions, and leaves the rest alone", async () => {
    const { convertAppliesTo } = await import("../../db/migrations/0013_rule_model");
    // An edited North Carolina rule set as the old model stored it (total raised to 70).
    const old = {
      ...JSON.parse(JSON.stringify(seeded("NC-M"))),
      total: { minimum: 70, provenance: { source: "ncmedboard.org", assumed: false } },
      requirements: [
        {
          kind: "creditTypes",
          id: "controlled-substance",
          creditTypes: ["Controlled Substance"],
          minimum: 3,
          period: { kind: "cycle" },
          appliesTo: { group: "prescribers", label: "licensees who prescribe controlled substances", whenUnknown: "applies" },
          provenance: { source: "ncmedboard.org", assumed: false },
        },
        {
          kind: "share",
          id: "geriatric",
          creditTypes: ["Geriatric Medicine"],
          percent: 20,
          basis: "requiredTotal",
          appliesTo: { group: "geriatricPractice", label: "some internists", whenUnknown: "doesNotApply" },
          provenance: { source: "s", assumed: false },
        },
      ],
    } as Record<string, unknown>;
    const converted = convertAppliesTo(old);
    expect(converted).toMatchObject({ changed: true, unknownGroups: [] });
    const parsed = requirementRuleSetSchema.parse(converted.rule);
    expect(parsed.total.minimum).toBe(70);
    expect(parsed.requirements.map((r) => r.appliesTo)).toEqual([
      { label: "licensees who prescribe controlled substances", when: [{ attribute: "controlledSubstancePrescriber", is: true }], whenUnknown: "applies" },
      {
        label: "some internists",
        when: [
          { attribute: "specialty", oneOf: ["Internal Medicine", "Family Medicine"] },
          { attribute: "patients65Percent", moreThan: 25 },
        ],
        whenUnknown: "doesNotApply",
      },
    ]);
    // Already in the new shape: unchanged. A group it cannot read: named, left alone.
    expect(convertAppliesTo(seeded("AL-M"))).toEqual({ rule: seeded("AL-M"), changed: false, unknownGroups: [] });
    const strange = { requirements: [{ appliesTo: { group: "surgeons", label: "surgeons", whenUnknown: "applies" } }] };
    expect(convertAppliesTo(strange)).toEqual({ rule: strange, changed: false, unknownGroups: ["surgeons"] });
  });
});
