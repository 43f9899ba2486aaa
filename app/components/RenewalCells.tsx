// Cells of renewal tables: status and decision badges, progress toward the total.
import { Link } from "@remix-run/react";
import type { ReactNode } from "react";
import { formatDate } from "~/lib/format";
import { formatRuleCredits } from "../../domain/requirement-rules";
import { MATCH_LABELS, notKnownText, OUTCOME_LABELS, progressText, STATUS_LABELS, type DecisionOutcomeId, type QueueStatus, type RenewalRow } from "~/lib/renewal-search";

const STATUS_TONE: Record<QueueStatus, string> = {
  meets: "badge--ok",
  short: "badge--error",
  nothing: "badge--error",
  needs_review: "badge--warn",
  unmatched: "badge--neutral",
  no_cycle: "badge--warn",
  pending: "badge--neutral",
};

export function RenewalStatus({ status }: { status: QueueStatus }) {
  return <span className={`badge ${STATUS_TONE[status]}`}>{STATUS_LABELS[status]}</span>;
}

export function DecisionBadge({ outcome }: { outcome: DecisionOutcomeId }) {
  const tone = outcome === "compliant" || outcome === "exempt" ? "badge--ok" : outcome === "deficient" ? "badge--error" : "badge--warn";
  return <span className={`badge ${tone}`}>{OUTCOME_LABELS[outcome]}</span>;
}

/** One decision of the history: outcome, state, who and when, what it was based on, override and extension. */
export function DecisionFacts({ d }: { d: { override: boolean; overrideReason: string | null; extendedTo: string | null } }) {
  return (
    <>
      {d.override ? (
        <p className="small" data-testid="decision-override">
          <strong>Override:</strong> {d.overrideReason}
        </p>
      ) : null}
      {d.extendedTo ? <p className="small">Extended to {formatDate(d.extendedTo)}</p> : null}
    </>
  );
}

/** "credits 34 / 50" with a bar; the bar is decoration, the text carries the figure. */
export function Progress({ counted, required }: { counted: number | null; required: number | null }) {
  if (counted === null || required === null) return <span className="muted">—</span>;
  const share = required > 0 ? Math.min(1, counted / required) : 1;
  return (
    <span className="credit-progress">
      <span className="credit-progress__text">{progressText({ creditsCounted: counted, creditsRequired: required })}</span>
      <span className="credit-progress__bar" aria-hidden="true">
        <span className={share >= 1 ? "credit-progress__fill credit-progress__fill--done" : "credit-progress__fill"} style={{ width: `${Math.round(share * 100)}%` }} />
      </span>
    </span>
  );
}

const pad = (n: number) => String(n).padStart(2, "0");

export function renewalCell(columnId: string, row: RenewalRow): ReactNode {
  switch (columnId) {
    case "name":
      return (
        <Link to={`/renewals/${row.id}`}>
          {row.lastName}, {row.firstName}
        </Link>
      );
    case "key":
      return <span className="mono">{row.rosterKey}</span>;
    case "birth":
      return `${pad(row.birthMonth)}/${pad(row.birthDay)}`;
    case "cycleEnd":
      return formatDate(row.cycleEnd);
    case "cycleStart":
      return row.cycleStart ? formatDate(row.cycleStart) : <span className="muted">—</span>;
    case "status":
      return (
        <>
          <RenewalStatus status={row.status} />
          {row.notKnown.length ? (
            <span className="sub" title={notKnownText(row)}>
              <span className="badge badge--warn">Applicability not known</span>
            </span>
          ) : null}
        </>
      );
    case "progress":
      return <Progress counted={row.creditsCounted} required={row.creditsRequired} />;
    case "shortBy":
      return row.shortBy && row.shortBy > 0 ? formatRuleCredits(row.shortBy) : <span className="muted">—</span>;
    case "shortfall":
      return row.shortfall ?? (row.problem ? <span className="muted">{row.problem}</span> : <span className="muted">—</span>);
    case "match":
      return row.matchQuality === "id" ? MATCH_LABELS.id : <span className="badge badge--neutral">{MATCH_LABELS[row.matchQuality]}</span>;
    case "decision":
      return row.decision ? (
        <>
          <DecisionBadge outcome={row.decision} />
          {row.overrideReason ? (
            <>
              {" "}
              <span className="badge badge--warn" title={`Override: ${row.overrideReason}`}>
                Override
              </span>
            </>
          ) : null}
          {row.extendedTo ? <span className="sub">to {formatDate(row.extendedTo)}</span> : null}
        </>
      ) : (
        <span className="muted">None yet</span>
      );
    case "notKnown":
      return row.notKnown.length ? <span className="badge badge--warn" title={notKnownText(row)}>{notKnownText(row)}</span> : <span className="muted">—</span>;
    default:
      return null;
  }
}
