// The audit trail on screen: every filter of /admin/audit against plain SQL over the same events
// (ids in order, exact counts, every page), paging back and forth, scope (another organization's
// events never appear, whatever the filter or URL), who may open it, bad input, the export (its rows
// and its own audit event) and the licensee page's "Who has seen this record".
import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { scopeForOrganisation } from "../../app/auth/scope.server";
import { auditActionLabels } from "../../app/lib/audit-words";
import { parseAuditSearch, searchAuditTrail } from "../../app/models/audit-trail.server";
import { orgWords } from "../../domain/org-words";
import { appAs } from "../support/database";
import { get, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();
const owner = () => app.database.owner;
const ACTIONS = Object.keys(auditActionLabels(orgWords("state_board")));
const CA = { code: "CA-M", name: "Medical Board of California", kind: "state_board" };
const MARKER = "orm-secret-audit-marker";

interface Fixture {
  users: Record<"reviewer" | "supervisor" | "admin", string>;
  otherUser: string;
  learner: { id: string; licence: string; npi: string | null; last: string; first: string };
  otherLearner: string;
  entries: string[];
}
let f: Fixture;
const cookies: Record<string, string> = {};

async function one<T>(query: Promise<{ rows: T[] }>): Promise<T> {
  const { rows } = await query;
  if (!rows[0]) throw new Error("fixture not found");
  return rows[0];
}

beforeAll(async () => {
  const db = owner();
  const users = (await sql<{ role: "reviewer" | "supervisor" | "admin"; id: string }>`select role, id::text from board.staff_user where org_code = 'CA-M'`.execute(db)).rows;
  const otherUser = (await one(sql<{ id: string }>`select id::text from board.staff_user where org_code = 'OR-M' limit 1`.execute(db))).id;
  const learner = await one(sql<{ id: string; licence: string; npi: string | null; last: string; first: string }>`
    select l.id::text, k.licence_id as licence, l.npi, l.last_name as last, l.first_name as first
    from learner.learner l join learner.licence k on k.learner_id = l.id and k.board_code = 'CA-M'
    where l.npi is not null and exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = 'CA-M' and r.deleted_at is null)
    order by l.id limit 1`.execute(db));
  const otherLearner = (await one(sql<{ id: string }>`
    select l.id::text from learner.learner l
    where exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = 'OR-M')
      and not exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = 'CA-M')
      and not exists (select 1 from learner.licence k where k.learner_id = l.id and k.board_code = 'CA-M')
    order by l.id limit 1`.execute(db))).id;
  // A roster entry of CA-M for the licensee (linked by hand here if the roster has none), so events on the entry count as theirs.
  let entries = (await sql<{ id: string }>`select id::text from board.roster_entry where org_code = 'CA-M' and learner_id = ${learner.id}::bigint`.execute(db)).rows.map((r) => r.id);
  if (entries.length === 0) {
    const e = await one(sql<{ id: string }>`select id::text from board.roster_entry where org_code = 'CA-M' and learner_id is null order by id limit 1`.execute(db));
    await sql`update board.roster_entry set learner_id = ${learner.id}::bigint, match_quality = 'manual' where id = ${e.id}::bigint`.execute(db);
    entries = [e.id];
  }
  f = { users: Object.fromEntries(users.map((u) => [u.role, u.id])) as Fixture["users"], otherUser, learner, otherLearner, entries };

  // 150 events for CA-M and 40 for OR-M, spread over three weeks (every 3 h 10 min), across users,
  // actions, addresses and subjects; some on the same instant, so the id breaks the tie.
  const actions = ["login.success", "licensee.view", "export", "decision.record", "renewal.view", "login.failure", "decision.bulk"];
  const ips = ["203.0.113.4", "203.0.113.45", "198.51.100.2", "2001:db8::7", null];
  const roles = ["reviewer", "supervisor", "admin", null] as const;
  for (let i = 0; i < 150; i++) {
    const action = actions[i % actions.length]!;
    const role = roles[i % roles.length];
    const target = i % 5 === 0 ? `learner:${f.learner.id}` : i % 11 === 0 ? `entry:${f.entries[0]}` : i % 13 === 0 ? `roster_entry:${f.entries[0]}` : action === "decision.bulk" ? "renewals:bulk" : `learner:${f.otherLearner}`;
    const detail = action === "decision.bulk" ? { outcome: "compliant", recorded: 2, entries: i % 2 === 0 ? [f.entries[0], "999999"] : ["999998"] } : { page: "licensee" };
    const at = i % 10 === 9 ? "2026-03-04T08:00:00Z" : new Date(Date.parse("2026-03-01T00:00:00Z") + i * 190 * 60_000).toISOString();
    await sql`insert into board.audit_event (occurred_at, user_id, org_code, action, target, detail, ip)
              values (${at}::timestamptz, ${role ? f.users[role] : null}::uuid, 'CA-M', ${action}, ${target}, ${JSON.stringify(detail)}::jsonb, ${ips[i % ips.length]!})`.execute(db);
  }
  for (let i = 0; i < 40; i++) {
    await sql`insert into board.audit_event (occurred_at, user_id, org_code, action, target, detail, ip)
              values (${new Date(Date.parse("2026-03-01T00:00:00Z") + i * 300 * 60_000).toISOString()}::timestamptz, ${f.otherUser}::uuid, 'OR-M', ${actions[i % actions.length]!},
                      ${`learner:${i % 2 ? f.learner.id : f.otherLearner}`}, ${JSON.stringify({ note: MARKER, email: `${MARKER}@or-m.test` })}::jsonb, '203.0.113.4')`.execute(db);
  }
  for (const role of ["reviewer", "supervisor", "admin"] as const) cookies[role] = await signIn(app.server.baseUrl, `${role}@ca-m.demo.test`);
});

/** Events about these licensees, as plain SQL says: their record, their roster entries, bulk decisions listing an entry. */
const aboutLearners = (learners: ReturnType<typeof sql>) => sql`(target in (select 'learner:' || id from (${learners}) s(id))
  or target in (select 'entry:' || id from board.roster_entry where org_code = 'CA-M' and learner_id in (${learners}))
  or target in (select 'roster_entry:' || id from board.roster_entry where org_code = 'CA-M' and learner_id in (${learners}))
  or (action = 'decision.bulk' and exists (select 1 from jsonb_array_elements_text(detail -> 'entries') x
                                           where x in (select id::text from board.roster_entry where org_code = 'CA-M' and learner_id in (${learners})))))`;
const aboutLicensee = () => aboutLearners(sql`select ${f.learner.id}::bigint`);
/** Every licensee of CA-M with that last name and a first name starting so (folded: case and accents aside). */
const namedSo = (last: string, first: string) =>
  aboutLearners(sql`select l.id from learner.learner l where learner.fold(l.last_name) = learner.fold(${last})
                      and left(learner.fold(l.first_name), length(learner.fold(${first}))) = learner.fold(${first})
                      and exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = 'CA-M' and r.deleted_at is null)`);

async function expectedIds(condition: ReturnType<typeof sql>): Promise<string[]> {
  // e.id, the number (the text column of the same name would sort "166" before "26").
  const { rows } = await sql<{ id: string }>`select e.id::text from board.audit_event e where org_code = 'CA-M' and ${condition} order by e.occurred_at desc, e.id desc`.execute(owner());
  return rows.map((r) => r.id);
}

/** Every page of the search, following its "next" cursors; checks each page's count and size. */
async function allPages(query: Record<string, string>): Promise<{ ids: string[]; count: number; pages: number }> {
  const user = { scope: scopeForOrganisation(CA), org: CA };
  const ids: string[] = [];
  let after: string | null = null;
  let count = -1;
  let pages = 0;
  for (;;) {
    const params = new URLSearchParams(query);
    if (after) params.set("after", after);
    const search = parseAuditSearch(params, ACTIONS);
    expect(search.errors).toEqual({});
    const page = await searchAuditTrail(appAs(app.database, CA.code as string), user, search);
    if (count === -1) count = page.count;
    expect(page.count).toBe(count);
    ids.push(...page.rows.map((r) => r.id));
    pages++;
    if (!page.next) break;
    after = page.next;
  }
  return { ids, count, pages };
}

describe("the audit search", () => {
  const cases: [string, () => Record<string, string>, () => ReturnType<typeof sql>][] = [
    ["no filter", () => ({}), () => sql`true`],
    ["a user", () => ({ user: f.users.reviewer }), () => sql`user_id = ${f.users.reviewer}::uuid`],
    ["an action", () => ({ action: "export" }), () => sql`action = 'export'`],
    ["a date range in the organization's time zone", () => ({ from: "2026-03-04", to: "2026-03-09" }), () => sql`(occurred_at at time zone 'America/Los_Angeles')::date between '2026-03-04' and '2026-03-09'`],
    ["a start date only", () => ({ from: "2026-03-15" }), () => sql`(occurred_at at time zone 'America/Los_Angeles')::date >= '2026-03-15'`],
    ["an address prefix", () => ({ address: "203.0.113.4" }), () => sql`ip like '203.0.113.4%'`],
    ["a whole address", () => ({ address: "198.51.100.2" }), () => sql`ip like '198.51.100.2%'`],
    ["an IPv6 prefix", () => ({ address: "2001:DB8:" }), () => sql`ip like '2001:db8:%'`],
    ["a licensee by license number", () => ({ licensee: f.learner.licence.toLowerCase() }), aboutLicensee],
    ["a licensee by NPI", () => ({ licensee: f.learner.npi! }), aboutLicensee],
    ["a licensee by name", () => ({ licensee: `${f.learner.last}, ${f.learner.first.slice(0, 2)}` }), () => namedSo(f.learner.last, f.learner.first.slice(0, 2))],
    ["a licensee by first and last name", () => ({ licensee: `${f.learner.first.toUpperCase()} ${f.learner.last}` }), () => namedSo(f.learner.last, f.learner.first)],
    ["a licensee by the record's number", () => ({ learner: f.learner.id }), aboutLicensee],
    [
      "several filters at once",
      () => ({ user: f.users.admin, action: "licensee.view", from: "2026-03-02" }),
      () => sql`user_id = ${f.users.admin}::uuid and action = 'licensee.view' and (occurred_at at time zone 'America/Los_Angeles')::date >= '2026-03-02'`,
    ],
  ];
  for (const [name, query, condition] of cases) {
    it(`by ${name}: the same events as plain SQL, newest first, counted exactly, on every page`, async () => {
      const expected = await expectedIds(condition());
      expect(expected.length, "the fixture gives this filter something to find").toBeGreaterThan(0);
      const { ids, count, pages } = await allPages(query());
      expect(ids).toEqual(expected);
      expect(count).toBe(expected.length);
      expect(pages).toBe(Math.max(1, Math.ceil(expected.length / 50)));
    });
  }

  it("pages back to exactly the page it came from", async () => {
    const user = { scope: scopeForOrganisation(CA), org: CA };
    const db = appAs(app.database, "CA-M");
    const first = await searchAuditTrail(db, user, parseAuditSearch(new URLSearchParams(), ACTIONS));
    const second = await searchAuditTrail(db, user, parseAuditSearch(new URLSearchParams({ after: first.next! }), ACTIONS));
    expect(second.previous).not.toBeNull();
    const back = await searchAuditTrail(db, user, parseAuditSearch(new URLSearchParams({ before: second.previous! }), ACTIONS));
    expect(back.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id));
    expect(back.previous).toBeNull();
  });

  it("never shows another organization's events, whatever the filter", async () => {
    const queries: Record<string, string>[] = [{}, { licensee: f.learner.licence }, { learner: f.learner.id }, { address: "203.0.113.4" }, { action: "export" }];
    for (const query of queries) {
      const { ids } = await allPages(query);
      const foreign = await sql<{ n: string }>`select count(*)::text as n from board.audit_event where id = any(${ids}::bigint[]) and org_code <> 'CA-M'`.execute(owner());
      expect(foreign.rows[0]!.n).toBe("0");
    }
    // Another board's licensee, another organization's user: refused or not found, never their events.
    for (const path of [`/admin/audit?learner=${f.otherLearner}`, `/admin/audit?user=${f.otherUser}`, `/admin/audit?address=203.0.113.4&org=OR-M&board=OR-M`]) {
      const response = await get(app.server.baseUrl, path, cookies.supervisor);
      const text = await response.text();
      expect(response.status, path).toBeLessThan(500);
      expect(text.includes(MARKER), path).toBe(false);
    }
    const other = await (await get(app.server.baseUrl, `/admin/audit?learner=${f.otherLearner}`, cookies.supervisor)).text();
    expect(other).toContain("No licensee in your records matches");
    const otherUser = await get(app.server.baseUrl, `/admin/audit?user=${f.otherUser}`, cookies.supervisor);
    expect(otherUser.status).toBe(400);
    expect(await otherUser.text()).toContain("Choose a user from the list.");
  });

  it("shows details in words, not JSON", async () => {
    const response = await get(app.server.baseUrl, `/admin/audit?action=decision.bulk`, cookies.admin);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toContain("Recorded decisions in bulk");
    expect(text).toContain("Marked 2 licensees compliant.");
    expect(text).not.toMatch(/&quot;recorded&quot;|"entries":/);
  });

  it("answers a bad value with its message and a 400, never a 500", async () => {
    const bad: [string, string][] = [
      ["from=2026-02-30", "Enter a date as YYYY-MM-DD"],
      ["from=2026-03-09&to=2026-03-01", "The end date is before the start date."],
      ["action=drop%20table", "Choose an action from the list."],
      ["user=not-a-user", "Choose a user from the list."],
      ["address=10.0.0.0%2F8'--", "Enter an address such as"],
      ["learner=12x", "Not a record number."],
      [`licensee=${"x".repeat(200)}`, "Use at most 120 characters."],
    ];
    for (const [query, message] of bad) {
      const response = await get(app.server.baseUrl, `/admin/audit?${query}`, cookies.supervisor);
      expect(response.status, query).toBe(400);
      expect(await response.text(), query).toContain(message);
    }
    const stale = await get(app.server.baseUrl, `/admin/audit?after=eyJmb28iOjF9`, cookies.supervisor);
    expect(stale.status).toBe(400);
    expect(await stale.text()).toContain("That page link is out of date");
  });
});

describe("who may see the audit trail", () => {
  it("supervisors and admins; a reviewer is refused, and only admins check for tampering", async () => {
    expect((await get(app.server.baseUrl, "/admin/audit", cookies.reviewer)).status).toBe(403);
    expect((await get(app.server.baseUrl, "/admin/audit/export?download=csv", cookies.reviewer)).status).toBe(403);
    expect((await get(app.server.baseUrl, "/admin/audit", cookies.supervisor)).status).toBe(200);
    expect((await get(app.server.baseUrl, "/admin/audit/verify", cookies.supervisor)).status).toBe(403);
    expect((await get(app.server.baseUrl, "/admin/audit/verify", cookies.admin)).status).toBe(200);
    expect((await get(app.server.baseUrl, "/admin/audit")).status).toBe(302);
    // The navigation offers it to those who may open it.
    expect(await (await get(app.server.baseUrl, "/", cookies.supervisor)).text()).toContain('href="/admin/audit"');
    expect(await (await get(app.server.baseUrl, "/", cookies.reviewer)).text()).not.toContain('href="/admin/audit"');
  });
});

describe("the export", () => {
  it("holds every matching event, and is itself audited with its filters and rows", async () => {
    const expected = await expectedIds(sql`action = 'licensee.view'`);
    const response = await get(app.server.baseUrl, "/admin/audit/export?download=csv&action=licensee.view", cookies.supervisor);
    expect(response.status).toBe(200);
    const rows = parse(await response.text(), { bom: true }) as string[][];
    expect(rows[0]).toContain("Details");
    expect(rows.slice(1).map((r) => r.at(-1))).toEqual(expected);
    // The audit row is written when the stream ends, just after the last byte: wait for it.
    const exports = () => sql<{ detail: Record<string, unknown>; user_id: string }>`
      select detail, user_id::text from board.audit_event where org_code = 'CA-M' and action = 'export' and target = 'audit-trail' order by id`.execute(owner());
    let events = (await exports()).rows;
    for (let i = 0; i < 50 && events.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      events = (await exports()).rows;
    }
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ user_id: f.users.supervisor, detail: { format: "csv", rows: expected.length, completed: true, filters: { action: "Viewed a licensee" } } });
  });

  it("refuses a bad filter before it starts", async () => {
    const response = await get(app.server.baseUrl, "/admin/audit/export?download=csv&from=2026-13-01", cookies.supervisor);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("The export was not started.");
  });
});

describe("who has seen this record", () => {
  it("lists a reviewer's view to a supervisor on the licensee page, with a link to the audit search", async () => {
    const path = `/licensees/${f.learner.id}`;
    expect((await get(app.server.baseUrl, path, cookies.reviewer)).status).toBe(200);
    await app.server.viewAudit.flush();
    const seen = await sql<{ n: string }>`select count(*)::text as n from board.audit_event where org_code = 'CA-M' and user_id = ${f.users.reviewer}::uuid and action = 'licensee.view' and target = ${`learner:${f.learner.id}`}`.execute(owner());
    expect(Number(seen.rows[0]!.n)).toBeGreaterThan(0);
    const page = await (await get(app.server.baseUrl, path, cookies.supervisor)).text();
    const panel = page.slice(page.indexOf('data-testid="record-viewers"'));
    expect(panel).toContain("Who has seen this record");
    expect(panel).toContain("Demo reviewer (CA-M)");
    expect(panel).toContain(`href="/admin/audit?learner=${f.learner.id}"`);
    // The panel is for those who oversee: a reviewer's page has none.
    expect(await (await get(app.server.baseUrl, path, cookies.reviewer)).text()).not.toContain("Who has seen this record");
  });
});
