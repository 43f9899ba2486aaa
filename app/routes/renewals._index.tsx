// The renewal queue: licensees whose cycle ends in a window, with the status the compliance engine
// computed for each (meets, short by how much, nothing reported, needs review). Filter, sort and
// keyset-page in PostgreSQL; URL state; export; bulk "compliant" and audit samples from here.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useLocation } from "@remix-run/react";
import { requireUser } from "~/auth/session.server";
import { pageAnswer } from "~/lib/input-status.server";
import { DataTable } from "~/components/DataTable";
import { CheckboxFilter, DateRangeFilter, FilterPanel, SelectFilter, TextFilter } from "~/components/FilterPanel";
import { ColumnPicker, ExportMenu, PageSizeSelect, Pagination, ParamNotices, ResultCount, Toolbar } from "~/components/GridControls";
import { PageHeader } from "~/components/PageHeader";
import { renewalCell } from "~/components/RenewalCells";
import { activeFilterCount } from "~/lib/credit-search";
import { formatCount, formatDate } from "~/lib/format";
import { visibleColumns } from "~/lib/grid";
import {
  DECISION_OUTCOMES,
  ENTRY_STATUSES,
  MATCH_LABELS,
  MATCH_QUALITIES,
  OUTCOME_LABELS,
  RENEWAL_COLUMNS,
  RENEWAL_FILTER_NAMES,
  ROSTER_FILTER_LABELS,
  ROSTER_FILTERS,
  STATUS_LABELS,
  type RenewalRow,
} from "~/lib/renewal-search";
import { countBulkCompliant } from "~/models/decisions.server";
import { canSupervise, renewalState } from "~/models/renewal-page.server";
import { listRenewals, statusSummary } from "~/models/renewal-queue.server";
import { statusFreshnessView } from "~/models/status-runner.server";
import { StatusFreshness } from "~/components/StatusFreshness";
import { auditView, viewFilters } from "~/models/view-audit.server";

export const meta: MetaFunction = () => [{ title: "Renewals · CME Credit Verification" }];
export const handle = { wide: true };

const CONTROL_KEYS = ["sort", "dir", "size", "page", "cursor", "hide", "show"];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  const { state } = await renewalState(db, user, params);
  // With no filter but the window and status, the count is the summary's (one scan fewer).
  // (The summary counts the current roster: a roster filter needs the count of its own.)
  const onlyStatus = Object.keys(state.filters).every((k) => ["endFrom", "endTo", "status"].includes(k));
  const [page, summary, meetsUndecided, freshness] = await Promise.all([
    listRenewals(db, user.org.code, state, { count: !onlyStatus }),
    statusSummary(db, user.org.code, state.window),
    countBulkCompliant(db, user.org.code, state.window, state.filters),
    statusFreshnessView(db, context.services.statuses, user.org.code),
  ]);
  const count = onlyStatus
    ? Object.entries(summary).reduce((n, [status, value]) => (!state.filters.status?.length || (state.filters.status as string[]).includes(status) ? n + value : n), 0)
    : page.count;
  auditView(context, user, { action: "renewals.view", detail: { filters: viewFilters(params) }, rows: page.rows.length });
  const notices = CONTROL_KEYS.flatMap((k) => (state.errors[k] ? [state.errors[k]] : []));
  if (page.cursorRejected) notices.push("That page link no longer matches this list; showing the first page.");
  const errors = Object.fromEntries(Object.entries(state.errors).filter(([k]) => !CONTROL_KEYS.includes(k)));
  return pageAnswer({
    org: user.org,
    bulkRecorded: /^\d{1,7}$/.test(params.get("bulkRecorded") ?? "") ? Number(params.get("bulkRecorded")) : null,
    canSupervise: canSupervise(user),
    window: state.window,
    freshness,
    summary,
    meetsUndecided,
    rows: page.rows,
    next: page.next,
    previous: page.previous,
    count: { value: count, exact: true, cap: Number.MAX_SAFE_INTEGER },
    page: page.cursorRejected ? 1 : state.page,
    size: state.size,
    sort: state.sort,
    visible: visibleColumns(RENEWAL_COLUMNS, state.hidden, state.shown, false).map((c) => c.id),
    activeFilters: activeFilterCount(state.filters),
    errors,
    notices,
    values: Object.fromEntries(RENEWAL_FILTER_NAMES.map((n) => [n, params.getAll(n)])) as Record<string, string[]>,
  }, [...notices, ...Object.keys(errors)]);
}

const STATUS_OPTIONS = ENTRY_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }));
const MATCH_OPTIONS = MATCH_QUALITIES.map((m) => ({ value: m, label: MATCH_LABELS[m] }));
const ROSTER_OPTIONS = ROSTER_FILTERS.filter((r) => r !== "current").map((r) => ({ value: r, label: ROSTER_FILTER_LABELS[r] }));
const DECISION_OPTIONS = [
  { value: "undecided", label: "No decision yet" },
  { value: "decided", label: "Any decision" },
  ...DECISION_OUTCOMES.map((o) => ({ value: o, label: OUTCOME_LABELS[o] })),
];
const SUMMARY_ORDER = ["meets", "short", "nothing", "needs_review", "unmatched", "no_cycle"] as const;

export default function Renewals() {
  const data = useLoaderData<typeof loader>();
  const location = useLocation();
  const { values, errors } = data;
  const value = (name: string) => values[name]?.[0] ?? "";
  const withoutPaging = () => {
    const query = new URLSearchParams(location.search);
    for (const key of ["after", "before", "page"]) query.delete(key);
    return query;
  };
  const exportHref = (format: "csv" | "xlsx") => {
    const query = withoutPaging();
    query.delete("size");
    query.set("download", format);
    return `/renewals/export?${query}`;
  };
  const statusHref = (status: string) => {
    const query = withoutPaging();
    query.delete("status");
    query.set("endFrom", data.window.from);
    query.set("endTo", data.window.to);
    query.append("status", status);
    return `/renewals?${query}`;
  };
  const total = SUMMARY_ORDER.reduce((n, s) => n + data.summary[s], 0) + data.summary.pending;
  const windowQuery = new URLSearchParams({ endFrom: data.window.from, endTo: data.window.to });
  const bulkQuery = withoutPaging();
  bulkQuery.set("endFrom", data.window.from);
  bulkQuery.set("endTo", data.window.to);
  return (
    <>
      <PageHeader
        eyebrow="Renewal verification"
        title="Renewal queue"
        description={
          <>
            Licensees on your rosters whose cycle ends between <strong>{formatDate(data.window.from)}</strong> and{" "}
            <strong>{formatDate(data.window.to)}</strong>, checked against{" "}
            <Link to="/renewals/rules">{data.org.code}&rsquo;s requirement rules</Link>.
          </>
        }
        actions={
          <>
            <Link className="button button--secondary button--small" to={`/renewals/samples?${windowQuery}`}>
              Draw audit sample
            </Link>
            <Link
              className={data.meetsUndecided > 0 ? "button button--primary button--small" : "button button--secondary button--small"}
              to={`/renewals/bulk?${bulkQuery}`}
              aria-disabled={data.meetsUndecided === 0}
            >
              Mark {formatCount(data.meetsUndecided)} who meet as compliant…
            </Link>
          </>
        }
      />
      <StatusFreshness freshness={data.freshness} />
      {data.bulkRecorded !== null ? (
        <div className="notice notice--ok" role="status" data-testid="bulk-recorded">
          {formatCount(data.bulkRecorded)} compliant {data.bulkRecorded === 1 ? "decision" : "decisions"} recorded and saved.
        </div>
      ) : null}
      <ul className="status-strip" aria-label={`Cohort of ${formatCount(total)} in this window, by status`}>
        {[...SUMMARY_ORDER, ...(data.summary.pending > 0 ? (["pending"] as const) : [])].map((s) => (
          <li key={s}>
            <Link to={statusHref(s)} className={`status-strip__item status-strip__item--${s}`} data-testid={`summary-${s}`}>
              <span className="status-strip__value">{formatCount(data.summary[s])}</span>
              <span className="status-strip__label">{STATUS_LABELS[s]}</span>
            </Link>
          </li>
        ))}
      </ul>
      <div className="search-layout">
        <FilterPanel activeCount={data.activeFilters}>
          <DateRangeFilter
            legend="Cycle ends between"
            from={{ name: "endFrom", value: value("endFrom") || data.window.from, error: errors.endFrom }}
            to={{ name: "endTo", value: value("endTo") || data.window.to, error: errors.endTo }}
          />
          <CheckboxFilter name="status" legend="Status" values={values.status ?? []} options={STATUS_OPTIONS} error={errors.status} />
          <SelectFilter name="decision" label="Decision" value={value("decision")} error={errors.decision} options={DECISION_OPTIONS} />
          <SelectFilter name="roster" label="On the roster" value={value("roster")} error={errors.roster} options={ROSTER_OPTIONS} anyLabel={ROSTER_FILTER_LABELS.current} />
          <TextFilter name="lastName" label="Last name" value={value("lastName")} error={errors.lastName} hint="Beginning of the name; accents and case ignored" />
          <TextFilter name="key" label="Licence / board id" value={value("key")} error={errors.key} />
          <details className="filter-group filter-disclosure" open={(values.match ?? []).length > 0 || Boolean(errors.match)}>
            <summary className="filter-label">Matched by</summary>
            <CheckboxFilter name="match" legend="Match quality" values={values.match ?? []} options={MATCH_OPTIONS} error={errors.match} />
          </details>
        </FilterPanel>
        <section aria-labelledby="results-title">
          <h2 id="results-title" className="visually-hidden">
            Licensees due for renewal
          </h2>
          <Toolbar count={<ResultCount count={data.count} noun={["licensee", "licensees"]} />}>
            <ColumnPicker columns={RENEWAL_COLUMNS} visible={data.visible} />
            <PageSizeSelect size={data.size} />
            <ExportMenu href={exportHref} />
          </Toolbar>
          <ParamNotices messages={data.notices} />
          <DataTable<RenewalRow>
            columns={RENEWAL_COLUMNS}
            visible={data.visible}
            rows={data.rows}
            rowId={(r) => r.id}
            cell={renewalCell}
            sort={data.sort}
            caption="Licensees whose cycle ends in the window, with their computed status"
            cellClass={{ shortfall: "wrap" }}
            empty={
              <>
                <h3>No licensees in this window match</h3>
                <p>
                  Widen the window or clear the filters. Rosters are uploaded on the <Link to="/rosters">Rosters</Link> page.
                </p>
              </>
            }
          />
          <Pagination page={data.page} previous={data.previous} next={data.next} size={data.size} shown={data.rows.length} />
        </section>
      </div>
    </>
  );
}
