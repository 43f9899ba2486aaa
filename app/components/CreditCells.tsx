// How a credit report's fields look in any grid (search, activity learners, licensee records).
import { Link } from "@remix-run/react";
import type { ReactNode } from "react";
import { ENTRY_METHOD_LABELS, type EntryMethod } from "../../domain/reference";
import type { CreditRow } from "~/lib/credit-search";
import { FLAG_DESCRIPTIONS, FLAG_LABELS } from "~/lib/data-rules";
import { formatCredits, formatDate } from "~/lib/format";
import { SubmittedDate } from "./DateTime";

export function StatusBadge({ status, reason }: { status: string; reason: string | null }) {
  return status === "rejected" ? (
    <span>
      <span className="badge badge--error">Rejected</span>
      {reason ? <span className="sub">{reason}</span> : null}
    </span>
  ) : (
    <span className="badge badge--ok">Accepted</span>
  );
}

export function Flags({ flags }: { flags: CreditRow["flags"] }) {
  if (flags.length === 0) return <span className="visually-hidden">None</span>;
  return (
    <span className="flags">
      {flags.map((f) => (
        <span key={f} className="badge badge--warn" title={FLAG_DESCRIPTIONS[f]}>
          {FLAG_LABELS[f]}
        </span>
      ))}
    </span>
  );
}

export function CreditTypes({ types, empty = "—" }: { types: Record<string, number>; empty?: string }) {
  const entries = Object.entries(types);
  if (entries.length === 0) return empty ? <span className="muted">{empty}</span> : null;
  return (
    <span className="credit-types">
      {entries.map(([type, amount]) => (
        <span key={type}>
          {formatCredits(amount)} {type}
        </span>
      ))}
    </span>
  );
}

/** The cell of a credit-report column. Links go to the licensee and the activity, in scope. */
export function creditCell(columnId: string, row: CreditRow): ReactNode {
  switch (columnId) {
    case "board":
      return <span className="code">{row.boardCode}</span>;
    case "licensee":
      return (
        <Link to={`/licensees/${row.learnerId}`}>
          {row.lastName}, {row.firstName}
        </Link>
      );
    case "dob":
      return row.birthDate;
    case "learnerId":
      return row.boardLearnerId ? <span className="mono">{row.boardLearnerId}</span> : <span className="muted">not given</span>;
    case "npi":
      return row.npi ? <span className="mono">{row.npi}</span> : <span className="muted">—</span>;
    case "activity":
      return <Link to={`/activities/${row.activityId}`}>{row.activityTitle}</Link>;
    case "activityId":
      return <span className="mono">{row.activityId}</span>;
    case "provider":
      return (
        <>
          {row.providerName}
          <span className="sub mono">{row.providerId}</span>
        </>
      );
    case "format":
      return row.format;
    case "completed":
      return formatDate(row.completionDate);
    case "submitted":
      return <SubmittedDate value={row.submittedAt} />;
    case "lag":
      return row.lagDays;
    case "credits":
      return formatCredits(row.credits);
    case "creditTypes":
      return <CreditTypes types={row.creditTypes} />;
    case "status":
      return <StatusBadge status={row.status} reason={row.rejectionReason} />;
    case "entry":
      return ENTRY_METHOD_LABELS[row.entryMethod as EntryMethod] ?? row.entryMethod;
    case "flags":
      return <Flags flags={row.flags} />;
    default:
      return null;
  }
}
