// Second factors through the real HTTP app (decision 031): an authenticator app enrolled on the
// security page and then asked for at sign-in, a code never accepted twice, wrong codes throttled
// (and refused past the ceiling), recovery codes once each, a required second factor forcing
// enrolment on every route, an administrator's reset, and the organization setting. Codes are
// computed here with otpauth from the setup key the page shows; what is stored is read as the owner.
import { createHash } from "node:crypto";
import { sql } from "kysely";
import { Secret, TOTP } from "otpauth";
import { beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../app/auth/password.server";
import { REPORTS } from "../../app/lib/reports";
import { resetSecondFactors } from "../../app/models/second-factors.server";
import { runWithRowScope } from "../../db/row-scope";
import { unescapeHtml } from "../support/html-forms";
import { appRoutes, fillPattern } from "../support/routes";
import { get, post, postLogin, sessionCookieFrom, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();
const owner = () => app.database.owner;
const base = () => app.server.baseUrl;
const PASSWORD = "a long enough test password";

async function makeUser(email: string, orgCode: string, role = "reviewer"): Promise<string> {
  const row = await owner()
    .insertInto("board.staff_user")
    .values({ email, display_name: `Test ${email}`, password_hash: await hashPassword(PASSWORD), role, org_code: orgCode })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

function cookieFrom(response: Response, name: string): string | null {
  for (const header of response.headers.getSetCookie()) {
    const match = header.match(new RegExp(`^${name}=([^;]*)`));
    if (match && match[1]) return `${name}=${match[1]}`;
  }
  return null;
}

function totpFor(base32: string): TOTP {
  return new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(base32) });
}

/** The code of the 30-second step `steps` after now's. */
function codeAt(base32: string, steps: number): string {
  return totpFor(base32).generate({ timestamp: Date.now() + steps * 30_000 });
}

async function auditCount(userId: string, action: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from board.audit_event where user_id = ${userId}::uuid and action = ${action}`.execute(owner());
  return r.rows[0]!.n;
}

/** Adds an authenticator app on `path` as the signed-in user; returns its setup key and the recovery codes shown. */
async function enrolApp(cookie: string, path = "/account/security"): Promise<{ key: string; recoveryCodes: string[] }> {
  const started = await post(base(), path, cookie, { intent: "app-start" });
  expect(started.status).toBe(200);
  const page = unescapeHtml(await started.text());
  const key = page.match(/aria-label="Setup key">([A-Z2-7 ]+)</)![1]!.replace(/ /g, "");
  const id = page.match(/name="id" value="(\d+)"/)![1]!;
  expect(page).toContain(`otpauth://totp/`);
  const confirmed = await post(base(), path, cookie, { intent: "app-confirm", id, code: codeAt(key, 0), name: "Phone" });
  expect(confirmed.status).toBe(200);
  const html = await confirmed.text();
  const recoveryCodes = [...html.matchAll(/<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<\/code>/g)].map((m) => m[1]!);
  return { key, recoveryCodes };
}

/** The password step: for a user with a factor, a redirect to /login/verify and the challenge cookie. */
async function passwordStep(email: string): Promise<string> {
  const response = await postLogin(base(), email, PASSWORD, "/credits");
  expect(response.status).toBe(302);
  expect(response.headers.get("location")).toBe("/login/verify");
  expect(sessionCookieFrom(response)).toBeNull();
  const challenge = cookieFrom(response, "__signin");
  expect(challenge).not.toBeNull();
  return challenge!;
}

describe("an authenticator app", () => {
  let userId: string;
  let key: string;
  let recoveryCodes: string[];
  const email = "mfa-app@ca-m.test";

  beforeAll(async () => {
    userId = await makeUser(email, "CA-M");
  });

  it("is enrolled on the security page: the secret encrypted at rest, ten recovery codes shown once and stored hashed", async () => {
    const cookie = await signIn(base(), email, PASSWORD);
    ({ key, recoveryCodes } = await enrolApp(cookie));
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);

    const stored = await sql<{ secret_encrypted: string; confirmed: boolean; name: string }>`
      select secret_encrypted, confirmed_at is not null as confirmed, name from board.totp_secret where user_id = ${userId}::uuid`.execute(owner());
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]).toMatchObject({ confirmed: true, name: "Phone" });
    // Neither the base32 key nor its bytes in hex or base64 are in the row.
    const bytes = Secret.fromBase32(key).bytes;
    for (const form of [key, Buffer.from(bytes).toString("hex"), Buffer.from(bytes).toString("base64"), Buffer.from(bytes).toString("base64url")]) {
      expect(stored.rows[0]!.secret_encrypted).not.toContain(form);
    }
    const codes = await sql<{ code_hash: string }>`select code_hash from board.recovery_code where user_id = ${userId}::uuid`.execute(owner());
    expect(codes.rows).toHaveLength(10);
    const storedText = codes.rows.map((r) => r.code_hash).join(" ");
    for (const code of recoveryCodes) {
      expect(storedText).not.toContain(code.replace(/-/g, ""));
      // An unsalted SHA-256 of the code as shown or as typed would be a lookup away: not that either.
      expect(storedText).not.toContain(createHash("sha256").update(code.replace(/-/g, "")).digest("hex"));
    }
    expect(await auditCount(userId, "second_factor.add")).toBe(1);

    // The security page lists it; a later visit shows no codes again.
    const page = await (await get(base(), "/account/security", cookie)).text();
    expect(page).toContain("Phone");
    expect(page).toContain("Authenticator app");
    for (const code of recoveryCodes) expect(page).not.toContain(code);
  });

  it("asks for a code after the password, and a code is never accepted twice", async () => {
    // The code confirmed at enrolment (this step's) is spent already.
    let challenge = await passwordStep(email);
    expect(await auditCount(userId, "login.password")).toBeGreaterThan(0);
    const page = await get(base(), "/login/verify", challenge);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("6-digit code from your authenticator app");
    const reused = await post(base(), "/login/verify", challenge, { intent: "app", code: codeAt(key, 0) });
    expect(reused.status).toBe(401);
    expect(sessionCookieFrom(reused)).toBeNull();

    // The next step's code (within the window of one step either side) signs in.
    const next = codeAt(key, 1);
    const signedIn = await post(base(), "/login/verify", challenge, { intent: "app", code: next });
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get("location")).toBe("/credits");
    const session = sessionCookieFrom(signedIn);
    expect(session).not.toBeNull();
    expect((await get(base(), "/credits", session!)).status).toBe(200);
    // The challenge is spent: the same cookie starts nothing.
    expect((await get(base(), "/login/verify", challenge)).headers.get("location")).toBe("/login");

    // The same code once more, on a new challenge: refused.
    challenge = await passwordStep(email);
    const again = await post(base(), "/login/verify", challenge, { intent: "app", code: next });
    expect(again.status).toBe(401);
    expect(await again.text()).toContain("already used");
    const success = await sql<{ detail: { secondFactor: string } }>`
      select detail from board.audit_event where user_id = ${userId}::uuid and action = 'login.success' and detail ? 'secondFactor' order by id`.execute(owner());
    expect(success.rows.map((r) => r.detail.secondFactor)).toEqual(["app"]);
  });

  it("a code from outside the window is refused, and a session is never made without the second step", async () => {
    const challenge = await passwordStep(email);
    const late = await post(base(), "/login/verify", challenge, { intent: "app", code: codeAt(key, 3) });
    expect(late.status).toBe(401);
    // Without the challenge cookie the step does not exist.
    expect((await post(base(), "/login/verify", null, { intent: "app", code: codeAt(key, 2) })).status).toBe(302);
    await sql`delete from board.second_factor_throttle where user_id = ${userId}::uuid`.execute(owner());
  });

  it("throttles wrong codes per user: five free, then a wait (429 with Retry-After) even for the right code, audited once", async () => {
    const challenge = await passwordStep(email);
    const failuresBefore = await auditCount(userId, "login.second_factor_failure");
    const throttledBefore = await auditCount(userId, "login.throttled");
    for (let i = 0; i < 5; i++) {
      const wrong = await post(base(), "/login/verify", challenge, { intent: "app", code: "000000" });
      expect(wrong.status, `wrong code ${i + 1}`).toBe(401);
    }
    // A wrong code, and a right one (a recovery code: the app's next code is a step away).
    for (const [intent, code] of [["app", "000000"], ["recovery", recoveryCodes[2]!]] as const) {
      const refused = await post(base(), "/login/verify", challenge, { intent, code });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(sessionCookieFrom(refused)).toBeNull();
    }
    // A second browser (another password step) shares the wait: it is the user's, not the browser's.
    const other = await passwordStep(email);
    expect((await post(base(), "/login/verify", other, { intent: "recovery", code: recoveryCodes[0]! })).status).toBe(429);
    expect(await auditCount(userId, "login.second_factor_failure")).toBe(failuresBefore + 5);
    expect(await auditCount(userId, "login.throttled")).toBe(throttledBefore + 1);

    // When the wait is over (moved into the past here, rather than waited for), the right code works and clears the count.
    await sql`update board.second_factor_throttle set last_failure_at = now() - interval '2 minutes' where user_id = ${userId}::uuid`.execute(owner());
    const ok = await post(base(), "/login/verify", challenge, { intent: "recovery", code: recoveryCodes[2]! });
    expect(ok.status).toBe(302);
    const left = await sql`select 1 from board.second_factor_throttle where user_id = ${userId}::uuid`.execute(owner());
    expect(left.rows).toHaveLength(0);
  });

  it("refuses every code past 100 consecutive failures, until an administrator resets", async () => {
    await sql`insert into board.second_factor_throttle (user_id, failures, last_failure_at) values (${userId}::uuid, 100, now() - interval '1 day')
      on conflict (user_id) do update set failures = 100, last_failure_at = excluded.last_failure_at`.execute(owner());
    const challenge = await passwordStep(email);
    const refused = await post(base(), "/login/verify", challenge, { intent: "recovery", code: recoveryCodes[1]! });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain("ask an administrator");
    // The code was not spent (one was, by the previous test).
    const unused = await sql<{ n: number }>`select count(*)::int as n from board.recovery_code where user_id = ${userId}::uuid and used_at is null`.execute(owner());
    expect(unused.rows[0]!.n).toBe(9);
    await sql`delete from board.second_factor_throttle where user_id = ${userId}::uuid`.execute(owner());
  });

  it("a recovery code signs in once (typed in lower case, without dashes), never twice", async () => {
    const code = recoveryCodes[3]!;
    const challenge = await passwordStep(email);
    const typed = code.toLowerCase().replace(/-/g, " ");
    const first = await post(base(), "/login/verify", challenge, { intent: "recovery", code: typed });
    expect(first.status).toBe(302);
    expect(sessionCookieFrom(first)).not.toBeNull();
    const second = await post(base(), "/login/verify", await passwordStep(email), { intent: "recovery", code });
    expect(second.status).toBe(401);
    const used = await sql<{ n: number }>`select count(*)::int as n from board.recovery_code where user_id = ${userId}::uuid and used_at is not null`.execute(owner());
    expect(used.rows[0]!.n).toBe(2);
  });

  it("removing a factor needs the password or a code; the last one takes the recovery codes with it", async () => {
    const challenge = await passwordStep(email);
    await sql`delete from board.second_factor_throttle where user_id = ${userId}::uuid`.execute(owner());
    const session = sessionCookieFrom(await post(base(), "/login/verify", challenge, { intent: "recovery", code: recoveryCodes[4]! }))!;
    const id = (await sql<{ id: string }>`select id::text from board.totp_secret where user_id = ${userId}::uuid`.execute(owner())).rows[0]!.id;
    const bare = await post(base(), "/account/security", session, { intent: "remove", kind: "app", id });
    expect(bare.status).toBe(400);
    const wrong = await post(base(), "/account/security", session, { intent: "remove", kind: "app", id, password: "not the password" });
    expect(wrong.status).toBe(401);
    expect((await sql`select 1 from board.totp_secret where user_id = ${userId}::uuid`.execute(owner())).rows).toHaveLength(1);
    const removed = await post(base(), "/account/security", session, { intent: "remove", kind: "app", id, password: PASSWORD });
    expect(removed.status).toBe(200);
    expect((await sql`select 1 from board.totp_secret where user_id = ${userId}::uuid`.execute(owner())).rows).toHaveLength(0);
    expect((await sql`select 1 from board.recovery_code where user_id = ${userId}::uuid`.execute(owner())).rows).toHaveLength(0);
    expect(await auditCount(userId, "second_factor.remove")).toBe(1);
    // With no factor left, the password alone signs in again.
    const plain = await postLogin(base(), email, PASSWORD);
    expect(plain.headers.get("location")).toBe("/");
    expect(sessionCookieFrom(plain)).not.toBeNull();
  });
});

describe("an organization that requires a second factor", () => {
  const org = "MD-M";
  const email = "mfa-forced@md-m.test";
  let userId: string;
  let adminId: string;
  let adminCodes: string[] = [];

  beforeAll(async () => {
    userId = await makeUser(email, org);
    adminId = await makeUser("mfa-admin@md-m.test", org, "admin");
  });

  it("is switched on by an administrator who has a factor, audited with before and after; not by a supervisor", async () => {
    const supervisor = await signIn(base(), "supervisor@md-m.demo.test");
    expect((await post(base(), "/account/security", supervisor, { intent: "require", required: "on" })).status).toBe(403);
    const admin = await signIn(base(), "mfa-admin@md-m.test", PASSWORD);
    const early = await post(base(), "/account/security", admin, { intent: "require", required: "on" });
    expect(early.status).toBe(409);
    expect(await early.text()).toContain("Add a second factor to your own account");
    adminCodes = (await enrolApp(admin)).recoveryCodes;
    const on = await post(base(), "/account/security", admin, { intent: "require", required: "on" });
    expect(on.status).toBe(200);
    const row = await sql<{ require_second_factor: boolean }>`select require_second_factor from board.organisation where code = ${org}`.execute(owner());
    expect(row.rows[0]!.require_second_factor).toBe(true);
    const audit = await sql<{ detail: unknown }>`select detail from board.audit_event where user_id = ${adminId}::uuid and action = 'organisation.second_factor_requirement'`.execute(owner());
    expect(audit.rows.map((r) => r.detail)).toEqual([{ before: false, after: true }]);
    // Other organizations are untouched.
    const others = await sql<{ n: number }>`select count(*)::int as n from board.organisation where require_second_factor and code <> ${org}`.execute(owner());
    expect(others.rows[0]!.n).toBe(0);
  });

  it("sends a user without one to enrol from every route, and lets them on once they have added one", async () => {
    const login = await postLogin(base(), email, PASSWORD, "/credits");
    expect(login.status).toBe(302);
    const cookie = sessionCookieFrom(login)!;
    // Every route but signing in and out, enrolment itself, and the pages reached before signing in
    // (an invitation link, a single sign-on's start and return), which answer as they do signed out.
    const beforeSignIn = ["/login", "/logout", "/login/verify", "/account/security/enrol", "/invite/:token", "/sso/:org", "/sso/callback"];
    const routes = (await appRoutes()).filter((r) => r.hasLoader && !beforeSignIn.includes(r.pattern));
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      const values = Object.fromEntries(route.params.map((p) => [p, p === "report" ? REPORTS[0]!.id : "1"]));
      const path = fillPattern(route.pattern, values);
      const response = await get(base(), path, cookie);
      expect(response.status, path).toBe(302);
      const expected = path === "/" ? "/account/security/enrol" : `/account/security/enrol?${new URLSearchParams({ redirectTo: path })}`;
      expect(response.headers.get("location"), path).toBe(expected);
    }
    // An action too: nothing is written on the way.
    const decided = await post(base(), "/renewals/1", cookie, { intent: "decide", outcome: "compliant", note: "x" });
    expect(decided.status).toBe(302);
    expect(decided.headers.get("location")).toContain("/account/security/enrol");

    const enrol = await get(base(), "/account/security/enrol?redirectTo=%2Fcredits", cookie);
    expect(enrol.status).toBe(200);
    const html = await enrol.text();
    expect(html).toContain("Add a second factor to continue");
    // The enrolment page offers only adding a factor.
    expect((await post(base(), "/account/security/enrol", cookie, { intent: "require", required: "off" })).status).toBe(400);
    const { recoveryCodes } = await enrolApp(cookie, "/account/security/enrol");
    expect(recoveryCodes).toHaveLength(10);
    expect((await get(base(), "/credits", cookie)).status).toBe(200);
    // From now on the password is followed by the second step.
    await passwordStep(email);
  });

  it("keeps the last factor while the organization requires one", async () => {
    const admin = await signInWithRecoveryCode("mfa-admin@md-m.test", adminCodes[0]!);
    const id = (await sql<{ id: string }>`select id::text from board.totp_secret where user_id = ${adminId}::uuid`.execute(owner())).rows[0]!.id;
    const refused = await post(base(), "/account/security", admin.session, { intent: "remove", kind: "app", id, password: PASSWORD });
    expect(refused.status).toBe(409);
    expect((await sql`select 1 from board.totp_secret where user_id = ${adminId}::uuid`.execute(owner())).rows).toHaveLength(1);
  });

  it("an administrator's reset removes every factor and recovery code of their own staff only, audited; the user must enrol again", async () => {
    const counts = async (id: string) =>
      (
        await sql<{ apps: number; codes: number }>`
          select (select count(*)::int from board.totp_secret where user_id = ${id}::uuid) as apps,
                 (select count(*)::int from board.recovery_code where user_id = ${id}::uuid) as codes`.execute(owner())
      ).rows[0]!;
    expect(await counts(userId)).toEqual({ apps: 1, codes: 10 });
    // Another organization's administrator, through the app's own role and row scope: not found, nothing removed.
    const caAdmin = (await sql<{ id: string }>`select id from board.staff_user where email = 'admin@ca-m.demo.test'`.execute(owner())).rows[0]!.id;
    const refused: unknown = await runWithRowScope({ boards: "", org: "CA-M" }, () => resetSecondFactors(app.database.app, { actor: { id: caAdmin, orgCode: "CA-M" }, userId })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Response);
    expect((refused as Response).status).toBe(404);
    expect(await counts(userId)).toEqual({ apps: 1, codes: 10 });

    const result = await runWithRowScope({ boards: "", org }, () => resetSecondFactors(app.database.app, { actor: { id: adminId, orgCode: org }, userId }));
    expect(result).toEqual({ passkeys: 0, apps: 1, recoveryCodes: 10 });
    expect(await counts(userId)).toEqual({ apps: 0, codes: 0 });
    const audit = await sql<{ target: string; detail: { before: unknown; after: unknown } }>`
      select target, detail from board.audit_event where user_id = ${adminId}::uuid and action = 'second_factor.reset'`.execute(owner());
    expect(audit.rows).toEqual([{ target: userId, detail: expect.objectContaining({ before: { passkeys: 0, apps: 1, recoveryCodes: 10 }, after: { passkeys: 0, apps: 0, recoveryCodes: 0 } }) }]);
    // Signed in with the password alone, and straight to enrolment.
    const login = await postLogin(base(), email, PASSWORD, "/credits");
    const cookie = sessionCookieFrom(login)!;
    expect((await get(base(), "/credits", cookie)).headers.get("location")).toBe("/account/security/enrol?redirectTo=%2Fcredits");
  });
});

/** Both steps of signing in, the second with a recovery code. */
async function signInWithRecoveryCode(email: string, code: string): Promise<{ session: string }> {
  const response = await post(base(), "/login/verify", await passwordStep(email), { intent: "recovery", code });
  expect(response.status).toBe(302);
  return { session: sessionCookieFrom(response)! };
}
