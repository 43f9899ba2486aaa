// The dashboard's compliance cards, computed by the server from the stored renewal statuses and the
// organization's own rules (a card for a minimum only when the rules define one; open cycles "not yet
// met", ended ones "short"). Until a loader passes figures, nothing is shown — never placeholder numbers.
import { Link } from "@remix-run/react";
import { StatCard } from "~/components/StatCard";
import { formatCount } from "~/lib/format";
import { StatusFreshness, type StatusFreshnessView } from "~/components/StatusFreshness";

export interface ComplianceFigures {
  heading: string;
  href: string;
  cards: Array<{ id: string; label: string; value: number; hint?: string; tone?: "warn"; href?: string }>;
}

export function ComplianceSummary({ figures, statuses }: { figures: ComplianceFigures | null | undefined; statuses?: StatusFreshnessView | null }) {
  if (!figures) return null;
  return (
    <section aria-labelledby="compliance-title" className="stack section" data-testid="dashboard-compliance">
      <h2 id="compliance-title" className="section-title">
        {figures.heading}
      </h2>
      {statuses ? <StatusFreshness freshness={statuses} /> : null}
      <div className="stat-grid">
        {figures.cards.map((card) => (
          <StatCard key={card.id} label={card.label} value={formatCount(card.value)} hint={card.hint} tone={card.tone} testId={`stat-${card.id}`}>
            {card.href ? (
              <Link to={card.href} className="small">
                List them
              </Link>
            ) : null}
          </StatCard>
        ))}
      </div>
      <p className="small">
        <Link to={figures.href}>Open the compliance overview</Link>
      </p>
    </section>
  );
}
