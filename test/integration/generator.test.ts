// The seeded store obeys the programme's data rules, checked in plain SQL (not with the generator's
// own code); generation is deterministic for a seed; a failed seed leaves the store as it was;
// provider writes bump change_seq.
import { sql, type Kysely, type RawBuilder } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyProviderWrites } from "../../db/generator/provider-writes";
import { seedLearnerStore } from "../../db/generator/seed";
import { migrateToLatest } from "../../db/migrate";
import { CERTIFYING_BOARDS, MOC_CREDIT_TYPES, REJECTION_REASONS, STATE_BOARDS, STATE_TOPICS } from "../../domain/reference";
import type { Database } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let db: Kysely<Database>;
beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
  db = database.owner;
});
afterAll(() => database.drop());

async function count(query: RawBuilder<{ n: string }>): Promise<number> {
  return Number((await query.execute(db)).rows[0]?.n);
}
async function share(query: RawBuilder<{ s: string }>): Promise<number> {
  return Number((await query.execute(db)).rows[0]?.s);
}

const certifying = sql.join(CERTIFYING_BOARDS.map((b) => sql.lit(b.code)));
/** The reporting deadline of a completion: March 31 of the year after next. */
const deadline = (completion: string) => sql`make_date(extract(year from ${sql.ref(completion)})::int + 2, 3, 31)`;

describe("the seeded store's accepted records obey the data rules", () => {
  it("has a substantial number of live accepted records to check", async () => {
    expect(await count(sql`select count(*) as n from learner.credit_report where status = 'accepted' and deleted_at is null`)).toBeGreaterThan(15_000);
  });

  it("completion dates lie within the activity's start and end dates, and not in the future", async () => {
    expect(
      await count(sql`
        select count(*) as n from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
        where cr.status = 'accepted' and cr.deleted_at is null
          and (cr.completion_date < a.start_date or cr.completion_date > a.end_date or cr.completion_date > current_date)`),
    ).toBe(0);
  });

  it("certifying-board (MOC) records also fall on or before the credit claim date, for activities registered for that board", async () => {
    expect(
      await count(sql`
        select count(*) as n from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
        where cr.status = 'accepted' and cr.deleted_at is null and cr.board_code in (${certifying})
          and (a.credit_claim_date is null or cr.completion_date > a.credit_claim_date or not a.moc
               or not exists (select 1 from learner.activity_moc m where m.activity_id = cr.activity_id and m.board_code = cr.board_code))`),
    ).toBe(0);
  });

  it("credit is positive, in quarter hours, and within the activity maximum for the capped formats", async () => {
    expect(
      await count(sql`
        select count(*) as n from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
        where cr.status = 'accepted' and cr.deleted_at is null
          and ((a.format in ('Enduring Material', 'Regularly Scheduled Series', 'Course', 'Performance Improvement') and cr.credits > a.max_cme_credits)
               or cr.credits * 4 <> floor(cr.credits * 4) or cr.credits <= 0)`),
    ).toBe(0);
    // Certifying boards get at most the activity's MOC maximum.
    expect(
      await count(sql`
        select count(*) as n from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
        where cr.status = 'accepted' and cr.board_code in (${certifying}) and cr.credits > a.max_moc_credits`),
    ).toBe(0);
  });

  it("ABP and ABA have at most one record per activity, learner and day", async () => {
    expect(
      await count(sql`
        select count(*) as n from (
          select 1 from learner.credit_report where status = 'accepted' and deleted_at is null and board_code in ('ABP', 'ABA')
          group by activity_id, learner_id, board_code, completion_date having count(*) > 1) d`),
    ).toBe(0);
    // and generally one live accepted record per activity, learner and board
    expect(
      await count(sql`
        select count(*) as n from (
          select 1 from learner.credit_report where status = 'accepted' and deleted_at is null
          group by activity_id, learner_id, board_code having count(*) > 1) d`),
    ).toBe(0);
  });

  it("are submitted after completion, never in the future, and by the deadline (March 31 of the year after next)", async () => {
    expect(
      await count(sql`
        select count(*) as n from learner.credit_report
        where status = 'accepted' and (submitted_at::date < completion_date or submitted_at > now()
          or (submitted_at at time zone 'UTC')::date > ${deadline("completion_date")}
          or (deleted_at is not null and (deleted_at < submitted_at or deleted_at > now())))`),
    ).toBe(0);
  });

  it("topic and credit-type amounts are the board's own, and never exceed the record's credits", async () => {
    const rows = await sql<{ board_code: string; key: string; over: boolean }>`
      select distinct cr.board_code, t.key, (t.value::numeric > cr.credits) as over
      from learner.credit_report cr cross join lateral jsonb_each_text(cr.credit_types) t
      where cr.status = 'accepted'`.execute(db);
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const row of rows.rows) {
      expect(row.over, `${row.board_code} ${row.key}`).toBe(false);
      const allowed = MOC_CREDIT_TYPES[row.board_code] ?? STATE_TOPICS;
      expect(allowed, row.board_code).toContain(row.key);
    }
    // Every certifying-board record names at least one credit type; every state topic occurs.
    expect(await count(sql`select count(*) as n from learner.credit_report where status = 'accepted' and board_code in (${certifying}) and credit_types = '{}'`)).toBe(0);
    const topics = (await sql<{ key: string }>`
      select distinct jsonb_object_keys(credit_types) as key from learner.credit_report where board_code not in (${certifying})`.execute(db)).rows.map((r) => r.key);
    expect(topics.sort()).toEqual([...STATE_TOPICS].sort());
  });

  it("state-board records carry the learner's licence id for that board; certifying-board records the board id (ABS may omit it)", async () => {
    expect(
      await count(sql`
        select count(*) as n from learner.credit_report cr
        where cr.status = 'accepted' and not (
          exists (select 1 from learner.licence l where l.learner_id = cr.learner_id and l.board_code = cr.board_code and l.licence_id = cr.board_learner_id)
          or exists (select 1 from learner.certification c where c.learner_id = cr.learner_id and c.board_code = cr.board_code and c.board_id = cr.board_learner_id)
          or (cr.board_code = 'ABS' and cr.board_learner_id is null
              and exists (select 1 from learner.certification c where c.learner_id = cr.learner_id and c.board_code = 'ABS')))`),
    ).toBe(0);
  });
});

describe("rejected records", () => {
  it("are a realistic minority, each with a real reason that is true of the record", async () => {
    const rejected = await share(sql`select avg((status = 'rejected')::int) as s from learner.credit_report`);
    expect(rejected).toBeGreaterThan(0.03);
    expect(rejected).toBeLessThan(0.05);
    const reasons = (await sql<{ r: string | null }>`select distinct rejection_reason as r from learner.credit_report where status = 'rejected'`.execute(db)).rows.map((x) => x.r);
    expect(reasons.sort()).toEqual([...REJECTION_REASONS].sort());
    expect(await count(sql`select count(*) as n from learner.credit_report where (status = 'rejected') <> (rejection_reason is not null)`)).toBe(0);
    const untrue = await sql<{ reason: string; n: string }>`
      select cr.rejection_reason as reason, count(*)::text as n from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
      where cr.status = 'rejected' and case cr.rejection_reason
        when 'Completion date in the future' then cr.completion_date <= (cr.submitted_at at time zone 'UTC')::date
        when 'Completion date outside activity dates' then cr.completion_date between a.start_date and
          case when cr.board_code in (${certifying}) then greatest(a.end_date, a.credit_claim_date) else a.end_date end
        when 'Credit exceeds activity maximum' then cr.credits <= a.max_cme_credits
        when 'Activity not registered for this board' then exists (select 1 from learner.activity_moc m where m.activity_id = cr.activity_id and m.board_code = cr.board_code)
        when 'Duplicate record' then not exists (
          select 1 from learner.credit_report o where o.status = 'accepted' and o.activity_id = cr.activity_id and o.submitted_at < cr.submitted_at
            and o.learner_id = cr.learner_id and o.board_code = cr.board_code and o.completion_date = cr.completion_date)
        when 'Learner not matched' then exists (
          select 1 from learner.licence l where l.learner_id = cr.learner_id and l.board_code = cr.board_code and l.licence_id = cr.board_learner_id
          union all
          select 1 from learner.certification c where c.learner_id = cr.learner_id and c.board_code = cr.board_code and c.board_id = cr.board_learner_id)
        when 'Submitted after reporting deadline' then (cr.submitted_at at time zone 'UTC')::date <= ${deadline("cr.completion_date")}
        else true end
      group by 1`.execute(db);
    expect(untrue.rows).toEqual([]);
  });
});

describe("the seeded store is realistic", () => {
  it("has valid NPIs (Luhn over 80840 + nine digits, computed in SQL), unique, for most learners", async () => {
    const invalid = await count(sql`
      with p as (select npi, '80840' || substr(npi, 1, 9) as payload, substr(npi, 10, 1)::int as check_digit from learner.learner where npi is not null),
      s as (
        select npi, check_digit, (select sum(case when (14 - i) % 2 = 0
                 then (2 * substr(payload, i, 1)::int) / 10 + (2 * substr(payload, i, 1)::int) % 10
                 else substr(payload, i, 1)::int end) from generate_series(1, 14) i) as total
        from p)
      select count(*) as n from s where (10 - total % 10) % 10 <> check_digit or npi !~ '^[12][0-9]{9}$'`);
    expect(invalid).toBe(0);
    const withNpi = await share(sql`select avg((npi is not null)::int) as s from learner.learner`);
    expect(withNpi).toBeGreaterThan(0.9);
    expect(await count(sql`select count(*) - count(distinct npi) as n from learner.learner where npi is not null`)).toBe(0);
  });

  it("has MM/DD birth dates only, and about a quarter of learners with two or more licences", async () => {
    expect(await count(sql`select count(*) as n from learner.learner where to_date('2024-' || birth_month || '-' || birth_day, 'YYYY-MM-DD') is null`)).toBe(0);
    const multi = await share(sql`select avg((n >= 2)::int) as s from (select learner_id, count(*) as n from learner.licence group by learner_id) x`);
    expect(multi).toBeGreaterThan(0.2);
    expect(multi).toBeLessThan(0.3);
  });

  it("reports most credit within 30 days, with a late minority and some chronically late providers", async () => {
    const late = await share(sql`
      select avg((submitted_at::date - completion_date > 30)::int) as s from learner.credit_report where status = 'accepted'`);
    expect(late).toBeGreaterThan(0.05);
    expect(late).toBeLessThan(0.25);
    const chronic = await count(sql`
      select count(*) as n from (
        select a.provider_id from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
        where cr.status = 'accepted' group by 1 having count(*) >= 20 and avg((cr.submitted_at::date - cr.completion_date > 30)::int) > 0.5) p`);
    expect(chronic).toBeGreaterThan(0);
  });

  it("has records for every board in the reference list, and only for those", async () => {
    const boards = (await sql<{ board_code: string }>`select distinct board_code from learner.credit_report order by 1`.execute(db)).rows.map((r) => r.board_code);
    expect(boards).toEqual([...STATE_BOARDS, ...CERTIFYING_BOARDS].map((o) => o.code).sort());
    // Learners licensed only outside the collaboration exist, and have no state-board records there.
    expect(await count(sql`select count(*) as n from learner.licence where board_code not in (select code from board.organisation)`)).toBeGreaterThan(100);
  });

  it("uses every entry method, batch and web service most", async () => {
    const methods = (await sql<{ entry_method: string }>`select entry_method from learner.credit_report group by 1 order by count(*) desc`.execute(db)).rows.map((r) => r.entry_method);
    expect(methods).toHaveLength(5);
    expect(["web_service", "excel_batch", "xml_batch"]).toContain(methods[0]);
  });

  it("soft-deletes a small share, most of them resubmitted", async () => {
    const deleted = await share(sql`select avg((deleted_at is not null)::int) as s from learner.credit_report`);
    expect(deleted).toBeGreaterThan(0.003);
    expect(deleted).toBeLessThan(0.03);
    expect(
      await count(sql`
        select count(*) as n from learner.credit_report d where d.deleted_at is not null and exists (
          select 1 from learner.credit_report r where r.deleted_at is null and r.status = 'accepted' and r.activity_id = d.activity_id
            and r.learner_id = d.learner_id and r.board_code = d.board_code and r.submitted_at >= d.deleted_at)`),
    ).toBeGreaterThan(0);
  });

  it("has activities of every format with sensible maxima, MOC registrations, and names with apostrophes, hyphens, accents and formula-like text", async () => {
    expect(await count(sql`select count(distinct format) as n from learner.activity`)).toBe(13);
    expect(await count(sql`select count(*) as n from learner.activity where max_cme_credits * 4 <> floor(max_cme_credits * 4) or max_cme_credits > 60
      or (format = 'Journal-based CME' and max_cme_credits <> 1) or (format = 'Course' and max_cme_credits > 40)`)).toBe(0);
    expect(await count(sql`select count(*) as n from learner.activity where end_date > current_date or start_date < current_date - 6 * 366`)).toBe(0);
    expect(await count(sql`select count(*) as n from learner.activity a where a.moc <> exists (select 1 from learner.activity_moc m where m.activity_id = a.id)`)).toBe(0);
    expect(await count(sql`select count(*) as n from learner.provider where id !~ '^[0-9]{7}$'`)).toBe(0);
    expect(await count(sql`select count(*) as n from learner.learner where last_name like '%''%'`)).toBeGreaterThan(0);
    expect(await count(sql`select count(*) as n from learner.learner where last_name like '%-%'`)).toBeGreaterThan(0);
    expect(await count(sql`select count(*) as n from learner.learner where last_name ~ '[^[:ascii:]]' or first_name ~ '[^[:ascii:]]'`)).toBeGreaterThan(0);
    for (const [table, column] of [["learner", "last_name"], ["activity", "title"], ["provider", "name"]] as const) {
      expect(await count(sql`select count(*) as n from ${sql.table(`learner.${table}`)} where left(${sql.ref(column)}, 1) in ('=', '+', '-', '@')`), table).toBeGreaterThan(0);
    }
  });
});

describe("seeding", () => {
  /** md5 of every seeded table, whole rows in key order (change_seq and created_at included). */
  async function digest(target: Kysely<Database>): Promise<Record<string, string>> {
    const rows = await sql<{ t: string; d: string }>`
      select 'provider' as t, md5(string_agg(x::text, '|' order by x.id)) as d from learner.provider x
      union all select 'activity', md5(string_agg(x::text, '|' order by x.id)) from learner.activity x
      union all select 'activity_moc', md5(string_agg(x::text, '|' order by x.activity_id, x.board_code)) from learner.activity_moc x
      union all select 'learner', md5(string_agg(x::text, '|' order by x.id)) from learner.learner x
      union all select 'licence', md5(string_agg(x::text, '|' order by x.board_code, x.licence_id)) from learner.licence x
      union all select 'certification', md5(string_agg(x::text, '|' order by x.board_code, x.board_id)) from learner.certification x
      union all select 'credit_report', md5(string_agg(x::text, '|' order by x.id)) from learner.credit_report x`.execute(target);
    return Object.fromEntries(rows.rows.map((r) => [r.t, r.d]));
  }

  async function seededCopy(seed: number) {
    const copy = await createTestDatabase(inject("pgServerUrl"), { empty: true });
    try {
      await migrateToLatest(copy.owner);
      await seedLearnerStore(copy.url, { reports: 3000, seed, today: "2026-06-30" });
      return await digest(copy.owner);
    } finally {
      await copy.drop();
    }
  }

  it("is deterministic: the same seed gives identical tables, another seed different ones", async () => {
    const a = await seededCopy(99);
    const b = await seededCopy(99);
    const c = await seededCopy(100);
    expect(Object.keys(a)).toHaveLength(7);
    for (const value of Object.values(a)) expect(value).toMatch(/^[0-9a-f]{32}$/);
    expect(b).toEqual(a);
    for (const table of ["provider", "activity", "learner", "licence", "credit_report"]) expect(c[table], table).not.toBe(a[table]);
  });

  it("refuses a store that already has credit reports", async () => {
    await expect(seedLearnerStore(database.url, { reports: 10, seed: 1 })).rejects.toThrow(/already has credit reports/);
  });

  it("leaves an empty store exactly as it was when it fails half-way (indexes and foreign keys intact)", async () => {
    const copy = await createTestDatabase(inject("pgServerUrl"), { empty: true });
    try {
      await migrateToLatest(copy.owner);
      const catalogue = () =>
        sql<{ d: string }>`
          select string_agg(x, ' | ' order by x) as d from (
            select indexdef as x from pg_indexes where schemaname = 'learner'
            union all select conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where connamespace = 'learner'::regnamespace) c`
          .execute(copy.owner)
          .then((r) => r.rows[0]?.d);
      const before = await catalogue();
      await expect(
        seedLearnerStore(copy.url, {
          reports: 30_000,
          seed: 5,
          onProgress: (done) => {
            if (done >= 20_000) throw new Error("disk full, say");
          },
        }),
      ).rejects.toThrow(/disk full/);
      expect(await catalogue()).toBe(before);
      const rows = await sql<{ n: string }>`
        select (select count(*) from learner.credit_report) + (select count(*) from learner.learner) + (select count(*) from learner.activity) as n`.execute(copy.owner);
      expect(Number(rows.rows[0]?.n)).toBe(0);
      // and it then seeds fine
      await expect(seedLearnerStore(copy.url, { reports: 500, seed: 5 })).resolves.toMatchObject({ reports: 500 });
    } finally {
      await copy.drop();
    }
  });

  it("starts the identity sequences after the loaded ids", async () => {
    const ids = await sql<{ report: string; learner: string }>`
      select (select max(id) from learner.credit_report)::text as report, (select max(id) from learner.learner)::text as learner`.execute(db);
    const next = await sql<{ report: string; learner: string }>`
      select nextval(pg_get_serial_sequence('learner.credit_report', 'id'))::text as report,
             nextval(pg_get_serial_sequence('learner.learner', 'id'))::text as learner`.execute(db);
    expect(Number(next.rows[0]?.report)).toBeGreaterThan(Number(ids.rows[0]?.report));
    expect(Number(next.rows[0]?.learner)).toBeGreaterThan(Number(ids.rows[0]?.learner));
  });
});

describe("provider writes", () => {
  it("add, reject, delete and delete-and-resubmit records, every change with a change_seq above the old maximum", async () => {
    const before = await sql<{ seq: string; id: string; total: string; deleted: string }>`
      select (select last_value from learner.change_seq)::text as seq, max(id)::text as id, count(*)::text as total,
             count(*) filter (where deleted_at is not null)::text as deleted
      from learner.credit_report`.execute(db);
    const { seq, id, total, deleted } = before.rows[0]!;
    const startedAt = new Date();
    const counts = await applyProviderWrites(db, { inserts: 70, rejections: 10, deletes: 10, updates: 10, seed: 3 });
    expect(counts).toEqual({ inserted: 70, rejected: 10, deleted: 10, updated: 10 });
    const after = await sql<{ total: string; deleted: string; stale: string; changed: string }>`
      select count(*)::text as total, count(*) filter (where deleted_at is not null)::text as deleted,
             count(*) filter (where (id > ${id}::bigint or deleted_at >= ${startedAt}) and change_seq <= ${seq}::bigint)::text as stale,
             count(*) filter (where change_seq > ${seq}::bigint)::text as changed
      from learner.credit_report`.execute(db);
    const row = after.rows[0]!;
    const added = counts.inserted + counts.rejected + counts.updated;
    expect(Number(row.total) - Number(total)).toBe(added);
    expect(Number(row.deleted) - Number(deleted)).toBe(counts.deleted + counts.updated);
    // every new row and every newly deleted row carries a change_seq above the old maximum, and nothing else does
    expect(Number(row.stale)).toBe(0);
    expect(Number(row.changed)).toBe(added + counts.deleted + counts.updated);
    // new accepted records obey the rules too, including one live accepted record per activity, learner and board
    expect(
      await count(sql`
        select count(*) as n from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
        where cr.change_seq > ${seq}::bigint and cr.status = 'accepted' and cr.deleted_at is null
          and (cr.completion_date < a.start_date or cr.completion_date > a.end_date or cr.completion_date > current_date
               or (a.format in ('Enduring Material', 'Regularly Scheduled Series', 'Course', 'Performance Improvement') and cr.credits > a.max_cme_credits)
               or cr.submitted_at > now() or (cr.submitted_at at time zone 'UTC')::date > ${deadline("cr.completion_date")})`),
    ).toBe(0);
    expect(
      await count(sql`
        select count(*) as n from (select 1 from learner.credit_report where status = 'accepted' and deleted_at is null
          group by activity_id, learner_id, board_code having count(*) > 1) d`),
    ).toBe(0);
    expect(await count(sql`select count(*) as n from learner.credit_report where change_seq > ${seq}::bigint and status = 'rejected' and rejection_reason is null`)).toBe(0);
  });

  it("also takes a connection URL, and refuses negative counts", async () => {
    const counts = await applyProviderWrites(database.url, { inserts: 5, rejections: 1, deletes: 1, updates: 1, seed: 4 });
    expect(counts.inserted + counts.rejected + counts.deleted + counts.updated).toBeGreaterThan(4);
    await expect(applyProviderWrites(db, { inserts: -1, rejections: 0, deletes: 0, updates: 0, seed: 1 })).rejects.toThrow(/inserts/);
  });
});
