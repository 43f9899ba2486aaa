// The seeded store obeys the programme's data rules, checked in plain SQL (not with the generator's
// own code); generation is deterministic for a seed; provider writes bump change_seq.
import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyProviderWrites } from "../../db/generator/provider-writes";
import { seedLearnerStore } from "../../db/generator/seed";
import { migrateToLatest } from "../../db/migrate";
import { CERTIFYING_BOARDS, MOC_CREDIT_TYPES, ORGANISATIONS, STATE_TOPICS } from "../../db/reference";
import type { Database } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
});
afterAll(() => database.drop());

async function count(db: Kysely<Database>, query: ReturnType<typeof sql<{ n: string }>>): Promise<number> {
  return Number((await query.execute(db)).rows[0]?.n);
}

describe("the seeded store's accepted records obey the data rules", () => {
  it("has a substantial number of accepted records to check", async () => {
    expect(await count(database.owner, sql`select count(*) as n from learner.credit_report where status = 'accepted'`)).toBeGreaterThan(15_000);
  });

  it("completion dates lie within the activity's dates and not in the future", async () => {
    expect(
      await count(database.owner, sql`
        select count(*) as n from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
        where cr.status = 'accepted' and cr.deleted_at is null
          and (cr.completion_date < a.start_date or cr.completion_date > a.end_date or cr.completion_date > current_date)`),
    ).toBe(0);
  });

  it("MOC records fall on or before the credit claim date of an activity registered for that board", async () => {
    expect(
      await count(database.owner, sql`
        select count(*) as n from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
        where cr.status = 'accepted' and cr.deleted_at is null and cr.board_code in (select code from board.organisation where kind = 'certifying_board')
          and (cr.completion_date > coalesce(a.credit_claim_date, a.end_date)
               or not exists (select 1 from learner.activity_moc m where m.activity_id = cr.activity_id and m.board_code = cr.board_code))`),
    ).toBe(0);
  });

  it("credit never exceeds the activity maximum for capped formats, and comes in quarter hours", async () => {
    expect(
      await count(database.owner, sql`
        select count(*) as n from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
        where cr.status = 'accepted'
          and ((a.format in ('Enduring Material', 'Regularly Scheduled Series', 'Course', 'Performance Improvement') and cr.credits > a.max_cme_credits)
               or cr.credits * 4 <> floor(cr.credits * 4) or cr.credits <= 0)`),
    ).toBe(0);
  });

  it("ABP and ABA have at most one record per activity, learner and day", async () => {
    expect(
      await count(database.owner, sql`
        select count(*) as n from (
          select 1 from learner.credit_report where status = 'accepted' and deleted_at is null and board_code in ('ABP', 'ABA')
          group by activity_id, learner_id, board_code, completion_date having count(*) > 1) d`),
    ).toBe(0);
  });

  it("submissions come after completion and never in the future", async () => {
    expect(
      await count(database.owner, sql`
        select count(*) as n from learner.credit_report
        where status = 'accepted' and (submitted_at::date < completion_date or submitted_at > now())`),
    ).toBe(0);
  });

  it("topic and credit-type amounts are the board's own and never exceed the record's credits", async () => {
    const cert = CERTIFYING_BOARDS.flatMap((b) => (MOC_CREDIT_TYPES[b.code] ?? []).map((t) => `${b.code}|${t}`));
    const topics = [...STATE_TOPICS];
    const rows = await sql<{ board_code: string; key: string; over: boolean }>`
      select distinct cr.board_code, t.key, (t.value::numeric > cr.credits) as over
      from learner.credit_report cr cross join lateral jsonb_each_text(cr.credit_types) t
      where cr.status = 'accepted'`.execute(database.owner);
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const row of rows.rows) {
      expect(row.over, `${row.board_code} ${row.key}`).toBe(false);
      if (cert.some((c) => c.startsWith(`${row.board_code}|`))) expect(cert).toContain(`${row.board_code}|${row.key}`);
      else expect(topics).toContain(row.key);
    }
  });

  it("state-board records carry the learner's licence id for that board; certifying-board records the board id", async () => {
    expect(
      await count(database.owner, sql`
        select count(*) as n from learner.credit_report cr
        where cr.status = 'accepted' and not exists (
          select 1 from learner.licence l where l.learner_id = cr.learner_id and l.board_code = cr.board_code and l.licence_id = cr.board_learner_id
          union all
          select 1 from learner.certification c where c.learner_id = cr.learner_id and c.board_code = cr.board_code and c.board_id = cr.board_learner_id)`),
    ).toBe(0);
  });
});

describe("rejected records", () => {
  it("are a realistic minority, each with a reason that is true of the record", async () => {
    const share = Number((await sql<{ s: string }>`select avg((status = 'rejected')::int) as s from learner.credit_report`.execute(database.owner)).rows[0]!.s);
    expect(share).toBeGreaterThan(0.02);
    expect(share).toBeLessThan(0.07);
    const untrue = await count(database.owner, sql`
      select count(*) as n from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
      where cr.status = 'rejected' and case cr.rejection_reason
        when 'Completion date in the future' then cr.completion_date <= cr.submitted_at::date
        when 'Completion date outside activity dates' then cr.completion_date between a.start_date and a.end_date
        when 'Credit exceeds activity maximum' then cr.credits <= a.max_cme_credits
        when 'Activity not registered for this board' then exists (select 1 from learner.activity_moc m where m.activity_id = cr.activity_id and m.board_code = cr.board_code)
        when 'Duplicate record' then not exists (
          select 1 from learner.credit_report o where o.status = 'accepted' and o.activity_id = cr.activity_id
            and o.learner_id = cr.learner_id and o.board_code = cr.board_code and o.completion_date = cr.completion_date)
        when 'Learner not matched' then false
        else true end`);
    expect(untrue).toBe(0);
  });
});

describe("the seeded store is realistic", () => {
  it("has valid NPIs (Luhn over 80840 + nine digits, computed in SQL)", async () => {
    const invalid = await count(database.owner, sql`
      with p as (select npi, '80840' || substr(npi, 1, 9) as payload, substr(npi, 10, 1)::int as check_digit from learner.learner where npi is not null),
      s as (
        select npi, check_digit, (select sum(case when (14 - i) % 2 = 0
                 then (2 * substr(payload, i, 1)::int) / 10 + (2 * substr(payload, i, 1)::int) % 10
                 else substr(payload, i, 1)::int end) from generate_series(1, 14) i) as total
        from p)
      select count(*) as n from s where (10 - total % 10) % 10 <> check_digit`);
    expect(invalid).toBe(0);
    expect(await count(database.owner, sql`select count(*) as n from learner.learner where npi is not null`)).toBeGreaterThan(1000);
  });

  it("reports most credit within 30 days, with a late minority", async () => {
    const late = Number((await sql<{ s: string }>`
      select avg((submitted_at::date - completion_date > 30)::int) as s from learner.credit_report where status = 'accepted'`.execute(database.owner)).rows[0]!.s);
    expect(late).toBeGreaterThan(0.03);
    expect(late).toBeLessThan(0.3);
  });

  it("has records for every board that signs in, and only for those", async () => {
    const boards = (await sql<{ board_code: string }>`select distinct board_code from learner.credit_report order by 1`.execute(database.owner)).rows.map((r) => r.board_code);
    expect(boards).toEqual(ORGANISATIONS.filter((o) => o.kind !== "accreditor").map((o) => o.code).sort());
  });

  it("has activities of every format, names with apostrophes, hyphens and accents, and formula-like text", async () => {
    expect(await count(database.owner, sql`select count(distinct format) as n from learner.activity`)).toBe(13);
    expect(await count(database.owner, sql`select count(*) as n from learner.learner where last_name like '%''%'`)).toBeGreaterThan(0);
    expect(await count(database.owner, sql`select count(*) as n from learner.learner where last_name like '%-%'`)).toBeGreaterThan(0);
    expect(await count(database.owner, sql`select count(*) as n from learner.learner where last_name ~ '[^[:ascii:]]'`)).toBeGreaterThan(0);
    expect(
      await count(database.owner, sql`
        select (select count(*) from learner.learner where left(last_name, 1) in ('=', '+', '-', '@'))
             + (select count(*) from learner.activity where left(title, 1) in ('=', '+', '-', '@'))
             + (select count(*) from learner.provider where left(name, 1) in ('=', '+', '-', '@')) as n`),
    ).toBeGreaterThan(2);
  });

  it("gives about a quarter of learners two or more licences", async () => {
    const share = Number((await sql<{ s: string }>`
      select avg((n >= 2)::int) as s from (select learner_id, count(*) as n from learner.licence group by learner_id) x`.execute(database.owner)).rows[0]!.s);
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.35);
  });
});

describe("determinism", () => {
  async function seededCopy(seed: number) {
    const copy = await createTestDatabase(inject("pgServerUrl"), { empty: true });
    await migrateToLatest(copy.owner);
    await seedLearnerStore(copy.url, { reports: 3000, seed, today: "2026-06-30" });
    const digest = await sql<{ t: string; d: string }>`
      select 'provider' as t, md5(string_agg(p::text, '|' order by id)) as d from learner.provider p
      union all select 'activity', md5(string_agg(a::text, '|' order by id)) from (select id, provider_id, title, format, start_date, end_date, credit_claim_date, max_cme_credits from learner.activity) a
      union all select 'learner', md5(string_agg(l::text, '|' order by id)) from (select id, first_name, last_name, birth_month, birth_day, npi from learner.learner) l
      union all select 'licence', md5(string_agg(x::text, '|' order by board_code, licence_id)) from (select learner_id, board_code, licence_id from learner.licence) x
      union all select 'credit_report', md5(string_agg(r::text, '|' order by id)) from (
        select id, activity_id, learner_id, board_code, board_learner_id, completion_date, submitted_at, entry_method, status, rejection_reason, credits, credit_types, deleted_at
        from learner.credit_report) r`.execute(copy.owner);
    await copy.drop();
    return Object.fromEntries(digest.rows.map((r) => [r.t, r.d]));
  }

  it("gives identical content for the same seed and different content for another", async () => {
    const [a, b, c] = await Promise.all([seededCopy(99), seededCopy(99), seededCopy(100)]);
    expect(a.credit_report).toBeTruthy();
    expect(a).toEqual(b);
    expect(c.credit_report).not.toBe(a.credit_report);
    expect(c.learner).not.toBe(a.learner);
  });

  it("refuses to seed a store that already has credit reports", async () => {
    await expect(seedLearnerStore(database.url, { reports: 10, seed: 1 })).rejects.toThrow(/already has credit reports/);
  });
});

describe("provider writes", () => {
  it("add, reject, delete and resubmit records, every change with a higher change_seq", async () => {
    const before = await sql<{ seq: string; total: string; deleted: string }>`
      select max(change_seq)::text as seq, count(*)::text as total, count(*) filter (where deleted_at is not null)::text as deleted
      from learner.credit_report`.execute(database.owner);
    const { seq, total, deleted } = before.rows[0]!;
    const counts = await applyProviderWrites(database.url, { inserts: 70, rejections: 10, deletes: 10, resubmissions: 10, seed: 3 });
    expect(counts.inserted).toBeGreaterThan(50);
    expect(counts.rejected).toBe(10);
    expect(counts.deleted).toBe(10);
    expect(counts.resubmitted).toBe(10);
    const after = await sql<{ total: string; deleted: string; changed: string; new_rows: string }>`
      select count(*)::text as total, count(*) filter (where deleted_at is not null)::text as deleted,
             count(*) filter (where change_seq > ${seq}::bigint)::text as changed,
             count(*) filter (where id > (select max(id) from learner.credit_report where change_seq <= ${seq}::bigint))::text as new_rows
      from learner.credit_report`.execute(database.owner);
    const row = after.rows[0]!;
    expect(Number(row.total) - Number(total)).toBe(counts.inserted + counts.rejected + counts.resubmitted);
    expect(Number(row.deleted) - Number(deleted)).toBe(counts.deleted + counts.resubmitted);
    // every new row and every newly deleted row carries a change_seq above the old maximum
    expect(Number(row.changed)).toBe(Number(row.new_rows) + counts.deleted + counts.resubmitted);
    // and the new accepted records obey the rules too
    expect(
      await count(database.owner, sql`
        select count(*) as n from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
        where cr.change_seq > ${seq}::bigint and cr.status = 'accepted' and cr.deleted_at is null
          and (cr.completion_date < a.start_date or cr.completion_date > a.end_date or cr.completion_date > current_date or cr.credits > a.max_cme_credits)`),
    ).toBe(0);
  });
});
