// Sign-in: argon2id verification, one generic failure for unknown email or wrong password,
// a 15-minute account lock after 5 consecutive failures, per-address throttling, and an audit
// event for every attempt.
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { recordAudit } from "../models/audit.server";
import { verifyPassword } from "./password.server";

export const MAX_FAILED_ATTEMPTS = 5;
export const LOCK_MINUTES = 15;
/** Failed attempts from one address within LOCK_MINUTES before that address is throttled. */
export const ADDRESS_FAILURE_LIMIT = 30;

export type LoginResult =
  | { ok: true; userId: string; orgCode: string }
  | { ok: false; reason: "invalid" | "throttled" };

export async function attemptLogin(
  db: Kysely<Database>,
  input: { email: string; password: string; ip: string | null },
): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase();
  const ip = input.ip;

  if (ip) {
    // Across every organisation, before anyone is signed in: a function with the owner's rights
    // (migration 0007), since row-level security hides other organisations' audit events.
    const recent = (await sql<{ n: string }>`select board.recent_login_failures(${ip}, ${LOCK_MINUTES}) as n`.execute(db)).rows[0]!;
    if (Number(recent.n) >= ADDRESS_FAILURE_LIMIT) {
      await recordAudit(db, { action: "login.throttled", ip, detail: { email } });
      return { ok: false, reason: "throttled" };
    }
  }

  const user = await db
    .selectFrom("board.staff_user")
    .select(["id", "org_code", "password_hash", sql<boolean>`coalesce(locked_until > now(), false)`.as("locked")])
    .where("email", "=", email)
    .where("disabled_at", "is", null)
    .executeTakeFirst();

  if (user?.locked) {
    await verifyPassword(null, input.password); // same work as any other attempt
    await recordAudit(db, { action: "login.failure", userId: user.id, orgCode: user.org_code, ip, detail: { email, reason: "locked" } });
    return { ok: false, reason: "invalid" };
  }

  const valid = await verifyPassword(user?.password_hash ?? null, input.password);
  if (user && valid) {
    await db
      .updateTable("board.staff_user")
      .set({ failed_login_count: 0, locked_until: null })
      .where("id", "=", user.id)
      .execute();
    await recordAudit(db, { action: "login.success", userId: user.id, orgCode: user.org_code, ip });
    return { ok: true, userId: user.id, orgCode: user.org_code };
  }

  if (user) {
    // One atomic update, so parallel attempts cannot slip past the limit.
    const updated = await db
      .updateTable("board.staff_user")
      .set({
        failed_login_count: sql<number>`case when failed_login_count + 1 >= ${MAX_FAILED_ATTEMPTS} then 0 else failed_login_count + 1 end`,
        locked_until: sql<Date>`case when failed_login_count + 1 >= ${MAX_FAILED_ATTEMPTS}
          then now() + make_interval(mins => ${LOCK_MINUTES}) else locked_until end`,
      })
      .where("id", "=", user.id)
      .returning(sql<boolean>`coalesce(locked_until > now(), false)`.as("locked"))
      .executeTakeFirstOrThrow();
    await recordAudit(db, { action: "login.failure", userId: user.id, orgCode: user.org_code, ip, detail: { email, reason: "wrong_password" } });
    if (updated.locked) {
      await recordAudit(db, { action: "login.locked", userId: user.id, orgCode: user.org_code, ip, detail: { minutes: LOCK_MINUTES } });
    }
  } else {
    await recordAudit(db, { action: "login.failure", ip, detail: { email: email.slice(0, 254), reason: "unknown_email" } });
  }
  return { ok: false, reason: "invalid" };
}
