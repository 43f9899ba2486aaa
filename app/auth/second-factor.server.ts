// The second factor's pieces that are not queries (decision 031): the authenticator-app secret's
// encryption at rest, TOTP codes, recovery codes, the relying party a passkey is bound to, and the
// half-signed-in cookie. The queries are in app/models/second-factors.server.ts.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomInt } from "node:crypto";
import { createCookie, type Cookie } from "@remix-run/node";
import { Secret, TOTP } from "otpauth";

/** How long the state between a correct password and the second factor lasts. */
export const CHALLENGE_MINUTES = 5;
export const RECOVERY_CODE_COUNT = 10;
/** The product's name in authenticator apps and passkey prompts. */
export const ISSUER = "CME Credit Verification";

// ---------------------------------------------------------------- secrets at rest

export interface FactorKey {
  /** The first 8 hex digits of the key's SHA-256: which key encrypted a secret. */
  id: string;
  key: Buffer;
}

/**
 * AES-256 keys derived (HKDF-SHA-256) from SECOND_FACTOR_KEY when set, else from SESSION_SECRET:
 * the first encrypts, every one decrypts, so either list rotates like the cookie secrets do.
 */
export function deriveFactorKeys(secrets: readonly string[]): FactorKey[] {
  if (secrets.length === 0) throw new Error("second factors: no key material");
  return secrets.map((secret) => {
    const key = Buffer.from(hkdfSync("sha256", secret, "cme-board second factors", "totp-secret v1", 32));
    return { id: createHash("sha256").update(key).digest("hex").slice(0, 8), key };
  });
}

/** The secret encrypted for one user (the user id is authenticated data: a row copied to another user does not decrypt). */
export function encryptSecret(keys: readonly FactorKey[], userId: string, secret: Uint8Array): string {
  const { id, key } = keys[0]!;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(userId));
  const body = Buffer.concat([cipher.update(secret), cipher.final()]);
  return ["v1", id, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
}

/** The secret, or null when no key in the list opens it (a key retired too soon, or a tampered row). */
export function decryptSecret(keys: readonly FactorKey[], userId: string, stored: string): Uint8Array | null {
  const [version, id, iv, tag, body] = stored.split(".");
  if (version !== "v1" || !iv || !tag || body === undefined) return null;
  for (const { key } of keys.filter((k) => k.id === id)) {
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(userId));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return new Uint8Array(Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]));
    } catch {
      // Try the next key with the same id (a collision of 8 hex digits is possible, if unlikely).
    }
  }
  return null;
}

// ---------------------------------------------------------------- authenticator apps (TOTP)

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30 seconds. */
export const TOTP_PERIOD = 30;

export function newTotpSecret(): Uint8Array {
  return new Uint8Array(randomBytes(20));
}

function totp(secret: Uint8Array, account: string): TOTP {
  return new TOTP({ issuer: ISSUER, label: account, algorithm: "SHA1", digits: 6, period: TOTP_PERIOD, secret: new Secret({ buffer: secret.slice().buffer }) });
}

/** The otpauth:// URI an authenticator app reads (from a QR code or typed in). */
export function totpUri(secret: Uint8Array, account: string): string {
  return totp(secret, account).toString();
}

/** The secret in base32, grouped in fours for typing into an app by hand. */
export function totpSecretForTyping(secret: Uint8Array): string {
  return (new Secret({ buffer: secret.slice().buffer }).base32.match(/.{1,4}/g) ?? []).join(" ");
}

/** The code's 30-second step when it is right now or one step either side; otherwise null. */
export function totpStep(secret: Uint8Array, code: string, now = Date.now()): number | null {
  const token = code.replace(/\s/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secret, "check").validate({ token, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / 1000 / TOTP_PERIOD) + delta;
}

// ---------------------------------------------------------------- recovery codes

// Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
const RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A recovery code: 16 characters of base32 (80 random bits), shown as four groups of four. */
export function newRecoveryCode(): string {
  let code = "";
  for (let i = 0; i < 16; i++) code += RECOVERY_ALPHABET[randomInt(32)];
  return code.match(/.{4}/g)!.join("-");
}

/** A typed recovery code as it was made: case, spaces and dashes ignored, O read as 0 and I / L as 1. */
export function normaliseRecoveryCode(typed: string): string | null {
  const code = typed.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  return code.length === 16 && [...code].every((c) => RECOVERY_ALPHABET.includes(c)) ? code : null;
}

/** What is stored: SHA-256 of the normalised code (80 random bits need no slow hash). */
export function hashRecoveryCode(normalised: string): string {
  return createHash("sha256").update(`recovery:${normalised}`).digest("hex");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

// ---------------------------------------------------------------- passkeys: the relying party

export interface RelyingParty {
  /** The origins users open the app at (APP_ORIGIN): a passkey is bound to one of their host names. */
  origins: readonly string[];
}

/**
 * The origin and relying-party id for passkeys on this request, or null when the request's origin
 * is not one the app is configured for (APP_ORIGIN): never an arbitrary Host header, or a proxy
 * could ask the browser for a passkey of another site. Without APP_ORIGIN, only a loopback name
 * (http://localhost:<port>) is accepted, for development and the tests; an IP address cannot be a
 * relying party at all.
 */
export function relyingPartyFor(party: RelyingParty, request: Request): { origin: string; rpID: string } | null {
  let origin: string;
  try {
    origin = new URL(request.url).origin;
  } catch {
    return null;
  }
  const allowed = party.origins.length > 0 ? party.origins.includes(origin) : /^http:\/\/localhost:\d{1,5}$/.test(origin);
  return allowed ? { origin, rpID: new URL(origin).hostname } : null;
}

// ---------------------------------------------------------------- the half-signed-in cookie

/** Holds only a random token; its SHA-256 keys board.sign_in_challenge. Sent only to /login pages. */
export function createChallengeCookie(secure: boolean): Cookie {
  return createCookie("__signin", { httpOnly: true, sameSite: "strict", secure, path: "/login", maxAge: CHALLENGE_MINUTES * 60 });
}

export async function readChallengeToken(cookie: Cookie, request: Request): Promise<string | null> {
  const value: unknown = await cookie.parse(request.headers.get("Cookie"));
  return typeof value === "string" && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
}

export interface SecondFactorServices {
  challengeCookie: Cookie;
  keys: FactorKey[];
  relyingParty: RelyingParty;
}

export function createSecondFactorServices(options: { keySecrets: readonly string[]; secureCookies: boolean; origins?: readonly string[] }): SecondFactorServices {
  return {
    challengeCookie: createChallengeCookie(options.secureCookies),
    keys: deriveFactorKeys(options.keySecrets),
    relyingParty: { origins: options.origins ?? [] },
  };
}
