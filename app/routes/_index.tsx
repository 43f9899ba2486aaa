// The organisation's dashboard: the handful of figures and trends that matter to its kind (ACCME:
// late share this month and the providers most often late; a board: this month's volume, late
// and rejected records), its scope, and (with "Renewal verification") its compliance figures.
// Read from the analytics snapshot (DuckDB), never by scanning the learner store.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { ComplianceSummary, type ComplianceFigures } from "~/components/ComplianceSummary";
import { PageHeader } from "~/components/PageHeader";
import { AnalyticsBehind } from "~/components/AnalyticsBehind";
import { AnalyticsPreparing, DataAsOf } from "~/components/ReportPage";
import { ReportTableView } from "~/components/ReportTable";
import { Sparkline } from "~/components/Sparkline";
import { StatCard } from "~/components/StatCard";
import { DateTime } from "~/components/DateTime";
import { formatCount, formatCredits, formatDate, formatPercent } from "~/lib/format";
import { utcToday } from "~/lib/reports";
import { organisationToday } from "../../domain/reference";
import { dashboardCompliance } from "~/models/compliance-overview.server";
import { orgWords } from "../../domain/org-words";
import type { OrganisationKind } from "../../domain/reference";
import { statusFreshnessView } from "~/models/status-runner.server";
import { dashboardSections, loadDashboard, type DashboardSection, type TrendCard } from "~/models/dashboard.server";

export const meta: MetaFunction = () => [{ title: "Overview · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const { db, analytics } = context.services;
  const sections = dashboardSections(user.scope);
  const boardUser = user.org.kind === "state_board" || user.org.kind === "certifying_board";
  const [read, boards, compliance, statuses] = await Promise.all([
    analytics.reader.read((q) => loadDashboard(q, user.scope, sections, utcToday())),
    db.selectFrom("board.organisation").select(["code", "name"]).execute(),
    // Renewal verification: cards for what the organization's rules define (renewals due and met;
    // diplomates not yet at the total or a credit-type minimum; short at cycle end), from board tables.
    dashboardCompliance(db, user.org, organisationToday(user.org.code)) as Promise<ComplianceFigures | null>,
    // When those statuses were computed (in the background, never by this page).
    boardUser ? statusFreshnessView(db, context.services.statuses, user.org.code) : null,
  ]);
  return {
    org: user.org,
    boardCodes: user.scope.boardCodes,
    boardNames: Object.fromEntries(boards.map((b) => [b.code, b.name])),
    sections: read?.value ?? null,
    /** No figures because the snapshot turned out damaged and is being rebuilt (not the first build). */
    rebuilding: !read && analytics.reader.rebuilding,
    /** No figures yet, and the latest attempt to build them failed at this time. */
    failedAt: read ? null : (analytics.health().lastFailure?.at ?? null),
    asOf: read?.info.asOf,
    freshness: read ? analytics.freshness(read.info.asOf) : null,
    compliance,
    statuses,
  };
}

const KIND_LABEL: Record<string, string> = {
  state_board: "State medical licensing board",
  certifying_board: "Certifying board",
  accreditor: "Accreditor",
};

function cardValue(card: TrendCard): string {
  if (card.value === null) return "—";
  switch (card.format) {
    case "percent":
      return `${(card.value * 100).toFixed(1)}%`;
    case "credits":
      return formatCredits(card.value);
    default:
      return formatCount(card.value);
  }
}

const seriesFormat = (card: TrendCard) => (v: number) =>
  card.format === "percent" ? `${(v * 100).toFixed(1)}%` : card.format === "credits" ? formatCredits(v) : formatCount(v);

const CARD_LINKS: Record<TrendCard["id"], string> = {
  records: "/reports/volume",
  credits: "/reports/credit-mix",
  "late-share": "/reports/timeliness",
  "rejection-rate": "/reports/rejections",
};

function Trends({ section }: { section: Extract<DashboardSection, { id: "trends" }> }) {
  return (
    <section aria-labelledby="trends-title" className="stack">
      <h2 id="trends-title" className="section-title">
        This month
      </h2>
      <div className="stat-grid">
        {section.cards.map((card) => (
          <StatCard
            key={card.id}
            label={card.label}
            value={cardValue(card)}
            hint={card.hint}
            testId={`trend-${card.id}`}
            tone={card.id === "late-share" && (card.value ?? 0) > 0.2 ? "warn" : undefined}
          >
            <Link to={CARD_LINKS[card.id]} className="sparkline-link" aria-label={`${card.label}: open the report`}>
              <Sparkline values={card.series} months={section.months} format={seriesFormat(card)} label={`${card.label}, last 12 months`} />
            </Link>
          </StatCard>
        ))}
      </div>
    </section>
  );
}

function LateProviders({ section }: { section: Extract<DashboardSection, { id: "late-providers" }> }) {
  return (
    <section aria-labelledby="late-providers-title" className="stack section">
      <div className="report-section__header">
        <div>
          <h2 id="late-providers-title" className="section-title">
            Providers most often late
          </h2>
          <p className="muted small">
            Submissions {formatDate(section.from)} – {formatDate(section.to)}, providers with at least {section.minRecords} records, ranked by the share reported more than 30 days after completion.
          </p>
        </div>
        <Link to="/reports/timeliness" className="button button--link button--small">
          Timeliness report
        </Link>
      </div>
      <ReportTableView table={{ ...section.table, columns: section.table.columns.filter((c) => c.key !== "rank") }} testId="late-providers" />
    </section>
  );
}

function ScopeSection({ section, boardCodes, kind }: { section: Extract<DashboardSection, { id: "scope" }>; boardCodes: readonly string[] | null; kind: string }) {
  const { figures } = section;
  const words = orgWords(kind as OrganisationKind);
  return (
    <section aria-labelledby="scope-figures" className="stack section">
      <h2 id="scope-figures" className="section-title">
        In your scope
      </h2>
      <div className="stat-grid">
        <StatCard label="Credit reports" value={formatCount(figures.creditReports)} testId="stat-credit-reports" />
        <StatCard label={words.People} value={formatCount(figures.licensees)} testId="stat-licensees" hint={boardCodes === null ? "Physicians with credit reported to any board" : "Physicians with credit reported to you"} />
        <StatCard label="Accepted" value={formatCount(figures.accepted)} testId="stat-accepted" />
        <StatCard label="Rejected" value={formatCount(figures.rejected)} testId="stat-rejected" tone={figures.rejected > 0 ? "warn" : undefined} />
      </div>
      <p className="muted small">Latest submission received: <DateTime value={figures.latestSubmission} /></p>
      {figures.creditReports === 0 ? <p className="empty-state">No credit has been reported to your organization yet.</p> : null}
    </section>
  );
}

function ByBoard({ section, boardNames }: { section: Extract<DashboardSection, { id: "by-board" }>; boardNames: Record<string, string> }) {
  if (section.rows.length === 0) return null;
  return (
    <section aria-labelledby="by-board" className="stack section">
      <h2 id="by-board" className="section-title">
        By board
      </h2>
      <div className="table-wrap">
        <table className="data-table" data-testid="by-board">
          <caption className="visually-hidden">Credit reports and licensees per board</caption>
          <thead>
            <tr>
              <th scope="col">Board</th>
              <th scope="col" className="num">Credit reports</th>
              <th scope="col" className="num">Licensees</th>
              <th scope="col" className="num">Rejected</th>
              <th scope="col" className="num">Rejection rate</th>
              <th scope="col">Latest submission</th>
            </tr>
          </thead>
          <tbody>
            {section.rows.map((row) => (
              <tr key={row.boardCode} data-board={row.boardCode}>
                <th scope="row">
                  <span className="code">{row.boardCode}</span> {boardNames[row.boardCode] ?? ""}
                </th>
                <td className="num" data-col="reports">{formatCount(row.creditReports)}</td>
                <td className="num" data-col="licensees">{formatCount(row.licensees)}</td>
                <td className="num">{formatCount(row.rejected)}</td>
                <td className="num">{formatPercent(row.rejected, row.creditReports)}</td>
                <td>
                  <DateTime value={row.latestSubmission} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export default function Overview() {
  const { org, boardCodes, boardNames, sections, rebuilding, failedAt, asOf, freshness, compliance, statuses } = useLoaderData<typeof loader>();
  const scopeText =
    boardCodes === null ? "Credit reported to every board (all providers, all learners)." : `Credit reported to board ${boardCodes.join(", ")} only.`;
  return (
    <>
      <PageHeader eyebrow={KIND_LABEL[org.kind] ?? org.kind} title={org.name} description={scopeText} actions={<DataAsOf asOf={asOf} />} />
      <AnalyticsBehind freshness={freshness} />
      {sections === null ? <AnalyticsPreparing rebuilding={rebuilding} subject="Your overview is" failedAt={failedAt} /> : null}
      {sections?.map((section) => {
        switch (section.id) {
          case "trends":
            return <Trends key={section.id} section={section} />;
          case "late-providers":
            return <LateProviders key={section.id} section={section} />;
          case "scope":
            return <ScopeSection key={section.id} section={section} boardCodes={boardCodes} kind={org.kind} />;
          case "by-board":
            return <ByBoard key={section.id} section={section} boardNames={boardNames} />;
        }
      })}
      <ComplianceSummary figures={compliance} statuses={statuses} />
    </>
  );
}
