// Statuses evaluated in the background and rosters with a life cycle, against a real PostgreSQL and
// the real HTTP app: the refresh's watermark with a provider transaction held open across it (two
// connections), pages that read stored statuses only while the background runner evaluates (after a
// sync, an upload, a link), the roster template, full-cohort uploads that retire, withdrawals,
// links by hand and matching again when new learners reach the store; with the refusals (reviewer,
// another organization, a learner outside the scope). Tests wait on the runner's idle(), never sleep.
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { formatDateTime } from "../../app/lib/format";
import { refreshRosterStatuses } from "../../app/models/renewals.server";
import { RenewalStatusRunner } from "../../app/models/status-runner.server";
import { APP_SESSION_SETTINGS, createDb } from "../../db/client";
import { attributeDefinition, ORGANISATION_ATTRIBUTES } from "../../domain/licensee-attributes";
import { appAs, boardWrites } from "../support/database";
import { get, post, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();
const owner = () => app.database.owner;
const base = () => app.server.baseUrl;
const text = async (response: Response) => (await response.text()).replace(/<!-- -->/g, "");
const today = () => new Date().toISOString().slice(0, 10);

async function postRoster(cookie: string, content: string, fileName: string, fullCohort = false): Promise<Response> {
  const form = new FormData();
  form.append("file", new Blob([content], { type: "text/csv" }), fileName);
  if (fullCohort) form.append("full_cohort", "on");
  return post(base(), "/rosters?index", cookie, form);
}

async function entry(id: string) {
  return owner().selectFrom("board.roster_entry").selectAll().where(sql<boolean>`id = ${id}::bigint`).executeTakeFirstOrThrow();
}

async function auditCount(action: string, target: string): Promise<number> {
  const r = await sql<{ n: string }>`select count(*)::text as n from board.audit_event where action = ${action} and target = ${target}`.execute(owner());
  return Number(r.rows[0]!.n);
}

/** Licensees the board knows by license id, not on its roster yet, with an ASCII name. */
async function freshLicensees(board: string, n: number, offset = 0) {
  const r = await sql<{ key: string; first_name: string; last_name: string; birth: string }>`
    select k.licence_id as key, l.first_name, l.last_name, lpad(l.birth_month::text, 2, '0') || '/' || lpad(l.birth_day::text, 2, '0') as birth
      from learner.licence k join learner.learner l on l.id = k.learner_id
     where k.board_code = ${board} and l.deleted_at is null and l.first_name ~ '^[A-Za-z]+$' and l.last_name ~ '^[A-Za-z]+$'
       and not exists (select 1 from board.roster_entry e where e.org_code = ${board} and upper(e.roster_key) = upper(k.licence_id))
     order by k.licence_id offset ${offset} limit ${n}`.execute(owner());
  if (r.rows.length < n) throw new Error(`only ${r.rows.length} fresh licensees of ${board}`);
  return r.rows;
}

const HEADER = ["license_id", "first_name", "last_name", "birth_date", "npi", "cycle_end"];

describe("the refresh's watermark", () => {
  it("a provider transaction that drew a lower change_seq and commits after a refresh read is seen by the next refresh", async () => {
    await app.server.statuses.idle();
    const db = appAs(app.database, "CA-M");
    await refreshRosterStatuses(db, "CA-M");
    // Two evaluated CA-M entries with live credit: A's records are deleted by the held transaction,
    // B's touched by one that commits while A's is still open.
    const picked = await sql<{ id: string; learner_id: string }>`
      select e.id::text, e.learner_id::text from board.roster_entry e
       where e.org_code = 'CA-M' and e.status in ('meets', 'short') and e.credits_counted > 0 and e.retired_at is null
         and (select count(*) from board.roster_entry x where x.learner_id = e.learner_id and x.org_code = 'CA-M') = 1
       order by e.id limit 2`.execute(owner());
    const [a, b] = picked.rows;
    expect(a && b).toBeTruthy();
    const statusBefore = (await entry(a!.id)).status;

    const held = new pg.Client({ connectionString: app.database.url });
    await held.connect();
    try {
      await held.query("begin");
      const drawn = await held.query<{ seq: string }>(
        `update learner.credit_report set deleted_at = now() where learner_id = $1 and board_code = 'CA-M' and deleted_at is null returning change_seq::text as seq`,
        [a!.learner_id],
      );
      expect(drawn.rows.length).toBeGreaterThan(0);
      const low = drawn.rows.map((r) => BigInt(r.seq)).reduce((x, y) => (y < x ? y : x));
      // A later change commits first: it carries a higher number than the held transaction's.
      await sql`update learner.credit_report set credits = credits where id = (select min(id) from learner.credit_report where learner_id = ${b!.learner_id}::bigint and board_code = 'CA-M' and deleted_at is null)`.execute(owner());
      const high = await sql<{ seq: string }>`select max(change_seq)::text as seq from learner.credit_report where board_code = 'CA-M'`.execute(owner());
      expect(BigInt(high.rows[0]!.seq)).toBeGreaterThan(low);

      // The refresh runs and commits while the held transaction is open (it does not wait for it).
      const first = await refreshRosterStatuses(db, "CA-M", { writerWaitMs: 0 });
      expect(first.evaluated).toBeGreaterThanOrEqual(1);
      const mark = await owner().selectFrom("board.roster_watermark").select("through_seq").where("org_code", "=", "CA-M").executeTakeFirstOrThrow();
      // What it records is below the held transaction's number: it cannot claim to have read it.
      expect(BigInt(mark.through_seq)).toBeLessThan(low);
      expect((await entry(a!.id)).status).toBe(statusBefore);
      await held.query("commit");
    } finally {
      await held.query("rollback").catch(() => undefined);
      await held.end();
    }

    const second = await refreshRosterStatuses(db, "CA-M", { writerWaitMs: 0 });
    expect(second.evaluated).toBeGreaterThanOrEqual(1);
    // Independently: A has no live CA-M record left, so nothing counts.
    const live = await sql<{ n: string }>`select count(*)::text as n from learner.credit_report where learner_id = ${a!.learner_id}::bigint and board_code = 'CA-M' and deleted_at is null`.execute(owner());
    expect(live.rows[0]!.n).toBe("0");
    const after = await entry(a!.id);
    expect(after.status).toBe("nothing");
    expect(Number(after.credits_counted)).toBe(0);
    // With nothing in flight, the watermark reaches the store's head.
    const head = await sql<{ seq: string }>`select max(change_seq)::text as seq from learner.credit_report where board_code = 'CA-M'`.execute(owner());
    const mark = await owner().selectFrom("board.roster_watermark").select("through_seq").where("org_code", "=", "CA-M").executeTakeFirstOrThrow();
    expect(String(mark.through_seq)).toBe(head.rows[0]!.seq);
  });
});

describe("evaluation in the background", () => {
  it("a page request never evaluates; the background run does, and the queue says when statuses were computed", async () => {
    await app.server.statuses.idle();
    const cookie = await signIn(base(), "reviewer@md-m.demo.test");
    const ids = (await sql<{ id: string }>`select id::text from board.roster_entry where org_code = 'MD-M' and learner_id is not null and retired_at is null order by id limit 5`.execute(owner())).rows.map((r) => r.id);
    expect(ids).toHaveLength(5);
    // As a rule change leaves them (without its trigger): pending.
    await sql`update board.roster_entry set status = 'pending' where id = any(${ids}::bigint[])`.execute(owner());
    const evaluatedBefore = (await boardWrites(owner())).evaluated_entries;

    const page = await text(await get(base(), "/renewals", cookie));
    expect(page).toMatch(/data-testid="status-freshness"[^>]*>Statuses computed <time[^>]*>[^<]+<\/time>; updating…/);
    expect((await boardWrites(owner())).evaluated_entries).toBe(evaluatedBefore);
    for (const id of ids) expect((await entry(id)).status).toBe("pending");
    const overview = await text(await get(base(), "/reports/compliance", cookie));
    expect(overview).toContain("updating…");
    const home = await text(await get(base(), "/", cookie));
    expect(home).toMatch(/data-testid="dashboard-compliance"[\s\S]*data-testid="status-freshness"[^>]*>Statuses computed [\s\S]*?; updating…/);
    expect((await boardWrites(owner())).evaluated_entries).toBe(evaluatedBefore);

    const asked = Date.now();
    app.server.statuses.request("MD-M", "asked");
    await app.server.statuses.idle();
    for (const id of ids) expect((await entry(id)).status).not.toBe("pending");
    const mark = await owner().selectFrom("board.roster_watermark").select("computed_at").where("org_code", "=", "MD-M").executeTakeFirstOrThrow();
    expect(mark.computed_at!.getTime()).toBeGreaterThanOrEqual(asked - 1000);
    // In Maryland's time zone, its abbreviation named.
    const shown = formatDateTime(mark.computed_at!, "America/New_York");
    expect(shown).toMatch(/ E[SD]T$/);
    const fresh = await text(await get(base(), "/renewals", cookie));
    expect(fresh).toContain(`Statuses computed <time dateTime="${mark.computed_at!.toISOString()}">${shown}</time>.`);
    expect(fresh).not.toContain("updating…");
  });

  it("a failed evaluation is logged, never thrown, and the next trigger evaluates", async () => {
    await app.server.statuses.idle();
    // A runner of its own whose connections give up on a lock at once, and a lock held on the
    // statuses' watermark table: its evaluation fails for real.
    const db = createDb({ connectionString: app.database.appUrl, max: 2, settings: { ...APP_SESSION_SETTINGS, lock_timeout: "200ms" }, rowScoped: true });
    const errors: string[] = [];
    const runner = new RenewalStatusRunner({ db, logger: { info: () => undefined, error: (_f, message) => errors.push(message) } });
    await sql`update board.roster_entry set status = 'pending' where id = (select min(id) from board.roster_entry where org_code = 'VI-M' and learner_id is not null)`.execute(owner());
    const locker = new pg.Client({ connectionString: app.database.url });
    await locker.connect();
    try {
      await locker.query("begin");
      await locker.query("lock table board.roster_watermark in access exclusive mode");
      runner.request("VI-M", "asked");
      await runner.idle();
      expect(runner.counts).toEqual({ runs: 0, failures: 1 });
      expect(errors).toEqual(["renewal statuses: evaluation failed; retried on the next trigger"]);
      await locker.query("rollback");
      runner.request("VI-M", "asked");
      await runner.idle();
      expect(runner.counts).toEqual({ runs: 1, failures: 1 });
      const pending = await sql<{ n: string }>`select count(*)::text as n from board.roster_entry where org_code = 'VI-M' and status = 'pending'`.execute(owner());
      expect(pending.rows[0]!.n).toBe("0");
    } finally {
      await locker.query("rollback").catch(() => undefined);
      await locker.end();
      await runner.stop();
      await db.destroy();
    }
  });

  it("an upload's new entries show as being evaluated until the background run, which the upload starts", async () => {
    const cookie = await signIn(base(), "supervisor@nc-m.demo.test");
    const people = await freshLicensees("NC-M", 3);
    const csv = stringify([HEADER, ...people.map((p) => [p.key, p.first_name, p.last_name, p.birth, "", "2031-06-15"])]);
    const posted = await postRoster(cookie, csv, "nc-new.csv");
    expect(posted.status).toBe(302);
    const uploadId = posted.headers.get("location")!.match(/^\/rosters\/(\d+)\?uploaded=1$/)![1]!;
    await app.server.statuses.idle();
    const rows = await owner().selectFrom("board.roster_entry").select(["status", "evaluated_at", "match_quality"]).where(sql<boolean>`upload_id = ${uploadId}::bigint`).execute();
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r.status).not.toBe("pending");
      expect(r.evaluated_at).not.toBeNull();
    }
  });

  it("after each analytics sync, unmatched entries are matched again when their licensee has reached the store", async () => {
    await app.server.statuses.idle();
    const target = await sql<{ id: string; roster_key: string; first_name: string; last_name: string; birth_month: number; birth_day: number }>`
      select e.id::text, e.roster_key, e.first_name, e.last_name, e.birth_month, e.birth_day from board.roster_entry e
       where e.org_code = 'CA-M' and e.match_quality = 'none' and e.retired_at is null
         and not exists (select 1 from learner.licence k where k.board_code = 'CA-M' and upper(k.licence_id) = upper(e.roster_key))
       order by e.id limit 1`.execute(owner());
    const unmatched = target.rows[0];
    expect(unmatched).toBeDefined();
    // The provider side: a new learner with this license and one accepted record for CA-M.
    const learner = await sql<{ id: string }>`
      insert into learner.learner (first_name, last_name, birth_month, birth_day)
      values (${unmatched!.first_name}, ${unmatched!.last_name}, ${unmatched!.birth_month}, ${unmatched!.birth_day}) returning id::text`.execute(owner());
    const learnerId = learner.rows[0]!.id;
    await sql`insert into learner.licence (learner_id, board_code, licence_id) values (${learnerId}::bigint, 'CA-M', ${unmatched!.roster_key})`.execute(owner());
    await sql`
      insert into learner.credit_report (activity_id, learner_id, board_code, board_learner_id, completion_date, submitted_at, entry_method, status, credits, credit_types)
      select activity_id, ${learnerId}::bigint, board_code, ${unmatched!.roster_key}, completion_date, submitted_at, entry_method, status, credits, credit_types
        from learner.credit_report where board_code = 'CA-M' and status = 'accepted' and deleted_at is null order by id limit 1`.execute(owner());

    const synced = await app.server.analytics.syncNow();
    expect(synced.outcome).toBe("succeeded");
    await app.server.statuses.idle();
    const after = await entry(unmatched!.id);
    expect(after.learner_id).toBe(learnerId);
    expect(after.match_quality).toBe("id");
    expect(after.status).not.toBe("pending");
    expect(after.status).not.toBe("unmatched");
  });
});

describe("the roster template", () => {
  it("has the required columns, the NPI and the organization's own attribute columns, with an example row that uploads cleanly", async () => {
    const cookie = await signIn(base(), "supervisor@or-m.demo.test");
    const page = await text(await get(base(), "/rosters", cookie));
    expect(page).toContain('href="/rosters/template"');
    const response = await get(base(), "/rosters/template", cookie);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="or-m-roster-template.csv"');
    const body = await response.text();
    const rows = parse(body, { bom: true }) as string[][];
    expect(rows).toHaveLength(2);
    const attributes = ORGANISATION_ATTRIBUTES["OR-M"]!;
    expect(rows[0]!.slice(0, 6)).toEqual(HEADER);
    expect(rows[0]!.length).toBe(6 + attributes.length);
    // Each attribute column is named by one of the names the upload accepts for it.
    attributes.forEach((key, i) => {
      const aliases = attributeDefinition(key)!.aliases.map((a) => a.toLowerCase().replace(/[^a-z0-9]+/g, "_"));
      expect(aliases).toContain(rows[0]![6 + i]);
    });
    // The example row is a valid roster row: uploading the template keeps it.
    const posted = await postRoster(cookie, body, "or-m-roster-template.csv");
    expect(posted.status).toBe(302);
    const uploadId = posted.headers.get("location")!.match(/^\/rosters\/(\d+)/)![1]!;
    const upload = await owner().selectFrom("board.roster_upload").selectAll().where(sql<boolean>`id = ${uploadId}::bigint`).executeTakeFirstOrThrow();
    expect({ total: upload.total_rows, kept: upload.accepted_rows }).toEqual({ total: 1, kept: 1 });

    const abim = (parse(await (await get(base(), "/rosters/template", await signIn(base(), "reviewer@abim.demo.test"))).text(), { bom: true }) as string[][])[0]!;
    expect(abim[0]).toBe("board_id");
    expect((await get(base(), "/rosters/template", await signIn(base(), "reviewer@accme.demo.test"))).status).toBe(404);
  });
});

describe("full-cohort uploads", () => {
  it("retire the open cycles of earlier uploads the file does not list: kept with their decisions, hidden from the queue unless asked", async () => {
    const cookie = await signIn(base(), "supervisor@nd-m.demo.test");
    await app.server.statuses.idle();
    const open = await sql<{ id: string; roster_key: string; first_name: string; last_name: string; birth_month: number; birth_day: number; npi: string | null; cycle_end: string }>`
      select id::text, roster_key, first_name, last_name, birth_month, birth_day, npi, cycle_end::text from board.roster_entry
       where org_code = 'ND-M' and retired_at is null and cycle_end >= current_date order by id`.execute(owner());
    expect(open.rows.length).toBeGreaterThan(10);
    const kept = open.rows.slice(0, 5);
    const dropped = open.rows.slice(5);
    // A decision on one entry about to be retired: it stays.
    const supervisor = await owner().selectFrom("board.staff_user").select("id").where("email", "=", "supervisor@nd-m.demo.test").executeTakeFirstOrThrow();
    await sql`insert into board.decision (org_code, entry_id, cycle_end, outcome, basis, decided_by) values ('ND-M', ${dropped[0]!.id}::bigint, ${dropped[0]!.cycle_end}::date, 'exempt', '{}', ${supervisor.id})`.execute(owner());
    const expectedRetired = await sql<{ n: string }>`
      select count(*)::text as n from board.roster_entry where org_code = 'ND-M' and retired_at is null and cycle_end >= current_date
         and id <> all(${kept.map((k) => k.id)}::bigint[])`.execute(owner());
    const entriesBefore = (await boardWrites(owner())).roster_entries;
    const decisionsBefore = (await boardWrites(owner())).decisions;

    const csv = stringify([HEADER, ...kept.map((k) => [k.roster_key, k.first_name, k.last_name, `${String(k.birth_month).padStart(2, "0")}/${String(k.birth_day).padStart(2, "0")}`, k.npi ?? "", k.cycle_end])]);
    const posted = await postRoster(cookie, csv, "nd-full.csv", true);
    expect(posted.status).toBe(302);
    const location = posted.headers.get("location")!;
    const uploadId = location.match(/^\/rosters\/(\d+)/)![1]!;
    const upload = await owner().selectFrom("board.roster_upload").selectAll().where(sql<boolean>`id = ${uploadId}::bigint`).executeTakeFirstOrThrow();
    expect(upload.full_cohort).toBe(true);
    expect(upload.retired_rows).toBe(Number(expectedRetired.rows[0]!.n));
    expect(upload.new_rows + upload.changed_rows).toBe(0);
    for (const k of kept) expect((await entry(k.id)).retired_at).toBeNull();
    for (const d of dropped) expect((await entry(d.id)).retired_by_upload).toBe(uploadId);
    expect((await boardWrites(owner())).roster_entries).toBe(entriesBefore);
    expect((await boardWrites(owner())).decisions).toBe(decisionsBefore);
    const audit = await owner().selectFrom("board.audit_event").select("detail").where("action", "=", "roster.upload").where("target", "=", `roster_upload:${uploadId}`).executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ fullCohort: true, retiredRows: upload.retired_rows });

    const summary = await text(await get(base(), location, cookie));
    expect(summary).toContain(`${upload.retired_rows} earlier entries with an open cycle not in this file retired`);
    // The queue: hidden by default, shown with the filter.
    const key = encodeURIComponent(dropped[0]!.roster_key);
    const window = `endFrom=${dropped[0]!.cycle_end}&endTo=${dropped[0]!.cycle_end}`;
    const hidden = await text(await get(base(), `/renewals?${window}&key=${key}`, cookie));
    expect(hidden).not.toContain(`/renewals/${dropped[0]!.id}"`);
    const shown = await text(await get(base(), `/renewals?${window}&key=${key}&roster=retired`, cookie));
    expect(shown).toContain(`/renewals/${dropped[0]!.id}"`);
    // Listed again later, an entry comes back.
    const again = stringify([HEADER, [dropped[1]!.roster_key, dropped[1]!.first_name, dropped[1]!.last_name, `${String(dropped[1]!.birth_month).padStart(2, "0")}/${String(dropped[1]!.birth_day).padStart(2, "0")}`, dropped[1]!.npi ?? "", dropped[1]!.cycle_end]]);
    expect((await postRoster(cookie, again, "nd-one-back.csv")).status).toBe(302);
    expect((await entry(dropped[1]!.id)).retired_at).toBeNull();
    await app.server.statuses.idle();
  });
});

describe("withdrawing an upload", () => {
  it("retires what it listed last (not what a later upload lists), keeps decisions, is audited; reviewers and other organizations are refused", async () => {
    const supervisor = await signIn(base(), "supervisor@me-m.demo.test");
    const reviewer = await signIn(base(), "reviewer@me-m.demo.test");
    const people = await freshLicensees("ME-M", 3);
    const row = (p: (typeof people)[number]) => [p.key, p.first_name, p.last_name, p.birth, "", "2031-03-15"];
    const first = await postRoster(supervisor, stringify([HEADER, row(people[0]!), row(people[1]!)]), "me-first.csv");
    const firstId = first.headers.get("location")!.match(/^\/rosters\/(\d+)/)![1]!;
    const second = await postRoster(supervisor, stringify([HEADER, row(people[1]!), row(people[2]!)]), "me-second.csv");
    expect(second.status).toBe(302);
    await app.server.statuses.idle();
    const byKey = async (key: string) => owner().selectFrom("board.roster_entry").selectAll().where("org_code", "=", "ME-M").where("roster_key", "=", key.toUpperCase()).executeTakeFirstOrThrow();
    const onlyFirst = await byKey(people[0]!.key);
    const both = await byKey(people[1]!.key);
    const user = await owner().selectFrom("board.staff_user").select("id").where("email", "=", "supervisor@me-m.demo.test").executeTakeFirstOrThrow();
    await sql`insert into board.decision (org_code, entry_id, cycle_end, outcome, basis, decided_by) values ('ME-M', ${onlyFirst.id}, ${onlyFirst.cycle_end}::date, 'exempt', '{}', ${user.id})`.execute(owner());

    const page = await text(await get(base(), `/rosters/${firstId}`, supervisor));
    expect(page).toContain("Withdraw upload");
    expect(await text(await get(base(), `/rosters/${firstId}`, reviewer))).not.toContain("Withdraw upload");

    const before = await boardWrites(owner());
    expect((await post(base(), `/rosters/${firstId}`, reviewer, { intent: "withdraw", reason: "uploaded by mistake" })).status).toBe(403);
    const noReason = await post(base(), `/rosters/${firstId}`, supervisor, { intent: "withdraw", reason: " " });
    expect(noReason.status).toBe(400);
    expect(await text(noReason)).toContain("Say why the upload is withdrawn");
    const foreign = await owner().selectFrom("board.roster_upload").select("id").where("org_code", "=", "ME-O").executeTakeFirstOrThrow();
    expect((await post(base(), `/rosters/${foreign.id}`, supervisor, { intent: "withdraw", reason: "not ours at all" })).status).toBe(404);
    const { audit_events: _a, sessions: _s, ...unchanged } = before;
    const { audit_events: _a2, sessions: _s2, ...now } = await boardWrites(owner());
    expect(now).toEqual(unchanged);

    const done = await post(base(), `/rosters/${firstId}`, supervisor, { intent: "withdraw", reason: "The wrong month's file" });
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe(`/rosters/${firstId}?withdrawn=1`);
    expect((await byKey(people[0]!.key)).retired_by_upload).toBe(firstId);
    expect((await byKey(people[1]!.key)).retired_at).toBeNull();
    expect(both.id).toBe((await byKey(people[1]!.key)).id);
    const decisions = await sql<{ n: string }>`select count(*)::text as n from board.decision where entry_id = ${onlyFirst.id}`.execute(owner());
    expect(decisions.rows[0]!.n).toBe("1");
    const upload = await owner().selectFrom("board.roster_upload").selectAll().where(sql<boolean>`id = ${firstId}::bigint`).executeTakeFirstOrThrow();
    expect(upload).toMatchObject({ withdraw_reason: "The wrong month's file", withdrawn_retired: 1, withdrawn_by: user.id });
    expect(await auditCount("roster.withdraw", `roster_upload:${firstId}`)).toBe(1);
    expect(await text(await get(base(), `/rosters/${firstId}?withdrawn=1`, supervisor))).toMatch(/Upload withdrawn\.<\/strong> 1 licensee it listed last was retired/);

    const twice = await post(base(), `/rosters/${firstId}`, supervisor, { intent: "withdraw", reason: "again, by mistake" });
    expect(twice.status).toBe(409);
    // The same file may be uploaded again once withdrawn: its licensee comes back.
    expect((await postRoster(supervisor, stringify([HEADER, row(people[0]!), row(people[1]!)]), "me-first-again.csv")).status).toBe(302);
    expect((await byKey(people[0]!.key)).retired_at).toBeNull();
    await app.server.statuses.idle();
  });
});

describe("linking an unmatched entry by hand", () => {
  it("a supervisor links an entry to a licensee in scope (audited, evaluated in the background); reviewers, other boards' entries and learners are refused", async () => {
    const supervisor = await signIn(base(), "supervisor@ca-m.demo.test");
    const reviewer = await signIn(base(), "reviewer@ca-m.demo.test");
    const target = await sql<{ id: string }>`select id::text from board.roster_entry where org_code = 'CA-M' and match_quality in ('none', 'ambiguous') and retired_at is null order by id limit 1`.execute(owner());
    const entryId = target.rows[0]!.id;
    // A CA-M licensee (with CA-M credit), and a learner only OR-M knows.
    const inScope = await sql<{ id: string }>`select learner_id::text as id from learner.credit_report where board_code = 'CA-M' and deleted_at is null order by id limit 1`.execute(owner());
    const outside = await sql<{ id: string }>`
      select l.id::text from learner.learner l
       where exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = 'OR-M')
         and not exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = 'CA-M')
         and not exists (select 1 from learner.licence k where k.learner_id = l.id and k.board_code = 'CA-M')
       order by l.id limit 1`.execute(owner());
    const learnerId = inScope.rows[0]!.id;

    const page = await text(await get(base(), "/rosters/unmatched", supervisor));
    expect(page).toContain(`<input type="hidden" name="entryId" value="${entryId}"/>`);
    expect(await text(await get(base(), "/rosters/unmatched", reviewer))).not.toContain('name="entryId"');

    const before = await boardWrites(owner());
    const body = (learner: string, entry = entryId) => ({ intent: "link", entryId: entry, learnerId: learner, reason: "Same person: confirmed by phone with the licensee" });
    expect((await post(base(), "/rosters/unmatched", reviewer, body(learnerId))).status).toBe(403);
    const outsideAnswer = await post(base(), "/rosters/unmatched", supervisor, body(outside.rows[0]!.id));
    const missingAnswer = await post(base(), "/rosters/unmatched", supervisor, body("999999999999"));
    expect(outsideAnswer.status).toBe(400);
    expect(missingAnswer.status).toBe(400);
    const message = (html: string) => html.match(/class="link-form__error small" role="alert">([^<]*)</)?.[1];
    const outsideMessage = message(await text(outsideAnswer));
    expect(outsideMessage).toBe("No licensee at that address is known to your organization.");
    expect(message(await text(missingAnswer))).toBe(outsideMessage);
    const foreignEntry = await sql<{ id: string }>`select id::text from board.roster_entry where org_code = 'OR-M' and match_quality in ('none', 'ambiguous') order by id limit 1`.execute(owner());
    expect((await post(base(), "/rosters/unmatched", supervisor, body(learnerId, foreignEntry.rows[0]!.id))).status).toBe(404);
    expect((await post(base(), "/rosters/unmatched", supervisor, { ...body(learnerId), reason: "" })).status).toBe(400);
    const { audit_events: _a, sessions: _s, ...unchanged } = before;
    const { audit_events: _a2, sessions: _s2, ...now } = await boardWrites(owner());
    expect(now).toEqual(unchanged);

    // The page address as copied from the browser.
    const linked = await post(base(), "/rosters/unmatched", supervisor, body(`${base()}/licensees/${learnerId}?tab=records`));
    expect(linked.status).toBe(302);
    expect(linked.headers.get("location")).toBe("/rosters/unmatched?linked=1");
    await app.server.statuses.idle();
    const after = await entry(entryId);
    expect(after).toMatchObject({ learner_id: learnerId, match_quality: "manual", link_reason: "Same person: confirmed by phone with the licensee" });
    expect(after.status).not.toBe("pending");
    expect(after.status).not.toBe("unmatched");
    const audit = await owner().selectFrom("board.audit_event").select(["detail", "user_id"]).where("action", "=", "roster.link").where("target", "=", `roster_entry:${entryId}`).executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ learnerId, reason: "Same person: confirmed by phone with the licensee" });
    // Linked entries leave the unmatched queue; matching again leaves them alone.
    expect(await text(await get(base(), "/rosters/unmatched", supervisor))).not.toContain(`value="${entryId}"`);
    app.server.statuses.request("CA-M", "day");
    await app.server.statuses.idle();
    expect((await entry(entryId)).match_quality).toBe("manual");
    expect(today()).toMatch(/^\d{4}-/);
  });
});
