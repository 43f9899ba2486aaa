// Every query about second factors (decision 031): passkeys, authenticator apps, recovery codes,
// the half-signed-in challenge between password and second factor, the per-user throttle on codes,
// and the organization's requirement. Audited here, so a caller cannot forget it.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { sql, type Kysely } from "kysely";
import { z } from "zod";
import { setRowScope } from "../../db/row-scope";
import type { Database } from "../../db/schema";
import { SIGN_IN_LIMITS } from "../auth/login.server";
import {
  CHALLENGE_MINUTES,
  decryptSecret,
  encryptSecret,
  hashRecoveryCode,
  hashToken,
  ISSUER,
  newRecoveryCode,
  newTotpSecret,
  newToken,
  normaliseRecoveryCode,
  RECOVERY_CODE_COUNT,
  totpSecretForTyping,
  totpStep,
  totpUri,
  type FactorKey,
} from "../auth/second-factor.server";
import { recordAudit } from "./audit.server";

type Db = Kysely<Database>;

/** Who a factor belongs to, as the session (or the sign-in challenge) knows them. */
export interface FactorOwner {
  id: string;
  email: string;
  displayName: string;
  orgCode: string;
}

export type FactorKind = "passkey" | "app";

export interface FactorRow {
  kind: FactorKind;
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

// ---------------------------------------------------------------- whether a user has one

/**
 * Whether the user has a passkey or a confirmed authenticator app (recovery codes alone are not a
 * factor). Answered whatever the request's row scope: sign-in asks before anyone is signed in.
 */
export async function hasSecondFactor(db: Db, userId: string): Promise<boolean> {
  const row = await sql<{ has: boolean }>`select board.has_second_factor(${userId}::uuid) as has`.execute(db);
  return row.rows[0]?.has === true;
}

/** The user's passkeys and authenticator apps, newest first, and how many recovery codes are left. */
export async function listFactors(db: Db, userId: string): Promise<{ factors: FactorRow[]; recoveryCodesLeft: number }> {
  const passkeys = await db
    .selectFrom("board.webauthn_credential")
    .select(["id", "name", "created_at", "last_used_at"])
    .where("user_id", "=", userId)
    .execute();
  const apps = await db
    .selectFrom("board.totp_secret")
    .select(["id", "name", "created_at", "last_used_at"])
    .where("user_id", "=", userId)
    .where("confirmed_at", "is not", null)
    .execute();
  const left = await db
    .selectFrom("board.recovery_code")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .executeTakeFirst();
  const factors: FactorRow[] = [
    ...passkeys.map((p) => ({ kind: "passkey" as const, ...common(p) })),
    ...apps.map((a) => ({ kind: "app" as const, ...common(a) })),
  ].sort((x, y) => y.createdAt.localeCompare(x.createdAt));
  return { factors, recoveryCodesLeft: left?.n ?? 0 };
}

function common(row: { id: string; name: string; created_at: Date; last_used_at: Date | null }) {
  return { id: row.id, name: row.name, createdAt: row.created_at.toISOString(), lastUsedAt: row.last_used_at?.toISOString() ?? null };
}

// ---------------------------------------------------------------- the half-signed-in state

export interface SignInChallenge {
  id: string;
  user: FactorOwner;
  redirectTo: string | null;
  webauthnChallenge: string | null;
}

/** After a correct password: a 5-minute challenge bound to the user; returns the cookie's token. */
export async function startSignInChallenge(db: Db, input: { userId: string; redirectTo: string | null }): Promise<string> {
  const token = newToken();
  // Expired challenges go as new ones come (a bounded batch, so no request pays for a backlog).
  await sql`
    delete from board.sign_in_challenge where id = any(array(
      select id from board.sign_in_challenge where expires_at < now() limit 500))`.execute(db);
  await db
    .insertInto("board.sign_in_challenge")
    .values({
      token_hash: hashToken(token),
      user_id: input.userId,
      purpose: "sign_in",
      redirect_to: input.redirectTo,
      expires_at: sql<Date>`now() + make_interval(mins => ${CHALLENGE_MINUTES})`,
    })
    .execute();
  return token;
}

/**
 * The live challenge of this token (unexpired, its user not deactivated), or null. From here on the
 * request's queries see the user's organization's board tables (its factors), nothing else.
 */
export async function readSignInChallenge(db: Db, token: string): Promise<SignInChallenge | null> {
  const row = await db
    .selectFrom("board.sign_in_challenge as c")
    .innerJoin("board.staff_user as u", "u.id", "c.user_id")
    .select(["c.id", "c.redirect_to", "c.webauthn_challenge", "u.id as user_id", "u.email", "u.display_name", "u.org_code"])
    .where("c.token_hash", "=", hashToken(token))
    .where("c.purpose", "=", "sign_in")
    .where("c.expires_at", ">", sql<Date>`now()`)
    .where("u.disabled_at", "is", null)
    .executeTakeFirst();
  if (!row) return null;
  setRowScope({ boards: "", org: row.org_code });
  return {
    id: row.id,
    user: { id: row.user_id, email: row.email, displayName: row.display_name, orgCode: row.org_code },
    redirectTo: row.redirect_to,
    webauthnChallenge: row.webauthn_challenge,
  };
}

/** The challenge is used up (signed in, or abandoned). */
export async function endSignInChallenge(db: Db, id: string): Promise<void> {
  await db.deleteFrom("board.sign_in_challenge").where("id", "=", id).execute();
}

// ---------------------------------------------------------------- the throttle on codes

export type CodeCheck =
  | { ok: true; factor: "app" | "recovery" | "password"; factorId?: string }
  | { ok: false; reason: "invalid" }
  /** Waiting after repeated failures (retryAfterSeconds), or past the ceiling until an administrator resets ("locked"). */
  | { ok: false; reason: "throttled"; retryAfterSeconds: number }
  | { ok: false; reason: "locked" };

/** The wait after the user's `failures`-th failure, as SQL: the password limits' numbers (decision 018). */
const delayAfter = (failures: ReturnType<typeof sql>) =>
  sql`make_interval(secs => 60 * least(${SIGN_IN_LIMITS.maxDelayMinutes}::float8,
    ${SIGN_IN_LIMITS.firstDelayMinutes}::float8 * power(2::float8, least(${failures} - ${SIGN_IN_LIMITS.freeFailures}::int, 30))))`;

/**
 * Codes are guessable (a 6-digit code is one in a million, three steps are accepted): each user's
 * consecutive failures, from any address or browser, count in one row. As for passwords, the first
 * few are free, then each waits twice as long up to an hour; and past NIST's ceiling of 100
 * consecutive failures no code is accepted until an administrator resets the user's second factors
 * (a passkey still works: it cannot be guessed). The attempt is counted before the code is checked,
 * so parallel guesses cannot slip past; a right code takes it back.
 */
async function reserveAttempt(db: Db, userId: string): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number | null; firstRefusal: boolean }> {
  const ceiling = SIGN_IN_LIMITS.accountFailureLimit;
  const reserved = await sql<{ failures: number }>`
    insert into board.second_factor_throttle as t (user_id, failures, last_failure_at)
    values (${userId}::uuid, 1, now())
    on conflict (user_id) do update set failures = t.failures + 1, last_failure_at = now()
    where t.failures < ${ceiling}
      and (t.failures < ${SIGN_IN_LIMITS.freeFailures} or t.last_failure_at + ${delayAfter(sql`t.failures`)} <= now())
    returning failures`.execute(db);
  if (reserved.rows.length > 0) return { ok: true };
  // The first refusal since the latest failure is the one audited (once per waiting period).
  const wait = await sql<{ seconds: number | null; first: boolean }>`
    with old as (
      select failures, last_failure_at, refused_at from board.second_factor_throttle where user_id = ${userId}::uuid for update),
    refused as (
      update board.second_factor_throttle set refused_at = now() where user_id = ${userId}::uuid)
    select
      case when failures >= ${ceiling} then null
           else greatest(1, ceil(extract(epoch from last_failure_at + ${delayAfter(sql`failures`)} - now())))::int end as seconds,
      refused_at is null or refused_at < last_failure_at as first
    from old`.execute(db);
  const row = wait.rows[0];
  return { ok: false, retryAfterSeconds: row ? row.seconds : 1, firstRefusal: row?.first ?? true };
}

async function clearAttempts(db: Db, userId: string): Promise<void> {
  await db.deleteFrom("board.second_factor_throttle").where("user_id", "=", userId).execute();
}

/**
 * Checks a code (an authenticator app's, or a recovery code) or, for re-authentication on the
 * security page, the password, under the user's throttle. Failures and the first refusal of each
 * waiting period are audited; what succeeds is audited by the caller (it knows what it was for).
 */
export async function checkCode(
  db: Db,
  keys: readonly FactorKey[],
  input: { user: FactorOwner; kind: "app" | "recovery" | "password"; code: string; ip: string | null; purpose: "sign-in" | "re-authentication"; passwordCheck?: () => Promise<boolean> },
): Promise<CodeCheck> {
  const { user } = input;
  const who = { userId: user.id, orgCode: user.orgCode, ip: input.ip };
  const reserved = await reserveAttempt(db, user.id);
  if (!reserved.ok) {
    if (reserved.firstRefusal) {
      await recordAudit(db, {
        action: "login.throttled",
        ...who,
        detail: { scope: "second_factor", purpose: input.purpose, retryAfterSeconds: reserved.retryAfterSeconds, locked: reserved.retryAfterSeconds === null },
      });
    }
    return reserved.retryAfterSeconds === null ? { ok: false, reason: "locked" } : { ok: false, reason: "throttled", retryAfterSeconds: reserved.retryAfterSeconds };
  }
  let factorId: string | null = null;
  if (input.kind === "app") factorId = await spendAppCode(db, keys, user.id, input.code);
  else if (input.kind === "recovery") factorId = await spendRecoveryCode(db, user.id, input.code);
  else factorId = (await input.passwordCheck?.()) ? "password" : null;
  if (factorId !== null) {
    await clearAttempts(db, user.id);
    return { ok: true, factor: input.kind, ...(input.kind === "password" ? {} : { factorId }) };
  }
  await recordAudit(db, { action: "login.second_factor_failure", ...who, detail: { factor: input.kind, purpose: input.purpose } });
  return { ok: false, reason: "invalid" };
}

/** The id of the authenticator app whose code this is (now, or a step either side), once per step; else null. */
async function spendAppCode(db: Db, keys: readonly FactorKey[], userId: string, code: string): Promise<string | null> {
  const apps = await db
    .selectFrom("board.totp_secret")
    .select(["id", "secret_encrypted"])
    .where("user_id", "=", userId)
    .where("confirmed_at", "is not", null)
    .execute();
  for (const app of apps) {
    const secret = decryptSecret(keys, userId, app.secret_encrypted);
    const step = secret ? totpStep(secret, code) : null;
    if (step === null) continue;
    // Only a step later than the last one accepted: a code seen once (over a shoulder, in a log) is spent.
    const used = await db
      .updateTable("board.totp_secret")
      .set({ last_used_step: String(step), last_used_at: sql<Date>`now()` })
      .where("id", "=", app.id)
      .where((eb) => eb.or([eb("last_used_step", "is", null), eb("last_used_step", "<", String(step))]))
      .returning("id")
      .executeTakeFirst();
    if (used) return used.id;
  }
  return null;
}

/** Spends the recovery code (once, whatever runs in parallel); its id, or null. */
async function spendRecoveryCode(db: Db, userId: string, typed: string): Promise<string | null> {
  const code = normaliseRecoveryCode(typed);
  if (!code) return null;
  const used = await db
    .updateTable("board.recovery_code")
    .set({ used_at: sql<Date>`now()` })
    .where("user_id", "=", userId)
    .where("code_hash", "=", hashRecoveryCode(code))
    .where("used_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  return used?.id ?? null;
}

// ---------------------------------------------------------------- passkeys

/** The browser's answer to a passkey ceremony, as far as we read it; the library checks the rest. */
const CredentialJson = z
  .object({
    id: z.string().min(1).max(1024),
    rawId: z.string().min(1).max(1024),
    type: z.literal("public-key"),
    response: z.object({ clientDataJSON: z.string().max(100_000) }).passthrough(),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  })
  .passthrough();

export function parseCredentialJson(text: string): z.infer<typeof CredentialJson> | null {
  if (text.length > 200_000) return null;
  try {
    const parsed = CredentialJson.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The options for signing in with one of the user's passkeys; the challenge is kept on the sign-in challenge. */
export async function passkeySignInOptions(db: Db, challenge: SignInChallenge, rpID: string): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
  const credentials = await db.selectFrom("board.webauthn_credential").select(["credential_id", "transports"]).where("user_id", "=", challenge.user.id).execute();
  if (credentials.length === 0) return null;
  const options = await generateAuthenticationOptions({
    rpID,
    allowCredentials: credentials.map((c) => ({ id: c.credential_id, transports: c.transports })),
    userVerification: "preferred",
  });
  await db.updateTable("board.sign_in_challenge").set({ webauthn_challenge: options.challenge }).where("id", "=", challenge.id).execute();
  return options;
}

/** Checks a passkey's answer against the challenge it was given; the passkey's id when it is right. */
export async function verifyPasskeySignIn(
  db: Db,
  challenge: SignInChallenge,
  input: { response: unknown; origin: string; rpID: string },
): Promise<string | null> {
  const expected = challenge.webauthnChallenge;
  if (!expected) return null;
  // The WebAuthn challenge is single use, whatever the answer.
  await db.updateTable("board.sign_in_challenge").set({ webauthn_challenge: null }).where("id", "=", challenge.id).execute();
  const response = input.response as AuthenticationResponseJSON;
  const stored = await db
    .selectFrom("board.webauthn_credential")
    .select(["id", "credential_id", "public_key", "counter", "transports"])
    .where("user_id", "=", challenge.user.id)
    .where("credential_id", "=", response.id)
    .executeTakeFirst();
  if (!stored) return null;
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: expected,
      expectedOrigin: input.origin,
      expectedRPID: input.rpID,
      credential: { id: stored.credential_id, publicKey: new Uint8Array(stored.public_key), counter: Number(stored.counter), transports: stored.transports },
      requireUserVerification: false,
    });
    if (!result.verified) return null;
    await db
      .updateTable("board.webauthn_credential")
      .set({ counter: result.authenticationInfo.newCounter, last_used_at: sql<Date>`now()` })
      .where("id", "=", stored.id)
      .execute();
    return stored.id;
  } catch {
    // A malformed answer, a wrong origin or challenge, a counter that went backwards (a cloned key).
    return null;
  }
}

/** Options for adding a passkey; the challenge is kept for this session (one ceremony at a time). */
export async function passkeyRegistrationOptions(
  db: Db,
  user: FactorOwner,
  sessionHash: string,
  rpID: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await db.selectFrom("board.webauthn_credential").select(["credential_id", "transports"]).where("user_id", "=", user.id).execute();
  const options = await generateRegistrationOptions({
    rpName: ISSUER,
    rpID,
    userName: user.email,
    userDisplayName: user.displayName,
    userID: new Uint8Array(Buffer.from(user.id.replace(/-/g, ""), "hex")),
    attestationType: "none",
    excludeCredentials: existing.map((c) => ({ id: c.credential_id, transports: c.transports })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
  });
  await sql`
    insert into board.sign_in_challenge (token_hash, user_id, purpose, webauthn_challenge, expires_at)
    values (${`register:${sessionHash}`}, ${user.id}::uuid, 'register', ${options.challenge}, now() + make_interval(mins => ${CHALLENGE_MINUTES}))
    on conflict (token_hash) do update set webauthn_challenge = excluded.webauthn_challenge, expires_at = excluded.expires_at, user_id = excluded.user_id`.execute(db);
  return options;
}

export type AddResult = { ok: true; id: string; recoveryCodes: string[] | null } | { ok: false; message: string };

/** Stores the passkey the browser made for the session's registration challenge. */
export async function addPasskey(
  db: Db,
  user: FactorOwner,
  input: { sessionHash: string; response: unknown; name: string; origin: string; rpID: string; ip: string | null },
): Promise<AddResult> {
  const challenge = await db
    .deleteFrom("board.sign_in_challenge")
    .where("token_hash", "=", `register:${input.sessionHash}`)
    .where("user_id", "=", user.id)
    .returning(["webauthn_challenge", sql<boolean>`expires_at > now()`.as("live")])
    .executeTakeFirst();
  if (!challenge?.webauthn_challenge || !challenge.live) return { ok: false, message: "The passkey request expired. Try adding the passkey again." };
  let info;
  try {
    const result = await verifyRegistrationResponse({
      response: input.response as RegistrationResponseJSON,
      expectedChallenge: challenge.webauthn_challenge,
      expectedOrigin: input.origin,
      expectedRPID: input.rpID,
      requireUserVerification: false,
    });
    if (!result.verified) return { ok: false, message: "The passkey could not be verified. Try again." };
    info = result.registrationInfo;
  } catch {
    return { ok: false, message: "The passkey could not be verified. Try again." };
  }
  return db.transaction().execute(async (tx): Promise<AddResult> => {
    const row = await tx
      .insertInto("board.webauthn_credential")
      .values({
        user_id: user.id,
        org_code: user.orgCode,
        credential_id: info.credential.id,
        public_key: Buffer.from(info.credential.publicKey),
        counter: info.credential.counter,
        transports: (info.credential.transports ?? []).slice(0, 10).map(String),
        name: input.name,
      })
      .onConflict((oc) => oc.column("credential_id").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!row) return { ok: false, message: "That passkey is already registered." };
    const recoveryCodes = await firstFactorRecoveryCodes(tx, user);
    await recordAudit(tx, {
      action: "second_factor.add",
      userId: user.id,
      orgCode: user.orgCode,
      target: row.id,
      ip: input.ip,
      detail: { kind: "passkey", name: input.name, deviceType: info.credentialDeviceType, recoveryCodesIssued: recoveryCodes !== null },
    });
    return { ok: true, id: row.id, recoveryCodes };
  });
}

// ---------------------------------------------------------------- authenticator apps

export interface PendingApp {
  id: string;
  /** Base32, grouped in fours, to type into an app. */
  secretText: string;
  uri: string;
}

/** A new authenticator-app secret, unconfirmed until a code from it is entered (replacing an earlier unconfirmed one). */
export async function startAuthenticatorApp(db: Db, keys: readonly FactorKey[], user: FactorOwner): Promise<PendingApp> {
  const secret = newTotpSecret();
  await db.deleteFrom("board.totp_secret").where("user_id", "=", user.id).where("confirmed_at", "is", null).execute();
  const row = await db
    .insertInto("board.totp_secret")
    .values({ user_id: user.id, org_code: user.orgCode, name: "Authenticator app", secret_encrypted: encryptSecret(keys, user.id, secret) })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, secretText: totpSecretForTyping(secret), uri: totpUri(secret, user.email) };
}

/** The unconfirmed app again (the page reloaded), or null. */
export async function pendingAuthenticatorApp(db: Db, keys: readonly FactorKey[], user: FactorOwner, id: string): Promise<PendingApp | null> {
  const row = await db
    .selectFrom("board.totp_secret")
    .select(["id", "secret_encrypted"])
    .where("id", "=", id)
    .where("user_id", "=", user.id)
    .where("confirmed_at", "is", null)
    .where("created_at", ">", sql<Date>`now() - interval '1 hour'`)
    .executeTakeFirst();
  const secret = row ? decryptSecret(keys, user.id, row.secret_encrypted) : null;
  return row && secret ? { id: row.id, secretText: totpSecretForTyping(secret), uri: totpUri(secret, user.email) } : null;
}

/** Confirms the app with its first code (which is then spent), under the user's throttle. */
export async function confirmAuthenticatorApp(
  db: Db,
  keys: readonly FactorKey[],
  user: FactorOwner,
  input: { id: string; code: string; name: string; ip: string | null },
): Promise<AddResult> {
  const row = await db
    .selectFrom("board.totp_secret")
    .select(["id", "secret_encrypted"])
    .where("id", "=", input.id)
    .where("user_id", "=", user.id)
    .where("confirmed_at", "is", null)
    .where("created_at", ">", sql<Date>`now() - interval '1 hour'`)
    .executeTakeFirst();
  const secret = row ? decryptSecret(keys, user.id, row.secret_encrypted) : null;
  if (!row || !secret) return { ok: false, message: "That setup has expired. Start adding the authenticator app again." };
  const reserved = await reserveAttempt(db, user.id);
  if (!reserved.ok) return { ok: false, message: "Too many wrong codes. Wait a few minutes and try again." };
  const step = totpStep(secret, input.code);
  if (step === null) {
    await recordAudit(db, { action: "login.second_factor_failure", userId: user.id, orgCode: user.orgCode, ip: input.ip, detail: { factor: "app", purpose: "enrolment" } });
    return { ok: false, message: "That code is not right. Enter the 6-digit code your app shows now." };
  }
  await clearAttempts(db, user.id);
  return db.transaction().execute(async (tx): Promise<AddResult> => {
    const confirmed = await tx
      .updateTable("board.totp_secret")
      .set({ confirmed_at: sql<Date>`now()`, last_used_step: String(step), last_used_at: sql<Date>`now()`, name: input.name })
      .where("id", "=", row.id)
      .where("confirmed_at", "is", null)
      .returning("id")
      .executeTakeFirst();
    if (!confirmed) return { ok: false, message: "That authenticator app was already added." };
    const recoveryCodes = await firstFactorRecoveryCodes(tx, user);
    await recordAudit(tx, {
      action: "second_factor.add",
      userId: user.id,
      orgCode: user.orgCode,
      target: row.id,
      ip: input.ip,
      detail: { kind: "app", name: input.name, recoveryCodesIssued: recoveryCodes !== null },
    });
    return { ok: true, id: row.id, recoveryCodes };
  });
}

// ---------------------------------------------------------------- recovery codes

/** With the user's first factor come their recovery codes (shown once); with a later one, none. */
async function firstFactorRecoveryCodes(db: Db, user: FactorOwner): Promise<string[] | null> {
  const any = await db.selectFrom("board.recovery_code").select("id").where("user_id", "=", user.id).where("used_at", "is", null).limit(1).executeTakeFirst();
  return any ? null : replaceRecoveryCodes(db, user);
}

async function replaceRecoveryCodes(db: Db, user: FactorOwner): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await db.deleteFrom("board.recovery_code").where("user_id", "=", user.id).execute();
  await db
    .insertInto("board.recovery_code")
    .values(codes.map((code) => ({ user_id: user.id, org_code: user.orgCode, code_hash: hashRecoveryCode(normaliseRecoveryCode(code)!) })))
    .execute();
  return codes;
}

/** Ten new codes replace every earlier one (used or not); shown once. Only for a user with a factor. */
export async function regenerateRecoveryCodes(db: Db, user: FactorOwner, ip: string | null): Promise<string[] | null> {
  if (!(await hasSecondFactor(db, user.id))) return null;
  return db.transaction().execute(async (tx) => {
    const codes = await replaceRecoveryCodes(tx, user);
    await recordAudit(tx, { action: "second_factor.recovery_codes", userId: user.id, orgCode: user.orgCode, ip, detail: { issued: codes.length } });
    return codes;
  });
}

// ---------------------------------------------------------------- removing

export type RemoveResult = { ok: true; name: string } | { ok: false; status: 404 | 409; message: string };

/**
 * Removes one of the user's own factors (re-authentication is the caller's). Refused when the
 * organization requires a second factor and it is the last one; with the last one go the recovery codes.
 */
export async function removeFactor(db: Db, user: FactorOwner, input: { kind: FactorKind; id: string; ip: string | null }): Promise<RemoveResult> {
  return db.transaction().execute(async (tx): Promise<RemoveResult> => {
    // One removal at a time per user, so two in parallel cannot both think another factor remains.
    await sql`select 1 from board.staff_user where id = ${user.id}::uuid for update`.execute(tx);
    const table = input.kind === "passkey" ? "board.webauthn_credential" : "board.totp_secret";
    const removed = await tx
      .deleteFrom(table)
      .where("id", "=", input.id)
      .where("user_id", "=", user.id)
      .returning("name")
      .executeTakeFirst();
    if (!removed) return { ok: false, status: 404, message: "That factor is not one of yours, or it was already removed." };
    const remaining = await hasSecondFactor(tx, user.id);
    if (!remaining) {
      const org = await tx.selectFrom("board.organisation").select("require_second_factor").where("code", "=", user.orgCode).executeTakeFirst();
      // Thrown to roll the removal back.
      if (org?.require_second_factor) throw new KeepLastFactor();
      await tx.deleteFrom("board.recovery_code").where("user_id", "=", user.id).execute();
    }
    await recordAudit(tx, {
      action: "second_factor.remove",
      userId: user.id,
      orgCode: user.orgCode,
      target: input.id,
      ip: input.ip,
      detail: { kind: input.kind, name: removed.name, lastFactor: !remaining },
    });
    return { ok: true, name: removed.name };
  }).catch((error: unknown): RemoveResult => {
    if (error instanceof KeepLastFactor) {
      return { ok: false, status: 409, message: "Your organization requires a second factor. Add another one before you remove your last." };
    }
    throw error;
  });
}

class KeepLastFactor extends Error {}

/**
 * An administrator's reset (the staff screen): every passkey, authenticator app and recovery code
 * of the user goes, and their throttle is cleared; audited with what was removed. The row scope
 * (the administrator's organization) keeps it to their own staff; the caller checks the role.
 */
export async function resetSecondFactors(db: Db, input: { actor: { id: string; orgCode: string }; userId: string; ip?: string | null }): Promise<{ passkeys: number; apps: number; recoveryCodes: number }> {
  return db.transaction().execute(async (tx) => {
    const target = await tx.selectFrom("board.staff_user").select(["id", "org_code", "email"]).where("id", "=", input.userId).where("org_code", "=", input.actor.orgCode).executeTakeFirst();
    if (!target) throw new Response("Not found", { status: 404 });
    const passkeys = await tx.deleteFrom("board.webauthn_credential").where("user_id", "=", target.id).returning("id").execute();
    const apps = await tx.deleteFrom("board.totp_secret").where("user_id", "=", target.id).returning("id").execute();
    const codes = await tx.deleteFrom("board.recovery_code").where("user_id", "=", target.id).where("used_at", "is", null).returning("id").execute();
    await tx.deleteFrom("board.recovery_code").where("user_id", "=", target.id).execute();
    await tx.deleteFrom("board.second_factor_throttle").where("user_id", "=", target.id).execute();
    await tx.deleteFrom("board.sign_in_challenge").where("user_id", "=", target.id).execute();
    const counts = { passkeys: passkeys.length, apps: apps.length, recoveryCodes: codes.length };
    await recordAudit(tx, {
      action: "second_factor.reset",
      userId: input.actor.id,
      orgCode: input.actor.orgCode,
      target: target.id,
      ip: input.ip ?? null,
      detail: { email: target.email, before: counts, after: { passkeys: 0, apps: 0, recoveryCodes: 0 } },
    });
    return counts;
  });
}

// ---------------------------------------------------------------- the organization's requirement

export async function secondFactorRequired(db: Db, orgCode: string): Promise<boolean> {
  const row = await db.selectFrom("board.organisation").select("require_second_factor").where("code", "=", orgCode).executeTakeFirst();
  return row?.require_second_factor === true;
}

/** An administrator turns the requirement on or off for their own organization; audited with before and after. */
export async function setSecondFactorRequired(db: Db, input: { actor: { id: string; orgCode: string }; required: boolean; ip: string | null }): Promise<{ changed: boolean }> {
  return db.transaction().execute(async (tx) => {
    const before = await tx.selectFrom("board.organisation").select("require_second_factor").where("code", "=", input.actor.orgCode).forUpdate().executeTakeFirstOrThrow();
    if (before.require_second_factor === input.required) return { changed: false };
    await tx.updateTable("board.organisation").set({ require_second_factor: input.required }).where("code", "=", input.actor.orgCode).execute();
    await recordAudit(tx, {
      action: "organisation.second_factor_requirement",
      userId: input.actor.id,
      orgCode: input.actor.orgCode,
      ip: input.ip,
      detail: { before: before.require_second_factor, after: input.required },
    });
    return { changed: true };
  });
}
