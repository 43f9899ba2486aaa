// An organization's staff as its admins manage them (decision 030): the list, invitations (a
// single-use, time-limited link whose token is stored only as its SHA-256), role changes,
// deactivation (every session ends at once) and reactivation, unlocking sign-in, and resetting second
// factors. Every function takes the acting admin and acts only on their own organization's staff: a
// user of another organization is not found, exactly as one that does not exist. The last active
// admin of an organization can be neither demoted nor deactivated. Every change is audited with
// before and after, in the same transaction as the change.
import { randomBytes } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { STAFF_ROLES, type StaffRole } from "../../domain/reference";
import { lockedOutSql, unlockAccount } from "../auth/login.server";
import { hashPassword } from "../auth/password.server";
import { passwordProblem } from "../auth/password-policy";
import { hashToken, type SessionUser } from "../auth/session.server";
import { recordAudit } from "./audit.server";
import { resetSecondFactors } from "./second-factors.server";

export type Actor = Pick<SessionUser, "id" | "email" | "org">;

export type StaffStatus = "active" | "locked_out" | "deactivated";
export const STAFF_STATUSES = ["active", "locked_out", "deactivated", "invited"] as const;
export type StaffListStatus = (typeof STAFF_STATUSES)[number];

/** How long an invitation link may be used, in days, as the form offers it. */
export const INVITE_VALID_DAYS = [1, 3, 7] as const;
/** At most this many staff rows on one page of the list (with a count of how many matched). */
export const STAFF_LIST_LIMIT = 500;

export interface StaffFilters {
  q?: string;
  role?: StaffRole;
  status?: StaffListStatus;
}

export interface StaffMember {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  status: StaffStatus;
  createdAt: string;
  lastSignInAt: string | null;
  passwordChangedAt: string | null;
}

export interface InviteItem {
  id: string;
  email: string;
  role: StaffRole;
  createdAt: string;
  expiresAt: string;
  createdBy: string;
  expired: boolean;
}

/** A timestamp column as ISO text (pg reads timestamptz as a Date). */
const iso = (value: unknown): string | null => (value === null || value === undefined ? null : new Date(value as Date | string).toISOString());

/** `%`, `_` and `\` taken literally in an ILIKE pattern. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function statusSql() {
  return sql<StaffStatus>`case when u.disabled_at is not null then 'deactivated'
    when ${lockedOutSql(sql.ref("u.email"), sql.ref("u.locked_until"))} then 'locked_out' else 'active' end`;
}

function staffQuery(db: Kysely<Database>, orgCode: string) {
  return db
    .selectFrom("board.staff_user as u")
    .where("u.org_code", "=", orgCode)
    .select([
      "u.id",
      "u.email",
      "u.display_name",
      "u.role",
      "u.created_at",
      "u.password_changed_at",
      statusSql().as("status"),
      sql<Date | null>`(select max(s.created_at) from board.session s where s.user_id = u.id)`.as("last_sign_in_at"),
    ]);
}

type StaffRow = {
  id: string;
  email: string;
  display_name: string;
  role: string;
  created_at: unknown;
  password_changed_at: unknown;
  status: StaffStatus;
  last_sign_in_at: unknown;
};

function toMember(row: StaffRow): StaffMember {
  return {
    id: row.id,
    email: row.email,
    name: row.display_name,
    role: row.role as StaffRole,
    status: row.status,
    createdAt: iso(row.created_at)!,
    lastSignInAt: iso(row.last_sign_in_at),
    passwordChangedAt: iso(row.password_changed_at),
  };
}

/** The organization's staff and open invitations matching `filters`, staff by name. */
export async function listStaff(
  db: Kysely<Database>,
  orgCode: string,
  filters: StaffFilters,
): Promise<{ staff: StaffMember[]; matched: number; invites: InviteItem[]; counts: Record<StaffListStatus, number> }> {
  const q = filters.q?.trim();
  const wantInvites = filters.status === undefined || filters.status === "invited";
  const wantStaff = filters.status !== "invited";
  const all = await staffQuery(db, orgCode)
    .$if(Boolean(q), (qb) => qb.where((eb) => eb.or([eb("u.email", "ilike", likePattern(q!)), eb("u.display_name", "ilike", likePattern(q!))])))
    .$if(filters.role !== undefined, (qb) => qb.where("u.role", "=", filters.role!))
    .orderBy(sql`lower(u.display_name)`)
    .orderBy("u.email")
    .execute();
  const matching = wantStaff ? all.filter((r) => filters.status === undefined || r.status === filters.status) : [];
  const invites = await db
    .selectFrom("board.staff_invite as i")
    .innerJoin("board.staff_user as c", "c.id", "i.created_by")
    .where("i.org_code", "=", orgCode)
    .where("i.accepted_at", "is", null)
    .where("i.revoked_at", "is", null)
    .$if(Boolean(q), (qb) => qb.where("i.email", "ilike", likePattern(q!)))
    .$if(filters.role !== undefined, (qb) => qb.where("i.role", "=", filters.role!))
    .select(["i.id", "i.email", "i.role", "i.created_at", "i.expires_at", "c.display_name as created_by", sql<boolean>`i.expires_at <= now()`.as("expired")])
    .orderBy("i.created_at", "desc")
    .limit(STAFF_LIST_LIMIT)
    .execute();
  const counts: Record<StaffListStatus, number> = { active: 0, locked_out: 0, deactivated: 0, invited: invites.filter((i) => !i.expired).length };
  for (const r of all) counts[r.status]++;
  return {
    staff: matching.slice(0, STAFF_LIST_LIMIT).map(toMember),
    matched: matching.length,
    invites: wantInvites
      ? invites.map((i) => ({
          id: i.id,
          email: i.email,
          role: i.role as StaffRole,
          createdAt: iso(i.created_at)!,
          expiresAt: iso(i.expires_at)!,
          createdBy: i.created_by,
          expired: i.expired,
        }))
      : [],
    counts,
  };
}

export interface StaffDetail extends StaffMember {
  /** Sessions now signed in (not ended, not expired). */
  openSessions: number;
  /** Failed sign-ins at this e-mail from browsers without a device cookie in the last day. */
  recentFailures: number;
  /** Whether this is the organization's only active admin. */
  lastActiveAdmin: boolean;
}

/** One staff member of the actor's organization, or null (another organization's is null too). */
export async function getStaffMember(db: Kysely<Database>, orgCode: string, userId: string): Promise<StaffDetail | null> {
  const row = await staffQuery(db, orgCode)
    .where("u.id", "=", userId)
    .select([
      sql<number>`(select count(*)::int from board.session s where s.user_id = u.id and s.revoked_at is null and s.expires_at > now())`.as("open_sessions"),
      sql<number>`(select count(*)::int from board.login_failure f where f.account = u.email and not f.trusted and f.at > now() - interval '1 day')`.as("recent_failures"),
      sql<boolean>`u.role = 'admin' and u.disabled_at is null and not exists (
        select 1 from board.staff_user a where a.org_code = u.org_code and a.role = 'admin' and a.disabled_at is null and a.id <> u.id)`.as("last_admin"),
    ])
    .executeTakeFirst();
  if (!row) return null;
  return { ...toMember(row), openSessions: row.open_sessions, recentFailures: row.recent_failures, lastActiveAdmin: row.last_admin };
}

// ---------------------------------------------------------------- changes

export type StaffChange =
  | { ok: true; message: string }
  /** 404: no such user in the organization; 409: refused as it stands (last admin, oneself); 400: a field. */
  | { ok: false; status: 400 | 404 | 409; message: string; field?: string };

const notFound: StaffChange = { ok: false, status: 404, message: "There is no such staff member in your organization." };

interface Locked {
  id: string;
  email: string;
  display_name: string;
  role: StaffRole;
  disabled: boolean;
  /** Other active admins of the organization. */
  otherActiveAdmins: number;
}

/**
 * Locks the organization's active admins (in id order, so two admins acting at once wait for each
 * other instead of both passing the last-admin check) and then the target; null when the target is
 * not one of the organization's staff.
 */
async function lockTarget(tx: Transaction<Database>, orgCode: string, userId: string): Promise<Locked | null> {
  const admins = await tx
    .selectFrom("board.staff_user")
    .select("id")
    .where("org_code", "=", orgCode)
    .where("role", "=", "admin")
    .where("disabled_at", "is", null)
    .orderBy("id")
    .forUpdate()
    .execute();
  const user = await tx
    .selectFrom("board.staff_user")
    .select(["id", "email", "display_name", "role", sql<boolean>`disabled_at is not null`.as("disabled")])
    .where("org_code", "=", orgCode)
    .where("id", "=", userId)
    .forUpdate()
    .executeTakeFirst();
  if (!user) return null;
  return { ...user, role: user.role as StaffRole, otherActiveAdmins: admins.filter((a) => a.id !== user.id).length };
}

const isActiveAdmin = (u: Locked) => u.role === "admin" && !u.disabled;

export async function changeRole(db: Kysely<Database>, actor: Actor, userId: string, role: StaffRole, ip: string | null): Promise<StaffChange> {
  return db.transaction().execute(async (tx): Promise<StaffChange> => {
    const user = await lockTarget(tx, actor.org.code, userId);
    if (!user) return notFound;
    if (user.role === role) return { ok: true, message: `${user.display_name} is already a ${role}.` };
    if (isActiveAdmin(user) && role !== "admin" && user.otherActiveAdmins === 0) {
      return { ok: false, status: 409, field: "role", message: "This is your organization's only active admin. Make someone else an admin first." };
    }
    await tx.updateTable("board.staff_user").set({ role }).where("id", "=", user.id).execute();
    await recordAudit(tx, {
      action: "user.role_change",
      userId: actor.id,
      orgCode: actor.org.code,
      target: user.id,
      detail: { email: user.email, before: { role: user.role }, after: { role } },
      ip,
    });
    return { ok: true, message: `${user.display_name} is now a ${role}.` };
  });
}

export async function deactivateStaff(db: Kysely<Database>, actor: Actor, userId: string, ip: string | null): Promise<StaffChange> {
  return db.transaction().execute(async (tx): Promise<StaffChange> => {
    const user = await lockTarget(tx, actor.org.code, userId);
    if (!user) return notFound;
    if (user.disabled) return { ok: true, message: `${user.display_name} is already deactivated.` };
    if (user.id === actor.id) return { ok: false, status: 409, message: "You cannot deactivate your own account. Ask another admin." };
    if (isActiveAdmin(user) && user.otherActiveAdmins === 0) {
      return { ok: false, status: 409, message: "This is your organization's only active admin. Make someone else an admin first." };
    }
    await tx.updateTable("board.staff_user").set({ disabled_at: sql`now()` }).where("id", "=", user.id).execute();
    // Every session ends now: the next request of any of them is signed out.
    const ended = await tx
      .updateTable("board.session")
      .set({ revoked_at: sql`now()` })
      .where("user_id", "=", user.id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    const sessionsEnded = Number(ended.numUpdatedRows);
    await recordAudit(tx, {
      action: "user.deactivate",
      userId: actor.id,
      orgCode: actor.org.code,
      target: user.id,
      detail: { email: user.email, before: { status: "active" }, after: { status: "deactivated" }, sessionsEnded },
      ip,
    });
    return { ok: true, message: `${user.display_name} is deactivated${sessionsEnded ? ` and signed out of ${sessionsEnded} session${sessionsEnded === 1 ? "" : "s"}` : ""}.` };
  });
}

export async function reactivateStaff(db: Kysely<Database>, actor: Actor, userId: string, ip: string | null): Promise<StaffChange> {
  return db.transaction().execute(async (tx): Promise<StaffChange> => {
    const user = await lockTarget(tx, actor.org.code, userId);
    if (!user) return notFound;
    if (!user.disabled) return { ok: true, message: `${user.display_name} is already active.` };
    await tx.updateTable("board.staff_user").set({ disabled_at: null }).where("id", "=", user.id).execute();
    await recordAudit(tx, {
      action: "user.reactivate",
      userId: actor.id,
      orgCode: actor.org.code,
      target: user.id,
      detail: { email: user.email, before: { status: "deactivated" }, after: { status: "active" } },
      ip,
    });
    return { ok: true, message: `${user.display_name} is active again and can sign in.` };
  });
}

/** Clears the sign-in refusals of one of the organization's staff (unlockAccount, as `npm run unlock-user` does). */
export async function unlockStaff(db: Kysely<Database>, actor: Actor, userId: string, ip: string | null): Promise<StaffChange> {
  return db.transaction().execute(async (tx): Promise<StaffChange> => {
    const member = await getStaffMember(tx, actor.org.code, userId);
    if (!member) return notFound;
    const unlocked = await unlockAccount(tx, member.email, actor.org.code);
    if (!unlocked) return notFound;
    await recordAudit(tx, {
      action: "user.unlock",
      userId: actor.id,
      orgCode: actor.org.code,
      target: member.id,
      detail: {
        email: member.email,
        by: actor.email,
        via: "staff page",
        before: { status: member.status },
        after: { status: member.status === "locked_out" ? "active" : member.status },
        wasLocked: unlocked.wasLocked,
        failedLogins: unlocked.failedLogins,
        addressesCleared: unlocked.addressesCleared,
        failuresCleared: unlocked.failuresCleared,
      },
      ip,
    });
    return { ok: true, message: `${member.name} can sign in again from any browser; failed attempts were cleared.` };
  });
}

/**
 * Removes a user's second factors and recovery codes (the second-factor module does it, audited as
 * "second_factor.reset" with before and after); another organization's user is a 404 as a missing one.
 */
export async function resetStaffSecondFactors(db: Kysely<Database>, actor: Actor, userId: string, ip: string | null): Promise<StaffChange> {
  const user = await db.selectFrom("board.staff_user").select(["id", "display_name"]).where("id", "=", userId).where("org_code", "=", actor.org.code).executeTakeFirst();
  if (!user) return notFound;
  const removed = await resetSecondFactors(db, { actor: { id: actor.id, orgCode: actor.org.code }, userId: user.id, ip });
  return {
    ok: true,
    message:
      removed.passkeys + removed.apps > 0
        ? `${user.display_name}'s second factors were removed; they set up a new one at their next sign-in.`
        : `${user.display_name} had no second factor to remove.`,
  };
}

// ---------------------------------------------------------------- invitations

export type InviteResult =
  | { ok: true; token: string; email: string; role: StaffRole; expiresAt: string }
  | { ok: false; field: string; message: string };

/**
 * Invites `email` with `role`, valid for `validDays`. Returns the token (shown once, in the link;
 * only its hash is kept). An open invitation of the same e-mail in the organization is revoked by
 * the new one. An e-mail that already has a staff account is refused: each person has one account.
 */
export async function createInvite(
  db: Kysely<Database>,
  actor: Actor,
  input: { email: string; role: StaffRole; validDays: number },
  ip: string | null,
): Promise<InviteResult> {
  const email = input.email.trim().toLowerCase();
  const token = randomBytes(32).toString("base64url");
  return db.transaction().execute(async (tx): Promise<InviteResult> => {
    const existing = await tx.selectFrom("board.staff_user").select("org_code").where("email", "=", email).executeTakeFirst();
    if (existing) {
      return {
        ok: false,
        field: "email",
        message:
          existing.org_code === actor.org.code
            ? "This person already has an account in your organization; find them in the staff list."
            : "This email address already has a staff account. Each person has one account; use another address.",
      };
    }
    const replaced = await tx
      .updateTable("board.staff_invite")
      .set({ revoked_at: sql`now()` })
      .where("org_code", "=", actor.org.code)
      .where("email", "=", email)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .returning("id")
      .execute();
    const invite = await tx
      .insertInto("board.staff_invite")
      .values({
        org_code: actor.org.code,
        email,
        role: input.role,
        token_hash: hashToken(token),
        created_by: actor.id,
        expires_at: sql<Date>`now() + make_interval(days => ${input.validDays})`,
      })
      .returning(["id", "expires_at"])
      .executeTakeFirstOrThrow();
    await recordAudit(tx, {
      action: "user.invite",
      userId: actor.id,
      orgCode: actor.org.code,
      target: invite.id,
      detail: { email, role: input.role, expiresAt: iso(invite.expires_at), replacedInvites: replaced.map((r) => r.id) },
      ip,
    });
    return { ok: true, token, email, role: input.role, expiresAt: iso(invite.expires_at)! };
  });
}

export async function revokeInvite(db: Kysely<Database>, actor: Actor, inviteId: string, ip: string | null): Promise<StaffChange> {
  return db.transaction().execute(async (tx): Promise<StaffChange> => {
    const invite = await tx
      .selectFrom("board.staff_invite")
      .select(["id", "email", "accepted_at", "revoked_at"])
      .where("org_code", "=", actor.org.code)
      .where("id", "=", inviteId)
      .forUpdate()
      .executeTakeFirst();
    if (!invite) return { ok: false, status: 404, message: "There is no such invitation in your organization." };
    if (invite.accepted_at) return { ok: false, status: 409, message: `${invite.email} has already accepted; deactivate the account instead.` };
    if (invite.revoked_at) return { ok: true, message: `The invitation of ${invite.email} was already revoked.` };
    await tx.updateTable("board.staff_invite").set({ revoked_at: sql`now()` }).where("id", "=", invite.id).execute();
    await recordAudit(tx, {
      action: "user.invite_revoke",
      userId: actor.id,
      orgCode: actor.org.code,
      target: invite.id,
      detail: { email: invite.email, before: { status: "invited" }, after: { status: "revoked" } },
      ip,
    });
    return { ok: true, message: `The invitation of ${invite.email} is revoked; its link no longer works.` };
  });
}

/** What an invitation link names, as its page shows it. */
export type InviteState =
  | { state: "open"; orgCode: string; orgName: string; email: string; role: StaffRole; expiresAt: string }
  | { state: "accepted" | "revoked" | "expired" | "unknown" };

/** Longer than any token this app makes; a longer one is not looked up at all. */
const MAX_TOKEN_LENGTH = 200;

export async function readInvite(db: Kysely<Database>, token: string): Promise<InviteState> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return { state: "unknown" };
  const row = (
    await sql<{ org_code: string; org_name: string; email: string; role: string; expires_at: Date; accepted_at: Date | null; revoked_at: Date | null; expired: boolean }>`
      select * from board.staff_invite_by_token(${hashToken(token)})`.execute(db)
  ).rows[0];
  if (!row) return { state: "unknown" };
  if (row.accepted_at) return { state: "accepted" };
  if (row.revoked_at) return { state: "revoked" };
  if (row.expired) return { state: "expired" };
  return { state: "open", orgCode: row.org_code, orgName: row.org_name, email: row.email, role: row.role as StaffRole, expiresAt: iso(row.expires_at)! };
}

export type AcceptResult = { ok: true; email: string } | { ok: false; field?: string; message: string; state?: InviteState["state"] };

/** The message for an invitation that can no longer be used. */
export function inviteUnusableMessage(state: InviteState["state"]): string {
  switch (state) {
    case "accepted":
      return "This invitation has already been used. Sign in with the account it created, or ask your organization's admin for a new invitation.";
    case "revoked":
      return "This invitation was withdrawn by your organization's admin. Ask them for a new one.";
    case "expired":
      return "This invitation has expired. Ask your organization's admin for a new one.";
    default:
      return "This invitation link is not valid. Check that you copied the whole link, or ask your organization's admin for a new one.";
  }
}

/**
 * Accepts an open invitation: the account is created with the invitation's e-mail, organization and
 * role, the name and password given (the password under the password rules, checked by the caller
 * too). Single use: of two acceptances at once, one wins and the other is told it was used.
 */
export async function acceptInvite(db: Kysely<Database>, token: string, input: { name: string; password: string }, ip: string | null): Promise<AcceptResult> {
  const invite = await readInvite(db, token);
  if (invite.state !== "open") return { ok: false, message: inviteUnusableMessage(invite.state), state: invite.state };
  const problem = passwordProblem(input.password, { hasSecondFactor: false, email: invite.email, name: input.name });
  if (problem) return { ok: false, field: "password", message: problem };
  // Hashing takes a moment: done before the transaction, so no row waits on it.
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (tx): Promise<AcceptResult> => {
    const claimed = (
      await sql<{ id: string; org_code: string; email: string; role: string }>`select * from board.claim_staff_invite(${hashToken(token)})`.execute(tx)
    ).rows[0];
    if (!claimed) {
      const now = await readInvite(tx, token);
      return { ok: false, message: inviteUnusableMessage(now.state === "open" ? "accepted" : now.state), state: now.state };
    }
    const created = await tx
      .insertInto("board.staff_user")
      .values({
        email: claimed.email,
        display_name: input.name,
        password_hash: passwordHash,
        role: claimed.role,
        org_code: claimed.org_code,
        password_changed_at: sql<Date>`now()`,
      })
      .onConflict((oc) => oc.column("email").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!created) {
      // Someone made an account with this e-mail after the invitation: the claim is undone.
      throw new InviteConflict();
    }
    await recordAudit(tx, {
      action: "user.invite_accept",
      userId: created.id,
      orgCode: claimed.org_code,
      target: claimed.id,
      detail: { email: claimed.email, role: claimed.role, before: { status: "invited" }, after: { status: "active" } },
      ip,
    });
    return { ok: true, email: claimed.email };
  }).catch((error: unknown): AcceptResult => {
    if (error instanceof InviteConflict) {
      return { ok: false, message: "This email address already has a staff account. Sign in with it, or ask your organization's admin." };
    }
    throw error;
  });
}

class InviteConflict extends Error {}

export function isStaffRole(value: string): value is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(value);
}
