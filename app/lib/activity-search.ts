// The activity list's URL schema and columns (browser-safe): PARS's "Learner Summary by Activity",
// scoped to the board. Shared by the route, the model and the export.
import { z } from "zod";
import { ACTIVITY_FORMATS } from "../../domain/reference";
import { activityQuery, providerQuery, searchWords } from "./credit-search";
import { dateRangeError, flag, isoDate, parseGridState, type ColumnDef, type FilterSpec, type GridSpec, type GridState } from "./grid";

export const ACTIVITY_STATUSES = ["active", "inactive"] as const;
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];
export const STATUS_LABELS: Record<ActivityStatus, string> = { active: "Active", inactive: "Inactive" };

export const PROVIDERSHIPS = ["direct", "joint"] as const;
export const PROVIDERSHIP_LABELS: Record<(typeof PROVIDERSHIPS)[number], string> = { direct: "Directly provided", joint: "Jointly provided" };

/** US states, the District of Columbia and the territories, as providers' addresses carry them. */
export const US_STATE_CODES = [
  "AK", "AL", "AR", "AS", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "GU", "HI", "IA", "ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME",
  "MI", "MN", "MO", "MP", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA", "PR", "RI", "SC", "SD", "TN", "TX",
  "UT", "VA", "VI", "VT", "WA", "WI", "WV", "WY",
] as const;

/** Words to find in a name (letters and digits; at most eight). */
const wordsOf = (message: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(100, "Use at most 100 characters.")
    .transform((value, ctx) => {
      const words = searchWords(value);
      if (words.length === 0) {
        ctx.addIssue({ code: "custom", message });
        return z.NEVER;
      }
      return words;
    });

export const ACTIVITY_FILTERS = {
  activity: { schema: activityQuery },
  provider: { schema: providerQuery },
  format: {
    schema: z.array(z.enum(ACTIVITY_FORMATS, { error: "Choose a listed activity format." })).max(ACTIVITY_FORMATS.length),
    multiple: true,
  },
  /** Activities running at some point between these dates. */
  from: { schema: isoDate },
  to: { schema: isoDate },
  moc: { schema: flag },
  /** PARS's "Activity Status". */
  status: { schema: z.enum(ACTIVITY_STATUSES, { error: "Choose active or inactive." }) },
  /** PARS's "Providership": directly or jointly provided. */
  providership: { schema: z.enum(PROVIDERSHIPS, { error: "Choose directly or jointly provided." }) },
  /** PARS's "Joint Provider Name": words of the partner's name. */
  jointProvider: { schema: wordsOf("Enter words of the joint provider's name.") },
  /** PARS's "State", "City" and "Country": where the accredited provider is. */
  providerState: {
    schema: z
      .string()
      .trim()
      .toUpperCase()
      .refine((v) => (US_STATE_CODES as readonly string[]).includes(v), "Choose a listed state."),
  },
  providerCity: { schema: z.string().trim().min(1).max(60, "Use at most 60 characters.").regex(/^[\p{L}\p{M}\p{N}' .\-’]+$/u, "Use letters, spaces, periods, apostrophes or hyphens only.") },
  providerCountry: { schema: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/, "Enter a two-letter country code, e.g. US or CA.") },
  board: {
    schema: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2,8}(-[A-Z])?$/, "Choose a listed board."),
  },
} satisfies Record<string, FilterSpec>;

export const ACTIVITY_FILTER_NAMES = Object.keys(ACTIVITY_FILTERS);

/**
 * The filters PARS's activity list offers that the panel draws from this list (label, kind, choices);
 * fields with a `group` are shown together under that heading, folded away until one is in use.
 */
export const ACTIVITY_PANEL_FIELDS: ReadonlyArray<
  (
    | { name: keyof typeof ACTIVITY_FILTERS; kind: "select"; label: string; anyLabel: string; options: ReadonlyArray<{ value: string; label: string }> }
    | { name: keyof typeof ACTIVITY_FILTERS; kind: "text"; label: string; hint: string }
  ) & { group?: string }
> = [
  { name: "status", kind: "select", label: "Activity status", anyLabel: "Active or inactive", options: ACTIVITY_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })) },
  { group: "Providership", name: "providership", kind: "select", label: "Provided", anyLabel: "Directly or jointly", options: PROVIDERSHIPS.map((p) => ({ value: p, label: PROVIDERSHIP_LABELS[p] })) },
  { group: "Providership", name: "jointProvider", kind: "text", label: "Joint provider", hint: "Words of the joint provider's name" },
  { group: "Provider's location", name: "providerState", kind: "select", label: "State", anyLabel: "Any state", options: US_STATE_CODES.map((code) => ({ value: code, label: code })) },
  { group: "Provider's location", name: "providerCity", kind: "text", label: "City", hint: "The city's name, or its first letters" },
  { group: "Provider's location", name: "providerCountry", kind: "text", label: "Country", hint: "Two-letter code, e.g. US" },
];

export interface ActivityRow {
  id: string;
  title: string;
  providerId: string;
  providerName: string;
  providerCity: string | null;
  providerState: string | null;
  providerCountry: string;
  /** The organization the activity was jointly provided with; null when directly provided. */
  jointProviderName: string | null;
  format: string;
  startDate: string;
  endDate: string;
  creditClaimDate: string | null;
  maxCmeCredits: number;
  maxMocCredits: number | null;
  moc: boolean;
  status: string;
  /** Records reported to the organisation's board(s) for this activity. */
  accepted: number;
  rejected: number;
  late: number;
}

export const ACTIVITY_COLUMNS: readonly ColumnDef<ActivityRow>[] = [
  { id: "title", width: "text", label: "Activity", sortable: true, exportValue: (r) => r.title },
  { id: "id", priority: 3, label: "Activity id", sortable: true, exportValue: (r) => r.id },
  { id: "provider", width: "text", label: "Provider", sortable: true, exportValue: (r) => r.providerName },
  { id: "format", priority: 3, label: "Format", sortable: true, exportValue: (r) => r.format },
  { id: "start", width: "narrow", label: "Starts", sortable: true, firstDir: "desc", exportValue: (r) => r.startDate, exportKind: "date" },
  { id: "end", width: "narrow", label: "Ends", sortable: true, firstDir: "desc", exportValue: (r) => r.endDate, exportKind: "date" },
  { id: "accepted", priority: 1, width: "narrow", label: "Accepted", sortable: true, firstDir: "desc", align: "right", exportValue: (r) => r.accepted, exportKind: "number" },
  { id: "rejected", priority: 1, width: "narrow", label: "Rejected", sortable: false, align: "right", exportValue: (r) => r.rejected, exportKind: "number" },
  { id: "late", priority: 1, width: "narrow", label: "Late", sortable: false, align: "right", exportValue: (r) => r.late, exportKind: "number" },
  { id: "maxCredits", priority: 3, label: "Max credits", sortable: false, align: "right", hiddenByDefault: true, exportValue: (r) => r.maxCmeCredits, exportKind: "number" },
  { id: "moc", priority: 3, label: "MOC", sortable: false, hiddenByDefault: true, exportValue: (r) => (r.moc ? "Yes" : "No") },
  { id: "maxMocCredits", label: "Max MOC credits", priority: 3, sortable: false, align: "right", hiddenByDefault: true, exportValue: (r) => r.maxMocCredits, exportKind: "number" },
  { id: "status", label: "Status", priority: 3, sortable: false, hiddenByDefault: true, exportValue: (r) => STATUS_LABELS[r.status as ActivityStatus] ?? r.status },
  { id: "jointProvider", label: "Joint provider", priority: 3, sortable: false, hiddenByDefault: true, exportValue: (r) => r.jointProviderName ?? "" },
  { id: "providerCity", label: "Provider's city", priority: 3, sortable: false, hiddenByDefault: true, exportValue: (r) => r.providerCity ?? "" },
  { id: "providerState", label: "Provider's state", priority: 3, sortable: false, hiddenByDefault: true, exportValue: (r) => r.providerState ?? "" },
  { id: "providerCountry", label: "Provider's country", priority: 3, sortable: false, hiddenByDefault: true, exportValue: (r) => r.providerCountry },
];

export const ACTIVITY_GRID: GridSpec<typeof ACTIVITY_FILTERS> = {
  filters: ACTIVITY_FILTERS,
  sorts: ACTIVITY_COLUMNS.filter((c) => c.sortable).map((c) => c.id),
  defaultSort: { id: "start", desc: true },
  columns: ACTIVITY_COLUMNS.map((c) => c.id),
};

export function parseActivitySearch(params: URLSearchParams, options: { multiBoard: boolean }): GridState<typeof ACTIVITY_FILTERS> {
  const state = parseGridState(ACTIVITY_GRID, params);
  const problem = dateRangeError(state.filters.from, state.filters.to);
  if (problem) {
    state.errors.to = problem;
    delete state.filters.from;
    delete state.filters.to;
  }
  if (state.filters.board && !options.multiBoard) {
    state.errors.board = "Your organization sees its own board only.";
    delete state.filters.board;
  }
  return state;
}
