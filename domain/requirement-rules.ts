// Requirement rules (browser-safe, pure): the zod schema of one organisation's CME / continuing-
// certification requirement rule set (what the rule-edit form and the jsonb column validate with),
// the seeded rule sets of the 16 organisations that sign in, and plain-English descriptions of them.
// The compliance engine that applies a rule set to a licensee's credit reports is `compliance.ts`.
import { z } from "zod";
import { fewestDaysInMonth } from "./calendar";
import { LICENSEE_ATTRIBUTES, type AttributeKey, type AttributeType } from "./licensee-attributes";
import { CERTIFYING_BOARDS, MOC_CREDIT_TYPES, STATE_BOARDS, STATE_TOPICS, type OrganisationKind } from "./reference";

/** Largest credit amount a rule may name (minimums and caps). */
export const MAX_RULE_CREDITS = 1000;
/** Longest cycle or look-back period, in years. */
export const MAX_RULE_YEARS = 10;

// ---------------------------------------------------------------- organisations

const RULE_ORGANISATIONS = [...STATE_BOARDS, ...CERTIFYING_BOARDS];
const RULE_ORGANISATION_CODES = RULE_ORGANISATIONS.map((o) => o.code) as [string, ...string[]];

/** State boards or certifying boards: the kinds of organisation that have requirement rules. */
export function organisationKindOf(code: string): Exclude<OrganisationKind, "accreditor"> | null {
  const found = RULE_ORGANISATIONS.find((o) => o.code === code);
  return found ? (found.kind as Exclude<OrganisationKind, "accreditor">) : null;
}

/**
 * The `credit_types` keys a requirement may name for an organisation: the state topics for a state
 * board, the board's own MOC credit types for a certifying board. Only keys the learner store can
 * carry are allowed, so a requirement can never wait for credit that providers cannot report.
 */
export function allowedCreditTypes(organisationCode: string): readonly string[] {
  const kind = organisationKindOf(organisationCode);
  if (kind === "state_board") return STATE_TOPICS;
  if (kind === "certifying_board") return MOC_CREDIT_TYPES[organisationCode] ?? [];
  return [];
}

// ---------------------------------------------------------------- field schemas

const credits = (field: string, min: number) => {
  const range = `${field} must be a number from ${min} to ${MAX_RULE_CREDITS}`;
  return z
    .number({ error: range })
    .min(min, range)
    .max(MAX_RULE_CREDITS, range)
    .refine((value) => Number.isInteger(value * 4), `${field} must be in quarter credits (for example 12.25)`);
};

const years = (field: string) => {
  const range = `${field} must be a whole number of years from 1 to ${MAX_RULE_YEARS}`;
  return z.number({ error: range }).int(range).min(1, range).max(MAX_RULE_YEARS, range);
};

const calendarYear = (field: string) => {
  const range = `${field} must be a year from 2000 to 2100`;
  return z.number({ error: range }).int(range).min(2000, range).max(2100, range);
};

/** Where a value comes from. Seeded values not found in a named public source are `assumed`. */
export const provenanceSchema = z
  .object({
    source: z
      .string({ error: "Source must be text" })
      .trim()
      .min(1, "Say where this value comes from (a rule, a web page), even when it is assumed")
      .max(300, "Source must be at most 300 characters"),
    assumed: z.boolean({ error: "Assumed must be true or false" }),
    reason: z.string({ error: "Reason must be text" }).trim().max(500, "Reason must be at most 500 characters").optional(),
  })
  .refine((p) => !p.assumed || (p.reason !== undefined && p.reason.length > 0), {
    path: ["reason"],
    message: "Say why this value is assumed",
  });
export type Provenance = z.infer<typeof provenanceSchema>;

// ---------------------------------------------------------------- the cycle

/**
 * How a licensee's cycle is placed in time (see `cycleFor` in compliance.ts for the exact dates):
 * - `roster`: the board's roster gives each licensee's cycle end (licence expiry); the usual case.
 * - `birthMonth`: the cycle ends on the last day of the licensee's birth month.
 * - `fixedDate`: the cycle ends on one month and day (Dec 31 for a calendar-year cycle) in every
 *   `years`-th year counted from `referenceEndYear`, or from each last-name group's own reference year.
 * - `rolling`: the `years` before the evaluation date (or before the roster's cycle end).
 */
export const CYCLE_ANCHORS = ["roster", "birthMonth", "fixedDate", "rolling"] as const;
export type CycleAnchor = (typeof CYCLE_ANCHORS)[number];

const letter = (field: string) =>
  z
    .string({ error: `${field} must be one letter A to Z` })
    .regex(/^[A-Z]$/, `${field} must be one capital letter A to Z`);

export const lastNameGroupSchema = z
  .object({
    from: letter("First letter"),
    to: letter("Last letter"),
    referenceEndYear: calendarYear("Reference end year"),
  })
  .refine((g) => g.from <= g.to, { path: ["to"], message: "The last letter must come after the first letter" });
export type LastNameGroup = z.infer<typeof lastNameGroupSchema>;

const cycleYears = years("Cycle length");

const rosterCycleSchema = z.object({ anchor: z.literal("roster"), years: cycleYears, provenance: provenanceSchema });
const birthMonthCycleSchema = z.object({ anchor: z.literal("birthMonth"), years: cycleYears, provenance: provenanceSchema });
const rollingCycleSchema = z.object({ anchor: z.literal("rolling"), years: cycleYears, provenance: provenanceSchema });
const fixedDateCycleSchema = z
  .object({
    anchor: z.literal("fixedDate"),
    years: cycleYears,
    endMonth: z
      .number({ error: "End month must be a month number from 1 to 12" })
      .int("End month must be a month number from 1 to 12")
      .min(1, "End month must be a month number from 1 to 12")
      .max(12, "End month must be a month number from 1 to 12"),
    endDay: z
      .number({ error: "End day must be a day of the month from 1 to 31" })
      .int("End day must be a day of the month from 1 to 31")
      .min(1, "End day must be a day of the month from 1 to 31")
      .max(31, "End day must be a day of the month from 1 to 31"),
    /** A year in which a cycle ends; cycles end every `years` years from it. */
    referenceEndYear: calendarYear("Reference end year").optional(),
    /** Instead of one reference year: groups by the first letter of the last name (Maryland). */
    lastNameGroups: z.array(lastNameGroupSchema).min(1, "Give at least one last-name group").max(26, "Give at most 26 last-name groups").optional(),
    provenance: provenanceSchema,
  })
  .superRefine((cycle, ctx) => {
    // The month may be invalid here (its own message says so): then there is no day to check.
    const days = Number.isInteger(cycle.endMonth) && cycle.endMonth >= 1 && cycle.endMonth <= 12 ? fewestDaysInMonth(cycle.endMonth) : 31;
    if (cycle.endDay > days) {
      ctx.addIssue({ code: "custom", path: ["endDay"], message: `End day must be a day every year has in that month (1 to ${days})` });
    }
    if (cycle.referenceEndYear !== undefined && cycle.lastNameGroups !== undefined) {
      ctx.addIssue({ code: "custom", path: ["lastNameGroups"], message: "Give either one reference end year or last-name groups, not both" });
    }
    if (cycle.years > 1 && cycle.referenceEndYear === undefined && cycle.lastNameGroups === undefined) {
      ctx.addIssue({ code: "custom", path: ["referenceEndYear"], message: "Give a year in which a cycle ends, so the engine knows which years cycles end in" });
    }
    if (cycle.lastNameGroups) checkLastNameCoverage(cycle.lastNameGroups, ctx);
  });

/** Every letter A–Z in exactly one group, so no licensee is left without a cycle. */
function checkLastNameCoverage(groups: readonly LastNameGroup[], ctx: z.RefinementCtx): void {
  const owner = new Map<string, number>();
  groups.forEach((group, index) => {
    for (let code = group.from.charCodeAt(0); code <= group.to.charCodeAt(0); code++) {
      const letterOf = String.fromCharCode(code);
      if (owner.has(letterOf)) {
        ctx.addIssue({ code: "custom", path: ["lastNameGroups", index], message: `Letter ${letterOf} is already in another last-name group` });
        return;
      }
      owner.set(letterOf, index);
    }
  });
  const missing = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"].filter((l) => !owner.has(l));
  if (missing.length > 0) {
    ctx.addIssue({ code: "custom", path: ["lastNameGroups"], message: `Last-name groups must cover every letter A to Z; missing ${missing.join(", ")}` });
  }
}

export const cycleRuleSchema = z.discriminatedUnion(
  "anchor",
  [rosterCycleSchema, birthMonthCycleSchema, fixedDateCycleSchema, rollingCycleSchema],
  { error: `Cycle anchor must be one of: ${CYCLE_ANCHORS.join(", ")}` },
);
export type CycleRule = z.infer<typeof cycleRuleSchema>;

// ---------------------------------------------------------------- requirements

/**
 * The dates a requirement counts credit from, always ending on the cycle's last day:
 * - `cycle`: the cycle itself;
 * - `ever`: one-time requirements, any completion up to the cycle end;
 * - `lastYears`: the `years` years ending on the cycle end (shorter or longer than the cycle,
 *   e.g. AL-M's 2 h every 2 years on a 1-year cycle, ABO's patient safety every 10 years).
 */
export const requirementPeriodSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("cycle") }),
    z.object({ kind: z.literal("ever") }),
    z.object({ kind: z.literal("lastYears"), years: years("Look-back period") }),
  ],
  { error: "Period must be one of: cycle, ever, lastYears" },
);
export type RequirementPeriod = z.infer<typeof requirementPeriodSchema>;

/**
 * One fact about the licensee a requirement's "applies to" reads (domain/licensee-attributes.ts):
 * - `is`: a yes-no attribute has this value (prescribes controlled substances: yes);
 * - `oneOf`: the specialty is one of these (compared without case);
 * - `moreThan`: a percent attribute is above this (over 25% of patients aged 65 or over);
 * - `beforeCycleStart`: a date attribute falls before the cycle's first day (first licensed before
 *   this cycle began, so this is not the first renewal).
 */
export const attributeConditionSchema = z.union(
  [
    z.object({ attribute: z.enum(booleanAttributeKeys(), { error: "Choose a yes-no attribute" }), is: z.boolean({ error: "Say yes or no" }) }),
    z.object({
      attribute: z.literal("specialty", { error: "Only the specialty can be one of a list" }),
      oneOf: z
        .array(z.string({ error: "Each specialty must be text" }).trim().min(1, "A specialty cannot be empty").max(80, "A specialty must be at most 80 characters"))
        .min(1, "Name at least one specialty")
        .max(12, "Name at most 12 specialties"),
    }),
    z.object({
      attribute: z.enum(attributeKeysOfType("percent"), { error: "Choose a percent attribute" }),
      moreThan: z.number({ error: "The threshold must be a number from 0 to 100" }).min(0, "The threshold must be a number from 0 to 100").max(100, "The threshold must be a number from 0 to 100"),
    }),
    z.object({ attribute: z.enum(attributeKeysOfType("date"), { error: "Choose a date attribute" }), beforeCycleStart: z.literal(true) }),
  ],
  { error: "A condition names an attribute and what it must be" },
);
export type AttributeCondition = z.infer<typeof attributeConditionSchema>;

function attributeKeysOfType(type: AttributeType): [AttributeKey, ...AttributeKey[]] {
  return LICENSEE_ATTRIBUTES.filter((a) => a.type === type).map((a) => a.key) as [AttributeKey, ...AttributeKey[]];
}

function booleanAttributeKeys(): [AttributeKey, ...AttributeKey[]] {
  return attributeKeysOfType("boolean");
}

/**
 * A requirement that binds only some licensees (prescribers, certificate holders, some
 * specialties): it applies when every condition holds on the licensee's attributes. When an
 * attribute a condition needs is not known, `whenUnknown` decides, and the outcome names the
 * unknown attributes so the board can fill them in.
 */
export const appliesToSchema = z.object({
  label: z.string({ error: "Who it applies to must be text" }).trim().min(1, "Say who the requirement applies to").max(120, "Who it applies to must be at most 120 characters"),
  when: z.array(attributeConditionSchema, { error: "Conditions must be a list" }).min(1, "Give at least one condition").max(4, "Give at most 4 conditions"),
  whenUnknown: z.enum(["applies", "doesNotApply"], { error: "When unknown must be applies or doesNotApply" }),
});
export type AppliesTo = z.infer<typeof appliesToSchema>;

const requirementId = z
  .string({ error: "Requirement id must be text" })
  .regex(/^[a-z][a-z0-9-]{0,39}$/, "Requirement id must be lower-case letters, digits and hyphens, starting with a letter")
  .refine((id) => id !== "total", "Requirement id “total” is reserved for the total credit requirement");

const creditTypeList = z
  .array(z.string({ error: "Each credit type must be text" }).min(1, "A credit type cannot be empty"), { error: "Credit types must be a list" })
  .min(1, "Name at least one topic or credit type")
  .max(8, "Name at most 8 topics or credit types")
  .refine((types) => new Set(types).size === types.length, "Name each topic or credit type once");

const note = z.string({ error: "Note must be text" }).trim().min(1, "A note cannot be empty").max(500, "Note must be at most 500 characters");

/**
 * A minimum of credit on some topics (state boards) or MOC credit types (certifying boards): both
 * are keys of a credit report's `credit_types`. Several keys form a combined group (CA-M's pain
 * management and end-of-life care); a record counts its largest amount among them, never the sum,
 * because topic and credit-type amounts are not additive.
 */
export const creditTypeRequirementSchema = z.object({
  kind: z.literal("creditTypes"),
  id: requirementId,
  creditTypes: creditTypeList,
  minimum: credits("Minimum credits", 0.25),
  period: requirementPeriodSchema,
  appliesTo: appliesToSchema.optional(),
  note: note.optional(),
  provenance: provenanceSchema,
});
export type CreditTypeRequirement = z.infer<typeof creditTypeRequirementSchema>;

/**
 * A minimum expressed as a share of the total (ME-O's 40% osteopathic), counted in the cycle: of
 * the rule's required total (`requiredTotal`: 40% of 100 = 40), or of the credits counted in the
 * cycle (`countedTotal`: the share grows with every credit earned).
 */
export const shareRequirementSchema = z.object({
  kind: z.literal("share"),
  id: requirementId,
  creditTypes: creditTypeList,
  percent: z
    .number({ error: "Percent must be a whole number from 1 to 100" })
    .int("Percent must be a whole number from 1 to 100")
    .min(1, "Percent must be a whole number from 1 to 100")
    .max(100, "Percent must be a whole number from 1 to 100"),
  basis: z.enum(["requiredTotal", "countedTotal"], { error: "Basis must be requiredTotal or countedTotal" }),
  appliesTo: appliesToSchema.optional(),
  note: note.optional(),
  provenance: provenanceSchema,
});
export type ShareRequirement = z.infer<typeof shareRequirementSchema>;

export const requirementSchema = z.discriminatedUnion("kind", [creditTypeRequirementSchema, shareRequirementSchema], {
  error: "Requirement kind must be creditTypes or share",
});
export type Requirement = z.infer<typeof requirementSchema>;

/** At most so many credits count per calendar year and per day (ABA 60 a year; ABS 12 a day). */
export const capsSchema = z
  .object({
    perCalendarYear: credits("Credits counted per calendar year", 0.25).optional(),
    perDay: credits("Credits counted per day", 0.25).optional(),
    provenance: provenanceSchema,
  })
  .refine((c) => c.perCalendarYear !== undefined || c.perDay !== undefined, {
    path: ["perCalendarYear"],
    message: "Give a yearly or a daily cap, or remove the caps",
  });
export type Caps = z.infer<typeof capsSchema>;

// ---------------------------------------------------------------- the rule set

export const requirementRuleSetSchema = z
  .object({
    organisationCode: z.enum(RULE_ORGANISATION_CODES, {
      error: `Organisation must be one of: ${RULE_ORGANISATION_CODES.join(", ")}`,
    }),
    /** What one credit is called in descriptions, plural: "AMA PRA Category 1 credits", "MOC points". */
    creditLabel: z.string({ error: "Credit name must be text" }).trim().min(1, "Name the credit, e.g. AMA PRA Category 1 credits").max(60, "Credit name must be at most 60 characters"),
    cycle: cycleRuleSchema,
    total: z.object({ minimum: credits("Total credits", 0), provenance: provenanceSchema }),
    requirements: z.array(requirementSchema, { error: "Requirements must be a list" }).max(20, "Give at most 20 requirements"),
    caps: capsSchema.optional(),
    /** Caveats a reviewer must see beside the result (what the rule cannot check, and why). */
    notes: z.array(note, { error: "Notes must be a list" }).max(10, "Give at most 10 notes"),
  })
  .superRefine((rule, ctx) => {
    const allowed = allowedCreditTypes(rule.organisationCode);
    const seen = new Set<string>();
    rule.requirements.forEach((requirement, index) => {
      if (seen.has(requirement.id)) {
        ctx.addIssue({ code: "custom", path: ["requirements", index, "id"], message: `Another requirement already uses the id “${requirement.id}”` });
      }
      seen.add(requirement.id);
      requirement.creditTypes.forEach((type, typeIndex) => {
        if (!allowed.includes(type)) {
          ctx.addIssue({
            code: "custom",
            path: ["requirements", index, "creditTypes", typeIndex],
            message: `“${type}” is not a topic or credit type ${rule.organisationCode} receives; use one of: ${allowed.join(", ")}`,
          });
        }
      });
    });
  });
export type RequirementRuleSet = z.infer<typeof requirementRuleSetSchema>;

/** Messages keyed by the dotted path of the field that caused them ("requirements.0.minimum"). */
export function ruleSetFieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "(rule set)";
    errors[key] ??= issue.message;
  }
  return errors;
}

// ---------------------------------------------------------------- descriptions (for the UI)

const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** A credit amount as a rule states it: "50", "12.25", "0.25". */
export function formatRuleCredits(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function creditWord(value: number): string {
  return value === 1 ? "credit" : "credits";
}

function endYearsExample(referenceEndYear: number, everyYears: number): string {
  // Show the cycle ends around the reference year, e.g. "2019, 2022, 2025, …".
  return [referenceEndYear - 2 * everyYears, referenceEndYear - everyYears, referenceEndYear].join(", ") + ", …";
}

/** "per 2-year cycle ending on the last day of the licensee's birth month" and the like. */
export function describeCycle(cycle: CycleRule): string {
  const span = cycle.years === 1 ? "per 1-year cycle" : `per ${cycle.years}-year cycle`;
  switch (cycle.anchor) {
    case "roster":
      return `${span} (cycle dates from the board's roster)`;
    case "birthMonth":
      return `${span} ending on the last day of the licensee's birth month`;
    case "rolling":
      return `in any ${cycle.years}-year period (rolling: the ${cycle.years} years up to the date checked)`;
    case "fixedDate": {
      if (cycle.endMonth === 12 && cycle.endDay === 31 && cycle.years === 1) return "per calendar year";
      const ending = `${MONTH_NAMES[cycle.endMonth - 1]} ${cycle.endDay}`;
      if (cycle.years === 1) return `per 1-year cycle ending ${ending}`;
      if (cycle.lastNameGroups) {
        const groups = cycle.lastNameGroups.map((g) => `last names ${g.from}–${g.to}: ${endYearsExample(g.referenceEndYear, cycle.years)}`).join("; ");
        return `${span} ending ${ending} (${groups})`;
      }
      return `${span} ending ${ending} (${endYearsExample(cycle.referenceEndYear ?? 0, cycle.years)})`;
    }
  }
}

/** "50 AMA PRA Category 1 credits per 2-year cycle (…)". */
export function describeTotal(rule: RequirementRuleSet): string {
  return `${formatRuleCredits(rule.total.minimum)} ${rule.creditLabel} ${describeCycle(rule.cycle)}`;
}

/** "Pain Management", or "Pain Management and End-of-Life Care combined". */
export function describeCreditTypes(types: readonly string[]): string {
  if (types.length === 1) return types[0] ?? "";
  return `${types.slice(0, -1).join(", ")} and ${types[types.length - 1]} combined`;
}

export function describePeriod(period: RequirementPeriod): string {
  switch (period.kind) {
    case "cycle":
      return "per cycle";
    case "ever":
      return "one-time (a completion at any date up to the end of the cycle counts)";
    case "lastYears":
      return period.years === 1 ? "in the last year of the cycle" : `in the ${period.years} years ending with the cycle`;
  }
}

/** The required amount of a share requirement on the required-total basis (for descriptions). */
function shareOfRequiredTotal(rule: RequirementRuleSet, requirement: ShareRequirement): number {
  // Hundredths, rounded up: a share never asks for less than its percentage.
  return Math.ceil((requirement.percent * Math.round(rule.total.minimum * 100)) / 100) / 100;
}

/** A short label for a requirement's row: "Opioid Prescribing", "Osteopathic share (40%)". */
export function requirementLabel(requirement: Requirement): string {
  const types = describeCreditTypes(requirement.creditTypes);
  if (requirement.kind === "share") return `${types} share (${requirement.percent}%)`;
  return requirement.period.kind === "ever" ? `${types} (one-time)` : types;
}

/** A sentence a reviewer can read: "1 credit of Opioid Prescribing per cycle". */
export function describeRequirement(rule: RequirementRuleSet, requirement: Requirement): string {
  const types = describeCreditTypes(requirement.creditTypes);
  const who = requirement.appliesTo ? `; applies to ${requirement.appliesTo.label}` : "";
  if (requirement.kind === "share") {
    const base =
      requirement.basis === "requiredTotal"
        ? `of the required ${formatRuleCredits(rule.total.minimum)} ${rule.creditLabel} (${formatRuleCredits(shareOfRequiredTotal(rule, requirement))})`
        : `of the ${rule.creditLabel} counted in the cycle`;
    return `At least ${requirement.percent}% ${base} in ${types}${who}`;
  }
  const amount = formatRuleCredits(requirement.minimum);
  const separator = requirement.period.kind === "ever" ? ", " : " ";
  return `${amount} ${creditWord(requirement.minimum)} of ${types}${separator}${describePeriod(requirement.period)}${who}`;
}

export function describeCaps(caps: Caps | undefined): string[] {
  if (!caps) return [];
  const lines: string[] = [];
  if (caps.perCalendarYear !== undefined) lines.push(`At most ${formatRuleCredits(caps.perCalendarYear)} credits count per calendar year`);
  if (caps.perDay !== undefined) lines.push(`At most ${formatRuleCredits(caps.perDay)} credits count per day`);
  return lines;
}

/** Every line of a rule set, in the order a reviewer reads them. */
export function describeRuleSet(rule: RequirementRuleSet): string[] {
  return [describeTotal(rule), ...rule.requirements.map((r) => describeRequirement(rule, r)), ...describeCaps(rule.caps)];
}

// ---------------------------------------------------------------- seeded rule sets

/** REQUIREMENTS.md names these public sources beside the state requirements. */
const SOURCES = {
  CA: "mbc.ca.gov CME and audit pages (REQUIREMENTS.md)",
  MD: "COMAR 10.32.01.10 and mbp.state.md.us (REQUIREMENTS.md)",
  OR: "OAR 847-008-0075 and oregon.gov/omb (REQUIREMENTS.md)",
  NC: "ncmedboard.org (REQUIREMENTS.md)",
  ND: "ndbom.org (REQUIREMENTS.md)",
  ME: "Maine rules 02-373 ch. 21 and 32 MRSA §2581 (REQUIREMENTS.md)",
  AL: "albme.gov and ALAC 540-X-14-.02 (REQUIREMENTS.md)",
  CERTIFYING: "REQUIREMENTS.md, certifying-board requirements table (no primary source named there)",
} as const;

const sourced = (source: string): Provenance => ({ source, assumed: false });
const assumed = (source: string, reason: string): Provenance => ({ source, assumed: true, reason });

const PER_CYCLE: RequirementPeriod = { kind: "cycle" };
const CATEGORY_1 = "AMA PRA Category 1 credits";

const RETENTION_NOTE =
  "Only credit reported to the learner store is visible (records are kept six years): a one-time requirement met long ago, or credit never reported through PARS, cannot be seen here.";

export const SEEDED_REQUIREMENT_RULES: readonly RequirementRuleSet[] = [
  {
    organisationCode: "AL-M",
    creditLabel: CATEGORY_1,
    cycle: { anchor: "fixedDate", years: 1, endMonth: 12, endDay: 31, provenance: sourced(SOURCES.AL) },
    total: { minimum: 25, provenance: sourced(SOURCES.AL) },
    requirements: [
      {
        kind: "creditTypes",
        id: "controlled-substance",
        creditTypes: ["Controlled Substance"],
        minimum: 2,
        period: { kind: "lastYears", years: 2 },
        appliesTo: { label: "holders of an Alabama Controlled Substances Certificate", when: [{ attribute: "controlledSubstanceCertificate", is: true }], whenUnknown: "applies" },
        provenance: sourced(SOURCES.AL),
      },
    ],
    notes: [
      "No carry-over: each calendar year is its own cycle, so credit from another year never counts.",
      "The controlled-substance requirement is applied unless the board says the licensee holds no Alabama Controlled Substances Certificate.",
    ],
  },
  {
    organisationCode: "CA-M",
    creditLabel: CATEGORY_1,
    cycle: { anchor: "birthMonth", years: 2, provenance: sourced(SOURCES.CA) },
    total: { minimum: 50, provenance: sourced(SOURCES.CA) },
    requirements: [
      {
        kind: "creditTypes",
        id: "pain-end-of-life",
        creditTypes: ["Pain Management", "End-of-Life Care"],
        minimum: 12,
        period: { kind: "ever" },
        note: "Due by the second licence renewal: a licensee before that renewal may not owe it yet.",
        provenance: sourced(SOURCES.CA),
      },
      {
        kind: "share",
        id: "geriatric-medicine",
        creditTypes: ["Geriatric Medicine"],
        percent: 20,
        basis: "requiredTotal",
        appliesTo: {
          label: "general internists and family physicians with over 25% of patients aged 65 or over",
          when: [
            { attribute: "specialty", oneOf: ["Internal Medicine", "Family Medicine", "General Practice"] },
            { attribute: "patients65Percent", moreThan: 25 },
          ],
          whenUnknown: "doesNotApply",
        },
        provenance: assumed(
          SOURCES.CA,
          "REQUIREMENTS.md says “geriatrics 20% for some internists/FPs” without saying 20% of what; seeded as 20% of the required 50 credits (10), applied only when the board marks the licensee as in that practice group.",
        ),
      },
    ],
    notes: [RETENTION_NOTE],
  },
  {
    organisationCode: "ME-M",
    creditLabel: CATEGORY_1,
    cycle: { anchor: "birthMonth", years: 2, provenance: sourced(SOURCES.ME) },
    total: { minimum: 40, provenance: sourced(SOURCES.ME) },
    requirements: [
      { kind: "creditTypes", id: "opioid-prescribing", creditTypes: ["Opioid Prescribing"], minimum: 3, period: PER_CYCLE, provenance: sourced(SOURCES.ME) },
    ],
    notes: [],
  },
  {
    organisationCode: "ME-O",
    creditLabel: CATEGORY_1,
    cycle: { anchor: "roster", years: 2, provenance: sourced(SOURCES.ME) },
    total: { minimum: 100, provenance: sourced(SOURCES.ME) },
    requirements: [
      {
        kind: "share",
        id: "osteopathic",
        creditTypes: ["Osteopathic"],
        percent: 40,
        basis: "requiredTotal",
        provenance: assumed(
          SOURCES.ME,
          "REQUIREMENTS.md says “at least 40% osteopathic” without saying 40% of what; seeded as 40% of the required 100 credits (40). Switch the basis to countedTotal if the board reads it as 40% of all credit earned.",
        ),
      },
      { kind: "creditTypes", id: "opioid-prescribing", creditTypes: ["Opioid Prescribing"], minimum: 3, period: PER_CYCLE, provenance: sourced(SOURCES.ME) },
    ],
    notes: ["The 100 credits may include credit that is not reported through PARS (for example AOA Category 2); only reported AMA PRA Category 1 credit is counted here."],
  },
  {
    organisationCode: "MD-M",
    creditLabel: CATEGORY_1,
    cycle: {
      anchor: "fixedDate",
      years: 2,
      endMonth: 9,
      endDay: 30,
      lastNameGroups: [
        { from: "A", to: "L", referenceEndYear: 2024 },
        { from: "M", to: "Z", referenceEndYear: 2025 },
      ],
      provenance: assumed(
        SOURCES.MD,
        "REQUIREMENTS.md gives “A–L one year, M–Z the next” but not which year is which; seeded as A–L ending in even years (Board notices show A–L licences expiring September 30, 2024), M–Z in odd years. Verify with the Board.",
      ),
    },
    total: { minimum: 25, provenance: sourced(SOURCES.MD) },
    requirements: [
      { kind: "creditTypes", id: "opioid-prescribing", creditTypes: ["Opioid Prescribing"], minimum: 1, period: PER_CYCLE, provenance: sourced(SOURCES.MD) },
      { kind: "creditTypes", id: "implicit-bias", creditTypes: ["Implicit Bias"], minimum: 1, period: { kind: "ever" }, provenance: assumed(SOURCES.MD, "REQUIREMENTS.md says one-time implicit bias without an amount; seeded as 1 credit.") },
    ],
    notes: [
      "Maryland requires 50 credits per cycle, of which at least 25 AMA PRA Category 1; Category 2 credit is not reported through PARS, so only the 25 Category 1 credits are checked here.",
      RETENTION_NOTE,
    ],
  },
  {
    organisationCode: "OR-M",
    creditLabel: CATEGORY_1,
    cycle: { anchor: "roster", years: 2, provenance: sourced(SOURCES.OR) },
    total: { minimum: 60, provenance: sourced(SOURCES.OR) },
    requirements: [
      { kind: "creditTypes", id: "pain-management", creditTypes: ["Pain Management"], minimum: 1, period: PER_CYCLE, provenance: sourced(SOURCES.OR) },
      {
        kind: "creditTypes",
        id: "cultural-competency",
        creditTypes: ["Cultural Competency"],
        minimum: 2,
        period: PER_CYCLE,
        provenance: assumed(SOURCES.OR, "REQUIREMENTS.md says “cultural competency ~1 h/yr”; seeded as 2 credits per 2-year registration. Verify the amount and period with the Board."),
      },
    ],
    notes: [
      "Participation in a certifying board's MOC programme satisfies Oregon's requirement; a state board's view cannot see MOC participation, so check it before acting on a shortfall.",
      "30 credits a year is checked as 60 over the 2-year registration, not year by year.",
    ],
  },
  {
    organisationCode: "NC-M",
    creditLabel: CATEGORY_1,
    cycle: { anchor: "roster", years: 3, provenance: sourced(SOURCES.NC) },
    total: { minimum: 60, provenance: sourced(SOURCES.NC) },
    requirements: [
      {
        kind: "creditTypes",
        id: "controlled-substance",
        creditTypes: ["Controlled Substance"],
        minimum: 3,
        period: PER_CYCLE,
        appliesTo: { label: "licensees who prescribe controlled substances", when: [{ attribute: "controlledSubstancePrescriber", is: true }], whenUnknown: "applies" },
        provenance: sourced(SOURCES.NC),
      },
    ],
    notes: ["The controlled-substance requirement is applied unless the board says the licensee does not prescribe controlled substances."],
  },
  {
    organisationCode: "ND-M",
    creditLabel: CATEGORY_1,
    cycle: {
      anchor: "fixedDate",
      years: 3,
      endMonth: 12,
      endDay: 31,
      referenceEndYear: 2025,
      provenance: assumed(SOURCES.ND, "REQUIREMENTS.md names compliance years 2016, 2019, 2022, 2025 but no day; seeded as 3-year cycles ending December 31 of those years. Verify with the Board."),
    },
    total: { minimum: 60, provenance: sourced(SOURCES.ND) },
    requirements: [],
    notes: [
      "Licensees licensed part-way through a cycle owe 20 credits per licensed year (prorated); proration is not applied here.",
      "A 1-hour nutrition requirement per cycle is mentioned but unverified, and the learner store has no Nutrition topic, so it is not seeded (it could never be met).",
    ],
  },
  {
    organisationCode: "VI-M",
    creditLabel: CATEGORY_1,
    cycle: { anchor: "roster", years: 2, provenance: assumed("REQUIREMENTS.md: not found", "No Virgin Islands requirement was found; seeded as a 2-year cycle taken from the board's roster.") },
    total: { minimum: 50, provenance: assumed("REQUIREMENTS.md: not found", "No Virgin Islands requirement was found; REQUIREMENTS.md says to assume 50 credits per 2 years.") },
    requirements: [],
    notes: ["Every value of this rule set is assumed; confirm it with the Board before relying on it."],
  },
  {
    organisationCode: "ABA",
    creditLabel: "Category 1 credits",
    cycle: { anchor: "roster", years: 10, provenance: sourced(SOURCES.CERTIFYING) },
    total: { minimum: 250, provenance: sourced(SOURCES.CERTIFYING) },
    requirements: [{ kind: "creditTypes", id: "patient-safety", creditTypes: ["Patient Safety"], minimum: 20, period: PER_CYCLE, provenance: sourced(SOURCES.CERTIFYING) }],
    caps: { perCalendarYear: 60, provenance: sourced(SOURCES.CERTIFYING) },
    notes: [],
  },
  {
    organisationCode: "ABIM",
    creditLabel: "MOC points",
    cycle: { anchor: "roster", years: 5, provenance: sourced(SOURCES.CERTIFYING) },
    total: { minimum: 100, provenance: sourced(SOURCES.CERTIFYING) },
    requirements: [],
    notes: ["ABIM also expects some points every 2 years to count as participating; that deadline is not checked here (see decision 009)."],
  },
  {
    organisationCode: "ABO",
    creditLabel: "Category 1 credits",
    cycle: { anchor: "roster", years: 2, provenance: sourced(SOURCES.CERTIFYING) },
    total: { minimum: 50, provenance: sourced(SOURCES.CERTIFYING) },
    requirements: [
      { kind: "creditTypes", id: "self-assessment", creditTypes: ["Self-Assessment"], minimum: 16, period: PER_CYCLE, provenance: sourced(SOURCES.CERTIFYING) },
      {
        kind: "creditTypes",
        id: "patient-safety",
        creditTypes: ["Patient Safety"],
        minimum: 0.25,
        period: { kind: "lastYears", years: 10 },
        provenance: assumed(SOURCES.CERTIFYING, "REQUIREMENTS.md says a patient-safety activity per 10 years without an amount; seeded as any Patient Safety credit (0.25) in the 10 years ending with the cycle."),
      },
    ],
    notes: [RETENTION_NOTE],
  },
  {
    organisationCode: "ABOHNS",
    creditLabel: "Category 1 credits",
    cycle: { anchor: "fixedDate", years: 1, endMonth: 12, endDay: 31, provenance: assumed(SOURCES.CERTIFYING, "REQUIREMENTS.md gives “25 Category 1 per year (older rule; verify)”; seeded as calendar years.") },
    total: { minimum: 25, provenance: assumed(SOURCES.CERTIFYING, "REQUIREMENTS.md marks “25 Category 1 per year” as an older rule to verify.") },
    requirements: [],
    notes: ["Every value of this rule set is assumed from an older rule; confirm it with the Board before relying on it."],
  },
  {
    organisationCode: "ABPATH",
    creditLabel: "Category 1 credits",
    cycle: { anchor: "roster", years: 2, provenance: sourced(SOURCES.CERTIFYING) },
    total: { minimum: 70, provenance: sourced(SOURCES.CERTIFYING) },
    requirements: [{ kind: "creditTypes", id: "self-assessment", creditTypes: ["Self-Assessment"], minimum: 20, period: PER_CYCLE, provenance: sourced(SOURCES.CERTIFYING) }],
    notes: [],
  },
  {
    organisationCode: "ABP",
    creditLabel: "MOC points",
    cycle: { anchor: "roster", years: 5, provenance: sourced(SOURCES.CERTIFYING) },
    total: { minimum: 100, provenance: sourced(SOURCES.CERTIFYING) },
    requirements: [
      { kind: "creditTypes", id: "lifelong-learning", creditTypes: ["Lifelong Learning and Self-Assessment"], minimum: 50, period: PER_CYCLE, provenance: sourced(SOURCES.CERTIFYING) },
      { kind: "creditTypes", id: "improving-practice", creditTypes: ["Improving Professional Practice"], minimum: 50, period: PER_CYCLE, provenance: sourced(SOURCES.CERTIFYING) },
    ],
    notes: [],
  },
  {
    organisationCode: "ABS",
    creditLabel: "Category 1 credits",
    cycle: { anchor: "rolling", years: 5, provenance: sourced(SOURCES.CERTIFYING) },
    total: { minimum: 150, provenance: sourced(SOURCES.CERTIFYING) },
    requirements: [{ kind: "creditTypes", id: "self-assessment", creditTypes: ["Self-Assessment"], minimum: 50, period: PER_CYCLE, provenance: sourced(SOURCES.CERTIFYING) }],
    caps: { perDay: 12, provenance: sourced(SOURCES.CERTIFYING) },
    notes: [],
  },
];

/** The seeded rule set of an organisation (a copy, safe to edit), or null for one without rules. */
export function seededRuleSet(organisationCode: string): RequirementRuleSet | null {
  const found = SEEDED_REQUIREMENT_RULES.find((r) => r.organisationCode === organisationCode);
  return found ? structuredClone(found) : null;
}

/** One thing the check measures for a rule set, as the queue filters on it ("short in …"). */
export interface RuleMeasure {
  /** "total", a requirement's id, or (for requirements measured per sub-period) its id per sub-period. */
  id: string;
  label: string;
  kind: "total" | Requirement["kind"];
}

/**
 * Everything the engine reports on for this rule set, in the order of its outcomes: the ids a
 * stored entry's unmet requirements (`requirements_short`) can hold.
 */
export function ruleMeasures(rule: RequirementRuleSet): RuleMeasure[] {
  return [
    { id: "total", label: `Total ${rule.creditLabel}`, kind: "total" },
    ...rule.requirements.map((r) => ({ id: r.id, label: requirementLabel(r), kind: r.kind })),
  ];
}
