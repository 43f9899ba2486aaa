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

  it("names added, removed and reordered requirements in the rules' own sentences", () => {
    const before = rule("MD-M");
    const [first, second] = before.requirements;
    const added = { kind: "creditTypes" as const, id: "pain", creditTypes: ["Pain Management"], minimum: 3, period: { kind: "cycle" as const }, provenance: { source: "COMAR", assumed: false } };
    const after = { ...structuredClone(before), requirements: [second!, added] };
    expect(describeRuleChanges(before, after)).toEqual([
      "Removed requirement: 1 credit of Opioid Prescribing per cycle",
      "Added requirement: 3 credits of Pain Management per cycle",
    ]);
    const reordered = { ...structuredClone(before), requirements: [second!, first!] };
    expect(describeRuleChanges(before, reordered)).toEqual(["Order of requirements: Opioid Prescribing, Implicit Bias (one-time) → Implicit Bias (one-time), Opioid Prescribing"]);
  });

  it("names a changed amount, who it applies to, caps, notes, the cycle and sources", () => {
    const before = rule("NC-M");
    const after = structuredClone(before);
    const req = after.requirements[0]!;
    if (req.kind !== "creditTypes" || !req.appliesTo) throw new Error("NC-M's seeded requirement changed shape");
    req.minimum = 5;
    req.appliesTo.whenUnknown = "doesNotApply";
    after.caps = { perDay: 12, provenance: { source: "Board rule", assumed: false } };
    after.notes = ["A new note."];
    after.cycle = { ...after.cycle, years: 2 };
    after.total.provenance = { source: "Board page", assumed: true, reason: "Not in the statute." };
    const lines = describeRuleChanges(before, after);
    expect(lines).toContain("Source of the total: " + before.total.provenance.source + " → Board page (assumed: Not in the statute.)");
    expect(lines.some((l) => l.startsWith("Cycle: per 3-year cycle") && l.includes("→ per 2-year cycle"))).toBe(true);
    expect(lines.some((l) => l.startsWith("Changed requirement: 3 credits of Controlled Substance") && l.includes("→ 5 credits of Controlled Substance"))).toBe(true);
    expect(lines.some((l) => l.includes("applies to:") && l.endsWith("does not apply when not known)"))).toBe(true);
    expect(lines).toContain("Added cap: At most 12 credits count per day");
    expect(lines).toContain("Added note: A new note.");
    for (const n of before.notes) expect(lines).toContain(`Removed note: ${n}`);
    // Never the stored shape.
    for (const line of lines) expect(line).not.toMatch(/[{}[\]]|"|creditTypes|appliesTo/);
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
  const allowed = allowedCreditTypes(draft.organisationCode);
  draft.requirements.forEach((r, i) => {
    const p = `requirements.${i}`;
    Object.assign(f, { [`${p}.kind`]: r.kind, [`${p}.id`]: r.id, [`${p}.note`]: r.note });
    r.creditTypes.forEach((t) => (f[`${p}.creditTypes.${allowed.indexOf(t)}`] = "on"));
    if (r.kind === "share") Object.assign(f, { [`${p}.percent`]: r.percent, [`${p}.basis`]: r.basis });
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
    const withCondition = applyEditorIntent(start, "add-condition:0")!;
    expect(withCondition.requirements[0]!.appliesTo?.when).toHaveLength(1);
    expect(applyEditorIntent(withCondition, "remove-condition:0:0")!.requirements[0]!.appliesTo?.when).toHaveLength(0);
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
