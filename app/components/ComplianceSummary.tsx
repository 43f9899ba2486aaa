// The dashboard's compliance figures: for a state board, renewals due in the next 90 days and how
// many already meet the requirement; for a certifying board, diplomates short of a credit-type
// minimum. They come from "Renewal verification" (the compliance engine over rosters and rules):
// until a loader passes figures, nothing is shown — never placeholder numbers.
import { Link } from "@remix-run/react";
import { StatCard } from "~/components/StatCard";
import { formatCount } from "~/lib/format";
import { StatusFreshness, type StatusFreshnessView } from "~/components/StatusFreshness";

export type ComplianceFigures =
  | { kind: "renewals"; dueIn90Days: number; meeting: number; href?: string }
  | { kind: "credit-type-minimums"; diplomates: number; short: number; href?: string };

export function ComplianceSummary({ figures, statuses }: { figures: ComplianceFigures | null | undefined; statuses?: StatusFreshnessView | null }) {
  if (!figures) return null;
  return (
    <section aria-labelledby="compliance-title" className="stack section" data-testid="dashboard-compliance">
      <h2 id="compliance-title" className="section-title">
        Compliance
      </h2>
      {statuses ? <StatusFreshness freshness={statuses} /> : null}
      <div className="stat-grid">
        {figures.kind === "renewals" ? (
          <>
            <StatCard label="Renewals due in the next 90 days" value={formatCount(figures.dueIn90Days)} testId="stat-renewals-due" />
            <StatCard
              label="Already meeting the requirement"
              value={formatCount(figures.meeting)}
              hint={figures.dueIn90Days > 0 ? `${((figures.meeting / figures.dueIn90Days) * 100).toFixed(1)}% of those due` : undefined}
              testId="stat-renewals-meeting"
            />
          </>
        ) : (
          <>
            <StatCard label="Diplomates in the current cycle" value={formatCount(figures.diplomates)} testId="stat-diplomates" />
            <StatCard label="Short of a credit-type minimum" value={formatCount(figures.short)} tone={figures.short > 0 ? "warn" : undefined} testId="stat-diplomates-short" />
          </>
        )}
      </div>
      {figures.href ? (
        <p className="small">
          <Link to={figures.href}>Open the compliance overview</Link>
        </p>
      ) : null}
    </section>
  );
}
