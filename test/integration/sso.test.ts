// Single sign-on with OpenID Connect (decision 032), through the real HTTP app and a real OpenID
// provider (the `oidc-provider` package) on a loopback port: the admin screen configures it (the
// secret write-only and encrypted, audited with the secret redacted), a person signs in at the
// provider and gets the same session a password gives; every refusal (wrong audience, expired
// token, replayed state, another domain, nonce mismatch, another organization's account, invited
// only, an unverified e-mail, no role) shows a page that says why and writes nothing but its audit
// event.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptClientSecret } from "../../app/auth/sso.server";
import { OTHER_CLIENT_ID, startTestOidcProvider, TEST_CLIENT_ID, TEST_CLIENT_SECRET, type TestOidcProvider } from "../support/oidc-provider";
import { get, post, postLogin, sessionCookieFrom, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();
const owner = () => app.database.owner;
/** The integration tests' provider port (the brief's 3147), or any free one when it is taken. */
const PROVIDER_PORT = 3147;
let idp: TestOidcProvider;
let caAdmin: string;

/** The test server's cookie secret (test/support/server.ts): what the app encrypts client secrets under. */
const SERVER_SECRETS = ["test-secret-test-secret-test-secret-0123"];

const CA_DOMAIN = "ca-sso.test";

/** A page's text as read: React's markers between adjacent text pieces removed. */
const plain = async (response: Response) => (await response.text()).replace(/<!-- -->/g, "");

beforeAll(async () => {
  const redirectUris = [`${app.server.baseUrl}/sso/callback`];
  idp = await startTestOidcProvider({ port: PROVIDER_PORT, redirectUris }).catch(() => startTestOidcProvider({ redirectUris }));
  for (const person of [
    { sub: "ada", email: `ada@${CA_DOMAIN}`, name: "Ada Lovelace", groups: ["cme-supervisors", "all-staff"] },
    { sub: "grace", email: `grace@${CA_DOMAIN}`, name: "Grace Hopper", groups: ["cme-reviewers"] },
    { sub: "nogroup", email: `nogroup@${CA_DOMAIN}`, groups: ["all-staff"] },
    { sub: "unverified", email: `unverified@${CA_DOMAIN}`, emailVerified: false, groups: ["cme-reviewers"] },
    { sub: "outsider", email: "outsider@elsewhere.test", groups: ["cme-reviewers"] },
    { sub: "abim-reviewer", email: "reviewer@abim.demo.test", groups: ["cme-reviewers"] },
    { sub: "ca-reviewer", email: "reviewer@ca-m.demo.test", groups: ["cme-reviewers"] },
    { sub: "ca-reviewer-impostor", email: "reviewer@ca-m.demo.test", groups: ["cme-reviewers"] },
    { sub: "invitee", email: `invitee@${CA_DOMAIN}`, groups: ["cme-reviewers"] },
    { sub: "stranger", email: `stranger@${CA_DOMAIN}`, groups: ["cme-reviewers"] },
  ]) {
    idp.people.set(person.sub, person);
  }
  caAdmin = await signIn(app.server.baseUrl, "admin@ca-m.demo.test");
}, 60_000);

afterAll(async () => {
  await idp?.close();
});

const CA_FORM = () => ({
  intent: "save",
  issuer: idp.issuer,
  clientId: TEST_CLIENT_ID,
  clientSecret: TEST_CLIENT_SECRET,
  allowedDomains: `${CA_DOMAIN}, ca-m.demo.test, abim.demo.test`,
  roleClaim: "groups",
  roleMap: "cme-reviewers = reviewer\ncme-supervisors = supervisor",
  defaultRole: "none",
  provisioning: "jit",
  enabled: "on",
});

async function saveCaConfig(changes: Record<string, string | null> = {}) {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...CA_FORM(), ...changes })) if (v !== null) fields[k] = v;
  const response = await post(app.server.baseUrl, "/admin/sso", caAdmin, fields);
  expect(response.status, await response.clone().text()).toBe(200);
  expect(await response.text()).toContain("Single sign-on settings saved.");
}

/** What a refusal must not have written: accounts, their bindings and roles, sessions, devices. */
async function identityWrites() {
  const r = await sql<{ users: string; bound: string; roles: string; sessions: string; devices: string }>`
    select (select count(*) from board.staff_user)::text as users,
           (select count(*) from board.staff_user where sso_subject is not null)::text as bound,
           (select string_agg(role, ',' order by id) from board.staff_user)::text as roles,
           (select count(*) from board.session)::text as sessions,
           (select count(*) from board.login_device)::text as devices`.execute(owner());
  return r.rows[0]!;
}

async function lastSsoEvent(): Promise<{ action: string; org_code: string | null; user_id: string | null; detail: Record<string, unknown> }> {
  const r = await sql<{ action: string; org_code: string | null; user_id: string | null; detail: Record<string, unknown> }>`
    select action, org_code, user_id::text, detail from board.audit_event where action like 'login.sso%' order by id desc limit 1`.execute(owner());
  return r.rows[0]!;
}

interface SsoAttempt {
  /** The answer of /sso/callback. */
  response: Response;
  callbackPath: string;
  stateCookie: string;
}

/** Starts at /sso/<org>, signs in at the provider as `sub`, and brings the provider's answer back to the app. */
async function ssoSignIn(sub: string, options: { org?: string; editAuthorizationUrl?: (url: URL) => void; cookie?: "keep" | "drop" } = {}): Promise<SsoAttempt> {
  const start = await get(app.server.baseUrl, `/sso/${options.org ?? "ca-m"}?redirectTo=${encodeURIComponent("/credits?from=sso")}`);
  expect(start.status, await start.clone().text()).toBe(302);
  const stateCookie = /__sso_state=[^;]*/.exec(start.headers.get("set-cookie") ?? "")![0];
  const authorization = new URL(start.headers.get("location")!);
  options.editAuthorizationUrl?.(authorization);
  const back = await idp.login(authorization.href, sub);
  expect(back.origin).toBe(app.server.baseUrl);
  const callbackPath = `${back.pathname}${back.search}`;
  const response = await get(app.server.baseUrl, callbackPath, options.cookie === "drop" ? undefined : stateCookie);
  return { response, callbackPath, stateCookie };
}

async function expectRefused(attempt: SsoAttempt, reason: string, text: string, status = 400) {
  const body = await attempt.response.text();
  expect(attempt.response.status, body.slice(0, 300)).toBe(status);
  expect(body).toContain("Sign-in did not complete");
  expect(body).toContain(text);
  expect(sessionCookieFrom(attempt.response)).toBeNull();
  const event = await lastSsoEvent();
  expect(event.action).toBe("login.sso.failure");
  expect(event.detail.reason).toBe(reason);
}

describe("the single sign-on settings (/admin/sso)", () => {
  it("is for administrators only", async () => {
    for (const role of ["reviewer", "supervisor"]) {
      const cookie = await signIn(app.server.baseUrl, `${role}@ca-m.demo.test`);
      expect((await get(app.server.baseUrl, "/admin/sso", cookie)).status).toBe(403);
      const before = await identityWrites();
      const response = await post(app.server.baseUrl, "/admin/sso", cookie, CA_FORM());
      expect(response.status).toBe(403);
      expect((await sql<{ n: string }>`select count(*)::text as n from board.sso_config`.execute(owner())).rows[0]!.n).toBe("0");
      expect(await identityWrites()).toEqual({ ...before });
    }
  });

  it("names each wrong field and saves nothing", async () => {
    const response = await post(app.server.baseUrl, "/admin/sso", caAdmin, {
      ...CA_FORM(),
      issuer: "ftp://login.example.org",
      allowedDomains: "not a domain!",
      roleMap: "cme-reviewers -> boss",
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain("The issuer address must start with https://");
    expect(text).toContain("is not an email domain");
    expect(text).toContain("Line 1: write it as");
    expect(text).not.toContain(TEST_CLIENT_SECRET);
    expect((await sql<{ n: string }>`select count(*)::text as n from board.sso_config`.execute(owner())).rows[0]!.n).toBe("0");
  });

  it("checks the connection with the provider, and says when there is none", async () => {
    const ok = await post(app.server.baseUrl, "/admin/sso", caAdmin, { ...CA_FORM(), intent: "check" });
    expect(ok.status).toBe(200);
    expect(await plain(ok)).toContain(`Connected: the identity provider answers as <span class="code">${idp.issuer}</span>`);
    const down = await post(app.server.baseUrl, "/admin/sso", caAdmin, { ...CA_FORM(), intent: "check", issuer: "http://127.0.0.1:9" });
    expect(await plain(down)).toContain("Not connected: The identity provider could not be reached at that address.");
    const checks = await sql<{ outcome: string }>`
      select detail->>'outcome' as outcome from board.audit_event where action = 'sso.check' and org_code = 'CA-M' order by id`.execute(owner());
    expect(checks.rows.map((r) => r.outcome)).toEqual(["connected", "The identity provider could not be reached at that address."]);
  });

  it("saves the configuration with the secret encrypted, never shows the secret, and audits it redacted", async () => {
    await saveCaConfig();
    const row = await owner().selectFrom("board.sso_config").selectAll().where("org_code", "=", "CA-M").executeTakeFirstOrThrow();
    expect(row.client_secret_encrypted).not.toContain(TEST_CLIENT_SECRET);
    expect(decryptClientSecret(SERVER_SECRETS, row.client_secret_encrypted!)).toBe(TEST_CLIENT_SECRET);
    expect(row).toMatchObject({ issuer: idp.issuer, client_id: TEST_CLIENT_ID, allowed_domains: [CA_DOMAIN, "ca-m.demo.test", "abim.demo.test"], role_claim: "groups", provisioning: "jit", enabled: true, allow_password: false, default_role: null });
    expect(row.role_map).toEqual({ "cme-reviewers": "reviewer", "cme-supervisors": "supervisor" });
    const page = await (await get(app.server.baseUrl, "/admin/sso", caAdmin)).text();
    expect(page).not.toContain(TEST_CLIENT_SECRET);
    expect(page).not.toContain(row.client_secret_encrypted!);
    expect(page).toContain("A secret is stored, encrypted.");
    expect(page).toContain(`${app.server.baseUrl}/sso/callback`);
    const audit = await sql<{ detail: string }>`select detail::text from board.audit_event where action = 'sso.update' order by id desc limit 1`.execute(owner());
    expect(audit.rows[0]!.detail).not.toContain(TEST_CLIENT_SECRET);
    expect(audit.rows[0]!.detail).not.toContain(row.client_secret_encrypted!);
    expect(JSON.parse(audit.rows[0]!.detail)).toMatchObject({ before: null, clientSecret: "set", after: { clientSecret: "set", clientId: TEST_CLIENT_ID, enabled: true } });
    // Saving again without typing a secret keeps it.
    await saveCaConfig({ clientSecret: "" });
    const again = await owner().selectFrom("board.sso_config").select("client_secret_encrypted").where("org_code", "=", "CA-M").executeTakeFirstOrThrow();
    expect(decryptClientSecret(SERVER_SECRETS, again.client_secret_encrypted!)).toBe(TEST_CLIENT_SECRET);
    const second = await sql<{ detail: Record<string, unknown> }>`select detail from board.audit_event where action = 'sso.update' order by id desc limit 1`.execute(owner());
    expect(second.rows[0]!.detail).toMatchObject({ clientSecret: "unchanged", before: { clientSecret: "set" } });
  });

  it("offers the organization's account on the sign-in page once it is on", async () => {
    const page = await plain(await get(app.server.baseUrl, "/login"));
    expect(page).toContain("Sign in with Medical Board of California’s account");
    expect(page).toContain('href="/sso/ca-m"');
  });
});

describe("signing in through the organization's identity provider", () => {
  it("creates the account just in time with the mapped role, and gives the same session a password gives", async () => {
    const before = await identityWrites();
    const attempt = await ssoSignIn("ada");
    expect(attempt.response.status).toBe(302);
    expect(attempt.response.headers.get("location")).toBe("/credits?from=sso");
    const cookie = sessionCookieFrom(attempt.response)!;
    expect(cookie).toBeTruthy();
    expect(attempt.response.headers.get("set-cookie")).toMatch(/__device=/);
    const user = await owner().selectFrom("board.staff_user").selectAll().where("email", "=", `ada@${CA_DOMAIN}`).executeTakeFirstOrThrow();
    // The highest role the person's groups map to (supervisor; "all-staff" maps to nothing).
    expect(user).toMatchObject({ org_code: "CA-M", role: "supervisor", display_name: "Ada Lovelace", sso_subject: `${idp.issuer} ada`, disabled_at: null });
    const after = await identityWrites();
    expect(Number(after.users)).toBe(Number(before.users) + 1);
    expect(Number(after.sessions)).toBe(Number(before.sessions) + 1);
    const session = await sql<{ n: string }>`select count(*)::text as n from board.session where user_id = ${user.id} and revoked_at is null`.execute(owner());
    expect(session.rows[0]!.n).toBe("1");
    const event = await lastSsoEvent();
    expect(event).toMatchObject({ action: "login.sso", org_code: "CA-M", user_id: user.id });
    expect(event.detail).toMatchObject({ created: true, role: "supervisor", email: `ada@${CA_DOMAIN}`, sub: "ada" });
    // The session is a real one: the organization's own pages answer, as a supervisor.
    const home = await get(app.server.baseUrl, "/", cookie);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Medical Board of California");
    expect((await get(app.server.baseUrl, "/admin/sso", cookie)).status).toBe(403);
    // The next sign-in finds the same account by its subject and creates nothing.
    const again = await ssoSignIn("ada");
    expect(again.response.status).toBe(302);
    expect((await identityWrites()).users).toBe(after.users);
    expect((await lastSsoEvent()).detail).toMatchObject({ created: false });
  });

  it("where the organization requires a second factor, a single sign-on session is not sent to enrol one here: the provider answers for it", async () => {
    await sql`update board.organisation set require_second_factor = true where code = 'CA-M'`.execute(owner());
    try {
      const attempt = await ssoSignIn("ada");
      expect(attempt.response.status).toBe(302);
      const cookie = sessionCookieFrom(attempt.response)!;
      const home = await get(app.server.baseUrl, "/", cookie);
      expect(home.status).toBe(200);
      const [session] = (await sql<{ via: string }>`
        select s.via from board.session s join board.staff_user u on u.id = s.user_id
        where u.email = ${`ada@${CA_DOMAIN}`} and s.revoked_at is null order by s.created_at desc limit 1`.execute(owner())).rows;
      expect(session?.via).toBe("sso");
      // The same organization's admin, signed in with a password and without a factor, is sent to enrol (the control).
      const password = await signIn(app.server.baseUrl, "admin@ca-m.demo.test");
      const sent = await get(app.server.baseUrl, "/", password);
      expect(sent.status).toBe(302);
      expect(sent.headers.get("location")).toMatch(/^\/account\/security\/enrol/);
    } finally {
      await sql`update board.organisation set require_second_factor = false where code = 'CA-M'`.execute(owner());
    }
  });

  it("refuses a replayed state: the callback works once", async () => {
    const first = await ssoSignIn("grace");
    expect(first.response.status).toBe(302);
    const before = await identityWrites();
    const replay = await get(app.server.baseUrl, first.callbackPath, first.stateCookie);
    await expectRefused({ ...first, response: replay }, "replayed_state", "This sign-in link has already been used.");
    expect(await identityWrites()).toEqual(before);
  });

  it("refuses a callback in a browser that did not start the sign-in", async () => {
    const before = await identityWrites();
    const attempt = await ssoSignIn("grace", { cookie: "drop" });
    await expectRefused(attempt, "browser_mismatch", "This sign-in was started in another browser");
    expect(await identityWrites()).toEqual(before);
    // And its state was not spent by the refusal: that browser could still finish, once.
    const owned = await get(app.server.baseUrl, attempt.callbackPath, attempt.stateCookie);
    expect(owned.status).toBe(302);
  });

  it("refuses a sign-in that took longer than 10 minutes", async () => {
    const start = await get(app.server.baseUrl, "/sso/ca-m");
    const stateCookie = /__sso_state=[^;]*/.exec(start.headers.get("set-cookie") ?? "")![0];
    const back = await idp.login(start.headers.get("location")!, "grace");
    await sql`update board.sso_login set created_at = created_at - interval '11 minutes' where used_at is null`.execute(owner());
    const before = await identityWrites();
    const response = await get(app.server.baseUrl, `${back.pathname}${back.search}`, stateCookie);
    await expectRefused({ response, callbackPath: "", stateCookie }, "expired_state", "This sign-in took longer than 10 minutes.");
    expect(await identityWrites()).toEqual(before);
  });

  it("refuses an ID token issued for another client (wrong audience)", async () => {
    const before = await identityWrites();
    idp.tamperNextIdToken((claims) => ({ ...claims, aud: OTHER_CLIENT_ID }));
    await expectRefused(await ssoSignIn("grace"), "wrong_audience", "answered for a different application");
    expect(await identityWrites()).toEqual(before);
  });

  it("refuses an expired ID token", async () => {
    const before = await identityWrites();
    const now = Math.floor(Date.now() / 1000);
    idp.tamperNextIdToken((claims) => ({ ...claims, iat: now - 7200, exp: now - 3600 }));
    await expectRefused(await ssoSignIn("grace"), "expired_token", "had already expired");
    expect(await identityWrites()).toEqual(before);
  });

  it("refuses an ID token from another issuer, even signed with the provider's key", async () => {
    const before = await identityWrites();
    idp.tamperNextIdToken((claims) => ({ ...claims, iss: "https://impostor.example" }));
    await expectRefused(await ssoSignIn("grace"), "wrong_issuer", "a different sign-in service");
    expect(await identityWrites()).toEqual(before);
  });

  it("refuses an ID token whose nonce is not the one this sign-in sent", async () => {
    const before = await identityWrites();
    // The provider is asked with another nonce, and puts that one in the token.
    const attempt = await ssoSignIn("grace", { editAuthorizationUrl: (url) => url.searchParams.set("nonce", "a-nonce-this-sign-in-never-sent") });
    await expectRefused(attempt, "nonce_mismatch", "does not belong to this sign-in");
    expect(await identityWrites()).toEqual(before);
  });

  it("refuses a person whose e-mail domain is not allowed", async () => {
    const before = await identityWrites();
    await expectRefused(await ssoSignIn("outsider"), "domain_not_allowed", "not one your organization allows");
    expect(await identityWrites()).toEqual(before);
    expect(await owner().selectFrom("board.staff_user").select("id").where("email", "=", "outsider@elsewhere.test").executeTakeFirst()).toBeUndefined();
  });

  it("refuses an e-mail the provider has not verified", async () => {
    const before = await identityWrites();
    await expectRefused(await ssoSignIn("unverified"), "email_not_verified", "has not verified the email address");
    expect(await identityWrites()).toEqual(before);
  });

  it("refuses a person whose groups map to no role when there is no default role", async () => {
    const before = await identityWrites();
    await expectRefused(await ssoSignIn("nogroup"), "no_role", "does not give you access");
    expect(await identityWrites()).toEqual(before);
  });

  it("never lets another organization's account cross over", async () => {
    // CA-M's administrator listed ABIM's domain: the ABIM reviewer's e-mail still signs in to nothing.
    const abim = await owner().selectFrom("board.staff_user").selectAll().where("email", "=", "reviewer@abim.demo.test").executeTakeFirstOrThrow();
    const before = await identityWrites();
    await expectRefused(await ssoSignIn("abim-reviewer"), "other_organization", "belongs to an account of another organization");
    expect(await identityWrites()).toEqual(before);
    const after = await owner().selectFrom("board.staff_user").selectAll().where("id", "=", abim.id).executeTakeFirstOrThrow();
    expect(after).toEqual(abim);
    // A sign-in started for another organization (ABIM has no single sign-on) cannot begin.
    const other = await get(app.server.baseUrl, "/sso/abim");
    expect(other.status).toBe(404);
    expect(await other.text()).toContain("does not offer sign-in with its own account");
  });

  it("binds an existing account on its first single sign-on, and refuses another subject with the same e-mail", async () => {
    const reviewer = await owner().selectFrom("board.staff_user").selectAll().where("email", "=", "reviewer@ca-m.demo.test").executeTakeFirstOrThrow();
    expect(reviewer.sso_subject).toBeNull();
    const attempt = await ssoSignIn("ca-reviewer");
    expect(attempt.response.status).toBe(302);
    const bound = await owner().selectFrom("board.staff_user").selectAll().where("id", "=", reviewer.id).executeTakeFirstOrThrow();
    expect(bound).toMatchObject({ sso_subject: `${idp.issuer} ca-reviewer`, role: "reviewer", password_hash: reviewer.password_hash });
    const before = await identityWrites();
    await expectRefused(await ssoSignIn("ca-reviewer-impostor"), "subject_mismatch", "linked to a different account");
    expect(await identityWrites()).toEqual(before);
  });

  it("invited only: refuses an unknown e-mail, lets in an account that exists", async () => {
    await saveCaConfig({ provisioning: "invited", clientSecret: "" });
    const before = await identityWrites();
    await expectRefused(await ssoSignIn("stranger"), "not_invited", "Ask your organization's administrator to invite you.");
    expect(await identityWrites()).toEqual(before);
    // An account the organization made for the person (as an invitation does) signs in.
    await owner()
      .insertInto("board.staff_user")
      .values({ email: `invitee@${CA_DOMAIN}`, display_name: "Invited Person", password_hash: "x", role: "reviewer", org_code: "CA-M" })
      .execute();
    const invited = await ssoSignIn("invitee");
    expect(invited.response.status).toBe(302);
    const user = await owner().selectFrom("board.staff_user").selectAll().where("email", "=", `invitee@${CA_DOMAIN}`).executeTakeFirstOrThrow();
    expect(user.sso_subject).toBe(`${idp.issuer} invitee`);
    await saveCaConfig({ clientSecret: "" });
  });

  it("refuses a deactivated account", async () => {
    await owner().updateTable("board.staff_user").set({ disabled_at: new Date() }).where("email", "=", `invitee@${CA_DOMAIN}`).execute();
    const before = await identityWrites();
    await expectRefused(await ssoSignIn("invitee"), "account_disabled", "has been deactivated");
    expect(await identityWrites()).toEqual(before);
  });

  it("shows a clear page for a callback with no state, a made-up state, or the provider's own refusal", async () => {
    const before = await identityWrites();
    const none = await get(app.server.baseUrl, "/sso/callback");
    expect(none.status).toBe(400);
    expect(await none.text()).toContain("This sign-in link is incomplete.");
    // A state cookie this app did not sign is no cookie at all.
    const madeUp = await get(app.server.baseUrl, "/sso/callback?code=x&state=made-up", "__sso_state=made-up");
    expect(madeUp.status).toBe(400);
    expect(await madeUp.text()).toContain("This sign-in was started in another browser");
    const denied = await get(app.server.baseUrl, "/sso/callback?error=access_denied&state=whatever");
    expect(denied.status).toBe(400);
    expect(await identityWrites()).toEqual(before);
  });

  it("keeps password sign-in for administrators only, unless the organization allows passwords", async () => {
    const refused = await postLogin(app.server.baseUrl, "supervisor@ca-m.demo.test", "demo-password");
    expect(refused.status).toBe(403);
    expect(sessionCookieFrom(refused)).toBeNull();
    expect(await refused.text()).toContain("Medical Board of California signs its staff in with the organization&#x27;s own account.");
    // A wrong password gets the usual answer: only the right one learns that sign-on is required.
    expect((await postLogin(app.server.baseUrl, "supervisor@ca-m.demo.test", "wrong-password")).status).toBe(401);
    expect((await postLogin(app.server.baseUrl, "admin@ca-m.demo.test", "demo-password")).status).toBe(302);
    // Another organization is not affected.
    expect((await postLogin(app.server.baseUrl, "supervisor@abim.demo.test", "demo-password")).status).toBe(302);
    await saveCaConfig({ clientSecret: "", allowPassword: "on" });
    expect((await postLogin(app.server.baseUrl, "supervisor@ca-m.demo.test", "demo-password")).status).toBe(302);
  });

  it("turned off, the organization's sign-in is not offered and a sign-in in flight is refused", async () => {
    const start = await get(app.server.baseUrl, "/sso/ca-m");
    const stateCookie = /__sso_state=[^;]*/.exec(start.headers.get("set-cookie") ?? "")![0];
    const back = await idp.login(start.headers.get("location")!, "grace");
    await saveCaConfig({ clientSecret: "", enabled: null });
    const before = await identityWrites();
    const response = await get(app.server.baseUrl, `${back.pathname}${back.search}`, stateCookie);
    await expectRefused({ response, callbackPath: "", stateCookie }, "not_configured", "no longer offers sign-in with its own account");
    expect(await identityWrites()).toEqual(before);
    expect(await (await get(app.server.baseUrl, "/login")).text()).not.toContain("/sso/ca-m");
    expect((await get(app.server.baseUrl, "/sso/ca-m")).status).toBe(404);
  });
});
