// Every view of personal data is audited and never cached. The pages that show learners are found,
// not listed: every route read from the server build's route table is asked for with ids of the
// reader's own organisation (and once more with a licensee lookup's query), and any answer that
// carries a learner's NPI, licence or board id, or a roster entry's key, must have sent
// `Cache-Control: no-store` and have written one `*.view` audit row (an export: its `export` row)
// naming the user, the organisation, the client address and the rows shown. The same holds for the
// page's single-fetch `.data` request. A new page that shows learners is caught without being named.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ServerBuild } from "@remix-run/node";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { REPORTS } from "../../app/lib/reports";
import { createViewAudit } from "../../app/models/view-audit.server";
import { startProcess } from "../support/start-process";
import { setRowScope } from "../../db/row-scope";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { appRoutes, fillPattern, type AppRoute } from "../support/routes";
import { get, setUpSeededApp, signIn, startTestServer } from "../support/server";

const app = setUpSeededApp();
const owner = () => app.database.owner;
const ORG = "CA-M";

const ROUTES = await appRoutes();
const build = (await import(path.resolve("build/index.js"))) as ServerBuild;
/** A resource route (no component): an export or a file, answered by its loader's Response. */
const isResource = (route: AppRoute) => build.routes[route.id]?.module.default == null;

interface AuditRow {
  id: string;
  action: string;
  user_id: string | null;
  org_code: string | null;
  ip: string | null;
  target: string | null;
  detail: Record<string, unknown>;
}

async function auditRowsAfter(id: string, userId: string): Promise<AuditRow[]> {
  const r = await sql<AuditRow>`select id::text, action, user_id::text, org_code, ip, target, detail from board.audit_event
    where id > ${id}::bigint and user_id = ${userId}::uuid order by id`.execute(owner());
  return r.rows;
}

async function lastAuditId(): Promise<string> {
  const r = await sql<{ id: string }>`select coalesce(max(id), 0)::text as id from board.audit_event`.execute(owner());
  return r.rows[0]!.id;
}

/** Identifiers of people in the store: any of them in an answer means the answer shows learners. */
async function personalMarkers(): Promise<Set<string>> {
  const r = await sql<{ token: string }>`
    select npi::text as token from learner.learner where npi is not null
    union select licence_id from learner.licence
    union select board_id from learner.certification
    union select roster_key from board.roster_entry
    union select npi::text from board.roster_entry where npi is not null`.execute(owner());
  // Short keys could collide with counts or dates on a page; every seeded identifier is longer.
  return new Set(r.rows.map((x) => x.token).filter((t) => t.length >= 6));
}

function shownMarkers(text: string, markers: Set<string>): string[] {
  const found = new Set<string>();
  for (const token of text.match(/[A-Za-z0-9][A-Za-z0-9-]{4,}[A-Za-z0-9]/g) ?? []) {
    // A bare number is an identifier only at an NPI's ten digits: shorter ones are counts and limits.
    if (markers.has(token) && (/[A-Za-z]/.test(token) || token.length === 10)) found.add(token);
  }
  return [...found];
}

describe("the audit of views, over every route in app/routes", () => {
  let markers: Set<string>;
  let cookie: string;
  let userId: string;
  let ids: Record<string, string[]>;
  let lookup: string;

  beforeAll(async () => {
    markers = await personalMarkers();
    // The reader's own records for every path param.
    const learner = (
      await sql<{ id: string; first_name: string; last_name: string }>`
        select l.id::text, l.first_name, l.last_name from learner.learner l
        where exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = ${ORG} and r.deleted_at is null)
          and l.npi is not null
        order by (select count(*) from learner.credit_report r where r.learner_id = l.id) desc, l.id limit 1`.execute(owner())
    ).rows[0]!;
    lookup = new URLSearchParams({ first: learner.first_name, last: learner.last_name }).toString();
    const activity = (
      await sql<{ id: string }>`select activity_id as id from learner.credit_report where board_code = ${ORG} and deleted_at is null
        group by activity_id order by count(*) desc, activity_id limit 1`.execute(owner())
    ).rows[0]!;
    const entry = (
      await sql<{ id: string }>`select id::text from board.roster_entry where org_code = ${ORG} and learner_id is not null order by id limit 1`.execute(owner())
    ).rows[0]!;
    const upload = (await sql<{ id: string }>`select id::text from board.roster_upload where org_code = ${ORG} order by id limit 1`.execute(owner())).rows[0]!;
    const sample = (
      await sql<{ id: string }>`
        insert into board.audit_sample (org_code, drawn_by, seed, cycle_from, cycle_to, requested, cohort_size, entry_ids)
        select ${ORG}, u.id, 'view-audit-seed', current_date, current_date + 90, '3', 3,
               array(select id from board.roster_entry where org_code = ${ORG} order by id limit 3)
        from board.staff_user u where u.org_code = ${ORG} and u.role = 'supervisor' limit 1
        returning id::text`.execute(owner())
    ).rows[0]!;
    // A transcript the organization issued for the licensee, to verify.
    await sql`
      insert into board.issued_transcript (code, org_code, learner_id, period, issued_by, content_hash, totals)
      select 'VAVD00000001', ${ORG}, ${learner.id}, daterange('2020-01-01', '2030-12-31', '[]'), u.id, repeat('0', 64), '{"boards":[]}'
      from board.staff_user u where u.org_code = ${ORG} and u.role = 'supervisor' limit 1`.execute(owner());
    ids = { licenseeId: [learner.id], activityId: [activity.id], entryId: [entry.id], uploadId: [upload.id], sampleId: [sample.id], report: REPORTS.map((r) => r.id), code: ["VAVD-0000-0001"],
      // A staff member's page (admins only: the supervisor is refused), an invitation link no one was
      // given, and the organization's own single sign-on start: none of them shows a learner.
      userId: [(await sql<{ id: string }>`select id::text from board.staff_user where org_code = ${ORG} and role = 'reviewer' limit 1`.execute(owner())).rows[0]!.id],
      token: ["A".repeat(43)],
      org: [ORG.toLowerCase()] };
    cookie = await signIn(app.server.baseUrl, `supervisor@${ORG.toLowerCase()}.demo.test`);
    userId = (await sql<{ id: string }>`select id::text from board.staff_user where email = ${`supervisor@${ORG.toLowerCase()}.demo.test`}`.execute(owner())).rows[0]!.id;
  });

  /** Every URL asked of a route: its own ids filled in, bare and with a licensee lookup's query. */
  function urlsFor(route: AppRoute): string[] {
    const [param] = route.params;
    const paths = param ? (ids[param] ?? []).map((value) => fillPattern(route.pattern, { [param]: value })) : [route.pattern];
    expect(paths.length, `add ${ORG}'s ids for :${param} (${route.id}) to this test`).toBeGreaterThan(0);
    return paths.flatMap((p) => [p, `${p}?${lookup}`]);
  }

  /** The single-fetch URL of a page (what the browser asks for on client navigation). */
  function dataUrl(url: string): string {
    const [pathname, query] = url.split("?") as [string, string | undefined];
    return `${pathname === "/" ? "/_root" : pathname}.data${query ? `?${query}` : ""}`;
  }

  it("finds the pages that show learners, and each is audited once per view and never cached", async () => {
    const showing: string[] = [];
    const failures: string[] = [];
    for (const route of ROUTES.filter((r) => r.hasLoader && r.pattern !== "/logout")) {
      for (const url of urlsFor(route)) {
        const variants = isResource(route) ? [url] : [url, dataUrl(url)];
        for (const asked of variants) {
          // Rows of earlier answers (a search that found no one is audited too) are written first.
          await app.server.viewAudit.flush();
          const before = await lastAuditId();
          const response = await get(app.server.baseUrl, asked, cookie);
          const type = response.headers.get("content-type") ?? "";
          // XLSX is a zip (its rows are the CSV's); the CSV of the same export is read instead.
          const text = type.includes("spreadsheetml") ? "" : await response.text();
          const found = shownMarkers(text, markers);
          if (found.length === 0) continue;
          if (asked === url) showing.push(`${route.id} ${url}`);
          const cache = response.headers.get("cache-control") ?? "";
          if (!/\bno-store\b/.test(cache)) failures.push(`${asked}: Cache-Control "${cache}" (shows ${found[0]})`);
          await app.server.viewAudit.flush();
          if (isResource(route)) {
            // An export writes its own row when its last row has been handed over: wait for that event.
            await vi.waitFor(async () => expect((await auditRowsAfter(before, userId)).some((a) => a.action === "export" || a.action.endsWith(".view"))).toBe(true), { timeout: 20_000, interval: 50 });
            continue;
          }
          const views = (await auditRowsAfter(before, userId)).filter((a) => a.action.endsWith(".view"));
          if (views.length !== 1) {
            failures.push(`${asked}: ${views.length} *.view audit rows (shows ${found[0]})`);
            continue;
          }
          const view = views[0]!;
          if (view.org_code !== ORG) failures.push(`${asked}: audit org ${view.org_code}`);
          if (!["127.0.0.1", "::ffff:127.0.0.1", "::1"].includes(view.ip ?? "")) failures.push(`${asked}: audit ip ${view.ip}`);
          if (typeof view.detail.rows !== "number" || view.detail.rows < 1) failures.push(`${asked}: audit rows ${JSON.stringify(view.detail.rows)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // The finder itself works: the pages the issue names are among those it found.
    for (const known of [
      "routes/credits ",
      "routes/activities.$activityId ",
      "routes/licensees._index ",
      "routes/licensees.$licenseeId ",
      "routes/licensees_.$licenseeId.transcript ",
      "routes/renewals.$entryId ",
      "routes/renewals._index ",
      "routes/rosters.unmatched ",
      "routes/renewals_.samples_.$sampleId ",
    ]) {
      expect(showing.some((s) => s.startsWith(known)), `${known.trim()} shows learners`).toBe(true);
    }
  });
});

describe("writing the queued views", () => {
  it("one flush writes several organisations' views as the app's role, under row-level security", async () => {
    const users = (
      await sql<{ id: string; org_code: string }>`select id::text, org_code from board.staff_user
        where role = 'reviewer' and org_code in ('CA-M', 'ABIM', 'ACCME') order by org_code`.execute(owner())
    ).rows;
    expect(users).toHaveLength(3);
    const audit = createViewAudit({ db: app.database.app, logger: { error: () => {}, warn: () => {} }, schedule: false });
    const before = await lastAuditId();
    // Recorded while this test acts for CA-M only: each organisation's rows must still be written.
    setRowScope({ boards: "CA-M", org: "CA-M" });
    for (const u of users) audit.record({ action: "credits.view", userId: u.id, orgCode: u.org_code, ip: "192.0.2.1", detail: { filters: { last: "Smith" } }, rows: 7 });
    await audit.close();
    expect(audit.stats()).toMatchObject({ written: 3, failedWrites: 0 });
    const rows = (
      await sql<{ org_code: string; user_id: string; ip: string; detail: { rows: number } }>`select org_code, user_id::text, ip, detail from board.audit_event
        where id > ${before}::bigint order by org_code`.execute(owner())
    ).rows;
    expect(rows.map((r) => [r.org_code, r.user_id, r.ip, r.detail.rows])).toEqual(users.map((u) => [u.org_code, u.id, "192.0.2.1", 7]));
  });

  it("a test server's close writes the views it still holds (the queue has no timer there)", async () => {
    const learner = (await sql<{ id: string }>`select learner_id::text as id from learner.credit_report where board_code = ${ORG} and deleted_at is null order by learner_id limit 1`.execute(owner())).rows[0]!.id;
    const server = await startTestServer(app.database, { sync: false });
    const before = await lastAuditId();
    try {
      const cookie = await signIn(server.baseUrl, `reviewer@${ORG.toLowerCase()}.demo.test`);
      expect((await get(server.baseUrl, `/licensees/${learner}`, cookie)).status).toBe(200);
      expect(server.viewAudit.stats().queued).toBe(1);
    } finally {
      await server.close();
    }
    const rows = await sql<{ action: string; target: string }>`select action, target from board.audit_event where id > ${before}::bigint and action like '%.view'`.execute(owner());
    expect(rows.rows).toEqual([{ action: "licensee.view", target: `learner:${learner}` }]);
  });

  it("built assets keep their long cache; only answers past them are no-store", async () => {
    const asset = (await readdir(path.resolve("public/build"))).find((f) => f.endsWith(".js"));
    expect(asset).toBeDefined();
    const response = await get(app.server.baseUrl, `/build/${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toMatch(/max-age=31536000/);
    expect(response.headers.get("cache-control")).not.toMatch(/no-store/);
    // An answer before sign-in is no-store too (it is per request), and no header is doubled.
    const login = await get(app.server.baseUrl, "/login");
    expect(login.headers.get("cache-control")).toBe("no-store");
  });
});

describe("`npm start`'s shutdown", () => {
  let database: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    database = await createTestDatabase(inject("pgServerUrl"));
    dataDir = await mkdtemp(path.join(os.tmpdir(), "cme-view-audit-start-"));
  });
  afterAll(async () => {
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("writes the queued views on SIGTERM before it closes the pool", { timeout: 90_000 }, async () => {
    const learner = (await sql<{ id: string }>`select learner_id::text as id from learner.credit_report where board_code = ${ORG} and deleted_at is null order by learner_id limit 1`.execute(database.owner)).rows[0]!.id;
    const { child, output, exited, baseUrl } = await startProcess(database, dataDir, {
      // The timer would not write for ten minutes: only the shutdown can have written the row.
      env: { AUDIT_FLUSH_MS: "600000", LOG_LEVEL: "info" },
      // Ready, and the start-up analytics sync done (a sync in flight holds up a stop by itself).
      readyWhen: ["ready in", "overviews and reports computed"],
    });
    try {
      const cookie = await signIn(baseUrl, `reviewer@${ORG.toLowerCase()}.demo.test`);
      const page = await get(baseUrl, `/licensees/${learner}`, cookie);
      expect(page.status).toBe(200);
      expect(page.headers.get("cache-control")).toBe("no-store");
      await page.text(); // read whole, so the keep-alive connection is idle when the server closes
      const views = sql<{ n: string }>`select count(*)::text as n from board.audit_event where action = 'licensee.view' and target = ${`learner:${learner}`}`;
      expect(Number((await views.execute(database.owner)).rows[0]!.n)).toBe(0);
      child.kill("SIGTERM");
      expect(await exited, output()).toEqual({ code: 0, signal: null });
      expect(Number((await views.execute(database.owner)).rows[0]!.n)).toBe(1);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
