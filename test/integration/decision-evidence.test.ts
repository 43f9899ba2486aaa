// Decisions that follow the evidence, against the real PostgreSQL of a seeded store: an override
// needs a reason and is marked everywhere the decision shows; a decision made on figures that
// changed since the page was shown is refused; the bulk confirmation lists exactly the entries a
// plain SQL query selects and leaves out those whose credit changed; an extension takes a validated
// new deadline and credit completed up to it counts (compared with plain SQL sums).
import { parse } from "csv-parse/sync";
import { sql, type Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import { refreshRosterStatuses } from "../../app/models/renewals.server";
import type { Database } from "../../db/schema";
import { appAs } from "../support/database";
import { unescapeHtml } from "../support/html-forms";
import { get, post, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
const today = () => new Date().toISOString().slice(0, 10);
/** A cycle end near `date` that is not a month's last day nor February 29 (so the CA-M cycle starts plainly 2 years back, plus a day). */
function plainEnd(date: string): string {
  let d = date;
  while (addDays(d, 1).endsWith("-01") || d.endsWith("-02-29") || d.endsWith("-02-28")) d = addDays(d, -1);
  return d;
}
const cycleStart = (end: string) => addDays(`${Number(end.slice(0, 4)) - 2}${end.slice(4)}`, 1);
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
const text = (html: string) => unescapeHtml(html.replace(/<!-- -->/g, "").replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ");

/** CA-M's total over a window, in plain SQL: the largest accepted, live amount per (activity, completion day), summed. */
async function caTotal(owner: Kysely<Database>, learnerId: string, from: string, to: string): Promise<number> {
  const r = await sql<{ total: string }>`
    select coalesce(sum(m), 0)::text as total from (
      select max(r.credits) as m from learner.credit_report r
       where r.learner_id = ${learnerId} and r.board_code = 'CA-M' and r.status = 'accepted' and r.deleted_at is null
         and r.completion_date between ${from}::date and ${to}::date
       group by r.activity_id, r.completion_date) g`.execute(owner);
  return Number(r.rows[0]!.total);
}

/** CA-M licensees not on the roster whose SQL total over the cycle ending `end` lies in [min, max]. */
async function learnersWithTotal(owner: Kysely<Database>, end: string, min: number, max: number, n: number) {
  const start = cycleStart(end);
  const r = await sql<{ learner_id: string; licence_id: string; total: string }>`
    select t.learner_id::text, t.licence_id, t.total::text from (
      select l.id as learner_id, k.licence_id,
             (select coalesce(sum(m), 0) from (select max(r.credits) as m from learner.credit_report r
                where r.learner_id = l.id and r.board_code = 'CA-M' and r.status = 'accepted' and r.deleted_at is null
                  and r.completion_date between ${start}::date and ${end}::date group by r.activity_id, r.completion_date) g) as total
        from learner.licence k join learner.learner l on l.id = k.learner_id
       where k.board_code = 'CA-M' and l.deleted_at is null
         and not exists (select 1 from board.roster_entry x where x.org_code = 'CA-M' and x.learner_id = l.id)) t
     where t.total between ${min} and ${max}
     order by t.learner_id limit ${n}`.execute(owner);
  expect(r.rows.length, `${n} CA-M licensees with ${min}–${max} credits in the cycle ending ${end}`).toBe(n);
  return r.rows.map((x) => ({ learnerId: x.learner_id, licenceId: x.licence_id, total: Number(x.total) }));
}

/** A roster entry of CA-M for the learner, as an upload would store it (matched by licence). */
async function addEntry(owner: Kysely<Database>, learner: { learnerId: string; licenceId: string }, cycleEnd: string): Promise<string> {
  const upload = await sql<{ id: string }>`
    insert into board.roster_upload (org_code, file_name, sha256, total_rows, accepted_rows, rejected_rows, new_rows, changed_rows)
    values ('CA-M', 'evidence.csv', md5(random()::text) || md5(random()::text), 1, 1, 0, 1, 0) returning id::text`.execute(owner);
  const row = await sql<{ id: string }>`
    insert into board.roster_entry (org_code, roster_key, first_name, last_name, birth_month, birth_day, npi, cycle_end, upload_id, line_no, learner_id, match_quality)
    select 'CA-M', ${learner.licenceId}, l.first_name, l.last_name, l.birth_month, l.birth_day, l.npi, ${cycleEnd}::date, ${upload.rows[0]!.id}, 2, l.id, 'id'
      from learner.learner l where l.id = ${learner.learnerId}
    returning id::text`.execute(owner);
  return row.rows[0]!.id;
}

/**
 * Credit reports a provider sends (written as the owner: the app's role cannot write the learner
 * store): `credits` completed on `completion`, split over activities open that day, none above its
 * activity's maximum (so no data-rule flag); the topic amounts go on the first.
 */
async function provide(owner: Kysely<Database>, learnerId: string, completion: string, credits: number, types: Record<string, number> = {}): Promise<void> {
  const activities = await sql<{ id: string; max: string }>`
    select a.id, a.max_cme_credits::text as max from learner.activity a
     where a.start_date <= ${completion}::date and a.end_date >= ${completion}::date and a.max_cme_credits > 0
     order by a.max_cme_credits desc, a.id limit 50`.execute(owner);
  let left = credits;
  for (const [i, activity] of activities.rows.entries()) {
    if (left <= 0) break;
    const amount = Math.min(left, Number(activity.max));
    await sql`insert into learner.credit_report (activity_id, learner_id, board_code, completion_date, submitted_at, entry_method, status, credits, credit_types)
      values (${activity.id}, ${learnerId}, 'CA-M', ${completion}::date, now(), 'web_service', 'accepted', ${amount}, ${JSON.stringify(i === 0 ? types : {})}::jsonb)`.execute(owner);
    left -= amount;
  }
  expect(left, `activities open on ${completion} for ${credits} credits`).toBeLessThanOrEqual(0);
}

async function page(path: string, cookie: string): Promise<string> {
  const response = await get(app.server.baseUrl, path, cookie);
  expect(response.status, path).toBe(200);
  return response.text();
}
const shownOn = (html: string) => html.match(/name="shown" value="([0-9a-f]{20})"/)![1]!;
const decisionsOf = (owner: Kysely<Database>, entryId: string) => owner.selectFrom("board.decision").selectAll().where("entry_id", "=", entryId).orderBy("id").execute();

describe("overrides", () => {
  it("Compliant on a short entry needs a reason (refused without one, nothing written); with one it is marked in the history, the licensee page and the export", async () => {
    const { database, server } = app;
    const owner = database.owner;
    const reviewer = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const end = plainEnd(addDays(today(), 120));
    const [short] = await learnersWithTotal(owner, end, 1, 40, 1);
    const entryId = await addEntry(owner, short!, end);
    const html = await page(`/renewals/${entryId}`, reviewer);
    // The warning is beside the contradicting choice, on the server-rendered page; none beside Deficient.
    expect(html).toContain('data-testid="override-warning-compliant"');
    expect(html).not.toContain('data-testid="override-warning-deficient"');
    const shown = shownOn(html);

    for (const overrideReason of ["", "ok", "Board said so."]) {
      const refused = await post(server.baseUrl, `/renewals/${entryId}`, reviewer, { intent: "decide", outcome: "compliant", note: "", overrideReason, shown });
      expect(refused.status, overrideReason).toBe(400);
      const body = text(await refused.text());
      expect(body).toContain("is an override");
      expect(body).toMatch(/at least a sentence/);
    }
    expect(await decisionsOf(owner, entryId)).toEqual([]);

    const reason = "Licensee sent certificates for 40 hours the providers never reported; checked by phone.";
    const ok = await post(server.baseUrl, `/renewals/${entryId}`, reviewer, { intent: "decide", outcome: "compliant", note: "Certificates on file.", overrideReason: reason, shown });
    expect(ok.status).toBe(302);
    const [stored] = await decisionsOf(owner, entryId);
    expect(stored).toMatchObject({ outcome: "compliant", override: true, override_reason: reason, extended_to: null });
    // The basis is the live check: the SQL total of the cycle.
    const basis = stored!.basis as { status: string; requirements: Array<{ id: string; counted: number }> };
    expect(basis.requirements[0]).toMatchObject({ id: "total", counted: await caTotal(owner, short!.learnerId, cycleStart(end), end) });
    const audit = await sql<{ detail: { override?: string } }>`select detail from board.audit_event where action = 'decision.record' and target = ${`entry:${entryId}`}`.execute(owner);
    expect(audit.rows[0]!.detail.override).toBe(reason);

    expect(text(await page(`/renewals/${entryId}`, reviewer))).toContain(`Override: ${reason}`);
    expect(text(await page(`/licensees/${short!.learnerId}`, reviewer))).toContain(`Override: ${reason}`);
    const csv = await (await get(server.baseUrl, `/renewals/export?download=csv&endFrom=${end}&endTo=${end}&key=${encodeURIComponent(short!.licenceId)}`, reviewer)).text();
    const rows = parse(csv.replace(/^\uFEFF/, ""), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.Decision)).toEqual([`Compliant · Override: ${reason}`]);
    const xlsx = await get(server.baseUrl, `/renewals/export?download=xlsx&endFrom=${end}&endTo=${end}&key=${encodeURIComponent(short!.licenceId)}`, reviewer);
    expect(xlsx.status).toBe(200);
    expect((await xlsx.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it("no override when the outcome agrees with the check: Deficient on a short entry, Compliant on one that meets", async () => {
    const { database, server } = app;
    const owner = database.owner;
    const reviewer = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const end = plainEnd(addDays(today(), 121));
    const [short] = await learnersWithTotal(owner, end, 1, 40, 1);
    const shortEntry = await addEntry(owner, short!, end);
    const html = await page(`/renewals/${shortEntry}`, reviewer);
    const deficient = await post(server.baseUrl, `/renewals/${shortEntry}`, reviewer, {
      intent: "decide",
      outcome: "deficient",
      note: "",
      overrideReason: "Typed by mistake, not needed here at all.",
      shown: shownOn(html),
    });
    expect(deficient.status).toBe(302);
    expect(await decisionsOf(owner, shortEntry)).toMatchObject([{ outcome: "deficient", override: false, override_reason: null }]);

    // One with plenty: the total and CA-M's one-time pain management topic both met (credit added by a provider).
    const [plenty] = await learnersWithTotal(owner, end, 0, 40, 2).then((l) => l.slice(1));
    await provide(owner, plenty!.learnerId, addDays(today(), -20), 60, { "Pain Management": 12 });
    expect(await caTotal(owner, plenty!.learnerId, cycleStart(end), end)).toBeGreaterThanOrEqual(50);
    const meetsEntry = await addEntry(owner, plenty!, end);
    const meetsPage = await page(`/renewals/${meetsEntry}`, reviewer);
    expect(meetsPage).not.toContain('data-testid="override-warning-compliant"');
    const compliant = await post(server.baseUrl, `/renewals/${meetsEntry}`, reviewer, { intent: "decide", outcome: "compliant", note: "", shown: shownOn(meetsPage) });
    expect(compliant.status).toBe(302);
    expect(await decisionsOf(owner, meetsEntry)).toMatchObject([{ outcome: "compliant", override: false, override_reason: null }]);
  });
});

describe("the live re-check at commit", () => {
  it("refuses a decision when a provider's record changed the figures after the page was shown, writing nothing; the fresh page's decision is recorded", async () => {
    const { database, server } = app;
    const owner = database.owner;
    const reviewer = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const end = plainEnd(addDays(today(), 122));
    const [short] = await learnersWithTotal(owner, end, 1, 40, 1);
    const entryId = await addEntry(owner, short!, end);
    const shown = shownOn(await page(`/renewals/${entryId}`, reviewer));
    await provide(owner, short!.learnerId, addDays(today(), -5), 30, { "Pain Management": 12 });
    const refused = await post(server.baseUrl, `/renewals/${entryId}`, reviewer, { intent: "decide", outcome: "deficient", note: "Short.", shown });
    expect(refused.status).toBe(409);
    const total = await caTotal(owner, short!.learnerId, cycleStart(end), end);
    expect(total).toBe(short!.total + 30);
    const body = text(await refused.text());
    expect(body).toContain("The credit changed while you were deciding: now");
    expect(body).toContain(`total ${fmt(total)} of 50`);
    expect(body).toContain("Review it and submit again.");
    expect(await decisionsOf(owner, entryId)).toEqual([]);

    const fresh = shownOn(await page(`/renewals/${entryId}`, reviewer));
    expect(fresh).not.toBe(shown);
    const ok = await post(server.baseUrl, `/renewals/${entryId}`, reviewer, { intent: "decide", outcome: "referred_to_audit", note: "", shown: fresh });
    expect(ok.status).toBe(302);
    expect(await decisionsOf(owner, entryId)).toHaveLength(1);
  });
});

describe("extensions", () => {
  it("need a new deadline after the cycle end and at most a year after it; credit completed by the deadline then counts (plain SQL sums)", async () => {
    const { database, server } = app;
    const owner = database.owner;
    const reviewer = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const end = plainEnd(addDays(today(), -40));
    const [short] = await learnersWithTotal(owner, end, 1, 40, 1);
    const entryId = await addEntry(owner, short!, end);
    // Completed after the cycle end: enough for the total and the pain management topic, if it counted.
    const late = addDays(end, 10);
    await provide(owner, short!.learnerId, late, 50 - short!.total + 5, { "Pain Management": 12 });
    await refreshRosterStatuses(appAs(database, "CA-M"), "CA-M");
    const before = await owner.selectFrom("board.roster_entry").select(["status", "credits_counted", "requirements_short"]).where("id", "=", entryId).executeTakeFirstOrThrow();
    expect(Number(before.credits_counted)).toBe(await caTotal(owner, short!.learnerId, cycleStart(end), end));
    expect(Number(before.credits_counted)).toBeLessThan(50);
    expect(before.requirements_short).toContain("total");

    const shown = shownOn(await page(`/renewals/${entryId}`, reviewer));
    const yearLater = `${Number(end.slice(0, 4)) + 1}${end.slice(4)}`;
    const attempts: Array<[string | undefined, RegExp]> = [
      [undefined, /Give the new deadline/],
      [end, /must be after the renewal date/],
      [addDays(end, -3), /must be after the renewal date/],
      [addDays(yearLater, 1), /at most a year after the renewal date/],
      [`${end.slice(0, 4)}-02-30`, /real date/],
    ];
    for (const [extendedTo, message] of attempts) {
      const response = await post(server.baseUrl, `/renewals/${entryId}`, reviewer, {
        intent: "decide",
        outcome: "extension_granted",
        note: "",
        shown,
        ...(extendedTo === undefined ? {} : { extendedTo }),
      });
      expect(response.status, String(extendedTo)).toBe(400);
      expect(text(await response.text()), String(extendedTo)).toMatch(message);
    }
    expect(await decisionsOf(owner, entryId)).toEqual([]);

    const deadline = addDays(end, 30);
    const granted = await post(server.baseUrl, `/renewals/${entryId}`, reviewer, { intent: "decide", outcome: "extension_granted", note: "30 days", extendedTo: deadline, shown });
    expect(granted.status).toBe(302);
    expect(await decisionsOf(owner, entryId)).toMatchObject([{ outcome: "extension_granted", extended_to: deadline, override: false }]);
    // Judged against the new deadline from now on: pending until the refresh, then the total through the deadline.
    const pending = await owner.selectFrom("board.roster_entry").select("status").where("id", "=", entryId).executeTakeFirstOrThrow();
    expect(pending.status).toBe("pending");
    await refreshRosterStatuses(appAs(database, "CA-M"), "CA-M");
    const after = await owner.selectFrom("board.roster_entry").select(["status", "credits_counted", "requirements_short", "cycle_start"]).where("id", "=", entryId).executeTakeFirstOrThrow();
    const throughDeadline = await caTotal(owner, short!.learnerId, cycleStart(end), deadline);
    expect(throughDeadline).toBeGreaterThanOrEqual(50);
    expect(Number(after.credits_counted)).toBe(throughDeadline);
    expect(after.cycle_start).toBe(cycleStart(end));
    expect(after.requirements_short).toEqual([]);
    expect(["meets", "needs_review"]).toContain(after.status);
    const shownPage = text(await page(`/renewals/${entryId}`, reviewer));
    expect(shownPage).toContain(`extended to ${deadline.slice(5, 7)}/${deadline.slice(8)}/${deadline.slice(0, 4)}`);
    expect(shownPage).toContain(`Cycle ${cycleStart(end).slice(5, 7)}/${cycleStart(end).slice(8)}/${cycleStart(end).slice(0, 4)} to ${end.slice(5, 7)}/${end.slice(8)}/${end.slice(0, 4)}`);

    // A supervisor's later "Compliant" keeps the deadline in force and agrees with the check: no override.
    const supervisor = await signIn(server.baseUrl, "supervisor@ca-m.demo.test");
    const decided = await decisionsOf(owner, entryId);
    const superseding = await post(server.baseUrl, `/renewals/${entryId}`, supervisor, {
      intent: "supersede",
      supersedes: decided[0]!.id,
      outcome: "compliant",
      note: "",
      reason: "Completed within the extension.",
      shown: shownOn(await page(`/renewals/${entryId}`, supervisor)),
    });
    expect(superseding.status).toBe(302);
    expect((await decisionsOf(owner, entryId))[1]).toMatchObject({ outcome: "compliant", extended_to: deadline, override: false });
  });
});

describe("bulk decisions", () => {
  it("list exactly the entries plain SQL selects; entries whose credit changed or that were decided meanwhile are left out and named", async () => {
    const { database, server } = app;
    const owner = database.owner;
    const reviewer = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const from = today();
    const to = addDays(from, 90);
    const html = await page(`/renewals/bulk?endFrom=${from}&endTo=${to}`, reviewer);
    const listed = [...html.matchAll(/data-entry="(\d+)"/g)].map((m) => m[1]!);
    const expected = await sql<{ id: string }>`
      select e.id::text from board.roster_entry e
       where e.org_code = 'CA-M' and e.cycle_end between ${from}::date and ${to}::date and e.status = 'meets' and e.learner_id is not null
         and not exists (select 1 from board.decision d where d.entry_id = e.id)
       order by e.cycle_end, e.id`.execute(owner);
    expect(expected.rows.length, "CA-M entries that meet in the next 90 days").toBeGreaterThan(3);
    expect(listed).toEqual(expected.rows.slice(0, 500).map((r) => r.id));
    expect(text(html)).toContain(`${expected.rows.length > 500 ? 500 : expected.rows.length} licensee`);
    const form = html.match(/name="entries" value="([\d,]+)"/)![1]!;
    expect(form.split(",")).toEqual(listed);

    // Between the list and the confirmation: one licensee's credit is withdrawn by its provider, another is decided by hand.
    const [changed, decided] = [listed[0]!, listed[1]!];
    const changedLearner = (await owner.selectFrom("board.roster_entry").select("learner_id").where("id", "=", changed).executeTakeFirstOrThrow()).learner_id!;
    await sql`update learner.credit_report set deleted_at = now() where learner_id = ${changedLearner} and board_code = 'CA-M'`.execute(owner);
    const decidedPage = await page(`/renewals/${decided}`, reviewer);
    expect((await post(server.baseUrl, `/renewals/${decided}`, reviewer, { intent: "decide", outcome: "referred_to_audit", note: "", shown: shownOn(decidedPage) })).status).toBe(302);

    const response = await post(server.baseUrl, `/renewals/bulk?endFrom=${from}&endTo=${to}`, reviewer, { entries: form, note: "bulk", confirm: "yes" });
    expect(response.status).toBe(200);
    const result = text(await response.text());
    expect(result).toContain(`${(listed.length - 2).toLocaleString("en-US")} compliant decisions recorded and saved. 2 not recorded`);
    const names = await sql<{ id: string; name: string }>`select id::text, last_name || ', ' || first_name as name from board.roster_entry where id = any(${[changed, decided]}::bigint[])`.execute(owner);
    for (const n of names.rows) expect(result).toContain(n.name);
    expect(result).toContain("their credit changed: now Nothing reported");

    const bulk = await sql<{ entry_id: string; override: boolean }>`select entry_id::text, override from board.decision where bulk and entry_id = any(${listed}::bigint[]) order by entry_id`.execute(owner);
    expect(bulk.rows.map((r) => r.entry_id).sort()).toEqual(listed.filter((id) => id !== changed && id !== decided).sort());
    expect(bulk.rows.every((r) => !r.override)).toBe(true);
    expect(await decisionsOf(owner, changed)).toEqual([]);
    expect(await decisionsOf(owner, decided)).toMatchObject([{ outcome: "referred_to_audit", bulk: false }]);

    // Confirming the same list again records nothing more: every one is decided or changed.
    const again = await post(server.baseUrl, `/renewals/bulk?endFrom=${from}&endTo=${to}`, reviewer, { entries: form, note: "bulk", confirm: "yes" });
    expect(text(await again.text())).toContain("0 compliant decisions recorded");
    // A list naming another organisation's entry writes nothing.
    const abim = await sql<{ id: string }>`select id::text from board.roster_entry where org_code = 'ABIM' order by id limit 1`.execute(owner);
    const count = async () => Number((await sql<{ n: string }>`select count(*)::text as n from board.decision`.execute(owner)).rows[0]!.n);
    const n = await count();
    const foreign = await post(server.baseUrl, "/renewals/bulk", reviewer, { entries: `${listed.at(-1)},${abim.rows[0]!.id}`, note: "", confirm: "yes" });
    expect(foreign.status).toBe(409);
    expect(await count()).toBe(n);
  });
});
