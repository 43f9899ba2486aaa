// The rule editor's form (browser-safe): a draft of a rule set as the form holds it (every value as
// typed), read from posted fields named by their dotted path ("requirements.0.minimum"), changed by
// the editor's buttons (add, remove and reorder requirements, last-name groups, conditions, notes),
// and turned into a rule set for requirementRuleSetSchema, whose messages are mapped back to the
// field that caused them. The buttons are submit buttons, so the editor works without JavaScript.
import { ORGANISATION_ATTRIBUTES, attributeDefinition } from "../../domain/licensee-attributes";
import { type CYCLE_ANCHORS, allowedCreditTypes, type RequirementRuleSet } from "../../domain/requirement-rules";

export interface DraftProvenance {
  source: string;
  assumed: boolean;
  reason: string;
}

export interface DraftCondition {
  attribute: string;
  /** Yes / No, a comma-separated list of specialties, a percent threshold; unused for dates. */
  value: string;
}

export interface DraftRequirement {
  kind: string;
  id: string;
  creditTypes: string[];
  minimum: string;
  /** A sub-period's length in years (subPeriods). */
  years: string;
  periodKind: string;
  periodYears: string;
  percent: string;
  basis: string;
  appliesTo: { label: string; whenUnknown: string; when: DraftCondition[] } | null;
  note: string;
  provenance: DraftProvenance;
}

export interface DraftAlternative {
  id: string;
  label: string;
  when: DraftCondition[];
  provenance: DraftProvenance;
}

export interface DraftRule {
  organisationCode: string;
  creditLabel: string;
  cycle: {
    anchor: string;
    years: string;
    endMonth: string;
    endDay: string;
    referenceEndYear: string;
    lastNameGroups: Array<{ from: string; to: string; referenceEndYear: string }>;
    provenance: DraftProvenance;
  };
  total: { minimum: string; provenance: DraftProvenance; prorate: { credits: string; provenance: DraftProvenance } };
  requirements: DraftRequirement[];
  alternatives: DraftAlternative[];
  caps: { perCalendarYear: string; perDay: string; provenance: DraftProvenance };
  notes: string[];
}

/** Most requirements, groups, conditions and notes the editor offers (the schema's own limits). */
export const DRAFT_LIMITS = { requirements: 20, lastNameGroups: 26, conditions: 4, notes: 10, alternatives: 5 } as const;

const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));

function draftProvenance(p: { source: string; assumed: boolean; reason?: string } | undefined): DraftProvenance {
  return { source: p?.source ?? "", assumed: p?.assumed ?? false, reason: p?.reason ?? "" };
}

function conditionValue(c: Record<string, unknown>): string {
  if ("is" in c) return c.is ? "Yes" : "No";
  if ("oneOf" in c && Array.isArray(c.oneOf)) return c.oneOf.join(", ");
  if ("moreThan" in c) return str(c.moreThan);
  return "";
}

/** The form's starting point: a stored rule set as its fields show it. */
export function draftFromRule(rule: RequirementRuleSet): DraftRule {
  const cycle = rule.cycle as RequirementRuleSet["cycle"] & Record<string, unknown>;
  const groups = (cycle.lastNameGroups ?? []) as Array<{ from: string; to: string; referenceEndYear: number }>;
  return {
    organisationCode: rule.organisationCode,
    creditLabel: rule.creditLabel,
    cycle: {
      anchor: cycle.anchor,
      years: str(cycle.years),
      endMonth: str(cycle.endMonth),
      endDay: str(cycle.endDay),
      referenceEndYear: str(cycle.referenceEndYear),
      lastNameGroups: groups.map((g) => ({ from: g.from, to: g.to, referenceEndYear: str(g.referenceEndYear) })),
      provenance: draftProvenance(cycle.provenance),
    },
    total: {
      minimum: str(rule.total.minimum),
      provenance: draftProvenance(rule.total.provenance),
      prorate: { credits: str(rule.total.proratePerYear?.credits), provenance: draftProvenance(rule.total.proratePerYear?.provenance) },
    },
    alternatives: (rule.alternatives ?? []).map((a) => ({
      id: a.id,
      label: a.label,
      when: a.when.map((c) => ({ attribute: c.attribute, value: conditionValue(c as Record<string, unknown>) })),
      provenance: draftProvenance(a.provenance),
    })),
    requirements: rule.requirements.map((r) => {
      const any = r as Record<string, unknown>;
      const period = any.period as { kind: string; years?: number } | undefined;
      return {
        kind: r.kind,
        id: r.id,
        creditTypes: [...((any.creditTypes as string[] | undefined) ?? [])],
        minimum: str(any.minimum),
        years: str(any.years),
        periodKind: period?.kind ?? "cycle",
        periodYears: str(period?.years),
        percent: str(any.percent),
        basis: str(any.basis) || "requiredTotal",
        appliesTo: r.appliesTo
          ? {
              label: r.appliesTo.label,
              whenUnknown: r.appliesTo.whenUnknown,
              when: r.appliesTo.when.map((c) => ({ attribute: c.attribute, value: conditionValue(c as Record<string, unknown>) })),
            }
          : null,
        note: r.note ?? "",
        provenance: draftProvenance(r.provenance),
      };
    }),
    caps: { perCalendarYear: str(rule.caps?.perCalendarYear), perDay: str(rule.caps?.perDay), provenance: draftProvenance(rule.caps?.provenance) },
    notes: [...rule.notes],
  };
}

// ---------------------------------------------------------------- reading the posted form

function provenanceFrom(fields: Record<string, string>, prefix: string): DraftProvenance {
  return {
    source: fields[`${prefix}.provenance.source`] ?? "",
    assumed: fields[`${prefix}.provenance.assumed`] === "on",
    reason: fields[`${prefix}.provenance.reason`] ?? "",
  };
}

/** Indexes 0, 1, … while `${prefix}.${i}${probe}` was posted (at most `limit`). */
function countPosted(fields: Record<string, string>, prefix: string, probe: string, limit: number): number {
  let n = 0;
  while (n < limit && `${prefix}.${n}${probe}` in fields) n++;
  return n;
}

/** The draft as posted. The organisation is the signed-in user's, never a posted value. */
export function draftFromForm(fields: Record<string, string>, organisationCode: string): DraftRule {
  const allowed = allowedCreditTypes(organisationCode);
  const f = (name: string) => fields[name] ?? "";
  const groupCount = countPosted(fields, "cycle.lastNameGroups", ".from", DRAFT_LIMITS.lastNameGroups);
  const requirementCount = countPosted(fields, "requirements", ".kind", DRAFT_LIMITS.requirements);
  const noteCount = countPosted(fields, "notes", "", DRAFT_LIMITS.notes);
  const alternativeCount = countPosted(fields, "alternatives", ".id", DRAFT_LIMITS.alternatives);
  const conditions = (prefix: string) =>
    Array.from({ length: countPosted(fields, `${prefix}.when`, ".attribute", DRAFT_LIMITS.conditions) }, (_, j) => ({
      attribute: f(`${prefix}.when.${j}.attribute`),
      value: f(`${prefix}.when.${j}.value`),
    }));
  return {
    organisationCode,
    creditLabel: f("creditLabel"),
    cycle: {
      anchor: f("cycle.anchor"),
      years: f("cycle.years"),
      endMonth: f("cycle.endMonth"),
      endDay: f("cycle.endDay"),
      referenceEndYear: f("cycle.referenceEndYear"),
      lastNameGroups: Array.from({ length: groupCount }, (_, k) => ({
        from: f(`cycle.lastNameGroups.${k}.from`),
        to: f(`cycle.lastNameGroups.${k}.to`),
        referenceEndYear: f(`cycle.lastNameGroups.${k}.referenceEndYear`),
      })),
      provenance: provenanceFrom(fields, "cycle"),
    },
    total: {
      minimum: f("total.minimum"),
      provenance: provenanceFrom(fields, "total"),
      prorate: { credits: f("total.proratePerYear.credits"), provenance: provenanceFrom(fields, "total.proratePerYear") },
    },
    alternatives: Array.from({ length: alternativeCount }, (_, k) => ({
      id: f(`alternatives.${k}.id`),
      label: f(`alternatives.${k}.label`),
      when: conditions(`alternatives.${k}`),
      provenance: provenanceFrom(fields, `alternatives.${k}`),
    })),
    requirements: Array.from({ length: requirementCount }, (_, i) => {
      const p = `requirements.${i}`;
      return {
        kind: f(`${p}.kind`),
        id: f(`${p}.id`),
        creditTypes: allowed.filter((_, t) => fields[`${p}.creditTypes.${t}`] === "on"),
        minimum: f(`${p}.minimum`),
        years: f(`${p}.years`),
        periodKind: f(`${p}.period.kind`),
        periodYears: f(`${p}.period.years`),
        percent: f(`${p}.percent`),
        basis: f(`${p}.basis`),
        appliesTo:
          fields[`${p}.appliesTo.enabled`] === "on"
            ? {
                label: f(`${p}.appliesTo.label`),
                whenUnknown: f(`${p}.appliesTo.whenUnknown`),
                when: conditions(`${p}.appliesTo`),
              }
            : null,
        note: f(`${p}.note`),
        provenance: provenanceFrom(fields, p),
      };
    }),
    caps: { perCalendarYear: f("caps.perCalendarYear"), perDay: f("caps.perDay"), provenance: provenanceFrom(fields, "caps") },
    notes: Array.from({ length: noteCount }, (_, k) => f(`notes.${k}`)),
  };
}

// ---------------------------------------------------------------- the editor's buttons

function emptyProvenance(): DraftProvenance {
  return { source: "", assumed: false, reason: "" };
}

function freshId(draft: DraftRule): string {
  const used = new Set(draft.requirements.map((r) => r.id));
  let n = draft.requirements.length + 1;
  while (used.has(`requirement-${n}`)) n++;
  return `requirement-${n}`;
}

function move<T>(list: T[], from: number, to: number): T[] {
  if (from < 0 || to < 0 || from >= list.length || to >= list.length) return list;
  const next = [...list];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item as T);
  return next;
}

const without = <T>(list: T[], index: number) => list.filter((_, i) => i !== index);

/**
 * The draft after one of the editor's buttons ("add:creditTypes", "remove:2", "up:2", "down:2",
 * "add-group", "remove-group:1", "add-condition:0", "remove-condition:0:1", "add-note",
 * "remove-note:3"), or null when the intent is not one of them. Out-of-range indexes change nothing.
 */
export function applyEditorIntent(draft: DraftRule, intent: string): DraftRule | null {
  const [verb, a, b] = intent.split(":");
  const i = Number(a);
  const j = Number(b);
  const next: DraftRule = structuredClone(draft);
  switch (verb) {
    case "add":
      if ((a !== "creditTypes" && a !== "share" && a !== "subPeriods") || next.requirements.length >= DRAFT_LIMITS.requirements) return next;
      next.requirements.push({
        kind: a,
        id: freshId(next),
        creditTypes: [],
        minimum: "",
        years: "",
        periodKind: "cycle",
        periodYears: "",
        percent: "",
        basis: "requiredTotal",
        appliesTo: null,
        note: "",
        provenance: emptyProvenance(),
      });
      return next;
    case "remove":
      next.requirements = without(next.requirements, i);
      return next;
    case "up":
      next.requirements = move(next.requirements, i, i - 1);
      return next;
    case "down":
      next.requirements = move(next.requirements, i, i + 1);
      return next;
    case "add-group":
      if (next.cycle.lastNameGroups.length < DRAFT_LIMITS.lastNameGroups) next.cycle.lastNameGroups.push({ from: "", to: "", referenceEndYear: "" });
      return next;
    case "remove-group":
      next.cycle.lastNameGroups = without(next.cycle.lastNameGroups, i);
      return next;
    case "add-condition": {
      const r = next.requirements[i];
      if (!r) return next;
      r.appliesTo ??= { label: "", whenUnknown: "applies", when: [] };
      if (r.appliesTo.when.length < DRAFT_LIMITS.conditions) r.appliesTo.when.push({ attribute: ORGANISATION_ATTRIBUTES[next.organisationCode]?.[0] ?? "", value: "" });
      return next;
    }
    case "remove-condition": {
      const r = next.requirements[i];
      if (r?.appliesTo) r.appliesTo.when = without(r.appliesTo.when, j);
      return next;
    }
    case "add-alternative":
      if (next.alternatives.length < DRAFT_LIMITS.alternatives) {
        next.alternatives.push({ id: `alternative-${next.alternatives.length + 1}`, label: "", when: [{ attribute: ORGANISATION_ATTRIBUTES[next.organisationCode]?.[0] ?? "", value: "" }], provenance: emptyProvenance() });
      }
      return next;
    case "remove-alternative":
      next.alternatives = without(next.alternatives, i);
      return next;
    case "add-alternative-condition": {
      const alt = next.alternatives[i];
      if (alt && alt.when.length < DRAFT_LIMITS.conditions) alt.when.push({ attribute: ORGANISATION_ATTRIBUTES[next.organisationCode]?.[0] ?? "", value: "" });
      return next;
    }
    case "remove-alternative-condition": {
      const alt = next.alternatives[i];
      if (alt) alt.when = without(alt.when, j);
      return next;
    }
    case "add-note":
      if (next.notes.length < DRAFT_LIMITS.notes) next.notes.push("");
      return next;
    case "remove-note":
      next.notes = without(next.notes, i);
      return next;
    default:
      return null;
  }
}

// ---------------------------------------------------------------- from draft to rule set

/** A number as typed; an unparseable one stays a string so the schema reports it beside the field. */
function numberFrom(raw: string): number | string | undefined {
  const text = raw.trim();
  if (text === "") return undefined;
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

function provenanceOf(p: DraftProvenance) {
  const reason = p.reason.trim();
  return { source: p.source, assumed: p.assumed, ...(reason ? { reason } : {}) };
}

function conditionOf(c: DraftCondition): unknown {
  const type = attributeDefinition(c.attribute)?.type;
  const value = c.value.trim();
  switch (type) {
    case "boolean": {
      const word = value.toLowerCase();
      return { attribute: c.attribute, is: word === "yes" || word === "y" ? true : word === "no" || word === "n" ? false : value };
    }
    case "text":
      return { attribute: c.attribute, oneOf: value === "" ? [] : value.split(",").map((s) => s.trim()) };
    case "percent":
      return { attribute: c.attribute, moreThan: numberFrom(value) };
    case "date":
      return { attribute: c.attribute, beforeCycleStart: true };
    default:
      return { attribute: c.attribute };
  }
}

function requirementOf(r: DraftRequirement): unknown {
  const common = {
    kind: r.kind,
    id: r.id.trim(),
    creditTypes: r.creditTypes,
    ...(r.appliesTo
      ? { appliesTo: { label: r.appliesTo.label, when: r.appliesTo.when.map(conditionOf), whenUnknown: r.appliesTo.whenUnknown } }
      : {}),
    ...(r.note.trim() ? { note: r.note } : {}),
    provenance: provenanceOf(r.provenance),
  };
  if (r.kind === "share") return { ...common, percent: numberFrom(r.percent), basis: r.basis };
  if (r.kind === "subPeriods") {
    // Without credit types any credit counts: an empty list is "any", not an error.
    const { creditTypes, ...rest } = common;
    return { ...rest, ...(creditTypes.length ? { creditTypes } : {}), years: numberFrom(r.years), minimum: numberFrom(r.minimum) };
  }
  const period = r.periodKind === "lastYears" ? { kind: "lastYears", years: numberFrom(r.periodYears) } : { kind: r.periodKind };
  return { ...common, minimum: numberFrom(r.minimum), period };
}

/** The draft as a rule set to validate with requirementRuleSetSchema (unvalidated). */
export function ruleFromDraft(draft: DraftRule): unknown {
  const c = draft.cycle;
  const cycle: Record<string, unknown> = { anchor: c.anchor, years: numberFrom(c.years), provenance: provenanceOf(c.provenance) };
  if (c.anchor === "fixedDate") {
    cycle.endMonth = numberFrom(c.endMonth);
    cycle.endDay = numberFrom(c.endDay);
    if (c.referenceEndYear.trim() !== "") cycle.referenceEndYear = numberFrom(c.referenceEndYear);
    if (c.lastNameGroups.length > 0) {
      cycle.lastNameGroups = c.lastNameGroups.map((g) => ({ from: g.from.trim().toUpperCase(), to: g.to.trim().toUpperCase(), referenceEndYear: numberFrom(g.referenceEndYear) }));
    }
  }
  const hasCaps = draft.caps.perCalendarYear.trim() !== "" || draft.caps.perDay.trim() !== "";
  return {
    organisationCode: draft.organisationCode,
    creditLabel: draft.creditLabel,
    cycle,
    total: {
      minimum: numberFrom(draft.total.minimum),
      ...(draft.total.prorate.credits.trim() !== ""
        ? { proratePerYear: { credits: numberFrom(draft.total.prorate.credits), attribute: "initialLicenseDate", provenance: provenanceOf(draft.total.prorate.provenance) } }
        : {}),
      provenance: provenanceOf(draft.total.provenance),
    },
    requirements: draft.requirements.map(requirementOf),
    ...(draft.alternatives.length
      ? { alternatives: draft.alternatives.map((a) => ({ id: a.id.trim(), label: a.label, when: a.when.map(conditionOf), provenance: provenanceOf(a.provenance) })) }
      : {}),
    ...(hasCaps
      ? { caps: { perCalendarYear: numberFrom(draft.caps.perCalendarYear), perDay: numberFrom(draft.caps.perDay), provenance: provenanceOf(draft.caps.provenance) } }
      : {}),
    // An empty note box is a note not written, not an error.
    notes: draft.notes.filter((n) => n.trim() !== ""),
  };
}

/**
 * The form field a schema message belongs beside: a condition's is / oneOf / moreThan to its value
 * box, a credit type to the requirement's list of checkboxes, a whole last-name group to its first letter.
 */
export function fieldForIssue(path: readonly (string | number)[]): string {
  const parts = path.map(String);
  const when = parts.indexOf("when");
  if (parts[0] === "requirements" && when === 3 && parts.length > 4) {
    const base = parts.slice(0, 5).join(".");
    return parts.length === 5 ? `${base}.attribute` : parts[5] === "attribute" ? `${base}.attribute` : `${base}.value`;
  }
  if (parts[0] === "alternatives" && parts[2] === "when" && parts.length > 3) {
    const base = parts.slice(0, 4).join(".");
    return parts.length === 4 || parts[4] === "attribute" ? `${base}.attribute` : `${base}.value`;
  }
  if (parts[0] === "total" && parts[1] === "proratePerYear" && parts[2] !== "provenance") return "total.proratePerYear.credits";
  if (parts[0] === "requirements" && parts[2] === "creditTypes") return parts.slice(0, 3).join(".");
  if (parts[0] === "requirements" && parts[2] === "period" && parts.length === 3) return `${parts.slice(0, 2).join(".")}.period.kind`;
  if (parts[0] === "cycle" && parts[1] === "lastNameGroups" && parts.length === 3) return `${parts.join(".")}.from`;
  if (parts[0] === "caps" && parts.length === 1) return "caps.perCalendarYear";
  return parts.join(".") || "form";
}

interface Issue {
  code?: string;
  path: PropertyKey[];
  message: string;
  errors?: Issue[][];
}

/**
 * Messages keyed by the form field beside which each shows. A condition that matches no form of
 * condition is reported by the form its attribute chose (the value's own message, "The threshold
 * must be a number from 0 to 100"), not the union's general one.
 */
export function ruleFormErrors(issues: readonly Issue[]): Record<string, string> {
  const errors: Record<string, string> = {};
  const visit = (issue: Issue, prefix: PropertyKey[]) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors?.length) {
      // The branch whose attribute matched: its issues are about the value, not the attribute.
      const branch = issue.errors.find((b) => b.length > 0 && !b.some((i) => i.path[0] === "attribute"));
      if (branch) {
        for (const inner of branch) visit(inner, path);
        return;
      }
    }
    errors[fieldForIssue(path.map((p) => (typeof p === "number" ? p : String(p))))] ??= issue.message;
  };
  for (const issue of issues) visit(issue, []);
  return errors;
}

/** Anchors with the words the editor shows for them. */
export const ANCHOR_OPTIONS: Array<{ value: (typeof CYCLE_ANCHORS)[number]; label: string }> = [
  { value: "roster", label: "From the roster (each cycle end as the board lists it)" },
  { value: "birthMonth", label: "Last day of the birth month" },
  { value: "fixedDate", label: "A fixed month and day" },
  { value: "rolling", label: "Rolling (the years up to the date checked)" },
];
