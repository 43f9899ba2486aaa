// The renewal queue's URL schema and columns (browser-safe): roster entries whose cycle ends in a
// window, with the status the compliance engine computed. Shared by the route, model and export.
import { z } from "zod";
import { addDays } from "../../domain/calendar";
import { orgWords, type OrgWords } from "../../domain/org-words";
import { formatRuleCredits } from "../../domain/requirement-rules";
import { formatDate } from "./format";
import { dateRangeError, isoDate, learnerIdentifier, namePrefix, parseGridState, type ColumnDef, type FilterSpec, type GridSpec, type GridState } from "./grid";

export const ENTRY_STATUSES = ["meets", "short", "nothing", "needs_review", "unmatched", "no_cycle", "pending"] as const;
export type QueueStatus = (typeof ENTRY_STATUSES)[number];

export const STATUS_LABELS: Record<QueueStatus, string> = {
  meets: "Meets",
  short: "Short",
  nothing: "Nothing reported",
  needs_review: "Needs review",
  unmatched: "Not matched",
  no_cycle: "Cycle unknown",
  pending: "Being evaluated",
};

/**
 * A status as a reviewer should read it: "short" and "nothing" are stored for open cycles too, where
 * credit can still be earned, so an open cycle is "not yet met", and only an ended one "short".
 */
export function statusLabel(status: QueueStatus, cycleOpen: boolean): string {
  if (status === "short") return cycleOpen ? "Not yet met (cycle open)" : "Short at cycle end";
  if (status === "nothing") return cycleOpen ? "Nothing reported yet (cycle open)" : "Nothing reported by cycle end";
  return STATUS_LABELS[status];
}

export const MATCH_QUALITIES = ["id", "name_birth", "npi", "manual", "ambiguous", "none"] as const;
export const MATCH_LABELS: Record<(typeof MATCH_QUALITIES)[number], string> = {
  id: "License number or board ID",
  name_birth: "Name and birth date",
  npi: "NPI",
  manual: "Linked by hand",
  ambiguous: "Several candidates",
  none: "No match",
};

export const DECISION_OUTCOMES = ["compliant", "deficient", "extension_granted", "exempt", "referred_to_audit"] as const;
export type DecisionOutcomeId = (typeof DECISION_OUTCOMES)[number];
export const OUTCOME_LABELS: Record<DecisionOutcomeId, string> = {
  compliant: "Compliant",
  deficient: "Deficient",
  extension_granted: "Extension granted",
  exempt: "Exempt",
  referred_to_audit: "Referred to audit",
};

/** A measure id as ruleMeasures names them: "total", a requirement's id, or "<id>-<n>" for a sub-period. */
const shortInSchema = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9-]{0,49}$/, "Choose a requirement from the list.");

export const DECISION_FILTERS = ["undecided", "decided", ...DECISION_OUTCOMES] as const;

/**
 * "Applicability not known": entries where whether a requirement applies rests on a licensee
 * attribute the board has not supplied ("any", or one requirement's id), so staff can fill the gaps.
 */
export const UNKNOWN_FILTER = {
  unknown: { schema: z.string().regex(/^(any|[A-Za-z0-9][A-Za-z0-9_-]{0,59})$/, "Choose a listed requirement.") },
} satisfies Record<string, FilterSpec>;

/** Entries on the current roster (the default), those a later roster or a withdrawal retired, or both. */
export const ROSTER_FILTERS = ["current", "retired", "all"] as const;
export const ROSTER_FILTER_LABELS: Record<(typeof ROSTER_FILTERS)[number], string> = {
  current: "On the current roster",
  retired: "Retired from the roster",
  all: "Current and retired",
};

export const RENEWAL_FILTERS = {
  /** Cycle ends on or after / on or before (the renewal window). */
  endFrom: { schema: isoDate },
  endTo: { schema: isoDate },
  status: {
    schema: z.array(z.enum(ENTRY_STATUSES, { error: "Choose a listed status." })).max(ENTRY_STATUSES.length),
    multiple: true,
  },
  match: {
    schema: z.array(z.enum(MATCH_QUALITIES, { error: "Choose a listed match quality." })).max(MATCH_QUALITIES.length),
    multiple: true,
  },
  decision: { schema: z.enum(DECISION_FILTERS, { error: "Choose a listed decision." }) },
  roster: { schema: z.enum(ROSTER_FILTERS, { error: "Choose current, retired, or both." }) },
  lastName: { schema: namePrefix },
  key: { schema: learnerIdentifier },
  ...UNKNOWN_FILTER,
  /** Short in one measure of the rule set (checked against the organization's measures by the loader). */
  short: { schema: shortInSchema },
} satisfies Record<string, FilterSpec>;

export const RENEWAL_FILTER_NAMES = Object.keys(RENEWAL_FILTERS);

export interface RenewalRow {
  id: string;
  rosterKey: string;
  firstName: string;
  lastName: string;
  birthMonth: number;
  birthDay: number;
  cycleStart: string | null;
  cycleEnd: string;
  learnerId: string | null;
  matchQuality: (typeof MATCH_QUALITIES)[number];
  status: QueueStatus;
  creditsCounted: number | null;
  creditsRequired: number | null;
  shortBy: number | null;
  shortfall: string | null;
  problem: string | null;
  decision: DecisionOutcomeId | null;
  decidedAt: string | null;
  /** The decision in force is an override: its reason. */
  overrideReason: string | null;
  /** The decision in force extends the cycle to this deadline. */
  extendedTo: string | null;
  /** The cycle has not ended (its end is today or later): credit can still be earned. */
  cycleOpen: boolean;
  /** How far short of each unmet requirement, by measure id. */
  shortfalls: Record<string, number>;
  /** The requirements (by name) whose applicability rests on an attribute the board has not supplied. */
  notKnown: string[];
}

/** "Not known whether Controlled Substance applies", for the queue's row and export. */
export function notKnownText(row: Pick<RenewalRow, "notKnown">): string {
  return row.notKnown.map((name) => `Not known whether ${name} applies`).join(" · ");
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "34 / 50 credits", "60 / 100 MOC points", or a dash when there is nothing to count. */
export function progressText(row: Pick<RenewalRow, "creditsCounted" | "creditsRequired">, unit = "credits"): string {
  if (row.creditsCounted === null || row.creditsRequired === null) return "—";
  return `${formatRuleCredits(row.creditsCounted)} / ${formatRuleCredits(row.creditsRequired)} ${unit}`;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** How the queue is shown to one organization: its words, its credit unit, the measure it is narrowed to. */
export interface QueueWording {
  words: OrgWords;
  /** "credits", "MOC points" (from the rule's credit label). */
  unit: string;
  /** The "short in" measure chosen, by label: "Short by" then sorts and shows that amount. */
  shortIn?: { id: string; label: string };
}

/** The queue's columns in an organization's words (labels only: ids, order and sorting are the same for all). */
export function renewalColumns({ words, unit, shortIn }: QueueWording): ColumnDef<RenewalRow>[] {
  const shortByOf = (r: RenewalRow) => (shortIn ? (r.shortfalls[shortIn.id] ?? null) : r.shortBy);
  return [
    { id: "name", width: "text", label: words.Person, sortable: true, exportValue: (r) => `${r.lastName}, ${r.firstName}` },
    { id: "key", width: "narrow", label: capitalize(words.idLabel), sortable: true, exportValue: (r) => r.rosterKey },
    { id: "birth", priority: 3, label: "Birth MM/DD", sortable: false, hiddenByDefault: true, exportValue: (r) => `${pad(r.birthMonth)}/${pad(r.birthDay)}` },
    { id: "cycleEnd", width: "narrow", label: capitalize(words.deadline), sortable: true, exportValue: (r) => r.cycleEnd, exportKind: "date" },
    { id: "cycleStart", priority: 3, label: "Cycle starts", sortable: false, hiddenByDefault: true, exportValue: (r) => r.cycleStart, exportKind: "date" },
    { id: "status", priority: 1, label: "Status", sortable: true, exportValue: (r) => statusLabel(r.status, r.cycleOpen) },
    { id: "progress", priority: 1, label: "Progress", sortable: true, firstDir: "asc", exportValue: (r) => progressText(r, unit) },
    {
      id: "shortBy",
      priority: 1,
      width: "narrow",
      // On screen the chosen requirement is named above the table; an export names it in its header.
      label: "Short by",
      sortable: true,
      firstDir: "desc",
      align: "right",
      exportValue: shortByOf,
      exportKind: "number",
    },
    { id: "shortfall", width: "text", label: "Short in", sortable: false, exportValue: (r) => r.shortfall ?? r.problem ?? "" },
    { id: "match", priority: 3, label: "Matched by", sortable: false, exportValue: (r) => (r.matchQuality === "id" ? capitalize(words.idLabel) : MATCH_LABELS[r.matchQuality]) },
    { id: "decision", priority: 1, width: "text", label: "Decision", sortable: false, exportValue: (r) => decisionText(r) },
    { id: "notKnown", priority: 3, label: "Applicability not known", sortable: false, hiddenByDefault: true, exportValue: (r) => notKnownText(r) },
  ];
}

/** The columns' ids and order (labels in a state board's words; pages use renewalColumns). */
export const RENEWAL_COLUMNS: readonly ColumnDef<RenewalRow>[] = renewalColumns({ words: orgWords("state_board"), unit: "credits" });

/** The decision in force in words: "Compliant · Override: …", "Extension granted · extended to 03/31/2027". */
export function decisionText(r: Pick<RenewalRow, "decision" | "overrideReason" | "extendedTo">): string {
  if (!r.decision) return "";
  return [OUTCOME_LABELS[r.decision], r.overrideReason ? `Override: ${r.overrideReason}` : null, r.extendedTo ? `extended to ${formatDate(r.extendedTo)}` : null].filter(Boolean).join(" · ");
}

export const RENEWAL_GRID: GridSpec<typeof RENEWAL_FILTERS> = {
  filters: RENEWAL_FILTERS,
  sorts: RENEWAL_COLUMNS.filter((c) => c.sortable).map((c) => c.id),
  defaultSort: { id: "cycleEnd", desc: false },
  columns: RENEWAL_COLUMNS.map((c) => c.id),
};

/** The default renewal window: cycles ending in the next 90 days. */
export const DEFAULT_WINDOW_DAYS = 90;

export function parseRenewalSearch(params: URLSearchParams, today: string): GridState<typeof RENEWAL_FILTERS> & { window: { from: string; to: string } } {
  const state = parseGridState(RENEWAL_GRID, params);
  // Narrowed to one requirement and not sorted otherwise: the most short in it first.
  if (state.filters.short && !params.get("sort")) state.sort = { id: "shortBy", desc: true };
  const problem = dateRangeError(state.filters.endFrom, state.filters.endTo);
  if (problem) {
    state.errors.endTo = problem;
    delete state.filters.endFrom;
    delete state.filters.endTo;
  }
  // No window given: the next 90 days; one end given: 90 days from it (or up to it).
  const from = state.filters.endFrom ?? (state.filters.endTo ? addDays(state.filters.endTo, -DEFAULT_WINDOW_DAYS) : today);
  const to = state.filters.endTo ?? addDays(from, DEFAULT_WINDOW_DAYS);
  return { ...state, window: { from, to } };
}
