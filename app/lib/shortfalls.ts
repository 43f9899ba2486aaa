// Shortfall by requirement, the pure part (browser-safe): the unit a figure is counted in, the rule
// set's measures grouped by requirement (a sub-period's ids with their requirement), and the check
// that a "short in" filter names one of the organization's own measures.
import { formatRuleCredits, requirementLabel, ruleMeasures, type RequirementRuleSet, type RuleMeasure } from "../../domain/requirement-rules";

/** The unit a figure is counted in, short enough for a table cell: "MOC points", "credits". */
export function creditUnit(creditLabel: string | null | undefined): string {
  if (!creditLabel) return "credits";
  return /points$/i.test(creditLabel) ? creditLabel : "credits";
}

/** A group of measures: the total, a minimum (one id), or a sub-period requirement (one id per sub-period). */
export interface MeasureGroup {
  id: string;
  kind: "total" | "minimum" | "subPeriods";
  label: string;
  /** The measure ids (`requirements_short` / `shortfalls` keys) of the group. */
  ids: string[];
}

/** The rule's measures grouped by requirement: a sub-period's `${id}-${n}` joins its requirement. */
export function measureGroups(rule: RequirementRuleSet): MeasureGroup[] {
  const measures = ruleMeasures(rule);
  const exact = new Set(rule.requirements.map((r) => r.id));
  const groups: MeasureGroup[] = [{ id: "total", kind: "total", label: `Total of ${formatRuleCredits(rule.total.minimum)} ${rule.creditLabel}`, ids: ["total"] }];
  for (const requirement of rule.requirements) {
    const ids = measures
      .map((m) => m.id)
      .filter((id) => id === requirement.id || (!exact.has(id) && id.startsWith(`${requirement.id}-`) && /^\d+$/.test(id.slice(requirement.id.length + 1))));
    if (ids.length === 0) continue;
    const minimum = requirement.kind === "creditTypes" || requirement.kind === "share";
    groups.push({ id: requirement.id, kind: minimum ? "minimum" : "subPeriods", label: requirementLabel(requirement), ids });
  }
  return groups;
}

/** The "short in" filter checked against the organization's measures: a message when it names none. */
export function shortInProblem(shortIn: string | undefined, measures: readonly RuleMeasure[]): string | null {
  if (shortIn === undefined || measures.some((m) => m.id === shortIn)) return null;
  return measures.length === 0
    ? "Your organization has no requirement rules, so there is nothing to be short in."
    : `Choose one of your requirements: ${measures.map((m) => m.label).join(", ")}.`;
}

