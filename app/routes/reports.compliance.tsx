// Compliance overview: for each month of cycle ends in the window, how much of the cohort meets its
// requirement, and how far short the others are. From the stored renewal statuses (board tables,
// computed in the background), as current as the renewal queue, and saying when they were computed. Chart, the same numbers as a table,
// and CSV export of each table.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { BOARD_KINDS, requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { DateRangeFilter, FilterPanel } from "~/components/FilterPanel";
import { PageHeader } from "~/components/PageHeader";
import { ReportChart } from "~/components/ReportChart";
import { ReportTableView } from "~/components/ReportTable";
import { StatCard } from "~/components/StatCard";
import { formatCount } from "~/lib/format";
import { complianceOverview, complianceTables, complianceWindow } from "~/models/compliance-overview.server";
import { queueMeasures } from "~/models/renewal-shortfalls.server";
import { orgWords } from "../../domain/org-words";
import { organisationToday, type OrganisationKind } from "../../domain/reference";
import { statusFreshnessView } from "~/models/status-runner.server";
import { StatusFreshness } from "~/components/StatusFreshness";

export const meta: MetaFunction = () => [{ title: "Compliance overview · Reports · CME Credit Verification" }];
export const handle = { wide: true };


export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  const today = organisationToday(user.org.code);
  const { window, errors } = complianceWindow(params, today);
  const [overview, freshness] = await Promise.all([complianceOverview(db, user.org.code, window, today), statusFreshnessView(db, context.services.statuses, user.org.code)]);
  const { unit } = await queueMeasures(db, user.org.code);
  const built = complianceTables(overview, { kind: user.org.kind, unit });
  return pageAnswer(
    {
      org: user.org,
      window,
      errors,
      freshness,
      totals: overview.totals,
      minimums: overview.minimums,
      tables: built,
      values: { endFrom: params.get("endFrom") ?? "", endTo: params.get("endTo") ?? "" },
    },
    errors,
  );
}

export default function ComplianceReport() {
  const { org, window, errors, freshness, totals, minimums, tables: t, values } = useLoaderData<typeof loader>();
  const words = orgWords(org.kind as OrganisationKind);
  const state = org.kind !== "certifying_board";
  const query = new URLSearchParams({ endFrom: window.from, endTo: window.to });
  const empty = totals.total === 0;
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/reports">Reports</Link> / Compliance overview
      </nav>
      <PageHeader
        eyebrow="Reports"
        title="Compliance overview"
        description={`${org.code}'s ${state ? "renewal cohorts" : "certification cycles"} ending ${window.from} to ${window.to}: the share meeting the requirement, and the shortfall of the rest by requirement, from the queue's statuses (current as of this page). A cycle that has not ended is "not yet met": credit can still be earned.`}
      />
      <StatusFreshness freshness={freshness} />
      <div className="search-layout">
        <FilterPanel activeCount={values.endFrom || values.endTo ? 1 : 0}>
          <DateRangeFilter legend={state ? "Renewal date between" : "Cycle end between"} from={{ name: "endFrom", value: values.endFrom || window.from, error: errors.endFrom }} to={{ name: "endTo", value: values.endTo || window.to, error: errors.endTo }} />
        </FilterPanel>
        <section className="stack" aria-label="Compliance figures">
          <div className="stat-grid">
            <StatCard label={`${words.People} in the window`} value={formatCount(totals.total)} testId="stat-cohort" />
            <StatCard label="Meet the requirement" value={formatCount(totals.meets)} hint={totals.meetsShare === null ? undefined : `${(totals.meetsShare * 100).toFixed(1)}% of matched ${words.people}`} testId="stat-meets" />
            <StatCard label="Short at cycle end" value={formatCount(totals.endedShort)} hint="Including nothing reported" tone={totals.endedShort > 0 ? "warn" : undefined} testId="stat-short" />
            <StatCard label="Not yet met, cycle still open" value={formatCount(totals.openNotMet)} hint="Credit can still be earned" testId="stat-not-yet-met" />
            {minimums ? (
              <StatCard
                label={`Short of a ${state ? "topic requirement" : "credit-type minimum"} at cycle end`}
                value={formatCount(minimums.ended)}
                hint={`${minimums.names.join("; ")} · ${formatCount(minimums.open)} more not yet met, cycle open`}
                tone={minimums.ended > 0 ? "warn" : undefined}
                testId="stat-minimum-short"
              />
            ) : null}
          </div>
          {empty ? (
            <p className="empty-state">No roster entries have a cycle ending in this window. Upload a roster on the <Link to="/rosters">Rosters</Link> page.</p>
          ) : (
            <>
              <ReportChart
                testId="chart-months"
                spec={{
                  title: t.months.title,
                  summary: `Stacked bars: ${words.people} whose cycle ends each month, by status; the line is the share meeting the requirement.`,
                  rows: t.months.rows,
                  category: { key: "month", label: "Month the cycle ends", format: "month" },
                  series: [
                    { key: "meets", label: "Meet", type: "bar", stack: "status" },
                    { key: "endedShort", label: "Short at cycle end", type: "bar", stack: "status" },
                    { key: "openNotMet", label: "Not yet met (cycle open)", type: "bar", stack: "status" },
                    { key: "needsReview", label: "Needs review", type: "bar", stack: "status" },
                    { key: "meetsShare", label: "Share meeting", type: "line", axis: "right" },
                  ],
                  left: { label: words.People, format: "count" },
                  right: { label: "Share meeting", format: "percent" },
                }}
              />
              <ReportTableView table={t.months} testId="table-months" />
              <p className="small">
                <TableDownloads query={query} table="months" />
              </p>
              <ReportChart
                testId="chart-shortfall"
                spec={{
                  title: t.shortfall.title,
                  summary: `Bars: ${words.people} short of their requirement, by how far short.`,
                  rows: t.shortfall.rows,
                  category: { key: "label", label: "Short by" },
                  series: [{ key: "licensees", label: words.People, type: "bar" }],
                  left: { label: words.People, format: "count" },
                }}
              />
              <ReportTableView table={t.shortfall} testId="table-shortfall" />
              <p className="small">
                <TableDownloads query={query} table="shortfall" />
              </p>
              {t.requirements.rows.length ? (
                <>
                  <ReportTableView table={t.requirements} testId="table-requirements" />
                  <p className="small">
                    <TableDownloads query={query} table="requirements" />
                  </p>
                </>
              ) : null}
            </>
          )}
        </section>
      </div>
    </>
  );
}

/** A table's files: the same rows as CSV or as an Excel workbook. */
function TableDownloads({ query, table }: { query: URLSearchParams; table: string }) {
  const href = (format: "csv" | "xlsx") => `/reports/compliance/export?${query.toString()}&table=${table}&download=${format}`;
  return (
    <>
      Download this table:{" "}
      <a href={href("csv")} download>
        CSV
      </a>{" "}
      ·{" "}
      <a href={href("xlsx")} download>
        Excel (.xlsx)
      </a>
    </>
  );
}
