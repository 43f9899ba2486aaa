// The activity list (Learner Summary by Activity) and an activity's learners, against plain SQL:
// which activities a board sees, their accepted / rejected / late counts, every page in order.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { scopeForOrganisation, type Scope } from "../../app/auth/scope.server";
import { ACTIVITY_GRID, parseActivitySearch } from "../../app/lib/activity-search";
import { getActivity, listActivities, type ActivityFilters } from "../../app/models/activities.server";
import { searchCreditReports } from "../../app/models/credits.server";
import { appAs, createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
});
afterAll(() => database.drop());

const CA = scopeForOrganisation({ code: "CA-M", kind: "state_board" });
const ABS = scopeForOrganisation({ code: "ABS", kind: "certifying_board" });
const ACCME = scopeForOrganisation({ code: "ACCME", kind: "accreditor" });

async function allActivities(scope: Scope, filters: ActivityFilters, sort = ACTIVITY_GRID.defaultSort) {
  const rows = [];
  let after: string | null = null;
  for (let pages = 0; pages < 200; pages++) {
    const page = await listActivities(appAs(database, scope), scope, { filters, sort, size: 100, after, before: null });
    rows.push(...page.rows);
    if (!page.next) return rows;
    after = page.next;
  }
  throw new Error("too many pages");
}

/** Activities with live records for the board (any board when null), with the board's counts. */
async function expected(board: string | null, where = sql`true`, orderBy = sql`a.start_date desc, a.id desc`) {
  return (
    await sql<{ id: string; accepted: number; rejected: number; late: number }>`
      select a.id, count(*) filter (where cr.status = 'accepted')::int as accepted, count(*) filter (where cr.status = 'rejected')::int as rejected,
             count(*) filter (where (cr.submitted_at at time zone 'UTC')::date - cr.completion_date > 30)::int as late
      from learner.activity a join learner.provider p on p.id = a.provider_id
      join learner.credit_report cr on cr.activity_id = a.id and cr.deleted_at is null and (${board}::text is null or cr.board_code = ${board})
      where ${where}
      group by a.id, a.start_date, a.title, p.name, p.id
      order by ${orderBy}`.execute(database.owner)
  ).rows;
}

describe("activities with credit reported to the board", () => {
  for (const [name, scope, board] of [["CA-M", CA, "CA-M"], ["ABS", ABS, "ABS"], ["ACCME", ACCME, null]] as const) {
    it(`${name}: exactly the activities plain SQL finds, with the same counts, page after page`, async () => {
      const want = await expected(board);
      expect(want.length).toBeGreaterThan(20);
      const got = await allActivities(scope, {});
      expect(got.map((r) => ({ id: r.id, accepted: r.accepted, rejected: r.rejected, late: r.late }))).toEqual(want);
    });
  }

  it("filters by format, MOC and dates, and sorts by title and provider as SQL does", async () => {
    const cases: Array<[ActivityFilters, ReturnType<typeof sql>, { id: string; desc: boolean }, ReturnType<typeof sql>]> = [
      [{ format: ["Course"] }, sql`a.format = 'Course'`, { id: "title", desc: false }, sql`learner.fold(a.title) collate "C", a.id`],
      [{ moc: true }, sql`a.moc`, { id: "provider", desc: true }, sql`learner.fold(p.name) collate "C" desc, p.id desc, a.id desc`],
      [{ from: "2024-01-01", to: "2024-03-31" }, sql`a.end_date >= '2024-01-01' and a.start_date <= '2024-03-31'`, { id: "end", desc: false }, sql`a.end_date, a.id`],
    ];
    for (const [filters, where, sort, orderBy] of cases) {
      const want = await expected("CA-M", where, orderBy);
      expect(want.length, JSON.stringify(filters)).toBeGreaterThan(0);
      expect((await allActivities(CA, filters, sort)).map((r) => r.id), JSON.stringify(filters)).toEqual(want.map((w) => w.id));
    }
  });

  it("shows an activity only to boards it has credit for, and lists its learners for that board", async () => {
    const activity = (
      await sql<{ activity_id: string }>`
        select activity_id from learner.credit_report where board_code = 'CA-M' and deleted_at is null
          and activity_id not in (select activity_id from learner.credit_report where board_code = 'ABS')
        group by activity_id order by count(*) desc limit 1`.execute(database.owner)
    ).rows[0]!.activity_id;
    expect(await getActivity(appAs(database, CA), CA, activity)).not.toBeNull();
    expect(await getActivity(appAs(database, ABS), ABS, activity)).toBeNull();
    const { page } = await searchCreditReports(appAs(database, CA), CA, { filters: { activityId: activity }, sort: { id: "completed", desc: true }, size: 100, after: null, before: null });
    const want = await sql<{ id: string }>`
      select cr.id::text from learner.credit_report cr where cr.activity_id = ${activity} and cr.board_code = 'CA-M' and cr.deleted_at is null
      order by cr.completion_date desc, cr.id desc`.execute(database.owner);
    // The first page of its learners (the most-reported activity may have more than a page).
    expect(want.rows.length).toBeGreaterThan(0);
    expect(page.rows.map((r) => r.id)).toEqual(want.rows.slice(0, 100).map((r) => r.id));
  });
});

describe("PARS's activity filters and its learners-accepted order, against plain SQL", () => {
  it("the demo store gives a realistic share of activities a joint provider (about a fifth)", async () => {
    const { joint, total } = (
      await sql<{ joint: number; total: number }>`select count(joint_provider_name)::int as joint, count(*)::int as total from learner.activity`.execute(database.owner)
    ).rows[0]!;
    expect(joint / total).toBeGreaterThan(0.12);
    expect(joint / total).toBeLessThan(0.35);
  });

  it("activity status, providership, joint provider, provider state / city / country: each alone, as each organization sees it", async () => {
    const partner = (
      await sql<{ name: string }>`select joint_provider_name as name from learner.activity where joint_provider_name like 'Kaiser%' limit 1`.execute(database.owner)
    ).rows[0]!.name;
    const cases: Array<[ActivityFilters, ReturnType<typeof sql>]> = [
      [{ status: "inactive" }, sql`a.status = 'inactive'`],
      [{ status: "active" }, sql`a.status = 'active'`],
      [{ providership: "joint" }, sql`a.joint_provider_name is not null`],
      [{ providership: "direct" }, sql`a.joint_provider_name is null`],
      [{ jointProvider: ["kaiser", "perm"] }, sql`a.joint_provider_name = ${partner}`],
      [{ providerState: "CA" }, sql`p.state = 'CA'`],
      [{ providerCity: "san" }, sql`lower(p.city) like 'san%'`],
      [{ providerCity: "Portland" }, sql`p.city = 'Portland'`],
      [{ providerCountry: "US" }, sql`p.country = 'US'`],
      [{ providerCountry: "CA" }, sql`p.country = 'CA'`],
    ];
    for (const [name, scope, board] of [["CA-M", CA, "CA-M"], ["ABS", ABS, "ABS"], ["ACCME", ACCME, null]] as const) {
      for (const [filters, where] of cases) {
        const want = await expected(board, where);
        // Each filter finds something somewhere (Canada aside: every demo provider is in the US).
        if (!("providerCountry" in filters && filters.providerCountry === "CA") && board !== "ABS") expect(want.length, `${name} ${JSON.stringify(filters)}`).toBeGreaterThan(0);
        const got = await allActivities(scope, filters);
        expect(got.map((r) => ({ id: r.id, accepted: r.accepted, rejected: r.rejected, late: r.late })), `${name} ${JSON.stringify(filters)}`).toEqual(want);
      }
    }
  });

  it("filters combine, and the rows carry the provider's place and the joint provider", async () => {
    const filters: ActivityFilters = { providership: "joint", providerState: "CA", status: "active" };
    const want = await expected("CA-M", sql`a.joint_provider_name is not null and p.state = 'CA' and a.status = 'active'`);
    expect(want.length).toBeGreaterThan(0);
    const got = await allActivities(CA, filters);
    expect(got.map((r) => r.id)).toEqual(want.map((w) => w.id));
    const places = (
      await sql<{ id: string; city: string; state: string; country: string; joint: string }>`
        select a.id, p.city, p.state, p.country, a.joint_provider_name as joint from learner.activity a join learner.provider p on p.id = a.provider_id
        where a.id = any(${got.map((r) => r.id)}::bpchar[]) order by a.start_date desc, a.id desc`.execute(database.owner)
    ).rows;
    expect(got.map((r) => [r.providerCity, r.providerState, r.providerCountry, r.jointProviderName])).toEqual(places.map((p) => [p.city, p.state, p.country, p.joint]));
  });

  it("sorts by learners accepted (PARS's \"Sort by: Learners Accepted\"), both ways, counting only the organization's own records, page after page", async () => {
    const accepted = sql`count(*) filter (where cr.status = 'accepted')`;
    for (const [name, scope, board, filters] of [
      ["CA-M", CA, "CA-M", {}],
      ["ABS", ABS, "ABS", {}],
      ["ACCME", ACCME, null, {}],
      ["ACCME, ABIM's records", ACCME, "ABIM", { board: "ABIM" }],
      ["CA-M, jointly provided courses", CA, "CA-M", { providership: "joint", format: ["Course"] }],
    ] as const) {
      const where = "providership" in filters ? sql`a.joint_provider_name is not null and a.format = 'Course'` : sql`true`;
      for (const desc of [true, false]) {
        const want = await expected(board, where, desc ? sql`${accepted} desc, a.id desc` : sql`${accepted}, a.id`);
        expect(want.length, name).toBeGreaterThan(0);
        const got = await allActivities(scope, filters as ActivityFilters, { id: "accepted", desc });
        expect(got.map((r) => [r.id, r.accepted]), `${name} ${desc ? "desc" : "asc"}`).toEqual(want.map((w) => [w.id, w.accepted]));
      }
    }
    // A board's order is by its own counts: CA-M's first activity is not simply the store's busiest.
    const caFirst = (await listActivities(appAs(database, CA), CA, { filters: {}, sort: { id: "accepted", desc: true }, size: 25, after: null, before: null })).rows[0]!;
    const caMax = (
      await sql<{ n: number }>`select count(*)::int as n from learner.credit_report where board_code = 'CA-M' and status = 'accepted' and deleted_at is null group by activity_id order by 1 desc limit 1`.execute(database.owner)
    ).rows[0]!.n;
    expect(caFirst.accepted).toBe(caMax);
  });

  it("a bad value is a message at its field and is left out", async () => {
    for (const [key, value] of <Array<[string, string]>>[["status", "archived"], ["providership", "both"], ["providerState", "ZZ"], ["providerCountry", "USA"], ["providerCity", "<script>"], ["jointProvider", "!!!"]]) {
      const state = parseActivitySearch(new URLSearchParams({ [key]: value }), { multiBoard: false });
      expect(state.errors[key], `${key}=${value}`).toBeTruthy();
      expect(state.filters, `${key}=${value}`).toEqual({});
    }
  });
});

