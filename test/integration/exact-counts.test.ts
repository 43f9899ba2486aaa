// Exact counts of the credit search and PARS's MOC / MIPS / REMS and several-boards filters, each
// checked against a plain SQL count over the same store: through the analytics snapshot (plus the
// live changes since it) and through PostgreSQL alone, for a state board, a certifying board and
// ACCME; still exact after providers write and before the snapshot catches up; never another board's.
import { sql, type RawBuilder } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { scopeForOrganisation, type Scope } from "../../app/auth/scope.server";
import { CREDIT_GRID, parseCreditSearch } from "../../app/lib/credit-search";
import { countCreditReportsExactly } from "../../app/models/credit-count.server";
import { countCreditReports, searchCreditReports, type CreditFilters } from "../../app/models/credits.server";
import type { Analytics } from "../../db/analytics/service";
import { applyProviderWrites } from "../../db/generator/provider-writes";
import { appAs, createTestDatabase, type TestDatabase } from "../support/database";
import { startTestAnalytics } from "../support/server";

let database: TestDatabase;
let analytics: Analytics;
beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
  analytics = await startTestAnalytics(database);
}, 120_000);
afterAll(async () => {
  await analytics?.stop();
  await database?.drop();
});

const CA = scopeForOrganisation({ code: "CA-M", kind: "state_board" });
const ABIM = scopeForOrganisation({ code: "ABIM", kind: "certifying_board" });
const ACCME = scopeForOrganisation({ code: "ACCME", kind: "accreditor" });
const SCOPES = [["CA-M", CA], ["ABIM", ABIM], ["ACCME", ACCME]] as const;

/** Plain SQL: live records of the scope's board (or every board) that satisfy `where`. */
async function plainCount(scope: Scope, where: RawBuilder<unknown>): Promise<number> {
  const board = scope.boardCodes?.[0] ?? null;
  const result = await sql<{ n: string }>`
    select count(*)::text as n
    from learner.credit_report cr
    join learner.learner l on l.id = cr.learner_id
    join learner.activity a on a.id = cr.activity_id
    join learner.provider p on p.id = a.provider_id
    where cr.deleted_at is null and (${board}::text is null or cr.board_code = ${board}) and ${where}`.execute(database.owner);
  return Number(result.rows[0]?.n);
}

async function plainIds(scope: Scope, where: RawBuilder<unknown>): Promise<string[]> {
  const board = scope.boardCodes?.[0] ?? null;
  const result = await sql<{ id: string }>`
    select cr.id::text as id from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
    where cr.deleted_at is null and (${board}::text is null or cr.board_code = ${board}) and ${where}
    order by cr.submitted_at desc, cr.id desc`.execute(database.owner);
  return result.rows.map((r) => r.id);
}

async function allPages(scope: Scope, filters: CreditFilters): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 2000; pages++) {
    const { page } = await searchCreditReports(appAs(database, scope), scope, { filters, sort: CREDIT_GRID.defaultSort, size: 100, after, before: null }, { count: false });
    ids.push(...page.rows.map((r) => r.id));
    if (!page.next) return ids;
    after = page.next;
  }
  throw new Error("more than 2,000 pages");
}

async function sample() {
  const result = await sql<{ last_name: string; birth_month: number; birth_day: number; provider_id: string; title_word: string }>`
    select l.last_name, l.birth_month, l.birth_day, a.provider_id, (regexp_match(a.title, '[A-Za-z]{5,}'))[1] as title_word
    from learner.credit_report cr join learner.learner l on l.id = cr.learner_id join learner.activity a on a.id = cr.activity_id
    where cr.board_code = 'CA-M' and cr.deleted_at is null and l.last_name ~ '^[A-Za-z]{3}' and a.title ~ '[A-Za-z]{5,}'
    order by cr.id offset 200 limit 1`.execute(database.owner);
  return result.rows[0]!;
}

/** Filter combinations a reviewer can set, each with the same condition in plain SQL. */
async function combinations(): Promise<Array<[string, CreditFilters, RawBuilder<unknown>]>> {
  const s = await sample();
  const prefix = s.last_name.slice(0, 2);
  const word = s.title_word.toLowerCase().slice(0, 5);
  return [
    ["no filter", {}, sql`true`],
    ["moc yes", { moc: "yes" }, sql`a.moc`],
    ["moc no", { moc: "no" }, sql`not a.moc`],
    ["mips yes + rejected", { mips: "yes", status: "rejected" }, sql`a.mips and cr.status = 'rejected'`],
    ["rems yes", { rems: "yes" }, sql`a.rems`],
    ["rems no + mips no + moc yes", { rems: "no", mips: "no", moc: "yes" }, sql`not a.rems and not a.mips and a.moc`],
    ["completed 2025 H1 + manual/xml", { completedFrom: "2025-01-01", completedTo: "2025-06-30", entry: ["manual", "xml_batch"] }, sql`cr.completion_date between '2025-01-01' and '2025-06-30' and cr.entry_method in ('manual', 'xml_batch')`],
    ["submitted March 2024", { submittedFrom: "2024-03-01", submittedTo: "2024-03-31" }, sql`cr.submitted_at >= '2024-03-01T00:00:00Z' and cr.submitted_at < '2024-04-01T00:00:00Z'`],
    ["late + accepted", { late: true, status: "accepted" }, sql`(cr.submitted_at at time zone 'UTC')::date - cr.completion_date > 30 and cr.status = 'accepted'`],
    ["Pain Management", { creditType: "Pain Management" }, sql`cr.credit_types ? 'Pain Management'`],
    ["Patient Safety + rejected", { creditType: "Patient Safety", status: "rejected" }, sql`cr.credit_types ? 'Patient Safety' and cr.status = 'rejected'`],
    ["two formats + moc yes", { format: ["Course", "Enduring Material"], moc: "yes" }, sql`a.format in ('Course', 'Enduring Material') and a.moc`],
    ["provider id", { provider: { kind: "id", id: s.provider_id } }, sql`a.provider_id = ${s.provider_id}`],
    ["last name prefix", { last: prefix }, sql`learner.fold(l.last_name) like learner.fold(${prefix}) || '%'`],
    ["birth date + mips no", { dob: { month: s.birth_month, day: s.birth_day }, mips: "no" }, sql`l.birth_month = ${s.birth_month} and l.birth_day = ${s.birth_day} and not a.mips`],
    ["title words", { activity: { kind: "words", words: [word] } }, sql`a.title ~* ('\\m' || ${word})`],
  ];
}

describe("PARS's MOC, MIPS and REMS filters and several boards give exactly the rows plain SQL gives", () => {
  for (const [name, scope] of SCOPES) {
    it(`${name}: the activity offers MOC / MIPS / REMS, yes and no`, async () => {
      const cases: Array<[CreditFilters, RawBuilder<unknown>]> = [
        [{ moc: "yes", status: "rejected" }, sql`a.moc and cr.status = 'rejected'`],
        [{ moc: "no", status: "rejected" }, sql`not a.moc and cr.status = 'rejected'`],
        [{ mips: "yes", status: "rejected" }, sql`a.mips and cr.status = 'rejected'`],
        [{ rems: "yes", status: "rejected", mips: "no" }, sql`a.rems and not a.mips and cr.status = 'rejected'`],
      ];
      for (const [filters, where] of cases) {
        const expected = await plainIds(scope, where);
        expect(expected.length, JSON.stringify(filters)).toBeGreaterThan(0);
        expect(await allPages(scope, filters), JSON.stringify(filters)).toEqual(expected);
      }
    });
  }

  it("ACCME: several boards at once", async () => {
    const expected = await plainIds(ACCME, sql`cr.board_code in ('NC-M', 'ABS') and cr.status = 'rejected'`);
    expect(new Set((await sql<{ b: string }>`select distinct board_code as b from learner.credit_report where id = any(${expected.map(Number)}::bigint[])`.execute(database.owner)).rows.map((r) => r.b))).toEqual(new Set(["NC-M", "ABS"]));
    expect(await allPages(ACCME, { board: ["NC-M", "ABS"], status: "rejected" })).toEqual(expected);
    const count = await countCreditReports(appAs(database, ACCME), ACCME, { board: ["NC-M", "ABS"] }, undefined, analytics.reader);
    expect(count).toEqual({ value: await plainCount(ACCME, sql`cr.board_code in ('NC-M', 'ABS')`), exact: true });
  });

  it("parses the filters from the URL, with a message for a bad value", () => {
    const ok = parseCreditSearch(new URLSearchParams("moc=yes&mips=no&rems=yes&board=nc-m&board=ABS&board=ABS"), { multiBoard: true });
    expect(ok.errors).toEqual({});
    expect(ok.filters).toMatchObject({ moc: "yes", mips: "no", rems: "yes", board: ["NC-M", "ABS"] });
    const bad = parseCreditSearch(new URLSearchParams("moc=maybe&board=XX-Q"), { multiBoard: true });
    expect(bad.errors.moc).toBe("Choose yes or no.");
    expect(bad.errors.board).toBe("Choose a listed board.");
    expect(bad.filters.moc).toBeUndefined();
    expect(bad.filters.board).toBeUndefined();
  });

  it("a state board asking for another board's records gets a message, never rows", async () => {
    const state = parseCreditSearch(new URLSearchParams("board=ABIM&board=CA-M"), { multiBoard: false });
    expect(state.errors.board).toMatch(/own board/);
    expect(state.filters.board).toBeUndefined();
    // Even given to the model directly, another board's code matches nothing in a state board's scope.
    expect(await allPages(CA, { board: ["ABIM"] })).toEqual([]);
    expect(await countCreditReports(appAs(database, CA), CA, { board: ["ABIM"] }, undefined, analytics.reader)).toEqual({ value: 0, exact: true });
  });
});

describe("counts are exact for every combination, through the snapshot and through PostgreSQL alone", () => {
  for (const [name, scope] of SCOPES) {
    it(`${name}`, async () => {
      for (const [label, filters, where] of await combinations()) {
        const expected = await plainCount(scope, where);
        const viaSnapshot = await countCreditReportsExactly(appAs(database, scope), scope, filters, { boards: await boards(scope, filters), snapshot: analytics.reader });
        expect(viaSnapshot.count, `${label} (snapshot)`).toEqual({ value: expected, exact: true });
        const viaStore = await countCreditReportsExactly(appAs(database, scope), scope, filters, { boards: await boards(scope, filters), snapshot: null });
        expect(viaStore.count, `${label} (store)`).toEqual({ value: expected, exact: true });
        if (label === "no filter") {
          expect(expected).toBeGreaterThan(0);
          expect(viaSnapshot.route).toBe("snapshot");
        }
      }
    });
  }

  it("a learner's or an activity's records are counted in the store, exactly", async () => {
    const { learner_id, activity_id } = (await sql<{ learner_id: string; activity_id: string }>`
      select learner_id::text, activity_id from learner.credit_report where board_code = 'CA-M' and deleted_at is null order by id offset 50 limit 1`.execute(database.owner)).rows[0]!;
    for (const [filters, where] of [
      [{ learnerId: learner_id }, sql`cr.learner_id = ${learner_id}`],
      [{ activityId: activity_id, moc: "yes" as const }, sql`cr.activity_id = ${activity_id} and a.moc`],
    ] as const) {
      const answer = await countCreditReportsExactly(appAs(database, CA), CA, filters, { boards: ["CA-M"], snapshot: analytics.reader });
      expect(answer.route).toBe("store");
      expect(answer.count).toEqual({ value: await plainCount(CA, where), exact: true });
    }
  });
});

describe("a count is exact at the moment of reading, before the snapshot catches up", () => {
  it("counts records providers add, reject, delete and change after the snapshot, and activities that change", async () => {
    const writes = await applyProviderWrites(database.url, { inserts: 200, rejections: 30, deletes: 30, updates: 20, seed: 2027 });
    expect(writes.inserted + writes.deleted + writes.rejected).toBeGreaterThan(200);
    // An activity with many CA-M records now offers MOC (or stops) and changes format: its records' filters change.
    await sql`update learner.activity set moc = not moc, format = case when format = 'Course' then 'Enduring Material' else 'Course' end
      where id = (select activity_id from learner.credit_report where board_code = 'CA-M' and deleted_at is null group by 1 order by count(*) desc, 1 limit 1)`.execute(database.owner);
    for (const [name, scope] of SCOPES) {
      for (const [label, filters, where] of await combinations()) {
        const answer = await countCreditReportsExactly(appAs(database, scope), scope, filters, { boards: await boards(scope, filters), snapshot: analytics.reader });
        expect(answer.count, `${name}: ${label}`).toEqual({ value: await plainCount(scope, where), exact: true });
        if (label === "no filter") {
          expect(answer.route).toBe("snapshot");
          expect(answer.changed).toBeGreaterThan(0);
        }
      }
    }
  });
});

/** The boards whose records can match, as the search works them out. */
async function boards(scope: Scope, filters: CreditFilters): Promise<string[]> {
  if (scope.boardCodes) return [...scope.boardCodes];
  const all = await sql<{ b: string }>`select distinct board_code as b from learner.credit_report where deleted_at is null order by 1`.execute(database.owner);
  return all.rows.map((r) => r.b).filter((b) => !filters.board || filters.board.includes(b));
}
