// Renewal verification against plain SQL on the seeded store: the stored statuses and totals of a
// roster (recomputed independently here), the queue's filters and pages, decisions and their
// history (append-only, superseded by supervisors only), the bulk action, reproducible audit
// samples, rule edits with history, refresh after a provider's write, and scope.
import { parse } from "csv-parse/sync";
import { sql, type Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import { complianceOverview } from "../../app/models/compliance-overview.server";
import { refreshRosterStatuses } from "../../app/models/renewals.server";
import { MAX_CREDIT_CAPPED_FORMATS } from "../../domain/reference";
import type { Database } from "../../db/schema";
import { appAs } from "../support/database";
import { postForms } from "../support/html-forms";
import { get, post, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * "Today" for a board is the date in its time zone (California: Los Angeles; ABIM: Philadelphia,
 * New York time), computed here by PostgreSQL's own time zone data, not by the app's code.
 */
const ZONES: Record<string, string> = { "CA-M": "America/Los_Angeles", ABIM: "America/New_York" };
const boardDate = (org: string) => sql<string>`(now() at time zone ${sql.lit(ZONES[org]!)})::date`;
const CA_TODAY = boardDate("CA-M");
async function today(org = "CA-M"): Promise<string> {
  return (await sql<{ d: string }>`select ${boardDate(org)}::text as d`.execute(app.database.owner)).rows[0]!.d;
}

/**
 * A roster for `org` of `n` licensees known to it (licence / certification), inserted as the owner:
 * cycle ends spread over the next 80 days, never a month's last day (so the cycle start is plainly
 * the same day N years back, plus one). Returns the entry ids.
 */
async function insertRoster(owner: Kysely<Database>, org: string, n: number, idTable: "licence" | "certification"): Promise<string[]> {
  const idColumn = idTable === "licence" ? sql`k.licence_id` : sql`k.board_id`;
  const upload = await sql<{ id: string }>`
    insert into board.roster_upload (org_code, file_name, sha256, total_rows, accepted_rows, rejected_rows, new_rows, changed_rows)
    values (${org}, 'test.csv', md5(${org} || random()::text) || md5(random()::text), ${n}, ${n}, 0, ${n}, 0) returning id::text`.execute(owner);
  const uploadId = upload.rows[0]!.id;
  const rows = await sql<{ id: string }>`
    insert into board.roster_entry (org_code, roster_key, first_name, last_name, birth_month, birth_day, npi, cycle_end, upload_id, line_no, learner_id, match_quality)
    select ${org}, ${idColumn}, l.first_name, l.last_name, l.birth_month, l.birth_day, l.npi,
           ${boardDate(org)} + 1 + (row_number() over (order by l.id))::int % 80 as cycle_end,
           ${uploadId}, 1 + row_number() over (order by l.id), l.id, 'id'
      from learner.${sql.raw(idTable)} k join learner.learner l on l.id = k.learner_id
     where k.board_code = ${org} and l.deleted_at is null
       and exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = ${org})
       -- not already on the organisation's roster (the template's demo roster): one entry per licensee cycle
       and not exists (select 1 from board.roster_entry x where x.org_code = ${org} and x.learner_id = l.id)
     order by l.id limit ${n}
    returning id::text`.execute(owner);
  // Keep cycle ends off month ends: move any last-of-month day back one.
  await sql`update board.roster_entry set cycle_end = cycle_end - 1
    where upload_id = ${uploadId} and extract(day from cycle_end + 1) = 1`.execute(owner);
  return rows.rows.map((r) => r.id);
}

const capped = sql.join(MAX_CREDIT_CAPPED_FORMATS.map((f) => sql.lit(f)));

/**
 * CA-M's rule as seeded, recomputed in SQL: the total is the sum over (activity, completion day) of the
 * largest accepted, live amount completed in the 2-year cycle; the one-time Pain Management / End-of-Life
 * Care minimum counts each such group's largest topic amount (capped at its credits) up to the cycle end;
 * the geriatric share does not apply when unknown. Review: a counted record breaking a data rule.
 */
async function expectedCaM(owner: Kysely<Database>, entryIds: string[]) {
  const result = await sql<{ id: string; cycle_start: string; total: string; pain: string; flagged: boolean }>`
    with e as (
      select id, learner_id, cycle_end, (cycle_end - interval '2 years' + interval '1 day')::date as cycle_start
        from board.roster_entry where id = any(${entryIds}::bigint[])),
    r as (
      select e.id as entry_id, cr.activity_id, cr.completion_date, cr.credits,
             least(cr.credits, greatest(coalesce((cr.credit_types->>'Pain Management')::numeric, 0),
                                        coalesce((cr.credit_types->>'End-of-Life Care')::numeric, 0))) as pain,
             cr.completion_date between e.cycle_start and e.cycle_end as in_cycle,
             ((a.format in (${capped}) and cr.credits > a.max_cme_credits)
               or cr.completion_date < a.start_date or cr.completion_date > a.end_date
               or cr.completion_date > (cr.submitted_at at time zone 'UTC')::date or cr.completion_date > ${CA_TODAY}) as flagged
        from e join learner.credit_report cr on cr.learner_id = e.learner_id and cr.board_code = 'CA-M'
        join learner.activity a on a.id = cr.activity_id
       where cr.status = 'accepted' and cr.deleted_at is null and cr.completion_date <= e.cycle_end),
    g as (
      select entry_id, activity_id, completion_date, bool_or(in_cycle) as in_cycle,
             max(credits) as credits, max(pain) as pain, bool_or(flagged and credits > 0) as flagged
        from r group by entry_id, activity_id, completion_date)
    select e.id::text, e.cycle_start::text,
           coalesce(sum(g.credits) filter (where g.in_cycle), 0)::text as total,
           coalesce(sum(g.pain), 0)::text as pain,
           coalesce(bool_or(g.flagged and g.in_cycle), false) as flagged
      from e left join g on g.entry_id = e.id
     group by e.id, e.cycle_start`.execute(owner);
  return new Map(
    result.rows.map((r) => {
      const total = Number(r.total);
      const pain = Number(r.pain);
      const met = total >= 50 && pain >= 12;
      const status = total === 0 ? "nothing" : r.flagged ? "needs_review" : met ? "meets" : "short";
      return [r.id, { cycleStart: r.cycle_start, total, status }];
    }),
  );
}

describe("stored statuses", () => {
  it("CA-M: each entry's cycle, counted total and status equal an independent SQL computation", async () => {
    const { database } = app;
    const ids = await insertRoster(database.owner, "CA-M", 150, "licence");
    expect(ids.length).toBeGreaterThan(100);
    const refreshed = await refreshRosterStatuses(appAs(database, "CA-M"), "CA-M");
    expect(refreshed.evaluated).toBeGreaterThanOrEqual(ids.length);
    const stored = await database.owner
      .selectFrom("board.roster_entry")
      .select(["id", "status", "cycle_start", "credits_counted", "credits_required"])
      .where("id", "in", ids)
      .execute();
    const expected = await expectedCaM(database.owner, ids);
    const statuses = new Set<string>();
    for (const row of stored) {
      const want = expected.get(row.id)!;
      expect({ id: row.id, start: row.cycle_start, total: Number(row.credits_counted), required: Number(row.credits_required) }).toEqual({
        id: row.id,
        start: want.cycleStart,
        total: want.total,
        required: 50,
      });
      // needs_review may be overridden by "nothing"; otherwise the SQL status must match.
      expect(`${row.id}:${row.status}`).toBe(`${row.id}:${want.status}`);
      statuses.add(row.status);
    }
    // The seeded data exercises more than one outcome.
    expect(statuses.size).toBeGreaterThanOrEqual(2);
  });

  it("a provider's new record moves the licensee's status on the next refresh (change_seq)", async () => {
    const { database } = app;
    const short = await sql<{ id: string; learner_id: string; cycle_end: string; credits_counted: string }>`
      select id::text, learner_id::text, cycle_end::text, credits_counted::text from board.roster_entry
       where org_code = 'CA-M' and status = 'short' and credits_counted < 50 order by roster_entry.id limit 1`.execute(database.owner);
    const entry = short.rows[0];
    expect(entry, "a short CA-M entry to top up").toBeDefined();
    // Any activity: a record breaking a data rule (dates, maximum) makes the status "needs review".
    const activity = await sql<{ id: string }>`select id from learner.activity order by id limit 1`.execute(database.owner);
    const activityId = activity.rows[0]?.id;
    expect(activityId, "an activity").toBeDefined();
    const completion = addDays(await today(), -5);
    await sql`insert into learner.credit_report (activity_id, learner_id, board_code, completion_date, submitted_at, entry_method, status, credits, credit_types)
      values (${activityId!}, ${entry!.learner_id}, 'CA-M', ${completion}::date, now(), 'web_service', 'accepted', 50, '{"Pain Management": 12}')`.execute(database.owner);
    await refreshRosterStatuses(appAs(database, "CA-M"), "CA-M");
    const after = await database.owner.selectFrom("board.roster_entry").select(["status", "credits_counted"]).where("id", "=", entry!.id).executeTakeFirstOrThrow();
    expect(Number(after.credits_counted)).toBe(Number(entry!.credits_counted) + 50);
    expect(["meets", "needs_review"]).toContain(after.status);
  });

  it("a board's statuses are computed for its own day, in its time zone (California's, ABIM's), not UTC's", async () => {
    const { database } = app;
    for (const org of ["CA-M", "ABIM"]) {
      await refreshRosterStatuses(appAs(database, org), org);
      const mark = await sql<{ as_of: string; board_day: string }>`select w.as_of::text, ${boardDate(org)}::text as board_day
        from board.roster_watermark w where w.org_code = ${org}`.execute(database.owner);
      expect(mark.rows[0], org).toBeDefined();
      expect(mark.rows[0]!.as_of, org).toBe(mark.rows[0]!.board_day);
    }
  });
});

async function queueIds(baseUrl: string, cookie: string, query: string): Promise<string[]> {
  const response = await get(baseUrl, `/renewals/export?download=csv&show=birth&${query}`, cookie);
  expect(response.status).toBe(200);
  const rows = parse((await response.text()).replace(/^\uFEFF/, ""), { columns: true }) as Record<string, string>[];
  return rows.map((r) => (r["License number"] ?? r["Board ID"])!);
}

describe("compliance overview", () => {
  it("each month's cohort, share meeting and shortfall buckets equal plain SQL", async () => {
    const { database } = app;
    const from = await today();
    const window = { from, to: addDays(from, 90) };
    const overview = await complianceOverview(appAs(database, "CA-M"), "CA-M", window);
    const months = await sql<{ month: string; total: string; meets: string; judged: string }>`
      select to_char(cycle_end, 'YYYY-MM') as month, count(*)::text as total, count(*) filter (where status = 'meets')::text as meets,
             count(*) filter (where status in ('meets', 'short', 'nothing', 'needs_review'))::text as judged
        from board.roster_entry where org_code = 'CA-M' and cycle_end between ${window.from}::date and ${window.to}::date
       group by 1 order by 1`.execute(database.owner);
    expect(overview.months.map((m) => [m.month, m.total, m.meets, m.meetsShare])).toEqual(
      months.rows.map((r) => [r.month, Number(r.total), Number(r.meets), Number(r.judged) === 0 ? null : Number(r.meets) / Number(r.judged)]),
    );
    const buckets = await sql<{ lo: string; hi: string; n: string }>`
      select count(*) filter (where short_by > 0 and short_by <= 5)::text as lo, count(*) filter (where short_by > 25)::text as hi, count(*)::text as n
        from board.roster_entry where org_code = 'CA-M' and cycle_end between ${window.from}::date and ${window.to}::date
         and status in ('short', 'nothing') and short_by > 0`.execute(database.owner);
    const b = buckets.rows[0]!;
    expect(overview.shortfall.find((x) => x.id === "0-5")!.licensees).toBe(Number(b.lo));
    expect(overview.shortfall.find((x) => x.id === "25+")!.licensees).toBe(Number(b.hi));
    expect(overview.shortfall.reduce((n, x) => n + x.licensees, 0)).toBe(Number(b.n));
    expect(Number(b.n)).toBeGreaterThan(0);
  });
});

describe("compliance on the dashboard and the compliance report", () => {
  it("the dashboard's figures and the report's CSV equal plain SQL; ACCME has no compliance report", async () => {
    const { database, server } = app;
    const caM = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const home = (await (await get(server.baseUrl, "/", caM)).text()).replace(/<!-- -->/g, "");
    const due = await sql<{ due: string; meets: string }>`select count(*)::text as due, count(*) filter (where status = 'meets')::text as meets
      from board.roster_entry where org_code = 'CA-M' and cycle_end between ${CA_TODAY} and ${CA_TODAY} + 90`.execute(database.owner);
    expect(home).toMatch(new RegExp(`data-testid="stat-renewals-due">${Number(due.rows[0]!.due).toLocaleString("en-US")}<`));
    expect(home).toMatch(new RegExp(`data-testid="stat-renewals-meeting">${Number(due.rows[0]!.meets).toLocaleString("en-US")}<`));

    const abim = await signIn(server.baseUrl, "reviewer@abim.demo.test");
    await refreshRosterStatuses(appAs(database, "ABIM"), "ABIM");
    const abimHome = (await (await get(server.baseUrl, "/", abim)).text()).replace(/<!-- -->/g, "");
    const diplomates = await sql<{ n: string }>`select count(*)::text as n
      from board.roster_entry where org_code = 'ABIM' and cycle_end >= ${boardDate("ABIM")} and learner_id is not null`.execute(database.owner);
    expect(abimHome).toContain(`data-testid="stat-diplomates">${Number(diplomates.rows[0]!.n).toLocaleString("en-US")}<`);
    // The cards for credit-type minimums are checked against SQL in renewal-shortfalls.test.ts.

    const from = await today();
    const to = addDays(from, 365);
    const csv = await get(server.baseUrl, `/reports/compliance/export?endFrom=${from}&endTo=${to}&table=months`, caM);
    expect(csv.status).toBe(200);
    const rows = parse((await csv.text()).replace(/^\uFEFF/, ""), { columns: true }) as Record<string, string>[];
    const months = await sql<{ month: string; total: string; meets: string }>`select to_char(cycle_end, 'YYYY-MM') as month, count(*)::text as total,
        count(*) filter (where status = 'meets')::text as meets
      from board.roster_entry where org_code = 'CA-M' and cycle_end between ${from}::date and ${to}::date group by 1 order by 1`.execute(database.owner);
    expect(rows.slice(0, -1).map((r) => [r["Cycle ends in"], r.Licensees, r.Meet])).toEqual(months.rows.map((m) => [m.month, m.total, m.meets]));
    expect(rows.at(-1)!.Licensees).toBe(String(months.rows.reduce((n, m) => n + Number(m.total), 0)));
    const page = await get(server.baseUrl, "/reports/compliance?endFrom=2024-13-45", caM);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("Enter a real date as YYYY-MM-DD.");
    expect((await get(server.baseUrl, "/reports/compliance/export?table=bogus", caM)).status).toBe(400);
    const accme = await signIn(server.baseUrl, "reviewer@accme.demo.test");
    expect((await get(server.baseUrl, "/reports/compliance", accme)).status).toBe(404);
  });
});

describe("renewal queue", () => {
  it("lists the window's entries, filters by status and decision, and exports the same set as plain SQL", async () => {
    const { database, server } = app;
    const cookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const page = await get(server.baseUrl, "/renewals", cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    const inWindow = await sql<{ n: string }>`select count(*)::text as n from board.roster_entry
      where org_code = 'CA-M' and cycle_end between ${CA_TODAY} and ${CA_TODAY} + 90`.execute(database.owner);
    expect(html).toContain(`${Number(inWindow.rows[0]!.n).toLocaleString("en-US")} licensee`);
    for (const status of ["meets", "short", "needs_review"]) {
      const ids = await queueIds(server.baseUrl, cookie, `status=${status}&sort=name`);
      const expected = await sql<{ key: string }>`select roster_key as key from board.roster_entry
        where org_code = 'CA-M' and status = ${status} and cycle_end between ${CA_TODAY} and ${CA_TODAY} + 90
        order by learner.fold(last_name) collate "C", learner.fold(first_name) collate "C", roster_entry.id`.execute(database.owner);
      expect(ids).toEqual(expected.rows.map((r) => r.key));
    }
    // A last-name prefix, as typed (any case, accents): the entries whose folded name starts with it.
    const sample = await sql<{ last_name: string }>`select last_name from board.roster_entry
      where org_code = 'CA-M' and cycle_end between ${CA_TODAY} and ${CA_TODAY} + 90 order by id limit 1`.execute(database.owner);
    const typed = sample.rows[0]!.last_name.slice(0, 2).toUpperCase();
    const byName = await queueIds(server.baseUrl, cookie, `lastName=${encodeURIComponent(typed)}&sort=name`);
    const expectedByName = await sql<{ key: string }>`select roster_key as key from board.roster_entry
      where org_code = 'CA-M' and cycle_end between ${CA_TODAY} and ${CA_TODAY} + 90
        and left(learner.fold(last_name), char_length(learner.fold(${typed}))) = learner.fold(${typed})
      order by learner.fold(last_name) collate "C", learner.fold(first_name) collate "C", roster_entry.id`.execute(database.owner);
    expect(byName.length).toBeGreaterThan(0);
    expect(byName).toEqual(expectedByName.rows.map((r) => r.key));
  });

  it("keyset pages of the queue sorted by progress cover every entry once, in order", async () => {
    const { database, server } = app;
    const cookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const seen: string[] = [];
    let path = "/renewals?sort=progress&size=25";
    for (let i = 0; i < 20 && path; i++) {
      const html = await (await get(server.baseUrl, path, cookie)).text();
      seen.push(...[...html.matchAll(/href="\/renewals\/(\d+)"/g)].map((m) => m[1]!));
      const anchor = html.match(/<a [^>]*rel="next"[^>]*>/)?.[0];
      path = anchor ? anchor.match(/href="([^"]*)"/)![1]!.replace(/&amp;/g, "&") : "";
    }
    const expected = await sql<{ id: string }>`select id::text from board.roster_entry
      where org_code = 'CA-M' and cycle_end between ${CA_TODAY} and ${CA_TODAY} + 90
      order by coalesce(floor(100 * credits_counted / nullif(credits_required, 0))::int, -1), roster_entry.id`.execute(database.owner);
    expect(seen).toEqual(expected.rows.map((r) => r.id));
  });

  it("bad queue parameters get a message, never a 500", async () => {
    const { server } = app;
    const cookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    for (const query of ["endFrom=2024-13-45", "status=bogus", "decision=maybe", "sort=drop%20table", "page=-1", "lastName=%3Cscript%3E", "endFrom=2026-05-01&endTo=2026-01-01", "after=!!!"]) {
      const response = await get(server.baseUrl, `/renewals?${query}`, cookie);
      expect(response.status, query).toBe(400);
      expect(await response.text(), query).toMatch(/filter-error|notice--warn/);
    }
  });
});

describe("decisions", () => {
  it("records a decision with its basis, refuses a second, lets only a supervisor supersede, and shows the history", async () => {
    const { database, server } = app;
    const reviewer = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const supervisor = await signIn(server.baseUrl, "supervisor@ca-m.demo.test");
    const entry = (
      await sql<{ id: string; learner_id: string; credits_counted: string; cycle_end: string }>`select id::text, learner_id::text, credits_counted::text, cycle_end::text from board.roster_entry
        where org_code = 'CA-M' and status = 'short' and not exists (select 1 from board.decision d where d.entry_id = roster_entry.id) order by roster_entry.id limit 1`.execute(database.owner)
    ).rows[0]!;
    const first = await post(server.baseUrl, `/renewals/${entry.id}`, reviewer, { intent: "decide", outcome: "deficient", note: "Short of the total." });
    expect(first.status).toBe(302);
    const stored = await database.owner.selectFrom("board.decision").selectAll().where("entry_id", "=", entry.id).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ outcome: "deficient", note: "Short of the total.", supersedes: null });
    expect(stored[0]!.basis).toMatchObject({ status: "short" });
    expect((stored[0]!.basis as { requirements: Array<{ id: string; counted: number }> }).requirements[0]).toMatchObject({ id: "total", counted: Number(entry.credits_counted) });

    const second = await post(server.baseUrl, `/renewals/${entry.id}`, reviewer, { intent: "decide", outcome: "compliant", note: "" });
    expect(second.status).toBe(409);
    const byReviewer = await post(server.baseUrl, `/renewals/${entry.id}`, reviewer, { intent: "supersede", supersedes: stored[0]!.id, outcome: "extension_granted", note: "", reason: "Extension approved by the board." });
    expect(byReviewer.status).toBe(403);
    const extendedTo = addDays(entry.cycle_end, 90);
    const noReason = await post(server.baseUrl, `/renewals/${entry.id}`, supervisor, { intent: "supersede", supersedes: stored[0]!.id, outcome: "extension_granted", note: "", reason: "", extendedTo });
    expect(noReason.status).toBe(400);
    const superseded = await post(server.baseUrl, `/renewals/${entry.id}`, supervisor, { intent: "supersede", supersedes: stored[0]!.id, outcome: "extension_granted", note: "90 days", reason: "Extension approved by the board.", extendedTo });
    expect(superseded.status).toBe(302);
    const again = await post(server.baseUrl, `/renewals/${entry.id}`, supervisor, { intent: "supersede", supersedes: stored[0]!.id, outcome: "exempt", note: "", reason: "Second try on the old one." });
    expect(again.status).toBe(409);

    const chain = await database.owner.selectFrom("board.decision").select(["id", "outcome", "supersedes", "supersede_reason", "extended_to"]).where("entry_id", "=", entry.id).orderBy("id").execute();
    expect(chain.map((d) => [d.outcome, d.supersedes, d.extended_to])).toEqual([
      ["deficient", null, null],
      ["extension_granted", stored[0]!.id, extendedTo],
    ]);
    const audit = await sql<{ action: string }>`select action from board.audit_event where target = ${`entry:${entry.id}`} order by id`.execute(database.owner);
    expect(audit.rows.map((r) => r.action)).toEqual(["decision.record", "decision.supersede"]);

    // The licensee page shows both, the one in force first.
    const page = await (await get(server.baseUrl, `/licensees/${entry.learner_id}`, reviewer)).text();
    const history = page.slice(page.indexOf('data-testid="licensee-decisions"'));
    expect(history.indexOf("Extension granted")).toBeGreaterThan(-1);
    expect(history.indexOf("Extension granted")).toBeLessThan(history.indexOf("Deficient"));
    expect(history).toContain("Extension approved by the board.");
  });

  it("the app's role cannot change or delete a decision", async () => {
    const { database } = app;
    await expect(sql`update board.decision set outcome = 'compliant'`.execute(database.app)).rejects.toThrow(/permission denied/);
    await expect(sql`delete from board.decision`.execute(database.app)).rejects.toThrow(/permission denied/);
  });

  it("bulk: the confirmation lists the entries SQL selects and records each of them in one go", async () => {
    const { database, server } = app;
    const reviewer = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const confirm = await (await get(server.baseUrl, "/renewals/bulk", reviewer)).text();
    const candidates = async () =>
      (
        await sql<{ id: string }>`select e.id::text from board.roster_entry e where org_code = 'CA-M' and status = 'meets' and learner_id is not null
          and cycle_end between ${CA_TODAY} and ${CA_TODAY} + 90 and not exists (select 1 from board.decision d where d.entry_id = e.id)
          order by e.cycle_end, e.id`.execute(database.owner)
      ).rows.map((r) => r.id);
    const expected = await candidates();
    expect(expected.length).toBeGreaterThan(0);
    const listed = expected.slice(0, 500);
    expect(confirm).toContain(`name="entries" value="${listed.join(",")}"`);
    expect(confirm.replace(/<!-- -->/g, "")).toContain(`${listed.length.toLocaleString("en-US")} ${listed.length === 1 ? "licensee" : "licensees"} will be recorded as compliant`);
    const done = await post(server.baseUrl, "/renewals/bulk", reviewer, { entries: listed.join(","), note: "bulk", confirm: "yes" });
    expect(done.status).toBe(200);
    expect(await candidates()).toEqual(expected.slice(500));
    const bulk = await sql<{ n: string }>`select count(*)::text as n from board.decision where org_code = 'CA-M' and bulk and outcome = 'compliant'`.execute(database.owner);
    expect(Number(bulk.rows[0]!.n)).toBe(listed.length);
  });
});

describe("audit samples", () => {
  it("the same seed draws the same licensees, from the cohort, of the size asked", async () => {
    const { database, server } = app;
    const cookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const from = await today();
    const to = addDays(from, 90);
    const draw = async (size: string, seed: string) => {
      const response = await post(server.baseUrl, "/renewals/samples", cookie, { endFrom: from, endTo: to, size, seed });
      expect(response.status).toBe(302);
      const id = response.headers.get("location")!.split("/").pop()!;
      return database.owner.selectFrom("board.audit_sample").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    };
    const a = await draw("10%", "board-2026-q4");
    const b = await draw("10%", "board-2026-q4");
    const c = await draw("10%", "another-seed");
    const cohort = await sql<{ id: string }>`select id::text from board.roster_entry where org_code = 'CA-M' and cycle_end between ${from}::date and ${to}::date`.execute(database.owner);
    expect(a.cohort_size).toBe(cohort.rows.length);
    expect(a.entry_ids).toHaveLength(Math.ceil(cohort.rows.length / 10));
    expect(b.entry_ids).toEqual(a.entry_ids);
    expect(c.entry_ids).not.toEqual(a.entry_ids);
    const ids = new Set(cohort.rows.map((r) => r.id));
    for (const id of a.entry_ids) expect(ids.has(String(id))).toBe(true);
    const bad = await post(server.baseUrl, "/renewals/samples", cookie, { endFrom: from, endTo: to, size: "lots", seed: "" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Enter a number of licensees");
  });
});

describe("requirement rules", () => {
  it("reviewers cannot edit; bad values are refused with a message; a change is versioned with before and after", async () => {
    const { database, server } = app;
    const reviewer = await signIn(server.baseUrl, "reviewer@me-m.demo.test");
    const supervisor = await signIn(server.baseUrl, "supervisor@me-m.demo.test");
    const page = await (await get(server.baseUrl, "/renewals/rules", supervisor)).text();
    const version = page.match(/name="version" value="(\d+)"/)![1]!;
    // The editor's form as the browser posts it untouched (inputs, ticked boxes and chosen options).
    const form = postForms(page).find((f) => f.fields.some(([name]) => name === "effectiveFrom"))!;
    const base = { ...Object.fromEntries(form.fields), version };
    const forbidden = await post(server.baseUrl, "/renewals/rules", reviewer, { ...base, "total.minimum": "45", reason: "New statute." });
    expect(forbidden.status).toBe(403);
    const bad = await post(server.baseUrl, "/renewals/rules", supervisor, { ...base, "total.minimum": "lots", reason: "New statute." });
    expect(bad.status).toBe(400);
    const stored = await database.owner.selectFrom("board.requirement_rule").select(["version", "rule"]).where("org_code", "=", "ME-M").executeTakeFirstOrThrow();
    expect(String(stored.version)).toBe(version);
    // Saving is previewing, then confirming what the preview showed.
    const previewed = await (await post(server.baseUrl, "/renewals/rules", supervisor, { ...base, "total.minimum": "45", reason: "Board reduced the total in its 2026 rule." })).text();
    const previewedToken = previewed.match(/name="previewed" value="([^"]*)"/)![1]!;
    const good = await post(server.baseUrl, "/renewals/rules", supervisor, { ...base, "total.minimum": "45", reason: "Board reduced the total in its 2026 rule.", intent: "save", previewed: previewedToken });
    expect(good.status).toBe(302);
    const after = await database.owner.selectFrom("board.requirement_rule").select(["version", "rule"]).where("org_code", "=", "ME-M").executeTakeFirstOrThrow();
    expect(after.version).toBe(Number(version) + 1);
    expect((after.rule as { total: { minimum: number } }).total.minimum).toBe(45);
    const change = await database.owner.selectFrom("board.requirement_rule_change").selectAll().where("org_code", "=", "ME-M").executeTakeFirstOrThrow();
    expect((change.before as { total: { minimum: number } }).total.minimum).toBe((stored.rule as { total: { minimum: number } }).total.minimum);
    expect((change.after as { total: { minimum: number } }).total.minimum).toBe(45);
    expect(change.reason).toBe("Board reduced the total in its 2026 rule.");
    // Saving from the old version again is a conflict, not a lost update.
    const stale = await post(server.baseUrl, "/renewals/rules", supervisor, { ...base, "total.minimum": "40", reason: "Older form." });
    expect(stale.status).toBe(409);
  });
});

describe("scope", () => {
  it("another organisation's entry, decision form, sample and export are unreachable; ACCME has no renewals", async () => {
    const { database, server } = app;
    const abimIds = await insertRoster(database.owner, "ABIM", 20, "certification");
    await refreshRosterStatuses(appAs(database, "ABIM"), "ABIM");
    const abimSupervisor = await signIn(server.baseUrl, "supervisor@abim.demo.test");
    const sample = await post(server.baseUrl, "/renewals/samples", abimSupervisor, { endFrom: await today("ABIM"), endTo: addDays(await today("ABIM"), 90), size: "5", seed: "abim" });
    const sampleId = sample.headers.get("location")!.split("/").pop()!;
    const caM = await signIn(server.baseUrl, "supervisor@ca-m.demo.test");
    expect((await get(server.baseUrl, `/renewals/${abimIds[0]}`, caM)).status).toBe(404);
    expect((await post(server.baseUrl, `/renewals/${abimIds[0]}`, caM, { intent: "decide", outcome: "compliant", note: "" })).status).toBe(404);
    expect((await get(server.baseUrl, `/renewals/samples/${sampleId}`, caM)).status).toBe(404);
    const decisions = await database.owner.selectFrom("board.decision").select("id").where("entry_id", "=", abimIds[0]!).execute();
    expect(decisions).toHaveLength(0);
    const keys = await queueIds(server.baseUrl, caM, "endFrom=2000-01-01&endTo=2100-01-01");
    const abimKeys = await database.owner.selectFrom("board.roster_entry").select("roster_key").where("org_code", "=", "ABIM").execute();
    for (const { roster_key } of abimKeys) expect(keys).not.toContain(roster_key);
    const accme = await signIn(server.baseUrl, "reviewer@accme.demo.test");
    for (const path of ["/renewals", "/renewals/rules", `/renewals/${abimIds[0]}`, "/renewals/export?download=csv", "/renewals/samples", "/renewals/bulk"]) {
      expect((await get(server.baseUrl, path, accme)).status, path).toBe(404);
    }
  });
});

describe("an entry whose licensee has no credit reported", () => {
  it("links to the licensee page only when the board can open it, and says why not otherwise", async () => {
    const { database, server } = app;
    const cookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const entries = await sql<{ id: string; learner_id: string; reported: boolean }>`
      select e.id::text, e.learner_id::text,
        exists (select 1 from learner.credit_report cr where cr.learner_id = e.learner_id and cr.board_code = 'CA-M' and cr.deleted_at is null) as reported
      from board.roster_entry e where e.org_code = 'CA-M' and e.learner_id is not null order by e.id`.execute(database.owner);
    const silent = entries.rows.find((e) => !e.reported);
    const reported = entries.rows.find((e) => e.reported)!;
    expect(silent, "the demo roster has a licensee with nothing reported (3% of physicians)").toBeDefined();
    const without = await (await get(server.baseUrl, `/renewals/${silent!.id}`, cookie)).text();
    expect(without).not.toContain(`href="/licensees/${silent!.learner_id}"`);
    expect(without).toContain("No credit has been reported to your board for this licensee.");
    expect((await get(server.baseUrl, `/licensees/${silent!.learner_id}`, cookie)).status).toBe(404);
    const withCredit = await (await get(server.baseUrl, `/renewals/${reported.id}`, cookie)).text();
    expect(withCredit).toContain(`href="/licensees/${reported.learner_id}"`);
    expect((await get(server.baseUrl, `/licensees/${reported.learner_id}`, cookie)).status).toBe(200);
  });
});
