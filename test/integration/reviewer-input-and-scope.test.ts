// The reviewer's routes through the real HTTP app: a bad value in any search parameter gets a
// message beside its field while the rest of the page still works (never a 500), and a reviewer
// of one board gets 404 for another board's licensee, activity and exports.
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { get, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();

let caCookie: string;
let abimCookie: string;
let accmeCookie: string;
beforeAll(async () => {
  [caCookie, abimCookie, accmeCookie] = await Promise.all([
    signIn(app.server.baseUrl, "reviewer@ca-m.demo.test"),
    signIn(app.server.baseUrl, "reviewer@abim.demo.test"),
    signIn(app.server.baseUrl, "reviewer@accme.demo.test"),
  ]);
});

async function page(path: string, cookie: string): Promise<{ status: number; html: string }> {
  const response = await get(app.server.baseUrl, path, cookie);
  return { status: response.status, html: await response.text() };
}

function resultCount(html: string): string {
  const match = html.match(/data-testid="result-count"[^>]*>(.*?)<\/p>/s);
  if (!match?.[1]) throw new Error("no result count on the page");
  return match[1].replace(/<[^>]+>/g, "").replace(/<!-- -->/g, "");
}

/**
 * A valid filter the page can still apply beside a bad one, and how many CA-M records it matches:
 * an activity with between 2 and 300 records, or (when the activity is the bad parameter) an NPI.
 */
async function validFilter(badParam: string): Promise<{ param: string; value: string; records: number }> {
  const row =
    badParam === "activity"
      ? (
          await sql<{ value: string; n: string }>`
            select l.npi as value, count(*) as n from learner.credit_report cr join learner.learner l on l.id = cr.learner_id
            where cr.board_code = 'CA-M' and cr.deleted_at is null and l.npi is not null
            group by l.npi having count(*) between 2 and 300 order by count(*) desc, l.npi limit 1`.execute(app.database.owner)
        ).rows[0]!
      : (
          await sql<{ value: string; n: string }>`
            select activity_id as value, count(*) as n from learner.credit_report
            where board_code = 'CA-M' and deleted_at is null group by activity_id having count(*) between 2 and 300 order by count(*) desc, activity_id limit 1`.execute(app.database.owner)
        ).rows[0]!;
  return { param: badParam === "activity" ? "npi" : "activity", value: row.value, records: Number(row.n) };
}

describe("bad search parameters get a clear message and never a 500", () => {
  // [parameter, bad value, what the message says, where it shows (a field's error or the notice)]
  const cases: Array<[string, string, RegExp]> = [
    ["first", "<script>", /letters, spaces, apostrophes or hyphens/],
    ["last", "x".repeat(61), /at most 60 characters/],
    ["dob", "13/45", /month and day do not exist/],
    ["dob", "1975-03-17", /MM\/DD/],
    ["licence", "A$B;--", /letters, digits, dots or hyphens/],
    ["boardId", "'; drop table x", /letters, digits, dots or hyphens/],
    ["npi", "1234567890", /check digit/],
    ["npi", "12345", /10 digits/],
    ["activity", "!!!", /9-digit activity id or words/],
    ["provider", "@@@", /7-digit provider id or words/],
    ["format", "Podcast", /listed activity format/],
    ["completedFrom", "2024-13-45", /real date as YYYY-MM-DD/],
    ["completedTo", "yesterday", /real date as YYYY-MM-DD/],
    ["submittedFrom", "2024-02-30", /real date as YYYY-MM-DD/],
    ["status", "pending", /listed status/],
    ["entry", "fax", /listed entry method/],
    ["creditType", "Astrology", /listed credit type/],
    ["late", "maybe", /Use 1 to turn this filter on/],
    ["board", "ABIM", /sees its own board only/],
    ["sort", "drop table", /Cannot sort by/],
    ["dir", "sideways", /asc or desc/],
    ["size", "1000", /Rows per page must be 25, 50, 100/],
    ["page", "-1", /Page must be a whole number/],
    ["page", "1e999", /Page/],
    ["after", "not a cursor!", /page link is not valid/],
    ["before", "eyJub3QiOiJhIGN1cnNvciJ9", /page link no longer matches/],
    ["hide", "password", /no column "password"/],
    ["show", "ssn", /no column "ssn"/],
  ];

  const VIEW_PARAMS = ["sort", "dir", "size", "page", "after", "before", "hide", "show"];
  for (const [param, value, message] of cases) {
    it(`${param}=${value.slice(0, 20)}`, async () => {
      const valid = await validFilter(param);
      const query = new URLSearchParams({ [valid.param]: valid.value });
      query.append(param, value);
      const { status, html } = await page(`/credits?${query}`, caCookie);
      // A value the page cannot use: 400, the page itself with the message.
      expect(status).toBe(400);
      const text = html.replace(/<!-- -->/g, "").replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
      expect(text).toMatch(message);
      if (VIEW_PARAMS.includes(param)) {
        // A bad sort, size, page or column changes the view only: the valid filter still applies, exactly its records counted.
        expect(resultCount(html)).toBe(`${valid.records.toLocaleString("en-US")} credit reports`);
      } else {
        // A filter that cannot be used lists nothing (the wider list would pass for the filtered one): the summary says why.
        expect(html).toContain('data-testid="error-summary"');
        expect(text).toContain("Nothing is listed until the filters can be used");
        expect(html).not.toContain('data-testid="result-count"');
      }
    });
  }

  it("rejects a range whose start is after its end, and names the field", async () => {
    const { status, html } = await page("/credits?completedFrom=2025-06-01&completedTo=2025-01-01", caCookie);
    expect(status).toBe(400);
    expect(html).toContain('data-testid="error-completedFrom"');
    expect(html).toContain("The start date is after the end date.");
  });

  it("rejects a filter given twice", async () => {
    const { status, html } = await page("/credits?status=accepted&status=rejected", caCookie);
    expect(status).toBe(400);
    expect(html).toContain("Give this filter once.");
  });

  it("refuses an export whose filters are bad, with a message and no file", async () => {
    const response = await get(app.server.baseUrl, "/credits/export?download=csv&completedFrom=2024-13-45", caCookie);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/The export was not started\. completedFrom: Enter a real date/);
    const badFormat = await get(app.server.baseUrl, "/credits/export?download=pdf", caCookie);
    expect(badFormat.status).toBe(400);
    expect(await badFormat.text()).toMatch(/download=csv or download=xlsx/);
  });

  it("answers bad values on the activity list, the lookup and the transcript the same way", async () => {
    for (const path of [
      "/activities?from=2024-99-01&format=Podcast&sort=id%3B&page=0",
      "/licensees?first=&last=Smith&dob=31%2F31&npi=abc",
      "/licensees?first=Robert",
    ]) {
      const { status, html } = await page(path, caCookie);
      expect(status, path).toBe(400);
      expect(html, path).toMatch(/filter-error|notice--warn/);
    }
    const licensee = (await sql<{ learner_id: string }>`select learner_id from learner.credit_report where board_code = 'CA-M' and deleted_at is null limit 1`.execute(app.database.owner)).rows[0]!;
    const transcript = await page(`/licensees/${licensee.learner_id}/transcript?completedFrom=nope`, caCookie);
    expect(transcript.status).toBe(400);
    expect(transcript.html).toContain("Enter a real date as YYYY-MM-DD.");
  });

  it("answers ids that cannot exist with 404, not 500", async () => {
    for (const path of ["/licensees/abc", "/licensees/99999999999999999999", "/activities/12", "/activities/abcdefghi", "/licensees/1'--/transcript"]) {
      expect((await get(app.server.baseUrl, path, caCookie)).status, path).toBe(404);
    }
  });
});

describe("scope: another board's records are unreachable by any URL", () => {
  /** A learner with live records for `board` and none for `other`, and an activity likewise. */
  async function onlyOf(board: string, other: string) {
    const learner = (
      await sql<{ id: string }>`
        select learner_id as id from learner.credit_report cr where board_code = ${board} and deleted_at is null
          and not exists (select 1 from learner.credit_report o where o.learner_id = cr.learner_id and o.board_code = ${other} and o.deleted_at is null)
        order by learner_id limit 1`.execute(app.database.owner)
    ).rows[0]!;
    const activity = (
      await sql<{ id: string }>`
        select activity_id as id from learner.credit_report cr where board_code = ${board} and deleted_at is null
          and not exists (select 1 from learner.credit_report o where o.activity_id = cr.activity_id and o.board_code = ${other} and o.deleted_at is null)
        order by activity_id limit 1`.execute(app.database.owner)
    ).rows[0]!;
    return { learner: learner.id, activity: activity.id };
  }

  const routes = (ids: { learner: string; activity: string }) => [
    `/licensees/${ids.learner}`,
    `/licensees/${ids.learner}/transcript`,
    `/licensees/${ids.learner}/transcript/export?download=csv`,
    `/licensees/${ids.learner}/records/export?download=xlsx`,
    `/activities/${ids.activity}`,
    `/activities/${ids.activity}/export?download=csv`,
  ];

  for (const [reader, readerCookie, owner, other] of [
    ["a CA-M reviewer", () => caCookie, "ABIM", "CA-M"],
    ["an ABIM reviewer", () => abimCookie, "CA-M", "ABIM"],
  ] as const) {
    it(`gives ${reader} 404 for ${owner}'s licensee, activity and their exports, and nothing of them`, async () => {
      const ids = await onlyOf(owner, other);
      for (const path of routes(ids)) {
        const response = await get(app.server.baseUrl, path, readerCookie());
        expect(response.status, path).toBe(404);
        const body = await response.text();
        expect(body, path).not.toContain(ids.activity);
      }
      // ACCME sees them all.
      for (const path of routes(ids)) expect((await get(app.server.baseUrl, path, accmeCookie)).status, path).toBe(200);
    });
  }

  it("never lists another board's records in the search or its export, even when asked by board", async () => {
    const response = await get(app.server.baseUrl, "/credits/export?download=csv&board=ABIM&show=lag", caCookie);
    expect(response.status).toBe(400);
    const csv = await (await get(app.server.baseUrl, "/credits/export?download=csv&status=rejected", caCookie)).text();
    const expected = Number(
      (await sql<{ n: string }>`select count(*) as n from learner.credit_report where board_code = 'CA-M' and status = 'rejected' and deleted_at is null`.execute(app.database.owner)).rows[0]!.n,
    );
    // A header line and one line per record (names never contain newlines in the seed).
    expect(csv.trim().split("\n").length - 1).toBe(expected);
    const activities = await page("/activities?board=ABIM", caCookie);
    expect(activities.html).toContain("sees its own board only");
  });

  it("requires sign-in for every reviewer route", async () => {
    for (const path of ["/credits", "/credits/export?download=csv", "/activities", "/activities/export", "/licensees", "/licensees/1", "/licensees/1/transcript"]) {
      const response = await get(app.server.baseUrl, path);
      expect(response.status, path).toBe(302);
      expect(response.headers.get("location"), path).toMatch(/^\/login\?redirectTo=/);
    }
  });
});
