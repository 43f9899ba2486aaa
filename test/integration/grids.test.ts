// The one grid pipeline (app/models/grid.server.ts) on the seeded store, for every grid: a filter that
// cannot be read lists nothing and says why; "last" reads the final page, which is the plain-SQL
// tail of the same order (and "previous" from it the page before); remembered columns are the
// user's own and never another's, and the URL's choice wins.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { scopeForOrganisation } from "../../app/auth/scope.server";
import type { SessionUser } from "../../app/auth/session.server";
import { parseActivitySearch } from "../../app/lib/activity-search";
import { CREDIT_COLUMNS, LICENSEE_RECORD_COLUMNS, ACTIVITY_LEARNER_COLUMNS } from "../../app/lib/credit-search";
import { renewalColumns } from "../../app/lib/renewal-search";
import { loadCreditGrid } from "../../app/models/credit-grid.server";
import { loadGrid } from "../../app/models/grid.server";
import { activityGrid, renewalGrid } from "../../app/models/list-grids.server";
import { getColumnChoice, saveColumnChoice } from "../../app/models/preferences.server";
import { renewalState } from "../../app/models/renewal-page.server";
import { orgWords } from "../../domain/org-words";
import { appAs, createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
});
afterAll(() => database.drop());

async function userOf(email: string): Promise<SessionUser> {
  const row = (
    await sql<{ id: string; role: string; code: string; name: string; kind: string }>`
      select u.id::text, u.role, o.code, o.name, o.kind from board.staff_user u join board.organisation o on o.code = u.org_code
       where u.email = ${email}`.execute(database.owner)
  ).rows[0];
  if (!row) throw new Error(`no user ${email}`);
  const org = { code: row.code, name: row.name, kind: row.kind };
  return { id: row.id, email, displayName: email, role: row.role as SessionUser["role"], org, scope: scopeForOrganisation(org), sessionHash: "test" };
}

const q = (text: string) => new URLSearchParams(text);
const dbFor = (user: SessionUser) => appAs(database, user.scope);

/** Every grid, loaded for a user with a query string. */
async function loadAny(grid: string, user: SessionUser, query: string) {
  const db = dbFor(user);
  const params = q(query);
  switch (grid) {
    case "credits":
      return loadCreditGrid(db, user, params, { columns: CREDIT_COLUMNS });
    case "activity learners": {
      const activityId = await firstActivity(user.org.code);
      return loadCreditGrid(db, user, params, { columns: ACTIVITY_LEARNER_COLUMNS, fixed: { activityId } });
    }
    case "licensee records": {
      const learnerId = await busiestLearner(user.org.code);
      return loadCreditGrid(db, user, params, { columns: LICENSEE_RECORD_COLUMNS, fixed: { learnerId } });
    }
    case "activities":
      return loadGrid(db, user, params, parseActivitySearch(params, { multiBoard: false }), activityGrid(db, user));
    case "renewals": {
      const { state, today, measures } = await renewalState(db, user, params);
      const columns = renewalColumns({ words: orgWords("state_board"), unit: measures.unit });
      return loadGrid(db, user, params, state, renewalGrid(db, user, { window: state.window, today, columns }));
    }
    default:
      throw new Error(grid);
  }
}

async function firstActivity(board: string): Promise<string> {
  const r = await sql<{ id: string }>`select activity_id as id from learner.credit_report where board_code = ${board} and deleted_at is null
    group by activity_id order by count(*) desc, activity_id limit 1`.execute(database.owner);
  return r.rows[0]!.id;
}

async function busiestLearner(board: string): Promise<string> {
  const r = await sql<{ id: string }>`select learner_id::text as id from learner.credit_report where board_code = ${board} and deleted_at is null
    group by learner_id order by count(*) desc, learner_id limit 1`.execute(database.owner);
  return r.rows[0]!.id;
}

describe("a filter that cannot be read lists nothing", () => {
  const cases: Array<[grid: string, query: string, field: string]> = [
    ["credits", "dob=13/45", "dob"],
    ["credits", "completedFrom=2025-06-01&completedTo=2025-01-01", "completedTo"],
    ["credits", "submittedFrom=2025-02-30", "submittedFrom"],
    ["activity learners", "npi=123", "npi"],
    ["licensee records", "completedFrom=2025-06-01&completedTo=2025-01-01", "completedTo"],
    ["activities", "from=2025-06-01&to=2025-01-01", "to"],
    ["activities", "format=Podcast", "format"],
    ["renewals", "lastName=R2D2", "lastName"],
    ["renewals", "endFrom=2026-13-01", "endFrom"],
  ];
  for (const [grid, query, field] of cases) {
    it(`${grid}: ?${query}`, async () => {
      const user = await userOf("reviewer@ca-m.demo.test");
      // The same grid without the bad filter lists rows: the empty answer is the refusal, not the data.
      const unfiltered = await loadAny(grid, user, "");
      expect(unfiltered.rows.length, `${grid} has rows to hide`).toBeGreaterThan(0);
      const data = await loadAny(grid, user, query);
      expect(data.refused).toBe(true);
      expect(Object.keys(data.filterErrors)).toContain(field);
      expect(data.filterErrors[field]).toMatch(/\w/);
      expect(data.rows).toEqual([]);
      expect(data.count?.value).toBe(0);
      expect(data.next).toBeNull();
    });
  }

  it("a bad page, sort or size is a notice, and the list still lists", async () => {
    const user = await userOf("reviewer@ca-m.demo.test");
    const data = await loadAny("credits", user, "sort=nonsense&size=7&page=first");
    expect(data.refused).toBe(false);
    expect(data.notices.length).toBe(3);
    expect(data.rows.length).toBeGreaterThan(0);
  });
});

describe("the last page is the end of the list", () => {
  it("credits of one licensee: last page and the one before it, against plain SQL", async () => {
    const user = await userOf("reviewer@ca-m.demo.test");
    const learnerId = await busiestLearner("CA-M");
    const expected = (
      await sql<{ rid: string }>`select id::text as rid from learner.credit_report where board_code = 'CA-M' and learner_id = ${learnerId} and deleted_at is null
        order by submitted_at desc, id desc`.execute(database.owner)
    ).rows.map((r) => r.rid);
    expect(expected.length).toBeGreaterThan(25);
    const db = dbFor(user);
    const last = await loadCreditGrid(db, user, q("page=last"), { columns: LICENSEE_RECORD_COLUMNS, fixed: { learnerId } });
    const pages = Math.ceil(expected.length / 25);
    expect(last.count).toMatchObject({ value: expected.length, exact: true, pages });
    expect(last.page).toBe(pages);
    expect(last.next).toBeNull();
    expect(last.rows.map((r) => r.id)).toEqual(expected.slice((pages - 1) * 25));
    // Previous from the last page: the page before it, in order.
    expect(last.previous).not.toBeNull();
    const before = await loadCreditGrid(db, user, q(`before=${last.previous}&page=${pages - 1}`), { columns: LICENSEE_RECORD_COLUMNS, fixed: { learnerId } });
    expect(before.rows.map((r) => r.id)).toEqual(expected.slice((pages - 2) * 25, (pages - 1) * 25));
    expect(before.page).toBe(pages - 1);
  });

  it("credits of one activity sorted by credits ascending: the tail, ties broken by id", async () => {
    const user = await userOf("reviewer@ca-m.demo.test");
    const activityId = await firstActivity("CA-M");
    const expected = (
      await sql<{ rid: string }>`select id::text as rid from learner.credit_report where board_code = 'CA-M' and activity_id = ${activityId} and deleted_at is null
        order by credits asc, id asc`.execute(database.owner)
    ).rows.map((r) => r.rid);
    const data = await loadCreditGrid(dbFor(user), user, q("sort=credits&dir=asc&size=50&page=last"), { columns: ACTIVITY_LEARNER_COLUMNS, fixed: { activityId } });
    const pages = Math.max(1, Math.ceil(expected.length / 50));
    expect(data.count?.pages).toBe(pages);
    expect(data.rows.map((r) => r.id)).toEqual(expected.slice((pages - 1) * 50));
  });

  it("activities of one provider: the tail of the list's order", async () => {
    const user = await userOf("reviewer@ca-m.demo.test");
    const provider = (
      await sql<{ id: string }>`select a.provider_id as id from learner.activity a
        where exists (select 1 from learner.credit_report cr where cr.activity_id = a.id and cr.board_code = 'CA-M' and cr.deleted_at is null)
        group by a.provider_id order by count(*) desc, a.provider_id limit 1`.execute(database.owner)
    ).rows[0]!.id;
    const expected = (
      await sql<{ id: string }>`select a.id from learner.activity a
        where a.provider_id = ${provider}
          and exists (select 1 from learner.credit_report cr where cr.activity_id = a.id and cr.board_code = 'CA-M' and cr.deleted_at is null)
        order by a.start_date desc, a.id desc`.execute(database.owner)
    ).rows.map((r) => r.id);
    expect(expected.length).toBeGreaterThan(25);
    const data = await loadAny("activities", user, `provider=${provider}&page=last`);
    const pages = Math.ceil(expected.length / 25);
    expect(data.count).toMatchObject({ value: expected.length, exact: true, pages });
    expect(data.rows.map((r) => (r as { id: string }).id)).toEqual(expected.slice((pages - 1) * 25));
  });

  it("the renewal queue over a wide window: the tail by cycle end", async () => {
    const user = await userOf("reviewer@ca-m.demo.test");
    const expected = (
      await sql<{ rid: string }>`select id::text as rid from board.roster_entry where org_code = 'CA-M' and retired_at is null
        and cycle_end between '2020-01-01' and '2035-12-31' order by cycle_end, id`.execute(database.owner)
    ).rows.map((r) => r.rid);
    expect(expected.length).toBeGreaterThan(25);
    const data = await loadAny("renewals", user, "endFrom=2020-01-01&endTo=2035-12-31&page=last");
    const pages = Math.ceil(expected.length / 25);
    expect(data.count).toMatchObject({ value: expected.length, exact: true, pages });
    expect(data.page).toBe(pages);
    expect(data.rows.map((r) => (r as { id: string }).id)).toEqual(expected.slice((pages - 1) * 25));
  });
});

describe("remembered columns", () => {
  it("are the user's own: another user (same organization or not) keeps the usual columns, and the URL wins", async () => {
    const reviewer = await userOf("reviewer@ca-m.demo.test");
    const supervisor = await userOf("supervisor@ca-m.demo.test");
    const other = await userOf("reviewer@or-m.demo.test");
    await saveColumnChoice(dbFor(reviewer), reviewer, "credits", { hide: ["dob", "provider"], show: ["npi"] }, null);

    const mine = await loadAny("credits", reviewer, "");
    expect(mine.remembered).toBe(true);
    expect(mine.visible).not.toContain("dob");
    expect(mine.visible).not.toContain("provider");
    expect(mine.visible).toContain("npi");

    for (const user of [supervisor, other]) {
      const theirs = await loadAny("credits", user, "");
      expect(theirs.remembered).toBe(false);
      expect(theirs.visible).toContain("dob");
      expect(theirs.visible).not.toContain("npi");
    }

    // The URL's choice wins over the remembered one.
    const asked = await loadAny("credits", reviewer, "show=format");
    expect(asked.remembered).toBe(false);
    expect(asked.visible).toContain("dob");
    expect(asked.visible).toContain("format");

    // Another grid of the same user is not affected.
    expect((await loadAny("activities", reviewer, "")).remembered).toBe(false);

    // Row-level security: another organization cannot read the row, even by the user's id.
    expect(await getColumnChoice(dbFor(other), reviewer.id, "credits", CREDIT_COLUMNS.map((c) => c.id))).toBeNull();
    await expect(
      sql`insert into board.user_preference (user_id, org_code, key, value) values (${reviewer.id}::uuid, 'CA-M', 'columns:activities', '{"hide":[],"show":[]}')`.execute(dbFor(other)),
    ).rejects.toThrow(/row-level security/);

    // Forgetting: the usual columns again; every save and forget is audited.
    await saveColumnChoice(dbFor(reviewer), reviewer, "credits", null, null);
    expect((await loadAny("credits", reviewer, "")).remembered).toBe(false);
    const audits = await sql<{ n: string }>`select count(*)::text as n from board.audit_event where action = 'preferences.update' and user_id = ${reviewer.id}::uuid`.execute(database.owner);
    expect(Number(audits.rows[0]!.n)).toBe(2);
  });

  it("a remembered column the grid no longer has is ignored", async () => {
    const reviewer = await userOf("reviewer@abim.demo.test");
    await sql`insert into board.user_preference (user_id, org_code, key, value) values (${reviewer.id}::uuid, 'ABIM', 'columns:credits', '{"hide":["gone","status"],"show":["npi"]}')`.execute(database.owner);
    const data = await loadAny("credits", reviewer, "");
    expect(data.visible).not.toContain("status");
    expect(data.visible).toContain("npi");
  });
});
