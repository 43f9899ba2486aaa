// Every view of personal data is audited and never cached. The pages that show learners are found,
// not listed: every route read from the server build's route table is asked for with ids of the
// reader's own organisation (and once more with a licensee lookup's query), and any answer that
// carries a learner's NPI, licence or board id, or a roster entry's key, must have sent
// `Cache-Control: no-store` and have written one `*.view` audit row (an export: its `export` row)
// naming the user, the organisation, the client address and the rows shown. The same holds for the
// page's single-fetch `.data` request. A new page that shows learners is caught without being named.
import path from "node:path";
import type { ServerBuild } from "@remix-run/node";
import { sql } from "kysely";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { REPORTS } from "../../app/lib/reports";
import { appRoutes, fillPattern, type AppRoute } from "../support/routes";
import { get, setUpSeededApp, signIn } from "../support/server";

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
    ids = { licenseeId: [learner.id], activityId: [activity.id], entryId: [entry.id], uploadId: [upload.id], sampleId: [sample.id], report: REPORTS.map((r) => r.id) };
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
