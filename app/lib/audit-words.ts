// The audit trail in words (browser-safe, pure): what each recorded action is called on screen and
// in exports, and an event's detail as a sentence, in the organization's own words. Nothing of
// the stored detail reaches a reader as JSON.
import type { OrgWords } from "../../domain/org-words";
import { formatCount, formatDate } from "./format";

/** Each action the app records, as the audit search's action list offers it (in this order). */
export function auditActionLabels(words: OrgWords): Record<string, string> {
  return {
    "login.success": "Signed in",
    "login.failure": "Sign-in failed",
    "login.throttled": "Sign-in refused (too many attempts)",
    "login.locked": "Sign-in refused (account locked)",
    logout: "Signed out",
    "session.expired": "Session expired",
    "user.unlock": "Unlocked an account",
    "licensee.view": `Viewed a ${words.person}`,
    "lookup.view": `Looked up a ${words.person}`,
    "credits.view": "Searched credit reports",
    "activity.view": "Viewed an activity",
    "renewals.view": `Viewed the ${words.cycles} queue`,
    "renewal.view": `Viewed a ${words.cycle}`,
    "bulk.view": "Reviewed a bulk decision",
    "unmatched.view": "Viewed unmatched roster entries",
    "sample.view": "Viewed an audit sample",
    export: "Exported",
    "decision.record": "Recorded a decision",
    "decision.supersede": "Replaced a decision",
    "decision.bulk": "Recorded decisions in bulk",
    "renewals.sample": "Drew an audit sample",
    "rules.update": "Changed the requirement rules",
    "rules.preview": "Previewed requirement rules",
    "roster.upload": "Uploaded a roster",
    "roster.withdraw": "Withdrew a roster upload",
    "roster.link": `Linked a roster entry to a ${words.person}`,
    "attributes.update": `Changed what the board knows of a ${words.person}`,
    "analytics.sync": "Asked for an analytics refresh",
    "audit.view": "Searched the audit trail",
    "audit.verify": "Checked the audit trail for tampering",
  };
}

/** An action's name on screen; one recorded by a later version reads as its own words. */
export function auditActionLabel(action: string, words: OrgWords): string {
  const known = auditActionLabels(words)[action];
  if (known) return known;
  const spaced = action.replace(/[._-]+/g, " ").trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

const DECISION_OUTCOMES: Record<string, string> = {
  compliant: "Compliant",
  deficient: "Deficient",
  extension_granted: "Extension granted",
  exempt: "Exempt",
  referred_to_audit: "Referred to audit",
};

const STATUSES: Record<string, string> = {
  meets: "meets the requirement",
  short: "short of the requirement",
  nothing: "no credit reported",
  needs_review: "needs review",
  unmatched: "not matched",
  no_cycle: "no cycle",
  pending: "being checked",
};

/** Filter names as the pages call them. */
const FILTER_LABELS: Record<string, string> = {
  q: "search",
  name: "name",
  board: "board",
  status: "status",
  completedFrom: "completed from",
  completedTo: "completed to",
  submittedFrom: "submitted from",
  submittedTo: "submitted to",
  creditType: "credit type",
  activity: "activity",
  provider: "provider",
  late: "late only",
  sort: "sorted by",
  dir: "order",
  learnerId: "record",
  user: "user",
  action: "action",
  licensee: "licensee",
  learner: "licensee",
  from: "from",
  to: "to",
  address: "address",
  short: "short in",
  cycleFrom: "cycle from",
  cycleTo: "cycle to",
};

const EXPORT_ABORTS: Record<string, string> = {
  client: "the download was cancelled",
  timeout: "it took too long",
  error: "an error stopped it",
  limit: "it reached the export limit",
};

function humanize(key: string): string {
  return key
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/[._-]+/g, " ")
    .toLowerCase()
    .trim();
}

function valueText(value: unknown): string {
  if (value === null || value === undefined || value === "") return "none";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") return formatCount(value);
  if (typeof value === "string") return /^\d{4}-\d{2}-\d{2}$/.test(value) ? formatDate(value) : value;
  if (Array.isArray(value)) return value.length > 12 ? `${value.slice(0, 12).map(valueText).join(", ")} and ${formatCount(value.length - 12)} more` : value.map(valueText).join(", ");
  if (typeof value === "object") return listText(value as Record<string, unknown>);
  return String(value);
}

/** "status accepted, completed from 01/01/2025"; empty when nothing was set. */
function listText(record: Record<string, unknown>, labels: Record<string, string> = FILTER_LABELS): string {
  return Object.entries(record)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${labels[k] ?? humanize(k)} ${valueText(v)}`)
    .join(", ");
}

const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : null;
}

function num(value: unknown): number | null {
  const n = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** What an export's target names, in words. */
function exportedWhat(target: string | null, words: OrgWords): string {
  if (!target) return "a table";
  if (target.startsWith("learner:")) return `a ${words.person}'s credit reports`;
  if (target === "audit-trail") return "the audit trail";
  const known: Record<string, string> = {
    credits: "credit search results",
    activities: "the activity list",
    renewals: `the ${words.cycles} queue`,
  };
  if (known[target]) return known[target];
  if (target.startsWith("activity-") || target.startsWith("activity:")) return "an activity's learners";
  if (target.startsWith("report:") || target.startsWith("report-")) return `the ${humanize(target.replace(/^report[:-]/, ""))} report`;
  if (target.startsWith("roster")) return "roster lines that were not accepted";
  return humanize(target);
}

/**
 * The event's detail as one sentence in words. `subject` (a licensee's name, said by the caller)
 * is not repeated here; the page shows it beside the sentence.
 */
export function describeAuditDetail(action: string, target: string | null, detail: Record<string, unknown>, words: OrgWords): string {
  const d = detail;
  switch (action) {
    case "login.success":
      return d.trusted === true ? "From a device used before." : "From a device not used before.";
    case "login.failure": {
      const why = d.reason === "unknown_email" ? "No account has that e-mail address" : d.reason === "wrong_password" ? "Wrong password" : "Refused";
      return `${why}${str(d.email) ? ` (${str(d.email)})` : ""}.`;
    }
    case "login.throttled":
    case "login.locked": {
      const wait = num(d.retryAfterSeconds);
      const scope = d.scope === "address" ? "from this address" : d.scope === "account" ? "for this account" : "from an unrecognized device";
      return `Too many failed attempts ${scope}${wait !== null ? `; asked to wait ${plural(Math.ceil(wait / 60), "minute")}` : ""}.`;
    }
    case "licensee.view": {
      const page = d.page === "transcript" ? "verification transcript" : `${words.person} page`;
      const shown = num(d.records) ?? num(d.lines);
      return `Opened the ${page}${shown !== null ? `, ${plural(shown, "credit report")} shown` : ""}.`;
    }
    case "export": {
      const format = str(d.format)?.toUpperCase() ?? "a file";
      const rows = num(d.rows);
      const filters = d.filters && typeof d.filters === "object" ? listText(d.filters as Record<string, unknown>) : "";
      const aborted = typeof d.aborted === "string" ? (EXPORT_ABORTS[d.aborted] ?? humanize(d.aborted)) : null;
      return `Exported ${exportedWhat(target, words)} as ${format}${rows !== null ? `, ${plural(rows, "row")}` : ""}${d.completed === false ? ` (stopped early${aborted ? `: ${aborted}` : ""})` : ""}${filters ? `. Filters: ${filters}` : ""}.`;
    }
    case "audit.verify":
      return d.intact === true ? `The chain of ${plural(num(d.rows) ?? 0, "event")} was intact.` : `A break was found${str(d.brokenRow) ? ` at event ${str(d.brokenRow)}` : ""}.`;
    case "decision.record":
    case "decision.supersede": {
      const outcome = DECISION_OUTCOMES[str(d.outcome) ?? ""] ?? "a decision";
      const status = STATUSES[str(d.status) ?? ""];
      const parts = [`${outcome}${status ? ` (the check said: ${status})` : ""}`];
      if (str(d.extendedTo)) parts.push(`extended to ${valueText(d.extendedTo)}`);
      if (str(d.override)) parts.push(`override: ${str(d.override)}`);
      if (action === "decision.supersede" && str(d.reason)) parts.push(`reason: ${str(d.reason)}`);
      return `${parts.join("; ")}.`;
    }
    case "decision.bulk": {
      const recorded = num(d.recorded) ?? 0;
      const left = Array.isArray(d.leftOut) ? d.leftOut.length : 0;
      return `Marked ${plural(recorded, words.person)} compliant${left ? `; ${formatCount(left)} left out` : ""}.`;
    }
    case "roster.upload": {
      const total = num(d.totalRows);
      const accepted = num(d.acceptedRows);
      const rejected = num(d.rejectedRows);
      const counts = [total !== null ? `${plural(total, "line")} read` : "", accepted !== null ? `${formatCount(accepted)} kept` : "", rejected ? `${formatCount(rejected)} rejected` : "", num(d.newRows) ? `${formatCount(num(d.newRows)!)} new` : "", num(d.changedRows) ? `${formatCount(num(d.changedRows)!)} changed` : "", num(d.retiredRows) ? `${formatCount(num(d.retiredRows)!)} retired` : ""].filter(Boolean);
      return `${str(d.fileName) ? `File ${str(d.fileName)}` : "A roster file"}${d.fullCohort === true ? " (the full current cohort)" : ""}${counts.length ? `: ${counts.join(", ")}` : ""}.`;
    }
    case "roster.withdraw":
      return `${str(d.fileName) ? `File ${str(d.fileName)}` : "A roster upload"} withdrawn${num(d.retired) !== null ? `, ${plural(num(d.retired)!, "entry", "entries")} retired` : ""}${str(d.reason) ? `. Reason: ${str(d.reason)}` : ""}.`;
    case "roster.link":
      return `${str(d.rosterKey) ? `Roster line ${str(d.rosterKey)}` : "A roster line"} linked by hand${str(d.reason) ? `. Reason: ${str(d.reason)}` : ""}.`;
    case "attributes.update": {
      const before = d.before && typeof d.before === "object" ? (d.before as Record<string, unknown>) : {};
      const after = d.after && typeof d.after === "object" ? (d.after as Record<string, unknown>) : {};
      const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
      const changes = keys.map((k) => `${humanize(k)} from ${valueText(before[k] ?? null).replace(/^none$/, "not known")} to ${valueText(after[k] ?? null).replace(/^none$/, "not known")}`);
      return `${changes.length ? `Changed ${changes.join("; ")}` : "No change"}${str(d.reason) ? `. Reason: ${str(d.reason)}` : ""}.`;
    }
    case "rules.update":
      return `Version ${str(d.version) ?? "?"}${str(d.effectiveFrom) ? `, in force from ${valueText(d.effectiveFrom)}` : ""}${num(d.markedPending) !== null ? `; ${plural(num(d.markedPending)!, words.cycle)} to be checked again` : ""}${str(d.reason) ? `. Reason: ${str(d.reason)}` : ""}.`;
    case "rules.preview":
      return `A draft${str(d.effectiveFrom) ? ` in force from ${valueText(d.effectiveFrom)}` : ""}${num(d.judged) !== null ? `: ${plural(num(d.judged)!, words.cycle)} judged` : ""}${num(d.changed) !== null ? `, ${formatCount(num(d.changed)!)} would change` : ""}.`;
    case "renewals.sample":
      return `${num(d.drawn) !== null ? `${plural(num(d.drawn)!, words.cycle)} drawn` : "A sample drawn"}${num(d.cohort) !== null ? ` from ${formatCount(num(d.cohort)!)}` : ""}.`;
    case "analytics.sync":
      return str(d.outcome) ? `Outcome: ${humanize(str(d.outcome)!)}.` : "";
    case "user.unlock":
      return `${str(d.email) ? `Account ${str(d.email)}` : "An account"} unlocked${str(d.by) ? ` by ${str(d.by)}` : ""}${str(d.via) ? ` (from the server's command line)` : ""}.`;
    case "logout":
    case "session.expired":
      return "";
    case "audit.view":
    case "sample.view":
    case "renewals.view":
    case "renewal.view":
    case "bulk.view":
    case "unmatched.view":
    case "credits.view":
    case "activity.view":
    case "lookup.view": {
      const filters = d.filters && typeof d.filters === "object" ? listText(d.filters as Record<string, unknown>) : "";
      const rows = num(d.rows);
      return [rows !== null ? `${plural(rows, "row")} shown` : "", filters ? `filters: ${filters}` : ""].filter(Boolean).join("; ").replace(/^./, (c) => c.toUpperCase()) + (rows !== null || filters ? "." : "");
    }
    default: {
      const text = listText(d);
      return text ? `${text.charAt(0).toUpperCase()}${text.slice(1)}.` : "";
    }
  }
}
