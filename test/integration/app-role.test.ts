// The app's database role can read the learner store but never write it, and cannot rewrite the audit log.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { appAs, createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
});
afterAll(() => database.drop());

describe("the app's database role", () => {
  it("runs as cme_app", async () => {
    const result = await sql<{ current_user: string }>`select current_user`.execute(database.app);
    expect(result.rows[0]?.current_user).toBe("cme_app");
  });

  it("can read the learner store (as ACCME, whose row scope is every board)", async () => {
    const appCount = await appAs(database, "ACCME").selectFrom("learner.credit_report").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
    const ownerCount = await sql<{ n: string }>`select count(*) as n from learner.credit_report`.execute(database.owner);
    expect(Number(appCount.n)).toBe(Number(ownerCount.rows[0]!.n));
    expect(Number(appCount.n)).toBeGreaterThan(0);
  });

  const writes: Array<[string, string]> = [
    ["insert a provider", `insert into learner.provider (id, name) values ('9999999', 'Intruder')`],
    ["update a credit report", `update learner.credit_report set credits = 99 where id = (select min(id) from learner.credit_report)`],
    ["soft-delete a credit report", `update learner.credit_report set deleted_at = now()`],
    ["delete learners", `delete from learner.learner`],
    ["truncate credit reports", `truncate learner.credit_report`],
    ["create a table in the store", `create table learner.x (id int)`],
    ["rewrite the audit log", `update board.audit_event set action = 'x'`],
    ["delete the audit log", `delete from board.audit_event`],
    ["change organisations", `update board.organisation set name = 'x'`],
  ];
  for (const [what, statement] of writes) {
    it(`cannot ${what}`, async () => {
      await expect(sql.raw(statement).execute(database.app)).rejects.toThrow(/permission denied/);
    });
  }

  it("cannot leave its role for the owner's", async () => {
    await expect(sql`set role postgres`.execute(database.app)).rejects.toThrow(/permission denied/);
  });

  it("left the store unchanged after all those attempts", async () => {
    const result = await sql<{ n: string }>`select count(*) as n from learner.provider where id = '9999999'`.execute(database.owner);
    expect(Number(result.rows[0]!.n)).toBe(0);
  });
});
