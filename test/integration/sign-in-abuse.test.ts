// Sign-in under abuse (issue 17, decision 018), through the real HTTP app behind one trusted proxy
// (TRUST_PROXY=1), so each request can come from the address its X-Forwarded-For names:
// - no redirect target, however written, leads off the site or answers 500, before or after sign-in;
// - an attacker's address that keeps failing against an account waits longer each time, answered at
//   once, while the owner from another address signs in; parallel guesses cannot slip past;
// - a browser where the owner signed in before (its device cookie) signs in however many failures
//   other clients have made; only clients without one are refused past the account-wide limit,
//   until the rolling day passes or `npm run unlock-user` clears it; a refusal is audited once per
//   waiting period, and the throttle's rows are pruned;
// - X-Forwarded-For counts only with TRUST_PROXY, and the same-origin check compares the scheme too.
// Time is moved by rewriting the recorded failure times in the database, never by waiting.
import { spawn } from "node:child_process";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../app/auth/password.server";
import { postForms } from "../support/html-forms";
import { sessionCookieFrom, setUpSeededApp, startTestServer, type TestServer } from "../support/server";

const app = setUpSeededApp({ trustProxy: 1 });
const owner = () => app.database.owner;
const PASSWORD = "correct horse battery staple";

let userCount = 0;
/** A new reviewer with a known password; each test its own, so counts do not mix. */
async function makeUser(): Promise<string> {
  const email = `abuse-${++userCount}@ca-m.test`;
  await owner()
    .insertInto("board.staff_user")
    .values({ email, display_name: email, password_hash: await hashPassword(PASSWORD), role: "reviewer", org_code: "CA-M" })
    .execute();
  return email;
}

let addressCount = 0;
/** A documentation address (RFC 5737) no other test has used. */
function newAddress(): string {
  addressCount++;
  return `198.51.${100 + Math.floor(addressCount / 250)}.${(addressCount % 250) + 1}`;
}

/** The sign-in form posted from `from` (the client address the trusted proxy reports). */
function login(email: string, password: string, from: string, redirectTo = "", baseUrl = app.server.baseUrl): Promise<Response> {
  return fetch(`${baseUrl}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: baseUrl, "x-forwarded-for": from },
    body: new URLSearchParams({ email, password, redirectTo }),
  });
}

async function formError(response: Response): Promise<string> {
  const html = await response.text();
  const match = html.match(/<div[^>]*id="form-error"[^>]*>([^<]*)</);
  return match?.[1] ?? "";
}

async function throttleRow(email: string, from: string): Promise<{ failures: number } | undefined> {
  return owner().selectFrom("board.login_throttle").select("failures").where("account", "=", email).where("client", "=", from).executeTakeFirst();
}

/** Moves the (account, address) pair's last failure back in time, as if that much time had passed. */
async function timePasses(email: string, from: string, seconds: number): Promise<void> {
  await sql`update board.login_throttle set last_failure_at = last_failure_at - make_interval(secs => ${seconds})
    where account = ${email} and client = ${from}`.execute(owner());
}

async function auditFor(email: string): Promise<{ action: string; ip: string | null; reason: string | null }[]> {
  const rows = await sql<{ action: string; ip: string | null; reason: string | null }>`
    select a.action, a.ip, a.detail->>'reason' as reason from board.audit_event a left join board.staff_user u on u.id = a.user_id
    where u.email = ${email} or a.detail->>'email' = ${email} order by a.id`.execute(owner());
  return rows.rows;
}

/** Written out here rather than borrowed from the code under test: C0, DEL, C1 or a backslash. */
function hasControlOrBackslash(value: string): boolean {
  return [...value].some((c) => {
    const n = c.codePointAt(0)!;
    return n < 0x20 || (n >= 0x7f && n < 0xa0) || c === "\\";
  });
}

/** Where a browser would go for this Location header, judged as a browser parses it. */
function staysOnSite(location: string | null): boolean {
  if (location === null) return false;
  const base = app.server.baseUrl;
  return new URL(location, base).origin === base && !hasControlOrBackslash(location) && location.startsWith("/") && !location.startsWith("//");
}

describe("redirect targets", () => {
  // As an attacker writes them in a link to /login?redirectTo=...: the page decodes them once into
  // its hidden field, and the form posts them back.
  const links: [string, string][] = [
    ["tab between the slashes", "/%09/evil.example"],
    ["newline between the slashes", "/%0A/evil.example"],
    ["carriage return", "/%0D/evil.example"],
    ["DEL", "/%7F/evil.example"],
    ["C1 control (NEL)", "/%C2%85/evil.example"],
    ["NUL", "/%00/evil.example"],
    ["backslash", "/%5Cevil.example"],
    ["two backslashes", "%5C%5Cevil.example"],
    ["protocol-relative", "//evil.example"],
    ["encoded slash", "/%2F/evil.example"],
    ["/%5C as written", "/%255Cevil.example"],
    ["absolute URL", "https://evil.example/phish"],
    ["javascript:", "javascript:alert(1)"],
    ["dot segment leaving //", "/.//evil.example"],
    ["parent segment leaving //", "/a/..//evil.example"],
    ["encoded dot segment", "/%2e//evil.example"],
    ["doubly encoded tab", "/%2509/evil.example"],
    ["invalid percent-encoding", "/%E0%A4%A"],
    ["lone surrogate", "/%ED%A0%80"],
    ["non-ASCII path", "/licensees?name=M%C3%BCller%E2%82%AC"],
    ["overlong", `/credits?q=${"a".repeat(3000)}`],
    ["empty", ""],
  ];

  async function hiddenTarget(link: string): Promise<string> {
    const page = await fetch(`${app.server.baseUrl}/login?redirectTo=${link}`, { redirect: "manual" });
    expect(page.status, link).toBe(200);
    const form = postForms(await page.text())[0]!;
    return form.fields.find(([name]) => name === "redirectTo")?.[1] ?? "";
  }

  it.each(links)("%s: after signing in, stays on the site", async (_what, link) => {
    const email = await makeUser();
    const target = await hiddenTarget(link);
    const response = await login(email, PASSWORD, newAddress(), target);
    if (target.includes("\u0000")) {
      // PostgreSQL text cannot hold NUL: the form reader refuses it with a 400 (decision 014).
      expect(response.status).toBe(400);
      return;
    }
    expect(response.status).toBe(302);
    expect(staysOnSite(response.headers.get("location")), response.headers.get("location") ?? "").toBe(true);
  });

  it.each(links)("%s: already signed in, stays on the site", async (_what, link) => {
    const email = await makeUser();
    const cookie = sessionCookieFrom(await login(email, PASSWORD, newAddress()))!;
    const response = await fetch(`${app.server.baseUrl}/login?redirectTo=${link}`, { redirect: "manual", headers: { cookie } });
    expect(response.status).toBe(302);
    expect(staysOnSite(response.headers.get("location")), response.headers.get("location") ?? "").toBe(true);
  });

  it.each([
    ["tab", "/\t/evil.example", "/"],
    ["newline", "/\n/evil.example", "/"],
    ["DEL", "/\u007f/evil.example", "/"],
    ["backslash", "/\\evil.example", "/"],
    ["//", "//evil.example", "/"],
    ["/%5C", "/%5Cevil.example", "/%5Cevil.example"],
    ["https://evil", "https://evil.example", "/"],
    ["javascript:", "javascript:alert(1)", "/"],
    ["overlong", `/${"a".repeat(5000)}`, "/"],
    ["percent-encoded control character", "/%09/evil.example", "/%09/evil.example"],
    ["an own path", "/credits?provider=0008001#results", "/credits?provider=0008001#results"],
  ])("posted as a raw field (%s) goes to its own site", async (_what, target, expected) => {
    const response = await login(await makeUser(), PASSWORD, newAddress(), target);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(expected);
    expect(staysOnSite(response.headers.get("location"))).toBe(true);
  });

  it("takes the first of repeated redirectTo fields, and refuses a foreign one in any position", async () => {
    for (const [body, expected] of [
      ["redirectTo=%2Fcredits&redirectTo=%2F%2Fevil.example", "/credits"],
      ["redirectTo=%2F%09%2Fevil.example&redirectTo=%2Fcredits", "/"],
    ] as const) {
      const email = await makeUser();
      const response = await fetch(`${app.server.baseUrl}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: app.server.baseUrl, "x-forwarded-for": newAddress() },
        body: `email=${encodeURIComponent(email)}&password=${encodeURIComponent(PASSWORD)}&${body}`,
      });
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toBe(expected);
    }
  });

  it("answers an address too long to serve with 414, not 500", async () => {
    const response = await fetch(`${app.server.baseUrl}/login?redirectTo=/${"a".repeat(5000)}`, { redirect: "manual" });
    expect(response.status).toBe(414);
  });
});

describe("an attacker cannot lock the owner out", () => {
  it("the attacker's address waits, answered at once, while the owner signs in from another address", async () => {
    const email = await makeUser();
    const attacker = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(email, `guess-${i}`, attacker)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, ...Array<number>(7).fill(429)]);

    // The right password from the attacker's address is refused while it waits (decision 018: else
    // the wait would limit nothing), with how long to wait and no session.
    const refused = await login(email, PASSWORD, attacker);
    expect(refused.status).toBe(429);
    expect(sessionCookieFrom(refused)).toBeNull();
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(await formError(refused)).toBe("Too many failed sign-in attempts for this email from your network. Try again in 1 minute.");

    // The owner, from an address that has not failed, signs in.
    const ownerSignIn = await login(email, PASSWORD, newAddress());
    expect(ownerSignIn.status).toBe(302);
    expect(sessionCookieFrom(ownerSignIn)).not.toBeNull();
    // ... which gives the attacker's address no fresh attempts.
    expect((await login(email, "guess-again", attacker)).status).toBe(429);

    // Audited: 5 wrong passwords, the first of the 9 refusals of this waiting period, 1 success.
    const audit = await auditFor(email);
    expect(audit.filter((a) => a.action === "login.failure" && a.reason === "wrong_password")).toHaveLength(5);
    expect(audit.filter((a) => a.action === "login.throttled" && a.ip === attacker)).toHaveLength(1);
    expect(audit.filter((a) => a.action === "login.success")).toHaveLength(1);
  });

  it("the wait doubles from 1 minute after each further failure, up to 60 minutes", async () => {
    const email = await makeUser();
    const from = newAddress();
    for (let i = 0; i < 5; i++) expect((await login(email, "wrong", from)).status).toBe(401);
    for (const minutes of [1, 2, 4, 8, 16, 32, 60, 60]) {
      const waiting = await login(email, "wrong", from);
      expect(waiting.status, `${minutes} min`).toBe(429);
      const retryAfter = Number(waiting.headers.get("retry-after"));
      // Whole seconds, counted from the last failure a moment ago.
      expect(retryAfter, `${minutes} min`).toBeLessThanOrEqual(minutes * 60);
      expect(retryAfter, `${minutes} min`).toBeGreaterThan(minutes * 60 - 30);
      expect(await formError(waiting)).toContain(`Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`);
      // Five seconds before the wait ends it still holds; once it has passed, one more attempt.
      await timePasses(email, from, minutes * 60 - 5);
      expect((await login(email, PASSWORD, from)).status, `${minutes} min, 5 s early`).toBe(429);
      await timePasses(email, from, 5);
      expect((await login(email, "wrong", from)).status, `${minutes} min, passed`).toBe(401);
    }
    expect((await throttleRow(email, from))?.failures).toBe(13);
    // A day without a failure starts the count again: five attempts before the next wait.
    await timePasses(email, from, 24 * 3600 + 1);
    for (let i = 0; i < 4; i++) expect((await login(email, "wrong", from)).status).toBe(401);
    expect((await throttleRow(email, from))?.failures).toBe(4);
    // A correct password clears the address's count for the account.
    expect((await login(email, PASSWORD, from)).status).toBe(302);
    expect(await throttleRow(email, from)).toBeUndefined();
  });

  it("answers an unknown e-mail exactly as a known one, so the answers do not tell who has an account", async () => {
    const known = await makeUser();
    const unknown = `nobody-${userCount}@ca-m.test`;
    const from = newAddress();
    const answers = async (email: string) => {
      const out: [number, string][] = [];
      for (let i = 0; i < 7; i++) {
        const response = await login(email, "wrong", from);
        out.push([response.status, await formError(response)]);
      }
      return out;
    };
    const knownAnswers = await answers(known);
    expect(await answers(unknown)).toEqual(knownAnswers);
    expect(knownAnswers.map(([status]) => status)).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });

  it("counts an IPv6 client by its /64: a new address in the same network does not start afresh", async () => {
    const email = await makeUser();
    for (let i = 0; i < 5; i++) expect((await login(email, "wrong", `2001:db8:17:1::${i + 1}`)).status).toBe(401);
    expect((await login(email, PASSWORD, "2001:db8:17:1::99")).status).toBe(429);
    // Another network (the owner at home) is not affected.
    expect((await login(email, PASSWORD, "2001:db8:17:2::1")).status).toBe(302);
    // The audit log keeps each full address.
    expect((await auditFor(email)).filter((a) => a.action === "login.failure").map((a) => a.ip)).toEqual(
      [1, 2, 3, 4, 5].map((i) => `2001:db8:17:1::${i}`),
    );
  });

  it("counts parallel guesses one by one: 20 at once get 5 password checks", async () => {
    const email = await makeUser();
    const from = newAddress();
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => login(email, `parallel-${i}`, from)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    expect((await auditFor(email)).filter((a) => a.action === "login.failure")).toHaveLength(5);
  });
});

function unlockUser(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.resolve("node_modules/.bin/tsx"), ["scripts/unlock-user.ts", ...args], {
      env: { ...process.env, DATABASE_URL: app.database.url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** The device cookie pair ("__device=...") a successful sign-in set, if any. */
function deviceCookieFrom(response: Response): string | null {
  const match = response.headers.get("set-cookie")?.match(/__device=([^;]*)/);
  return match && match[1] ? `__device=${match[1]}` : null;
}

/** The sign-in form posted from `from` by a browser that holds `cookie`. */
function loginWith(email: string, password: string, from: string, cookie: string): Promise<Response> {
  return fetch(`${app.server.baseUrl}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: app.server.baseUrl, "x-forwarded-for": from, cookie },
    body: new URLSearchParams({ email, password, redirectTo: "" }),
  });
}

/** Signs in from a new address and returns the device cookie the browser keeps. */
async function trustedBrowser(email: string): Promise<string> {
  const response = await login(email, PASSWORD, newAddress());
  expect(response.status).toBe(302);
  const cookie = deviceCookieFrom(response);
  expect(cookie).not.toBeNull();
  return cookie!;
}

/** `count` untrusted failures against `email` recorded `hoursAgo`, as 20 addresses spraying would leave them. */
async function recordedFailures(email: string, count: number, hoursAgo = 0): Promise<void> {
  await sql`insert into board.login_failure (at, account, client, trusted)
    select now() - make_interval(hours => ${hoursAgo}), ${email}, '192.0.2.' || (g % 20 + 1), false
    from generate_series(1, ${count}) g`.execute(owner());
}

const UNTRUSTED = /^Too many failed sign-in attempts for this email\. Sign in from a browser you have signed in with before, try again in \d+ (hours|minutes?), or ask an administrator\.$/;

describe("the account as a whole", () => {
  it("100 failures from 20 addresses refuse only browsers without the owner's device cookie", async () => {
    const email = await makeUser();
    let device = await trustedBrowser(email);
    const other = await trustedBrowser(await makeUser());
    // Twenty addresses, five wrong passwords each: none of them waits yet.
    const attackers: string[] = [];
    for (let a = 0; a < 20; a++) {
      const from = newAddress();
      attackers.push(from);
      for (let i = 0; i < 5; i++) expect((await login(email, `spray-${a}-${i}`, from)).status).toBe(401);
    }
    // One attacker's address now waits on its own, too.
    expect((await login(email, "one-more", attackers[0]!)).status).toBe(429);

    // The owner's browser signs in, from a new address and even from the waiting attacker's (one NAT).
    for (const from of [newAddress(), attackers[0]!]) {
      const signedIn = await loginWith(email, PASSWORD, from, device);
      expect(signedIn.status, from).toBe(302);
      expect(sessionCookieFrom(signedIn)).not.toBeNull();
      device = deviceCookieFrom(signedIn)!; // renewed on every sign-in
    }

    // A browser without it, with a forged one, or with another account's, is refused even with the
    // right password and from a clean address: 429, the generic message an unknown e-mail gets too.
    const clean = newAddress();
    // The value with one character of its signature changed.
    const value = decodeURIComponent(device.slice("__device=".length));
    const at = value.lastIndexOf(".") + 1;
    const forged = `__device=${encodeURIComponent(`${value.slice(0, at)}${value[at] === "A" ? "B" : "A"}${value.slice(at + 1)}`)}`;
    const unknown = `nobody-${userCount}@ca-m.test`;
    await recordedFailures(unknown, 100);
    const unknownAnswer = await login(unknown, "wrong", newAddress());
    expect(unknownAnswer.status).toBe(429);
    const unknownMessage = await formError(unknownAnswer);
    expect(unknownMessage).toMatch(UNTRUSTED);
    for (const refused of [
      await login(email, PASSWORD, clean),
      await loginWith(email, PASSWORD, clean, forged),
      await loginWith(email, PASSWORD, clean, other),
    ]) {
      expect(refused.status).toBe(429);
      expect(sessionCookieFrom(refused)).toBeNull();
      expect(await formError(refused)).toBe(unknownMessage);
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(23 * 3600);
      expect(retryAfter).toBeLessThanOrEqual(24 * 3600);
    }
    // The owner's sign-ins did not restart the count, and the account was never locked.
    const user = await owner().selectFrom("board.staff_user").select("locked_until").where("email", "=", email).executeTakeFirstOrThrow();
    expect(user.locked_until).toBeNull();

    // A rolling day: once the oldest failures are a day old, the count is below 100 again.
    await sql`update board.login_failure set at = at - interval '24 hours'
      where id in (select id from board.login_failure where account = ${email} order by at limit 1)`.execute(owner());
    expect((await login(email, PASSWORD, clean)).status).toBe(302);
  }, 120_000);

  it("`npm run unlock-user` lets browsers without a device cookie in again, and keeps the count from then", async () => {
    const email = await makeUser();
    await recordedFailures(email, 100);
    const clean = newAddress();
    expect((await login(email, PASSWORD, clean)).status).toBe(429);
    const result = await unlockUser(["--email", email.toUpperCase(), "--by", "test admin"]);
    expect(result.output).toContain(`unlocked ${email}: was not locked; failure counts cleared (0 addresses or devices, 100 failures of the last day)`);
    expect(result.code).toBe(0);
    expect(await owner().selectFrom("board.login_failure").select("id").where("account", "=", email).execute()).toEqual([]);
    const unlock = await sql<{ org_code: string; by: string }>`select a.org_code, a.detail->>'by' as by from board.audit_event a
      join board.staff_user u on u.id = a.user_id where u.email = ${email} and a.action = 'user.unlock'`.execute(owner());
    expect(unlock.rows).toEqual([{ org_code: "CA-M", by: "test admin" }]);
    expect((await login(email, PASSWORD, clean)).status).toBe(302);
    expect((await login(email, "wrong", newAddress())).status).toBe(401);
    expect((await login(email, PASSWORD, newAddress())).status).toBe(302);
  }, 60_000);

  it("counts only untrusted failures of the last 24 hours", async () => {
    const email = await makeUser();
    await recordedFailures(email, 99, 25);
    await recordedFailures(email, 99, 23);
    expect((await login(email, "wrong", newAddress())).status).toBe(401);
    // That was the 100th within the day.
    expect((await login(email, PASSWORD, newAddress())).status).toBe(429);
    // Failures made with a valid device cookie are the device's own, not the account's.
    await sql`update board.login_failure set trusted = true where account = ${email} and at > now() - interval '1 minute'`.execute(owner());
    expect((await login(email, PASSWORD, newAddress())).status).toBe(302);
  });

  it("a device cookie has its own allowance: 5 failures, then it waits, wherever it comes from", async () => {
    const email = await makeUser();
    const device = await trustedBrowser(email);
    for (let i = 0; i < 5; i++) expect((await loginWith(email, `wrong-${i}`, newAddress(), device)).status).toBe(401);
    const waiting = await loginWith(email, PASSWORD, newAddress(), device);
    expect(waiting.status).toBe(429);
    expect(await formError(waiting)).toContain("Try again in 1 minute.");
    // Its failures are not the account's: a browser without the cookie is not refused for them.
    expect((await login(email, PASSWORD, newAddress())).status).toBe(302);
  });

  it.each([
    [["--email", "not-an-email"], /--email must be an email address/],
    [["--email", "nobody@ca-m.test"], /no user with email nobody@ca-m.test/],
    [["--emial", "x@y.example"], /Unknown option '--emial'/],
  ])("unlock-user refuses %j with a clear message", async (args, message) => {
    const result = await unlockUser(args);
    expect(result.code).toBe(2);
    expect(result.output).toMatch(message);
  }, 60_000);
});

describe("the address as a whole", () => {
  it("counts an IPv6 client by its /64: 30 failures from 30 addresses of one /64 refuse the whole network", async () => {
    for (let i = 0; i < 30; i++) expect((await login(`spray-${i}@ca-m.test`, "guess", `2001:db8:64:1::${i + 1}`)).status).toBe(401);
    const email = await makeUser();
    const refused = await login(email, PASSWORD, "2001:db8:64:1::ffff");
    expect(refused.status).toBe(429);
    expect(await formError(refused)).toBe("Too many sign-in attempts from this network. Try again in 15 minutes.");
    // Another network is not affected.
    expect((await login(email, PASSWORD, "2001:db8:64:2::1")).status).toBe(302);
  });
});

describe("what sign-in keeps", () => {
  it("audits one refusal per waiting period, and counts the rest", async () => {
    const email = await makeUser();
    const from = newAddress();
    const throttled = async () => (await auditFor(email)).filter((a) => a.action === "login.throttled").length;
    for (let i = 0; i < 5; i++) expect((await login(email, "wrong", from)).status).toBe(401);
    for (let i = 0; i < 20; i++) expect((await login(email, "wrong", from)).status).toBe(429);
    expect(await throttled()).toBe(1);
    const refusal = await owner().selectFrom("board.login_refusal").select("refusals").where("account", "=", email).executeTakeFirstOrThrow();
    expect(refusal.refusals).toBe(20);
    // The wait passes, one more failure, and a new waiting period: its first refusal is audited.
    await timePasses(email, from, 60);
    expect((await login(email, "wrong", from)).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await login(email, "wrong", from)).status).toBe(429);
    expect(await throttled()).toBe(2);

    // The same for the account-wide refusal of untrusted browsers, per (account, address).
    const attacked = await makeUser();
    await recordedFailures(attacked, 100);
    const a = newAddress();
    for (let i = 0; i < 10; i++) expect((await login(attacked, PASSWORD, a)).status).toBe(429);
    expect((await login(attacked, PASSWORD, newAddress())).status).toBe(429);
    expect((await auditFor(attacked)).filter((r) => r.action === "login.throttled")).toHaveLength(2);
  });

  it("prunes waits, failures and refusals older than a day, and stale device cookies, at most once a minute", async () => {
    const email = await makeUser();
    const device = await trustedBrowser(email);
    const old = `old-${userCount}@ca-m.test`;
    const oldRows = async () => {
      await sql`insert into board.login_throttle (account, client, failures, last_failure_at) values (${old}, '192.0.2.200', 3, now() - interval '25 hours')`.execute(owner());
      await sql`insert into board.login_failure (at, account, client, trusted) values (now() - interval '25 hours', ${old}, '192.0.2.200', false)`.execute(owner());
      await sql`insert into board.login_refusal (scope, account, client, refusals, last_at) values ('account', ${old}, '192.0.2.200', 4, now() - interval '25 hours')`.execute(owner());
    };
    const left = async () => {
      const rows = await sql<{ n: number }>`select
        (select count(*) from board.login_throttle where account = ${old})
        + (select count(*) from board.login_failure where account = ${old})
        + (select count(*) from board.login_refusal where account = ${old}) as n`.execute(owner());
      return Number(rows.rows[0]!.n);
    };
    await oldRows();
    // A device cookie unused for 181 days is no longer trusted, and is pruned.
    await sql`update board.login_device set last_used_at = now() - interval '181 days'
      where user_id = (select id from board.staff_user where email = ${email})`.execute(owner());
    const fresh = newAddress();
    expect((await login(email, "wrong", fresh)).status).toBe(401);
    await sql`update board.login_prune set pruned_at = '-infinity'`.execute(owner());
    expect((await loginWith(email, "wrong", newAddress(), device)).status).toBe(401);
    expect(await left()).toBe(0);
    const devices = await sql<{ n: string }>`select count(*) as n from board.login_device
      where user_id = (select id from board.staff_user where email = ${email})`.execute(owner());
    expect(Number(devices.rows[0]!.n)).toBe(0);
    // Rows of the last day stay.
    expect((await throttleRow(email, fresh))?.failures).toBe(1);

    // Not again within the minute ...
    await oldRows();
    expect((await login(email, "wrong", newAddress())).status).toBe(401);
    expect(await left()).toBe(3);
    // ... but once it has passed.
    await sql`update board.login_prune set pruned_at = pruned_at - interval '61 seconds'`.execute(owner());
    expect((await login(email, "wrong", newAddress())).status).toBe(401);
    expect(await left()).toBe(0);
  });
});

describe("client address and origin behind proxies", () => {
  let direct: TestServer;
  beforeAll(async () => {
    direct = await startTestServer(app.database, { sync: false, trustProxy: 0 });
  });
  afterAll(() => direct.close());

  async function lastAuditIp(email: string): Promise<string | null> {
    const audit = await auditFor(email);
    return audit.at(-1)?.ip ?? null;
  }

  it("TRUST_PROXY=0 ignores X-Forwarded-For: a client cannot pick its address, nor escape its wait by changing it", async () => {
    const email = await makeUser();
    await login(email, "wrong", "192.0.2.55", "", direct.baseUrl);
    expect(await lastAuditIp(email)).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    for (let i = 0; i < 4; i++) expect((await login(email, "wrong", `192.0.2.${60 + i}`, "", direct.baseUrl)).status).toBe(401);
    expect((await login(email, PASSWORD, "192.0.2.99", "", direct.baseUrl)).status).toBe(429);
  });

  it("TRUST_PROXY=1 takes the address the proxy saw: the last X-Forwarded-For entry, not one the client added", async () => {
    const email = await makeUser();
    await login(email, "wrong", "192.0.2.55");
    expect(await lastAuditIp(email)).toBe("192.0.2.55");
    await login(email, "wrong", "10.9.9.9, 192.0.2.56");
    expect(await lastAuditIp(email)).toBe("192.0.2.56");
  });

  function postWith(baseUrl: string, headers: Record<string, string>): Promise<Response> {
    return fetch(`${baseUrl}/logout`, { method: "POST", redirect: "manual", headers });
  }

  it("refuses an Origin of another scheme or port, and honours X-Forwarded-Proto only from a trusted proxy", async () => {
    const own = direct.baseUrl;
    const port = Number(new URL(own).port);
    expect((await postWith(own, { origin: own })).status).toBe(302);
    expect((await postWith(own, { origin: own.replace("http:", "https:") })).status).toBe(403);
    expect((await postWith(own, { origin: `http://127.0.0.1:${port + 1}` })).status).toBe(403);
    expect((await postWith(own, { referer: `${own.replace("http:", "https:")}/renewals` })).status).toBe(403);
    // Without trust, X-Forwarded-Proto is ignored: the request is plain HTTP.
    expect((await postWith(own, { origin: own.replace("http:", "https:"), "x-forwarded-proto": "https" })).status).toBe(403);

    // Behind one trusted proxy that terminated TLS, the page's origin is https.
    const proxied = app.server.baseUrl;
    const https = proxied.replace("http:", "https:");
    expect((await postWith(proxied, { origin: https, "x-forwarded-proto": "https" })).status).toBe(302);
    expect((await postWith(proxied, { origin: proxied, "x-forwarded-proto": "https" })).status).toBe(403);
    expect((await postWith(proxied, { origin: https })).status).toBe(403);
  });
});
