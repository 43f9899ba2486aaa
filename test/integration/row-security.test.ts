// Row-level security (migration 0007), the second fence behind the scoped queries: deliberately
// unscoped queries as the app's role return only the acting organisation's rows, or none without
// one; writes for another organisation are refused; concurrent requests of different organisations
// never see each other's rows through a shared pool. Every expectation is the owner's plain SQL.
import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { streamInSnapshot } from "../../app/models/long-read.server";
import { NO_ROWS, runWithRowScope, setRowScope, type RowScope } from "../../db/row-scope";
import type { Database } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
  // Audit events of three organisations (and one of none), so the log has something to hide.
  await sql`
    insert into board.audit_event (action, org_code, detail)
    values ('test.event', 'CA-M', '{}'), ('test.event', 'ABIM', '{}'), ('test.event', 'ACCME', '{}'), ('test.event', null, '{}')`.execute(database.owner);
  // A decision, an audit sample, a rule change and a watermark of CA-M and of another board with a roster: the
  // template has none, and a comparison of empty tables would prove nothing.
  const other = await sql<{ org: string }>`select org_code as org from board.roster_entry where org_code <> 'CA-M' order by org_code limit 1`.execute(database.owner);
  const orgs = ["CA-M", other.rows[0]!.org];
  await sql`
    insert into board.decision (org_code, entry_id, cycle_end, outcome, basis, decided_by)
    select e.org_code, e.id, e.cycle_end, 'exempt', '{}', (select u.id from board.staff_user u where u.org_code = e.org_code limit 1)
      from (select distinct on (org_code) * from board.roster_entry where org_code = any (${orgs}) order by org_code, id) e`.execute(database.owner);
  await sql`
    insert into board.audit_sample (org_code, drawn_by, seed, cycle_from, cycle_to, requested, cohort_size, entry_ids)
    select o, (select u.id from board.staff_user u where u.org_code = o limit 1), 'seed', current_date, current_date, '1', 1, '{}'
      from unnest(${orgs}::text[]) o`.execute(database.owner);
  await sql`
    insert into board.requirement_rule_change (org_code, version, changed_by, reason, before, after)
    select o, 1, (select u.id from board.staff_user u where u.org_code = o limit 1), 'test', '{}', '{}'
      from unnest(${orgs}::text[]) o`.execute(database.owner);
  await sql`
    insert into board.roster_watermark (org_code, through_seq, as_of) select o, 0, current_date from unnest(${orgs}::text[]) o
    on conflict (org_code) do nothing`.execute(database.owner);
  // A licensee attribute and its history row for each, by a staff member of the organisation.
  await sql`
    insert into board.licensee_attribute (org_code, roster_key, key, value, source, updated_by)
    select o, 'RLS-1', 'specialty', '"Internal Medicine"', 'staff', (select u.id from board.staff_user u where u.org_code = o limit 1)
      from unnest(${orgs}::text[]) o`.execute(database.owner);
  await sql`
    insert into board.licensee_attribute_change (org_code, roster_key, key, before, after, source, changed_by)
    select o, 'RLS-1', 'specialty', null, '"Internal Medicine"', 'staff', (select u.id from board.staff_user u where u.org_code = o limit 1)
      from unnest(${orgs}::text[]) o`.execute(database.owner);
});
afterAll(() => database.drop());

const CA: RowScope = { boards: "CA-M", org: "CA-M" };
const ABIM: RowScope = { boards: "ABIM", org: "ABIM" };
const ACCME: RowScope = { boards: "*", org: "ACCME" };

async function count(db: Kysely<Database>, query: string): Promise<number> {
  const result = await sql<{ n: string }>`${sql.raw(query)}`.execute(db);
  return Number(result.rows[0]!.n);
}
const owner = (query: string) => count(database.owner, query);
const asApp = (scope: RowScope, query: string) => runWithRowScope(scope, () => count(database.app, query));

const LEARNER_TABLES = ["credit_report", "licence", "certification"] as const;
const BOARD_TABLES = [
  "roster_upload",
  "roster_entry",
  "requirement_rule",
  "requirement_rule_change",
  "requirement_rule_version",
  "roster_watermark",
  "decision",
  "audit_sample",
  "audit_event",
  "licensee_attribute",
  "licensee_attribute_change",
] as const;

describe("row-level security on the learner store", () => {
  it("shows nothing to a connection that names no organisation", async () => {
    for (const table of [...LEARNER_TABLES, "learner"]) {
      expect(await owner(`select count(*) as n from learner.${table}`), table).toBeGreaterThan(0);
      expect(await asApp(NO_ROWS, `select count(*) as n from learner.${table}`), table).toBe(0);
    }
  });

  it("an unscoped query of a board's reviewer returns exactly that board's rows", async () => {
    for (const scope of [CA, ABIM]) {
      for (const table of LEARNER_TABLES) {
        const expected = await owner(`select count(*) as n from learner.${table} where board_code = '${scope.boards}'`);
        // A state board licenses, a certifying board certifies; both receive credit reports.
        const held = table === "credit_report" || table === (scope === CA ? "licence" : "certification");
        if (held) expect(expected, `${scope.boards} ${table}`).toBeGreaterThan(0);
        expect(await asApp(scope, `select count(*) as n from learner.${table}`), `${scope.boards} ${table}`).toBe(expected);
        expect(await asApp(scope, `select count(*) as n from learner.${table} where board_code <> '${scope.boards}'`)).toBe(0);
      }
    }
  });

  it("shows a board only the learners it holds a record, licence or certification of", async () => {
    for (const scope of [CA, ABIM]) {
      const b = scope.boards;
      const expected = await owner(`
        select count(*) as n from learner.learner l
         where exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = '${b}')
            or exists (select 1 from learner.licence k where k.learner_id = l.id and k.board_code = '${b}')
            or exists (select 1 from learner.certification c where c.learner_id = l.id and c.board_code = '${b}')`);
      const all = await owner(`select count(*) as n from learner.learner`);
      expect(expected).toBeGreaterThan(0);
      expect(expected).toBeLessThan(all);
      expect(await asApp(scope, `select count(*) as n from learner.learner`)).toBe(expected);
    }
  });

  it("shows ACCME every board's records", async () => {
    for (const table of [...LEARNER_TABLES, "learner"]) {
      expect(await asApp(ACCME, `select count(*) as n from learner.${table}`), table).toBe(await owner(`select count(*) as n from learner.${table}`));
    }
  });
});

describe("row-level security on the board tables", () => {
  it("an unscoped query returns only the acting organisation's rows, and none without one", async () => {
    for (const table of BOARD_TABLES) {
      // Rows of CA-M and of some other organisation in every table, so each comparison can fail.
      expect(await owner(`select count(*) as n from board.${table} where org_code = 'CA-M'`), table).toBeGreaterThan(0);
      expect(await owner(`select count(*) as n from board.${table} where org_code <> 'CA-M'`), table).toBeGreaterThan(0);
      expect(await asApp(NO_ROWS, `select count(*) as n from board.${table}`), table).toBe(0);
      for (const scope of [CA, ABIM, ACCME]) {
        const expected = await owner(`select count(*) as n from board.${table} where org_code = '${scope.org}'`);
        expect(await asApp(scope, `select count(*) as n from board.${table}`), `${scope.org} ${table}`).toBe(expected);
      }
    }
  });

  it("lets the app add rule versions but never change or delete one", async () => {
    const before = await owner(`select count(*) as n from board.requirement_rule_version where org_code = 'CA-M' and reason is null`);
    expect(before).toBeGreaterThan(0);
    await expect(runWithRowScope(CA, () => sql`update board.requirement_rule_version set reason = 'changed' where org_code = 'CA-M'`.execute(database.app))).rejects.toThrow(/permission denied/);
    await expect(runWithRowScope(CA, () => sql`delete from board.requirement_rule_version where org_code = 'CA-M'`.execute(database.app))).rejects.toThrow(/permission denied/);
    await expect(
      runWithRowScope(CA, () =>
        sql`insert into board.requirement_rule_version (org_code, version, effective_from, rule) values ('OR-M', 99, date '2030-01-01', '{}')`.execute(database.app),
      ),
    ).rejects.toThrow(/row-level security/);
    expect(await owner(`select count(*) as n from board.requirement_rule_version where org_code = 'CA-M' and reason is null`)).toBe(before);
  });

  it("refuses to write another organisation's rows, and updates none of them", async () => {
    const before = await owner(`select count(*) as n from board.roster_upload`);
    await expect(
      runWithRowScope(CA, () =>
        sql`insert into board.roster_upload (org_code, file_name, sha256, total_rows, accepted_rows, rejected_rows, new_rows, changed_rows)
            values ('OR-M', 'x.csv', repeat('a', 64), 0, 0, 0, 0, 0)`.execute(database.app),
      ),
    ).rejects.toThrow(/row-level security/);
    expect(await owner(`select count(*) as n from board.roster_upload`)).toBe(before);
    // Nor what another organisation knows of its licensees: not written, not changed, not removed.
    await expect(
      runWithRowScope(CA, () =>
        sql`insert into board.licensee_attribute (org_code, roster_key, key, value, source) values ('OR-M', 'X1', 'specialty', '"x"', 'staff')`.execute(database.app),
      ),
    ).rejects.toThrow(/row-level security/);
    const touched = await runWithRowScope(CA, async () => [
      await sql`update board.licensee_attribute set value = '"x"' where org_code <> 'CA-M'`.execute(database.app),
      await sql`delete from board.licensee_attribute where org_code <> 'CA-M'`.execute(database.app),
    ]);
    expect(touched.map((r) => Number(r.numAffectedRows))).toEqual([0, 0]);

    const foreign = await owner(`select count(*) as n from board.roster_entry where org_code = 'OR-M'`);
    expect(foreign).toBeGreaterThan(0);
    const updated = await runWithRowScope(CA, () =>
      sql`update board.roster_entry set status = 'pending' where org_code = 'OR-M'`.execute(database.app),
    );
    expect(Number(updated.numAffectedRows)).toBe(0);
    // Moving one of the board's own entries to another organisation is refused too.
    await expect(
      runWithRowScope(CA, () =>
        sql`update board.roster_entry set org_code = 'OR-M' where id = (select min(id) from board.roster_entry where org_code = 'CA-M')`.execute(database.app),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it("does not let a decision supersede one it cannot see", async () => {
    const [entry] = (
      await sql<{ id: string; org_code: string; cycle_end: string }>`
        select id::text, org_code, cycle_end::text from board.roster_entry where org_code = 'OR-M' order by id limit 1`.execute(database.owner)
    ).rows;
    const [user] = (await sql<{ id: string }>`select id from board.staff_user where org_code = 'OR-M' limit 1`.execute(database.owner)).rows;
    const [caUser] = (await sql<{ id: string }>`select id from board.staff_user where org_code = 'CA-M' limit 1`.execute(database.owner)).rows;
    const [caEntry] = (await sql<{ id: string }>`select id::text from board.roster_entry where org_code = 'CA-M' order by id limit 1`.execute(database.owner)).rows;
    const foreign = await sql<{ id: string }>`
      insert into board.decision (org_code, entry_id, cycle_end, outcome, basis, decided_by)
      values ('OR-M', ${entry!.id}, ${entry!.cycle_end}, 'compliant', '{}', ${user!.id}) returning id::text`.execute(database.owner);
    await expect(
      runWithRowScope(CA, () =>
        sql`insert into board.decision (org_code, entry_id, cycle_end, outcome, basis, decided_by, supersedes, supersede_reason)
            values ('CA-M', ${caEntry!.id}, current_date, 'deficient', '{}', ${caUser!.id}, ${foreign.rows[0]!.id}, 'x')`.execute(database.app),
      ),
    ).rejects.toThrow(/supersede/);
  });
});

describe("the scope travels with each request", () => {
  it("concurrent requests of different organisations over one small pool never see each other's rows", async () => {
    const expected = {
      "CA-M": await owner(`select count(*) as n from learner.credit_report where board_code = 'CA-M'`),
      ABIM: await owner(`select count(*) as n from learner.credit_report where board_code = 'ABIM'`),
    };
    const scopes = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? ABIM : CA));
    const seen = await Promise.all(
      scopes.map((scope) =>
        runWithRowScope({ ...NO_ROWS }, async () => {
          // As a request does: no scope until the session check, then the organisation's.
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          setRowScope(scope);
          return { board: scope.boards, n: await count(database.app, `select count(*) as n from learner.credit_report`) };
        }),
      ),
    );
    for (const { board, n } of seen) expect(n).toBe(expected[board as keyof typeof expected]);
  });

  it("an export stream keeps the scope of the request that started it, whoever pulls the rows", async () => {
    const expected = await owner(`select count(*) as n from learner.credit_report where board_code = 'ABIM' and deleted_at is null`);
    // Created inside ABIM's request, consumed outside any request (as a response body is).
    const stream = runWithRowScope(ABIM, () =>
      streamInSnapshot(database.app, (trx) =>
        trx.selectFrom("learner.credit_report").select(["id", "board_code"]).where("deleted_at", "is", null).stream(500),
      ),
    );
    let n = 0;
    const boards = new Set<string>();
    for await (const row of stream) {
      n += 1;
      boards.add(row.board_code);
    }
    expect(n).toBe(expected);
    expect([...boards]).toEqual(["ABIM"]);
  });
});
