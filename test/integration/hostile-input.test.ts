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
    // The same decision without the NUL is recorded: the refusal was about the character. (An
    // outcome that never contradicts the credit check, so the entry's status does not matter.)
    const ok = await postAs(`/renewals/${entry}`, supervisor, new URLSearchParams({ intent: "decide", outcome: "referred_to_audit", note: "checked" }), "application/x-www-form-urlencoded");
    expect(ok.status).toBe(302);
    expect((await writes()).decisions).toBe(before.decisions! + 1);
  });

  it("a multipart form (a browser may send one) is read like a urlencoded one", async () => {
    const entry = await undecided();
    const form = new FormData();
    form.set("intent", "decide");
    form.set("outcome", "referred_to_audit");
    form.set("note", "Sent as multipart.");
    const response = await postAs(`/renewals/${entry}`, supervisor, form);
    expect(response.status).toBe(302);
    const decision = await app.database.owner.selectFrom("board.decision").select(["outcome", "note"]).where(sql<boolean>`entry_id = ${entry}`).executeTakeFirstOrThrow();
    expect(decision).toEqual({ outcome: "referred_to_audit", note: "Sent as multipart." });
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

// ---------------------------------------------------------------- dates and page links (issue 17)

const RANGE_MESSAGE = "Enter a date between 1900-01-01 and 2100-12-31.";

/** A CA-M licensee and activity with records, so their pages and exports have something to show. */
async function ids(): Promise<{ licensee: string; activity: string }> {
  const row = await sql<{ licensee: string; activity: string }>`select learner_id::text as licensee, activity_id as activity from learner.credit_report
    where board_code = 'CA-M' and deleted_at is null order by learner_id limit 1`.execute(app.database.owner);
  return row.rows[0]!;
}

/** Every screen that takes a date in its address, with the date fields it reads. */
function datedScreens({ licensee, activity }: { licensee: string; activity: string }): [string, string[]][] {
  const credit = ["completedFrom", "completedTo", "submittedFrom", "submittedTo"];
  const submitted = ["submittedFrom", "submittedTo"];
  return [
    ["/credits", credit],
    ["/activities", ["from", "to"]],
    [`/activities/${activity}`, credit],
    [`/licensees/${licensee}`, credit],
    [`/licensees/${licensee}/transcript`, ["from", "to", "completedFrom", "completedTo"]],
    ["/renewals", ["endFrom", "endTo"]],
    ["/renewals/bulk", ["endFrom", "endTo"]],
    ["/reports/volume", submitted],
    ["/reports/timeliness", submitted],
    ["/reports/rejections", submitted],
    ["/reports/credit-mix", submitted],
    ["/reports/compliance", ["endFrom", "endTo"]],
  ];
}

/** Every export that takes a date, in every format it offers (the query starts with its own fixed parameters). */
function datedExports({ licensee, activity }: { licensee: string; activity: string }): [string, string[]][] {
  const credit = ["completedFrom", "completedTo", "submittedFrom", "submittedTo"];
  const submitted = ["submittedFrom", "submittedTo"];
  const both = (path: string, fields: string[]): [string, string[]][] => ["csv", "xlsx"].map((f) => [`${path}${path.includes("?") ? "&" : "?"}download=${f}`, fields]);
  return [
    ...both("/credits/export", credit),
    ...both("/activities/export", ["from", "to"]),
    ...both(`/activities/${activity}/export`, credit),
    ...both(`/licensees/${licensee}/records/export`, credit),
    ...both(`/licensees/${licensee}/transcript/export`, ["from", "to", "completedFrom", "completedTo"]),
    ...both("/renewals/export", ["endFrom", "endTo"]),
    ...["volume", "timeliness", "rejections", "credit-mix"].flatMap((r) => both(`/reports/${r}/export?table=monthly`, submitted)),
    ["/reports/compliance/export?table=months", ["endFrom", "endTo"]],
  ];
}

describe("dates PostgreSQL or JavaScript cannot take (1900-01-01 … 2100-12-31 accepted)", () => {
  it("year 0000 in every date field of every screen: a 400 showing the page with the message at that field", async () => {
    const found: string[] = [];
    for (const [path, fields] of datedScreens(await ids())) {
      for (const field of fields) {
        const url = `${path}?${field}=0000-01-01`;
        const response = await get(app.server.baseUrl, url, supervisor);
        const text = await response.text();
        found.push(`${response.status} ${url}`);
        expect(response.status, url).toBe(400);
        expect(text, url).toContain(RANGE_MESSAGE);
        expect(leaksIn(text), url).toEqual([]);
      }
    }
    expect(found.length).toBeGreaterThanOrEqual(30);
  });

  it("the message sits at its field: the filter's own error, saying which end of the range", async () => {
    for (const [url, testId, end] of [
      ["/credits?completedTo=0000-01-01", "error-completedFrom", "To"],
      ["/credits?submittedFrom=0000-01-01", "error-submittedFrom", "From"],
      ["/activities?from=0000-01-01", "error-from", "From"],
      ["/renewals?endTo=0000-01-01", "error-endFrom", "To"],
      ["/reports/volume?submittedFrom=0000-01-01", "error-submittedFrom", "From"],
      ["/reports/compliance?endFrom=0000-01-01", "error-endFrom", "From"],
    ] as const) {
      const response = await get(app.server.baseUrl, url, supervisor);
      expect(response.status, url).toBe(400);
      const shown = (await response.text()).match(new RegExp(`data-testid="${testId}"[^>]*>([^<]*)<`))?.[1];
      expect(shown, url).toBe(`${end}: ${RANGE_MESSAGE}`);
    }
    const { licensee } = await ids();
    const transcript = await get(app.server.baseUrl, `/licensees/${licensee}/transcript?completedTo=0000-01-01`, supervisor);
    expect(await transcript.text()).toContain(`Completed to: ${RANGE_MESSAGE}`);
  });

  it("year 0000 in every date field of every export, CSV and XLSX: a plain 400 naming the field, before any file starts", async () => {
    for (const [path, fields] of datedExports(await ids())) {
      for (const field of fields) {
        const url = `${path}&${field}=0000-01-01`;
        const response = await get(app.server.baseUrl, url, supervisor);
        expect(response.status, url).toBe(400);
        expect(response.headers.get("content-type") ?? "", url).toMatch(/^text\/plain/);
        expect(response.headers.get("content-disposition"), url).toBeNull();
        expect(await response.text(), url).toBe(`The export was not started. ${field}: ${RANGE_MESSAGE}`);
      }
    }
  });

  it("extreme and impossible dates get a message, not a 500, on the search and its export", async () => {
    const dates: [string, RegExp][] = [
      ["0000-00-00", /real date/],
      ["0000-01-01", /between 1900-01-01 and 2100-12-31/],
      ["0001-01-01", /between 1900-01-01 and 2100-12-31/],
      ["9999-12-31", /between 1900-01-01 and 2100-12-31/],
      ["275760-09-13", /real date/],
      ["+002024-01-01", /real date/],
      ["-2024-01-01", /real date/],
      ["2024-02-30", /real date/],
      ["2023-02-29", /real date/],
      ["2024-13-01", /real date/],
      ["2024-01-01T00:00:00Z", /real date/],
    ];
    for (const [date, message] of dates) {
      for (const field of ["completedFrom", "submittedTo"]) {
        const query = new URLSearchParams({ [field]: date });
        const page = await get(app.server.baseUrl, `/credits?${query}`, supervisor);
        expect(page.status, `${field}=${date}`).toBe(400);
        expect(await page.text()).toMatch(message);
        const exported = await get(app.server.baseUrl, `/credits/export?download=csv&${query}`, supervisor);
        expect(exported.status, `export ${field}=${date}`).toBe(400);
        expect(await exported.text()).toMatch(new RegExp(`^The export was not started\\. ${field}: .*${message.source}`));
      }
    }
    // The edges of the range are dates like any other.
    for (const date of ["1900-01-01", "2100-12-31"]) {
      expect((await get(app.server.baseUrl, `/credits?submittedTo=${date}`, supervisor)).status, date).toBe(200);
      expect((await get(app.server.baseUrl, `/renewals?endFrom=1900-01-01&endTo=${date}`, supervisor)).status, date).toBe(200);
    }
  });
});

/** The href of a page's "next" link (the grid's own keyset cursor). */
async function nextLink(path: string, cookie: string): Promise<string> {
  const response = await get(app.server.baseUrl, path, cookie);
  expect(response.status, path).toBe(200);
  const anchor = (await response.text()).match(/<a [^>]*rel="next"[^>]*>/)?.[0];
  const href = anchor?.match(/href="([^"]*)"/)?.[1]?.replace(/&amp;/g, "&");
  if (!href) throw new Error(`no next link on ${path}`);
  return new URL(href, `${app.server.baseUrl}${path}`).pathname + new URL(href, `${app.server.baseUrl}${path}`).search;
}

/** The cursor's JSON, changed by `edit`, written back as the app writes cursors. */
function reencode(cursor: string, edit: (json: string) => string): string {
  return Buffer.from(edit(Buffer.from(cursor, "base64url").toString("utf8"))).toString("base64url");
}

function tamperings(cursor: string): [string, string][] {
  const json = Buffer.from(cursor, "base64url").toString("utf8");
  const flip = (at: number) => cursor.slice(0, at) + (cursor[at] === "A" ? "B" : "A") + cursor.slice(at + 1);
  return [
    ["time zone +25:00", reencode(cursor, (j) => j.replace(/([0-9:.]{8,15})[+-]\d{2}(:\d{2})?"/, "$1+25:00\""))],
    ["time zone -15", reencode(cursor, (j) => j.replace(/([0-9:.]{8,15})[+-]\d{2}(:\d{2})?"/, "$1-15\""))],
    ["timestamp in year 0000", reencode(cursor, (j) => j.replace(/"\d{4}-(\d{2}-\d{2} )/, '"0000-$1'))],
    ["date in year 0000", reencode(cursor, (j) => j.replace(/"\d{4}-(\d{2}-\d{2})"/, '"0000-$1"'))],
    ["timestamp on Feb 30", reencode(cursor, (j) => j.replace(/"\d{4}-\d{2}-\d{2}( |")/, '"2025-02-30$1'))],
    ["base64 with padding", Buffer.from(`${json} `).toString("base64")],
    ["padding added", `${cursor}==`],
    ["an extra field", reencode(cursor, (j) => j.replace(/]$/, ',"x"]'))],
    ["an extra value", reencode(cursor, (j) => j.replace(/]]$/, ',"1"]]'))],
    ["truncated", cursor.slice(0, Math.floor(cursor.length / 2))],
    ["last character dropped", cursor.slice(0, -1)],
    ["first character flipped", flip(0)],
    ["middle character flipped", flip(Math.floor(cursor.length / 2))],
    ["not base64 at all", "%%%"],
    // The first key value after the sort's name, when it is text: PostgreSQL text cannot hold U+0000.
    ["NUL in a text value", reencode(cursor, (j) => {
      let n = 0;
      return j.replace(/"([^"\\]*)"/g, (m, v: string) => (n++ === 1 && /^[^\d]/.test(v) ? `"${v}\\u0000x"` : m));
    })],
  ];
}

describe("tampered page links (keyset cursors)", () => {
  it("a real next link works; every tampering of it gets a 400 showing the first page with a notice, never a 500", async () => {
    const { licensee, activity } = await ids();
    const pages = [
      "/credits",
      "/credits?sort=completed&dir=desc",
      "/credits?sort=licensee",
      "/activities?sort=start&dir=desc",
      `/activities/${activity}?size=25`,
      "/renewals?endFrom=2020-01-01&endTo=2035-12-31&sort=cycleEnd",
      `/licensees/${licensee}`,
    ];
    let tampered = 0;
    for (const path of pages) {
      let next: string;
      try {
        next = await nextLink(path, supervisor);
      } catch {
        continue; // a page with a single page of rows has no link to tamper with
      }
      const url = new URL(next, app.server.baseUrl);
      const key = url.searchParams.has("after") ? "after" : "before";
      const cursor = url.searchParams.get(key)!;
      expect((await get(app.server.baseUrl, next, supervisor)).status, next).toBe(200);
      for (const [what, changed] of tamperings(cursor)) {
        if (changed === cursor) continue; // this cursor has no value of that type
        url.searchParams.set(key, changed);
        const response = await get(app.server.baseUrl, url.pathname + url.search, supervisor);
        const text = await response.text();
        expect(response.status, `${path}: ${what}`).toBe(400);
        expect(text, `${path}: ${what}`).toMatch(/That page link (is not valid|no longer matches)[^<]*showing the first page/);
        expect(leaksIn(text), `${path}: ${what}`).toEqual([]);
        tampered++;
      }
    }
    expect(tampered).toBeGreaterThan(40);
  });

  it("the cursors the issue named: an out-of-range time zone and a year-0000 timestamp on the credit search", async () => {
    const next = new URL(await nextLink("/credits", supervisor), app.server.baseUrl);
    const cursor = next.searchParams.get("after")!;
    expect(Buffer.from(cursor, "base64url").toString("utf8")).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}/);
    for (const changed of [reencode(cursor, (j) => j.replace(/[+-]\d{2}(:\d{2})?"/, '+25:00"')), reencode(cursor, (j) => j.replace(/"\d{4}-/, '"0000-'))]) {
      next.searchParams.set("after", changed);
      const response = await get(app.server.baseUrl, next.pathname + next.search, supervisor);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("That page link no longer matches this search; showing the first page.");
    }
  });

  it("the unmatched roster queue's page link: year 0000 or a bad date is a 400 with the notice", async () => {
    for (const after of ["0000-01-01_5", "2026-02-30_5", "9999-12-31_5"]) {
      const response = await get(app.server.baseUrl, `/rosters/unmatched?after=${after}`, supervisor);
      expect(response.status, after).toBe(400);
      expect(await response.text()).toContain("That page link is not valid; showing the first page.");
    }
  });
});

describe("control characters and over-long values in every search parameter", () => {
  it("each credit search filter with a control character, or 2,000 characters, is a 400 with a message; never a 500", async () => {
    const names = ["first", "last", "dob", "licence", "boardId", "npi", "activity", "provider", "format", "completedFrom", "completedTo", "submittedFrom", "submittedTo", "status", "entry", "creditType", "late", "sort", "size", "page", "after", "hide", "show"];
    for (const name of names) {
      for (const value of ["a\u0001b", "\u001b[31m", "x\u007f", "\u0085", "9".repeat(2000)]) {
        const query = new URLSearchParams({ [name]: value });
        if (name === "page") query.set("after", "x");
        const response = await get(app.server.baseUrl, `/credits?${query}`, supervisor);
        const text = await response.text();
        // Activity and provider searches are words: a control character separates them like a space (providers' titles
        // can hold any character), so a short value with words in it is searched; every other field refuses it.
        const words = ["activity", "provider"].includes(name) && value.length <= 100;
        if (words) expect([200, 400], `${name}=${JSON.stringify(value)}`).toContain(response.status);
        else expect(response.status, `${name}=${JSON.stringify(value.slice(0, 10))}`).toBe(400);
        expect(leaksIn(text)).toEqual([]);
      }
    }
  });
});

describe("redirect targets on sign-in (the validation itself is app/auth's; here: never a 5xx or a stack trace)", () => {
  it("hostile redirectTo values, signed in and out, on GET and on the sign-in form", async () => {
    const failures: string[] = [];
    const check = async (what: string, response: Response) => {
      const text = await response.text();
      if (response.status >= 500 || leaksIn(text).length) failures.push(`${response.status} ${what} ${leaksIn(text).join(", ")}`);
    };
    for (const target of ["/\t/evil.example", "//evil", "/\\evil", "\\\\evil", "javascript:alert(1)", "JaVaScRiPt:alert(1)", "/%09/evil.example", "/\u0000/x", "/\u0001/x", "https://evil.example/", "/" + "a".repeat(5000), "\r\n/x", "/\u2028/evil"]) {
      for (const cookie of [undefined, supervisor]) {
        await check(`GET /login ${cookie ? "signed in" : "signed out"} redirectTo=${JSON.stringify(target.slice(0, 30))}`, await get(app.server.baseUrl, `/login?${new URLSearchParams({ redirectTo: target })}`, cookie));
      }
      await check(`POST /login redirectTo=${JSON.stringify(target.slice(0, 30))}`, await postLogin(app.server.baseUrl, "reviewer@ca-m.demo.test", "demo-password", target));
    }
    expect(failures).toEqual([]);
  });
});
