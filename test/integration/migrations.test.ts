// Migrations run up from an empty database, down to nothing, and up again.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { migrateDownAll, migrateToLatest } from "../../db/migrate";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"), { empty: true });
});
afterAll(() => database.drop());

async function tablesIn(schema: string): Promise<string[]> {
  const result = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(database.owner);
  return result.rows.map((r) => r.table_name);
}

describe("migrations", () => {
  it("create the learner store and the board schema on an empty database", async () => {
    expect(await tablesIn("learner")).toEqual([]);
    const applied = await migrateToLatest(database.owner);
    expect(applied.length).toBeGreaterThanOrEqual(3);
    expect(await tablesIn("learner")).toEqual(
      ["activity", "activity_moc", "certification", "credit_report", "learner", "licence", "provider"].sort(),
    );
    expect(await tablesIn("board")).toEqual(expect.arrayContaining(["audit_event", "organisation", "session", "staff_user"]));
  });

  it("create the board-side access-path indexes", async () => {
    const result = await sql<{ indexname: string }>`
      select indexname from pg_indexes where schemaname = 'learner' and tablename = 'credit_report'`.execute(database.owner);
    const names = result.rows.map((r) => r.indexname);
    expect(names).toEqual(
      expect.arrayContaining([
        "credit_report_board_completion_idx",
        "credit_report_board_submitted_idx",
        "credit_report_board_learner_id_idx",
        "credit_report_learner_board_idx",
        "credit_report_activity_idx",
      ]),
    );
    // A provider- or activity-narrowed search sorts its matches by a date read from the index alone.
    const activity = await sql<{ indexdef: string }>`
      select indexdef from pg_indexes where schemaname = 'learner' and indexname = 'credit_report_activity_idx'`.execute(database.owner);
    expect(activity.rows[0]?.indexdef).toMatch(/\(activity_id, board_code, id\) INCLUDE \(submitted_at, completion_date\) WHERE \(deleted_at IS NULL\)/);
  });

  it("are idempotent, and go down and up again cleanly", async () => {
    expect(await migrateToLatest(database.owner)).toEqual([]);
    await migrateDownAll(database.owner);
    expect(await tablesIn("learner")).toEqual([]);
    expect(await tablesIn("board")).toEqual([]);
    await migrateToLatest(database.owner);
    expect((await tablesIn("learner")).length).toBe(7);
  });

  it("bump change_seq on insert and on update", async () => {
    await sql`insert into learner.provider (id, name) values ('0000001', 'Test provider')`.execute(database.owner);
    const before = await sql<{ change_seq: string }>`select change_seq from learner.provider where id = '0000001'`.execute(database.owner);
    await sql`update learner.provider set name = 'Renamed' where id = '0000001'`.execute(database.owner);
    const after = await sql<{ change_seq: string }>`select change_seq from learner.provider where id = '0000001'`.execute(database.owner);
    expect(BigInt(after.rows[0]!.change_seq)).toBeGreaterThan(BigInt(before.rows[0]!.change_seq));
  });
});
