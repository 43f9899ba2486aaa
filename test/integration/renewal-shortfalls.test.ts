// Shortfall by requirement, against plain SQL on the seeded store: the amounts the refresh stores per
// requirement (recomputed here from the credit reports), the queue's "short in" filter, its order
// (most short first), its pages and deadline window, refusals of bad filters (a message and no rows),
// the words each kind of organization reads, and the compliance cards, which count only what the
// organization's rules define.
import { parse } from "csv-parse/sync";
import { sql, type Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import { getRuleSet, updateRuleSet } from "../../app/models/rules.server";
import { refreshRosterStatuses } from "../../app/models/renewals.server";
import type { Database } from "../../db/schema";
import { ruleMeasures } from "../../domain/requirement-rules";
import { appAs } from "../support/database";
import { get, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();

/**
 * "Today" for a board is the date in its time zone (California: Los Angeles; ABIM: New York), as
 * PostgreSQL's own time zone data computes it, not the app's code.
 */
const ZONES: Record<string, string> = { "CA-M": "America/Los_Angeles", ABIM: "America/New_York" };
const boardDate = (org: string) => sql<string>`(now() at time zone ${sql.lit(ZONES[org]!)})::date`;
async function boardToday(org: string): Promise<string> {
  return (await sql<{ d: string }>`select ${boardDate(org)}::text as d`.execute(app.database.owner)).rows[0]!.d;
}
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
const text = async (response: Response) => (await response.text()).replace(/<!-- -->/g, "");
const figure = (html: string, testId: string) => html.match(new RegExp(`data-testid="${testId}">([^<]*)<`))?.[1] ?? null;
const count = (n: number | string) => Number(n).toLocaleString("en-US");

/** The queue as exported (every matching row, in the queue's order): key and the "Short by" cell. */
async function exported(baseUrl: string, cookie: string, query: string): Promise<Array<{ key: string; shortBy: string }>> {
  const response = await get(baseUrl, `/renewals/export?download=csv&${query}`, cookie);
  expect(response.status, query).toBe(200);
  const rows = parse((await response.text()).replace(/^\uFEFF/, ""), { columns: true }) as Record<string, string>[];
  return rows.map((r) => ({ key: (r["License number"] ?? r["Board ID"])!, shortBy: Object.entries(r).find(([k]) => k.startsWith("Short by"))![1] }));
}

/** The same, in plain SQL over the stored figures: short in `measure`, most short first, then by id (descending, the keyset's tie-break). */
async function expectedShortIn(owner: Kysely<Database>, org: string, measure: string, from: string, to: string) {
  const result = await sql<{ key: string; amount: string }>`
    select roster_key as key, (shortfalls ->> ${measure})::numeric::text as amount from board.roster_entry
     where org_code = ${org} and cycle_end between ${from}::date and ${to}::date and shortfalls ? ${measure}
     order by (shortfalls ->> ${measure})::numeric desc, id desc`.execute(owner);
  return result.rows.map((r) => ({ key: r.key, shortBy: String(Number(r.amount)) }));
}

/** Every entry page link of a queue page, in order. */
const entryIds = (html: string) => [...html.matchAll(/href="\/renewals\/(\d+)"/g)].map((m) => m[1]!);
const hrefOf = (html: string, testId: string) => {
  const tag = html.match(new RegExp(`<a [^>]*data-testid="${testId}"[^>]*>`))?.[0];
  return tag ? tag.match(/href="([^"]*)"/)![1]!.replace(/&amp;/g, "&") : null;
};

/**
 * ABIM with a Patient Safety minimum (20 MOC points per cycle) added by its supervisor, as a board
 * would through the rule editor, then evaluated.
 */
async function abimWithPatientSafety(owner: Kysely<Database>, app: Kysely<Database>) {
  const stored = await getRuleSet(owner, "ABIM");
  if (!stored) throw new Error("ABIM has no rules");
  if (stored.rule.requirements.some((r) => r.id === "patient-safety")) return;
  const supervisor = await owner.selectFrom("board.staff_user").select("id").where("email", "=", "supervisor@abim.demo.test").executeTakeFirstOrThrow();
  const next = structuredClone(stored.rule);
  next.requirements.push({
    kind: "creditTypes",
    id: "patient-safety",
    creditTypes: ["Patient Safety"],
    minimum: 20,
    period: { kind: "cycle" },
    provenance: { source: "Test: the board's own policy", assumed: false },
  });
  const saved = await updateRuleSet(owner, { id: supervisor.id, orgCode: "ABIM" }, next, { expectedVersion: stored.version, effectiveFrom: "2000-01-01", reason: "Patient Safety minimum for the test.", ip: null });
  expect(saved.ok).toBe(true);
  await refreshRosterStatuses(app, "ABIM");
}

/**
 * ABIM's Patient Safety points per entry, recomputed from the credit reports: accepted, live records
 * completed in the 5-year cycle (the day after the cycle end, 5 years back .. the cycle end: a cycle
 * ending January 31 starts February 1), one per activity and completion day (the largest), each
 * counting its Patient Safety amount up to its credits. A cycle whose next day is February 29 is
 * left out (5 years back has no such day).
 */
async function expectedPatientSafety(owner: Kysely<Database>): Promise<Map<string, number>> {
  const result = await sql<{ id: string; points: string }>`
    with e as (
      select id, learner_id, cycle_end, (cycle_end + 1 - interval '5 years')::date as cycle_start
        from board.roster_entry
       where org_code = 'ABIM' and learner_id is not null and status not in ('unmatched', 'no_cycle', 'pending')
         and to_char(cycle_end + 1, 'MM-DD') <> '02-29'),
    g as (
      select e.id, cr.activity_id, cr.completion_date,
             max(least(cr.credits, coalesce((cr.credit_types ->> 'Patient Safety')::numeric, 0))) as points
        from e join learner.credit_report cr on cr.learner_id = e.learner_id and cr.board_code = 'ABIM'
       where cr.status = 'accepted' and cr.deleted_at is null and cr.completion_date between e.cycle_start and e.cycle_end
       group by e.id, cr.activity_id, cr.completion_date)
    select e.id::text, coalesce(sum(g.points), 0)::text as points from e left join g on g.id = e.id group by e.id`.execute(owner);
  return new Map(result.rows.map((r) => [r.id, Number(r.points)]));
}

describe("stored shortfalls", () => {
  it("name exactly the unmet requirements; the total's is required minus counted; ABIM's Patient Safety equals plain SQL", async () => {
    const { database } = app;
    await refreshRosterStatuses(appAs(database, "CA-M"), "CA-M");
    await abimWithPatientSafety(database.owner, appAs(database, "ABIM"));
    const rows = await sql<{ id: string; org_code: string; status: string; shortfalls: Record<string, number>; requirements_short: string[]; credits_counted: string | null; credits_required: string | null }>`
      select id::text, org_code, status, shortfalls, requirements_short, credits_counted::text, credits_required::text
        from board.roster_entry where org_code in ('CA-M', 'ABIM')`.execute(database.owner);
    expect(rows.rows.length).toBeGreaterThan(50);
    let totals = 0;
    for (const row of rows.rows) {
      expect(Object.keys(row.shortfalls).sort(), row.id).toEqual([...row.requirements_short].sort());
      for (const amount of Object.values(row.shortfalls)) expect(amount, row.id).toBeGreaterThan(0);
      if (row.shortfalls.total !== undefined) {
        totals++;
        expect(row.shortfalls.total, row.id).toBeCloseTo(Number(row.credits_required) - Number(row.credits_counted), 2);
      }
      if (row.status === "unmatched" || row.status === "no_cycle") expect(row.shortfalls).toEqual({});
    }
    expect(totals).toBeGreaterThan(0);

    const points = await expectedPatientSafety(database.owner);
    expect(points.size).toBeGreaterThan(10);
    const stored = new Map(rows.rows.filter((r) => r.org_code === "ABIM").map((r) => [r.id, r.shortfalls]));
    let short = 0;
    for (const [id, earned] of points) {
      const want = Math.max(0, 20 - earned);
      if (want > 0) short++;
      expect(`${id}: ${stored.get(id)?.["patient-safety"] ?? 0}`).toBe(`${id}: ${want}`);
    }
    // The demo data has diplomates on both sides of the minimum.
    expect(short).toBeGreaterThan(0);
    expect(short).toBeLessThan(points.size);
  });
});

describe("the queue's short-in filter", () => {
  it("CA-M: short in each measure lists exactly the SQL set, most short first, with the amount, and counts it", async () => {
    const { database, server } = app;
    await refreshRosterStatuses(appAs(database, "CA-M"), "CA-M");
    const cookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const day = await boardToday("CA-M");
    const from = addDays(day, -400);
    const to = addDays(day, 400);
    let nonEmpty = 0;
    for (const measure of ["total", "pain-end-of-life"]) {
      const want = await expectedShortIn(database.owner, "CA-M", measure, from, to);
      if (want.length) nonEmpty++;
      expect(await exported(server.baseUrl, cookie, `short=${measure}&endFrom=${from}&endTo=${to}`), measure).toEqual(want);
      const html = await text(await get(server.baseUrl, `/renewals?short=${measure}&endFrom=${from}&endTo=${to}`, cookie));
      expect(figure(html, "result-count")).toBe(`${count(want.length)} ${want.length === 1 ? "licensee" : "licensees"}`);
    }
    expect(nonEmpty).toBe(2);
    // The strip links each of CA-M's measures, in the rules' order, and nothing else.
    const html = await text(await get(server.baseUrl, `/renewals?endFrom=${from}&endTo=${to}`, cookie));
    expect([...html.matchAll(/data-testid="short-in-([a-z0-9-]+)"/g)].map((m) => m[1])).toEqual(ruleMeasures((await getRuleSet(database.owner, "CA-M"))!.rule).map((m) => m.id));
  });

  it("ABIM: diplomates short in Patient Safety before a deadline, in two clicks from the queue, keyset-paged in order", async () => {
    const { database, server } = app;
    await abimWithPatientSafety(database.owner, appAs(database, "ABIM"));
    const cookie = await signIn(server.baseUrl, "reviewer@abim.demo.test");
    const queue = await text(await get(server.baseUrl, "/renewals", cookie));
    // Click 1: "Patient Safety" in the short-in strip (the default window: the next 90 days).
    const first = hrefOf(queue, "short-in-patient-safety");
    expect(first).not.toBeNull();
    const shortIn = await text(await get(server.baseUrl, first!, cookie));
    // Click 2: the deadline's quick choice, "Next 180 days".
    const second = hrefOf(shortIn, "window-180");
    expect(second).not.toBeNull();
    const url = new URL(second!, server.baseUrl);
    const day = await boardToday("ABIM");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ short: "patient-safety", endFrom: day, endTo: addDays(day, 180) });
    const want = await expectedShortIn(database.owner, "ABIM", "patient-safety", day, addDays(day, 180));
    expect(want.length).toBeGreaterThan(25);
    const ids = await sql<{ id: string }>`select id::text from board.roster_entry
      where org_code = 'ABIM' and cycle_end between ${boardDate("ABIM")} and ${boardDate("ABIM")} + 180 and shortfalls ? 'patient-safety'
      order by (shortfalls ->> 'patient-safety')::numeric desc, id desc`.execute(database.owner);
    // Every page through the "next" links: each entry once, most short first.
    const seen: string[] = [];
    let path: string | null = second!;
    for (let i = 0; i < 50 && path; i++) {
      const html = await text(await get(server.baseUrl, path, cookie));
      if (i === 0) {
        expect(figure(html, "result-count")).toBe(`${count(want.length)} diplomates`);
        expect(html).toContain("short or not yet met in <strong>Patient Safety</strong>");
      }
      seen.push(...entryIds(html));
      const anchor = html.match(/<a [^>]*rel="next"[^>]*>/)?.[0];
      path = anchor ? anchor.match(/href="([^"]*)"/)![1]!.replace(/&amp;/g, "&") : null;
    }
    expect(seen).toEqual(ids.rows.map((r) => r.id));
    // The export holds the same rows with each one's Patient Safety shortfall.
    expect(await exported(server.baseUrl, cookie, url.search.slice(1))).toEqual(want);
  });

  it("the deadline window's quick choices and dates bound the cycle end", async () => {
    const { database, server } = app;
    const cookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const queue = await text(await get(server.baseUrl, "/renewals?short=total", cookie));
    for (const days of [30, 90, 180]) {
      const href = hrefOf(queue, `window-${days}`)!;
      const html = await text(await get(server.baseUrl, href, cookie));
      const n = await sql<{ n: string }>`select count(*)::text as n from board.roster_entry
        where org_code = 'CA-M' and cycle_end between ${boardDate("CA-M")} and ${boardDate("CA-M")} + ${days}::int and shortfalls ? 'total'`.execute(database.owner);
      expect(figure(html, "result-count"), `${days} days`).toBe(`${count(n.rows[0]!.n)} licensee${n.rows[0]!.n === "1" ? "" : "s"}`);
    }
    // A window of past cycle ends: "short at cycle end", never "not yet met".
    const day = await boardToday("CA-M");
    const past = await text(await get(server.baseUrl, `/renewals?short=total&endFrom=${addDays(day, -365)}&endTo=${addDays(day, -1)}`, cookie));
    const pastRows = await sql<{ n: string }>`select count(*)::text as n from board.roster_entry
      where org_code = 'CA-M' and cycle_end between ${boardDate("CA-M")} - 365 and ${boardDate("CA-M")} - 1 and shortfalls ? 'total'`.execute(database.owner);
    if (Number(pastRows.rows[0]!.n) > 0) expect(past).toContain("Short at cycle end");
    expect(past).not.toContain(">Not yet met (cycle open)<");
    const open = await text(await get(server.baseUrl, `/renewals?short=total&status=short`, cookie));
    expect(open).toContain(">Not yet met (cycle open)<");
    expect(open).not.toContain(">Short at cycle end<");
  });

  it("a bad filter shows its message and no rows; its export is refused", async () => {
    const { server } = app;
    const cookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    for (const query of [
      "short=patient-safety", // ABIM's, not CA-M's
      "short=no-such-requirement",
      "short=%27%3B%20drop%20table",
      "short=total&short=pain-end-of-life",
      "short=total&endFrom=2026-05-01&endTo=2026-01-01",
      "short=total&endTo=2024-02-30",
      "status=bogus",
    ]) {
      const response = await get(server.baseUrl, `/renewals?${query}`, cookie);
      expect(response.status, query).toBe(400);
      const html = await text(response);
      expect(html, query).toMatch(/filter-error/);
      expect(entryIds(html), query).toEqual([]);
      expect(figure(html, "result-count"), query).toBeNull();
      expect(figure(html, "result-refused"), query).toBe("No results until the filters are corrected");
      expect((await get(server.baseUrl, `/renewals/export?download=csv&${query}`, cookie)).status, query).toBe(400);
    }
    const wrongOrg = await text(await get(server.baseUrl, "/renewals?short=patient-safety", cookie));
    expect(wrongOrg).toContain("Choose one of your requirements");
  });

  it("speaks each organization's words: diplomates and MOC points for ABIM, licensees and license numbers for CA-M", async () => {
    const { server } = app;
    // The page's own content (not the site navigation, nor the data the page carries for the browser).
    const main = async (response: Response) => {
      const html = await text(response);
      return html.slice(html.indexOf("<main"), html.indexOf("</main>"));
    };
    const abim = await main(await get(server.baseUrl, "/renewals?endFrom=2000-01-01&endTo=2100-01-01", await signIn(server.baseUrl, "reviewer@abim.demo.test")));
    expect(abim).toContain("Certification cycle queue");
    expect(abim).toMatch(/<th[^>]*>.*?Diplomate/s);
    expect(abim).toContain("Board ID");
    expect(abim).toMatch(/\d+ \/ 100 MOC points/);
    expect(abim).not.toMatch(/credits \d+ \/ \d+/);
    expect(abim).not.toMatch(/Licensee|licensee|Licence|licence/);
    const caM = await main(await get(server.baseUrl, "/renewals", await signIn(server.baseUrl, "reviewer@ca-m.demo.test")));
    expect(caM).toContain("Renewal queue");
    expect(caM).toContain("License number");
    expect(caM).toMatch(/\d+ \/ 50 credits/);
    expect(caM).not.toMatch(/Diplomate|diplomate|Licence|licence/);
  });
});

describe("compliance cards", () => {
  it("count only what the rules define, each equal to plain SQL; open cycles are not yet met, ended ones short", async () => {
    const { database, server } = app;
    const { owner } = database;
    // ABOHNS's rules hold only a total: no card claims a credit-type minimum.
    await refreshRosterStatuses(appAs(database, "ABOHNS"), "ABOHNS");
    const abohns = await text(await get(server.baseUrl, "/", await signIn(server.baseUrl, "reviewer@abohns.demo.test")));
    expect(abohns).toContain('data-testid="dashboard-compliance"');
    expect(abohns).not.toContain('data-testid="stat-diplomates-short"');
    expect(abohns).not.toMatch(/credit-type minimum/);

    // ABIM with a Patient Safety minimum: the card names it and counts current cycles short in it.
    await abimWithPatientSafety(owner, appAs(database, "ABIM"));
    const abim = await text(await get(server.baseUrl, "/", await signIn(server.baseUrl, "reviewer@abim.demo.test")));
    const current = await sql<{ n: string; ps: string; total: string; ended: string }>`
      select count(*) filter (where cycle_end >= ${boardDate("ABIM")} and learner_id is not null)::text as n,
             count(*) filter (where cycle_end >= ${boardDate("ABIM")} and learner_id is not null and shortfalls ? 'patient-safety')::text as ps,
             count(*) filter (where cycle_end >= ${boardDate("ABIM")} and learner_id is not null and shortfalls ? 'total')::text as total,
             count(*) filter (where cycle_end between ${boardDate("ABIM")} - 90 and ${boardDate("ABIM")} - 1 and status in ('short', 'nothing'))::text as ended
        from board.roster_entry where org_code = 'ABIM'`.execute(owner);
    const c = current.rows[0]!;
    expect(Number(c.ps)).toBeGreaterThan(0);
    expect(figure(abim, "stat-diplomates")).toBe(count(c.n));
    expect(figure(abim, "stat-diplomates-short")).toBe(count(c.ps));
    expect(figure(abim, "stat-total-not-yet")).toBe(count(c.total));
    expect(figure(abim, "stat-short-at-end")).toBe(count(c.ended));
    expect(abim).toContain("Not yet at a credit-type minimum");
    expect(abim).toMatch(/still open · Patient Safety/);

    // CA-M: renewals due in 90 days, meeting, not yet met, and its topic requirements by name.
    const caMCookie = await signIn(server.baseUrl, "reviewer@ca-m.demo.test");
    const caM = await text(await get(server.baseUrl, "/", caMCookie));
    const due = await sql<{ due: string; meets: string; not_yet: string; topic: string }>`
      select count(*)::text as due, count(*) filter (where status = 'meets')::text as meets,
             count(*) filter (where status in ('short', 'nothing'))::text as not_yet,
             count(*) filter (where shortfalls ?| array['pain-end-of-life', 'geriatric-medicine'])::text as topic
        from board.roster_entry where org_code = 'CA-M' and cycle_end between ${boardDate("CA-M")} and ${boardDate("CA-M")} + 90`.execute(owner);
    const d = due.rows[0]!;
    expect(figure(caM, "stat-renewals-due")).toBe(count(d.due));
    expect(figure(caM, "stat-renewals-meeting")).toBe(count(d.meets));
    expect(figure(caM, "stat-not-yet-met")).toBe(count(d.not_yet));
    expect(figure(caM, "stat-minimum-not-yet")).toBe(count(d.topic));
    expect(caM).toContain("Pain Management and End-of-Life Care");

    // The compliance overview: short at cycle end and not yet met split at today, and by requirement.
    const day = await boardToday("CA-M");
    const from = addDays(day, -365);
    const to = addDays(day, 365);
    const report = await text(await get(server.baseUrl, `/reports/compliance?endFrom=${from}&endTo=${to}`, caMCookie));
    const split = await sql<{ ended: string; open: string; pain_ended: string }>`
      select count(*) filter (where cycle_end < ${boardDate("CA-M")} and status in ('short', 'nothing'))::text as ended,
             count(*) filter (where cycle_end >= ${boardDate("CA-M")} and status in ('short', 'nothing'))::text as open,
             count(*) filter (where cycle_end < ${boardDate("CA-M")} and shortfalls ?| array['pain-end-of-life', 'geriatric-medicine'])::text as pain_ended
        from board.roster_entry where org_code = 'CA-M' and cycle_end between ${from}::date and ${to}::date`.execute(owner);
    const s = split.rows[0]!;
    expect(figure(report, "stat-short")).toBe(count(s.ended));
    expect(figure(report, "stat-not-yet-met")).toBe(count(s.open));
    expect(figure(report, "stat-minimum-short")).toBe(count(s.pain_ended));
    const csv = await get(server.baseUrl, `/reports/compliance/export?endFrom=${from}&endTo=${to}&table=requirements`, caMCookie);
    expect(csv.status).toBe(200);
    const rows = parse((await csv.text()).replace(/^\uFEFF/, ""), { columns: true }) as Record<string, string>[];
    const byMeasure = await sql<{ id: string; ended: string; open: string }>`
      select k.id, count(*) filter (where e.cycle_end < ${boardDate("CA-M")})::text as ended, count(*) filter (where e.cycle_end >= ${boardDate("CA-M")})::text as open
        from board.roster_entry e cross join lateral jsonb_object_keys(e.shortfalls) as k(id)
       where e.org_code = 'CA-M' and e.cycle_end between ${from}::date and ${to}::date group by k.id`.execute(owner);
    const sqlCounts = Object.fromEntries(byMeasure.rows.map((r) => [r.id, [r.ended, r.open]]));
    // One row per measure of CA-M's rules, in their order, under the rules' own labels.
    const measures = ruleMeasures((await getRuleSet(owner, "CA-M"))!.rule);
    const ids = ["total", "pain-end-of-life", "geriatric-medicine"];
    expect(measures.map((m) => m.id)).toEqual(ids);
    expect(rows.map((r) => r.Requirement)).toEqual(measures.map((m) => m.label));
    expect(rows.map((r) => [r["Short at cycle end"], r["Not yet met (cycle open)"]])).toEqual(ids.map((id) => sqlCounts[id] ?? ["0", "0"]));
  });
});

describe("a requirement a future-dated version adds", () => {
  it("is offered as a short-in choice for the windows whose cycles it judges, and lists what plain SQL finds", async () => {
    const { database, server } = app;
    const owner = database.owner;
    const day = await boardToday("CA-M");
    const effective = addDays(day, 60);
    const stored = (await getRuleSet(owner, "ME-M"))!;
    const supervisor = await owner.selectFrom("board.staff_user").select("id").where("email", "=", "supervisor@me-m.demo.test").executeTakeFirstOrThrow();
    const next = structuredClone(stored.rule);
    next.requirements.push({
      kind: "creditTypes",
      id: "implicit-bias-later",
      creditTypes: ["Implicit Bias"],
      minimum: 1,
      period: { kind: "cycle" },
      provenance: { source: "Test: a requirement announced for later renewals", assumed: false },
    });
    const saved = await updateRuleSet(owner, { id: supervisor.id, orgCode: "ME-M" }, next, { expectedVersion: stored.latestVersion, effectiveFrom: effective, reason: "Announced for renewals from a later date.", ip: null });
    expect(saved.ok).toBe(true);
    await refreshRosterStatuses(appAs(database, "ME-M"), "ME-M");
    const short = await sql<{ n: string; earliest: string | null }>`
      select count(*)::text as n, min(cycle_end)::text as earliest from board.roster_entry
       where org_code = 'ME-M' and retired_at is null and shortfalls ? 'implicit-bias-later'`.execute(owner);
    expect(Number(short.rows[0]!.n)).toBeGreaterThan(0);
    expect(short.rows[0]!.earliest! >= effective).toBe(true);

    const cookie = await signIn(server.baseUrl, "reviewer@me-m.demo.test");
    const to = addDays(day, 400);
    const strip = async (query: string) => [...(await text(await get(server.baseUrl, `/renewals?${query}`, cookie))).matchAll(/data-testid="short-in-([a-z0-9-]+)"/g)].map((m) => m[1]);
    // Offered for a window reaching the cycles it judges, not for one ending before its date.
    expect(await strip(`endFrom=${day}&endTo=${to}`)).toContain("implicit-bias-later");
    expect(await strip(`endFrom=${day}&endTo=${addDays(effective, -1)}`)).not.toContain("implicit-bias-later");
    const html = await text(await get(server.baseUrl, `/renewals?short=implicit-bias-later&endFrom=${day}&endTo=${to}`, cookie));
    const inWindow = await sql<{ n: string }>`
      select count(*)::text as n from board.roster_entry
       where org_code = 'ME-M' and retired_at is null and shortfalls ? 'implicit-bias-later' and cycle_end between ${day}::date and ${to}::date`.execute(owner);
    const n = Number(inWindow.rows[0]!.n);
    expect(figure(html, "result-count")).toBe(`${count(n)} ${n === 1 ? "licensee" : "licensees"}`);
  });
});
