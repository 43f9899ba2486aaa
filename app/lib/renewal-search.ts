// The renewal queue's URL schema and columns (browser-safe): roster entries whose cycle ends in a
// window, with the status the compliance engine computed. Shared by the route, model and export.
import { z } from "zod";
import { formatRuleCredits } from "../../domain/requirement-rules";
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

export const MATCH_QUALITIES = ["id", "name_birth", "npi", "manual", "ambiguous", "none"] as const;
export const MATCH_LABELS: Record<(typeof MATCH_QUALITIES)[number], string> = {
  id: "Licence / board id",
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

export const DECISION_FILTERS = ["undecided", "decided", ...DECISION_OUTCOMES] as const;

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
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "credits 34 / 50", or a dash when there is nothing to count. */
export function progressText(row: Pick<RenewalRow, "creditsCounted" | "creditsRequired">): string {
  if (row.creditsCounted === null || row.creditsRequired === null) return "—";
  return `credits ${formatRuleCredits(row.creditsCounted)} / ${formatRuleCredits(row.creditsRequired)}`;
}

export const RENEWAL_COLUMNS: readonly ColumnDef<RenewalRow>[] = [
  { id: "name", label: "Licensee", sortable: true, exportValue: (r) => `${r.lastName}, ${r.firstName}` },
  { id: "key", label: "Licence / board id", sortable: true, exportValue: (r) => r.rosterKey },
  { id: "birth", label: "Birth MM/DD", sortable: false, hiddenByDefault: true, exportValue: (r) => `${pad(r.birthMonth)}/${pad(r.birthDay)}` },
  { id: "cycleEnd", label: "Cycle ends", sortable: true, exportValue: (r) => r.cycleEnd, exportKind: "date" },
  { id: "cycleStart", label: "Cycle starts", sortable: false, hiddenByDefault: true, exportValue: (r) => r.cycleStart, exportKind: "date" },
  { id: "status", label: "Status", sortable: true, exportValue: (r) => STATUS_LABELS[r.status] },
  { id: "progress", label: "Progress", sortable: true, firstDir: "asc", exportValue: (r) => progressText(r) },
  { id: "shortBy", label: "Short by", sortable: true, firstDir: "desc", align: "right", exportValue: (r) => r.shortBy, exportKind: "number" },
  { id: "shortfall", label: "Short in (credits)", sortable: false, exportValue: (r) => r.shortfall ?? r.problem ?? "" },
  { id: "match", label: "Matched by", sortable: false, exportValue: (r) => MATCH_LABELS[r.matchQuality] },
  { id: "decision", label: "Decision", sortable: false, exportValue: (r) => (r.decision ? OUTCOME_LABELS[r.decision] : "") },
];

export const RENEWAL_GRID: GridSpec<typeof RENEWAL_FILTERS> = {
  filters: RENEWAL_FILTERS,
  sorts: RENEWAL_COLUMNS.filter((c) => c.sortable).map((c) => c.id),
  defaultSort: { id: "cycleEnd", desc: false },
  columns: RENEWAL_COLUMNS.map((c) => c.id),
};

/** The default renewal window: cycles ending in the next 90 days. */
export const DEFAULT_WINDOW_DAYS = 90;

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function parseRenewalSearch(params: URLSearchParams, today: string): GridState<typeof RENEWAL_FILTERS> & { window: { from: string; to: string } } {
  const state = parseGridState(RENEWAL_GRID, params);
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
