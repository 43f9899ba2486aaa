// Activities with credit reported to this board, with counts of its accepted, rejected and late
// records (PARS's "Learner Summary by Activity"). Filter, sort and page in PostgreSQL; URL state.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useLocation } from "@remix-run/react";
import type { ReactNode } from "react";
import { ACTIVITY_FORMATS } from "../../domain/reference";
import { boardCodesInScope } from "~/auth/scope.server";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { DataTable } from "~/components/DataTable";
import { CheckboxFilter, DateRangeFilter, FilterPanel, SelectFilter, TextFilter, ToggleFilter } from "~/components/FilterPanel";
import { ColumnPicker, ExportMenu, PageSizeSelect, Pagination, ParamNotices, ResultCount, Toolbar } from "~/components/GridControls";
import { PageHeader } from "~/components/PageHeader";
import { ACTIVITY_COLUMNS, ACTIVITY_FILTER_NAMES, parseActivitySearch, type ActivityRow } from "~/lib/activity-search";
import { activeFilterCount } from "~/lib/credit-search";
import { formatCount, formatCredits, formatDate } from "~/lib/format";
import { visibleColumns } from "~/lib/grid";
import { listActivities } from "~/models/activities.server";

export const meta: MetaFunction = () => [{ title: "Activities · CME Credit Verification" }];
export const handle = { wide: true };

const CONTROL_KEYS = ["sort", "dir", "size", "page", "cursor", "hide", "show"];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  const multiBoard = user.scope.boardCodes === null;
  const state = parseActivitySearch(params, { multiBoard });
  const [page, boards] = await Promise.all([
    listActivities(db, user.scope, state),
    multiBoard ? boardCodesInScope(db, user.scope) : Promise.resolve([]),
  ]);
  const notices = CONTROL_KEYS.flatMap((k) => (state.errors[k] ? [state.errors[k]] : []));
  if (page.cursorRejected) notices.push("That page link no longer matches this list; showing the first page.");
  const errors = Object.fromEntries(Object.entries(state.errors).filter(([k]) => !CONTROL_KEYS.includes(k)));
  return pageAnswer({
    org: user.org,
    multiBoard,
    boards,
    rows: page.rows,
    next: page.next,
    previous: page.previous,
    count: page.count,
    pages: page.count === null ? null : Math.ceil(page.count.value / state.size),
    page: page.cursorRejected ? 1 : state.page,
    size: state.size,
    sort: state.sort,
    visible: visibleColumns(ACTIVITY_COLUMNS, state.hidden, state.shown, multiBoard).map((c) => c.id),
    activeFilters: activeFilterCount(state.filters),
    errors,
    notices,
    values: Object.fromEntries(ACTIVITY_FILTER_NAMES.map((n) => [n, params.getAll(n)])) as Record<string, string[]>,
  }, [...notices, ...Object.keys(errors)]);
}

function activityCell(columnId: string, row: ActivityRow): ReactNode {
  switch (columnId) {
    case "title":
      return <Link to={`/activities/${row.id}`}>{row.title}</Link>;
    case "id":
      return <span className="mono">{row.id}</span>;
    case "provider":
      return (
        <>
          {row.providerName}
          <span className="sub mono">{row.providerId}</span>
        </>
      );
    case "format":
      return row.format;
    case "start":
      return formatDate(row.startDate);
    case "end":
      return formatDate(row.endDate);
    case "maxCredits":
      return formatCredits(row.maxCmeCredits);
    case "moc":
      return row.moc ? <span className="badge badge--neutral">MOC</span> : <span className="muted">—</span>;
    case "accepted":
      return formatCount(row.accepted);
    case "rejected":
      return row.rejected > 0 ? <span className="badge badge--error">{formatCount(row.rejected)}</span> : "0";
    case "late":
      return row.late > 0 ? <span className="badge badge--warn">{formatCount(row.late)}</span> : "0";
    default:
      return null;
  }
}

const FORMAT_OPTIONS = ACTIVITY_FORMATS.map((f) => ({ value: f, label: f }));

export default function Activities() {
  const data = useLoaderData<typeof loader>();
  const location = useLocation();
  const { values, errors } = data;
  const value = (name: string) => values[name]?.[0] ?? "";
  const exportHref = (format: "csv" | "xlsx") => {
    const query = new URLSearchParams(location.search);
    for (const key of ["after", "before", "page", "size"]) query.delete(key);
    query.set("download", format);
    return `/activities/export?${query}`;
  };
  return (
    <>
      <PageHeader
        eyebrow="Learner summary by activity"
        title="Activities"
        description={`Activities with credit reported to ${data.multiBoard ? "any board" : data.org.code}, with your accepted, rejected and late records for each.`}
      />
      <div className="search-layout">
        <FilterPanel activeCount={data.activeFilters}>
          <TextFilter name="activity" label="Activity" value={value("activity")} error={errors.activity} hint="9-digit activity id, or words of the title" />
          <TextFilter name="provider" label="Provider" value={value("provider")} error={errors.provider} hint="7-digit provider id, or words of the name" />
          {data.multiBoard ? (
            <SelectFilter name="board" label="Board" value={value("board")} error={errors.board} anyLabel="All boards" options={data.boards.map((b) => ({ value: b, label: b }))} />
          ) : errors.board ? (
            <p className="filter-error">{errors.board}</p>
          ) : null}
          <DateRangeFilter legend="Running between" from={{ name: "from", value: value("from"), error: errors.from }} to={{ name: "to", value: value("to"), error: errors.to }} />
          <details className="filter-group filter-disclosure" open={(values.format ?? []).length > 0 || Boolean(errors.format)}>
            <summary className="filter-label">Activity format</summary>
            <CheckboxFilter name="format" legend="Formats" values={values.format ?? []} options={FORMAT_OPTIONS} error={errors.format} />
          </details>
          <ToggleFilter name="moc" label="Registered for MOC only" checked={value("moc") !== ""} error={errors.moc} />
        </FilterPanel>
        <section aria-labelledby="results-title">
          <h2 id="results-title" className="visually-hidden">
            Activities
          </h2>
          <Toolbar count={<ResultCount count={data.count} noun={["activity", "activities"]} />}>
            <ColumnPicker columns={ACTIVITY_COLUMNS} visible={data.visible} />
            <PageSizeSelect size={data.size} />
            <ExportMenu href={exportHref} />
          </Toolbar>
          <ParamNotices messages={data.notices} />
          <DataTable<ActivityRow>
            columns={ACTIVITY_COLUMNS}
            visible={data.visible}
            rows={data.rows}
            rowId={(r) => r.id}
            cell={activityCell}
            sort={data.sort}
            caption="Activities with credit reported to your organization"
            cellClass={{ title: "wrap", provider: "wrap" }}
            empty={
              <>
                <h3>No activities match these filters</h3>
                <p>Loosen a filter, or clear them all.</p>
              </>
            }
          />
          <Pagination page={data.page} previous={data.previous} next={data.next} size={data.size} shown={data.rows.length} />
        </section>
      </div>
    </>
  );
}
