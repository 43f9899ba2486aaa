// The licensee page, its transcript and the lookup, against plain SQL: identity as the board knows
// it, totals by credit type, the transcript's lines, data-rule flags, audited views, and the
// validation-tool answers (one, several, none).
import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { scopeForOrganisation } from "../../app/auth/scope.server";
import type { RecordFlag } from "../../app/lib/data-rules";
import { searchCreditReports } from "../../app/models/credits.server";
import { findLicensees, licenseeTotals } from "../../app/models/licensees.server";
import { evaluateEntryNow, getEntry } from "../../app/models/renewals.server";
import { formatDate } from "../../app/lib/format";
import { CERTIFYING_BOARDS, organisationToday } from "../../domain/reference";
import { appAs, createTestDatabase, type TestDatabase } from "../support/database";
import { get, signIn, startTestServer, type TestServer } from "../support/server";

let database: TestDatabase;
let server: TestServer;
beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
  server = await startTestServer(database);
});
afterAll(async () => {
  await server.close();
  await database.drop();
});

const certifying = sql.join(CERTIFYING_BOARDS.map((b) => sql.lit(b.code)));

/** A learner with many live records for the board, some rejected, some with topic amounts. */
async function busyLicensee(board: string): Promise<string> {
  const row = (
    await sql<{ learner_id: string }>`
      select learner_id::text from learner.credit_report where board_code = ${board} and deleted_at is null
      group by learner_id having count(*) filter (where status = 'rejected') > 0 and count(*) filter (where credit_types <> '{}') > 0
      order by count(*) desc, learner_id limit 1`.execute(database.owner)
  ).rows[0];
  if (!row) throw new Error(`no busy licensee for ${board}`);
  return row.learner_id;
}

/** The one credit-total definition in plain SQL: reported is every live record's credits; counted
 * is, per board, activity and completion day, the largest accepted amount capped at the activity's
 * binding maximum; each type the same way on its own, capped at the record's counted credits. */
const countedSql = (learner: string, board: string, from: string | null, to: string | null) => sql<{ reported: string; counted: string; accepted: string; rejected: string; records: string }>`
  with r as (
    select cr.*, case when a.format in ('Enduring Material', 'Regularly Scheduled Series', 'Course', 'Performance Improvement')
             then least(cr.credits, case when cr.board_code in (${certifying}) then coalesce(a.max_moc_credits, a.max_cme_credits) else a.max_cme_credits end)
             else cr.credits end as may
    from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
    where cr.learner_id = ${learner} and cr.board_code = ${board} and cr.deleted_at is null
      and cr.completion_date >= coalesce(${from}::date, '-infinity') and cr.completion_date <= coalesce(${to}::date, 'infinity')
  ), days as (select max(may) as best from r where status = 'accepted' group by activity_id, completion_date)
  select (select coalesce(sum(credits), 0) from r)::text as reported, (select coalesce(sum(best), 0) from days)::text as counted,
         (select count(*) from r where status = 'accepted')::text as accepted, (select count(*) from r where status = 'rejected')::text as rejected,
         (select count(*) from r)::text as records`;

const typesSql = (learner: string, board: string, from: string | null, to: string | null) => sql<{ type: string; counted: string }>`
  with r as (
    select cr.*, case when a.format in ('Enduring Material', 'Regularly Scheduled Series', 'Course', 'Performance Improvement')
             then least(cr.credits, case when cr.board_code in (${certifying}) then coalesce(a.max_moc_credits, a.max_cme_credits) else a.max_cme_credits end)
             else cr.credits end as may
    from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
    where cr.learner_id = ${learner} and cr.board_code = ${board} and cr.deleted_at is null and cr.status = 'accepted'
      and cr.completion_date >= coalesce(${from}::date, '-infinity') and cr.completion_date <= coalesce(${to}::date, 'infinity')
  ), t as (select r.activity_id, r.completion_date, k.key as type, max(least((k.value #>> '{}')::numeric, r.may)) as best
           from r, jsonb_each(r.credit_types) k group by 1, 2, 3)
  select type, sum(best)::text as counted from t group by type having sum(best) > 0 order by type`;

describe("licensee totals and transcript", () => {
  for (const [board, kind] of [["CA-M", "state_board"], ["ABIM", "certifying_board"]] as const) {
    it(`${board}: reported and counted totals per credit type equal plain SQL`, async () => {
      const learner = await busyLicensee(board);
      const scope = scopeForOrganisation({ code: board, kind });
      for (const range of [{}, { from: "2023-01-01", to: "2025-12-31" }] as Array<{ from?: string; to?: string }>) {
        const totals = await licenseeTotals(appAs(database, scope), scope, learner, range);
        const e = (await countedSql(learner, board, range.from ?? null, range.to ?? null).execute(database.owner)).rows[0]!;
        const types = await typesSql(learner, board, range.from ?? null, range.to ?? null).execute(database.owner);
        expect(totals).toHaveLength(Number(e.records) > 0 ? 1 : 0);
        if (totals.length === 0) continue;
        expect(totals[0]).toMatchObject({ boardCode: board, reported: Number(e.reported), counted: Number(e.counted), accepted: Number(e.accepted), rejected: Number(e.rejected), certifying: kind === "certifying_board" });
        expect(totals[0]!.byType.filter((t) => t.counted > 0).map((t) => ({ type: t.type, counted: t.counted }))).toEqual(types.rows.map((t) => ({ type: t.type, counted: Number(t.counted) })));
      }
    });
  }

  it("prints every record of the period with its counted credit, audits the view, and exports the same rows after the header block", async () => {
    const learner = await busyLicensee("CA-M");
    const cookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const views = async () => {
      await server.viewAudit.flush(); // views are queued, not written by the request
      return Number((await sql<{ n: string }>`select count(*) as n from board.audit_event where action = 'licensee.view' and target = ${`learner:${learner}`}`.execute(database.owner)).rows[0]!.n);
    };
    const before = await views();
    const to = organisationToday("CA-M");
    const page = await get(server.baseUrl, `/licensees/${learner}/transcript?from=2010-01-01&to=${to}`, cookie);
    expect(page.status).toBe(200);
    const html = (await page.text()).replace(/<!-- -->/g, "");
    const expected = await sql<{ activity_id: string; completion_date: string; credits: string }>`
      select activity_id, completion_date::text, credits::text from learner.credit_report
      where learner_id = ${learner} and board_code = 'CA-M' and deleted_at is null and completion_date between '2010-01-01' and ${to}::date
      order by completion_date desc, id desc`.execute(database.owner);
    const lines = html.match(/<table class="data-table transcript__lines"[\s\S]*?<\/table>/)?.[0] ?? "";
    const shown = [...lines.matchAll(/Activity (\d{9})/g)].map((m) => m[1]);
    expect(shown).toEqual(expected.rows.map((r) => r.activity_id));
    const e = (await countedSql(learner, "CA-M", "2010-01-01", to).execute(database.owner)).rows[0]!;
    const money = (n: number) => n.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    expect(html).toMatch(new RegExp(`data-testid="transcript-counted-CA-M"><strong>${money(Number(e.counted))}</strong>`));
    expect(html).toMatch(new RegExp(`data-testid="transcript-reported-CA-M">${money(Number(e.reported))}<`));
    expect(html).toContain("Medical Board of California");
    expect(html).toContain("Official transcript");
    expect(html).not.toMatch(/\(CA-M\) \(CA-M\)/);
    const code = html.match(/data-testid="transcript-code">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</)![1]!;
    expect(await views()).toBe(before + 1);
    // The licensee page is audited too, once per view.
    expect((await get(server.baseUrl, `/licensees/${learner}`, cookie)).status).toBe(200);
    expect((await get(server.baseUrl, `/licensees/${learner}?completedFrom=2024-01-01`, cookie)).status).toBe(200);
    expect(await views()).toBe(before + 3);

    const csv = await get(server.baseUrl, `/licensees/${learner}/transcript/export?download=csv&from=2010-01-01&to=${to}`, cookie);
    expect(csv.status).toBe(200);
    const rows = parse(await csv.text(), { bom: true, relax_column_count: true }) as string[][];
    expect(rows[0]).toEqual(["Official transcript", "Medical Board of California"]);
    // The same day, the same records and period: the code already issued.
    expect(rows.find((r) => r[0] === "Verification code")?.[1]).toBe(code);
    const totalsAt = rows.findIndex((r) => r[0] === "Board" && r[1] === "Credit");
    expect(rows[totalsAt + 1]!.slice(1, 4)).toEqual(["Total AMA PRA Category 1 Credits™", String(Number(e.reported)), String(Number(e.counted))]);
    const headerAt = rows.findIndex((r) => r[0] === "Completed");
    expect(rows[headerAt]).toEqual(["Completed", "Board", "Activity", "Activity id", "Provider", "Format", "Status", "Credits reported", "Credits counted", "Not counted because", "Topics / credit types"]);
    const records = rows.slice(headerAt + 1);
    expect(records.map((r) => [r[3], r[0], Number(r[7])])).toEqual(expected.rows.map((r) => [r.activity_id, r.completion_date, Number(r.credits)]));
    expect(records.reduce((sum, r) => sum + Math.round(Number(r[8]) * 100), 0) / 100).toBe(Number(e.counted));
  });
});

describe("data-rule flags", () => {
  it("flag each record exactly as the programme's rules computed in SQL say", async () => {
    // "In the future" is after the board's own day: California's, and ABIM's (New York time).
    for (const [board, kind, zone] of [["CA-M", "state_board", "America/Los_Angeles"], ["ABIM", "certifying_board", "America/New_York"]] as const) {
      const scope = scopeForOrganisation({ code: board, kind });
      // Every rejected record (they break the rules) and some accepted ones, page by page.
      const app = new Map<string, RecordFlag[]>();
      for (const status of ["rejected", "accepted"] as const) {
        let after: string | null = null;
        for (let pages = 0; pages < (status === "accepted" ? 3 : 100); pages++) {
          const { page } = await searchCreditReports(appAs(database, scope), scope, { filters: { status }, sort: { id: "completed", desc: true }, size: 100, after, before: null });
          for (const row of page.rows) app.set(row.id, row.flags);
          if (!page.next) break;
          after = page.next;
        }
      }
      const expected = await sql<{ id: string; late: boolean; over: boolean; outside: boolean; future: boolean; duplicate: boolean }>`
        select cr.id::text as id,
          (cr.submitted_at at time zone 'UTC')::date - cr.completion_date > 30 as late,
          a.format in ('Enduring Material', 'Regularly Scheduled Series', 'Course', 'Performance Improvement')
            and cr.credits > case when cr.board_code in (${certifying}) then coalesce(a.max_moc_credits, a.max_cme_credits) else a.max_cme_credits end as over,
          cr.completion_date < a.start_date
            or cr.completion_date > case when cr.board_code in (${certifying}) then coalesce(a.credit_claim_date, a.end_date) else a.end_date end as outside,
          cr.completion_date > (now() at time zone ${zone})::date or cr.completion_date > (cr.submitted_at at time zone 'UTC')::date as future,
          exists (select 1 from learner.credit_report o where o.id <> cr.id and o.status = 'accepted' and o.deleted_at is null
            and o.activity_id = cr.activity_id and o.learner_id = cr.learner_id and o.board_code = cr.board_code and o.completion_date = cr.completion_date) as duplicate
        from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
        where cr.id = any(${[...app.keys()].map(Number)}::bigint[])`.execute(database.owner);
      expect(expected.rows.length).toBe(app.size);
      const flagged: Record<RecordFlag, number> = { late: 0, overMaximum: 0, outsideDates: 0, future: 0, duplicate: 0 };
      for (const e of expected.rows) {
        const want: RecordFlag[] = [];
        if (e.late) want.push("late");
        if (e.over) want.push("overMaximum");
        if (e.outside) want.push("outsideDates");
        if (e.future) want.push("future");
        if (e.duplicate) want.push("duplicate");
        expect(app.get(e.id), `record ${e.id}`).toEqual(want);
        for (const f of want) flagged[f]++;
      }
      // The seeded rejections exercise every flag.
      for (const f of ["late", "overMaximum", "outsideDates", "future", "duplicate"] as const) expect(flagged[f], `${board} ${f}`).toBeGreaterThan(0);
    }
  });
});

describe("find a licensee", () => {
  const ca = scopeForOrganisation({ code: "CA-M", kind: "state_board" });

  it("answers one match when the details single a licensee out, with what matched", async () => {
    const person = (
      await sql<{ id: string; first_name: string; last_name: string; birth_month: number; birth_day: number; licence_id: string }>`
        select l.id::text, l.first_name, l.last_name, l.birth_month, l.birth_day, x.licence_id
        from learner.learner l join learner.licence x on x.learner_id = l.id and x.board_code = 'CA-M'
        where exists (select 1 from learner.credit_report cr where cr.learner_id = l.id and cr.board_code = 'CA-M' and cr.deleted_at is null)
        order by l.id offset 10 limit 1`.execute(database.owner)
    ).rows[0]!;
    const result = await findLicensees(appAs(database, ca), ca, {
      first: person.first_name.slice(0, 3).toLowerCase(),
      last: person.last_name.toUpperCase(),
      dob: { month: person.birth_month, day: person.birth_day },
      licence: { boardCode: "CA-M", value: person.licence_id.toUpperCase() },
    });
    expect(result.outcome).toBe("one");
    expect(result.matches.map((m) => m.id)).toEqual([person.id]);
    expect(result.matches[0]!.checks).toEqual([
      { field: "name", matched: true },
      { field: "dob", matched: true },
      { field: "licence", matched: true },
    ]);
  });

  it("answers several candidates for a common name, as many as plain SQL finds in scope", async () => {
    const common = (
      await sql<{ first_name: string; last_name: string; n: string }>`
        select l.first_name, l.last_name, count(*) as n from learner.learner l
        where exists (select 1 from learner.credit_report cr where cr.learner_id = l.id and cr.board_code = 'CA-M' and cr.deleted_at is null)
        group by 1, 2 having count(*) between 2 and 50 order by count(*) desc, 1, 2 limit 1`.execute(database.owner)
    ).rows[0]!;
    const result = await findLicensees(appAs(database, ca), ca, { first: common.first_name, last: common.last_name });
    expect(result.outcome).toBe("several");
    // Exact first name in SQL; the lookup also takes it as a prefix, so it may find a few more.
    expect(result.matches.length).toBeGreaterThanOrEqual(Number(common.n));
    expect(result.matches.every((m) => m.lastName === common.last_name && m.firstName.startsWith(common.first_name))).toBe(true);
  });

  it("answers none when a detail differs, and lists the namesakes with what did not match", async () => {
    const person = (
      await sql<{ first_name: string; last_name: string; npi: string }>`
        select l.first_name, l.last_name, l.npi from learner.learner l
        where l.npi is not null and exists (select 1 from learner.credit_report cr where cr.learner_id = l.id and cr.board_code = 'CA-M' and cr.deleted_at is null)
        order by l.id limit 1`.execute(database.owner)
    ).rows[0]!;
    const wrongNpi = person.npi === "1234567893" ? "1245319599" : "1234567893";
    const result = await findLicensees(appAs(database, ca), ca, { first: person.first_name, last: person.last_name, npi: wrongNpi });
    expect(result.outcome).toBe("none");
    expect(result.nearMatches.length).toBeGreaterThan(0);
    expect(result.nearMatches.every((c) => c.checks.some((check) => check.field === "npi" && !check.matched))).toBe(true);
  });

  it("never finds another board's licensee", async () => {
    const abimOnly = (
      await sql<{ first_name: string; last_name: string; npi: string }>`
        select l.first_name, l.last_name, l.npi from learner.learner l
        where l.npi is not null
          and exists (select 1 from learner.credit_report cr where cr.learner_id = l.id and cr.board_code = 'ABIM' and cr.deleted_at is null)
          and not exists (select 1 from learner.credit_report cr where cr.learner_id = l.id and cr.board_code = 'CA-M' and cr.deleted_at is null)
        order by l.id limit 1`.execute(database.owner)
    ).rows[0]!;
    const result = await findLicensees(appAs(database, ca), ca, { first: abimOnly.first_name, last: abimOnly.last_name, npi: abimOnly.npi });
    expect(result.outcome).toBe("none");
    expect(result.nearMatches.every((c) => c.npi !== abimOnly.npi)).toBe(true);
  });
});

describe("find a licensee by any one identifier", () => {
  const ca = scopeForOrganisation({ code: "CA-M", kind: "state_board" });
  const abim = scopeForOrganisation({ code: "ABIM", kind: "certifying_board" });
  const accme = scopeForOrganisation({ code: "ACCME", kind: "accreditor" });

  it("finds by license number alone, NPI alone and board ID alone, exactly the licensee plain SQL names", async () => {
    const person = (
      await sql<{ id: string; npi: string; licence_id: string; last_name: string }>`
        select l.id::text, l.npi, x.licence_id, l.last_name from learner.learner l join learner.licence x on x.learner_id = l.id and x.board_code = 'CA-M'
        where l.npi is not null and exists (select 1 from learner.credit_report cr where cr.learner_id = l.id and cr.board_code = 'CA-M' and cr.deleted_at is null)
        order by l.id offset 20 limit 1`.execute(database.owner)
    ).rows[0]!;
    const byLicence = await findLicensees(appAs(database, ca), ca, { licence: { boardCode: "CA-M", value: person.licence_id.toLowerCase() } });
    expect(byLicence.outcome).toBe("one");
    expect(byLicence.matches.map((m) => m.id)).toEqual([person.id]);
    const byNpi = await findLicensees(appAs(database, ca), ca, { npi: person.npi });
    expect(byNpi.matches.map((m) => m.id)).toEqual([person.id]);
    // ACCME names the state with the number.
    const accmeLicence = await findLicensees(appAs(database, accme), accme, { licence: { boardCode: "CA-M", value: person.licence_id } });
    expect(accmeLicence.matches.map((m) => m.id)).toEqual([person.id]);
    // A name narrows: the wrong last name with the right number is no match, and says what differed.
    const narrowed = await findLicensees(appAs(database, ca), ca, { last: `${person.last_name}x`, licence: { boardCode: "CA-M", value: person.licence_id } });
    expect(narrowed.outcome).toBe("none");
    expect(narrowed.nearMatches.map((m) => [m.id, m.checks])).toEqual([[person.id, [{ field: "name", matched: false }, { field: "licence", matched: true }]]]);

    const diplomate = (
      await sql<{ id: string; board_id: string }>`
        select c.learner_id::text as id, c.board_id from learner.certification c
        where c.board_code = 'ABIM' and exists (select 1 from learner.credit_report cr where cr.learner_id = c.learner_id and cr.board_code = 'ABIM' and cr.deleted_at is null)
        order by c.learner_id limit 1`.execute(database.owner)
    ).rows[0]!;
    const byBoardId = await findLicensees(appAs(database, abim), abim, { boardId: { boardCode: "ABIM", value: diplomate.board_id } });
    expect(byBoardId.matches.map((m) => m.id)).toEqual([diplomate.id]);
  });

  it("answers another organization's license number exactly like one that does not exist", async () => {
    const other = (
      await sql<{ licence_id: string; npi: string }>`
        select x.licence_id, l.npi from learner.licence x join learner.learner l on l.id = x.learner_id
        where x.board_code = 'OR-M' and l.npi is not null
          and not exists (select 1 from learner.credit_report cr where cr.learner_id = x.learner_id and cr.board_code = 'CA-M')
        order by x.learner_id limit 1`.execute(database.owner)
    ).rows[0]!;
    const asOther = await findLicensees(appAs(database, ca), ca, { licence: { boardCode: "CA-M", value: other.licence_id } });
    const asForeignBoard = await findLicensees(appAs(database, ca), ca, { licence: { boardCode: "OR-M", value: other.licence_id } });
    const byNpi = await findLicensees(appAs(database, ca), ca, { npi: other.npi });
    const missing = await findLicensees(appAs(database, ca), ca, { licence: { boardCode: "CA-M", value: "ZZ999999" } });
    for (const answer of [asOther, asForeignBoard, byNpi]) expect(answer).toEqual(missing);
    expect(missing).toEqual({ outcome: "none", matches: [], nearMatches: [], truncated: false });

    // Through the page: the same words for both.
    const cookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const text = async (q: string) => (await (await get(server.baseUrl, `/licensees?${q}`, cookie)).text()).replace(/<!-- -->/g, "").replace(/value="[^"]*"/g, "").replace(/licence=[^"&]*/g, "");
    const a = await text(`licence=${encodeURIComponent(other.licence_id)}`);
    const b = await text("licence=ZZ999999");
    expect(a).toContain("No licensee matched.");
    expect(a.match(/<section aria-live[\s\S]*?<\/section>/)?.[0]).toBe(b.match(/<section aria-live[\s\S]*?<\/section>/)?.[0]);
  });

  it("asks for a name only when no identifier is given, and for the state when ACCME gives a license number", async () => {
    const ca = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const onlyDob = await get(server.baseUrl, "/licensees?dob=03/17", ca);
    expect(onlyDob.status).toBe(400);
    expect(await onlyDob.text()).toContain("Enter the first name, or look up by license number or NPI.");
    const accme = await signIn(server.baseUrl, "reviewer@accme.demo.test");
    const noState = await get(server.baseUrl, "/licensees?licence=A12345", accme);
    expect(noState.status).toBe(400);
    expect(await noState.text()).toContain("Choose the state board that issued the license.");
  });
});

describe("one credit total on every screen, and the transcript's verification code", () => {
  it("the licensee page, the transcript and the renewal check count a duplicate pair, an over-maximum, a rejected and a deleted record as plain SQL does", async () => {
    const ca = scopeForOrganisation({ code: "CA-M", kind: "state_board" });
    const entry = (
      await sql<{ id: string; learner_id: string }>`
        select id::text, learner_id::text from board.roster_entry
        where org_code = 'CA-M' and learner_id is not null and retired_at is null and cycle_end >= current_date + 30
        order by cycle_end, id limit 1`.execute(database.owner)
    ).rows[0]!;
    const learner = entry.learner_id;
    const detail = (await getEntry(appAs(database, ca), "CA-M", entry.id))!;
    const live = await evaluateEntryNow(appAs(database, ca), detail);
    if (live.kind !== "evaluated") throw new Error(`entry ${entry.id} could not be evaluated: ${live.kind}`);
    // A day of the cycle that has passed (completions in the future are flagged, never the point here).
    const day = live.cycle.start;
    const uncapped = (await sql<{ id: string }>`select id from learner.activity where format = 'Internet Live Course' order by id limit 1`.execute(database.owner)).rows[0]!.id;
    const capped = (await sql<{ id: string; max: string }>`select id, max_cme_credits::text as max from learner.activity where format = 'Course' and max_cme_credits between 1 and 20 order by id limit 1`.execute(database.owner)).rows[0]!;
    const insert = (activity: string, credits: number, more: { status?: string; deleted?: boolean } = {}) => sql`
      insert into learner.credit_report (activity_id, learner_id, board_code, completion_date, submitted_at, entry_method, status, rejection_reason, credits, credit_types, deleted_at)
      values (${activity}, ${learner}, 'CA-M', ${day}::date, ${day}::date + interval '2 days', 'manual', ${more.status ?? "accepted"},
              ${more.status === "rejected" ? "Duplicate record" : null}, ${credits}, '{}', ${more.deleted ? sql`now()` : null})`.execute(database.owner);
    await insert(uncapped, 13); // a duplicate pair: 13 and 5 on one day of one activity count 13
    await insert(uncapped, 5);
    await insert(capped.id, Number(capped.max) + 2); // 2 over the activity's maximum
    await insert(uncapped, 4, { status: "rejected" });
    await insert(capped.id, 6, { deleted: true });

    const to = live.extendedTo ?? live.cycle.end;
    const expected = (await countedSql(learner, "CA-M", live.cycle.start, to).execute(database.owner)).rows[0]!;
    const counted = Number(expected.counted);
    // The model
    const [totals] = await licenseeTotals(appAs(database, ca), ca, learner, { from: live.cycle.start, to });
    expect(totals!.counted).toBe(counted);
    expect(totals!.reported).toBe(Number(expected.reported));
    expect(totals!.notCounted.map((n) => n.code)).toEqual(expect.arrayContaining(["rejected", "duplicate", "overMaximum"]));
    // The renewal check (California has no daily or yearly cap)
    const after = await evaluateEntryNow(appAs(database, ca), detail);
    if (after.kind !== "evaluated") throw new Error("not evaluated");
    expect(after.evaluation.requirements[0]!.counted).toBe(counted);
    // The licensee page (its totals default to the current cycle) and the transcript opened from the entry
    const cookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const money = (n: number) => n.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    const page = (await (await get(server.baseUrl, `/licensees/${learner}`, cookie)).text()).replace(/<!-- -->/g, "");
    expect(page).toContain(`data-testid="totals-counted-CA-M">${money(counted)}<`);
    expect(page).toContain(`data-testid="cycle-counted">${money(counted)} of `);
    expect(page).toContain(`href="/renewals/${entry.id}"`);
    const transcript = (await (await get(server.baseUrl, `/licensees/${learner}/transcript?entry=${entry.id}`, cookie)).text()).replace(/<!-- -->/g, "");
    expect(transcript).toContain(`data-testid="transcript-counted-CA-M"><strong>${money(counted)}</strong>`);
    expect(transcript).toContain(`${formatDate(live.cycle.start)} – ${formatDate(to)}`);
    expect(transcript).toMatch(/Duplicate<\/span> Same activity and completion day as record \d+/);
    expect(transcript).toContain("over the activity&#x27;s maximum");
  });

  it("verifies a code as authentic, says what changed, and answers another organization's or a malformed code as unknown", async () => {
    const learner = await busyLicensee("CA-M");
    const cookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const to = organisationToday("CA-M");
    const html = (await (await get(server.baseUrl, `/licensees/${learner}/transcript?from=2020-01-01&to=${to}`, cookie)).text()).replace(/<!-- -->/g, "");
    const printed = html.match(/data-testid="transcript-code">([0-9A-Z-]{14})</)![1]!;
    const stored = await sql<{ n: string }>`select count(*)::text as n from board.issued_transcript where code = ${printed.replace(/-/g, "")} and org_code = 'CA-M' and learner_id = ${learner}`.execute(database.owner);
    expect(stored.rows[0]!.n).toBe("1");

    const first = await get(server.baseUrl, `/verify/${printed}`, cookie);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('data-outcome="unchanged"');
    // Typed in lower case without dashes, it is the same code.
    expect((await get(server.baseUrl, `/verify/${printed.replace(/-/g, "").toLowerCase()}`, cookie)).status).toBe(200);

    // A provider adds a record in the period: authentic, but changed, and by how much.
    const before = (await countedSql(learner, "CA-M", "2020-01-01", to).execute(database.owner)).rows[0]!;
    const activity = (await sql<{ id: string }>`select id from learner.activity where format = 'Internet Live Course' order by id desc limit 1`.execute(database.owner)).rows[0]!.id;
    await sql`insert into learner.credit_report (activity_id, learner_id, board_code, completion_date, submitted_at, entry_method, status, credits, credit_types)
      values (${activity}, ${learner}, 'CA-M', ${to}::date - 3, now(), 'manual', 'accepted', 2.5, '{}')`.execute(database.owner);
    const changed = (await (await get(server.baseUrl, `/verify/${printed}`, cookie)).text()).replace(/<!-- -->/g, "");
    expect(changed).toContain('data-outcome="changed"');
    expect(changed).toContain(`records ${before.records} then, ${Number(before.records) + 1} now`);
    expect(changed).toContain(`counted ${Number(before.counted).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",")} then`);

    // Another organization's user: unknown, as a code never issued.
    const oregon = await signIn(server.baseUrl, "reviewer@or-m.demo.test");
    expect((await get(server.baseUrl, `/verify/${printed}`, oregon)).status).toBe(404);
    for (const bad of ["ZZZZ-ZZZZ-ZZZZ", "abc", "%00", "UUUU-UUUU-UUUU", "x".repeat(300), "'%20or%201=1--"]) {
      const answer = await get(server.baseUrl, `/verify/${bad}`, cookie);
      expect(answer.status, bad).toBe(404);
      expect(await answer.text()).toContain("Unknown verification code");
    }
    const audits = await sql<{ action: string; n: string }>`select action, count(*)::text as n from board.audit_event where action in ('transcript.issue', 'transcript.verify') group by action order by action`.execute(database.owner);
    expect(audits.rows.map((r) => r.action)).toEqual(["transcript.issue", "transcript.verify"]);
    expect(Number(audits.rows[1]!.n)).toBeGreaterThanOrEqual(10);
  });
});
