// The credit search against independent plain SQL on the seeded store: for each filter and each
// sort, every page read through the keyset cursors gives exactly the rows (and order) that a
// hand-written query gives; counts are exact; other boards' records never appear.
import { sql, type RawBuilder } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { scopeForOrganisation, type Scope } from "../../app/auth/scope.server";
import { CREDIT_GRID, parseCreditSearch } from "../../app/lib/credit-search";
import { searchCreditReports, type CreditFilters } from "../../app/models/credits.server";
import { CERTIFYING_BOARDS } from "../../domain/reference";
import { appAs, createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
});
afterAll(() => database.drop());

const CA = scopeForOrganisation({ code: "CA-M", kind: "state_board" });
const ABIM = scopeForOrganisation({ code: "ABIM", kind: "certifying_board" });
const ACCME = scopeForOrganisation({ code: "ACCME", kind: "accreditor" });
const certifying = sql.join(CERTIFYING_BOARDS.map((b) => sql.lit(b.code)));

/** Every id the app returns, page after page through the next-page cursors. */
async function allPages(scope: Scope, filters: CreditFilters, sort = CREDIT_GRID.defaultSort, size = 100): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 2000; pages++) {
    // The rows only: counts are checked on their own (and in exact-counts.test.ts).
    const { page } = await searchCreditReports(appAs(database, scope), scope, { filters, sort, size, after, before: null }, { count: false });
    ids.push(...page.rows.map((r) => r.id));
    if (!page.next) return ids;
    after = page.next;
  }
  throw new Error("more than 2,000 pages");
}

/** The same rows in plain SQL: scope and filter as written here, ordered as given. */
async function expectedIds(board: string | null, where: RawBuilder<unknown>, orderBy: RawBuilder<unknown> = sql`cr.submitted_at desc, cr.id desc`): Promise<string[]> {
  const result = await sql<{ id: string }>`
    select cr.id::text as id
    from learner.credit_report cr
    join learner.learner l on l.id = cr.learner_id
    join learner.activity a on a.id = cr.activity_id
    join learner.provider p on p.id = a.provider_id
    where cr.deleted_at is null and (${board}::text is null or cr.board_code = ${board}) and ${where}
    order by ${orderBy}`.execute(database.owner);
  return result.rows.map((r) => r.id);
}

async function one<T>(query: RawBuilder<T>): Promise<T> {
  const row = (await query.execute(database.owner)).rows[0];
  if (!row) throw new Error("no sample row");
  return row;
}

/** A live accepted record of the board, to take real filter values from. */
async function sample(board: string) {
  return one(sql<{ last_name: string; first_name: string; birth_month: number; birth_day: number; npi: string; board_learner_id: string; activity_id: string; provider_id: string; provider_name: string; title: string }>`
    select l.last_name, l.first_name, l.birth_month, l.birth_day, l.npi, cr.board_learner_id, cr.activity_id, a.provider_id, p.name as provider_name, a.title
    from learner.credit_report cr join learner.learner l on l.id = cr.learner_id join learner.activity a on a.id = cr.activity_id
    join learner.provider p on p.id = a.provider_id
    where cr.board_code = ${board} and cr.deleted_at is null and cr.status = 'accepted' and l.npi is not null and cr.board_learner_id is not null
      and l.last_name ~ '^[A-Za-z]' and p.name ~ '^[A-Za-z]' and a.title ~ '^[A-Za-z]'
    order by cr.id offset 300 limit 1`);
}

const word = (text: string) => (text.match(/[A-Za-z]{5,}/g) ?? ["Update"]).at(-1) as string;

describe("each filter gives exactly the rows plain SQL gives, in order, across all pages", () => {
  for (const [scopeName, scope, board, sampleBoard] of [
    ["a state board (CA-M)", CA, "CA-M", "CA-M"],
    ["a certifying board (ABIM)", ABIM, "ABIM", "ABIM"],
    ["ACCME (every board)", ACCME, null, "MD-M"],
  ] as const) {
    describe(scopeName, () => {
      it("filters on the licensee: name prefixes (accent- and case-insensitive), birth MM/DD, NPI, licence or board id", async () => {
        const s = await sample(sampleBoard);
        const prefix = s.last_name.slice(0, 3).toLowerCase();
        const cases: Array<[CreditFilters, RawBuilder<unknown>]> = [
          [{ last: prefix }, sql`learner.fold(l.last_name) like learner.fold(${prefix}) || '%'`],
          [{ last: s.last_name.toUpperCase(), first: s.first_name.slice(0, 2) }, sql`learner.fold(l.last_name) like learner.fold(${s.last_name}) || '%' and learner.fold(l.first_name) like learner.fold(${s.first_name.slice(0, 2)}) || '%'`],
          [{ dob: { month: s.birth_month, day: s.birth_day } }, sql`l.birth_month = ${s.birth_month} and l.birth_day = ${s.birth_day}`],
          [{ npi: s.npi }, sql`l.npi = ${s.npi}`],
        ];
        const idFilter = CERTIFYING_BOARDS.some((b) => b.code === sampleBoard) ? "boardId" : "licence";
        cases.push([
          { [idFilter]: s.board_learner_id.toUpperCase() },
          idFilter === "boardId"
            ? sql`cr.board_learner_id = ${s.board_learner_id} and cr.board_code in (${certifying})`
            : sql`cr.board_learner_id = ${s.board_learner_id} and cr.board_code not in (${certifying})`,
        ]);
        for (const [filters, where] of cases) {
          const expected = await expectedIds(board, where);
          expect(expected.length, JSON.stringify(filters)).toBeGreaterThan(0);
          expect(await allPages(scope, filters), JSON.stringify(filters)).toEqual(expected);
        }
      });

      it("filters on the activity: id, words of the title, provider id or name, format", async () => {
        const s = await sample(sampleBoard);
        const titleWord = word(s.title).toLowerCase();
        const providerWord = word(s.provider_name).toLowerCase();
        const cases: Array<[CreditFilters, RawBuilder<unknown>]> = [
          [{ activity: { kind: "id", id: s.activity_id } }, sql`cr.activity_id = ${s.activity_id}`],
          // Word prefixes, checked with a regular expression rather than full-text search.
          [{ activity: { kind: "words", words: [titleWord.slice(0, 4)] } }, sql`a.title ~* ('\\m' || ${titleWord.slice(0, 4)})`],
          [{ provider: { kind: "id", id: s.provider_id } }, sql`a.provider_id = ${s.provider_id}`],
          [{ provider: { kind: "words", words: [providerWord] } }, sql`p.name ~* ('\\m' || ${providerWord})`],
          [{ format: ["Performance Improvement", "Journal-based CME"] }, sql`a.format in ('Performance Improvement', 'Journal-based CME')`],
        ];
        for (const [filters, where] of cases) {
          const expected = await expectedIds(board, where);
          expect(expected.length, JSON.stringify(filters)).toBeGreaterThan(0);
          expect(await allPages(scope, filters), JSON.stringify(filters)).toEqual(expected);
        }
      });

      it("filters on the record: completion and submission dates, status, entry method, credit type, reported late", async () => {
        const creditType = board === "ABIM" ? "Patient Safety" : "Pain Management";
        const cases: Array<[CreditFilters, RawBuilder<unknown>]> = [
          [{ completedFrom: "2025-01-01", completedTo: "2025-06-30" }, sql`cr.completion_date between '2025-01-01' and '2025-06-30'`],
          [{ completedFrom: "2025-03-01", completedTo: "2025-03-31" }, sql`cr.completion_date between '2025-03-01' and '2025-03-31'`],
          [{ submittedFrom: "2024-03-01", submittedTo: "2024-03-31" }, sql`cr.submitted_at >= '2024-03-01T00:00:00Z' and cr.submitted_at < '2024-04-01T00:00:00Z'`],
          [{ submittedFrom: "2023-01-01" }, sql`cr.submitted_at >= '2023-01-01T00:00:00Z'`],
          [{ status: "rejected" }, sql`cr.status = 'rejected'`],
          [{ entry: ["tab_delimited", "manual"] }, sql`cr.entry_method in ('tab_delimited', 'manual')`],
          [{ creditType }, sql`(cr.credit_types ->> ${creditType}) is not null`],
          [{ late: true }, sql`(cr.submitted_at at time zone 'UTC')::date - cr.completion_date > 30`],
          [
            { late: true, status: "accepted", completedFrom: "2024-01-01", completedTo: "2024-12-31" },
            sql`(cr.submitted_at at time zone 'UTC')::date - cr.completion_date > 30 and cr.status = 'accepted' and cr.completion_date between '2024-01-01' and '2024-12-31'`,
          ],
        ];
        if (board === null) cases.push([{ board: ["NC-M"] }, sql`cr.board_code = 'NC-M'`]);
        for (const [filters, where] of cases) {
          const expected = await expectedIds(board, where);
          expect(expected.length, JSON.stringify(filters)).toBeGreaterThan(0);
          expect(await allPages(scope, filters), JSON.stringify(filters)).toEqual(expected);
        }
      });
    });
  }
});

describe("each sort orders every page as plain SQL does, both ways", () => {
  const keys: Record<string, string> = {
    submitted: "cr.submitted_at #, cr.id #",
    completed: "cr.completion_date #, cr.id #",
    credits: "cr.credits #, cr.id #",
    lag: "((cr.submitted_at at time zone 'UTC')::date - cr.completion_date) #, cr.id #",
    learnerId: "coalesce(cr.board_learner_id, '') #, cr.id #",
    status: "cr.status #, cr.completion_date #, cr.id #",
    entry: "cr.entry_method #, cr.completion_date #, cr.id #",
    board: "cr.board_code #, cr.completion_date #, cr.id #",
    activityId: "cr.activity_id #, cr.id #",
    licensee: `learner.fold(l.last_name) collate "C" #, learner.fold(l.first_name) collate "C" #, l.id #, cr.id #`,
    dob: "l.birth_month #, l.birth_day #, l.id #, cr.id #",
    npi: "coalesce(l.npi, '') #, l.id #, cr.id #",
    activity: `learner.fold(a.title) collate "C" #, a.id #, cr.id #`,
    format: "a.format #, a.id #, cr.id #",
    provider: `learner.fold(p.name) collate "C" #, p.id #, a.id #, cr.id #`,
  };

  it("covers every sortable column of the grid", () => {
    expect(Object.keys(keys).sort()).toEqual([...CREDIT_GRID.sorts].sort());
  });

  for (const [sortId, order] of Object.entries(keys)) {
    it(`sorts by ${sortId}`, async () => {
      // Rejected records: a few hundred per board, several pages of 50.
      for (const [scope, board] of [[CA, "CA-M"], [ACCME, null]] as const) {
        for (const desc of [false, true]) {
          const orderBy = sql.raw(order.replaceAll("#", desc ? "desc" : "asc"));
          const expected = await expectedIds(board, sql`cr.status = 'rejected'`, orderBy);
          expect(expected.length).toBeGreaterThan(100);
          expect(await allPages(scope, { status: "rejected" }, { id: sortId, desc }, 50)).toEqual(expected);
        }
      }
    });
  }
});

describe("pages and counts", () => {
  it("goes back with the previous-page cursor to exactly the rows it came from", async () => {
    const sort = { id: "licensee", desc: false };
    const filters: CreditFilters = { status: "accepted" };
    const first = (await searchCreditReports(appAs(database, CA), CA, { filters, sort, size: 25, after: null, before: null })).page;
    const second = (await searchCreditReports(appAs(database, CA), CA, { filters, sort, size: 25, after: first.next, before: null })).page;
    const third = (await searchCreditReports(appAs(database, CA), CA, { filters, sort, size: 25, after: second.next, before: null })).page;
    const back = (await searchCreditReports(appAs(database, CA), CA, { filters, sort, size: 25, after: null, before: third.previous })).page;
    expect(back.rows.map((r) => r.id)).toEqual(second.rows.map((r) => r.id));
    const backToStart = (await searchCreditReports(appAs(database, CA), CA, { filters, sort, size: 25, after: null, before: second.previous })).page;
    expect(backToStart.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id));
    expect(backToStart.previous).toBeNull();
  });

  it("counts exactly, few or many (PostgreSQL alone when there is no snapshot)", async () => {
    const s = await sample("CA-M");
    const few = await searchCreditReports(appAs(database, CA), CA, { filters: { last: s.last_name, first: s.first_name }, sort: CREDIT_GRID.defaultSort, size: 25, after: null, before: null });
    const fewExpected = await expectedIds("CA-M", sql`learner.fold(l.last_name) like learner.fold(${s.last_name}) || '%' and learner.fold(l.first_name) like learner.fold(${s.first_name}) || '%'`);
    expect(few.count).toEqual({ value: fewExpected.length, exact: true });
    const many = await searchCreditReports(appAs(database, CA), CA, { filters: {}, sort: CREDIT_GRID.defaultSort, size: 25, after: null, before: null });
    const all = (await expectedIds("CA-M", sql`true`)).length;
    expect(all).toBeGreaterThan(1_000);
    expect(many.count).toEqual({ value: all, exact: true });
  });

  it("ignores a cursor from another sort and shows the first page instead", async () => {
    const byName = (await searchCreditReports(appAs(database, CA), CA, { filters: {}, sort: { id: "licensee", desc: false }, size: 25, after: null, before: null })).page;
    const result = await searchCreditReports(appAs(database, CA), CA, { filters: {}, sort: CREDIT_GRID.defaultSort, size: 25, after: byName.next, before: null });
    expect(result.page.cursorRejected).toBe(true);
    const firstPage = await expectedIds("CA-M", sql`true`);
    expect(result.page.rows.map((r) => r.id)).toEqual(firstPage.slice(0, 25));
  });
});

describe("scope", () => {
  it("never returns another board's record, whatever the filters", async () => {
    const abim = await sample("ABIM");
    // ABIM's own licensee searched by a CA-M reviewer: only their CA-M records (if any) come back.
    const rows = await allPages(CA, { npi: abim.npi });
    const boards = await sql<{ board_code: string }>`select distinct board_code from learner.credit_report where id = any(${rows.map(Number)}::bigint[])`.execute(database.owner);
    expect(boards.rows.every((r) => r.board_code === "CA-M")).toBe(true);
    expect(await allPages(CA, { boardId: abim.board_learner_id })).toEqual([]);
    expect(await allPages(CA, { creditType: "Patient Safety" })).toEqual([]);
  });

  it("refuses the board filter to a board user (the URL cannot widen the scope)", () => {
    const state = parseCreditSearch(new URLSearchParams({ board: "ABIM" }), { multiBoard: false });
    expect(state.filters.board).toBeUndefined();
    expect(state.errors.board).toMatch(/own board/);
  });
});
