// The rule-edit form (browser-safe): which values of a stored rule set an admin or supervisor edits,
// as fields named by their dotted path ("requirements.0.minimum"), and how the posted fields are
// applied to the rule set before the whole set is validated by requirementRuleSetSchema. The
// structure (anchors, which requirements exist, their topics) stays as seeded; values and their
// sources are what boards change as their rules and our reading of them change.
import { requirementLabel, type Provenance, type RequirementRuleSet } from "../../domain/requirement-rules";

export interface RuleField {
  path: string;
  label: string;
  kind: "number" | "text" | "checkbox";
  value: string;
  hint?: string;
}

export interface RuleFieldGroup {
  id: string;
  legend: string;
  fields: RuleField[];
}

const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));

function provenanceFields(prefix: string, p: Provenance): RuleField[] {
  return [
    { path: `${prefix}.provenance.source`, label: "Source", kind: "text", value: p.source, hint: "The rule, statute or page this value comes from" },
    { path: `${prefix}.provenance.assumed`, label: "Assumed (not confirmed in a named source)", kind: "checkbox", value: p.assumed ? "on" : "" },
    { path: `${prefix}.provenance.reason`, label: "Why assumed", kind: "text", value: str(p.reason) },
  ];
}

export function ruleFormGroups(rule: RequirementRuleSet): RuleFieldGroup[] {
  const groups: RuleFieldGroup[] = [];
  const cycle: RuleField[] = [{ path: "cycle.years", label: "Cycle length (years)", kind: "number", value: str(rule.cycle.years) }];
  if (rule.cycle.anchor === "fixedDate") {
    cycle.push({ path: "cycle.endMonth", label: "Cycle ends in month (1–12)", kind: "number", value: str(rule.cycle.endMonth) });
    cycle.push({ path: "cycle.endDay", label: "Cycle ends on day", kind: "number", value: str(rule.cycle.endDay) });
    if (rule.cycle.referenceEndYear !== undefined) {
      cycle.push({ path: "cycle.referenceEndYear", label: "A year in which a cycle ends", kind: "number", value: str(rule.cycle.referenceEndYear) });
    }
  }
  groups.push({ id: "cycle", legend: "Cycle", fields: [...cycle, ...provenanceFields("cycle", rule.cycle.provenance)] });
  groups.push({
    id: "total",
    legend: `Total ${rule.creditLabel}`,
    fields: [{ path: "total.minimum", label: "Minimum per cycle", kind: "number", value: str(rule.total.minimum) }, ...provenanceFields("total", rule.total.provenance)],
  });
  rule.requirements.forEach((r, i) => {
    const fields: RuleField[] =
      r.kind === "share"
        ? [{ path: `requirements.${i}.percent`, label: "Percent", kind: "number", value: str(r.percent) }]
        : [{ path: `requirements.${i}.minimum`, label: "Minimum credits", kind: "number", value: str(r.minimum) }];
    if (r.kind === "creditTypes" && r.period.kind === "lastYears") {
      fields.push({ path: `requirements.${i}.period.years`, label: "Counted over the last (years)", kind: "number", value: str(r.period.years) });
    }
    groups.push({ id: `requirement-${r.id}`, legend: requirementLabel(r, rule.creditLabel), fields: [...fields, ...provenanceFields(`requirements.${i}`, r.provenance)] });
  });
  if (rule.caps) {
    groups.push({
      id: "caps",
      legend: "Caps",
      fields: [
        { path: "caps.perCalendarYear", label: "At most per calendar year (empty: no cap)", kind: "number", value: str(rule.caps.perCalendarYear) },
        { path: "caps.perDay", label: "At most per day (empty: no cap)", kind: "number", value: str(rule.caps.perDay) },
        ...provenanceFields("caps", rule.caps.provenance),
      ],
    });
  }
  return groups;
}

/** A number as typed; an unparseable one stays a string so the schema reports it beside the field. */
function numberFrom(raw: string): number | string | undefined {
  const text = raw.trim();
  if (text === "") return undefined;
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let node: Record<string, unknown> = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== "object") return;
    node = next as Record<string, unknown>;
  }
  const last = parts[parts.length - 1] as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

/**
 * The rule set with the posted values applied (every field the form shows; others untouched). The
 * result is unvalidated: parse it with requirementRuleSetSchema.
 */
export function applyRuleForm(rule: RequirementRuleSet, fields: Record<string, string>): unknown {
  const next = structuredClone(rule) as unknown as Record<string, unknown>;
  for (const group of ruleFormGroups(rule)) {
    for (const field of group.fields) {
      const raw = fields[field.path] ?? "";
      if (field.kind === "checkbox") setPath(next, field.path, raw === "on");
      else if (field.kind === "number") setPath(next, field.path, numberFrom(raw));
      else setPath(next, field.path, raw.trim() === "" ? (field.path.endsWith(".reason") ? undefined : "") : raw.trim());
    }
  }
  return next;
}
