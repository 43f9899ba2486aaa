// The renewal queue: licensees whose cycle ends in a window, with the status the compliance engine
// computed for each (meets, short by how much, nothing reported, needs review). Filter, sort and
// keyset-page in PostgreSQL; URL state; export; bulk "compliant" and audit samples from here.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useLocation } from "@remix-run/react";
import { addDays } from "../../domain/calendar";
import { orgWords } from "../../domain/org-words";
import type { OrganisationKind } from "../../domain/reference";
import { BOARD_KINDS, can, requireUser } from "~/auth/permissions.server";
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
  RENEWAL_FILTER_NAMES,
  renewalColumns,
  ROSTER_FILTER_LABELS,
  ROSTER_FILTERS,
  STATUS_LABELS,
  type QueueWording,
  type RenewalRow,
} from "~/lib/renewal-search";
import { countBulkCompliant } from "~/models/decisions.server";
import { renewalState } from "~/models/renewal-page.server";
import { listRenewals, statusSummary, type RenewalPage } from "~/models/renewal-queue.server";
import { shortSplit } from "~/models/renewal-shortfalls.server";
import { statusFreshnessView } from "~/models/status-runner.server";
import { StatusFreshness } from "~/components/StatusFreshness";
import { auditView, viewFilters } from "~/models/view-audit.server";
import { getRuleSet } from "~/models/rules.server";
import { requirementLabel } from "../../domain/requirement-rules";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data && data.org.kind === "certifying_board" ? "Certification cycles" : "Renewals"} · CME Credit Verification` },
];
export const handle = { wide: true };

const CONTROL_KEYS = ["sort", "dir", "size", "page", "cursor", "hide", "show"];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  const { state, today, measures } = await renewalState(db, user, params);
  // "Applicability not known": the requirements that bind only some licensees are the ones offered.
  const stored = await getRuleSet(db, user.org.code);
  const unknownOptions = [
    { value: "any", label: "Any requirement" },
    ...(stored?.rule.requirements ?? []).filter((r) => r.appliesTo).map((r) => ({ value: r.id, label: requirementLabel(r) })),
  ];
  if (state.filters.unknown && !unknownOptions.some((o) => o.value === state.filters.unknown)) {
    state.errors.unknown = "Choose a listed requirement.";
    delete state.filters.unknown;
  }
  // A filter that could not be read lists nothing (its message says why): the rows of a wider list
  // would pass for the filtered one ("short in Patient Safety" showing everyone).
  const refused = Object.keys(state.errors).some((k) => !CONTROL_KEYS.includes(k));
  // With no filter but the window and status, the count is the summary's (one scan fewer).
  // (The summary counts the current roster: a roster filter needs the count of its own.)
  const onlyStatus = Object.keys(state.filters).every((k) => ["endFrom", "endTo", "status"].includes(k));
  const nothing: RenewalPage = { rows: [], next: null, previous: null, cursorRejected: false, count: 0 };
  // Short / nothing split into ended and open cycles: read only when the window straddles today.
  const straddles = state.window.from < today && state.window.to >= today;
  const [page, summary, meetsUndecided, straddling, freshness] = await Promise.all([
    refused ? nothing : listRenewals(db, user.org.code, { ...state, today }, { count: !onlyStatus }),
    statusSummary(db, user.org.code, state.window),
    refused ? 0 : countBulkCompliant(db, user.org.code, state.window, state.filters),
    straddles ? shortSplit(db, user.org.code, state.window, today) : null,
    statusFreshnessView(db, context.services.statuses, user.org.code),
  ]);
  const open = state.window.from >= today;
  const split = straddling ?? {
    short: { ended: open ? 0 : summary.short, open: open ? summary.short : 0 },
    nothing: { ended: open ? 0 : summary.nothing, open: open ? summary.nothing : 0 },
  };
  const count = refused
    ? 0
    : onlyStatus
      ? Object.entries(summary).reduce((n, [status, value]) => (!state.filters.status?.length || (state.filters.status as string[]).includes(status) ? n + value : n), 0)
      : page.count;
  auditView(context, user, { action: "renewals.view", detail: { filters: viewFilters(params) }, rows: page.rows.length });
  const notices = CONTROL_KEYS.flatMap((k) => (state.errors[k] ? [state.errors[k]] : []));
  if (page.cursorRejected) notices.push("That page link no longer matches this list; showing the first page.");
  const errors = Object.fromEntries(Object.entries(state.errors).filter(([k]) => !CONTROL_KEYS.includes(k)));
  return pageAnswer({
    org: user.org,
    today,
    refused,
    measures: measures.measures.map((m) => ({ id: m.id, label: m.label })),
    unit: measures.unit,
    shortIn: measures.measures.find((m) => m.id === state.filters.short) ?? null,
    split,
    bulkRecorded: /^\d{1,7}$/.test(params.get("bulkRecorded") ?? "") ? Number(params.get("bulkRecorded")) : null,
    canSupervise: can(user, "manage"),
    window: state.window,
    freshness,
    summary,
    meetsUndecided,
    rows: page.rows,
    next: page.next,
    previous: page.previous,
    count: { value: count, exact: true as const },
    pages: Math.ceil(count / state.size),
    page: page.cursorRejected ? 1 : state.page,
    size: state.size,
    sort: state.sort,
    visible: visibleColumns(renewalColumns({ words: orgWords(user.org.kind as OrganisationKind), unit: measures.unit }), state.hidden, state.shown, false).map((c) => c.id),
    activeFilters: activeFilterCount(state.filters),
    errors,
    notices,
    values: Object.fromEntries(RENEWAL_FILTER_NAMES.map((n) => [n, params.getAll(n)])) as Record<string, string[]>,
    unknownOptions,
  }, [...notices, ...Object.keys(errors)]);
}

// "Short" and "nothing" cover open cycles too (see statusLabel): the filter says so.
const STATUS_OPTIONS = ENTRY_STATUSES.map((s) => ({ value: s, label: s === "short" ? "Short or not yet met" : s === "nothing" ? "Nothing reported (yet)" : STATUS_LABELS[s] }));
/** The deadline window's quick choices: cycles ending within so many days from today. */
const QUICK_WINDOWS = [30, 90, 180] as const;
const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** "Short" and "nothing" cover open and ended cycles: the strip says which, in numbers. */
function summaryLabel(status: (typeof SUMMARY_ORDER)[number] | "pending", split: Record<"short" | "nothing", { ended: number; open: number }>): { label: string; detail?: string } {
  if (status !== "short" && status !== "nothing") return { label: STATUS_LABELS[status] };
  if (split[status].ended === 0 && split[status].open === 0) return { label: status === "short" ? "Short or not yet met" : STATUS_LABELS.nothing };
  const { ended, open } = split[status];
  const endedWord = status === "short" ? "short at cycle end" : "ended with nothing";
  if (ended > 0 && open > 0) return { label: status === "short" ? "Short or not yet met" : STATUS_LABELS.nothing, detail: `${formatCount(ended)} ${endedWord}, ${formatCount(open)} cycle still open` };
  if (open > 0) return { label: status === "short" ? "Not yet met (cycle open)" : "Nothing reported yet (cycle open)" };
  return { label: status === "short" ? "Short at cycle end" : STATUS_LABELS.nothing };
}
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
  const words = orgWords(data.org.kind as OrganisationKind);
  const wording: QueueWording = { words, unit: data.unit, shortIn: data.shortIn ?? undefined };
  const columns = renewalColumns(wording);
  const certifying = data.org.kind === "certifying_board";
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
  // Short in one measure, most short first, in the same window (the sort falls back to the default for it).
  const shortHref = (id: string | null) => {
    const query = withoutPaging();
    for (const key of ["short", "sort", "dir"]) query.delete(key);
    query.set("endFrom", data.window.from);
    query.set("endTo", data.window.to);
    if (id) query.set("short", id);
    return `/renewals?${query}`;
  };
  const quickHref = (days: number) => {
    const query = withoutPaging();
    query.set("endFrom", data.today);
    query.set("endTo", addDays(data.today, days));
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
        eyebrow={certifying ? "Continuing certification" : "Renewal verification"}
        title={certifying ? "Certification cycle queue" : "Renewal queue"}
        description={
          <>
            {words.People} on your rosters whose {words.deadline} falls between <strong>{formatDate(data.window.from)}</strong> and{" "}
            <strong>{formatDate(data.window.to)}</strong>, checked against{" "}
            <Link to="/renewals/rules">{data.org.code}&rsquo;s requirement rules</Link>. A cycle that has not ended is &ldquo;not yet met&rdquo;, not short:
            credit can still be earned.
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
        {[...SUMMARY_ORDER, ...(data.summary.pending > 0 ? (["pending"] as const) : [])].map((s) => {
          const { label, detail } = summaryLabel(s, data.split);
          return (
            <li key={s}>
              <Link to={statusHref(s)} className={`status-strip__item status-strip__item--${s}`} data-testid={`summary-${s}`}>
                <span className="status-strip__value">{formatCount(data.summary[s])}</span>
                <span className="status-strip__label">{label}</span>
                {detail ? <span className="status-strip__detail">{detail}</span> : null}
              </Link>
            </li>
          );
        })}
      </ul>
      {data.measures.length ? (
        <nav className="short-in" aria-labelledby="short-in-title" data-testid="short-in">
          <h2 id="short-in-title" className="short-in__title">
            Short or not yet met in
          </h2>
          <ul className="short-in__list">
            {data.measures.map((m) => (
              <li key={m.id}>
                <Link
                  to={shortHref(m.id)}
                  className="short-in__item"
                  aria-current={data.shortIn?.id === m.id ? "true" : undefined}
                  data-testid={`short-in-${m.id}`}
                >
                  {m.label}
                </Link>
              </li>
            ))}
            {data.shortIn ? (
              <li>
                <Link to={shortHref(null)} className="short-in__clear">
                  Any requirement
                </Link>
              </li>
            ) : null}
          </ul>
        </nav>
      ) : null}
      <div className="search-layout">
        <FilterPanel activeCount={data.activeFilters}>
          <DateRangeFilter
            legend={`${capitalize(words.deadline)} between`}
            from={{ name: "endFrom", value: value("endFrom") || data.window.from, error: errors.endFrom }}
            to={{ name: "endTo", value: value("endTo") || data.window.to, error: errors.endTo }}
          />
          <div className="filter-group">
            <span className="filter-label" id="quick-window">
              Ending within
            </span>
            <ul className="quick-choices" aria-labelledby="quick-window">
              {QUICK_WINDOWS.map((days) => (
                <li key={days}>
                  <Link
                    to={quickHref(days)}
                    className="quick-choices__item"
                    aria-current={data.window.from === data.today && data.window.to === addDays(data.today, days) ? "true" : undefined}
                    data-testid={`window-${days}`}
                  >
                    Next {days} days
                  </Link>
                </li>
              ))}
            </ul>
          </div>
          {data.measures.length ? (
            <SelectFilter
              name="short"
              label="Short or not yet met in"
              value={value("short")}
              error={errors.short}
              anyLabel="Any requirement"
              options={data.measures.map((m) => ({ value: m.id, label: m.label }))}
            />
          ) : null}
          <CheckboxFilter name="status" legend="Status" values={values.status ?? []} options={STATUS_OPTIONS} error={errors.status} />
          <SelectFilter name="decision" label="Decision" value={value("decision")} error={errors.decision} options={DECISION_OPTIONS} />
          {data.unknownOptions.length > 1 ? (
            <SelectFilter name="unknown" label="Applicability not known" value={value("unknown")} error={errors.unknown} options={data.unknownOptions} anyLabel="Not filtered" />
          ) : null}
          <SelectFilter name="roster" label="On the roster" value={value("roster")} error={errors.roster} options={ROSTER_OPTIONS} anyLabel={ROSTER_FILTER_LABELS.current} />
          <TextFilter name="lastName" label="Last name" value={value("lastName")} error={errors.lastName} hint="Beginning of the name; accents and case ignored" />
          <TextFilter name="key" label={capitalize(words.idLabel)} value={value("key")} error={errors.key} />
          <details className="filter-group filter-disclosure" open={(values.match ?? []).length > 0 || Boolean(errors.match)}>
            <summary className="filter-label">Matched by</summary>
            <CheckboxFilter name="match" legend="Match quality" values={values.match ?? []} options={MATCH_OPTIONS} error={errors.match} />
          </details>
        </FilterPanel>
        <section aria-labelledby="results-title">
          <h2 id="results-title" className="visually-hidden">
            {words.People} {certifying ? "in the window" : "due for renewal"}
          </h2>
          <Toolbar count={<ResultCount count={data.count} noun={[words.person, words.people]} />}>
            <ColumnPicker columns={columns} visible={data.visible} />
            <PageSizeSelect size={data.size} />
            <ExportMenu href={exportHref} />
          </Toolbar>
          <ParamNotices messages={data.notices} />
          {data.shortIn ? (
            <p className="muted small" data-testid="short-in-note">
              {words.People} short or not yet met in <strong>{data.shortIn.label}</strong>; &ldquo;Short by&rdquo; is the amount still missing in it
              {data.sort.id === "shortBy" && data.sort.desc ? ", most short first" : ""}.
            </p>
          ) : null}
          <DataTable<RenewalRow>
            columns={columns}
            visible={data.visible}
            rows={data.rows}
            rowId={(r) => r.id}
            cell={(id, row) => renewalCell(id, row, wording)}
            sort={data.sort}
            caption={`${words.People} whose ${words.deadline} falls in the window, with their computed status`}
            cellClass={{ shortfall: "wrap" }}
            empty={
              data.refused ? (
                <>
                  <h3>Nothing is listed until the filters can be read</h3>
                  <p>Correct or clear the filter marked in red, then apply the filters again.</p>
                </>
              ) : (
                <>
                  <h3>No {words.people} in this window match</h3>
                  <p>
                    Widen the window or clear the filters. Rosters are uploaded on the <Link to="/rosters">Rosters</Link> page.
                  </p>
                </>
              )
            }
          />
          <Pagination page={data.page} previous={data.previous} next={data.next} size={data.size} shown={data.rows.length} />
        </section>
      </div>
    </>
  );
}
