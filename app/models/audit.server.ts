// The audit log: every login attempt, licensee view, export and decision is appended here.
// The app's role may insert and read audit events, never change or delete them.
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";

/**
 * A page showed learners (app/models/view-audit.server.ts; detail: filters, rows shown). Written
 * through the queue of views, never with recordAudit.
 */
export type ViewAction =
  /** A licensee page or transcript (target: learner id; detail.page says which). */
  | "licensee.view"
  /** Credit search results (detail: filters). */
  | "credits.view"
  /** An activity's learners (target: activity id). */
  | "activity.view"
  /** The licensee lookup's matches (detail: what was looked up). */
  | "lookup.view"
  /** The renewal queue (detail: filters). */
  | "renewals.view"
  /** The licensees a bulk decision would record, listed for confirmation (detail: filters). */
  | "bulk.view"
  /** One renewal entry (target: roster entry). */
  | "renewal.view"
  /** The roster entries that matched no licensee (detail: filters). */
  | "unmatched.view"
  /** A random audit sample's entries (target: audit sample). */
  | "sample.view"
  /** The audit trail's search, which names licensees (detail: filters). */
  | "audit.view";

export type AuditAction =
  | ViewAction
  | "login.success"
  | "login.failure"
  | "login.locked"
  | "login.throttled"
  /** Signed in through the organization's identity provider (detail: issuer, subject, e-mail, role, whether the account was created, a role the provider changed). */
  | "login.sso"
  /** A single sign-on refused (detail: reason, and what the provider said of the person). */
  | "login.sso.failure"
  /** An administrator changed the single sign-on configuration (detail: before, after; the client secret only as "changed"). */
  | "sso.update"
  /** An administrator checked the identity provider's connection (detail: outcome). */
  | "sso.check"
  /** The password was right and a second factor is asked next (the sign-in is not complete). */
  | "login.password"
  /** A wrong authenticator-app or recovery code, or a wrong password when re-authenticating (detail: factor, purpose). */
  | "login.second_factor_failure"
  /** A passkey or authenticator app was added (target: the factor; detail: kind, name). */
  | "second_factor.add"
  /** One of the user's own factors was removed (target: the factor; detail: kind, name, how they re-authenticated). */
  | "second_factor.remove"
  /** New recovery codes replaced the old ones (detail: how many). */
  | "second_factor.recovery_codes"
  /** An administrator removed a user's second factors (target: the user; detail: before, after). */
  | "second_factor.reset"
  /** An administrator changed whether the organization requires a second factor (detail: before, after). */
  | "organisation.second_factor_requirement"
  | "logout"
  | "session.expired"
  /** An administrator lifted an account's sign-in lock and cleared its failure counts (detail: by, what was cleared). */
  | "user.unlock"
  /** An admin invited a person (target: invitation id; detail: email, role, expires). */
  | "user.invite"
  /** An admin revoked an open invitation (target: invitation id; detail: email, before, after). */
  | "user.invite_revoke"
  /** A person accepted an invitation and their account was created (target: invitation id). */
  | "user.invite_accept"
  /** An admin changed a staff user's role (target: user id; detail: email, before, after). */
  | "user.role_change"
  /** An admin deactivated a staff user; every session of theirs ended (target: user id; detail: before, after, sessions ended). */
  | "user.deactivate"
  /** An admin reactivated a staff user (target: user id; detail: before, after). */
  | "user.reactivate"
  /** A user changed their own password; their other sessions ended (detail: sessions ended). */
  | "account.password_change"
  /** A wrong current password was given on the account page (re-authentication failed). */
  | "account.reauth_failure"
  /** A user ended one of their own sessions, or all but the current one (detail: sessions ended). */
  | "account.session_end"
  /** A table was exported (target: what; detail: format, filters, rows, completed). */
  | "export"
  /** An organisation's requirement rules were changed (detail: version, reason). */
  | "rules.update"
  /** A draft rule version's effect was previewed: which licensees' statuses would change (detail: counts). */
  | "rules.preview"
  /** A decision was recorded on a licensee's cycle (target: roster entry). */
  | "decision.record"
  /** A supervisor superseded a decision (detail: the decision superseded, reason). */
  | "decision.supersede"
  /** Every licensee who met the requirement was marked compliant at once (detail: entries). */
  | "decision.bulk"
  /** A random audit sample was drawn (detail: seed, window, size). */
  | "renewals.sample"
  /** A roster CSV was recorded (target: roster_upload id; detail: file, counts, how entries matched). */
  | "roster.upload"
  /** A supervisor changed what the board knows of a licensee (target: roster entry; detail: roster key, before, after, reason). */
  | "attributes.update"
  /** A supervisor withdrew a roster upload (target: roster_upload id; detail: reason, entries retired and restored). */
  | "roster.withdraw"
  /** A supervisor linked an unmatched roster entry to a licensee by hand (target: roster entry; detail: learner, reason). */
  | "roster.link"
  /** An administrator asked for an analytics sync now (detail: its outcome). */
  | "analytics.sync"
  /** An administrator checked the organization's audit chain (detail: intact, rows, the first broken row). */
  | "audit.verify"
  /** A staff user saved (or cleared) a remembered view setting, e.g. a grid's columns (target: key; detail: value). */
  | "preferences.update"
  /** An official transcript was issued with a new verification code (target: learner; detail: code, period, format, records). */
  | "transcript.issue"
  /** A verification code was checked (target: the code as typed; detail: outcome). */
  | "transcript.verify";

export interface AuditEntry {
  action: AuditAction;
  userId?: string | null;
  orgCode?: string | null;
  target?: string | null;
  detail?: Record<string, unknown>;
  ip?: string | null;
}

/**
 * The detail as jsonb text. jsonb cannot hold U+0000, and a detail may carry what a request sent
 * (a licensee view records its query string), so an escaped NUL is stored as U+FFFD instead.
 */
export function auditDetailJson(detail: Record<string, unknown>): string {
  // An escape is "\u0000" preceded by an odd number of backslashes (an even number escapes the backslashes).
  return JSON.stringify(detail).replace(/\\+u0000/g, (m) => ((m.length - 5) % 2 === 1 ? `${m.slice(0, -6)}\\ufffd` : m));
}

export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto("board.audit_event")
    .values({
      action: entry.action,
      user_id: entry.userId ?? null,
      org_code: entry.orgCode ?? null,
      target: entry.target ?? null,
      detail: auditDetailJson(entry.detail ?? {}),
      ip: entry.ip ?? null,
    })
    .execute();
}
