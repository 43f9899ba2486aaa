// Staff administration (/admin/users), invitations (/invite/:token) and self service (/account),
// through the real HTTP app on a private copy of the seeded store: every admin action and each of its
// refusals (another organization, the last admin, reviewers and supervisors, expired, used and
// revoked invitations), deactivation ending every session at once, the password rules, and one's own
// sessions. What the app wrote is read back with plain SQL as the owner.
import { createHash } from "node:crypto";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { hashPassword } from "../../app/auth/password.server";
import { SIGN_IN_LIMITS } from "../../app/auth/login.server";
import { boardWrites } from "../support/database";
import { get, post, postLogin, sessionCookieFrom, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();
const base = () => app.server.baseUrl;
const owner = () => app.database.owner;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

let serial = 0;
/** A staff user made directly as the owner; returns their id and e-mail. */
async function makeUser(org: string, role: "reviewer" | "supervisor" | "admin", password = "demo-password"): Promise<{ id: string; email: string }> {
  const email = `staff-${++serial}-${role}@${org.toLowerCase()}.accounts.test`;
  const row = await owner()
    .insertInto("board.staff_user")
    .values({ email, display_name: `Test ${role} ${serial}`, password_hash: await hashPassword(password), role, org_code: org })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, email };
}

async function userRow(id: string) {
  return (await sql<{ role: string; disabled: boolean; org_code: string }>`
    select role, disabled_at is not null as disabled, org_code from board.staff_user where id = ${id}`.execute(owner())).rows[0];
}

async function audits(action: string, target: string) {
  return (await sql<{ user_id: string; org_code: string; detail: Record<string, unknown> }>`
    select user_id, org_code, detail from board.audit_event where action = ${action} and target = ${target} order by id`.execute(owner())).rows;
}

async function openSessions(userId: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from board.session where user_id = ${userId} and revoked_at is null`.execute(owner());
  return r.rows[0]!.n;
}

/** Signs in with a given browser name; returns the session cookie. */
async function signInAs(email: string, password: string, userAgent: string): Promise<string> {
  const response = await fetch(`${base()}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: base(), "user-agent": userAgent },
    body: new URLSearchParams({ email, password }),
  });
  const cookie = sessionCookieFrom(response);
  if (response.status !== 302 || !cookie) throw new Error(`sign-in as ${email} failed: ${response.status}`);
  return cookie;
}

async function invite(adminCookie: string, email: string, role = "reviewer", validDays = "3"): Promise<{ status: number; text: string; token: string | null }> {
  const response = await post(base(), "/admin/users/invite", adminCookie, { email, role, validDays });
  const text = await response.text();
  const token = text.match(/\/invite\/([A-Za-z0-9_-]{43})/)?.[1] ?? null;
  return { status: response.status, text, token };
}

const CHROME = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const GOOD_PASSWORD = "maple kettle harbor violin";

describe("who may administer staff", () => {
  it("answers 403 to reviewers and supervisors on every staff page and action, and writes nothing", async () => {
    const target = await makeUser("CA-M", "reviewer");
    const before = await boardWrites(owner());
    for (const role of ["reviewer", "supervisor"]) {
      const cookie = await signIn(base(), `${role}@ca-m.demo.test`);
      for (const path of ["/admin/users", "/admin/users/invite", `/admin/users/${target.id}`]) {
        expect((await get(base(), path, cookie)).status, `${role} GET ${path}`).toBe(403);
      }
      expect((await post(base(), "/admin/users/invite", cookie, { email: "x@example.gov", role: "admin", validDays: "3" })).status).toBe(403);
      for (const intent of ["role", "deactivate", "reactivate", "unlock", "reset-second-factor"]) {
        expect((await post(base(), `/admin/users/${target.id}`, cookie, { intent, role: "admin" })).status, `${role} ${intent}`).toBe(403);
      }
      expect((await post(base(), "/admin/users?index", cookie, { intent: "revoke", inviteId: "1" })).status).toBe(403);
    }
    const after = await boardWrites(owner());
    expect({ ...after, sessions: 0, audit_events: 0 }).toEqual({ ...before, sessions: 0, audit_events: 0 });
    expect(await userRow(target.id)).toMatchObject({ role: "reviewer", disabled: false });
  });

  it("shows an admin their own organization's staff only, and searches them", async () => {
    const cookie = await signIn(base(), "admin@ca-m.demo.test");
    const mine = await makeUser("CA-M", "supervisor");
    const theirs = await makeUser("OR-M", "supervisor");
    const page = await (await get(base(), "/admin/users", cookie)).text();
    expect(page).toContain(mine.email);
    expect(page).not.toContain(theirs.email);
    const expected = await sql<{ email: string }>`select email from board.staff_user where org_code = 'CA-M' order by email`.execute(owner());
    for (const { email } of expected.rows) expect(page).toContain(email);
    const rows = [...page.matchAll(/<tr data-email="([^"]+)"/g)].map((m) => m[1]);
    expect(rows.sort()).toEqual(expected.rows.map((r) => r.email).sort());

    const searched = await (await get(base(), `/admin/users?q=${encodeURIComponent(mine.email.slice(0, 12))}&role=supervisor`, cookie)).text();
    const found = [...searched.matchAll(/<tr data-email="([^"]+)"/g)].map((m) => m[1]);
    const bySql = await sql<{ email: string }>`select email from board.staff_user where org_code = 'CA-M' and role = 'supervisor'
      and (email ilike ${`%${mine.email.slice(0, 12)}%`} or display_name ilike ${`%${mine.email.slice(0, 12)}%`})`.execute(owner());
    expect(found.sort()).toEqual(bySql.rows.map((r) => r.email).sort());
    expect(found).toContain(mine.email);

    const bad = await get(base(), "/admin/users?status=owner&role=root", cookie);
    expect(bad.status).toBe(400);
    const badText = await bad.text();
    expect(badText).toContain("Status must be");
    expect(badText).toContain("Role must be");
  });
});

describe("invitations", () => {
  it("makes a single-use link stored only as its SHA-256; the person accepts it under the password rules and signs in", async () => {
    const admin = await signIn(base(), "admin@md-m.demo.test");
    const email = `new.person.${++serial}@md-m.example.gov`;
    const made = await invite(admin, email, "supervisor");
    expect(made.status).toBe(200);
    const token = made.token!;
    expect(token).toBeTruthy();
    const stored = await sql<{ id: string; token_hash: string; role: string; org_code: string; valid_hours: number }>`
      select id::text, token_hash, role, org_code, round(extract(epoch from expires_at - created_at) / 3600)::int as valid_hours
      from board.staff_invite where email = ${email}`.execute(owner());
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]).toMatchObject({ token_hash: sha256(token), role: "supervisor", org_code: "MD-M", valid_hours: 72 });
    // The token itself is nowhere in the database.
    const anywhere = await sql<{ n: number }>`select count(*)::int as n from board.staff_invite i where i::text like ${`%${token}%`}`.execute(owner());
    expect(anywhere.rows[0]!.n).toBe(0);
    const invited = await audits("user.invite", stored.rows[0]!.id);
    expect(invited).toHaveLength(1);
    expect(invited[0]!.detail).toMatchObject({ email, role: "supervisor" });
    expect(JSON.stringify(invited[0]!.detail)).not.toContain(token);
    // The list shows it as waiting.
    expect(await (await get(base(), "/admin/users?status=invited", admin)).text()).toContain(email);

    // Opened signed out: the organization and the e-mail.
    const opened = await get(base(), `/invite/${token}`);
    expect(opened.status).toBe(200);
    const openedText = await opened.text();
    expect(openedText).toContain("Maryland Board of Physicians");
    expect(openedText).toContain(email);

    // The password rules, each refused with its message and nothing written.
    const cases: [Record<string, string>, string, string][] = [
      [{ name: "Pat Jones", password: "short pass", confirm: "short pass" }, "password", "at least 15 characters"],
      [{ name: "Pat Jones", password: "PasswordPassword", confirm: "PasswordPassword" }, "password", "common or breached"],
      [{ name: "Pat Jones", password: email, confirm: email }, "password", "email address or name"],
      [{ name: "Pat Jones", password: GOOD_PASSWORD, confirm: `${GOOD_PASSWORD}x` }, "confirm", "not the same"],
      [{ name: "", password: GOOD_PASSWORD, confirm: GOOD_PASSWORD }, "name", "Enter your name"],
    ];
    for (const [fields, , message] of cases) {
      const response = await post(base(), `/invite/${token}`, null, fields);
      expect(response.status, message).toBe(400);
      expect(await response.text()).toContain(message);
    }
    expect((await sql`select 1 from board.staff_user where email = ${email}`.execute(owner())).rows).toHaveLength(0);

    const accepted = await post(base(), `/invite/${token}`, null, { name: "Pat Jones", password: GOOD_PASSWORD, confirm: GOOD_PASSWORD });
    expect(accepted.status).toBe(302);
    expect(accepted.headers.get("location")).toBe("/invite/accepted");
    expect(await (await get(base(), "/invite/accepted")).text()).toContain("Your account is ready");
    const user = await sql<{ id: string; role: string; org_code: string; display_name: string; changed: boolean }>`
      select id, role, org_code, display_name, password_changed_at is not null as changed from board.staff_user where email = ${email}`.execute(owner());
    expect(user.rows[0]).toMatchObject({ role: "supervisor", org_code: "MD-M", display_name: "Pat Jones", changed: true });
    expect((await audits("user.invite_accept", stored.rows[0]!.id))[0]).toMatchObject({ user_id: user.rows[0]!.id, org_code: "MD-M" });
    const signedIn = await postLogin(base(), email, GOOD_PASSWORD);
    expect(signedIn.status).toBe(302);

    // Single use: the second time says so, and creates nothing.
    const again = await get(base(), `/invite/${token}`);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("already been used");
    const reuse = await post(base(), `/invite/${token}`, null, { name: "Someone Else", password: GOOD_PASSWORD, confirm: GOOD_PASSWORD });
    expect(reuse.status).toBe(410);
    expect((await sql<{ n: number }>`select count(*)::int as n from board.staff_user where email = ${email}`.execute(owner())).rows[0]!.n).toBe(1);
  });

  it("refuses an expired link, a revoked link, an unknown link, and shows nothing to someone signed in", async () => {
    const admin = await signIn(base(), "admin@md-m.demo.test");
    const expiredEmail = `expired.${++serial}@md-m.example.gov`;
    const expired = (await invite(admin, expiredEmail)).token!;
    await sql`update board.staff_invite set created_at = now() - interval '5 days', expires_at = now() - interval '1 second' where email = ${expiredEmail}`.execute(owner());
    const page = await get(base(), `/invite/${expired}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("This invitation has expired");
    const tried = await post(base(), `/invite/${expired}`, null, { name: "Late Person", password: GOOD_PASSWORD, confirm: GOOD_PASSWORD });
    expect(tried.status).toBe(410);
    expect((await sql`select 1 from board.staff_user where email = ${expiredEmail}`.execute(owner())).rows).toHaveLength(0);

    const revokedEmail = `revoked.${++serial}@md-m.example.gov`;
    const revoked = (await invite(admin, revokedEmail)).token!;
    const id = (await sql<{ id: string }>`select id::text from board.staff_invite where email = ${revokedEmail}`.execute(owner())).rows[0]!.id;
    const revoke = await post(base(), "/admin/users?index", admin, { intent: "revoke", inviteId: id });
    expect(revoke.status).toBe(200);
    expect((await audits("user.invite_revoke", id))[0]!.detail).toMatchObject({ email: revokedEmail, before: { status: "invited" }, after: { status: "revoked" } });
    const revokedPage = await get(base(), `/invite/${revoked}`);
    expect(revokedPage.status).toBe(410);
    expect(await revokedPage.text()).toContain("withdrawn");
    expect((await post(base(), `/invite/${revoked}`, null, { name: "Too Late", password: GOOD_PASSWORD, confirm: GOOD_PASSWORD })).status).toBe(410);

    const unknown = await get(base(), `/invite/${"A".repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("not valid");

    const open = (await invite(admin, `open.${++serial}@md-m.example.gov`)).token!;
    const asSignedIn = await get(base(), `/invite/${open}`, await signIn(base(), "reviewer@ca-m.demo.test"));
    expect(asSignedIn.status).toBe(403);
    const text = await asSignedIn.text();
    expect(text).not.toContain("Maryland Board of Physicians");
    expect(text).toContain("You are signed in");
  });

  it("refuses an e-mail that already has an account and a bad form, with the message beside the field", async () => {
    const admin = await signIn(base(), "admin@md-m.demo.test");
    const taken = await invite(admin, "reviewer@ca-m.demo.test");
    expect(taken.status).toBe(409);
    expect(taken.text).toContain("already has a staff account");
    expect(taken.token).toBeNull();
    for (const [fields, message] of [
      [{ email: "not an email", role: "reviewer", validDays: "3" }, "Enter a valid email address"],
      [{ email: "ok@example.gov", role: "owner", validDays: "3" }, "Choose a role"],
      [{ email: "ok@example.gov", role: "reviewer", validDays: "99" }, "Choose how long the link works"],
    ] as const) {
      const response = await post(base(), "/admin/users/invite", admin, fields);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(message);
    }
    expect((await sql`select 1 from board.staff_invite where email = 'ok@example.gov'`.execute(owner())).rows).toHaveLength(0);
  });
});

describe("admin actions", () => {
  it("never acts on another organization's user or invitation: the same 404 as a missing one, and nothing written", async () => {
    const admin = await signIn(base(), "admin@ca-m.demo.test");
    const foreign = await makeUser("OR-M", "admin");
    const otherAdmin = await signIn(base(), "admin@or-m.demo.test");
    const foreignInvite = (await invite(otherAdmin, `foreign.${++serial}@or-m.example.gov`)).token!;
    const inviteId = (await sql<{ id: string }>`select id::text from board.staff_invite where token_hash = ${sha256(foreignInvite)}`.execute(owner())).rows[0]!.id;
    const before = await boardWrites(owner());
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const id of [foreign.id, missing]) {
      expect((await get(base(), `/admin/users/${id}`, admin)).status).toBe(404);
      for (const intent of ["role", "deactivate", "reactivate", "unlock", "reset-second-factor"]) {
        expect((await post(base(), `/admin/users/${id}`, admin, { intent, role: "reviewer" })).status, `${intent} ${id}`).toBe(404);
      }
    }
    expect((await post(base(), "/admin/users?index", admin, { intent: "revoke", inviteId })).status).toBe(404);
    expect((await get(base(), "/admin/users/not-a-uuid", admin)).status).toBe(404);
    const after = await boardWrites(owner());
    expect({ ...after, sessions: 0, audit_events: 0 }).toEqual({ ...before, sessions: 0, audit_events: 0 });
    expect(await userRow(foreign.id)).toMatchObject({ role: "admin", disabled: false, org_code: "OR-M" });
    expect((await sql<{ revoked: boolean }>`select revoked_at is not null as revoked from board.staff_invite where id = ${inviteId}`.execute(owner())).rows[0]!.revoked).toBe(false);
  });

  it("changes a role with before and after in the audit trail, and refuses an unknown one", async () => {
    const admin = await signIn(base(), "admin@ca-m.demo.test");
    const target = await makeUser("CA-M", "reviewer");
    const bad = await post(base(), `/admin/users/${target.id}`, admin, { intent: "role", role: "owner" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Choose reviewer, supervisor or admin");
    const unknown = await post(base(), `/admin/users/${target.id}`, admin, { intent: "promote" });
    expect(unknown.status).toBe(400);
    const changed = await post(base(), `/admin/users/${target.id}`, admin, { intent: "role", role: "supervisor" });
    expect(changed.status).toBe(200);
    expect(await userRow(target.id)).toMatchObject({ role: "supervisor" });
    const audit = await audits("user.role_change", target.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toMatchObject({ email: target.email, before: { role: "reviewer" }, after: { role: "supervisor" } });
    expect(audit[0]!.org_code).toBe("CA-M");
  });

  it("never demotes or deactivates the last active admin; of two admins demoting each other at once, one wins", async () => {
    // VI-M's demo admin is its only admin.
    const only = await sql<{ id: string }>`select id from board.staff_user where org_code = 'VI-M' and role = 'admin' and disabled_at is null`.execute(owner());
    expect(only.rows).toHaveLength(1);
    const onlyId = only.rows[0]!.id;
    const viAdmin = await signIn(base(), "admin@vi-m.demo.test");
    const demote = await post(base(), `/admin/users/${onlyId}`, viAdmin, { intent: "role", role: "reviewer" });
    expect(demote.status).toBe(409);
    expect(await demote.text()).toContain("only active admin");
    const deactivate = await post(base(), `/admin/users/${onlyId}`, viAdmin, { intent: "deactivate" });
    expect(deactivate.status).toBe(409);
    expect(await userRow(onlyId)).toMatchObject({ role: "admin", disabled: false });

    // ND-M gets a second admin; both demote the other at the same moment.
    const second = await makeUser("ND-M", "admin");
    const first = (await sql<{ id: string }>`select id from board.staff_user where email = 'admin@nd-m.demo.test'`.execute(owner())).rows[0]!.id;
    const [a, b] = await Promise.all([signIn(base(), "admin@nd-m.demo.test"), signIn(base(), second.email)]);
    const answers = await Promise.all([
      post(base(), `/admin/users/${second.id}`, a, { intent: "role", role: "reviewer" }),
      post(base(), `/admin/users/${first}`, b, { intent: "role", role: "reviewer" }),
    ]);
    // One wins. The other is refused: as the last admin's demotion (409) when both were admins as it
    // was checked, or as no admin any more (403) when the winner had already demoted its sender.
    const statuses = answers.map((r) => r.status).sort();
    expect([[200, 403], [200, 409]]).toContainEqual(statuses);
    const admins = await sql<{ n: number }>`select count(*)::int as n from board.staff_user where org_code = 'ND-M' and role = 'admin' and disabled_at is null`.execute(owner());
    expect(admins.rows[0]!.n).toBe(1);
  });

  it("deactivation ends every session of the user at once; their next request is signed out; reactivation lets them back", async () => {
    const admin = await signIn(base(), "admin@ca-m.demo.test");
    const target = await makeUser("CA-M", "reviewer");
    const one = await signInAs(target.email, "demo-password", CHROME);
    const two = await signInAs(target.email, "demo-password", FIREFOX);
    expect((await get(base(), "/", one)).status).toBe(200);
    expect(await openSessions(target.id)).toBe(2);
    const self = (await sql<{ id: string }>`select id from board.staff_user where email = 'admin@ca-m.demo.test'`.execute(owner())).rows[0]!.id;
    const selfDeactivate = await post(base(), `/admin/users/${self}`, admin, { intent: "deactivate" });
    expect(selfDeactivate.status).toBe(409);

    const response = await post(base(), `/admin/users/${target.id}`, admin, { intent: "deactivate" });
    expect(response.status).toBe(200);
    expect(await openSessions(target.id)).toBe(0);
    for (const cookie of [one, two]) {
      const next = await get(base(), "/credits", cookie);
      expect(next.status).toBe(302);
      expect(next.headers.get("location")).toMatch(/^\/login/);
    }
    expect((await postLogin(base(), target.email, "demo-password")).status).toBe(401);
    const audit = await audits("user.deactivate", target.id);
    expect(audit[0]!.detail).toMatchObject({ before: { status: "active" }, after: { status: "deactivated" }, sessionsEnded: 2 });
    expect(await (await get(base(), "/admin/users?status=deactivated", admin)).text()).toContain(target.email);

    expect((await post(base(), `/admin/users/${target.id}`, admin, { intent: "reactivate" })).status).toBe(200);
    expect((await audits("user.reactivate", target.id))[0]!.detail).toMatchObject({ before: { status: "deactivated" }, after: { status: "active" } });
    expect((await postLogin(base(), target.email, "demo-password")).status).toBe(302);
  });

  it("unlocks an account whose untrusted sign-ins are refused, through the same code as npm run unlock-user", async () => {
    const admin = await signIn(base(), "admin@ca-m.demo.test");
    const target = await makeUser("CA-M", "reviewer");
    await sql`insert into board.login_failure (account, client, trusted)
      select ${target.email}, '203.0.113.' || (g % 250), false from generate_series(1, ${SIGN_IN_LIMITS.accountFailureLimit}) g`.execute(owner());
    expect(await (await get(base(), "/admin/users?status=locked_out", admin)).text()).toContain(target.email);
    expect((await postLogin(base(), target.email, "demo-password")).status).toBe(429);
    const response = await post(base(), `/admin/users/${target.id}`, admin, { intent: "unlock" });
    expect(response.status).toBe(200);
    const left = await sql<{ n: number }>`select count(*)::int as n from board.login_failure where account = ${target.email}`.execute(owner());
    expect(left.rows[0]!.n).toBe(0);
    expect((await postLogin(base(), target.email, "demo-password")).status).toBe(302);
    const audit = await audits("user.unlock", target.id);
    expect(audit[0]!.detail).toMatchObject({ before: { status: "locked_out" }, after: { status: "active" }, failuresCleared: SIGN_IN_LIMITS.accountFailureLimit, via: "staff page" });
  });

  it("resets a user's second factors through the second-factor module, audited", async () => {
    const admin = await signIn(base(), "admin@ca-m.demo.test");
    const target = await makeUser("CA-M", "supervisor");
    // An authenticator app and a passkey of theirs, written as the owner.
    await sql`insert into board.totp_secret (user_id, org_code, name, secret_encrypted, confirmed_at)
      values (${target.id}::uuid, 'CA-M', 'Phone', 'v1.00000000.x.x.x', now())`.execute(owner());
    await sql`insert into board.webauthn_credential (user_id, org_code, credential_id, public_key, name)
      values (${target.id}::uuid, 'CA-M', ${`staff-reset-${target.id}`}, '\\x00', 'Security key')`.execute(owner());
    const response = await post(base(), `/admin/users/${target.id}`, admin, { intent: "reset-second-factor" });
    expect(response.status).toBe(200);
    const left = await sql<{ n: number }>`
      select (select count(*) from board.totp_secret where user_id = ${target.id}::uuid)::int
           + (select count(*) from board.webauthn_credential where user_id = ${target.id}::uuid)::int as n`.execute(owner());
    expect(left.rows[0]!.n).toBe(0);
    expect(await audits("second_factor.reset", target.id)).toHaveLength(1);
  });
});

describe("the account page", () => {
  it("lists one's own open sessions with browser and address, ends one, and ends all others", async () => {
    const me = await makeUser("ABIM", "reviewer");
    const other = await makeUser("ABIM", "reviewer");
    const here = await signInAs(me.email, "demo-password", CHROME);
    const there = await signInAs(me.email, "demo-password", FIREFOX);
    const third = await signInAs(me.email, "demo-password", FIREFOX);
    const theirs = await signInAs(other.email, "demo-password", CHROME);
    const page = await (await get(base(), "/account", here)).text();
    expect(page).toContain("Chrome 131 on macOS");
    expect(page).toContain("Firefox 133 on Linux");
    const listed = [...page.matchAll(/name="sessionId" value="(\d+)"/g)].map((m) => m[1]!);
    const bySql = await sql<{ id: string }>`select id::text from board.session where user_id = ${me.id} and revoked_at is null order by id`.execute(owner());
    // Every open session but this one has an End button.
    expect(listed.sort()).toEqual(bySql.rows.map((r) => r.id).filter((id) => listed.includes(id)).sort());
    expect(listed).toHaveLength(bySql.rows.length - 1);

    // Another user's session is not one's own to end.
    const theirId = (await sql<{ id: string }>`select id::text from board.session where user_id = ${other.id} and revoked_at is null`.execute(owner())).rows[0]!.id;
    expect((await post(base(), "/account?index", here, { intent: "end-session", sessionId: theirId })).status).toBe(404);
    expect((await get(base(), "/", theirs)).status).toBe(200);

    const thereId = (await sql<{ id: string }>`select id::text from board.session where user_id = ${me.id} and revoked_at is null and user_agent = ${FIREFOX} order by id limit 1`.execute(owner())).rows[0]!.id;
    expect((await post(base(), "/account?index", here, { intent: "end-session", sessionId: thereId })).status).toBe(200);
    expect((await get(base(), "/", there)).status).toBe(302);
    expect((await get(base(), "/", third)).status).toBe(200);

    expect((await post(base(), "/account?index", here, { intent: "end-others" })).status).toBe(200);
    expect((await get(base(), "/", third)).status).toBe(302);
    expect((await get(base(), "/account", here)).status).toBe(200);
    expect(await openSessions(me.id)).toBe(1);
    const ended = await sql<{ n: number }>`select count(*)::int as n from board.audit_event where user_id = ${me.id} and action = 'account.session_end'`.execute(owner());
    expect(ended.rows[0]!.n).toBe(2);
  });

  it("changes the password only with the current one, under the rules, and ends the other sessions", async () => {
    const me = await makeUser("ABS", "supervisor");
    const here = await signInAs(me.email, "demo-password", CHROME);
    const elsewhere = await signInAs(me.email, "demo-password", FIREFOX);
    const change = (fields: Record<string, string>) => post(base(), "/account?index", here, { intent: "password", ...fields });
    const cases: [Record<string, string>, number, string][] = [
      [{ current: "wrong-password", next: GOOD_PASSWORD, confirm: GOOD_PASSWORD }, 400, "not your current password"],
      [{ current: "demo-password", next: "fourteen chars", confirm: "fourteen chars" }, 400, "at least 15 characters"],
      [{ current: "demo-password", next: "QazWsxEdcRfvTgb", confirm: "QazWsxEdcRfvTgb" }, 400, "common or breached"],
      [{ current: "demo-password", next: me.email, confirm: me.email }, 400, "email address or name"],
      [{ current: "demo-password", next: GOOD_PASSWORD, confirm: "something else entirely" }, 400, "not the same"],
    ];
    for (const [fields, status, message] of cases) {
      const response = await change(fields);
      expect(response.status, message).toBe(status);
      expect(await response.text()).toContain(message);
    }
    // The breached case is refused because it is on the list, not for its length.
    expect("QazWsxEdcRfvTgb".length).toBeGreaterThanOrEqual(15);
    expect((await postLogin(base(), me.email, "demo-password")).status).toBe(302);

    const done = await change({ current: "demo-password", next: GOOD_PASSWORD, confirm: GOOD_PASSWORD });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Your password is changed");
    expect((await get(base(), "/", here)).status).toBe(200);
    expect((await get(base(), "/", elsewhere)).status).toBe(302);
    expect((await postLogin(base(), me.email, "demo-password")).status).toBe(401);
    expect((await postLogin(base(), me.email, GOOD_PASSWORD)).status).toBe(302);
    const audit = await sql<{ detail: { sessionsEnded: number } }>`select detail from board.audit_event where user_id = ${me.id} and action = 'account.password_change'`.execute(owner());
    expect(audit.rows).toHaveLength(1);
    // The other sessions: the second browser and the sign-in that showed the old password still worked.
    expect(audit.rows[0]!.detail.sessionsEnded).toBe(2);
  });

  it("stops checking the current password after five wrong ones", async () => {
    const me = await makeUser("ABS", "reviewer");
    const here = await signIn(base(), me.email);
    for (let i = 0; i < 5; i++) {
      expect((await post(base(), "/account?index", here, { intent: "password", current: `wrong ${i}`, next: GOOD_PASSWORD, confirm: GOOD_PASSWORD })).status).toBe(400);
    }
    const refused = await post(base(), "/account?index", here, { intent: "password", current: "demo-password", next: GOOD_PASSWORD, confirm: GOOD_PASSWORD });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain("Too many wrong passwords");
    expect((await postLogin(base(), me.email, "demo-password")).status).toBe(302);
  });
});
