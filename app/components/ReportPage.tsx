// The frame every analytics report shares: the tabs between reports, "data as of", the filter
// panel (a GET form: filters are URL state), the loading and "being prepared" states, and one
// section per table (title, export, chart, the table itself).
import { Link, NavLink, useLocation, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect, type ReactNode } from "react";
import { ACTIVITY_FORMATS } from "../../domain/reference";
import type { AnalyticsFreshness } from "../../db/analytics/service";
import { CheckboxFilter, DateRangeFilter, FilterPanel, SelectFilter, TextFilter } from "~/components/FilterPanel";
import { ExportMenu } from "~/components/GridControls";
import { PageHeader } from "~/components/PageHeader";
import { AnalyticsBehind } from "~/components/AnalyticsBehind";
import { ReportChart, type ChartSpec } from "~/components/ReportChart";
import { ReportTableView } from "~/components/ReportTable";
import { DateTime } from "./DateTime";
import { DEFAULT_MIN_RECORDS, REPORTS, type ReportId, type ReportTable } from "~/lib/reports";

/** What a report route's loader returns (serialisable), whatever the report. */
export interface ReportPageData {
  state: "ready" | "preparing";
  /** While preparing: the snapshot turned out damaged and is being rebuilt. */
  rebuilding?: boolean;
  /** While preparing: the latest attempt to build the figures failed at this time (ISO). */
  failedAt?: string | null;
  filters: { from: string; to: string; formats: string[]; board?: string; minRecords: number };
  errors: Partial<Record<string, string>>;
  values: Record<string, string[]>;
  multiBoard: boolean;
  boards: string[];
  asOf?: string;
  /** Whether the figures are behind the store (ready pages). */
  freshness?: AnalyticsFreshness;
  providerLabel?: string | null;
  defaultRange: { from: string; to: string };
}

const FORMAT_OPTIONS = ACTIVITY_FORMATS.map((f) => ({ value: f, label: f }));

export function ReportTabs() {
  return (
    <nav className="report-tabs" aria-label="Reports">
      {REPORTS.map((r) => (
        <NavLink key={r.id} to={`/reports/${r.id}`} prefetch="intent">
          {r.title}
        </NavLink>
      ))}
    </nav>
  );
}

export function DataAsOf({ asOf }: { asOf: string | undefined }) {
  if (!asOf) return null;
  return (
    <p className="as-of" data-testid="data-as-of">
      <span className="as-of__dot" aria-hidden="true" />
      Data as of <DateTime value={asOf} />
    </p>
  );
}

function ReportFilterPanel({ data, rankings }: { data: ReportPageData; rankings: boolean }) {
  const { values, errors } = data;
  const value = (name: string) => values[name]?.[0] ?? "";
  const customRange = data.filters.from !== data.defaultRange.from || data.filters.to !== data.defaultRange.to;
  const active = ["provider", "board", "minRecords"].filter((n) => value(n) !== "").length + (values.format?.some((f) => f !== "") ? 1 : 0) + (customRange ? 1 : 0);
  return (
    <FilterPanel activeCount={active}>
      <DateRangeFilter
        legend="Submission date"
        from={{ name: "submittedFrom", value: value("submittedFrom") || data.filters.from, error: errors.submittedFrom }}
        to={{ name: "submittedTo", value: value("submittedTo") || data.filters.to, error: errors.submittedTo }}
      />
      {data.multiBoard ? (
        <SelectFilter name="board" label="Board" value={value("board")} error={errors.board} anyLabel="All boards" options={data.boards.map((b) => ({ value: b, label: b }))} />
      ) : errors.board ? (
        <p className="filter-error" data-testid="error-board">
          {errors.board}
        </p>
      ) : null}
      <TextFilter name="provider" label="Provider" value={value("provider")} error={errors.provider} hint="7-digit provider id, or words of the name" />
      <details className="filter-group filter-disclosure" open={(values.format ?? []).some((f) => f !== "") || Boolean(errors.format)}>
        <summary className="filter-label">Activity format</summary>
        <CheckboxFilter name="format" legend="Formats" values={values.format ?? []} options={FORMAT_OPTIONS} error={errors.format} />
      </details>
      {rankings ? (
        <TextFilter
          name="minRecords"
          label="Rank providers with at least"
          value={value("minRecords")}
          error={errors.minRecords}
          placeholder={`${DEFAULT_MIN_RECORDS} records`}
          inputMode="numeric"
          hint="records in the period (smaller providers are left out of rankings)"
        />
      ) : null}
    </FilterPanel>
  );
}

/**
 * While no snapshot can be read (the first start, or a damaged one being rebuilt): say so, and look
 * again every few seconds. `subject` begins the heading ("Analytics are", "Your overview is");
 * `failedAt`, when the latest attempt to build them failed (it is retried by itself).
 */
export function AnalyticsPreparing({ rebuilding, subject, failedAt }: { rebuilding: boolean; subject: string; failedAt?: string | null }) {
  const revalidator = useRevalidator();
  useEffect(() => {
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 5_000);
    return () => clearInterval(timer);
  }, [revalidator]);
  return (
    <div className="empty-state" role="status" data-testid="analytics-preparing">
      <h3>
        {subject} {rebuilding ? "being rebuilt" : "being prepared"}
      </h3>
      <p>
        {rebuilding ? "The analytics figures could not be read and are being computed again from the reported credit." : "The analytics figures are being computed from the reported credit for the first time."} This
        page fills in by itself when they are ready, usually within a minute. Credit search, licensees and renewals work meanwhile.
      </p>
      {failedAt ? (
        <p data-testid="analytics-preparing-failed">
          The last attempt failed at <DateTime value={failedAt} />; it is tried again automatically.
        </p>
      ) : null}
    </div>
  );
}

export function ReportLayout({ id, data, description, rankings = false, summary, children }: {
  id: ReportId;
  data: ReportPageData;
  description: ReactNode;
  /** The report ranks providers (the minimum-records filter applies). */
  rankings?: boolean;
  summary?: ReactNode;
  children?: ReactNode;
}) {
  const navigation = useNavigation();
  const location = useLocation();
  const loading = navigation.state === "loading" && navigation.location?.pathname === location.pathname;
  const report = REPORTS.find((r) => r.id === id)!;
  return (
    <>
      <PageHeader eyebrow="Reports" title={report.title} description={description} actions={<DataAsOf asOf={data.asOf} />} />
      <ReportTabs />
      <AnalyticsBehind freshness={data.freshness} />
      <div className="search-layout">
        <ReportFilterPanel data={data} rankings={rankings} />
        <div className={loading ? "report-content is-loading" : "report-content"} aria-busy={loading} data-testid="report-content">
          {data.providerLabel ? (
            <p className="notice notice--info">
              Provider: <strong>{data.providerLabel}</strong>
            </p>
          ) : null}
          {data.state === "preparing" ? (
            <AnalyticsPreparing rebuilding={data.rebuilding === true} subject="Analytics are" failedAt={data.failedAt} />
          ) : (
            <>
              {summary ? <div className="stat-grid report-summary">{summary}</div> : null}
              {children}
            </>
          )}
        </div>
      </div>
    </>
  );
}

/** The export link of one table: the page's filters (as the URL has them), the table, the format. */
function useExportHref(id: ReportId, table: string) {
  const location = useLocation();
  return (format: "csv" | "xlsx") => {
    const query = new URLSearchParams(location.search);
    query.set("table", table);
    query.set("download", format);
    return `/reports/${id}/export?${query}`;
  };
}

export function ReportSection({ id, table, chart, description, empty }: {
  id: ReportId;
  table: ReportTable;
  chart?: ChartSpec;
  description?: ReactNode;
  /** Shown instead of the chart when there is nothing to draw. */
  empty?: boolean;
}) {
  const href = useExportHref(id, table.id);
  const headingId = `section-${table.id}`;
  return (
    <section className="report-section" aria-labelledby={headingId} data-testid={`section-${table.id}`}>
      <div className="report-section__header">
        <div>
          <h2 id={headingId}>{table.title}</h2>
          {description ? <p className="report-section__description">{description}</p> : null}
        </div>
        <ExportMenu href={href} rows="this table" label={`Export: ${table.title}`} testId={`export-${table.id}`} />
      </div>
      {chart && !empty ? <ReportChart spec={chart} testId={`chart-${table.id}`} /> : null}
      {empty ? <p className="empty-state empty-state--flush">No credit reports match these filters.</p> : null}
      <ReportTableView table={table} testId={`table-${table.id}`} />
      {table.note ? <p className="report-section__note">{table.note}</p> : null}
    </section>
  );
}

/** A link into the credit search for the same records, as the report's filters say. */
export function SearchLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Link to={href} className="drill">
      {children}
    </Link>
  );
}
