// Requirement rules (browser-safe, pure): the zod schema of one organisation's CME / continuing-
// certification requirement rule set (what the rule-edit form and the jsonb column validate with),
// the seeded rule sets of the 16 organisations that sign in, and plain-English descriptions of them.
// The compliance engine that applies a rule set to a licensee's credit reports is `compliance.ts`.
import { z } from "zod";
import { fewestDaysInMonth } from "./calendar";
import { LICENSEE_ATTRIBUTES, type AttributeKey, type AttributeType } from "./licensee-attributes";
import { orgWords } from "./org-words";
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

/**
 * Some credit in every sub-period of the cycle (ABIM: points every 2 years). The sub-periods are
 * consecutive `years`-long windows counted from the cycle's first day; a remainder shorter than
 * `years` at the end of the cycle is not checked on its own (a 5-year cycle has two 2-year
 * sub-periods, years 1–2 and 3–4). Without `creditTypes` any credit counts. The engine reports one
 * outcome per sub-period, with the id `${id}-${n}` (n from 1).
 */
export const subPeriodRequirementSchema = z.object({
  kind: z.literal("subPeriods"),
  id: requirementId,
  years: years("Sub-period length"),
  minimum: credits("Minimum credits", 0.25),
  creditTypes: creditTypeList.optional(),
  appliesTo: appliesToSchema.optional(),
  note: note.optional(),
  provenance: provenanceSchema,
});
export type SubPeriodRequirement = z.infer<typeof subPeriodRequirementSchema>;

export const REQUIREMENT_KINDS = ["creditTypes", "share", "subPeriods"] as const;

export const requirementSchema = z.discriminatedUnion("kind", [creditTypeRequirementSchema, shareRequirementSchema, subPeriodRequirementSchema], {
  error: "Requirement kind must be creditTypes, share or subPeriods",
});
export type Requirement = z.infer<typeof requirementSchema>;

/**
 * Another way to satisfy the whole rule set (Oregon: taking part in a certifying board's MOC
 * program): when every condition holds on the licensee's attributes, the check is met whatever the
 * credit shows, and says which alternative met it. An unknown attribute never applies it.
 */
export const alternativeSchema = z.object({
  id: requirementId,
  label: z.string({ error: "The alternative's name must be text" }).trim().min(1, "Name the alternative").max(120, "The alternative's name must be at most 120 characters"),
  when: z.array(attributeConditionSchema, { error: "Conditions must be a list" }).min(1, "Give at least one condition").max(4, "Give at most 4 conditions"),
  provenance: provenanceSchema,
});
export type Alternative = z.infer<typeof alternativeSchema>;

/**
 * A total owed per year licensed by a licensee first licensed during the cycle (North Dakota: 20
 * per year). The years counted are the cycle's year-long parts, counted from its first day, that
 * begin on or after the initial license date; the prorated total never exceeds the full total.
 */
export const prorationSchema = z.object({
  credits: credits("Credits per licensed year", 0.25),
  attribute: z.literal("initialLicenseDate", { error: "Proration reads the initial license date" }),
  provenance: provenanceSchema,
});
export type Proration = z.infer<typeof prorationSchema>;

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
      error: `Organization must be one of: ${RULE_ORGANISATION_CODES.join(", ")}`,
    }),
    /** What one credit is called in descriptions, plural: "AMA PRA Category 1 credits", "MOC points". */
    creditLabel: z.string({ error: "Credit name must be text" }).trim().min(1, "Name the credit, e.g. AMA PRA Category 1 credits").max(60, "Credit name must be at most 60 characters"),
    cycle: cycleRuleSchema,
    total: z.object({ minimum: credits("Total credits", 0), proratePerYear: prorationSchema.optional(), provenance: provenanceSchema }),
    requirements: z.array(requirementSchema, { error: "Requirements must be a list" }).max(20, "Give at most 20 requirements"),
    caps: capsSchema.optional(),
    /** Ways to satisfy the whole rule set other than the credit (see alternativeSchema). */
    alternatives: z.array(alternativeSchema, { error: "Alternatives must be a list" }).max(5, "Give at most 5 alternatives").optional(),
    /** Caveats a reviewer must see beside the result (what the rule cannot check, and why). */
    notes: z.array(note, { error: "Notes must be a list" }).max(10, "Give at most 10 notes"),
  })
  .superRefine((rule, ctx) => {
    const allowed = allowedCreditTypes(rule.organisationCode);
    const seen = new Set<string>();
    const measured = new Set(ruleMeasures(rule).map((m) => m.id));
    rule.requirements.forEach((requirement, index) => {
      if (seen.has(requirement.id)) {
        ctx.addIssue({ code: "custom", path: ["requirements", index, "id"], message: `Another requirement already uses the id “${requirement.id}”` });
      }
      seen.add(requirement.id);
      if (requirement.kind === "subPeriods") {
        if (requirement.years > rule.cycle.years) {
          ctx.addIssue({ code: "custom", path: ["requirements", index, "years"], message: `Sub-period length must be at most the cycle length (${rule.cycle.years} years)` });
        }
        for (let n = 1; n <= subPeriodCount(rule, requirement); n++) {
          if (rule.requirements.some((other) => other.id === `${requirement.id}-${n}`)) {
            ctx.addIssue({ code: "custom", path: ["requirements", index, "id"], message: `The id “${requirement.id}” would name its sub-periods like another requirement (“${requirement.id}-${n}”)` });
            break;
          }
        }
      }
      (requirement.creditTypes ?? []).forEach((type, typeIndex) => {
        if (!allowed.includes(type)) {
          ctx.addIssue({
            code: "custom",
            path: ["requirements", index, "creditTypes", typeIndex],
            message: `“${type}” is not a topic or credit type ${rule.organisationCode} receives; use one of: ${allowed.join(", ")}`,
          });
        }
      });
    });
    (rule.alternatives ?? []).forEach((alternative, index) => {
      if (measured.has(alternative.id) || (rule.alternatives ?? []).findIndex((a) => a.id === alternative.id) !== index) {
        ctx.addIssue({ code: "custom", path: ["alternatives", index, "id"], message: `Another requirement or alternative already uses the id “${alternative.id}”` });
      }
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

/** The kind of organisation a rule set belongs to, for its words (state boards when not known). */
type RuleKind = Exclude<OrganisationKind, "accreditor">;

function kindOf(rule: { organisationCode: string }): RuleKind {
  return organisationKindOf(rule.organisationCode) ?? "state_board";
}

/** "renewal cycle" for a state board, "certification cycle" for a certifying board. */
function cycleName(kind: RuleKind): string {
  const words = orgWords(kind);
  return kind === "certifying_board" ? words.cycle : `${words.cycle} cycle`;
}

/** A credit amount as a rule states it: "50", "12.25", "0.25". */
export function formatRuleCredits(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function creditWord(value: number): string {
  return value === 1 ? "credit" : "credits";
}

/** "Points" for "MOC points", "Credits" for "AMA PRA Category 1 credits": what a label starts with. */
function creditNoun(creditLabel: string | undefined): string {
  const last = (creditLabel ?? "credits").trim().split(/\s+/).pop() ?? "credits";
  return last.charAt(0).toUpperCase() + last.slice(1);
}

function endYearsExample(referenceEndYear: number, everyYears: number): string {
  // Show the cycle ends around the reference year, e.g. "2019, 2022, 2025, …".
  return [referenceEndYear - 2 * everyYears, referenceEndYear - everyYears, referenceEndYear].join(", ") + ", …";
}

/** "per 2-year renewal cycle ending on the last day of the licensee's birth month" and the like. */
export function describeCycle(cycle: CycleRule, kind: RuleKind = "state_board"): string {
  const name = cycleName(kind);
  const span = `per ${cycle.years}-year ${name}`;
  switch (cycle.anchor) {
    case "roster":
      return `${span} (dates from the board's roster)`;
    case "birthMonth":
      return `${span} ending on the last day of the ${orgWords(kind).person}'s birth month`;
    case "rolling":
      return `in any ${cycle.years}-year period (rolling: the ${cycle.years} years up to the date checked)`;
    case "fixedDate": {
      if (cycle.endMonth === 12 && cycle.endDay === 31 && cycle.years === 1) return "per calendar year";
      const ending = `${MONTH_NAMES[cycle.endMonth - 1]} ${cycle.endDay}`;
      if (cycle.years === 1) return `${span} ending ${ending}`;
      if (cycle.lastNameGroups) {
        const groups = cycle.lastNameGroups.map((g) => `last names ${g.from}–${g.to}: ${endYearsExample(g.referenceEndYear, cycle.years)}`).join("; ");
        return `${span} ending ${ending} (${groups})`;
      }
      return `${span} ending ${ending} (${endYearsExample(cycle.referenceEndYear ?? 0, cycle.years)})`;
    }
  }
}

/** "50 AMA PRA Category 1 credits per 2-year renewal cycle (…)", with North Dakota's proration. */
export function describeTotal(rule: RequirementRuleSet): string {
  const kind = kindOf(rule);
  const base = `${formatRuleCredits(rule.total.minimum)} ${rule.creditLabel} ${describeCycle(rule.cycle, kind)}`;
  const prorate = rule.total.proratePerYear;
  if (!prorate) return base;
  const words = orgWords(kind);
  return `${base}; a ${words.person} first licensed during the ${cycleName(kind)} owes ${formatRuleCredits(prorate.credits)} for each full year of it licensed`;
}

/** "Pain Management", or "Pain Management and End-of-Life Care combined". */
export function describeCreditTypes(types: readonly string[]): string {
  if (types.length === 1) return types[0] ?? "";
  return `${types.slice(0, -1).join(", ")} and ${types[types.length - 1]} combined`;
}

export function describePeriod(period: RequirementPeriod, kind: RuleKind = "state_board"): string {
  const name = cycleName(kind);
  switch (period.kind) {
    case "cycle":
      return `per ${name}`;
    case "ever":
      return `one-time (a completion at any date up to the end of the ${name} counts)`;
    case "lastYears":
      return period.years === 1 ? `in the last year of the ${name}` : `in the ${period.years} years ending with the ${name}`;
  }
}

/** The required amount of a share requirement on the required-total basis (for descriptions). */
function shareOfRequiredTotal(rule: RequirementRuleSet, requirement: ShareRequirement): number {
  // Hundredths, rounded up: a share never asks for less than its percentage.
  return Math.ceil((requirement.percent * Math.round(rule.total.minimum * 100)) / 100) / 100;
}

/** How many sub-periods a cycle of the rule set holds: whole `years`-long windows from its start. */
export function subPeriodCount(rule: { cycle: { years: number } }, requirement: { years: number }): number {
  return Math.floor(rule.cycle.years / requirement.years);
}

/** "years 1–2", or "year 3" for a 1-year sub-period: the cycle years sub-period `n` (from 1) covers. */
export function subPeriodYears(requirement: { years: number }, n: number): string {
  const first = (n - 1) * requirement.years + 1;
  const last = n * requirement.years;
  return first === last ? `year ${first}` : `years ${first}–${last}`;
}

/** "Points every 2 years", "Patient Safety every year". */
function subPeriodBase(requirement: SubPeriodRequirement, creditLabel: string | undefined): string {
  const what = requirement.creditTypes ? describeCreditTypes(requirement.creditTypes) : creditNoun(creditLabel);
  return `${what} every ${requirement.years === 1 ? "year" : `${requirement.years} years`}`;
}

/** One sub-period's label: "Points every 2 years (years 1–2)". */
export function subPeriodLabel(requirement: SubPeriodRequirement, n: number, creditLabel?: string): string {
  return `${subPeriodBase(requirement, creditLabel)} (${subPeriodYears(requirement, n)})`;
}

/**
 * A short label for a requirement's row: "Opioid Prescribing", "Osteopathic share (40%)", "Points
 * every 2 years". Pass the rule set's credit label so a sub-period requirement without credit types
 * names the credit ("Points", "Credits").
 */
export function requirementLabel(requirement: Requirement, creditLabel?: string): string {
  if (requirement.kind === "subPeriods") return subPeriodBase(requirement, creditLabel);
  const types = describeCreditTypes(requirement.creditTypes);
  if (requirement.kind === "share") return `${types} share (${requirement.percent}%)`;
  return requirement.period.kind === "ever" ? `${types} (one-time)` : types;
}

/** One condition in words: "prescribes controlled substances", "specialty Internal Medicine or Family Medicine". */
export function describeCondition(condition: AttributeCondition, kind: RuleKind = "state_board"): string {
  const label = LICENSEE_ATTRIBUTES.find((a) => a.key === condition.attribute)?.label ?? condition.attribute;
  if ("is" in condition) return `${label.charAt(0).toLowerCase()}${label.slice(1)}: ${condition.is ? "yes" : "no"}`;
  if ("oneOf" in condition) {
    const list = condition.oneOf.length === 1 ? condition.oneOf[0] : `${condition.oneOf.slice(0, -1).join(", ")} or ${condition.oneOf[condition.oneOf.length - 1]}`;
    return `specialty ${list}`;
  }
  if ("moreThan" in condition) return `${label.replace(/\s*\(%\)$/, "").toLowerCase()} over ${condition.moreThan}%`;
  return `${label.toLowerCase()} before the ${cycleName(kind)} began`;
}

/** A sentence a reviewer can read: "1 credit of Opioid Prescribing per renewal cycle". */
export function describeRequirement(rule: RequirementRuleSet, requirement: Requirement): string {
  const kind = kindOf(rule);
  const who = requirement.appliesTo ? `; applies to ${requirement.appliesTo.label}` : "";
  if (requirement.kind === "subPeriods") {
    const count = subPeriodCount(rule, requirement);
    const what = requirement.creditTypes ? `${creditWord(requirement.minimum)} of ${describeCreditTypes(requirement.creditTypes)}` : rule.creditLabel;
    const periods = Array.from({ length: count }, (_, i) => subPeriodYears(requirement, i + 1).replace(/^years? /, ""));
    const listed = periods.length <= 1 ? periods.join("") : `${periods.slice(0, -1).join(", ")} and ${periods[periods.length - 1]}`;
    const remainder = rule.cycle.years - count * requirement.years;
    const rest =
      remainder === 0 ? "" : remainder === 1 ? `; the last year of the ${cycleName(kind)} is not checked on its own` : `; the last ${remainder} years of the ${cycleName(kind)} are not checked on their own`;
    return `At least ${formatRuleCredits(requirement.minimum)} ${what} in every ${requirement.years === 1 ? "year" : `${requirement.years}-year period`} of the ${cycleName(kind)}, counted from its start (${count === 1 && requirement.years === 1 ? "year" : "years"} ${listed})${rest}${who}`;
  }
  const types = describeCreditTypes(requirement.creditTypes);
  if (requirement.kind === "share") {
    const base =
      requirement.basis === "requiredTotal"
        ? `of the required ${formatRuleCredits(rule.total.minimum)} ${rule.creditLabel} (${formatRuleCredits(shareOfRequiredTotal(rule, requirement))})`
        : `of the ${rule.creditLabel} counted in the ${cycleName(kind)}`;
    return `At least ${requirement.percent}% ${base} in ${types}${who}`;
  }
  const amount = formatRuleCredits(requirement.minimum);
  const separator = requirement.period.kind === "ever" ? ", " : " ";
  return `${amount} ${creditWord(requirement.minimum)} of ${types}${separator}${describePeriod(requirement.period, kind)}${who}`;
}

export function describeCaps(caps: Caps | undefined): string[] {
  if (!caps) return [];
  const lines: string[] = [];
  if (caps.perCalendarYear !== undefined) lines.push(`At most ${formatRuleCredits(caps.perCalendarYear)} credits count per calendar year`);
  if (caps.perDay !== undefined) lines.push(`At most ${formatRuleCredits(caps.perDay)} credits count per day`);
  return lines;
}

/** "Also met by participation in a certifying board's MOC program (participates in MOC: yes)". */
export function describeAlternative(rule: RequirementRuleSet, alternative: Alternative): string {
  const kind = kindOf(rule);
  const conditions = alternative.when.map((c) => describeCondition(c, kind)).join("; ");
  return `Also met, whatever the credit shows, by ${alternative.label.charAt(0).toLowerCase()}${alternative.label.slice(1)} (when the board records: ${conditions})`;
}

/** Every line of a rule set, in the order a reviewer reads them. */
export function describeRuleSet(rule: RequirementRuleSet): string[] {
  return [
    describeTotal(rule),
    ...rule.requirements.map((r) => describeRequirement(rule, r)),
    ...describeCaps(rule.caps),
    ...(rule.alternatives ?? []).map((a) => describeAlternative(rule, a)),
  ];
}

// ---------------------------------------------------------------- seeded rule sets

// Every seeded value names the public source it comes from (a statute, a rule number, a board's web
// page), or is marked assumed with the reason written for a board reader. Boards see these words.

const sourced = (source: string): Provenance => ({ source, assumed: false });
const assumed = (source: string, reason: string): Provenance => ({ source, assumed: true, reason });

const PER_CYCLE: RequirementPeriod = { kind: "cycle" };
const CATEGORY_1 = "AMA PRA Category 1 credits";

const SOURCES = {
  AL: "ALAC 540-X-14-.02 and the albme.gov CME requirements page",
  CA_TERM: "Cal. Bus. & Prof. Code §2423",
  CA_TOTAL: "16 CCR §1336 and the mbc.ca.gov CME requirements page",
  CA_PAIN: "Cal. Bus. & Prof. Code §2190.5",
  CA_GERIATRIC: "Cal. Bus. & Prof. Code §2190.3",
  ME_M: "Code of Maine Rules 02-373 ch. 21 (Board of Licensure in Medicine)",
  ME_O: "32 MRSA §2581 and the Maine Board of Osteopathic Licensure CME page",
  ME_OPIOID: "22 MRSA §7253",
  MD: "COMAR 10.32.01.10",
  MD_PAGE: "COMAR 10.32.01.10 and the mbp.state.md.us license renewal page",
  OR: "OAR 847-008-0075",
  OR_PAGE: "OAR 847-008-0075 and the oregon.gov/omb CME page",
  NC: "21 NCAC 32R .0101 and the ncmedboard.org CME page",
  ND: "ndbom.org CME requirements page",
  VI: "No published requirement found for the Virgin Islands Board of Medical Examiners",
  ABA: "theaba.org MOCA requirements page",
  ABIM: "abim.org MOC requirements page",
  ABO: "abop.org Continuing Certification requirements page",
  ABOHNS: "aboto.org Continuing Certification page (older rule)",
  ABPATH: "abpath.org Continuing Certification requirements page",
  ABP: "abp.org MOC requirements page",
  ABS: "absurgery.org Continuous Certification requirements page",
} as const;

const PRESCRIBERS: AppliesTo = {
  label: "licensees who prescribe controlled substances",
  when: [{ attribute: "controlledSubstancePrescriber", is: true }],
  whenUnknown: "applies",
};

const RETENTION_NOTE =
  "Only credit that providers report to ACCME is visible here, and reports are kept six years: a one-time requirement met long ago, or credit never reported, cannot be seen.";

const PRESCRIBER_NOTE = "Requirements for prescribers apply unless the board records that the licensee does not prescribe controlled substances.";

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
      "The controlled-substance requirement applies unless the board records that the licensee holds no Alabama Controlled Substances Certificate.",
    ],
  },
  {
    organisationCode: "CA-M",
    creditLabel: CATEGORY_1,
    cycle: { anchor: "birthMonth", years: 2, provenance: sourced(SOURCES.CA_TERM) },
    total: { minimum: 50, provenance: sourced(SOURCES.CA_TOTAL) },
    requirements: [
      {
        kind: "creditTypes",
        id: "pain-end-of-life",
        creditTypes: ["Pain Management", "End-of-Life Care"],
        minimum: 12,
        period: { kind: "ever" },
        appliesTo: {
          label: "licensees past their first renewal (the course is due by the second renewal)",
          when: [{ attribute: "initialLicenseDate", beforeCycleStart: true }],
          whenUnknown: "applies",
        },
        note: "Due by the second license renewal. Applied when the initial license date is not recorded, since most licensees are past their second renewal; record the date for newly licensed physicians.",
        provenance: sourced(SOURCES.CA_PAIN),
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
            { attribute: "specialty", oneOf: ["Internal Medicine", "Family Medicine"] },
            { attribute: "patients65Percent", moreThan: 25 },
          ],
          whenUnknown: "doesNotApply",
        },
        note: "20% of all mandatory continuing education hours: 10 of the 50. Applied only when the board records the specialty and the share of patients aged 65 or over.",
        provenance: sourced(SOURCES.CA_GERIATRIC),
      },
    ],
    notes: [RETENTION_NOTE],
  },
  {
    organisationCode: "ME-M",
    creditLabel: CATEGORY_1,
    cycle: { anchor: "birthMonth", years: 2, provenance: sourced(SOURCES.ME_M) },
    total: { minimum: 40, provenance: sourced(SOURCES.ME_M) },
    requirements: [
      { kind: "creditTypes", id: "opioid-prescribing", creditTypes: ["Opioid Prescribing"], minimum: 3, period: PER_CYCLE, appliesTo: PRESCRIBERS, provenance: sourced(SOURCES.ME_OPIOID) },
    ],
    notes: [PRESCRIBER_NOTE],
  },
  {
    organisationCode: "ME-O",
    creditLabel: CATEGORY_1,
    cycle: { anchor: "roster", years: 2, provenance: sourced(SOURCES.ME_O) },
    total: { minimum: 100, provenance: sourced(SOURCES.ME_O) },
    requirements: [
      {
        kind: "share",
        id: "osteopathic",
        creditTypes: ["Osteopathic"],
        percent: 40,
        basis: "requiredTotal",
        provenance: assumed(
          SOURCES.ME_O,
          "The Board asks that at least 40% of the hours be osteopathic without saying 40% of what; seeded as 40% of the required 100 (40 credits). Switch to “of the credits counted” if the Board means 40% of all credit earned.",
        ),
      },
      { kind: "creditTypes", id: "opioid-prescribing", creditTypes: ["Opioid Prescribing"], minimum: 3, period: PER_CYCLE, appliesTo: PRESCRIBERS, provenance: sourced(SOURCES.ME_OPIOID) },
    ],
    notes: [
      "The 100 credits may include credit that providers do not report to ACCME (for example AOA Category 2); only reported AMA PRA Category 1 credit is counted here.",
      PRESCRIBER_NOTE,
    ],
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
        SOURCES.MD_PAGE,
        "Licenses expire September 30, last names A–L one year and M–Z the next; which group renews in even years is taken from Board notices of A–L licenses expiring September 30, 2024. Confirm with the Board.",
      ),
    },
    total: { minimum: 25, provenance: sourced(SOURCES.MD) },
    requirements: [
      { kind: "creditTypes", id: "opioid-prescribing", creditTypes: ["Opioid Prescribing"], minimum: 1, period: PER_CYCLE, appliesTo: PRESCRIBERS, provenance: sourced(SOURCES.MD_PAGE) },
      {
        kind: "creditTypes",
        id: "implicit-bias",
        creditTypes: ["Implicit Bias"],
        minimum: 1,
        period: { kind: "ever" },
        provenance: assumed(SOURCES.MD_PAGE, "The Board requires an implicit bias course once, without an amount on its renewal page; seeded as 1 credit. Confirm the amount with the Board."),
      },
    ],
    notes: [
      "Maryland requires 50 credits per cycle, of which at least 25 AMA PRA Category 1; Category 2 credit is not reported to ACCME, so only the 25 Category 1 credits are checked here.",
      PRESCRIBER_NOTE,
      RETENTION_NOTE,
    ],
  },
  {
    organisationCode: "OR-M",
    creditLabel: CATEGORY_1,
    cycle: { anchor: "roster", years: 2, provenance: sourced(SOURCES.OR_PAGE) },
    total: { minimum: 60, provenance: sourced(SOURCES.OR) },
    requirements: [
      { kind: "creditTypes", id: "pain-management", creditTypes: ["Pain Management"], minimum: 1, period: PER_CYCLE, provenance: sourced(SOURCES.OR_PAGE) },
      {
        kind: "creditTypes",
        id: "cultural-competency",
        creditTypes: ["Cultural Competency"],
        minimum: 2,
        period: PER_CYCLE,
        provenance: assumed(SOURCES.OR_PAGE, "The Board's guidance is about 1 hour of cultural competency a year; seeded as 2 credits per 2-year registration. Confirm the amount and period with the Board."),
      },
    ],
    alternatives: [
      {
        id: "moc-participation",
        label: "Participation in a certifying board's MOC program",
        when: [{ attribute: "mocParticipant", is: true }],
        provenance: sourced(SOURCES.OR),
      },
    ],
    notes: [
      "Participation in a certifying board's MOC program satisfies Oregon's requirement: record it on the roster or the renewal page, and the check is met whatever the credit shows.",
      "30 credits a year is checked as 60 over the 2-year registration, not year by year.",
    ],
  },
  {
    organisationCode: "NC-M",
    creditLabel: CATEGORY_1,
    cycle: { anchor: "roster", years: 3, provenance: sourced(SOURCES.NC) },
    total: { minimum: 60, provenance: sourced(SOURCES.NC) },
    requirements: [{ kind: "creditTypes", id: "controlled-substance", creditTypes: ["Controlled Substance"], minimum: 3, period: PER_CYCLE, appliesTo: PRESCRIBERS, provenance: sourced(SOURCES.NC) }],
    notes: [PRESCRIBER_NOTE],
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
      provenance: assumed(SOURCES.ND, "The Board names 2016, 2019, 2022 and 2025 as compliance years but not the day; seeded as 3-year cycles ending December 31 of those years. Confirm with the Board."),
    },
    total: {
      minimum: 60,
      proratePerYear: {
        credits: 20,
        attribute: "initialLicenseDate",
        provenance: assumed(
          SOURCES.ND,
          "The Board asks 20 credits per year licensed of physicians first licensed during a cycle; seeded as 20 for each full year of the cycle (counted from its start) on or after the initial license date, so a part year is not counted. Confirm with the Board.",
        ),
      },
      provenance: sourced(SOURCES.ND),
    },
    requirements: [],
    notes: [
      "A licensee first licensed during the cycle owes 20 credits per full year licensed; record the initial license date so the total is prorated.",
      "A 1-hour nutrition requirement per cycle is mentioned but not confirmed, and providers report no nutrition topic, so it is not checked here (it could never be met).",
    ],
  },
  {
    organisationCode: "VI-M",
    creditLabel: CATEGORY_1,
    cycle: {
      anchor: "roster",
      years: 2,
      provenance: assumed(SOURCES.VI, "No Virgin Islands requirement could be found in a public source; seeded as a 2-year cycle with dates from the board's roster. Confirm with the Board."),
    },
    total: {
      minimum: 50,
      provenance: assumed(SOURCES.VI, "No Virgin Islands requirement could be found in a public source; 50 credits per 2 years is a placeholder common among state boards. Confirm with the Board."),
    },
    requirements: [],
    notes: ["Every value of this rule set is assumed; confirm it with the Board before relying on it."],
  },
  {
    organisationCode: "ABA",
    creditLabel: "Category 1 credits",
    cycle: { anchor: "roster", years: 10, provenance: sourced(SOURCES.ABA) },
    total: { minimum: 250, provenance: sourced(SOURCES.ABA) },
    requirements: [{ kind: "creditTypes", id: "patient-safety", creditTypes: ["Patient Safety"], minimum: 20, period: PER_CYCLE, provenance: sourced(SOURCES.ABA) }],
    caps: { perCalendarYear: 60, provenance: sourced(SOURCES.ABA) },
    notes: [RETENTION_NOTE],
  },
  {
    organisationCode: "ABIM",
    creditLabel: "MOC points",
    cycle: { anchor: "roster", years: 5, provenance: sourced(SOURCES.ABIM) },
    total: { minimum: 100, provenance: sourced(SOURCES.ABIM) },
    requirements: [
      {
        kind: "subPeriods",
        id: "participation",
        years: 2,
        minimum: 0.25,
        note: "Some points every 2 years keep a diplomate participating; any points count, and 0.25 is the smallest amount reported.",
        provenance: sourced(SOURCES.ABIM),
      },
    ],
    notes: [],
  },
  {
    organisationCode: "ABO",
    creditLabel: "Category 1 credits",
    cycle: { anchor: "roster", years: 2, provenance: sourced(SOURCES.ABO) },
    total: { minimum: 50, provenance: sourced(SOURCES.ABO) },
    requirements: [
      { kind: "creditTypes", id: "self-assessment", creditTypes: ["Self-Assessment"], minimum: 16, period: PER_CYCLE, provenance: sourced(SOURCES.ABO) },
      {
        kind: "creditTypes",
        id: "patient-safety",
        creditTypes: ["Patient Safety"],
        minimum: 0.25,
        period: { kind: "lastYears", years: 10 },
        provenance: assumed(SOURCES.ABO, "The Board asks for a patient-safety activity every 10 years without an amount; seeded as any Patient Safety credit (0.25 or more) in the 10 years ending with the cycle."),
      },
    ],
    notes: [RETENTION_NOTE],
  },
  {
    organisationCode: "ABOHNS",
    creditLabel: "Category 1 credits",
    cycle: {
      anchor: "fixedDate",
      years: 1,
      endMonth: 12,
      endDay: 31,
      provenance: assumed(SOURCES.ABOHNS, "An older rule of the Board asked for credit every year; the current cycle was not confirmed. Seeded as calendar years; confirm with the Board."),
    },
    total: {
      minimum: 25,
      provenance: assumed(SOURCES.ABOHNS, "An older rule of the Board asked for 25 Category 1 credits a year; the current amount was not confirmed. Confirm with the Board."),
    },
    requirements: [],
    notes: ["Every value of this rule set is assumed from an older rule; confirm it with the Board before relying on it."],
  },
  {
    organisationCode: "ABPATH",
    creditLabel: "Category 1 credits",
    cycle: { anchor: "roster", years: 2, provenance: sourced(SOURCES.ABPATH) },
    total: { minimum: 70, provenance: sourced(SOURCES.ABPATH) },
    requirements: [{ kind: "creditTypes", id: "self-assessment", creditTypes: ["Self-Assessment"], minimum: 20, period: PER_CYCLE, provenance: sourced(SOURCES.ABPATH) }],
    notes: [],
  },
  {
    organisationCode: "ABP",
    creditLabel: "MOC points",
    cycle: { anchor: "roster", years: 5, provenance: sourced(SOURCES.ABP) },
    total: { minimum: 100, provenance: sourced(SOURCES.ABP) },
    requirements: [
      { kind: "creditTypes", id: "lifelong-learning", creditTypes: ["Lifelong Learning and Self-Assessment"], minimum: 50, period: PER_CYCLE, provenance: sourced(SOURCES.ABP) },
      { kind: "creditTypes", id: "improving-practice", creditTypes: ["Improving Professional Practice"], minimum: 50, period: PER_CYCLE, provenance: sourced(SOURCES.ABP) },
    ],
    notes: [],
  },
  {
    organisationCode: "ABS",
    creditLabel: "Category 1 credits",
    cycle: { anchor: "rolling", years: 5, provenance: sourced(SOURCES.ABS) },
    total: { minimum: 150, provenance: sourced(SOURCES.ABS) },
    requirements: [{ kind: "creditTypes", id: "self-assessment", creditTypes: ["Self-Assessment"], minimum: 50, period: PER_CYCLE, provenance: sourced(SOURCES.ABS) }],
    caps: { perDay: 12, provenance: sourced(SOURCES.ABS) },
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
  /** The requirement it belongs to ("total" for the total): a sub-period's requirement id. */
  requirementId: string;
}

/**
 * Everything the engine reports on for this rule set, in the order of its outcomes: the ids a
 * stored entry's unmet requirements (`requirements_short`) can hold.
 */
export function ruleMeasures(rule: RequirementRuleSet): RuleMeasure[] {
  return [
    { id: "total", label: `Total ${rule.creditLabel}`, kind: "total", requirementId: "total" },
    ...rule.requirements.flatMap((r): RuleMeasure[] =>
      r.kind === "subPeriods"
        ? Array.from({ length: subPeriodCount(rule, r) }, (_, i) => ({ id: `${r.id}-${i + 1}`, label: subPeriodLabel(r, i + 1, rule.creditLabel), kind: r.kind, requirementId: r.id }))
        : [{ id: r.id, label: requirementLabel(r, rule.creditLabel), kind: r.kind, requirementId: r.id }],
    ),
  ];
}
