// Sign-in: argon2id verification, one generic failure for unknown email or wrong password, and
// throttling that an attacker cannot turn against the account's owner (NIST SP 800-63B §5.2.2,
// OWASP's device cookies; decision 018):
// - device cookies: a successful sign-in gives the browser a long-lived cookie bound to the account
//   (`__device`, a random token whose SHA-256 is in board.login_device). An attempt that shows a valid
//   one for the account it names is a trusted client: it waits only on its own failures (5 free,
//   then growing waits, like an address) and no other limit applies to it.
// - per (account, address): after a few failures that address waits before its next attempt on that
//   account, twice as long each time, up to a cap; answered at once with how long to wait. Another
//   address, and the owner's trusted browser, is not affected.
// - per address group (an IPv6 /64), across accounts: many failures in a short window refuse the
//   address as a whole (untrusted attempts only).
// - per account, across addresses: past NIST's ceiling of 100 failures by untrusted clients in a
//   rolling day, untrusted attempts at that e-mail are refused until the count falls below it or an
//   administrator unlocks (`npm run unlock-user`). Nothing locks the account itself: its owner on a
//   browser where they signed in before still signs in.
// Every attempt is audited, a refusal once per waiting period. An unknown e-mail and a wrong password
// run the same statements, and every attempt whose answer could depend on the account does the same
// password-hashing work, so neither answers nor timing tell them apart. A refusal to wait is decided
// before, and whatever, the account is, and hashes nothing: refusals are unlimited, and hashing for
// each would hand a flood of them the server's CPU.
import { createHash, randomBytes } from "node:crypto";
import { isIPv6 } from "node:net";
import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Database } from "../../db/schema";
import { recordAudit } from "../models/audit.server";
import { verifyPassword } from "./password.server";
import { passwordRefused } from "./sso.server";
import { DEVICE_COOKIE_DAYS } from "./session.server";

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
  /**
   * Failures of one account (the e-mail as typed, known or not) by untrusted clients, from any
   * address, within a rolling accountWindowHours (since its last unlock), past which untrusted
   * attempts at it are refused.
   */
  accountFailureLimit: number;
  accountWindowHours: number;
  /** A device cookie not used to sign in for this many days is no longer trusted. */
  deviceDays: number;
  /** Sign-in prunes its expired rows at most this often, up to pruneBatch rows per table each time. */
  pruneEverySeconds: number;
  pruneBatch: number;
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
  deviceDays: DEVICE_COOKIE_DAYS,
  pruneEverySeconds: 60,
  pruneBatch: 5000,
};

/** The throttle's key for a request whose address is unknown (no socket address). */
const UNKNOWN_ADDRESS = "unknown";

export type LoginResult =
  /**
   * The password was right; `deviceToken` is the new device cookie's value. With `secondFactor` the
   * user must still show one (app/routes/login_.verify.tsx) before a session is made.
   */
  | { ok: true; userId: string; orgCode: string; deviceToken: string; secondFactor: boolean }
  | { ok: false; reason: "invalid" }
  /** The password was right, but the account's organization signs in through its identity provider only (decision 032). */
  | { ok: false; reason: "sso_required"; orgCode: string; orgName: string }
  /**
   * Refused without looking at the password, for `retryAfterSeconds`: the address group as a whole
   * ("address"), this address or device at this account ("account"), or any client without a device
   * cookie at this account ("untrusted").
   */
  | { ok: false; reason: "throttled"; scope: "address" | "account" | "untrusted"; retryAfterSeconds: number };

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

/** The wait after the (account, client) pair's `failures`-th failure, as an SQL interval. */
function delayAfter(failures: RawBuilder<unknown>, limits: SignInLimits): RawBuilder<unknown> {
  // The exponent is capped so power() cannot overflow however large the count grows.
  return sql`make_interval(secs => 60 * least(${limits.maxDelayMinutes}::float8,
    ${limits.firstDelayMinutes}::float8 * power(2::float8, least(${failures} - ${limits.freeFailures}::int, 30))))`;
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** What one statement learns before anything is decided: the same statement whoever the e-mail is. */
interface AttemptContext {
  id: string | null;
  org_code: string | null;
  password_hash: string | null;
  /** The device cookie's row, when it is valid for this account. */
  device_id: string | null;
  address_failures: number;
  /** The latest of them, as PostgreSQL's text (exact to the microsecond): where a waiting period starts. */
  address_latest: string | null;
  account_failures: number;
  account_latest: string | null;
  /** Seconds until the untrusted count falls below the limit (null when it is below). */
  account_clears_in: number | null;
  prune_due: boolean;
}

export async function attemptLogin(
  db: Kysely<Database>,
  input: { email: string; password: string; ip: string | null; deviceToken?: string | null },
  limits: SignInLimits = SIGN_IN_LIMITS,
): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase().slice(0, 254);
  const ip = input.ip;
  const address = ip ? throttleAddress(ip) : UNKNOWN_ADDRESS;
  const deviceHash = input.deviceToken ? hashToken(input.deviceToken) : null;
  const hours = limits.accountWindowHours;

  // One round trip, the same statements for a known or unknown e-mail: the account, whether the
  // device cookie is valid for it, the address group's and the e-mail's recent failures, and whether
  // it is time to prune (at most once every pruneEverySeconds, whichever process asks first).
  const ctx = (
    await sql<AttemptContext>`
      with prune as (
        update board.login_prune set pruned_at = now()
        where pruned_at <= now() - make_interval(secs => ${limits.pruneEverySeconds})
        returning 1)
      select u.id, u.org_code, u.password_hash, d.id as device_id,
        a.failures as address_failures, a.latest::text as address_latest,
        c.failures as account_failures, c.latest::text as account_latest,
        ceil(extract(epoch from c.clears_at - now()))::int as account_clears_in,
        exists (select from prune) as prune_due
      from (select 1) one
      left join board.staff_user u on u.email = ${email} and u.disabled_at is null
      left join board.login_device d on d.id_hash = ${deviceHash}::text and d.user_id = u.id
        and d.last_used_at > now() - make_interval(days => ${limits.deviceDays})
      cross join lateral (
        select count(*)::int as failures, max(f.at) as latest from board.login_failure f
        where f.client = ${address} and f.at > now() - make_interval(mins => ${limits.addressWindowMinutes})) a
      cross join lateral (
        select count(*)::int as failures, max(f.at) as latest,
          (select g.at from board.login_failure g
           where g.account = ${email} and not g.trusted and g.at > now() - make_interval(hours => ${hours})
           order by g.at desc offset ${limits.accountFailureLimit - 1} limit 1) + make_interval(hours => ${hours}) as clears_at
        from board.login_failure f
        where f.account = ${email} and not f.trusted and f.at > now() - make_interval(hours => ${hours})) c`.execute(db)
  ).rows[0]!;
  if (ctx.prune_due) await pruneSignInState(db, limits);

  const trusted = ctx.device_id !== null;
  // A trusted attempt waits on its own device's failures; an untrusted one on its address group's.
  const client = trusted ? `device:${ctx.device_id}` : address;
  const who = { userId: ctx.id, orgCode: ctx.org_code, ip };

  if (!trusted && ip && ctx.address_failures >= limits.addressFailureLimit) {
    // Password spraying from one address group across staff e-mails.
    const retryAfterSeconds = limits.addressWindowMinutes * 60;
    await refuse(db, { scope: "address", account: "", client: address, periodStart: ctx.address_latest }, async () =>
      recordAudit(db, { action: "login.throttled", ...who, detail: { email, scope: "address", client: address, retryAfterSeconds } }),
    );
    return { ok: false, reason: "throttled", scope: "address", retryAfterSeconds };
  }

  if (!trusted && ctx.account_failures >= limits.accountFailureLimit) {
    // The e-mail, known or not, is under attack from many addresses: only browsers where the account
    // signed in before are let through, until its failures of the last day fall below the limit.
    const retryAfterSeconds = Math.max(1, ctx.account_clears_in ?? 1);
    await refuse(db, { scope: "untrusted", account: email, client: address, periodStart: ctx.account_latest }, async () =>
      recordAudit(db, {
        action: "login.throttled",
        ...who,
        detail: { email, scope: "untrusted", client: address, failures: ctx.account_failures, retryAfterSeconds },
      }),
    );
    return { ok: false, reason: "throttled", scope: "untrusted", retryAfterSeconds };
  }

  // Count this attempt as a failure of the (account, client) pair before the password is checked,
  // in one statement that refuses while the pair must wait: parallel guesses cannot slip past the
  // limit, since each waits for the row and sees the others' counts. A correct password takes its
  // attempt back below. Unknown e-mails are counted the same way, so the answers do not tell them apart.
  const reserved = await sql<{ failures: number }>`
    insert into board.login_throttle as t (account, client, failures, last_failure_at)
    values (${email}, ${client}, 1, now())
    on conflict (account, client) do update set
      failures = case when t.last_failure_at <= now() - make_interval(hours => ${limits.pairWindowHours}) then 1 else t.failures + 1 end,
      last_failure_at = now()
    where t.last_failure_at <= now() - make_interval(hours => ${limits.pairWindowHours})
       or t.failures < ${limits.freeFailures}
       or t.last_failure_at + ${delayAfter(sql`t.failures`, limits)} <= now()
    returning failures`.execute(db);
  if (reserved.rows.length === 0) {
    // The waiting period began with the pair's last failure: only its first refusal is audited.
    const wait = await sql<{ seconds: number | null; refusals: number | null }>`
      with t as (
        select t.last_failure_at, ceil(extract(epoch from t.last_failure_at + ${delayAfter(sql`t.failures`, limits)} - now()))::int as seconds
        from board.login_throttle t where t.account = ${email} and t.client = ${client}),
      r as (
        insert into board.login_refusal as r (scope, account, client, refusals)
        select 'account', ${email}, ${client}, 1 from t
        on conflict (scope, account, client) do update set
          refusals = case when r.last_at < (select last_failure_at from t) then 1 else r.refusals + 1 end,
          first_at = case when r.last_at < (select last_failure_at from t) then now() else r.first_at end,
          last_at = now()
        returning r.refusals)
      select (select seconds from t) as seconds, (select refusals from r) as refusals`.execute(db);
    const retryAfterSeconds = Math.max(1, wait.rows[0]?.seconds ?? 1);
    if (wait.rows[0]?.refusals === 1) {
      await recordAudit(db, {
        action: "login.throttled",
        ...who,
        detail: { email, scope: "account", client: trusted ? "device" : address, retryAfterSeconds },
      });
    }
    return { ok: false, reason: "throttled", scope: "account", retryAfterSeconds };
  }

  // argon2id against a dummy hash when there is no account: the same work either way.
  const valid = await verifyPassword(ctx.password_hash, input.password);
  if (ctx.id && ctx.org_code && valid) {
    const ssoOnly = await passwordRefused(db, ctx.id);
    if (ssoOnly) {
      await db.deleteFrom("board.login_throttle").where("account", "=", email).where("client", "=", client).execute();
      await recordAudit(db, { action: "login.failure", ...who, detail: { email, reason: "sso_required", client: address } });
      return { ok: false, reason: "sso_required", orgCode: ssoOnly.orgCode, orgName: ssoOnly.orgName };
    }
    await db.deleteFrom("board.login_throttle").where("account", "=", email).where("client", "=", client).execute();
    await db.updateTable("board.staff_user").set({ failed_login_count: 0, locked_until: null }).where("id", "=", ctx.id).execute();
    // A new device cookie on every sign-in; the one shown (if valid for this account) is replaced.
    const deviceToken = randomBytes(32).toString("base64url");
    await sql`
      with gone as (delete from board.login_device where id = ${ctx.device_id}::bigint)
      insert into board.login_device (id_hash, user_id) values (${hashToken(deviceToken)}, ${ctx.id}::uuid)`.execute(db);
    // With a second factor the password is only the first step: the sign-in is audited when it completes (decision 031).
    const secondFactor = (await sql<{ has: boolean }>`select board.has_second_factor(${ctx.id}::uuid) as has`.execute(db)).rows[0]?.has === true;
    await recordAudit(db, { action: secondFactor ? "login.password" : "login.success", ...who, detail: { trusted } });
    return { ok: true, userId: ctx.id, orgCode: ctx.org_code, deviceToken, secondFactor };
  }

  // A wrong password and an unknown e-mail run the same statements: the failure is counted (address
  // group, e-mail as typed) and the account's failed_login_count raised, which for an unknown e-mail
  // matches no row.
  await sql`
    with counted as (
      insert into board.login_failure (account, client, trusted) values (${email}, ${address}, ${trusted}))
    update board.staff_user set failed_login_count = failed_login_count + 1
    where email = ${email} and disabled_at is null`.execute(db);
  await recordAudit(db, {
    action: "login.failure",
    ...who,
    detail: { email, reason: ctx.id ? "wrong_password" : "unknown_email", client: address, ...(trusted ? { trusted } : {}) },
  });
  return { ok: false, reason: "invalid" };
}

/**
 * Records a refusal of `scope` for (account, client); `audit` runs only for the first refusal of
 * the waiting period, which began with `periodStart` (the latest failure that counts towards it).
 */
async function refuse(
  db: Kysely<Database>,
  key: { scope: "address" | "untrusted"; account: string; client: string; periodStart: string | null },
  audit: () => Promise<void>,
): Promise<void> {
  const row = await sql<{ refusals: number }>`
    insert into board.login_refusal as r (scope, account, client, refusals)
    values (${key.scope}, ${key.account}, ${key.client}, 1)
    on conflict (scope, account, client) do update set
      refusals = case when r.last_at < ${key.periodStart}::timestamptz then 1 else r.refusals + 1 end,
      first_at = case when r.last_at < ${key.periodStart}::timestamptz then now() else r.first_at end,
      last_at = now()
    returning refusals`.execute(db);
  if (row.rows[0]?.refusals === 1) await audit();
}

/**
 * Deletes sign-in state that no longer counts: waits, failures and refusals older than the longest
 * window (a day), device cookies unused for deviceDays; at most pruneBatch rows per table each time.
 */
export async function pruneSignInState(db: Kysely<Database>, limits: SignInLimits = SIGN_IN_LIMITS): Promise<void> {
  const hours = Math.max(limits.pairWindowHours, limits.accountWindowHours, Math.ceil(limits.addressWindowMinutes / 60));
  const cutoff = sql`now() - make_interval(hours => ${hours})`;
  await sql`
    with throttle as (
      delete from board.login_throttle where ctid = any(array(
        select ctid from board.login_throttle where last_failure_at < ${cutoff} limit ${limits.pruneBatch}))),
    failure as (
      delete from board.login_failure where id = any(array(
        select id from board.login_failure where at < ${cutoff} limit ${limits.pruneBatch}))),
    refusal as (
      delete from board.login_refusal where ctid = any(array(
        select ctid from board.login_refusal where last_at < ${cutoff} limit ${limits.pruneBatch}))),
    device as (
      delete from board.login_device where id = any(array(
        select id from board.login_device where last_used_at < now() - make_interval(days => ${limits.deviceDays}) limit ${limits.pruneBatch})))
    select 1`.execute(db);
}

/** "3 minutes", "1 minute", up to "120 minutes"; beyond, "3 hours": a wait rounded up. */
export function minutesToWait(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  if (minutes > 120) return `${Math.ceil(minutes / 60)} hours`;
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

export interface UnlockResult {
  userId: string;
  orgCode: string;
  /** Whether a lock left by the scheme before migration 0012 was lifted. */
  wasLocked: boolean;
  failedLogins: number;
  /** (account, address or device) waits cleared. */
  addressesCleared: number;
  /** Failures of the last day cleared (the account-wide count restarts from here). */
  failuresCleared: number;
}

/**
 * Clears an account's sign-in failure counts (decision 018): the account-wide count of failures by
 * browsers without a device cookie (so such browsers may sign in again at once), every address's and
 * device's waits against it, its refusals' waiting periods, and any lock from before migration 0012.
 * Device cookies stay valid. Run it in a transaction (`tx`); the caller audits. Null: no such account
 * (`orgCode`, when given, limits it to that organization's staff).
 */
export async function unlockAccount(tx: Kysely<Database>, email: string, orgCode?: string): Promise<UnlockResult | null> {
  let query = tx
    .selectFrom("board.staff_user")
    .select(["id", "org_code", "failed_login_count", sql<boolean>`coalesce(locked_until > now(), false)`.as("locked")])
    .where("email", "=", email);
  if (orgCode !== undefined) query = query.where("org_code", "=", orgCode);
  const user = await query.forUpdate().executeTakeFirst();
  if (!user) return null;
  await tx.updateTable("board.staff_user").set({ locked_until: null, failed_login_count: 0 }).where("id", "=", user.id).execute();
  const cleared = await tx.deleteFrom("board.login_throttle").where("account", "=", email).executeTakeFirst();
  // The account-wide count (board.login_failure, migration 0012) restarts from here, and so do its refusals' waiting periods.
  const failed = await tx.deleteFrom("board.login_failure").where("account", "=", email).executeTakeFirst();
  await tx.deleteFrom("board.login_refusal").where("account", "=", email).execute();
  return {
    userId: user.id,
    orgCode: user.org_code,
    wasLocked: user.locked,
    failedLogins: user.failed_login_count,
    addressesCleared: Number(cleared.numDeletedRows),
    failuresCleared: Number(failed.numDeletedRows),
  };
}

/**
 * Whether untrusted sign-ins at this e-mail are being refused now (its failures by browsers without
 * a device cookie in the rolling window have reached the limit), or a lock from before migration
 * 0012 still holds: what the staff list shows as "locked out".
 */
export function lockedOutSql(emailColumn: RawBuilder<unknown>, lockedUntil: RawBuilder<unknown>, limits: SignInLimits = SIGN_IN_LIMITS): RawBuilder<boolean> {
  return sql<boolean>`(coalesce(${lockedUntil} > now(), false) or (
    select count(*) from board.login_failure f
    where f.account = ${emailColumn} and not f.trusted and f.at > now() - make_interval(hours => ${limits.accountWindowHours})) >= ${limits.accountFailureLimit})`;
}

/**
 * A new device cookie (decision 018) for an account that signed in some other way than the password
 * form (single sign-on): the browser is one where the account has signed in. Returns its token.
 */
export async function rememberDevice(db: Kysely<Database>, userId: string): Promise<string> {
  const deviceToken = randomBytes(32).toString("base64url");
  await db.insertInto("board.login_device").values({ id_hash: hashToken(deviceToken), user_id: userId }).execute();
  return deviceToken;
}
