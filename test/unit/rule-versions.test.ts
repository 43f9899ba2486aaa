// Rule versions without a database: which version judges a cycle, the history's change lines, and
// the editor's form (every seeded rule set survives the form unchanged; the buttons add, remove and
// reorder; schema messages land on the field that caused them).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeRuleChanges } from "../../app/lib/rule-diff";
import { applyEditorIntent, draftFromForm, draftFromRule, ruleFormErrors, ruleFromDraft, type DraftProvenance, type DraftRule } from "../../app/lib/rule-form";
import { versionInForce } from "../../app/models/rules.server";
import { allowedCreditTypes, requirementRuleSetSchema, seededRuleSet, SEEDED_REQUIREMENT_RULES, type RequirementRuleSet } from "../../domain/requirement-rules";

describe("versionInForce", () => {
  const v = (version: number, effectiveFrom: string) => ({ version, effectiveFrom });
  const versions = [v(1, "2000-01-01"), v(2, "2027-01-01"), v(3, "2025-07-01"), v(4, "2027-01-01")];

  it("takes the latest effective date on or before the cycle end, the higher number on a tie", () => {
    expect(versionInForce(versions, "2024-12-31")?.version).toBe(1);
    expect(versionInForce(versions, "2025-06-30")?.version).toBe(1);
    expect(versionInForce(versions, "2025-07-01")?.version).toBe(3);
    expect(versionInForce(versions, "2026-12-31")?.version).toBe(3);
    expect(versionInForce(versions, "2027-01-01")?.version).toBe(4);
    expect(versionInForce(versions, "2099-01-01")?.version).toBe(4);
  });

  it("is null before the first date and for no versions", () => {
    expect(versionInForce(versions, "1999-12-31")).toBeNull();
    expect(versionInForce([], "2026-01-01")).toBeNull();
  });

  it("agrees with a sort by (date, number) for any versions and dates", () => {
    const date = fc.integer({ min: 0, max: 3650 }).map((d) => new Date(Date.UTC(2020, 0, 1) + d * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(fc.array(date, { minLength: 1, maxLength: 8 }), date, (dates, end) => {
        const list = dates.map((d, i) => v(i + 1, d));
        const eligible = list.filter((x) => x.effectiveFrom <= end).sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom) || a.version - b.version);
        expect(versionInForce(list, end)).toBe(eligible[eligible.length - 1] ?? null);
      }),
    );
  });
});

const rule = (code: string) => seededRuleSet(code) as RequirementRuleSet;

describe("describeRuleChanges", () => {
  it("says nothing for the same rules", () => {
    for (const r of SEEDED_REQUIREMENT_RULES) expect(describeRuleChanges(r, structuredClone(r))).toEqual([]);
  });

  it("names a new total with its credit name", () => {
    const before = rule("ME-M");
    const after = { ...structuredClone(before), total: { ...before.total, minimum: 60 } };
    expect(describeRuleChanges(before, after)).toEqual([`Total: ${before.total.minimum} → 60 ${before.creditLabel}`]);
  });

  /** A state board's rules written here, so the expected lines do not follow the seeded values. */
  const base: RequirementRuleSet = requirementRuleSetSchema.parse({
    organisationCode: "MD-M",
    creditLabel: "AMA PRA Category 1 credits",
    cycle: { anchor: "roster", years: 2, provenance: { source: "COMAR 10.32.01.10", assumed: false } },
    total: { minimum: 50, provenance: { source: "COMAR 10.32.01.10", assumed: false } },
    requirements: [
      { kind: "creditTypes", id: "opioid", creditTypes: ["Opioid Prescribing"], minimum: 1, period: { kind: "cycle" }, provenance: { source: "COMAR", assumed: false } },
      { kind: "creditTypes", id: "bias", creditTypes: ["Implicit Bias"], minimum: 1, period: { kind: "ever" }, provenance: { source: "COMAR", assumed: false } },
      {
        kind: "creditTypes",
        id: "controlled",
        creditTypes: ["Controlled Substance"],
        minimum: 3,
        period: { kind: "cycle" },
        appliesTo: { label: "prescribers", when: [{ attribute: "controlledSubstancePrescriber", is: true }], whenUnknown: "applies" },
        provenance: { source: "COMAR", assumed: false },
      },
    ],
    notes: ["An old note."],
  });

  it("names added, removed and reordered requirements in the rules' own sentences", () => {
    const [opioid, bias, controlled] = base.requirements;
    const added = { kind: "creditTypes" as const, id: "pain", creditTypes: ["Pain Management"], minimum: 3, period: { kind: "cycle" as const }, provenance: { source: "COMAR", assumed: false } };
    expect(describeRuleChanges(base, { ...structuredClone(base), requirements: [bias!, controlled!, added] })).toEqual([
      "Removed requirement: 1 credit of Opioid Prescribing per renewal cycle",
      "Added requirement: 3 credits of Pain Management per renewal cycle",
    ]);
    expect(describeRuleChanges(base, { ...structuredClone(base), requirements: [bias!, opioid!, controlled!] })).toEqual([
      "Order of requirements: Opioid Prescribing, Implicit Bias (one-time), Controlled Substance → Implicit Bias (one-time), Opioid Prescribing, Controlled Substance",
    ]);
  });

  it("names a changed amount, who it applies to, caps, notes, the cycle and sources", () => {
    const after = structuredClone(base);
    const req = after.requirements[2]!;
    if (req.kind !== "creditTypes" || !req.appliesTo) throw new Error("unexpected shape");
    req.minimum = 5;
    req.appliesTo.whenUnknown = "doesNotApply";
    after.caps = { perDay: 12, provenance: { source: "Board rule", assumed: false } };
    after.notes = ["A new note."];
    after.cycle = { ...after.cycle, years: 3 };
    after.total.provenance = { source: "Board page", assumed: true, reason: "Not in the statute." };
    const lines = describeRuleChanges(base, after);
    expect(lines).toContain("Source of the total: COMAR 10.32.01.10 → Board page (assumed: Not in the statute.)");
    expect(lines.filter((l) => l.startsWith("Cycle: "))).toHaveLength(1);
    expect(lines.find((l) => l.startsWith("Cycle: "))).toMatch(/2-year .* → .*3-year/);
    expect(lines).toContain("Changed requirement: 3 credits of Controlled Substance per renewal cycle; applies to prescribers → 5 credits of Controlled Substance per renewal cycle; applies to prescribers");
    expect(lines.some((l) => l.startsWith("Controlled Substance applies to: prescribers (") && l.endsWith("does not apply when not known)"))).toBe(true);
    expect(lines).toContain("Added cap: At most 12 credits count per day");
    expect(lines).toContain("Added note: A new note.");
    expect(lines).toContain("Removed note: An old note.");
    expect(lines).toHaveLength(7);
    // Never the stored shape.
    for (const line of lines) expect(line).not.toMatch(/[{}[\]]|"|creditTypes|appliesTo|whenUnknown/);
  });
});

/** The fields a browser posts for a draft, named as the editor names them. */
function fieldsOf(draft: DraftRule): Record<string, string> {
  const f: Record<string, string> = {};
  const prov = (prefix: string, p: DraftProvenance) => {
    f[`${prefix}.provenance.source`] = p.source;
    if (p.assumed) f[`${prefix}.provenance.assumed`] = "on";
    f[`${prefix}.provenance.reason`] = p.reason;
  };
  f.creditLabel = draft.creditLabel;
  const c = draft.cycle;
  Object.assign(f, { "cycle.anchor": c.anchor, "cycle.years": c.years, "cycle.endMonth": c.endMonth, "cycle.endDay": c.endDay, "cycle.referenceEndYear": c.referenceEndYear });
  c.lastNameGroups.forEach((g, k) => Object.assign(f, { [`cycle.lastNameGroups.${k}.from`]: g.from, [`cycle.lastNameGroups.${k}.to`]: g.to, [`cycle.lastNameGroups.${k}.referenceEndYear`]: g.referenceEndYear }));
  prov("cycle", c.provenance);
  f["total.minimum"] = draft.total.minimum;
  prov("total", draft.total.provenance);
  f["total.proratePerYear.credits"] = draft.total.prorate.credits;
  prov("total.proratePerYear", draft.total.prorate.provenance);
  draft.alternatives.forEach((a, k) => {
    Object.assign(f, { [`alternatives.${k}.id`]: a.id, [`alternatives.${k}.label`]: a.label });
    a.when.forEach((w, j) => Object.assign(f, { [`alternatives.${k}.when.${j}.attribute`]: w.attribute, [`alternatives.${k}.when.${j}.value`]: w.value }));
    prov(`alternatives.${k}`, a.provenance);
  });
  const allowed = allowedCreditTypes(draft.organisationCode);
  draft.requirements.forEach((r, i) => {
    const p = `requirements.${i}`;
    Object.assign(f, { [`${p}.kind`]: r.kind, [`${p}.id`]: r.id, [`${p}.note`]: r.note });
    r.creditTypes.forEach((t) => (f[`${p}.creditTypes.${allowed.indexOf(t)}`] = "on"));
    if (r.kind === "share") Object.assign(f, { [`${p}.percent`]: r.percent, [`${p}.basis`]: r.basis });
    else if (r.kind === "subPeriods") Object.assign(f, { [`${p}.minimum`]: r.minimum, [`${p}.years`]: r.years });
    else Object.assign(f, { [`${p}.minimum`]: r.minimum, [`${p}.period.kind`]: r.periodKind, [`${p}.period.years`]: r.periodYears });
    if (r.appliesTo) {
      Object.assign(f, { [`${p}.appliesTo.enabled`]: "on", [`${p}.appliesTo.label`]: r.appliesTo.label, [`${p}.appliesTo.whenUnknown`]: r.appliesTo.whenUnknown });
      r.appliesTo.when.forEach((w, j) => Object.assign(f, { [`${p}.appliesTo.when.${j}.attribute`]: w.attribute, [`${p}.appliesTo.when.${j}.value`]: w.value }));
    }
    prov(p, r.provenance);
  });
  Object.assign(f, { "caps.perCalendarYear": draft.caps.perCalendarYear, "caps.perDay": draft.caps.perDay });
  prov("caps", draft.caps.provenance);
  draft.notes.forEach((n, k) => (f[`notes.${k}`] = n));
  return f;
}

describe("the rule editor's form", () => {
  it("gives back every seeded rule set unchanged when posted untouched", () => {
    for (const seeded of SEEDED_REQUIREMENT_RULES) {
      const posted = draftFromForm(fieldsOf(draftFromRule(seeded)), seeded.organisationCode);
      const parsed = requirementRuleSetSchema.safeParse(ruleFromDraft(posted));
      expect(parsed.success ? parsed.data : parsed.error.issues, seeded.organisationCode).toEqual(seeded);
    }
  });

  it("never takes the organisation from the form", () => {
    const fields = { ...fieldsOf(draftFromRule(rule("CA-M"))), organisationCode: "OR-M" };
    expect(draftFromForm(fields, "CA-M").organisationCode).toBe("CA-M");
  });

  it("adds, removes and reorders requirements, groups, conditions and notes", () => {
    const start = draftFromRule(rule("MD-M"));
    const ids = (d: DraftRule | null) => d!.requirements.map((r) => r.id);
    expect(ids(applyEditorIntent(start, "down:0"))).toEqual(["implicit-bias", "opioid-prescribing"]);
    expect(ids(applyEditorIntent(start, "up:1"))).toEqual(["implicit-bias", "opioid-prescribing"]);
    expect(ids(applyEditorIntent(start, "up:0"))).toEqual(ids(start));
    expect(ids(applyEditorIntent(start, "remove:0"))).toEqual(["implicit-bias"]);
    expect(ids(applyEditorIntent(start, "remove:9"))).toEqual(ids(start));
    const added = applyEditorIntent(start, "add:share")!;
    expect(added.requirements).toHaveLength(3);
    expect(added.requirements[2]).toMatchObject({ kind: "share", id: "requirement-3" });
    expect(applyEditorIntent(start, "add:nonsense")!.requirements).toHaveLength(2);
    expect(applyEditorIntent(start, "add-group")!.cycle.lastNameGroups).toHaveLength(3);
    expect(applyEditorIntent(start, "remove-group:0")!.cycle.lastNameGroups.map((g) => g.from)).toEqual(["M"]);
    const conditions = (d: DraftRule | null) => d!.requirements[0]!.appliesTo?.when.length ?? 0;
    const withCondition = applyEditorIntent(start, "add-condition:0")!;
    expect(conditions(withCondition)).toBe(conditions(start) + 1);
    expect(conditions(applyEditorIntent(withCondition, "remove-condition:0:0"))).toBe(conditions(start));
    const withAlternative = applyEditorIntent(start, "add-alternative")!;
    expect(withAlternative.alternatives).toHaveLength(start.alternatives.length + 1);
    expect(applyEditorIntent(withAlternative, `add-alternative-condition:${start.alternatives.length}`)!.alternatives.at(-1)!.when).toHaveLength(2);
    expect(applyEditorIntent(withAlternative, `remove-alternative:${start.alternatives.length}`)!.alternatives).toHaveLength(start.alternatives.length);
    expect(applyEditorIntent(start, "add:subPeriods")!.requirements.at(-1)).toMatchObject({ kind: "subPeriods" });
    expect(applyEditorIntent(start, "add-note")!.notes).toHaveLength(start.notes.length + 1);
    expect(applyEditorIntent(start, "remove-note:0")!.notes).toEqual(start.notes.slice(1));
    expect(applyEditorIntent(start, "preview")).toBeNull();
    // The untouched original is not changed by any of them.
    expect(ids(start)).toEqual(["opioid-prescribing", "implicit-bias"]);
  });

  it("puts each schema message beside the field that caused it", () => {
    const draft = draftFromRule(rule("CA-M"));
    draft.total.minimum = "lots";
    draft.cycle.years = "0";
    draft.requirements[0]!.creditTypes = [];
    draft.requirements[1]!.appliesTo!.when[1]!.value = "many";
    draft.requirements[1]!.appliesTo!.when[0]!.value = "";
    const parsed = requirementRuleSetSchema.safeParse(ruleFromDraft(draft));
    expect(parsed.success).toBe(false);
    const errors = ruleFormErrors(parsed.error!.issues);
    const fields = new Set(Object.keys(errors));
    expect(errors["requirements.1.appliesTo.when.1.value"]).toBe("The threshold must be a number from 0 to 100");
    for (const name of ["total.minimum", "cycle.years", "requirements.0.creditTypes", "requirements.1.appliesTo.when.1.value", "requirements.1.appliesTo.when.0.value"]) {
      expect(fields, name).toContain(name);
    }
    // Every field named is one the editor shows.
    const shown = new Set([...Object.keys(fieldsOf(draft)), "requirements.0.creditTypes"]);
    for (const name of fields) expect(shown, name).toContain(name);
  });

  it("drops empty notes and caps rather than refusing them", () => {
    const draft = draftFromRule(rule("ME-M"));
    draft.notes = ["", "  "];
    const parsed = requirementRuleSetSchema.parse(ruleFromDraft(draft));
    expect(parsed.notes).toEqual([]);
    expect(parsed.caps).toBeUndefined();
  });
});
