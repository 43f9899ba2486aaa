// The activity list's URL schema and columns (browser-safe): PARS's "Learner Summary by Activity",
// scoped to the board. Shared by the route, the model and the export.
import { z } from "zod";
import { ACTIVITY_FORMATS } from "../../domain/reference";
import { activityQuery, providerQuery } from "./credit-search";
import { formatCredits } from "./format";
import { dateRangeError, flag, isoDate, parseGridState, type ColumnDef, type FilterSpec, type GridSpec, type GridState } from "./grid";

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
  board: {
    schema: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2,8}(-[A-Z])?$/, "Choose a listed board."),
  },
} satisfies Record<string, FilterSpec>;

export const ACTIVITY_FILTER_NAMES = Object.keys(ACTIVITY_FILTERS);

export interface ActivityRow {
  id: string;
  title: string;
  providerId: string;
  providerName: string;
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
  { id: "accepted", priority: 1, width: "narrow", label: "Accepted", sortable: false, align: "right", exportValue: (r) => r.accepted, exportKind: "number" },
  { id: "rejected", priority: 1, width: "narrow", label: "Rejected", sortable: false, align: "right", exportValue: (r) => r.rejected, exportKind: "number" },
  { id: "late", priority: 1, width: "narrow", label: "Late", sortable: false, align: "right", exportValue: (r) => r.late, exportKind: "number" },
  { id: "maxCredits", priority: 3, label: "Max credits", sortable: false, align: "right", hiddenByDefault: true, exportValue: (r) => r.maxCmeCredits, exportKind: "number" },
  { id: "moc", priority: 3, label: "MOC", sortable: false, hiddenByDefault: true, exportValue: (r) => (r.moc ? `Yes (max ${r.maxMocCredits === null ? "—" : formatCredits(r.maxMocCredits)})` : "No") },
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
