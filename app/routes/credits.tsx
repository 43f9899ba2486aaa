// Credit search: every credit report in the organisation's scope, filtered, sorted and paged in
// PostgreSQL; all state in the URL. PARS's "Learner Search", for boards.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData, useLocation } from "@remix-run/react";
import { ACTIVITY_FORMATS, ENTRY_METHOD_LABELS, ENTRY_METHODS, MOC_CREDIT_TYPES, STATE_TOPICS } from "../../db/reference";
import { boardCodesInScope } from "~/auth/scope.server";
import { requireUser } from "~/auth/session.server";
import { creditCell } from "~/components/CreditCells";
import { DataTable } from "~/components/DataTable";
import { CheckboxFilter, DateRangeFilter, FilterPanel, SelectFilter, TextFilter, ToggleFilter } from "~/components/FilterPanel";
import { ColumnPicker, ExportMenu, PageSizeSelect, Pagination, ParamNotices, ResultCount, Toolbar } from "~/components/GridControls";
import { PageHeader } from "~/components/PageHeader";
import {
  activeFilterCount,
  ALL_CREDIT_TYPES,
  CREDIT_COLUMNS,
  CREDIT_FILTER_NAMES,
  parseCreditSearch,
  type CreditRow,
} from "~/lib/credit-search";
import { visibleColumns } from "~/lib/grid";
import { EXACT_COUNT_CAP, searchCreditReports } from "~/models/credits.server";

export const meta: MetaFunction = () => [{ title: "Credit search · CME Credit Verification" }];
export const handle = { wide: true };

const CONTROL_MESSAGES = ["sort", "dir", "size", "page", "cursor", "hide", "show"] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  const multiBoard = user.scope.boardCodes === null;
  const state = parseCreditSearch(params, { multiBoard });
  const [{ page, count }, boards] = await Promise.all([
    searchCreditReports(db, user.scope, state),
    multiBoard ? boardCodesInScope(db, user.scope) : Promise.resolve(user.scope.boardCodes ?? []),
  ]);
  const notices = CONTROL_MESSAGES.flatMap((key) => (state.errors[key] ? [state.errors[key]] : []));
  if (page.cursorRejected) notices.push("That page link no longer matches this search; showing the first page.");
  const filterErrors = Object.fromEntries(Object.entries(state.errors).filter(([key]) => !(CONTROL_MESSAGES as readonly string[]).includes(key)));
  const values = Object.fromEntries(CREDIT_FILTER_NAMES.map((name) => [name, params.getAll(name)]));
  return {
    org: user.org,
    multiBoard,
    boards,
    rows: page.rows,
    next: page.next,
    previous: page.previous,
    count: { ...count, cap: EXACT_COUNT_CAP },
    page: page.cursorRejected ? 1 : state.page,
    size: state.size,
    sort: state.sort,
    hidden: state.hidden,
    shown: state.shown,
    activeFilters: activeFilterCount(state.filters),
    filterErrors,
    notices,
    values,
  };
}

const FORMAT_OPTIONS = ACTIVITY_FORMATS.map((f) => ({ value: f, label: f }));
const ENTRY_OPTIONS = ENTRY_METHODS.map((m) => ({ value: m, label: ENTRY_METHOD_LABELS[m] }));

function creditTypeOptions(orgKind: string, orgCode: string) {
  const types = orgKind === "state_board" ? [...STATE_TOPICS] : orgKind === "certifying_board" ? [...(MOC_CREDIT_TYPES[orgCode] ?? [])] : [...ALL_CREDIT_TYPES];
  return types.sort().map((t) => ({ value: t, label: t }));
}

export default function CreditSearch() {
  const data = useLoaderData<typeof loader>();
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  const { values, filterErrors: errors } = data;
  const value = (name: string) => values[name]?.[0] ?? "";
  const visible = visibleColumns(CREDIT_COLUMNS, data.hidden, data.shown, data.multiBoard);
  const shownColumns = CREDIT_COLUMNS.filter((c) => !c.multiBoardOnly || data.multiBoard);
  const exportHref = (format: "csv" | "xlsx") => {
    const query = new URLSearchParams(params);
    for (const key of ["after", "before", "page", "size"] as const) query.delete(key);
    query.set("download", format);
    return `/credits/export?${query}`;
  };
  const scopeText = data.multiBoard ? "every board" : data.org.code;
  return (
    <>
      <PageHeader
        eyebrow="Credit reports"
        title="Credit search"
        description={`Credit that accredited providers reported to ${scopeText}. Filter, sort, and open a licensee or an activity.`}
      />
      <div className="search-layout">
        <FilterPanel activeCount={data.activeFilters}>
          <TextFilter name="last" label="Last name" value={value("last")} error={errors.last} hint="Starts with; accents and case ignored" />
          <TextFilter name="first" label="First name" value={value("first")} error={errors.first} />
          <TextFilter name="dob" label="Birth date (MM/DD)" value={value("dob")} error={errors.dob} placeholder="03/17" />
          {data.org.kind !== "certifying_board" ? (
            <TextFilter name="licence" label="Licence id" value={value("licence")} error={errors.licence} />
          ) : null}
          {data.org.kind !== "state_board" ? <TextFilter name="boardId" label="Board id" value={value("boardId")} error={errors.boardId} /> : null}
          <TextFilter name="npi" label="NPI" value={value("npi")} error={errors.npi} inputMode="numeric" />
          {data.multiBoard ? (
            <SelectFilter name="board" label="Board" value={value("board")} error={errors.board} anyLabel="All boards" options={data.boards.map((b) => ({ value: b, label: b }))} />
          ) : errors.board ? (
            <p className="filter-error" data-testid="error-board">{errors.board}</p>
          ) : null}
          <TextFilter name="activity" label="Activity" value={value("activity")} error={errors.activity} hint="9-digit activity id, or words of the title" />
          <TextFilter name="provider" label="Provider" value={value("provider")} error={errors.provider} hint="7-digit provider id, or words of the name" />
          <details className="filter-group" open={(values.format ?? []).length > 0 || Boolean(errors.format)}>
            <summary className="filter-label">Activity format</summary>
            <CheckboxFilter name="format" legend="Formats" values={values.format ?? []} options={FORMAT_OPTIONS} error={errors.format} />
          </details>
          <DateRangeFilter
            legend="Completion date"
            from={{ name: "completedFrom", value: value("completedFrom"), error: errors.completedFrom }}
            to={{ name: "completedTo", value: value("completedTo"), error: errors.completedTo }}
          />
          <DateRangeFilter
            legend="Submission date"
            from={{ name: "submittedFrom", value: value("submittedFrom"), error: errors.submittedFrom }}
            to={{ name: "submittedTo", value: value("submittedTo"), error: errors.submittedTo }}
          />
          <SelectFilter
            name="status"
            label="Status"
            value={value("status")}
            error={errors.status}
            options={[
              { value: "accepted", label: "Accepted" },
              { value: "rejected", label: "Rejected" },
            ]}
          />
          <SelectFilter
            name="creditType"
            label={data.org.kind === "certifying_board" ? "MOC credit type" : data.org.kind === "state_board" ? "Topic" : "Topic or credit type"}
            value={value("creditType")}
            error={errors.creditType}
            options={creditTypeOptions(data.org.kind, data.org.code)}
          />
          <details className="filter-group" open={(values.entry ?? []).length > 0 || Boolean(errors.entry)}>
            <summary className="filter-label">Entry method</summary>
            <CheckboxFilter name="entry" legend="Entry methods" values={values.entry ?? []} options={ENTRY_OPTIONS} error={errors.entry} />
          </details>
          <ToggleFilter name="late" label="Reported late only" checked={value("late") !== ""} error={errors.late} hint="Submitted more than 30 days after completion" />
        </FilterPanel>
        <section aria-labelledby="results-title">
          <h2 id="results-title" className="visually-hidden">
            Results
          </h2>
          <Toolbar count={<ResultCount count={data.count} noun={["credit report", "credit reports"]} />}>
            <ColumnPicker columns={shownColumns} visible={visible.map((c) => c.id)} />
            <PageSizeSelect size={data.size} />
            <ExportMenu href={exportHref} />
          </Toolbar>
          <ParamNotices messages={data.notices} />
          <DataTable<CreditRow>
            columns={shownColumns}
            visible={visible.map((c) => c.id)}
            rows={data.rows}
            rowId={(r) => r.id}
            cell={creditCell}
            sort={data.sort}
            caption="Credit reports matching the filters"
            cellClass={{ activity: "wrap", provider: "wrap" }}
            empty={
              <>
                <h3>No credit reports match these filters</h3>
                <p>Loosen a filter, or clear them all to see every credit report in your scope.</p>
              </>
            }
          />
          <Pagination page={data.page} previous={data.previous} next={data.next} size={data.size} shown={data.rows.length} />
        </section>
      </div>
    </>
  );
}

