// The seeded store obeys the programme's data rules, checked in plain SQL (not with the generator's
// own code), and its physicians behave as the programme's do: most meet their boards' requirements
// at cycle end, a minority fall short, a few have nothing reported, mandated topics are met less
// often than totals (decision 006's ranges), in plain SQL and in the totals the app computes. Both
// at the demo size (as `npm start` seeds it) and at a second seed. Generation is deterministic for a
// seed; a failed seed leaves the store as it was; provider writes bump change_seq.
import { sql, type Kysely, type RawBuilder } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyProviderWrites } from "../../db/generator/provider-writes";
import { seedLearnerStore } from "../../db/generator/seed";
import { migrateToLatest } from "../../db/migrate";
import { CERTIFYING_BOARDS, MOC_CREDIT_TYPES, REJECTION_REASONS, STATE_BOARDS, STATE_TOPICS } from "../../domain/reference";
import type { Database } from "../../db/schema";
import { DEMO_PHYSICIANS } from "../../app/env.server";
import { refreshRosterStatuses } from "../../app/models/renewals.server";
import { uploadRoster } from "../../app/models/rosters.server";
import { cyclePlacement, earlierCycleEnd } from "../../db/generator/cycles";
import { seedBoard } from "../../db/seed-board";
import { SEEDED_REQUIREMENT_RULES } from "../../domain/requirement-rules";
import { appAs, createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
/** The store the checks below read: each seeded store in turn, then the suite's template copy. */
let db: Kysely<Database>;
beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
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

/** The demo store exactly as `npm start` seeds it, and the same size at a second seed. */
const STORES = [
  { name: `the demo store (${DEMO_PHYSICIANS.toLocaleString("en-US")} physicians, seed 1)`, physicians: DEMO_PHYSICIANS, seed: 1 },
  { name: `a second seed (${DEMO_PHYSICIANS.toLocaleString("en-US")} physicians, seed 20261125)`, physicians: DEMO_PHYSICIANS, seed: 20261125 },
];

async function seededUpload(scoped: Kysely<Database>, board: string, csv: string): Promise<void> {
  const outcome = await uploadRoster(scoped, { userId: null, orgCode: board }, { fileName: `${board}-last-cycle.csv`, content: csv });
  if (outcome.kind === "rejected") throw new Error(`${board}: ${outcome.problem}`);
}

describe.each(STORES)("$name", (store) => {
  let seeded: TestDatabase;
  beforeAll(async () => {
    seeded = await createTestDatabase(inject("pgServerUrl"), { empty: true });
    await migrateToLatest(seeded.owner);
    await seedBoard(seeded.owner);
    await seedLearnerStore(seeded.url, { physicians: store.physicians, seed: store.seed });
    db = seeded.owner;
  }, 300_000);
  afterAll(() => seeded.drop());

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
          when 'Duplicate record' then false -- checked below, as an anti-join
          when 'Learner not matched' then exists (
            select 1 from learner.licence l where l.learner_id = cr.learner_id and l.board_code = cr.board_code and l.licence_id = cr.board_learner_id
            union all
            select 1 from learner.certification c where c.learner_id = cr.learner_id and c.board_code = cr.board_code and c.board_id = cr.board_learner_id)
          when 'Submitted after reporting deadline' then (cr.submitted_at at time zone 'UTC')::date <= ${deadline("cr.completion_date")}
          else true end
        group by 1`.execute(db);
      expect(untrue.rows).toEqual([]);
      // A duplicate repeats an accepted record of the same activity, learner, board and day sent before it.
      expect(
        await count(sql`
          select count(*) as n from learner.credit_report cr
          where cr.status = 'rejected' and cr.rejection_reason = 'Duplicate record' and not exists (
            select 1 from learner.credit_report o where o.status = 'accepted' and o.activity_id = cr.activity_id and o.submitted_at < cr.submitted_at
              and o.learner_id = cr.learner_id and o.board_code = cr.board_code and o.completion_date = cr.completion_date)`),
      ).toBe(0);
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

  describe("physicians behave as the programme's do (decision 006)", () => {
    interface Outcome {
      board: string;
      learnerId: string;
      key: string;
      first: string;
      last: string;
      birth: string;
      npi: string | null;
      start: string;
      end: string;
      total: number;
      /** Credit of the cycle's last 120 days. */
      late: number;
      /** Topic / credit-type minimums, and sub-periods ("some credit in every 2 years"). */
      mandates: Array<{ id: string; kind: "creditTypes" | "subPeriods"; got: number; minimum: number }>;
    }
    const iso = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);
    const today = Math.floor(Date.now() / 86_400_000);
    let outcomes: Outcome[] = [];

    beforeAll(async () => {
      // Each licensee's cycle that ended in the past year (the generator's placement, as a roster
      // would give it); its credit summed in plain SQL from the live accepted records of the board.
      const licensees = await sql<{ board: string; learner_id: string; key: string; first: string; last: string; birth_month: number; birth_day: number; npi: string | null }>`
        select x.board_code as board, l.id::text as learner_id, x.k as key, l.first_name as first, l.last_name as last, l.birth_month, l.birth_day, l.npi::text as npi
        from (select learner_id, board_code, licence_id as k from learner.licence union all select learner_id, board_code, board_id from learner.certification) x
        join learner.learner l on l.id = x.learner_id
        where x.board_code in (select code from board.organisation where kind <> 'accreditor')`.execute(db);
      const cycles = licensees.rows.flatMap((l) => {
        const placement = cyclePlacement(l.board, { id: Number(l.learner_id), lastName: l.last, birthMonth: l.birth_month }, today);
        const end = earlierCycleEnd(placement.nextEnd, placement.years, 1);
        if (end < today - 365) return [];
        return [{ ...l, start: iso(earlierCycleEnd(placement.nextEnd, placement.years, 2) + 1), end: iso(end) }];
      });
      const sums = await sql<{ board: string; learner_id: string; total: string; late: string; types: Record<string, string> | null; days: Record<string, string> | null }>`
        with c as (select * from unnest(${cycles.map((c) => c.board)}::text[], ${cycles.map((c) => c.learner_id)}::bigint[], ${cycles.map((c) => c.start)}::date[], ${cycles.map((c) => c.end)}::date[]) as c(board, learner_id, start_date, end_date))
        select c.board, c.learner_id::text,
          coalesce((select sum(cr.credits) from learner.credit_report cr where cr.learner_id = c.learner_id and cr.board_code = c.board
            and cr.status = 'accepted' and cr.deleted_at is null and cr.completion_date between c.start_date and c.end_date), 0)::text as total,
          coalesce((select sum(cr.credits) from learner.credit_report cr where cr.learner_id = c.learner_id and cr.board_code = c.board
            and cr.status = 'accepted' and cr.deleted_at is null and cr.completion_date between c.end_date - 119 and c.end_date), 0)::text as late,
          (select jsonb_object_agg(cr.id || '|' || t.key || '|' || cr.completion_date, t.value) from learner.credit_report cr cross join lateral jsonb_each_text(cr.credit_types) t
            where cr.learner_id = c.learner_id and cr.board_code = c.board and cr.status = 'accepted' and cr.deleted_at is null and cr.completion_date <= c.end_date) as types,
          (select jsonb_object_agg(cr.id || '|' || cr.completion_date, cr.credits) from learner.credit_report cr
            where cr.learner_id = c.learner_id and cr.board_code = c.board and cr.status = 'accepted' and cr.deleted_at is null
              and cr.completion_date between c.start_date and c.end_date) as days
        from c`.execute(db);
      const byKey = new Map(sums.rows.map((r) => [`${r.board}|${r.learner_id}`, r]));
      outcomes = cycles.map((c) => {
        const row = byKey.get(`${c.board}|${c.learner_id}`)!;
        const rule = SEEDED_REQUIREMENT_RULES.find((r) => r.organisationCode === c.board)!;
        const mandates = rule.requirements.flatMap((req): Outcome["mandates"] => {
          if (req.kind === "subPeriods" && !req.creditTypes) {
            // Sub-period n runs from the cycle start moved (n − 1) × years years to the day before it moves n × years
            // (cycles here start on the first of a month, so moving the year of the date is exact).
            const moved = (k: number) => `${Number(c.start.slice(0, 4)) + k}${c.start.slice(4)}`;
            return Array.from({ length: Math.floor(rule.cycle.years / req.years) }, (_, i) => {
              const [from, until] = [moved(i * req.years), moved((i + 1) * req.years)];
              const got = Object.entries(row.days ?? {}).reduce((sum, [k, v]) => {
                const date = k.split("|")[1] as string;
                return date >= from && date < until ? sum + Number(v) : sum;
              }, 0);
              return { id: `${req.id}-${i + 1}`, kind: "subPeriods", got, minimum: req.minimum };
            });
          }
          if (req.kind !== "creditTypes" || req.appliesTo?.whenUnknown === "doesNotApply") return [];
          const from = req.period.kind === "ever" ? "0000-01-01" : req.period.kind === "lastYears" ? iso(Date.parse(`${c.end}T00:00:00Z`) / 86_400_000 - req.period.years * 365 + 1) : c.start;
          // Per record the largest amount among the requirement's types (they are not additive).
          const perRecord = new Map<string, number>();
          for (const [k, v] of Object.entries(row.types ?? {})) {
            const [id, type, date] = k.split("|") as [string, string, string];
            if (!req.creditTypes.includes(type) || date < from) continue;
            perRecord.set(id, Math.max(perRecord.get(id) ?? 0, Number(v)));
          }
          return [{ id: req.id, kind: "creditTypes", got: [...perRecord.values()].reduce((a, b) => a + b, 0), minimum: req.minimum }];
        });
        return { board: c.board, learnerId: c.learner_id, key: c.key, first: c.first, last: c.last, birth: `${String(c.birth_month).padStart(2, "0")}/${String(c.birth_day).padStart(2, "0")}`, npi: c.npi, start: c.start, end: c.end, total: Number(row.total), late: Number(row.late), mandates };
      });
    }, 120_000);

    const minimumOf = (board: string) => SEEDED_REQUIREMENT_RULES.find((r) => r.organisationCode === board)!.total.minimum;
    const shares = (list: Outcome[]) => ({
      n: list.length,
      met: list.filter((o) => o.total >= minimumOf(o.board)).length / list.length,
      short: list.filter((o) => o.total > 0 && o.total < minimumOf(o.board)).length / list.length,
      none: list.filter((o) => o.total === 0).length / list.length,
    });

    it("most licensees of every board met the total at their last cycle end; a visible minority were short; a few had nothing reported", () => {
      const all = shares(outcomes);
      expect(all.n).toBeGreaterThan(1000);
      expect(all.met).toBeGreaterThanOrEqual(0.8);
      expect(all.met).toBeLessThanOrEqual(0.92);
      expect(all.short).toBeGreaterThanOrEqual(0.05);
      expect(all.short).toBeLessThanOrEqual(0.18);
      expect(all.none).toBeGreaterThanOrEqual(0.01);
      expect(all.none).toBeLessThanOrEqual(0.08);
      for (const board of [...STATE_BOARDS, ...CERTIFYING_BOARDS].map((b) => b.code)) {
        const cohort = shares(outcomes.filter((o) => o.board === board));
        if (cohort.n < 40) continue; // too few for a share to mean anything (the Virgin Islands has a handful of licensees)
        expect(cohort.met, `${board} met`).toBeGreaterThanOrEqual(0.72);
        expect(cohort.met, `${board} met`).toBeLessThanOrEqual(0.96);
        expect(cohort.short, `${board} short`).toBeGreaterThan(0);
      }
      // Short by a little and by a lot.
      const shortBy = outcomes.filter((o) => o.total > 0 && o.total < minimumOf(o.board)).map((o) => o.total / minimumOf(o.board));
      expect(shortBy.filter((r) => r >= 0.8).length).toBeGreaterThan(0);
      expect(shortBy.filter((r) => r < 0.5).length).toBeGreaterThan(0);
    });

    it("mandated topics and credit types are met less often than totals, but by most", () => {
      // Topics and credit types only: ABIM's points every 2 years are kept by almost everyone who keeps up at all.
      const withMandates = outcomes.filter((o) => o.mandates.some((m) => m.kind === "creditTypes"));
      const metTotal = withMandates.filter((o) => o.total >= minimumOf(o.board)).length / withMandates.length;
      const mandates = withMandates.flatMap((o) => o.mandates.filter((m) => m.kind === "creditTypes"));
      const metMandate = mandates.filter((m) => m.got >= m.minimum).length / mandates.length;
      expect(mandates.length).toBeGreaterThan(500);
      expect(metMandate).toBeLessThan(metTotal);
      expect(metMandate).toBeGreaterThanOrEqual(0.6);
      const allMet = withMandates.filter((o) => o.total >= minimumOf(o.board) && o.mandates.every((m) => m.kind !== "creditTypes" || m.got >= m.minimum)).length / withMandates.length;
      expect(allMet).toBeLessThan(metTotal);
      expect(allMet).toBeGreaterThanOrEqual(0.55);
    });

    it("a reported physician has about a hundred records over the six years, mostly small online and journal credit with a course now and then", async () => {
      const perLicensee = await share(sql`
        select avg(n) as s from (select learner_id, board_code, count(*) as n from learner.credit_report group by 1, 2) x`);
      expect(perLicensee).toBeGreaterThan(50);
      expect(perLicensee).toBeLessThan(200);
      const perPhysician = await share(sql`select avg(n) as s from (select learner_id, count(*) as n from learner.credit_report group by 1) x`);
      expect(perPhysician).toBeGreaterThan(80);
      const small = await share(sql`select avg((credits <= 2)::int) as s from learner.credit_report where status = 'accepted'`);
      expect(small).toBeGreaterThan(0.5);
      const courses = await share(sql`
        select avg((a.format = 'Course' and cr.credits >= 10)::int) as s from learner.credit_report cr join learner.activity a on a.id = cr.activity_id where cr.status = 'accepted'`);
      expect(courses).toBeGreaterThan(0.005);
      // Patient safety is earned less often than medical knowledge by ABIM's diplomates.
      const abim = await sql<{ ps: string; mk: string }>`
        select count(*) filter (where credit_types ? 'Patient Safety')::text as ps, count(*) filter (where credit_types ? 'Medical Knowledge')::text as mk
        from learner.credit_report where board_code = 'ABIM' and status = 'accepted'`.execute(db);
      expect(Number(abim.rows[0]!.ps)).toBeLessThan(Number(abim.rows[0]!.mk) / 2);
    });

    it("more credit is earned in the months before a cycle ends", () => {
      // Of two-year cycles' credit, the last 120 days would hold about 16% if learning were even.
      const twoYear = outcomes.filter((o) => Date.parse(o.end) - Date.parse(o.start) > 700 * 86_400_000 && Date.parse(o.end) - Date.parse(o.start) < 740 * 86_400_000);
      const total = twoYear.reduce((a, o) => a + o.total, 0);
      const late = twoYear.reduce((a, o) => a + o.late, 0);
      expect(twoYear.length).toBeGreaterThan(300);
      expect(late / total).toBeGreaterThan(0.16 * 1.4);
      expect(late / total).toBeLessThan(0.6);
    });

    it("the app computes the same totals: a roster of those cycles, uploaded and refreshed as a board's, counts what plain SQL counts", async () => {
      for (const board of ["CA-M", "NC-M", "ABIM", "ABP"]) {
        const cohort = outcomes.filter((o) => o.board === board);
        const certifying = CERTIFYING_BOARDS.some((b) => b.code === board);
        const csv = [
          [certifying ? "board_id" : "licence_id", "first_name", "last_name", "birth_date", "npi", "cycle_end"].join(","),
          ...cohort.map((o) => [o.key, o.first, o.last, o.birth, o.npi ?? "", o.end].map((v) => `"${v.replace(/"/g, '""')}"`).join(",")),
        ].join("\r\n");
        const scoped = appAs(seeded, board);
        await seededUpload(scoped, board, csv);
        await refreshRosterStatuses(appAs(seeded, board), board);
        const entries = await sql<{ learner_id: string; credits_counted: string; status: string; cycle_end: string }>`
          select e.learner_id::text, e.credits_counted::text, e.status, e.cycle_end::text from board.roster_entry e
          where e.org_code = ${board} and e.match_quality = 'id' and e.cycle_end < current_date`.execute(db);
        const expected = new Map(cohort.map((o) => [`${o.learnerId}|${o.end}`, o]));
        let compared = 0;
        for (const e of entries.rows) {
          const o = expected.get(`${e.learner_id}|${e.cycle_end}`);
          if (!o) continue;
          compared++;
          expect(Number(e.credits_counted), `${board} learner ${e.learner_id}`).toBe(o.total);
          expect(e.status === "meets", `${board} learner ${e.learner_id} status ${e.status}`).toBe(o.total >= minimumOf(board) && o.mandates.every((m) => m.got >= m.minimum));
        }
        expect(compared, board).toBeGreaterThan(Math.min(20, cohort.length * 0.8));
      }
    }, 120_000);
  });
});

describe("seeding", () => {
  beforeAll(() => {
    db = database.owner;
  });
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
      const seeded = await seedLearnerStore(copy.url, { physicians: 40, seed: 5 });
      expect(seeded.learners).toBe(40);
      const after = await sql<{ reports: string; learners: string }>`
        select (select count(*) from learner.credit_report)::text as reports, (select count(*) from learner.learner)::text as learners`.execute(copy.owner);
      expect(after.rows[0]).toEqual({ reports: String(seeded.reports), learners: "40" });
      expect(seeded.reports).toBeGreaterThan(40);
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
  beforeAll(() => {
    db = database.owner;
  });
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
