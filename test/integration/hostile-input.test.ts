// What the fuzz test (fuzz.test.ts) found, pinned down one by one: bodies that are not forms,
// malformed or oversized forms and NUL characters get a 400 that says so and write nothing; a path
// that is not valid UTF-8 gets a 400 without Express's stack trace; an address too long to echo
// into the sign-in redirect gets a 414; a NUL in a query string no longer breaks the audit insert.
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { get, post, postLogin, sessionCookieFrom, setUpSeededApp, signIn } from "../support/server";
import { boardWrites, undecidedEntry } from "../support/database";
import { leaksIn } from "../support/leaks";

const app = setUpSeededApp();
let supervisor: string;
let admin: string;

beforeAll(async () => {
  [supervisor, admin] = await Promise.all([signIn(app.server.baseUrl, "supervisor@ca-m.demo.test"), signIn(app.server.baseUrl, "admin@ca-m.demo.test")]);
});

/** What a request could write, less the cohort's status refresh (which any renewal read may run). */
async function writes(): Promise<Record<string, number>> {
  const { evaluated_entries: _refreshed, ...rest } = await boardWrites(app.database.owner);
  return rest;
}
const undecided = () => undecidedEntry(app.database.owner);

const postAs = (path: string, cookie: string, body: BodyInit | undefined, contentType?: string) =>
  post(app.server.baseUrl, path, cookie, body, contentType ? { "content-type": contentType } : {});


describe("form bodies", () => {
  it("a body that is not a form (JSON, plain text, none, a multipart body without its boundary) gets a 400 and writes nothing", async () => {
    const entry = await undecided();
    const before = await writes();
    const cases: [string, string, BodyInit | undefined, string | undefined][] = [
      [`/renewals/${entry}`, supervisor, JSON.stringify({ intent: "decide", outcome: "compliant", note: "" }), "application/json"],
      [`/renewals/${entry}`, supervisor, "intent=decide&outcome=compliant&note=", "text/plain"],
      ["/renewals/samples", supervisor, undefined, undefined],
      ["/renewals/rules", admin, "--x\r\nContent-Disposition: form-data; name=\"reason\"\r\n\r\nBecause\r\n--x--\r\n", "multipart/form-data; boundary=other"],
      ["/renewals/bulk", supervisor, "--x\r\n", "multipart/form-data"],
      ["/admin/analytics", admin, "", "multipart/form-data; boundary=x"],
      ["/login", supervisor, "{}", "application/json"],
    ];
    for (const [path, cookie, body, type] of cases) {
      const response = await postAs(path, cookie, body, type);
      expect(response.status, `${path} ${type}`).toBe(400);
      expect(leaksIn(await response.text()), path).toEqual([]);
    }
    expect(await writes()).toEqual(before);
  });

  it("a form over 64 kB, or with a NUL character in a field, gets a 400 and writes nothing", async () => {
    const entry = await undecided();
    const before = await writes();
    const big = await postAs(`/renewals/${entry}`, supervisor, new URLSearchParams({ intent: "decide", outcome: "compliant", note: "x".repeat(70_000) }), "application/x-www-form-urlencoded");
    expect(big.status).toBe(400);
    const nul = await postAs(`/renewals/${entry}`, supervisor, new URLSearchParams({ intent: "decide", outcome: "compliant", note: "checked\u0000" }), "application/x-www-form-urlencoded");
    expect(nul.status).toBe(400);
    expect(await writes()).toEqual(before);
    // The same decision without the NUL is recorded: the refusal was about the character.
    const ok = await postAs(`/renewals/${entry}`, supervisor, new URLSearchParams({ intent: "decide", outcome: "compliant", note: "checked" }), "application/x-www-form-urlencoded");
    expect(ok.status).toBe(302);
    expect((await writes()).decisions).toBe(before.decisions! + 1);
  });

  it("a multipart form (a browser may send one) is read like a urlencoded one", async () => {
    const entry = await undecided();
    const form = new FormData();
    form.set("intent", "decide");
    form.set("outcome", "deficient");
    form.set("note", "Sent as multipart.");
    const response = await postAs(`/renewals/${entry}`, supervisor, form);
    expect(response.status).toBe(302);
    const decision = await app.database.owner.selectFrom("board.decision").select(["outcome", "note"]).where(sql<boolean>`entry_id = ${entry}`).executeTakeFirstOrThrow();
    expect(decision).toEqual({ outcome: "deficient", note: "Sent as multipart." });
  });
});

describe("addresses", () => {
  it("a path whose percent-encoding is not UTF-8 gets a plain 400, never Express's stack trace", async () => {
    for (const path of ["/renewals/x%ED%B0%80y", "/licensees/%FF", "/%C0%80"]) {
      for (const method of ["GET", "POST"]) {
        const response = await fetch(`${app.server.baseUrl}${path}`, { method, redirect: "manual", headers: { cookie: supervisor, origin: app.server.baseUrl } });
        expect(response.status, `${method} ${path}`).toBe(400);
        const text = await response.text();
        expect(text).toBe("That address could not be understood.");
        expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      }
    }
  });

  it("an address over 4,096 characters gets a 414; a long one that is served still signs in and comes back", async () => {
    const tooLong = await get(app.server.baseUrl, `/credits?q=${"a,".repeat(2100)}`, supervisor);
    expect(tooLong.status).toBe(414);
    expect(await tooLong.text()).toBe("That address is too long.");

    // Signed out, a 3,000-character address is sent to sign in with redirectTo; the redirect stays usable.
    const long = `/credits?first=${"a".repeat(3000)}`;
    const bounced = await get(app.server.baseUrl, long);
    expect(bounced.status).toBe(302);
    const location = bounced.headers.get("location") ?? "";
    expect(location.startsWith("/login?redirectTo=")).toBe(true);
    // Too long to be a redirectTo (over 2,048): the sign-in still works and goes home rather than failing.
    const signedIn = await postLogin(app.server.baseUrl, "reviewer@ca-m.demo.test", "demo-password", long);
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get("location")).toBe("/");
    expect(sessionCookieFrom(signedIn)).not.toBeNull();
  });
});

describe("the audit log", () => {
  it("a licensee view whose query string has a NUL is shown and audited (the NUL stored as U+FFFD)", async () => {
    const learner = await sql<{ id: string }>`select learner_id::text as id from learner.credit_report where board_code = 'CA-M' and deleted_at is null order by learner_id limit 1`.execute(app.database.owner);
    const id = learner.rows[0]!.id;
    const response = await get(app.server.baseUrl, `/licensees/${id}?%00=%27%20or%201%3D1--&note=a%00b`, supervisor);
    expect(response.status).toBe(200);
    await app.server.viewAudit.flush(); // views are queued, not written by the request
    const audit = await sql<{ detail: { query: Record<string, string> } }>`select detail from board.audit_event
      where action = 'licensee.view' and target = ${`learner:${id}`} order by id desc limit 1`.execute(app.database.owner);
    expect(audit.rows[0]!.detail.query).toEqual({ "\uFFFD": "' or 1=1--", note: "a\uFFFDb" });
  });
});
