// A signed-in user's own account (decision 030): their sessions (listed, ended one by one or all but
// this one) and their password (changed only after giving the current one, under the password
// rules; the change ends every other session). Every change is audited.
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { hashPassword, verifyPassword } from "../auth/password.server";
import { passwordProblem } from "../auth/password-policy";
import { IDLE_TIMEOUT_MINUTES, type SessionUser } from "../auth/session.server";
import { recordAudit } from "./audit.server";
import { hasSecondFactor } from "./second-factors.server";

export interface OwnSession {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

/** The user's sessions that are still signed in (not ended, not expired, not idle too long), newest first. */
export async function listOwnSessions(db: Kysely<Database>, user: Pick<SessionUser, "id" | "sessionHash">): Promise<OwnSession[]> {
  const rows = await db
    .selectFrom("board.session")
    .select(["id", "id_hash", "created_at", "last_seen_at", "ip", "user_agent"])
    .where("user_id", "=", user.id)
    .where("revoked_at", "is", null)
    .where(sql<boolean>`expires_at > now()`)
    .where(sql<boolean>`last_seen_at > now() - make_interval(mins => ${IDLE_TIMEOUT_MINUTES})`)
    .orderBy("created_at", "desc")
    .limit(200)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    createdAt: toIso(r.created_at),
    lastSeenAt: toIso(r.last_seen_at),
    ip: r.ip,
    userAgent: r.user_agent,
    current: r.id_hash === user.sessionHash,
  }));
}

/** A timestamp column as ISO text (pg reads timestamptz as a Date). */
function toIso(value: unknown): string {
  return new Date(value as Date | string).toISOString();
}

type Who = Pick<SessionUser, "id" | "sessionHash" | "org">;

/** Ends one of the user's other sessions; false when it is not theirs, not open, or the current one. */
export async function endOwnSession(db: Kysely<Database>, user: Who, sessionId: string, ip: string | null): Promise<boolean> {
  const ended = await db
    .updateTable("board.session")
    .set({ revoked_at: sql`now()` })
    .where("id", "=", sessionId)
    .where("user_id", "=", user.id)
    .where("id_hash", "<>", user.sessionHash)
    .where("revoked_at", "is", null)
    .returning(["ip", "user_agent", "created_at"])
    .executeTakeFirst();
  if (!ended) return false;
  await recordAudit(db, {
    action: "account.session_end",
    userId: user.id,
    orgCode: user.org.code,
    target: sessionId,
    detail: { sessionsEnded: 1, session: { ip: ended.ip, userAgent: ended.user_agent, createdAt: toIso(ended.created_at) } },
    ip,
  });
  return true;
}

async function revokeOthers(db: Kysely<Database>, user: Who): Promise<number> {
  const ended = await db
    .updateTable("board.session")
    .set({ revoked_at: sql`now()` })
    .where("user_id", "=", user.id)
    .where("id_hash", "<>", user.sessionHash)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(ended.numUpdatedRows);
}

/** "Sign out everywhere else": ends every session of the user but this one; returns how many. */
export async function endOtherSessions(db: Kysely<Database>, user: Who, ip: string | null): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const n = await revokeOthers(tx, user);
    await recordAudit(tx, { action: "account.session_end", userId: user.id, orgCode: user.org.code, detail: { sessionsEnded: n, allOthers: true }, ip });
    return n;
  });
}

/** Wrong current passwords on the account page allowed in REAUTH_WINDOW_MINUTES before it refuses to check more. */
export const REAUTH_FAILURE_LIMIT = 5;
export const REAUTH_WINDOW_MINUTES = 15;

export type PasswordChange =
  | { ok: true; sessionsEnded: number }
  | { ok: false; status: 400 | 429; errors: Record<string, string> };

/**
 * Changes the user's password: the current one must be right (re-authentication; after
 * REAUTH_FAILURE_LIMIT wrong ones in REAUTH_WINDOW_MINUTES it is not checked again until the window
 * passes), the new one must meet the password rules (8 characters with a second factor, else 15)
 * and differ from the current one. Every other session of the user ends.
 */
export async function changeOwnPassword(
  db: Kysely<Database>,
  user: Pick<SessionUser, "id" | "email" | "displayName" | "sessionHash" | "org">,
  input: { current: string; next: string },
  ip: string | null,
): Promise<PasswordChange> {
  const failures = await db
    .selectFrom("board.audit_event")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("user_id", "=", user.id)
    .where("action", "=", "account.reauth_failure")
    .where(sql<boolean>`occurred_at > now() - make_interval(mins => ${REAUTH_WINDOW_MINUTES})`)
    .executeTakeFirstOrThrow();
  if (failures.n >= REAUTH_FAILURE_LIMIT) {
    return { ok: false, status: 429, errors: { current: `Too many wrong passwords. Try again in ${REAUTH_WINDOW_MINUTES} minutes.` } };
  }
  const row = await db.selectFrom("board.staff_user").select("password_hash").where("id", "=", user.id).where("disabled_at", "is", null).executeTakeFirst();
  if (!row || !(await verifyPassword(row.password_hash, input.current))) {
    await recordAudit(db, { action: "account.reauth_failure", userId: user.id, orgCode: user.org.code, detail: { for: "password change" }, ip });
    return { ok: false, status: 400, errors: { current: "That is not your current password." } };
  }
  const problem = passwordProblem(input.next, { hasSecondFactor: await hasSecondFactor(db, user.id), email: user.email, name: user.displayName });
  if (problem) return { ok: false, status: 400, errors: { next: problem } };
  if (input.next === input.current) return { ok: false, status: 400, errors: { next: "Choose a password different from your current one." } };
  const passwordHash = await hashPassword(input.next);
  return db.transaction().execute(async (tx): Promise<PasswordChange> => {
    await tx.updateTable("board.staff_user").set({ password_hash: passwordHash, password_changed_at: sql`now()` }).where("id", "=", user.id).execute();
    const sessionsEnded = await revokeOthers(tx, user);
    await recordAudit(tx, { action: "account.password_change", userId: user.id, orgCode: user.org.code, detail: { sessionsEnded }, ip });
    return { ok: true, sessionsEnded };
  });
}
