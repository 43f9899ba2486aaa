// The credit-report grid as every page shows it (credit search, an activity's learners, a licensee's
// records): its filter fields and cells inside the one <GridSection>. Data comes from loadCreditGrid
// (app/models/credit-grid.server.ts); all state is in the URL.
import { ACTIVITY_FORMATS, ENTRY_METHOD_LABELS, ENTRY_METHODS, MOC_CREDIT_TYPES, STATE_TOPICS } from "../../domain/reference";
import { creditCell } from "~/components/CreditCells";
import { CheckboxFilter, DateRangeFilter, SelectFilter, TextFilter, ToggleFilter } from "~/components/FilterPanel";
import { GridSection } from "~/components/GridSection";
import { ALL_CREDIT_TYPES, type CreditRow } from "~/lib/credit-search";
import type { ColumnDef } from "~/lib/grid";
import type { CreditGridData } from "~/models/credit-grid.server";

/** The filter fields a grid can offer, in panel order. */
export type CreditFilterField =
  | "last"
  | "first"
  | "dob"
  | "licence"
  | "boardId"
  | "npi"
  | "board"
  | "activity"
  | "provider"
  | "format"
  | "completed"
  | "submitted"
  | "status"
  | "creditType"
  | "entry"
  | "late"
  | "offers";

export const ALL_CREDIT_FILTER_FIELDS: readonly CreditFilterField[] = [
  "last", "first", "dob", "licence", "boardId", "npi", "board", "activity", "provider", "format", "completed", "submitted", "status", "creditType", "entry", "late", "offers",
];

const FORMAT_OPTIONS = ACTIVITY_FORMATS.map((f) => ({ value: f, label: f }));
const ENTRY_OPTIONS = ENTRY_METHODS.map((m) => ({ value: m, label: ENTRY_METHOD_LABELS[m] }));
const YES_NO = [
  { value: "yes", label: "Yes" },
  { value: "no", label: "No" },
];
/** What an activity can offer besides AMA PRA Category 1 credit (PARS's learner search flags). */
const OFFERS = [
  ["moc", "Offers MOC"],
  ["mips", "Offers MIPS"],
  ["rems", "Offers REMS"],
] as const;
const STATUS_OPTIONS = [
  { value: "accepted", label: "Accepted" },
  { value: "rejected", label: "Rejected" },
];

function creditTypeOptions(org: { kind: string; code: string }) {
  const types =
    org.kind === "state_board" ? [...STATE_TOPICS] : org.kind === "certifying_board" ? [...(MOC_CREDIT_TYPES[org.code] ?? [])] : [...ALL_CREDIT_TYPES];
  return types.sort().map((t) => ({ value: t, label: t }));
}

/** Each filter's label, for the summary of filters that could not be used. */
export function creditFilterLabels(org: { kind: string }): Record<string, string> {
  return {
    last: "Last name",
    first: "First name",
    dob: "Birth date",
    licence: "License number",
    boardId: "Board ID",
    npi: "NPI",
    board: "Board",
    activity: "Activity",
    provider: "Provider",
    format: "Activity format",
    completedFrom: "Completion date from",
    completedTo: "Completion date to",
    submittedFrom: "Submission date from",
    submittedTo: "Submission date to",
    status: "Status",
    creditType: org.kind === "certifying_board" ? "MOC credit type" : org.kind === "state_board" ? "Topic" : "Topic or credit type",
    entry: "Entry method",
    late: "Reported late",
  };
}

export function CreditFilterFields({ data, org, fields }: { data: CreditGridData; org: { kind: string; code: string }; fields: readonly CreditFilterField[] }) {
  const { values, filterErrors: errors } = data;
  const value = (name: string) => values[name]?.[0] ?? "";
  const has = (field: CreditFilterField) => fields.includes(field);
  return (
    <>
      {has("last") ? <TextFilter name="last" label="Last name" value={value("last")} error={errors.last} hint="Starts with; accents and case ignored" /> : null}
      {has("first") ? <TextFilter name="first" label="First name" value={value("first")} error={errors.first} /> : null}
      {has("dob") ? <TextFilter name="dob" label="Birth date (MM/DD)" value={value("dob")} error={errors.dob} placeholder="03/17" /> : null}
      {has("licence") && org.kind !== "certifying_board" ? <TextFilter name="licence" label="License number" value={value("licence")} error={errors.licence} /> : null}
      {has("boardId") && org.kind !== "state_board" ? <TextFilter name="boardId" label="Board ID" value={value("boardId")} error={errors.boardId} /> : null}
      {has("npi") ? <TextFilter name="npi" label="NPI" value={value("npi")} error={errors.npi} inputMode="numeric" /> : null}
      {has("board") && data.multiBoard ? (
        <details className="filter-group filter-disclosure" open={(values.board ?? []).length > 0 || Boolean(errors.board)}>
          <summary className="filter-label">Boards</summary>
          <CheckboxFilter name="board" legend="Boards (none checked: all)" values={values.board ?? []} options={data.boards.map((b) => ({ value: b, label: b }))} error={errors.board} />
        </details>
      ) : errors.board ? (
        <p className="filter-error" id="f-board" tabIndex={-1} data-testid="error-board">
          {errors.board}
        </p>
      ) : null}
      {has("activity") ? <TextFilter name="activity" label="Activity" value={value("activity")} error={errors.activity} hint="9-digit activity id, or words of the title" /> : null}
      {has("provider") ? <TextFilter name="provider" label="Provider" value={value("provider")} error={errors.provider} hint="7-digit provider id, or words of the name" /> : null}
      {has("format") ? (
        <details className="filter-group filter-disclosure" open={(values.format ?? []).length > 0 || Boolean(errors.format)}>
          <summary className="filter-label">Activity format</summary>
          <CheckboxFilter name="format" legend="Formats" values={values.format ?? []} options={FORMAT_OPTIONS} error={errors.format} />
        </details>
      ) : null}
      {has("completed") ? (
        <DateRangeFilter
          legend="Completion date"
          from={{ name: "completedFrom", value: value("completedFrom"), error: errors.completedFrom }}
          to={{ name: "completedTo", value: value("completedTo"), error: errors.completedTo }}
        />
      ) : null}
      {has("submitted") ? (
        <DateRangeFilter
          legend="Submission date"
          from={{ name: "submittedFrom", value: value("submittedFrom"), error: errors.submittedFrom }}
          to={{ name: "submittedTo", value: value("submittedTo"), error: errors.submittedTo }}
        />
      ) : null}
      {has("status") ? <SelectFilter name="status" label="Status" value={value("status")} error={errors.status} options={STATUS_OPTIONS} /> : null}
      {has("creditType") ? (
        <SelectFilter
          name="creditType"
          label={org.kind === "certifying_board" ? "MOC credit type" : org.kind === "state_board" ? "Topic" : "Topic or credit type"}
          value={value("creditType")}
          error={errors.creditType}
          options={creditTypeOptions(org)}
        />
      ) : null}
      {has("entry") ? (
        <details className="filter-group filter-disclosure" open={(values.entry ?? []).length > 0 || Boolean(errors.entry)}>
          <summary className="filter-label">Entry method</summary>
          <CheckboxFilter name="entry" legend="Entry methods" values={values.entry ?? []} options={ENTRY_OPTIONS} error={errors.entry} />
        </details>
      ) : null}
      {has("offers")
        ? OFFERS.map(([name, label]) => <SelectFilter key={name} name={name} label={label} value={value(name)} error={errors[name]} options={YES_NO} />)
        : null}
      {has("late") ? (
        <ToggleFilter name="late" label="Reported late only" checked={value("late") !== ""} error={errors.late} hint="Submitted more than 30 days after completion" />
      ) : null}
    </>
  );
}

export function CreditGrid({ data, org, fields, columns, exportPath, caption }: {
  data: CreditGridData;
  org: { kind: string; code: string };
  /** The filter fields this page offers. */
  fields: readonly CreditFilterField[];
  /** Every column this grid offers (visibility comes from the data). */
  columns: readonly ColumnDef<CreditRow>[];
  /** The export route; the current filters, sort and columns are added. */
  exportPath: string;
  caption: string;
}) {
  return (
    <GridSection<CreditRow>
      grid={data}
      columns={columns}
      cell={creditCell}
      rowId={(r) => r.id}
      caption={caption}
      title="Results"
      noun={["credit report", "credit reports"]}
      exportPath={exportPath}
      filters={<CreditFilterFields data={data} org={org} fields={fields} />}
      filterLabels={creditFilterLabels(org)}
      cellClass={{ activity: "wrap", provider: "wrap" }}
      empty={
        <>
          <h3>No credit reports match these filters</h3>
          <p>Loosen a filter, or clear them all.</p>
        </>
      }
    />
  );
}
