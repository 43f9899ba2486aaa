// Sign-in, lockout, session expiry and revocation, through the real HTTP app.
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { hashPassword } from "../../app/auth/password.server";
import { get, postLogin, sessionCookieFrom, signIn, setUpSeededApp } from "../support/server";

const app = setUpSeededApp();

async function makeUser(email: string, password: string, orgCode = "CA-M") {
  await app.database.owner
    .insertInto("board.staff_user")
    .values({ email, display_name: email, password_hash: await hashPassword(password), role: "reviewer", org_code: orgCode })
    .execute();
}

async function auditActions(email: string): Promise<string[]> {
  const rows = await sql<{ action: string }>`
    select a.action from board.audit_event a
    left join board.staff_user u on u.id = a.user_id
    where u.email = ${email} or a.detail->>'email' = ${email}
    order by a.id`.execute(app.database.owner);
  return rows.rows.map((r) => r.action);
}

describe("sign-in", () => {
  it("redirects a signed-out request to /login, remembering where it was going", async () => {
    const response = await get(app.server.baseUrl, "/?tab=x");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/login?${new URLSearchParams({ redirectTo: "/?tab=x" })}`);
  });

  it("signs in with the right password, sets a hardened cookie, and shows the home page", async () => {
    const response = await postLogin(app.server.baseUrl, "reviewer@ca-m.demo.test", "demo-password", "/");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/");
    const setCookie = response.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const home = await get(app.server.baseUrl, "/", sessionCookieFrom(response)!);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Medical Board of California");
    expect(await auditActions("reviewer@ca-m.demo.test")).toContain("login.success");
  });

  it("accepts the email in any case and with surrounding spaces", async () => {
    const response = await postLogin(app.server.baseUrl, "  Reviewer@ABIM.demo.test ", "demo-password");
    expect(response.status).toBe(302);
  });

  it("gives one generic message for a wrong password and for an unknown email", async () => {
    const wrong = await postLogin(app.server.baseUrl, "reviewer@md-m.demo.test", "not-the-password");
    const unknown = await postLogin(app.server.baseUrl, "nobody@md-m.demo.test", "not-the-password");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(sessionCookieFrom(wrong)).toBeNull();
    const wrongText = await wrong.text();
    const unknownText = await unknown.text();
    const message = "Email or password is incorrect.";
    expect(wrongText).toContain(message);
    expect(unknownText).toContain(message);
    expect(await auditActions("nobody@md-m.demo.test")).toEqual(["login.failure"]);
  });

  it("names the field for malformed input instead of failing", async () => {
    const response = await postLogin(app.server.baseUrl, "not-an-email", "");
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain("Enter a valid email address");
    expect(text).toContain("Enter your password");
  });

  it("never redirects to another site after sign-in", async () => {
    const response = await postLogin(app.server.baseUrl, "reviewer@or-m.demo.test", "demo-password", "//evil.example/phish");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/");
  });

  it("makes an address wait a minute after 5 failures against an account, even for the right password", async () => {
    // The owner signing in from another address is not affected: test/integration/sign-in-abuse.test.ts.
    const email = "lockme@ca-m.test";
    await makeUser(email, "correct horse battery staple");
    for (let i = 0; i < 5; i++) {
      expect((await postLogin(app.server.baseUrl, email, `wrong-${i}`)).status).toBe(401);
    }
    const waiting = await postLogin(app.server.baseUrl, email, "correct horse battery staple");
    expect(waiting.status).toBe(429);
    expect(sessionCookieFrom(waiting)).toBeNull();
    expect(await waiting.text()).toContain("Try again in 1 minute.");
    const actions = await auditActions(email);
    expect(actions.filter((a) => a === "login.failure")).toHaveLength(5);
    expect(actions.filter((a) => a === "login.throttled")).toHaveLength(1);
    // Five attempts are not an account lock: nothing for an administrator to lift.
    const row = await sql<{ locked_until: Date | null }>`select locked_until from board.staff_user where email = ${email}`.execute(app.database.owner);
    expect(row.rows[0]!.locked_until).toBeNull();

    // When the minute has passed, the right password works again.
    await sql`update board.login_throttle set last_failure_at = last_failure_at - interval '1 minute' where account = ${email}`.execute(app.database.owner);
    expect((await postLogin(app.server.baseUrl, email, "correct horse battery staple")).status).toBe(302);
  });

  it("does not lock after 4 failures followed by a success", async () => {
    const email = "nolock@ca-m.test";
    await makeUser(email, "correct horse battery staple");
    for (let i = 0; i < 4; i++) await postLogin(app.server.baseUrl, email, "wrong");
    expect((await postLogin(app.server.baseUrl, email, "correct horse battery staple")).status).toBe(302);
    for (let i = 0; i < 4; i++) await postLogin(app.server.baseUrl, email, "wrong");
    expect((await postLogin(app.server.baseUrl, email, "correct horse battery staple")).status).toBe(302);
  });
});

describe("sessions", () => {
  async function sessionHashFor(email: string): Promise<string> {
    const row = await sql<{ id_hash: string }>`
      select s.id_hash from board.session s join board.staff_user u on u.id = s.user_id
      where u.email = ${email} and s.revoked_at is null order by s.created_at desc limit 1`.execute(app.database.owner);
    return row.rows[0]!.id_hash;
  }

  it("are revoked by sign-out: the old cookie no longer works", async () => {
    const cookie = await signIn(app.server.baseUrl, "reviewer@nc-m.demo.test");
    expect((await get(app.server.baseUrl, "/", cookie)).status).toBe(200);
    const logout = await fetch(`${app.server.baseUrl}/logout`, { method: "POST", redirect: "manual", headers: { cookie, origin: app.server.baseUrl } });
    expect(logout.status).toBe(302);
    expect(logout.headers.get("location")).toBe("/login");
    expect((await get(app.server.baseUrl, "/", cookie)).status).toBe(302);
    const revoked = await sql<{ n: string }>`
      select count(*) as n from board.session s join board.staff_user u on u.id = s.user_id
      where u.email = 'reviewer@nc-m.demo.test' and s.revoked_at is not null`.execute(app.database.owner);
    expect(Number(revoked.rows[0]!.n)).toBe(1);
  });

  it("expire after 30 idle minutes", async () => {
    const cookie = await signIn(app.server.baseUrl, "reviewer@nd-m.demo.test");
    const hash = await sessionHashFor("reviewer@nd-m.demo.test");
    await sql`update board.session set last_seen_at = now() - interval '29 minutes' where id_hash = ${hash}`.execute(app.database.owner);
    expect((await get(app.server.baseUrl, "/", cookie)).status).toBe(200);
    await sql`update board.session set last_seen_at = now() - interval '31 minutes' where id_hash = ${hash}`.execute(app.database.owner);
    expect((await get(app.server.baseUrl, "/", cookie)).status).toBe(302);
  });

  it("expire 12 hours after sign-in however active they are", async () => {
    const cookie = await signIn(app.server.baseUrl, "reviewer@al-m.demo.test");
    const hash = await sessionHashFor("reviewer@al-m.demo.test");
    await sql`update board.session set expires_at = now() - interval '1 second', last_seen_at = now() where id_hash = ${hash}`.execute(app.database.owner);
    expect((await get(app.server.baseUrl, "/", cookie)).status).toBe(302);
    const expiry = await sql<{ hours: number }>`
      select extract(epoch from expires_at - created_at) / 3600 as hours from board.session
      where id_hash <> ${hash} order by created_at desc limit 1`.execute(app.database.owner);
    expect(Number(expiry.rows[0]!.hours)).toBeCloseTo(12, 3);
  });

  it("reject a forged or tampered cookie", async () => {
    const cookie = await signIn(app.server.baseUrl, "reviewer@vi-m.demo.test");
    const tampered = cookie.slice(0, -3) + (cookie.endsWith("A") ? "BBB" : "AAA");
    expect((await get(app.server.baseUrl, "/", tampered)).status).toBe(302);
    expect((await get(app.server.baseUrl, "/", "__session=abc")).status).toBe(302);
  });

  it("store only a hash of the token", async () => {
    const cookie = await signIn(app.server.baseUrl, "reviewer@me-m.demo.test");
    const token = decodeURIComponent(cookie.split("=").slice(1).join("="));
    const rows = await sql<{ n: string }>`select count(*) as n from board.session where position(${token.slice(0, 20)} in id_hash) > 0`.execute(app.database.owner);
    expect(Number(rows.rows[0]!.n)).toBe(0);
  });
});

// Last in this file: it leaves 127.0.0.1 throttled for this database.
describe("address throttling", () => {
  it("refuses further attempts from an address after 30 failures in 15 minutes, whatever the account", async () => {
    const prior = await sql<{ n: string }>`
      select count(*) as n from board.audit_event where action = 'login.failure' and ip is not null
      and occurred_at > now() - interval '15 minutes'`.execute(app.database.owner);
    for (let i = Number(prior.rows[0]!.n); i < 30; i++) await postLogin(app.server.baseUrl, `spray-${i}@example.test`, "guess");
    const response = await postLogin(app.server.baseUrl, "reviewer@aba.demo.test", "demo-password");
    expect(response.status).toBe(429);
    expect(sessionCookieFrom(response)).toBeNull();
    expect(await response.text()).toContain("Too many sign-in attempts");
  });
});
