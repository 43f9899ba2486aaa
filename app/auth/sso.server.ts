// Single sign-on with OpenID Connect (decision 032): an organization's staff sign in at the
// organization's own identity provider. Authorization code flow with PKCE (S256), state and nonce;
// the state is single use, 10 minutes, and bound to the browser that started it; the ID token's
// issuer, audience, expiry and nonce are checked by openid-client, its e-mail (verified, of an
// allowed domain) and role claim here. What a sign-in writes (a new account, a role, the bound
// subject, the audit event) is one transaction: a refusal writes only its audit event.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { createCookie, type Cookie } from "@remix-run/node";
import { sql, type Kysely, type Transaction } from "kysely";
import * as oidc from "openid-client";
import type { Database } from "../../db/schema";
import { STAFF_ROLES, type StaffRole } from "../../domain/reference";
import { recordAudit } from "../models/audit.server";
import { hashPassword } from "./password.server";

/** A sign-in not finished within this many minutes is refused (and its row pruned). */
export const SSO_LOGIN_MINUTES = 10;
/** Seconds the identity provider has to answer discovery and the token request. */
const PROVIDER_TIMEOUT_SECONDS = 5;
/** A discovered provider is reused this long before it is asked again. */
const DISCOVERY_TTL_MS = 10 * 60_000;

export interface SsoServices {
  /** Cookie secrets: the first encrypts client secrets at rest, every one decrypts (rotation). */
  secrets: string[];
  /** Client secrets from the server's environment, by organization code (SSO_<CODE>_CLIENT_SECRET). */
  environmentSecrets: Record<string, string>;
  /** Discovered providers, by issuer + client id + secret fingerprint. */
  discovered: Map<string, { at: number; config: Promise<oidc.Configuration> }>;
  /** Binds a sign-in in flight to the browser that started it: holds its state, 10 minutes, only under /sso. */
  stateCookie: Cookie;
}

export function createSsoServices(secrets: string[], secure: boolean, environmentSecrets: Record<string, string> = {}): SsoServices {
  const stateCookie = createCookie("__sso_state", {
    httpOnly: true,
    sameSite: "lax",
    secure,
    path: "/sso",
    secrets,
    maxAge: SSO_LOGIN_MINUTES * 60,
  });
  return { secrets, environmentSecrets, discovered: new Map(), stateCookie };
}

/** The state in this browser's cookie, or null. */
export async function readStateCookie(services: SsoServices, request: Request): Promise<string | null> {
  const value: unknown = await services.stateCookie.parse(request.headers.get("Cookie"));
  return typeof value === "string" && value.length <= 200 ? value : null;
}

/** The environment variable that carries an organization's client secret: SSO_CA_M_CLIENT_SECRET. */
export function environmentSecretName(orgCode: string): string {
  return `SSO_${orgCode.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_CLIENT_SECRET`;
}

/** The client secrets the environment sets, by organization code (`codes`: every organization's). */
export function environmentSecrets(source: Record<string, string | undefined>, codes: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (const code of codes) {
    const value = source[environmentSecretName(code)]?.trim();
    if (value) found[code] = value;
  }
  return found;
}

// ---------------------------------------------------------------- the client secret at rest

/** AES-256-GCM key for client secrets, derived (HKDF-SHA-256) from one cookie secret; never the cookie key itself. */
function secretKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "cme-board", "sso client secret v1", 32));
}

/** "v1.<iv>.<tag>.<ciphertext>" (base64url), under the first secret. */
export function encryptClientSecret(secrets: string[], plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", secretKey(secrets[0]!), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), body].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
}

/** The client secret, or null when no secret (current or rotated out) opens it. */
export function decryptClientSecret(secrets: string[], stored: string): string | null {
  const [version, iv, tag, body] = stored.split(".");
  if (version !== "v1" || !iv || !tag || body === undefined) return null;
  for (const secret of secrets) {
    try {
      const decipher = createDecipheriv("aes-256-gcm", secretKey(secret), Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      // Not this secret: try the next.
    }
  }
  return null;
}

// ---------------------------------------------------------------- the provider

export interface ProviderSettings {
  orgCode: string;
  issuer: string;
  clientId: string;
  clientSecretEncrypted: string | null;
}

/** An issuer URL the server may ask: https, or http on this machine's loopback (tests, development). */
export function issuerProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "Enter the issuer as a full web address, such as https://login.example.org";
  }
  if (url.username || url.password || url.search || url.hash) return "The issuer address cannot carry a user name, query or fragment.";
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && loopback) return null;
  return "The issuer address must start with https://";
}

function isLoopbackHttp(issuer: string): boolean {
  try {
    const url = new URL(issuer);
    return url.protocol === "http:";
  } catch {
    return false;
  }
}

/** The client secret in force: the environment's, else the one stored (decrypted), else none (a public client with PKCE). */
export function clientSecretFor(services: SsoServices, settings: Pick<ProviderSettings, "orgCode" | "clientSecretEncrypted">): string | null {
  const fromEnvironment = services.environmentSecrets[settings.orgCode];
  if (fromEnvironment) return fromEnvironment;
  return settings.clientSecretEncrypted ? decryptClientSecret(services.secrets, settings.clientSecretEncrypted) : null;
}

/** The provider's discovered configuration for this client (cached; a failure is not kept). */
export function discoverProvider(services: SsoServices, settings: ProviderSettings, options: { fresh?: boolean } = {}): Promise<oidc.Configuration> {
  const secret = clientSecretFor(services, settings);
  const key = [settings.issuer, settings.clientId, secret ? createHash("sha256").update(secret).digest("hex") : ""].join("\n");
  const cached = services.discovered.get(key);
  if (cached && !options.fresh && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.config;
  const config = oidc.discovery(new URL(settings.issuer), settings.clientId, secret ?? undefined, secret ? oidc.ClientSecretPost(secret) : oidc.None(), {
    timeout: PROVIDER_TIMEOUT_SECONDS,
    // http only ever for a loopback issuer (issuerProblem refuses any other).
    execute: isLoopbackHttp(settings.issuer) ? [oidc.allowInsecureRequests] : [],
  });
  services.discovered.set(key, { at: Date.now(), config });
  config.catch(() => {
    if (services.discovered.get(key)?.config === config) services.discovered.delete(key);
  });
  return config;
}

/** Why the provider could not be used, in words an administrator can act on. */
export function describeProviderError(error: unknown): string {
  const text = error instanceof Error ? `${error.message} ${error.cause instanceof Error ? error.cause.message : ""}` : String(error);
  if (/abort|timeout/i.test(text)) return `The identity provider did not answer within ${PROVIDER_TIMEOUT_SECONDS} seconds.`;
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|fetch failed|getaddrinfo|network/i.test(text)) return "The identity provider could not be reached at that address.";
  if (/issuer/i.test(text)) return "The provider answered, but names a different issuer than the one entered.";
  if (/content-type|json|response status|not conform|parsing/i.test(text)) return "That address does not answer as an OpenID Connect provider (no discovery document).";
  return "The identity provider could not be used with these settings.";
}

// ---------------------------------------------------------------- configuration before sign-in

type SsoConfigRow = {
  org_code: string;
  issuer: string;
  client_id: string;
  client_secret_encrypted: string | null;
  allowed_domains: string[];
  role_claim: string | null;
  role_map: Record<string, string>;
  default_role: string | null;
  provisioning: "jit" | "invited";
  allow_password: boolean;
  enabled: boolean;
};

/** An organization's enabled configuration, read before anyone is signed in (a security-definer function, migration 0024). */
export async function configForSignIn(db: Kysely<Database>, orgCode: string): Promise<SsoConfigRow | null> {
  const rows = await sql<SsoConfigRow>`
    select org_code, issuer, client_id, client_secret_encrypted, allowed_domains, role_claim, role_map, default_role, provisioning, allow_password, enabled
    from board.sso_config_for_sign_in(${orgCode})`.execute(db);
  return rows.rows[0] ?? null;
}

/** The organizations whose staff can sign in with their own account, for the sign-in page. */
export async function signInOptions(db: Kysely<Database>): Promise<{ code: string; name: string }[]> {
  const rows = await sql<{
    org_code: string;
    org_name: string;
  }>`select org_code, org_name from board.sso_sign_in_options()`.execute(db);
  return rows.rows.map((r) => ({ code: r.org_code, name: r.org_name }));
}

/**
 * Whether password sign-in is refused for this account: its organization signs in through its
 * identity provider and has not allowed passwords. Administrators keep their password, so a broken
 * provider cannot lock an organization out of its own settings.
 */
export async function passwordRefused(db: Kysely<Database>, userId: string): Promise<{ orgCode: string; orgName: string } | null> {
  const rows = await sql<{ org_code: string; org_name: string }>`
    select u.org_code, o.name as org_name
    from board.staff_user u join board.organisation o on o.code = u.org_code
    cross join lateral board.sso_config_for_sign_in(u.org_code) c
    where u.id = ${userId}::uuid and u.role <> 'admin' and not c.allow_password`.execute(db);
  const row = rows.rows[0];
  return row ? { orgCode: row.org_code, orgName: row.org_name } : null;
}

// ---------------------------------------------------------------- starting

function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export type SsoStart =
  | { ok: true; url: string; state: string }
  | {
      ok: false;
      reason: "not_configured" | "provider_unavailable";
      message: string;
    };

/**
 * Starts a sign-in at the organization's provider: records the state (hashed), PKCE verifier and
 * nonce, and returns the provider's authorization URL and the state for the browser's cookie.
 */
export async function startSso(
  db: Kysely<Database>,
  services: SsoServices,
  input: {
    orgCode: string;
    redirectUri: string;
    redirectTo: string;
    ip: string | null;
  }
): Promise<SsoStart> {
  const config = await configForSignIn(db, input.orgCode);
  if (!config)
    return {
      ok: false,
      reason: "not_configured",
      message: "This organization does not offer sign-in with its own account.",
    };
  let provider: oidc.Configuration;
  try {
    provider = await discoverProvider(services, {
      orgCode: config.org_code,
      issuer: config.issuer,
      clientId: config.client_id,
      clientSecretEncrypted: config.client_secret_encrypted,
    });
  } catch (error) {
    await recordAudit(db, {
      action: "login.sso.failure",
      orgCode: config.org_code,
      ip: input.ip,
      detail: {
        reason: "provider_unavailable",
        issuer: config.issuer,
        error: describeProviderError(error),
      },
    });
    return {
      ok: false,
      reason: "provider_unavailable",
      message: "Your organization's sign-in service is not answering. Try again in a few minutes, or sign in with your password if your organization allows it.",
    };
  }
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const verifier = oidc.randomPKCECodeVerifier();
  const challenge = await oidc.calculatePKCECodeChallenge(verifier);
  // Prune abandoned sign-ins as new ones start (an index range on created_at).
  await sql`delete from board.sso_login where created_at < now() - make_interval(mins => ${SSO_LOGIN_MINUTES * 6})`.execute(db);
  await db
    .insertInto("board.sso_login")
    .values({
      state_hash: sha256(state),
      org_code: config.org_code,
      code_verifier: verifier,
      nonce,
      redirect_to: input.redirectTo,
    })
    .execute();
  const scopes = ["openid", "email", "profile"];
  const supported = provider.serverMetadata().scopes_supported;
  // A role claim such as "groups" is often released only for a scope of the same name.
  if (config.role_claim && supported?.includes(config.role_claim) && !scopes.includes(config.role_claim)) scopes.push(config.role_claim);
  const url = oidc.buildAuthorizationUrl(provider, {
    redirect_uri: input.redirectUri,
    scope: scopes.join(" "),
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  return { ok: true, url: url.href, state };
}

// ---------------------------------------------------------------- finishing

export type SsoFailureReason =
  | "missing_state"
  | "browser_mismatch"
  | "unknown_state"
  | "replayed_state"
  | "expired_state"
  | "provider_error"
  | "not_configured"
  | "provider_unavailable"
  | "wrong_audience"
  | "wrong_issuer"
  | "expired_token"
  | "nonce_mismatch"
  | "token_rejected"
  | "email_missing"
  | "email_not_verified"
  | "domain_not_allowed"
  | "other_organization"
  | "account_disabled"
  | "subject_mismatch"
  | "not_invited"
  | "no_role";

/** What the person sees for each refusal: what happened and what to do, never the protocol's words. */
export const SSO_FAILURE_MESSAGES: Record<SsoFailureReason, string> = {
  missing_state: "This sign-in link is incomplete. Start again from the sign-in page.",
  browser_mismatch: "This sign-in was started in another browser or tab, or its cookie was lost. Start again from the sign-in page.",
  unknown_state: "This sign-in is not one we started. Start again from the sign-in page.",
  replayed_state: "This sign-in link has already been used. Start again from the sign-in page.",
  expired_state: `This sign-in took longer than ${SSO_LOGIN_MINUTES} minutes. Start again from the sign-in page.`,
  provider_error: "Your organization's sign-in service did not sign you in.",
  not_configured: "Your organization no longer offers sign-in with its own account. Sign in with your password or ask your administrator.",
  provider_unavailable: "Your organization's sign-in service is not answering. Try again in a few minutes.",
  wrong_audience: "The sign-in service answered for a different application. Ask your administrator to check the client ID.",
  wrong_issuer: "The answer came from a different sign-in service than your organization's. Ask your administrator.",
  expired_token: "The sign-in service's answer had already expired. Check your computer's clock and start again.",
  nonce_mismatch: "The sign-in service's answer does not belong to this sign-in. Start again from the sign-in page.",
  token_rejected: "The sign-in service's answer could not be verified. Start again, or ask your administrator.",
  email_missing: "Your organization's account has no email address to sign you in with. Ask your administrator.",
  email_not_verified: "Your organization has not verified the email address of your account. Ask your administrator.",
  domain_not_allowed: "Your email address is not one your organization allows to sign in here.",
  other_organization: "Your email address belongs to an account of another organization here. Ask your administrator.",
  account_disabled: "Your account here has been deactivated. Ask your organization's administrator.",
  subject_mismatch: "Your email address is linked to a different account at your organization's sign-in service. Ask your administrator.",
  not_invited: "You do not have an account here yet. Ask your organization's administrator to invite you.",
  no_role: "Your organization's account does not give you access to this application. Ask your administrator.",
};

export type SsoFinish =
  | {
      ok: true;
      userId: string;
      orgCode: string;
      redirectTo: string;
      created: boolean;
    }
  | { ok: false; reason: SsoFailureReason; message: string; status: number };

/** The most a role claim's value may map to, highest first. */
const ROLE_RANK: readonly StaffRole[] = ["admin", "supervisor", "reviewer"];

/** The role the claim gives (the highest of its mapped values), else null. Pure. */
export function mappedRole(claimValue: unknown, roleMap: Record<string, string>): StaffRole | null {
  const values = Array.isArray(claimValue) ? claimValue : claimValue === undefined || claimValue === null ? [] : [claimValue];
  const roles = new Set(
    values
      .filter((v): v is string => typeof v === "string")
      .map((v) => (Object.hasOwn(roleMap, v) ? roleMap[v] : undefined))
      .filter((r): r is string => r !== undefined)
  );
  return ROLE_RANK.find((role) => roles.has(role)) ?? null;
}

/** The e-mail's domain is one of the allowed (exactly, case-insensitive). Pure. */
export function domainAllowed(email: string, allowed: readonly string[]): boolean {
  const at = email.lastIndexOf("@");
  if (at < 1) return false;
  const domain = email.slice(at + 1).toLowerCase();
  return allowed.some((d) => d.toLowerCase() === domain);
}

/** Which ID token check failed, from openid-client's error chain. */
function tokenFailure(error: unknown): SsoFailureReason {
  let cause: unknown = error;
  for (let depth = 0; depth < 5 && cause; depth++) {
    const claim = typeof cause === "object" && cause !== null && "claim" in cause ? (cause as { claim?: unknown }).claim : undefined;
    if (claim === "aud" || claim === "azp") return "wrong_audience";
    if (claim === "iss") return "wrong_issuer";
    if (claim === "exp" || claim === "iat" || claim === "nbf") return "expired_token";
    if (claim === "nonce") return "nonce_mismatch";
    cause = typeof cause === "object" && cause !== null && "cause" in cause ? (cause as { cause?: unknown }).cause : undefined;
  }
  const text = error instanceof Error ? error.message : "";
  if (/fetch failed|timeout|abort|ECONNREFUSED/i.test(text)) return "provider_unavailable";
  return "token_rejected";
}

interface FinishInput {
  /** The callback's full URL (its query carries code and state, or an error). */
  url: URL;
  /** The state in this browser's cookie (set when the sign-in started). */
  cookieState: string | null;
  ip: string | null;
}

/**
 * Finishes a sign-in at /sso/callback: consumes the state once, exchanges the code (PKCE), checks the
 * ID token and the person's e-mail and role, then finds, binds or creates the staff account. Every
 * refusal is audited as login.sso.failure with its reason and writes nothing else.
 */
export async function finishSso(db: Kysely<Database>, services: SsoServices, input: FinishInput): Promise<SsoFinish> {
  const params = input.url.searchParams;
  const state = params.get("state");
  let orgCode: string | null = null;
  const fail = async (reason: SsoFailureReason, detail: Record<string, unknown> = {}, status = 400): Promise<SsoFinish> => {
    await recordAudit(db, {
      action: "login.sso.failure",
      orgCode,
      ip: input.ip,
      detail: { reason, ...detail },
    });
    let message = SSO_FAILURE_MESSAGES[reason];
    if (reason === "provider_error") {
      const code = params.get("error");
      message = code === "access_denied" ? "Sign-in was cancelled at your organization's sign-in service." : `${message} Start again, or ask your administrator.`;
    }
    return { ok: false, reason, message, status };
  };
  if (!state || state.length > 200) return fail("missing_state");
  if (input.cookieState !== state) return fail("browser_mismatch");

  // Consumed once, atomically: a replay (or a second tab racing this one) finds it used.
  const consumed = await db
    .updateTable("board.sso_login")
    .set({ used_at: sql`now()` })
    .where("state_hash", "=", sha256(state))
    .where("used_at", "is", null)
    .where(sql<boolean>`created_at > now() - make_interval(mins => ${SSO_LOGIN_MINUTES})`)
    .returning(["org_code", "code_verifier", "nonce", "redirect_to"])
    .executeTakeFirst();
  if (!consumed) {
    const known = await db.selectFrom("board.sso_login").select(["org_code", "used_at"]).where("state_hash", "=", sha256(state)).executeTakeFirst();
    orgCode = known?.org_code ?? null;
    return fail(!known ? "unknown_state" : known.used_at ? "replayed_state" : "expired_state");
  }
  orgCode = consumed.org_code;
  if (params.has("error"))
    return fail("provider_error", {
      error: params.get("error")?.slice(0, 100) ?? "",
    });

  const config = await configForSignIn(db, consumed.org_code);
  if (!config) return fail("not_configured");
  let provider: oidc.Configuration;
  try {
    provider = await discoverProvider(services, {
      orgCode: config.org_code,
      issuer: config.issuer,
      clientId: config.client_id,
      clientSecretEncrypted: config.client_secret_encrypted,
    });
  } catch (error) {
    return fail("provider_unavailable", { error: describeProviderError(error) }, 503);
  }
  let claims: oidc.IDToken;
  try {
    const tokens = await oidc.authorizationCodeGrant(provider, input.url, {
      pkceCodeVerifier: consumed.code_verifier,
      expectedState: state,
      expectedNonce: consumed.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (!idClaims) return fail("token_rejected", { error: "no ID token" });
    claims = idClaims;
  } catch (error) {
    const reason = tokenFailure(error);
    return fail(
      reason,
      {
        error: error instanceof Error ? error.message.slice(0, 300) : "unknown",
      },
      reason === "provider_unavailable" ? 503 : 400
    );
  }

  const subject = `${config.issuer} ${claims.sub}`;
  const rawEmail = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
  const who = {
    issuer: config.issuer,
    sub: claims.sub,
    email: rawEmail.slice(0, 254),
  };
  if (!rawEmail || rawEmail.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(rawEmail)) return fail("email_missing", who);
  if (claims.email_verified !== true) return fail("email_not_verified", who);
  if (!domainAllowed(rawEmail, config.allowed_domains)) return fail("domain_not_allowed", who);
  const roleFromClaim = config.role_claim ? mappedRole(claims[config.role_claim], config.role_map) : null;
  const defaultRole = STAFF_ROLES.find((r) => r === config.default_role) ?? null;
  const displayName = (typeof claims.name === "string" && claims.name.trim() ? claims.name.trim() : rawEmail).slice(0, 200);

  // Found by the subject it is bound to, else by e-mail.
  const found = await db
    .selectFrom("board.staff_user")
    .select(["id", "org_code", "role", "disabled_at", "sso_subject", "email"])
    .where((eb) => eb.or([eb("sso_subject", "=", subject), eb("email", "=", rawEmail)]))
    .orderBy(sql`(sso_subject = ${subject}) desc nulls last`)
    .limit(1)
    .executeTakeFirst();
  if (found && found.org_code !== config.org_code) return fail("other_organization", { ...who, account: found.id });
  if (found && found.disabled_at) return fail("account_disabled", { ...who, account: found.id });
  if (found && found.sso_subject !== null && found.sso_subject !== subject) return fail("subject_mismatch", { ...who, account: found.id });
  if (!found && config.provisioning === "invited") return fail("not_invited", who);
  // The claim's mapped role wins (the provider is where access is managed). Without one: the
  // default role, or for an existing account its role here; but a configured mapping that gives
  // this person nothing, with no default, means no access.
  const mappingConfigured = Boolean(config.role_claim) && Object.keys(config.role_map).length > 0;
  const role = roleFromClaim ?? (mappingConfigured && !defaultRole ? null : found ? (found.role as StaffRole) : defaultRole);
  if (!role) return fail("no_role", { ...who, claim: config.role_claim });

  // One transaction: the account (created, bound, role updated) and the audit event together.
  const passwordHash = found ? null : await hashPassword(randomBytes(32).toString("base64url"));
  try {
    return await db.transaction().execute(async (trx: Transaction<Database>) => {
      let userId: string;
      let created = false;
      let roleChanged: { from: string; to: string } | null = null;
      if (found) {
        userId = found.id;
        if (found.role !== role) roleChanged = { from: found.role, to: role };
        await trx
          .updateTable("board.staff_user")
          .set({
            sso_subject: subject,
            role,
            failed_login_count: 0,
            locked_until: null,
          })
          .where("id", "=", found.id)
          .where("disabled_at", "is", null)
          .execute();
      } else {
        const inserted = await trx
          .insertInto("board.staff_user")
          .values({
            email: rawEmail,
            display_name: displayName,
            password_hash: passwordHash!,
            role,
            org_code: config.org_code,
            sso_subject: subject,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        userId = inserted.id;
        created = true;
      }
      await recordAudit(trx, {
        action: "login.sso",
        userId,
        orgCode: config.org_code,
        ip: input.ip,
        detail: {
          issuer: config.issuer,
          sub: claims.sub,
          email: rawEmail,
          role,
          created,
          ...(roleChanged ? { roleChanged } : {}),
        },
      });
      return {
        ok: true as const,
        userId,
        orgCode: config.org_code,
        redirectTo: consumed.redirect_to,
        created,
      };
    });
  } catch (error) {
    // Another sign-in created or bound the same e-mail or subject at the same moment.
    if (typeof error === "object" && error !== null && (error as { code?: string }).code === "23505") return fail("subject_mismatch", who, 409);
    throw error;
  }
}
