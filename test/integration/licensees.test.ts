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
import { CERTIFYING_BOARDS, STATE_TOPICS } from "../../domain/reference";
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

describe("licensee totals and transcript", () => {
  for (const [board, kind] of [["CA-M", "state_board"], ["ABIM", "certifying_board"]] as const) {
    it(`${board}: totals per credit type equal plain SQL sums of accepted, in-range records`, async () => {
      const learner = await busyLicensee(board);
      const scope = scopeForOrganisation({ code: board, kind });
      for (const range of [{}, { from: "2023-01-01", to: "2025-12-31" }]) {
        const totals = await licenseeTotals(appAs(database, scope), scope, learner, range);
        const expected = await sql<{ credits: string; accepted: string; rejected: string }>`
          select coalesce(sum(credits) filter (where status = 'accepted'), 0)::text as credits,
                 count(*) filter (where status = 'accepted')::text as accepted, count(*) filter (where status = 'rejected')::text as rejected
          from learner.credit_report where learner_id = ${learner} and board_code = ${board} and deleted_at is null
            and completion_date >= coalesce(${range.from ?? null}::date, '-infinity') and completion_date <= coalesce(${range.to ?? null}::date, 'infinity')`.execute(database.owner);
        const types = await sql<{ type: string; credits: string }>`
          select t.key as type, sum((t.value #>> '{}')::numeric)::text as credits
          from learner.credit_report cr, jsonb_each(cr.credit_types) t
          where learner_id = ${learner} and board_code = ${board} and deleted_at is null and status = 'accepted'
            and completion_date >= coalesce(${range.from ?? null}::date, '-infinity') and completion_date <= coalesce(${range.to ?? null}::date, 'infinity')
          group by t.key order by t.key`.execute(database.owner);
        const e = expected.rows[0]!;
        expect(totals).toHaveLength(Number(e.accepted) + Number(e.rejected) > 0 ? 1 : 0);
        if (totals.length === 0) continue;
        expect(totals[0]).toMatchObject({ boardCode: board, credits: Number(e.credits), accepted: Number(e.accepted), rejected: Number(e.rejected), certifying: kind === "certifying_board" });
        expect(totals[0]!.byType).toEqual(types.rows.map((t) => ({ type: t.type, credits: Number(t.credits) })));
      }
    });
  }

  it("prints the accepted lines and totals, audits the view, and exports the same lines as CSV", async () => {
    const learner = await busyLicensee("CA-M");
    const cookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const views = async () => {
      await server.viewAudit.flush(); // views are queued, not written by the request
      return Number((await sql<{ n: string }>`select count(*) as n from board.audit_event where action = 'licensee.view' and target = ${`learner:${learner}`}`.execute(database.owner)).rows[0]!.n);
    };
    const before = await views();
    const page = await get(server.baseUrl, `/licensees/${learner}/transcript`, cookie);
    expect(page.status).toBe(200);
    const html = (await page.text()).replace(/<!-- -->/g, "");
    const expected = await sql<{ activity_id: string; completion_date: string; credits: string }>`
      select activity_id, completion_date::text, credits::text from learner.credit_report
      where learner_id = ${learner} and board_code = 'CA-M' and deleted_at is null and status = 'accepted'
      order by completion_date desc, id desc`.execute(database.owner);
    const lines = html.match(/<table class="data-table transcript__lines"[\s\S]*?<\/table>/)?.[0] ?? "";
    const shown = [...lines.matchAll(/Activity (\d{9})/g)].map((m) => m[1]);
    expect(shown).toEqual(expected.rows.map((r) => r.activity_id));
    const total = expected.rows.reduce((sum, r) => sum + Number(r.credits), 0);
    expect(html).toContain(`data-testid="transcript-total-CA-M"`);
    expect(html).toMatch(new RegExp(`Total AMA PRA Category 1 Credits™</td><td class="num">${total.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",")}</td>`));
    expect(await views()).toBe(before + 1);
    // The licensee page is audited too, once per view.
    expect((await get(server.baseUrl, `/licensees/${learner}`, cookie)).status).toBe(200);
    expect((await get(server.baseUrl, `/licensees/${learner}?completedFrom=2024-01-01`, cookie)).status).toBe(200);
    expect(await views()).toBe(before + 3);

    const csv = await get(server.baseUrl, `/licensees/${learner}/transcript/export?download=csv`, cookie);
    expect(csv.status).toBe(200);
    const [header, ...rows] = parse(await csv.text(), { bom: true }) as string[][];
    // One numeric column per topic California's records carry, instead of one text cell.
    expect(header).toEqual(["Completed", "Activity", "Activity id", "Provider", "Credits", ...STATE_TOPICS]);
    expect(rows.map((r) => [r[2], r[0], Number(r[4])])).toEqual(expected.rows.map((r) => [r.activity_id, r.completion_date, Number(r.credits)]));
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
      licence: person.licence_id.toUpperCase(),
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
