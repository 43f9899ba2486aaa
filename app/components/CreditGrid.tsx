// The credit-report grid as every page shows it (credit search, an activity's learners): filters on
// the left, count, columns, page size and export above the table, pages below. Data comes from
// loadCreditGrid (app/models/credit-grid.server.ts); all state is in the URL.
import { useLocation } from "@remix-run/react";
import { ACTIVITY_FORMATS, ENTRY_METHOD_LABELS, ENTRY_METHODS, MOC_CREDIT_TYPES, STATE_TOPICS } from "../../domain/reference";
import { creditCell } from "~/components/CreditCells";
import { DataTable } from "~/components/DataTable";
import { CheckboxFilter, DateRangeFilter, FilterPanel, SelectFilter, TextFilter, ToggleFilter } from "~/components/FilterPanel";
import { ColumnPicker, ExportMenu, PageSizeSelect, Pagination, ParamNotices, ResultCount, Toolbar } from "~/components/GridControls";
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

export function CreditFilterPanel({ data, org, fields }: { data: CreditGridData; org: { kind: string; code: string }; fields: readonly CreditFilterField[] }) {
  const { values, filterErrors: errors } = data;
  const value = (name: string) => values[name]?.[0] ?? "";
  const has = (field: CreditFilterField) => fields.includes(field);
  return (
    <FilterPanel activeCount={data.activeFilters}>
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
        <p className="filter-error" data-testid="error-board">
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
    </FilterPanel>
  );
}

export function CreditGrid({ data, columns, exportPath, caption }: {
  data: CreditGridData;
  /** Every column this grid offers (visibility comes from the data). */
  columns: readonly ColumnDef<CreditRow>[];
  /** The export route; the current filters, sort and columns are added. */
  exportPath: string;
  caption: string;
}) {
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  const offered = columns.filter((c) => !c.multiBoardOnly || data.multiBoard);
  const exportHref = (format: "csv" | "xlsx") => {
    const query = new URLSearchParams(params);
    for (const key of ["after", "before", "page", "size"] as const) query.delete(key);
    query.set("download", format);
    return `${exportPath}?${query}`;
  };
  return (
    <section aria-labelledby="results-title">
      <h2 id="results-title" className="visually-hidden">
        Results
      </h2>
      <Toolbar count={<ResultCount count={data.count} noun={["credit report", "credit reports"]} />}>
        <ColumnPicker columns={offered} visible={data.visible} />
        <PageSizeSelect size={data.size} />
        <ExportMenu href={exportHref} />
      </Toolbar>
      <ParamNotices messages={data.notices} />
      <DataTable<CreditRow>
        columns={offered}
        visible={data.visible}
        rows={data.rows}
        rowId={(r) => r.id}
        cell={creditCell}
        sort={data.sort}
        caption={caption}
        cellClass={{ activity: "wrap", provider: "wrap" }}
        empty={
          <>
            <h3>No credit reports match these filters</h3>
            <p>Loosen a filter, or clear them all.</p>
          </>
        }
      />
      <Pagination page={data.page} previous={data.previous} next={data.next} size={data.size} shown={data.rows.length} />
    </section>
  );
}
