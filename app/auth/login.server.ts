// Sign-in: argon2id verification, one generic failure for unknown email or wrong password, and
// throttling that an attacker cannot turn against the account's owner (NIST SP 800-63B §5.2.2,
// decision 018):
// - per (account, address): after a few failures that address waits before its next attempt on that
//   account, twice as long each time, up to a cap; answered at once with how long to wait. Another
//   address is not affected, so the owner still signs in while an attacker's address waits.
// - per address, across accounts: many failures in a short window throttle the address as a whole.
// - per account, across addresses: past NIST's ceiling of 100 failures in a day the account is
//   locked until an administrator unlocks it (`npm run unlock-user`).
// Every attempt is audited. Every attempt whose answer could depend on the account (wrong password,
// unknown e-mail, locked account) does the same password-hashing work, so timing does not tell them
// apart. A refusal to wait is decided before, and whatever, the account is, and hashes nothing:
// refusals are unlimited, and hashing for each would hand a flood of them the server's CPU.
import { isIPv6 } from "node:net";
import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Database } from "../../db/schema";
import { recordAudit } from "../models/audit.server";
import { verifyPassword } from "./password.server";

export interface SignInLimits {
  /** Failed attempts from one address against one account before that address has to wait. */
  freeFailures: number;
  /** The first wait, in minutes; each further failure doubles it ... */
  firstDelayMinutes: number;
  /** ... up to this many minutes. */
  maxDelayMinutes: number;
  /** An (account, address) count starts again after this many hours without a failure. */
  pairWindowHours: number;
  /** Failures from one address, whatever the accounts, within addressWindowMinutes before it is throttled. */
  addressFailureLimit: number;
  addressWindowMinutes: number;
  /** Wrong-password failures of one account from any address within accountWindowHours (since its last sign-in or unlock) that lock it. */
  accountFailureLimit: number;
  accountWindowHours: number;
}

export const SIGN_IN_LIMITS: SignInLimits = {
  freeFailures: 5,
  firstDelayMinutes: 1,
  maxDelayMinutes: 60,
  pairWindowHours: 24,
  addressFailureLimit: 30,
  addressWindowMinutes: 15,
  accountFailureLimit: 100,
  accountWindowHours: 24,
};

/** The throttle's key for a request whose address is unknown (no socket address). */
const UNKNOWN_ADDRESS = "unknown";

export type LoginResult =
  | { ok: true; userId: string; orgCode: string }
  | { ok: false; reason: "invalid" }
  /** Refused without looking at the password: this address must wait `retryAfterSeconds`. */
  | { ok: false; reason: "throttled"; scope: "address" | "account"; retryAfterSeconds: number };

/**
 * The address as the (account, address) waits count it: an IPv4 address as it is (an IPv4-mapped
 * IPv6 one as its IPv4 address), an IPv6 address by its /64 network, since one client (a home line,
 * a cloud machine) is handed a whole /64 and could otherwise start afresh from a new address every
 * five guesses.
 */
export function throttleAddress(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  let text = ip.split("%")[0]!.toLowerCase();
  // An IPv4 tail ("::1.2.3.4") is two 16-bit groups.
  const tail = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split("::") as [string, string | undefined];
  const left = head ? head.split(":") : [];
  const right = rest ? rest.split(":") : [];
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}

/** The wait after the (account, address) pair's `failures`-th failure, as an SQL interval. */
function delayAfter(failures: RawBuilder<unknown>, limits: SignInLimits): RawBuilder<unknown> {
  // The exponent is capped so power() cannot overflow however large the count grows.
  return sql`make_interval(secs => 60 * least(${limits.maxDelayMinutes}::float8,
    ${limits.firstDelayMinutes}::float8 * power(2::float8, least(${failures} - ${limits.freeFailures}::int, 30))))`;
}

export async function attemptLogin(
  db: Kysely<Database>,
  input: { email: string; password: string; ip: string | null },
  limits: SignInLimits = SIGN_IN_LIMITS,
): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase().slice(0, 254);
  const ip = input.ip;
  const address = ip ? throttleAddress(ip) : UNKNOWN_ADDRESS;

  const user = await db
    .selectFrom("board.staff_user")
    .select(["id", "org_code", "password_hash", sql<boolean>`coalesce(locked_until > now(), false)`.as("locked")])
    .where("email", "=", email)
    .where("disabled_at", "is", null)
    .executeTakeFirst();
  const who = { userId: user?.id ?? null, orgCode: user?.org_code ?? null, ip };

  if (ip) {
    // Across every organisation, before anyone is signed in: a function with the owner's rights
    // (migration 0007), since row-level security hides other organisations' audit events.
    const recent = (await sql<{ n: string }>`select board.recent_login_failures(${ip}, ${limits.addressWindowMinutes}) as n`.execute(db)).rows[0]!;
    if (Number(recent.n) >= limits.addressFailureLimit) {
      const retryAfterSeconds = limits.addressWindowMinutes * 60;
      await recordAudit(db, { action: "login.throttled", ...who, detail: { email, scope: "address", retryAfterSeconds } });
      return { ok: false, reason: "throttled", scope: "address", retryAfterSeconds };
    }
  }

  // Count this attempt as a failure of the (account, address) pair before the password is checked,
  // in one statement that refuses while the pair must wait: parallel guesses cannot slip past the
  // limit, since each waits for the row and sees the others' counts. A correct password takes its
  // attempt back below. Unknown e-mails are counted the same way, so the answers do not tell them apart.
  const reserved = await sql<{ failures: number }>`
    insert into board.login_throttle as t (account, ip, failures, last_failure_at)
    values (${email}, ${address}, 1, now())
    on conflict (account, ip) do update set
      failures = case when t.last_failure_at <= now() - make_interval(hours => ${limits.pairWindowHours}) then 1 else t.failures + 1 end,
      last_failure_at = now()
    where t.last_failure_at <= now() - make_interval(hours => ${limits.pairWindowHours})
       or t.failures < ${limits.freeFailures}
       or t.last_failure_at + ${delayAfter(sql`t.failures`, limits)} <= now()
    returning failures`.execute(db);
  if (reserved.rows.length === 0) {
    const wait = await sql<{ seconds: number | null }>`
      select ceil(extract(epoch from t.last_failure_at + ${delayAfter(sql`t.failures`, limits)} - now()))::int as seconds
      from board.login_throttle t where t.account = ${email} and t.ip = ${address}`.execute(db);
    const retryAfterSeconds = Math.max(1, wait.rows[0]?.seconds ?? 1);
    await recordAudit(db, { action: "login.throttled", ...who, detail: { email, scope: "account", retryAfterSeconds } });
    return { ok: false, reason: "throttled", scope: "account", retryAfterSeconds };
  }

  if (user?.locked) {
    await verifyPassword(null, input.password); // the same work as any other attempt
    await recordAudit(db, { action: "login.failure", ...who, detail: { email, reason: "locked" } });
    return { ok: false, reason: "invalid" };
  }

  const valid = await verifyPassword(user?.password_hash ?? null, input.password);
  if (user && valid) {
    await db.deleteFrom("board.login_throttle").where("account", "=", email).where("ip", "=", address).execute();
    await db
      .updateTable("board.staff_user")
      .set({ failed_login_count: 0, locked_until: null })
      .where("id", "=", user.id)
      .execute();
    await recordAudit(db, { action: "login.success", ...who });
    return { ok: true, userId: user.id, orgCode: user.org_code };
  }

  if (!user) {
    await recordAudit(db, { action: "login.failure", ...who, detail: { email, reason: "unknown_email" } });
    return { ok: false, reason: "invalid" };
  }

  await recordAudit(db, { action: "login.failure", ...who, detail: { email, reason: "wrong_password" } });
  // failed_login_count: consecutive failures since the last sign-in or unlock, for the admin's eyes.
  await db
    .updateTable("board.staff_user")
    .set({ failed_login_count: sql<number>`failed_login_count + 1` })
    .where("id", "=", user.id)
    .execute();
  const recent = (await sql<{ n: string }>`select board.recent_account_failures(${user.id}::uuid, ${limits.accountWindowHours}) as n`.execute(db)).rows[0]!;
  if (Number(recent.n) >= limits.accountFailureLimit) {
    // Locked until an administrator unlocks it; only the first request past the limit records it.
    const locked = await db
      .updateTable("board.staff_user")
      .set({ locked_until: sql<Date>`'infinity'::timestamptz` })
      .where("id", "=", user.id)
      .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", sql<Date>`now()`)]))
      .returning("id")
      .executeTakeFirst();
    if (locked) {
      await recordAudit(db, {
        action: "login.locked",
        ...who,
        detail: { failures: Number(recent.n), hours: limits.accountWindowHours, until: "unlocked by an administrator" },
      });
    }
  }
  return { ok: false, reason: "invalid" };
}

/** "3 minutes", "1 minute": a wait rounded up to whole minutes. */
export function minutesToWait(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}
