// The credit search grid's URL schema and columns (browser-safe): the route, the model and the export
// all read the same definitions, so the screen, the query and the file cannot disagree.
import { z } from "zod";
import {
  ACTIVITY_FORMATS,
  CERTIFYING_BOARDS,
  ENTRY_METHOD_LABELS,
  ENTRY_METHODS,
  type EntryMethod,
  MOC_CREDIT_TYPES,
  REPORT_STATUSES,
  STATE_BOARDS,
  STATE_TOPICS,
} from "../../domain/reference";
import { FLAG_LABELS, type RecordFlag } from "./data-rules";
import { formatCredits } from "./format";
import {
  birthMonthDay,
  dateRangeError,
  flag,
  isoDate,
  learnerIdentifier,
  namePrefix,
  npi,
  parseGridState,
  type ColumnDef,
  type FilterSpec,
  type GridSpec,
  type GridState,
} from "./grid";

/** Every credit type a record can carry: state topics and certifying boards' MOC credit types. */
export const ALL_CREDIT_TYPES: readonly string[] = [
  ...new Set([...STATE_TOPICS, ...Object.values(MOC_CREDIT_TYPES).flat()]),
].sort();

/** An id, or words to find (an activity's title, a provider's name). */
export type IdOrWords = { kind: "id"; id: string } | { kind: "words"; words: string[] };

/** A 9-digit activity id, or words of its title. */
export const activityQuery = z
  .string()
  .trim()
  .min(1)
  .max(100, "Use at most 100 characters.")
  .transform((value, ctx): IdOrWords => {
    if (/^\d{9}$/.test(value)) return { kind: "id", id: value };
    const words = searchWords(value);
    if (words.length === 0) {
      ctx.addIssue({ code: "custom", message: "Enter a 9-digit activity id or words of the title." });
      return z.NEVER;
    }
    return { kind: "words", words };
  });

/** A 7-digit ACCME provider id, or words of the provider's name. */
export const providerQuery = z
  .string()
  .trim()
  .min(1)
  .max(100, "Use at most 100 characters.")
  .transform((value, ctx): IdOrWords => {
    if (/^\d{7}$/.test(value)) return { kind: "id", id: value };
    const words = searchWords(value);
    if (words.length === 0) {
      ctx.addIssue({ code: "custom", message: "Enter a 7-digit provider id or words of its name." });
      return z.NEVER;
    }
    return { kind: "words", words };
  });

/** Words for a full-text prefix search: letters and digits only, at most eight. */
export function searchWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8);
}

const enumOf = <T extends string>(values: readonly T[], what: string) =>
  z.enum(values as unknown as [T, ...T[]], { error: `Choose a listed ${what}.` });

/** Every board code a credit report can carry: state boards and certifying boards. */
export const BOARD_CODES: readonly string[] = [...STATE_BOARDS, ...CERTIFYING_BOARDS].map((b) => b.code);

const boardCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine((code) => BOARD_CODES.includes(code), "Choose a listed board.");

/** "yes" or "no": whether the activity offers a kind of credit. */
const yesNo = z.enum(["yes", "no"], { error: "Choose yes or no." });

export const CREDIT_FILTERS = {
  first: { schema: namePrefix },
  last: { schema: namePrefix },
  dob: { schema: birthMonthDay },
  licence: { schema: learnerIdentifier },
  boardId: { schema: learnerIdentifier },
  npi: { schema: npi },
  activity: { schema: activityQuery },
  provider: { schema: providerQuery },
  format: { schema: z.array(enumOf(ACTIVITY_FORMATS, "activity format")).max(ACTIVITY_FORMATS.length), multiple: true },
  completedFrom: { schema: isoDate },
  completedTo: { schema: isoDate },
  submittedFrom: { schema: isoDate },
  submittedTo: { schema: isoDate },
  status: { schema: enumOf(REPORT_STATUSES, "status") },
  entry: { schema: z.array(enumOf(ENTRY_METHODS, "entry method")).max(ENTRY_METHODS.length), multiple: true },
  creditType: { schema: enumOf(ALL_CREDIT_TYPES, "credit type") },
  late: { schema: flag },
  /** The activity offers MOC, MIPS or REMS credit (PARS's learner search flags). */
  moc: { schema: yesNo },
  mips: { schema: yesNo },
  rems: { schema: yesNo },
  /** One or more boards, for an organisation that sees several (ACCME). */
  board: { schema: z.array(boardCode).min(1).max(BOARD_CODES.length, "Choose each board once."), multiple: true },
} satisfies Record<string, FilterSpec>;

export type CreditFilterName = keyof typeof CREDIT_FILTERS;
export const CREDIT_FILTER_NAMES = Object.keys(CREDIT_FILTERS) as CreditFilterName[];

/** A credit report as the grid, the activity and licensee pages and the exports show it. */
export interface CreditRow {
  id: string;
  boardCode: string;
  boardLearnerId: string | null;
  completionDate: string;
  submittedAt: string;
  lagDays: number;
  entryMethod: string;
  status: string;
  rejectionReason: string | null;
  credits: number;
  creditTypes: Record<string, number>;
  learnerId: string;
  firstName: string;
  lastName: string;
  /** MM/DD */
  birthDate: string;
  npi: string | null;
  activityId: string;
  activityTitle: string;
  format: string;
  providerId: string;
  providerName: string;
  flags: RecordFlag[];
}

export function creditTypesText(types: Record<string, number>): string {
  return Object.entries(types)
    .map(([type, amount]) => `${type} ${formatCredits(amount)}`)
    .join("; ");
}

export function statusText(row: Pick<CreditRow, "status" | "rejectionReason">): string {
  return row.status === "rejected" ? `Rejected: ${row.rejectionReason ?? "no reason given"}` : "Accepted";
}

export function licenseeName(row: Pick<CreditRow, "firstName" | "lastName">): string {
  return `${row.lastName}, ${row.firstName}`;
}

export const CREDIT_COLUMNS: readonly ColumnDef<CreditRow>[] = [
  { id: "board", priority: 1, width: "narrow", label: "Board", sortable: true, multiBoardOnly: true, exportValue: (r) => r.boardCode },
  { id: "licensee", width: "text", label: "Licensee", sortable: true, exportValue: licenseeName },
  { id: "dob", priority: 3, label: "DOB", sortable: true, exportValue: (r) => r.birthDate },
  { id: "learnerId", priority: 3, label: "License / board ID", sortable: true, exportValue: (r) => r.boardLearnerId },
  { id: "npi", priority: 3, label: "NPI", sortable: true, hiddenByDefault: true, exportValue: (r) => r.npi },
  { id: "activity", width: "text", label: "Activity", sortable: true, exportValue: (r) => r.activityTitle },
  { id: "activityId", priority: 3, label: "Activity id", sortable: true, exportValue: (r) => r.activityId },
  { id: "provider", priority: 3, label: "Provider", sortable: true, exportValue: (r) => r.providerName },
  { id: "format", priority: 3, label: "Format", sortable: true, hiddenByDefault: true, exportValue: (r) => r.format },
  { id: "completed", width: "narrow", label: "Completed", sortable: true, firstDir: "desc", exportValue: (r) => r.completionDate, exportKind: "date" },
  { id: "submitted", width: "narrow", label: "Submitted", sortable: true, firstDir: "desc", exportValue: (r) => r.submittedAt, exportKind: "timestamp" },
  { id: "lag", priority: 3, label: "Lag (days)", sortable: true, firstDir: "desc", align: "right", hiddenByDefault: true, exportValue: (r) => r.lagDays, exportKind: "number" },
  { id: "credits", priority: 1, width: "narrow", label: "Credits", sortable: true, firstDir: "desc", align: "right", exportValue: (r) => r.credits, exportKind: "number" },
  { id: "creditTypes", width: "text", label: "Topics / credit types", sortable: false, exportValue: (r) => creditTypesText(r.creditTypes) },
  { id: "status", priority: 1, label: "Status", sortable: true, exportValue: statusText },
  { id: "entry", priority: 3, label: "Entry method", sortable: true, hiddenByDefault: true, exportValue: (r) => ENTRY_METHOD_LABELS[r.entryMethod as EntryMethod] ?? r.entryMethod },
  { id: "flags", priority: 1, width: "text", label: "Flags", sortable: false, exportValue: (r) => r.flags.map((f) => FLAG_LABELS[f]).join("; ") },
];

export type CreditColumnId = (typeof CREDIT_COLUMNS)[number]["id"];

export const CREDIT_GRID: GridSpec<typeof CREDIT_FILTERS> = {
  filters: CREDIT_FILTERS,
  sorts: CREDIT_COLUMNS.filter((c) => c.sortable).map((c) => c.id),
  defaultSort: { id: "submitted", desc: true },
  columns: CREDIT_COLUMNS.map((c) => c.id),
};


export interface CreditSearchOptions {
  /** The organisation sees more than one board (ACCME): the board filter applies. */
  multiBoard: boolean;
}

/**
 * The credit search's URL state for an organisation: the grid state, plus the checks that span
 * fields (date ranges in order) or depend on who asks (only ACCME filters by board). A value that
 * fails is reported under its field's name and left out; the rest of the search still runs.
 */
export function parseCreditSearch(params: URLSearchParams, options: CreditSearchOptions): GridState<typeof CREDIT_FILTERS> {
  const state = parseGridState(CREDIT_GRID, params);
  const { filters, errors } = state;
  for (const [from, to] of [["completedFrom", "completedTo"], ["submittedFrom", "submittedTo"]] as const) {
    const problem = dateRangeError(filters[from], filters[to]);
    if (problem) {
      errors[to] = problem;
      delete filters[from];
      delete filters[to];
    }
  }
  if (filters.board) {
    if (options.multiBoard) filters.board = [...new Set(filters.board)];
    else {
      // Never another board's rows, and never silently all of them: the filter is refused, with why.
      errors.board = "Your organization sees its own board only.";
      delete filters.board;
    }
  }
  return state;
}

/** How many filters are in use (for the panel's badge). */
export function activeFilterCount(filters: Record<string, unknown>): number {
  return Object.values(filters).filter((v) => v !== undefined && !(Array.isArray(v) && v.length === 0)).length;
}

/** Credit columns in the order given (a page's table, a transcript). */
const columnsById = (ids: readonly string[]) => ids.map((id) => CREDIT_COLUMNS.find((c) => c.id === id)).filter((c): c is ColumnDef<CreditRow> => c !== undefined);

/** An activity's learners: the record columns without the activity's own. */
export const ACTIVITY_LEARNER_COLUMNS = columnsById([
  "board", "licensee", "dob", "learnerId", "npi", "completed", "submitted", "lag", "credits", "creditTypes", "status", "entry", "flags",
]);

/** A licensee's records: the record columns without the licensee's own. */
export const LICENSEE_RECORD_COLUMNS = columnsById([
  "board", "activity", "activityId", "provider", "format", "completed", "submitted", "lag", "credits", "creditTypes", "status", "entry", "flags",
]);

/** One line per accepted activity on the verification transcript (CME Passport's layout). */
export const TRANSCRIPT_COLUMNS = columnsById(["board", "completed", "activity", "activityId", "provider", "credits", "creditTypes"]);
