// What changed between two versions of a rule set, in words a board reads ("Total: 50 → 60 AMA PRA
// Category 1 credits", "Added requirement: 3 credits of Opioid Prescribing per cycle"): the rules'
// history shows these lines, never the stored JSON. Pure and browser-safe.
import {
  describeAlternative,
  describeCaps,
  describeCondition,
  describeCycle,
  describeRequirement,
  formatRuleCredits,
  organisationKindOf,
  requirementLabel,
  type Provenance,
  type Requirement,
  type RequirementRuleSet,
} from "../../domain/requirement-rules";

function describeProvenance(p: Provenance): string {
  return p.assumed ? `${p.source} (assumed${p.reason ? `: ${p.reason}` : ""})` : p.source;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function appliesToText(rule: RequirementRuleSet, r: Requirement): string {
  if (!r.appliesTo) return "everyone";
  const kind = organisationKindOf(rule.organisationCode) ?? "state_board";
  const unknown = r.appliesTo.whenUnknown === "applies" ? "applies when not known" : "does not apply when not known";
  return `${r.appliesTo.label} (${r.appliesTo.when.map((c) => describeCondition(c, kind)).join("; ")}; ${unknown})`;
}

function requirementChanges(before: RequirementRuleSet, after: RequirementRuleSet, b: Requirement, a: Requirement): string[] {
  const lines: string[] = [];
  const label = requirementLabel(a, after.creditLabel);
  const describedBefore = describeRequirement(before, b);
  const describedAfter = describeRequirement(after, a);
  if (describedBefore !== describedAfter) lines.push(`Changed requirement: ${describedBefore} → ${describedAfter}`);
  if (!same(b.appliesTo?.when, a.appliesTo?.when) || b.appliesTo?.whenUnknown !== a.appliesTo?.whenUnknown) {
    lines.push(`${label} applies to: ${appliesToText(before, b)} → ${appliesToText(after, a)}`);
  }
  if ((b.note ?? "") !== (a.note ?? "")) lines.push(a.note ? `Note on ${label}: ${a.note}` : `Note on ${label} removed`);
  if (!same(b.provenance, a.provenance)) lines.push(`Source of ${label}: ${describeProvenance(b.provenance)} → ${describeProvenance(a.provenance)}`);
  return lines;
}

/** Every difference from `before` to `after`, one line each, in the order the rules read. */
export function describeRuleChanges(before: RequirementRuleSet, after: RequirementRuleSet): string[] {
  const lines: string[] = [];
  if (before.creditLabel !== after.creditLabel) lines.push(`Credit name: ${before.creditLabel} → ${after.creditLabel}`);
  if (before.total.minimum !== after.total.minimum) {
    lines.push(`Total: ${formatRuleCredits(before.total.minimum)} → ${formatRuleCredits(after.total.minimum)} ${after.creditLabel}`);
  }
  if (!same(before.total.proratePerYear, after.total.proratePerYear)) {
    const prorate = (r: RequirementRuleSet) => (r.total.proratePerYear ? `${formatRuleCredits(r.total.proratePerYear.credits)} per licensed year` : "none");
    lines.push(`Proration for those first licensed during the cycle: ${prorate(before)} → ${prorate(after)}`);
  }
  if (!same(before.total.provenance, after.total.provenance)) {
    lines.push(`Source of the total: ${describeProvenance(before.total.provenance)} → ${describeProvenance(after.total.provenance)}`);
  }
  const { provenance: cycleSourceBefore, ...cycleBefore } = before.cycle;
  const { provenance: cycleSourceAfter, ...cycleAfter } = after.cycle;
  if (!same(cycleBefore, cycleAfter)) {
    const kind = organisationKindOf(after.organisationCode) ?? "state_board";
    const b = describeCycle(before.cycle, kind);
    const a = describeCycle(after.cycle, kind);
    lines.push(b === a ? `Cycle: ${a} (dates adjusted)` : `Cycle: ${b} → ${a}`);
  }
  if (!same(cycleSourceBefore, cycleSourceAfter)) lines.push(`Source of the cycle: ${describeProvenance(cycleSourceBefore)} → ${describeProvenance(cycleSourceAfter)}`);

  const beforeById = new Map(before.requirements.map((r) => [r.id, r]));
  const afterById = new Map(after.requirements.map((r) => [r.id, r]));
  for (const r of before.requirements) if (!afterById.has(r.id)) lines.push(`Removed requirement: ${describeRequirement(before, r)}`);
  for (const r of after.requirements) {
    const old = beforeById.get(r.id);
    if (!old) lines.push(`Added requirement: ${describeRequirement(after, r)}`);
    else if (old.kind !== r.kind) lines.push(`Changed requirement: ${describeRequirement(before, old)} → ${describeRequirement(after, r)}`);
    else lines.push(...requirementChanges(before, after, old, r));
  }
  const keptBefore = before.requirements.filter((r) => afterById.has(r.id)).map((r) => r.id);
  const keptAfter = after.requirements.filter((r) => beforeById.has(r.id)).map((r) => r.id);
  if (!same(keptBefore, keptAfter)) {
    const names = (ids: string[]) => ids.map((id) => requirementLabel(afterById.get(id) as Requirement, after.creditLabel)).join(", ");
    lines.push(`Order of requirements: ${names(keptBefore)} → ${names(keptAfter)}`);
  }

  const capsBefore = describeCaps(before.caps);
  const capsAfter = describeCaps(after.caps);
  for (const line of capsBefore) if (!capsAfter.includes(line)) lines.push(`Removed cap: ${line}`);
  for (const line of capsAfter) if (!capsBefore.includes(line)) lines.push(`Added cap: ${line}`);
  if (before.caps && after.caps && !same(before.caps.provenance, after.caps.provenance)) {
    lines.push(`Source of the caps: ${describeProvenance(before.caps.provenance)} → ${describeProvenance(after.caps.provenance)}`);
  }

  const altBefore = (before.alternatives ?? []).map((x) => describeAlternative(before, x));
  const altAfter = (after.alternatives ?? []).map((x) => describeAlternative(after, x));
  for (const line of altBefore) if (!altAfter.includes(line)) lines.push(`Removed alternative: ${line}`);
  for (const line of altAfter) if (!altBefore.includes(line)) lines.push(`Added alternative: ${line}`);

  for (const n of before.notes) if (!after.notes.includes(n)) lines.push(`Removed note: ${n}`);
  for (const n of after.notes) if (!before.notes.includes(n)) lines.push(`Added note: ${n}`);
  return lines;
}

/** "January 1, 2027" for an effective date (a calendar date: no time zone). */
export function formatEffectiveDate(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString("en-US", { timeZone: "UTC", year: "numeric", month: "long", day: "numeric" });
}
