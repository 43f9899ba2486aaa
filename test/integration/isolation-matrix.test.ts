// The isolation matrix: every route read from app/routes (pages, resource routes, exports, reports),
// for every role of a state board (CA-M), a certifying board (ABIM) and ACCME, asked with ids that
// belong to another organisation. Routes with an id answer 404 or 403; every answer, with or without
// an id, contains none of the other organisation's data (its licensees' NPIs and licence or board ids,
// its roster rows, its upload's file name, its audit sample's seed). Actions with another
// organisation's id write nothing. A route whose path param has no foreign id here fails the test,
// so a new route cannot be forgotten.
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { REPORTS } from "../../app/lib/reports";
import { createInvite } from "../../app/models/staff.server";
import { ORGANISATIONS } from "../../domain/reference";
import { postForms } from "../support/html-forms";
import { appRoutes, fillPattern, type AppRoute } from "../support/routes";
import { get, post, setUpSeededApp, signIn } from "../support/server";
import { boardWrites } from "../support/database";

const app = setUpSeededApp();
const owner = () => app.database.owner;

interface Reader {
  org: string;
  kind: "state board" | "certifying board" | "accreditor";
  /** The organisation whose records this reader must never see. */
  other: string;
}
const READERS: Reader[] = [
  { org: "CA-M", kind: "state board", other: "OR-M" },
  { org: "ABIM", kind: "certifying board", other: "ABS" },
  { org: "ACCME", kind: "accreditor", other: "CA-M" },
];
const ROLES = ["reviewer", "supervisor", "admin"] as const;

/** Another organisation's ids for each path param, and the strings that would betray its data. */
interface Foreign {
  ids: Record<string, string[]>;
  /** Strings of the other organisation's data that must appear in no answer to this reader. */
  markers: string[];
}

async function foreignFor(reader: Reader): Promise<Foreign> {
  const db = owner();
  const other = reader.other;
  // Licensees and activities of the other board that the reader's scope cannot reach (ACCME's scope
  // is every board: for it there are no foreign learner-store ids, only board tables).
  const learners =
    reader.org === "ACCME"
      ? []
      : (
          await sql<{ id: string; npi: string | null; ids: string }>`
            select l.id::text, l.npi::text,
                   coalesce((select string_agg(k.licence_id, ' ') from learner.licence k where k.learner_id = l.id and k.board_code = ${other}), '')
                   || ' ' || coalesce((select string_agg(c.board_id, ' ') from learner.certification c where c.learner_id = l.id and c.board_code = ${other}), '') as ids
            from learner.learner l
            where exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = ${other})
              and not exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = ${reader.org})
              and not exists (select 1 from learner.licence k where k.learner_id = l.id and k.board_code = ${reader.org})
              and not exists (select 1 from learner.certification c where c.learner_id = l.id and c.board_code = ${reader.org})
              and l.npi is not null
            order by l.id limit 3`.execute(db)
        ).rows;
  const activities =
    reader.org === "ACCME"
      ? []
      : (
          await sql<{ id: string }>`
            select a.id from learner.activity a
            where exists (select 1 from learner.credit_report r where r.activity_id = a.id and r.board_code <> ${reader.org})
              and not exists (select 1 from learner.credit_report r where r.activity_id = a.id and r.board_code = ${reader.org} and r.deleted_at is null)
            order by a.id limit 2`.execute(db)
        ).rows;
  const entries = (
    await sql<{ id: string; roster_key: string }>`
      select id::text, roster_key from board.roster_entry where org_code = ${other} order by id limit 3`.execute(db)
  ).rows;
  const uploads = (await sql<{ id: string; file_name: string }>`
    select id::text, file_name from board.roster_upload where org_code = ${other} order by id limit 1`.execute(db)).rows;
  const samples = (await sql<{ id: string; seed: string }>`
    select id::text, seed from board.audit_sample where org_code = ${other} order by id limit 1`.execute(db)).rows;
  const codes = (await sql<{ code: string }>`
    select code from board.issued_transcript where org_code = ${other} order by code`.execute(db)).rows;
  if (codes.length === 0) throw new Error(`no issued transcript of ${other} to try`);
  const ruleReasons = (await sql<{ reason: string }>`
    select reason from board.requirement_rule_version where org_code = ${other} and reason like 'matrix-secret-%'`.execute(db)).rows;
  if (ruleReasons.length === 0) throw new Error(`no rule version of ${other} to try`);
  const attributes = (await sql<{ value: string }>`
    select value #>> '{}' as value from board.licensee_attribute where org_code = ${other} and key = 'specialty' and value #>> '{}' like 'Matrix-secret%'`.execute(db)).rows;
  // The other organization's staff (a marked one and its admin) and an open invitation to it (made in beforeAll).
  const staff = (await sql<{ id: string; email: string; display_name: string }>`
    select id::text, email, display_name from board.staff_user
    where org_code = ${other} and (email like 'matrix-secret-%' or email = ${`admin@${other.toLowerCase()}.demo.test`}) order by email`.execute(db)).rows;
  const invite = staffInvites.get(other);
  if (staff.length < 2 || !invite) throw new Error(`no staff or invitation of ${other} to try`);
  // An audit event of the other organization (written in beforeAll): its audit trail, never the reader's.
  const auditMarkers = (await sql<{ target: string }>`
    select target from board.audit_event where org_code = ${other} and target like 'matrix-secret-audit-%'`.execute(db)).rows;
  if (auditMarkers.length === 0) throw new Error(`no audit event of ${other} to try`);
  // The other organization's single sign-on: its provider, client and domain appear on no page of the reader's.
  const sso = (await sql<{ issuer: string; client_id: string; domain: string }>`
    select issuer, client_id, allowed_domains[1] as domain from board.sso_config where org_code = ${other}`.execute(db)).rows;
  if (sso.length === 0) throw new Error(`no single sign-on configuration of ${other} to try`);
  if (entries.length === 0 || uploads.length === 0 || samples.length === 0 || attributes.length === 0) throw new Error(`no board records of ${other} to try`);
  if (reader.org !== "ACCME" && (learners.length === 0 || activities.length === 0)) throw new Error(`no learner-store records of ${other} only`);

  const markers = [
    ...learners.flatMap((l) => [l.npi!, ...l.ids.split(" ").filter((k) => k.length >= 5)]),
    // A roster row's key is the board's licence or board id: ACCME sees those on credit records, so
    // for ACCME only what exists nowhere but the board's own tables betrays them.
    ...(reader.org === "ACCME" ? [] : entries.map((e) => e.roster_key)),
    ...uploads.map((u) => u.file_name),
    ...samples.map((s) => s.seed),
    // A rule version's reason: the other organisation's rules and their history.
    ...ruleReasons.map((r) => r.reason),
    ...attributes.map((a) => a.value),
    // Its staff and the person it invited.
    ...staff.filter((u) => u.email.startsWith("matrix-secret-")).flatMap((u) => [u.email, u.display_name]),
    invite.email,
    ...auditMarkers.map((a) => a.target),
    ...sso.flatMap((c) => [c.issuer, c.client_id, c.domain]),
  ];
  return {
    ids: {
      licenseeId: learners.map((l) => l.id),
      activityId: activities.map((a) => a.id),
      entryId: entries.map((e) => e.id),
      uploadId: uploads.map((u) => u.id),
      sampleId: samples.map((s) => s.id),
      userId: staff.map((u) => u.id),
      // An invitation link of the other organization: someone signed in is not its invitee (403).
      token: [invite.token],
      // Another organization's verification codes answer as unknown (printed with dashes, and as stored).
      code: codes.flatMap((c) => [`${c.code.slice(0, 4)}-${c.code.slice(4, 8)}-${c.code.slice(8)}`, c.code.toLowerCase()]),
      // Not an id: the report's name. "Foreign" here is asking for the other board's figures.
      report: REPORTS.map((r) => r.id),
      // Not an id either: the organization whose sign-in /sso/:org starts (public, like the sign-in page).
      org: [other.toLowerCase()],
    },
    markers,
  };
}

/** Per other organization: an open invitation (its e-mail and the link's token). */
const staffInvites = new Map<string, { email: string; token: string }>();

/** Query strings that name the other organisation, added to every request. */
const foreignQuery = (other: string) => `board=${encodeURIComponent(other)}&org=${encodeURIComponent(other)}`;

async function request(method: "GET" | "POST", path: string, cookie: string, body?: URLSearchParams) {
  const response =
    method === "GET"
      ? await get(app.server.baseUrl, path, cookie)
      : await post(app.server.baseUrl, path, cookie, body);
  const type = response.headers.get("content-type") ?? "";
  // XLSX is a zip: its text cannot be searched, and its rows are the CSV's (tested in exports.test.ts).
  const text = type.includes("spreadsheetml") ? "" : await response.text();
  return { status: response.status, text };
}

/** What an action could write, less what any request writes on purpose (sign-ins, audited views). */
async function writes(): Promise<Record<string, number>> {
  const { sessions: _sessions, revoked_sessions: _revoked, audit_events: _audits, ...rest } = await boardWrites(owner());
  return rest;
}

const ROUTES = await appRoutes();

describe("the isolation matrix", () => {
  let foreign: Map<string, Foreign>;
  let cookies: Map<string, string>;

  beforeAll(async () => {
    // An audit sample for each organisation whose records a reader must not see (none are seeded).
    for (const other of new Set(READERS.map((r) => r.other))) {
      await sql`
        insert into board.audit_sample (org_code, drawn_by, seed, cycle_from, cycle_to, requested, cohort_size, entry_ids)
        select ${other}, u.id, ${`matrix-secret-${other.toLowerCase()}-seed`}, current_date, current_date + 90, '1', 1,
               array[(select min(id) from board.roster_entry where org_code = ${other})]
        from board.staff_user u where u.org_code = ${other} and u.role = 'supervisor' limit 1`.execute(owner());
      // What the other organisation knows of the licensee on its first roster entry (a specialty no page may show elsewhere).
      await sql`
        insert into board.licensee_attribute (org_code, roster_key, key, value, source, updated_by)
        select ${other}, e.roster_key, 'specialty', to_jsonb(${`Matrix-secret specialty ${other}`}::text), 'staff', u.id
        from board.roster_entry e, board.staff_user u
        where e.org_code = ${other} and u.org_code = ${other} and u.role = 'supervisor'
        order by e.id limit 1
        on conflict (org_code, roster_key, key) do update set value = excluded.value, source = 'staff', upload_id = null, updated_by = excluded.updated_by`.execute(owner());
    }
    // An audit event for each of them (by one of their users, from an address a reader could search for): the audit trail is the organization's own.
    for (const other of new Set(READERS.map((r) => r.other))) {
      await sql`
        insert into board.audit_event (user_id, org_code, action, target, detail, ip)
        select u.id, ${other}, 'export', ${`matrix-secret-audit-${other.toLowerCase()}`}, '{"format": "csv", "rows": 1}'::jsonb, '127.0.0.1'
        from board.staff_user u where u.org_code = ${other} and u.role = 'supervisor' limit 1`.execute(owner());
    }
    // Each of them signs in through its own identity provider (off, so no sign-in reaches it).
    for (const other of new Set(READERS.map((r) => r.other))) {
      const secret = other.toLowerCase();
      await sql`
        insert into board.sso_config (org_code, issuer, client_id, client_secret_encrypted, allowed_domains, role_claim, role_map, provisioning, enabled)
        values (${other}, ${`https://matrix-secret-${secret}.example`}, ${`matrix-secret-client-${secret}`}, 'v1.x.y.z',
                array[${`matrix-secret-${secret}.example`}], 'groups', '{"matrix-secret-group": "admin"}', 'jit', false)`.execute(owner());
    }
    // An official transcript each of them issued (its code must be unknown to every other organization).
    let n = 0;
    for (const other of new Set(READERS.map((r) => r.other))) {
      n += 1;
      await sql`
        insert into board.issued_transcript (code, org_code, learner_id, period, issued_by, content_hash, totals)
        select ${`MTRX0000000${n}`}, ${other}, (select min(learner_id) from learner.credit_report where board_code = ${other}),
               daterange('2024-01-01', '2024-12-31', '[]'), u.id, repeat('0', 64), '{"boards":[]}'
        from board.staff_user u where u.org_code = ${other} and u.role = 'supervisor' limit 1`.execute(owner());
    }
    // A rule version for each of them, its reason a marker (from a far date, so no status moves).
    for (const other of new Set(READERS.map((r) => r.other))) {
      await sql`
        insert into board.requirement_rule_version (org_code, version, effective_from, rule, reason)
        select org_code, version + 1, date '2099-01-01', rule, ${`matrix-secret-${other.toLowerCase()}-rule-reason`}
          from board.requirement_rule where org_code = ${other}`.execute(owner());
      await sql`update board.requirement_rule set version = version + 1 where org_code = ${other}`.execute(owner());
    }
    // A marked staff member and an open invitation in each organization whose records a reader must not see.
    for (const other of new Set(READERS.map((r) => r.other))) {
      await sql`
        insert into board.staff_user (email, display_name, password_hash, role, org_code)
        select ${`matrix-secret-staff@${other.toLowerCase()}.example.gov`}, ${`Matrix-secret staff ${other}`}, password_hash, 'reviewer', ${other}
        from board.staff_user where email = ${`admin@${other.toLowerCase()}.demo.test`}`.execute(owner());
      const admin = (await sql<{ id: string; email: string }>`select id, email from board.staff_user where email = ${`admin@${other.toLowerCase()}.demo.test`}`.execute(owner())).rows[0]!;
      const org = ORGANISATIONS.find((o) => o.code === other)!;
      const email = `matrix-secret-invite@${other.toLowerCase()}.example.gov`;
      const made = await createInvite(owner(), { id: admin.id, email: admin.email, org: { code: org.code, name: org.name, kind: org.kind } }, { email, role: "admin", validDays: 3 }, null);
      if (!made.ok) throw new Error(made.message);
      staffInvites.set(other, { email, token: made.token });
    }
    foreign = new Map();
    for (const reader of READERS) foreign.set(reader.org, await foreignFor(reader));
    cookies = new Map();
    for (const reader of READERS) {
      for (const role of ROLES) cookies.set(`${reader.org}:${role}`, await signIn(app.server.baseUrl, `${role}@${reader.org.toLowerCase()}.demo.test`));
    }
  });

  it("has foreign ids for every path param of every route, read from app/routes", () => {
    expect(ROUTES.length).toBeGreaterThan(20);
    for (const reader of READERS) {
      for (const route of ROUTES) {
        for (const param of route.params) {
          const ids = foreign.get(reader.org)!.ids[param];
          expect(ids, `add ${reader.other}'s ids for :${param} (${route.id}) to the isolation matrix`).toBeDefined();
          // ACCME reads every board's learner store: no licensee or activity is foreign to it.
          if (!(reader.org === "ACCME" && (param === "licenseeId" || param === "activityId"))) expect(ids!.length, `${reader.org} :${param}`).toBeGreaterThan(0);
        }
      }
    }
  });

  /** Every URL of a route for one reader: each foreign id (or the route itself), naming the other board. */
  function urlsFor(route: AppRoute, reader: Reader): { url: string; hasForeignId: boolean }[] {
    const ids = foreign.get(reader.org)!.ids;
    const query = (base: string) => `${base}?${foreignQuery(reader.other)}`;
    if (route.params.length === 0) return [{ url: query(route.pattern), hasForeignId: false }];
    const [param] = route.params;
    const values = ids[param!] ?? [];
    const idParam = param !== "report" && param !== "org";
    return values.map((value) => ({ url: query(fillPattern(route.pattern, { [param!]: value })), hasForeignId: idParam }));
  }

  for (const reader of READERS) {
    for (const role of ROLES) {
      it(`${reader.kind} ${role} (${reader.org}): no route answers with ${reader.other}'s records`, async () => {
        const cookie = cookies.get(`${reader.org}:${role}`)!;
        const { markers } = foreign.get(reader.org)!;
        let asked = 0;
        for (const route of ROUTES.filter((r) => r.hasLoader && r.pattern !== "/logout")) {
          for (const { url, hasForeignId } of urlsFor(route, reader)) {
            const { status, text } = await request("GET", url, cookie);
            asked++;
            expect(status, `${url}: ${text.slice(0, 200)}`).toBeLessThan(500);
            if (hasForeignId) expect([403, 404], `${url} with ${reader.other}'s id`).toContain(status);
            for (const marker of markers) expect(text.includes(marker), `${url} shows ${reader.other}'s "${marker}"`).toBe(false);
          }
        }
        expect(asked).toBeGreaterThan(20);
      });
    }

    it(`${reader.kind} (${reader.org}): actions with ${reader.other}'s ids are refused and write nothing`, async () => {
      const cookie = cookies.get(`${reader.org}:supervisor`)!;
      const admin = cookies.get(`${reader.org}:admin`)!;
      // A renewal page brings the stored statuses up to date first, so a page rendered after an
      // action (the bulk page shows its result) has no status refresh left to count as a write.
      await request("GET", "/renewals", cookie);
      const before = await writes();
      let asked = 0;
      for (const route of ROUTES.filter((r) => r.hasAction && r.params.length > 0)) {
        for (const { url } of urlsFor(route, reader)) {
          for (const who of [cookie, admin]) {
            // What the entry page's forms post (a decision, what the board knows of the licensee), with the other organisation's id in the path.
            const bodies = [
              new URLSearchParams({
                intent: "decide",
                outcome: "compliant",
                note: "isolation matrix",
                reason: "isolation matrix",
                supersedes: "1",
                overrideReason: "The isolation matrix records an override here.",
                extendedTo: "2099-01-01",
                entries: "1,2,3",
                confirm: "yes",
              }),
              new URLSearchParams({ intent: "attributes", "attr.controlledSubstancePrescriber": "no", "attr.specialty": "isolation matrix", reason: "isolation matrix" }),
            ];
            for (const body of bodies) {
              const { status } = await request("POST", url, who, body);
              asked++;
              expect([403, 404, 405], `POST ${url} (${body.get("intent")})`).toContain(status);
            }
          }
        }
      }
      // The bulk decision names its entries in the form: another organisation's are refused, all or nothing.
      const entries = foreign.get(reader.org)!.ids.entryId!.join(",");
      for (const who of [cookie, admin]) {
        const { status } = await request("POST", "/renewals/bulk", who, new URLSearchParams({ entries, note: "isolation matrix", confirm: "yes" }));
        asked++;
        expect([403, 404, 409], `POST /renewals/bulk with ${reader.other}'s entries`).toContain(status);
      }
      expect(asked).toBeGreaterThan(0);
      expect(await writes()).toEqual(before);
    });

    it(`${reader.kind} (${reader.org}): linking by hand names ${reader.other}'s roster entries or licensees in the form, and is refused without a write`, async () => {
      // The unmatched queue's action takes its ids in the body, not the path: another organization's
      // entry is a 404 (ACCME has no roster: 403), another board's licensee is refused like a missing one.
      const { ids } = foreign.get(reader.org)!;
      const own = await sql<{ id: string }>`select id::text from board.roster_entry where org_code = ${reader.org} and match_quality in ('none', 'ambiguous') order by id limit 1`.execute(owner());
      const before = await writes();
      for (const role of ["supervisor", "admin"] as const) {
        const cookie = cookies.get(`${reader.org}:${role}`)!;
        for (const entryId of ids.entryId!) {
          const body = new URLSearchParams({ intent: "link", entryId, learnerId: ids.licenseeId![0] ?? "1", reason: "isolation matrix" });
          const { status } = await request("POST", "/rosters/unmatched", cookie, body);
          expect([403, 404], `link ${reader.other}'s entry ${entryId}`).toContain(status);
        }
        for (const learnerId of ids.licenseeId!) {
          if (!own.rows[0]) break;
          const body = new URLSearchParams({ intent: "link", entryId: own.rows[0].id, learnerId, reason: "isolation matrix" });
          const { status, text } = await request("POST", "/rosters/unmatched", cookie, body);
          expect(status, `link to ${reader.other}'s licensee ${learnerId}`).toBe(400);
          expect(text).toContain("No licensee at that address is known to your organization.");
        }
      }
      expect(await writes()).toEqual(before);
    });
  }
  for (const reader of READERS) {
    it(`${reader.kind} (${reader.org}): staff actions on ${reader.other}'s users and invitations are refused and write nothing`, async () => {
      const { ids } = foreign.get(reader.org)!;
      const inviteIds = (await sql<{ id: string }>`select id::text from board.staff_invite where org_code = ${reader.other}`.execute(owner())).rows.map((r) => r.id);
      expect(inviteIds.length).toBeGreaterThan(0);
      const before = await writes();
      for (const role of ROLES) {
        const cookie = cookies.get(`${reader.org}:${role}`)!;
        const refused = role === "admin" ? [404] : [403];
        for (const userId of ids.userId!) {
          for (const intent of ["role", "deactivate", "reactivate", "unlock", "reset-second-factor"]) {
            const { status } = await request("POST", `/admin/users/${userId}`, cookie, new URLSearchParams({ intent, role: "reviewer" }));
            expect(refused, `${role} ${intent} on ${reader.other}'s user`).toContain(status);
          }
        }
        for (const inviteId of inviteIds) {
          const { status } = await request("POST", "/admin/users?index", cookie, new URLSearchParams({ intent: "revoke", inviteId }));
          expect(refused, `${role} revokes ${reader.other}'s invitation`).toContain(status);
        }
        // Accepting another organization's invitation while signed in: refused, nothing created.
        const { status } = await request("POST", `/invite/${ids.token![0]}`, cookie, new URLSearchParams({ name: "Matrix", password: "maple kettle harbor violin", confirm: "maple kettle harbor violin" }));
        expect(status).toBe(403);
      }
      expect(await writes()).toEqual(before);
    });

    it(`${reader.kind} (${reader.org}): the single sign-on settings save only the reader's own, and only for an admin`, async () => {
      const form = {
        intent: "save",
        issuer: "https://login.isolation.example",
        clientId: `isolation-matrix-${reader.org}`,
        allowedDomains: "isolation.example",
        provisioning: "invited",
        defaultRole: "reviewer",
        // The other organization, named every way a request can.
        organisationCode: reader.other,
        org: reader.other,
        orgCode: reader.other,
        board: reader.other,
      };
      const otherBefore = await owner().selectFrom("board.sso_config").selectAll().where("org_code", "=", reader.other).executeTakeFirstOrThrow();
      const before = await writes();
      for (const role of ["reviewer", "supervisor"] as const) {
        const { status } = await request("POST", `/admin/sso?${foreignQuery(reader.other)}`, cookies.get(`${reader.org}:${role}`)!, new URLSearchParams(form));
        expect(status, role).toBe(403);
      }
      expect(await writes()).toEqual(before);
      const saved = await request("POST", `/admin/sso?${foreignQuery(reader.other)}`, cookies.get(`${reader.org}:admin`)!, new URLSearchParams(form));
      expect(saved.status).toBe(200);
      expect(await owner().selectFrom("board.sso_config").selectAll().where("org_code", "=", reader.other).executeTakeFirstOrThrow()).toEqual(otherBefore);
      const own = await owner().selectFrom("board.sso_config").select("org_code").where("client_id", "=", `isolation-matrix-${reader.org}`).execute();
      expect(own.map((r) => r.org_code)).toEqual([reader.org]);
    });

    it(`${reader.kind} (${reader.org}): the security page removes only the user's own second factors, never ${reader.other}'s`, async () => {
      // A passkey and an authenticator app of one of the other organization's staff, written as the owner.
      const victim = (await sql<{ id: string }>`select id from board.staff_user where org_code = ${reader.other} and role = 'reviewer' limit 1`.execute(owner())).rows[0]!.id;
      const app = await sql<{ id: string }>`
        insert into board.totp_secret (user_id, org_code, name, secret_encrypted, confirmed_at)
        values (${victim}::uuid, ${reader.other}, 'matrix-secret-app', 'v1.00000000.x.x.x', now()) returning id::text`.execute(owner());
      const passkey = await sql<{ id: string }>`
        insert into board.webauthn_credential (user_id, org_code, credential_id, public_key, name)
        values (${victim}::uuid, ${reader.other}, ${`matrix-${reader.org}`}, '\\x00', 'matrix-secret-passkey') returning id::text`.execute(owner());
      for (const role of ROLES) {
        const cookie = cookies.get(`${reader.org}:${role}`)!;
        const page = await request("GET", `/account/security?${foreignQuery(reader.other)}`, cookie);
        expect(page.status).toBe(200);
        expect(page.text).not.toContain("matrix-secret-");
        for (const [kind, id] of [["app", app.rows[0]!.id], ["passkey", passkey.rows[0]!.id]] as const) {
          const removed = await request("POST", `/account/security?${foreignQuery(reader.other)}`, cookie, new URLSearchParams({ intent: "remove", kind, id, password: "demo-password" }));
          expect(removed.status, `${role} removing ${reader.other}'s ${kind}`).toBe(404);
        }
      }
      const left = await sql<{ n: number }>`
        select (select count(*) from board.totp_secret where user_id = ${victim}::uuid)::int
             + (select count(*) from board.webauthn_credential where user_id = ${victim}::uuid)::int as n`.execute(owner());
      expect(left.rows[0]!.n).toBe(2);
      // The organization setting is the reader's own: an admin naming the other organization changes nothing of it.
      const before = await sql<{ code: string }>`select code from board.organisation where require_second_factor order by code`.execute(owner());
      await request("POST", `/account/security?${foreignQuery(reader.other)}`, cookies.get(`${reader.org}:admin`)!, new URLSearchParams({ intent: "require", required: "on", org: reader.other }));
      const after = await sql<{ code: string }>`select code from board.organisation where require_second_factor order by code`.execute(owner());
      expect(after.rows).toEqual(before.rows);
      await sql`delete from board.totp_secret where user_id = ${victim}::uuid`.execute(owner());
      await sql`delete from board.webauthn_credential where user_id = ${victim}::uuid`.execute(owner());
    });
  }
  for (const reader of READERS.filter((r) => r.org !== "ACCME")) {
    it(`${reader.kind} (${reader.org}): the rules page saves only the reader's own rules, and not for a reviewer`, async () => {
      const supervisor = cookies.get(`${reader.org}:supervisor`)!;
      const page = await (await get(app.server.baseUrl, `/renewals/rules?${foreignQuery(reader.other)}`, supervisor)).text();
      const form = postForms(page).find((f) => f.fields.some(([name]) => name === "effectiveFrom"))!;
      // The reader's own form, naming the other organisation every way a request can.
      const fields = { ...Object.fromEntries(form.fields), organisationCode: reader.other, org: reader.other, board: reader.other, effectiveFrom: "2099-06-01", reason: "isolation matrix" };
      const otherBefore = await sql<{ n: string }>`select count(*)::text as n from board.requirement_rule_version where org_code = ${reader.other}`.execute(owner());
      const before = await writes();
      for (const role of ["reviewer"] as const) {
        for (const intent of ["preview", "save", "add:share"]) {
          const { status } = await request("POST", `/renewals/rules?${foreignQuery(reader.other)}`, cookies.get(`${reader.org}:${role}`)!, new URLSearchParams({ ...fields, intent }));
          expect(status, `${role} ${intent}`).toBe(403);
        }
      }
      expect(await writes()).toEqual(before);
      const preview = await request("POST", `/renewals/rules?${foreignQuery(reader.other)}`, supervisor, new URLSearchParams({ ...fields, intent: "preview" }));
      expect(preview.status).toBe(200);
      const token = preview.text.match(/name="previewed" value="([^"]*)"/)![1]!;
      const saved = await request("POST", `/renewals/rules?${foreignQuery(reader.other)}`, supervisor, new URLSearchParams({ ...fields, intent: "save", previewed: token }));
      expect(saved.status).toBe(302);
      const otherAfter = await sql<{ n: string }>`select count(*)::text as n from board.requirement_rule_version where org_code = ${reader.other}`.execute(owner());
      expect(otherAfter.rows[0]!.n).toBe(otherBefore.rows[0]!.n);
      const newest = await sql<{ org_code: string; rule: { organisationCode: string } }>`
        select org_code, rule from board.requirement_rule_version where reason = 'isolation matrix' and org_code = ${reader.org}`.execute(owner());
      expect(newest.rows.map((r) => r.rule.organisationCode)).toEqual([reader.org]);
    });
  }
  for (const reader of READERS) {
    it(`${reader.kind} (${reader.org}): remembered columns are written for the reader alone, whatever the form names`, async () => {
      const cookie = cookies.get(`${reader.org}:reviewer`)!;
      const page = await (await get(app.server.baseUrl, `/credits?${foreignQuery(reader.other)}`, cookie)).text();
      const form = postForms(page).find((f) => f.fields.some(([name, value]) => name === "grid" && value === "credits"))!;
      expect(form, "the column chooser's form").toBeDefined();
      const other = await sql<{ id: string }>`select id::text from board.staff_user where org_code = ${reader.other} and role = 'reviewer'`.execute(owner());
      const fields = { ...Object.fromEntries(form.fields), intent: "save", hide: "provider", show: "npi", userId: other.rows[0]!.id, user_id: other.rows[0]!.id, org: reader.other, board: reader.other };
      const { status } = await request("POST", `/preferences/columns?${foreignQuery(reader.other)}`, cookie, new URLSearchParams(fields));
      expect(status).toBe(303);
      const rows = await sql<{ email: string; org_code: string }>`select u.email, p.org_code from board.user_preference p join board.staff_user u on u.id = p.user_id
        where p.key = 'columns:credits' and (p.org_code in (${reader.org}, ${reader.other}))`.execute(owner());
      expect(rows.rows).toEqual([{ email: `reviewer@${reader.org.toLowerCase()}.demo.test`, org_code: reader.org }]);
      await sql`delete from board.user_preference`.execute(owner());
    });
  }
});
