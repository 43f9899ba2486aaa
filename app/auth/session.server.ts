// Sessions live in PostgreSQL; the cookie holds only a random token (its SHA-256 is the row key),
// so logout and expiry really revoke. Idle expiry 30 minutes, absolute expiry 12 hours.
import { createHash, randomBytes } from "node:crypto";
import { createCookie, redirect, type AppLoadContext, type Cookie } from "@remix-run/node";
import { sql, type Kysely } from "kysely";
import { setRowScope } from "../../db/row-scope";
import type { Database } from "../../db/schema";
import type { StaffRole } from "../../domain/reference";
import { recordAudit } from "../models/audit.server";
import { rowScopeFor, scopeForOrganisation, type Scope } from "./scope.server";

export const IDLE_TIMEOUT_MINUTES = 30;
export const ABSOLUTE_TIMEOUT_HOURS = 12;
/** last_seen_at is refreshed at most this often, so ordinary page views do not all write. */
const TOUCH_INTERVAL_SECONDS = 60;

export function createSessionCookie(secrets: string[], secure: boolean): Cookie {
  return createCookie("__session", {
    httpOnly: true,
    sameSite: "lax",
    secure,
    path: "/",
    secrets,
    // No maxAge: a browser session cookie; the server enforces idle and absolute expiry.
  });
}

/** How long a device cookie (decision 018) lasts without a sign-in that renews it. */
export const DEVICE_COOKIE_DAYS = 180;

/**
 * The device cookie (app/auth/login.server.ts, decision 018): made with the session cookie's secrets
 * and Secure flag, and long-lived: it marks a browser where an account has signed in before.
 */
export function createDeviceCookie(secrets: string[], secure: boolean): Cookie {
  return createCookie("__device", { httpOnly: true, sameSite: "lax", secure, path: "/", secrets, maxAge: DEVICE_COOKIE_DAYS * 24 * 3600 });
}

/** A device cookie's token, or null when there is none or it is not one this app signed. */
export async function readDeviceToken(deviceCookie: Cookie, request: Request): Promise<string | null> {
  const value: unknown = await deviceCookie.parse(request.headers.get("Cookie"));
  return typeof value === "string" && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
}

/** The SHA-256 (hex) under which a random token (a session's, an invitation's) is stored. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  org: { code: string; name: string; kind: string };
  scope: Scope;
  sessionHash: string;
  /**
   * The organization requires a second factor and the user has none: every page but enrolment
   * sends them to enrol (app/auth/permissions.server.ts, decision 031).
   */
  mustEnrol?: boolean;
}

export async function createUserSession(
  db: Kysely<Database>,
  cookie: Cookie,
  userId: string,
  meta: { ip: string | null; userAgent: string | null; via?: "password" | "sso" },
): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await db
    .insertInto("board.session")
    .values({
      id_hash: hashToken(token),
      user_id: userId,
      expires_at: sql<Date>`now() + make_interval(hours => ${ABSOLUTE_TIMEOUT_HOURS})`,
      ip: meta.ip,
      user_agent: meta.userAgent?.slice(0, 500) ?? null,
      via: meta.via ?? "password",
    })
    .execute();
  return cookie.serialize(token);
}

async function readToken(cookie: Cookie, request: Request): Promise<string | null> {
  const value: unknown = await cookie.parse(request.headers.get("Cookie"));
  return typeof value === "string" && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
}

// The root loader and the route loader both ask for the user: look the session up once per request.
// Remix hands each loader its own copy of the Request, so a page read is keyed by its load context
// (one per HTTP request). A submission is keyed by the Request itself: its action may sign in or out,
// and the loaders after it must look again.
const perRequest = new WeakMap<object, Promise<SessionUser | null>>();

/** The signed-in user, or null when there is no valid (unexpired, unrevoked) session. */
export function getSessionUser(context: AppLoadContext, request: Request): Promise<SessionUser | null> {
  const key = request.method === "GET" || request.method === "HEAD" ? context : request;
  let pending = perRequest.get(key);
  if (!pending) {
    pending = loadSessionUser(context, request);
    perRequest.set(key, pending);
  }
  return pending;
}

async function loadSessionUser(context: AppLoadContext, request: Request): Promise<SessionUser | null> {
  const { db, sessionCookie } = context.services;
  const token = await readToken(sessionCookie, request);
  if (!token) return null;
  const idHash = hashToken(token);
  const row = await db
    .selectFrom("board.session as s")
    .innerJoin("board.staff_user as u", "u.id", "s.user_id")
    .innerJoin("board.organisation as o", "o.code", "u.org_code")
    .select([
      "u.id",
      "u.email",
      "u.display_name",
      "u.role",
      "o.code as org_code",
      "o.name as org_name",
      "o.kind as org_kind",
      sql<boolean>`s.expires_at > now() and s.last_seen_at > now() - make_interval(mins => ${IDLE_TIMEOUT_MINUTES})`.as("live"),
      sql<boolean>`s.last_seen_at < now() - make_interval(secs => ${TOUCH_INTERVAL_SECONDS})`.as("stale"),
      sql<boolean>`o.require_second_factor and s.via <> 'sso' and not board.has_second_factor(u.id)`.as("must_enrol"),
    ])
    .where("s.id_hash", "=", idHash)
    .where("s.revoked_at", "is", null)
    .where("u.disabled_at", "is", null)
    .executeTakeFirst();
  if (!row) return null;
  if (!row.live) {
    await db.updateTable("board.session").set({ revoked_at: sql`now()` }).where("id_hash", "=", idHash).execute();
    await recordAudit(db, { action: "session.expired", userId: row.id, orgCode: row.org_code, ip: context.clientIp });
    return null;
  }
  if (row.stale) {
    await db.updateTable("board.session").set({ last_seen_at: sql`now()` }).where("id_hash", "=", idHash).execute();
  }
  const org = { code: row.org_code, name: row.org_name, kind: row.org_kind };
  const scope = scopeForOrganisation(org);
  // From here on this request's queries run under the organisation's row-level security.
  setRowScope(rowScopeFor(scope));
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role as StaffRole,
    org,
    scope,
    sessionHash: idHash,
    mustEnrol: row.must_enrol,
  };
}

/** Longer than any address the app serves (scripts/server.ts answers 414 past 4,096 characters). */
const MAX_REDIRECT_LENGTH = 4096;
/** C0 controls, DEL, C1 controls and backslashes: browsers drop or reinterpret them ("/\t/x" is "//x"). */
export function hasControlOrBackslash(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x5c) return true;
  }
  return false;
}
/** Any fixed origin will do: only whether the target stays on it matters. */
const PROBE_ORIGIN = "http://app.invalid";

/**
 * A safe place to return to after sign-in: a path on this site, or `fallback`. Accepted only when
 * the string starts with one "/" (not "//"), carries no control character (C0, DEL, C1) and no
 * backslash, and resolves to this site's own origin; what is returned is the URL parser's own
 * serialisation of it (path, query, fragment), so the Location header says exactly what a browser
 * will follow, percent-encoded where needed. Never throws, whatever the value.
 */
export function safeRedirectTarget(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || value.length > MAX_REDIRECT_LENGTH) return fallback;
  if (!value.startsWith("/") || value.startsWith("//") || hasControlOrBackslash(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, PROBE_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== PROBE_ORIGIN) return fallback;
  const target = `${url.pathname}${url.search}${url.hash}`;
  return target.startsWith("/") && !target.startsWith("//") ? target : fallback;
}

/** The signed-in user; otherwise throws a redirect to /login that comes back here afterwards. */
export async function requireSignedIn(context: AppLoadContext, request: Request): Promise<SessionUser> {
  const user = await getSessionUser(context, request);
  if (user) return user;
  const url = new URL(request.url);
  const back = `${url.pathname}${url.search}`;
  const search = back === "/" ? "" : `?${new URLSearchParams({ redirectTo: back })}`;
  throw redirect(`/login${search}`, {
    headers: { "Set-Cookie": await context.services.sessionCookie.serialize("", { maxAge: 0 }) },
  });
}

export async function revokeSession(context: AppLoadContext, request: Request): Promise<string> {
  const { db, sessionCookie } = context.services;
  const token = await readToken(sessionCookie, request);
  if (token) {
    const revoked = await db
      .updateTable("board.session as s")
      .set({ revoked_at: sql`now()` })
      .where("s.id_hash", "=", hashToken(token))
      .where("s.revoked_at", "is", null)
      .returning("s.user_id")
      .executeTakeFirst();
    if (revoked) {
      const user = await db.selectFrom("board.staff_user").select("org_code").where("id", "=", revoked.user_id).executeTakeFirst();
      await recordAudit(db, { action: "logout", userId: revoked.user_id, orgCode: user?.org_code, ip: context.clientIp });
    }
  }
  return sessionCookie.serialize("", { maxAge: 0 });
}
