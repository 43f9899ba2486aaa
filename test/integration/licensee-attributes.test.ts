// Licensee attributes the board owns, against a real PostgreSQL and the real HTTP app: roster
// columns (aliases, bad values per line, a column the organization does not keep refused, empty
// cells keeping what was known, a history row per change, values carried to the next cycle's
// entry), the supervisor's edit on a renewal entry (audited, with history; reviewers 403; another
// organization's entry 404), the engine reading them (an NC-M licensee marked non-prescriber is no
// longer short of controlled substance, checked against plain SQL over the same records), and the
// queue's "applicability not known" filter (checked against plain SQL).
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { sql, type Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import { attributesForEntries } from "../../app/models/licensee-attributes.server";
import { refreshRosterStatuses } from "../../app/models/renewals.server";
import { uploadRoster } from "../../app/models/rosters.server";
import type { Database } from "../../db/schema";
import { appAs, boardWrites } from "../support/database";
import { get, post, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();
const owner = () => app.database.owner;

const HEADER = ["licence_id", "first_name", "last_name", "birth_date", "npi", "cycle_end"];

async function userId(email: string): Promise<string> {
  const row = await owner().selectFrom("board.staff_user").select("id").where("email", "=", email).executeTakeFirstOrThrow();
  return row.id;
}

interface Licensee {
  id: string;
  first_name: string;
  last_name: string;
  birth_month: number;
  birth_day: number;
  key: string;
}

/** Licensees of a board with a licence, plain names and no roster entry yet, in id order. */
async function freshLicensees(board: string, n: number, offset = 0): Promise<Licensee[]> {
  const r = await sql<Licensee>`
    select l.id::text as id, l.first_name, l.last_name, l.birth_month, l.birth_day, k.licence_id as key
    from learner.licence k join learner.learner l on l.id = k.learner_id
    where k.board_code = ${board} and l.deleted_at is null and l.first_name ~ '^[A-Za-z]+$' and l.last_name ~ '^[A-Za-z]+$'
      and k.licence_id ~ '^[A-Za-z0-9.-]+$'
      and not exists (select 1 from board.roster_entry e where e.org_code = ${board} and e.roster_key = upper(k.licence_id))
    order by l.id offset ${offset} limit ${n}`.execute(owner());
  if (r.rows.length < n) throw new Error(`only ${r.rows.length} licensees of ${board}`);
  return r.rows;
}

const mmdd = (l: Licensee) => `${String(l.birth_month).padStart(2, "0")}/${String(l.birth_day).padStart(2, "0")}`;
const cells = (l: Licensee, cycleEnd: string) => [l.key, l.first_name, l.last_name, mmdd(l), "", cycleEnd];

/** A page's text as a reader sees it: without React's markers between text pieces, entities decoded. */
const pageText = async (response: Response) =>
  (await response.text()).replace(/<!-- -->/g, "").replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, "&");

async function storedAttributes(org: string, key: string): Promise<Record<string, unknown>> {
  const r = await sql<{ key: string; value: unknown }>`select key, value from board.licensee_attribute
    where org_code = ${org} and roster_key = ${key.toUpperCase()} order by key`.execute(owner());
  return Object.fromEntries(r.rows.map((row) => [row.key, row.value]));
}

async function changes(org: string, key: string) {
  const r = await sql<{ key: string; before: unknown; after: unknown; source: string; upload_id: string | null; changed_by: string | null; reason: string | null }>`
    select key, before, after, source, upload_id::text, changed_by::text, reason from board.licensee_attribute_change
    where org_code = ${org} and roster_key = ${key.toUpperCase()} order by id`.execute(owner());
  return r.rows;
}

async function entryOf(org: string, key: string, cycleEnd: string) {
  return (
    await sql<{ id: string; status: string }>`select id::text, status from board.roster_entry
      where org_code = ${org} and roster_key = ${key.toUpperCase()} and cycle_end = ${cycleEnd}::date`.execute(owner())
  ).rows[0];
}

describe("roster attribute columns", () => {
  it("reads aliases, rejects bad values line by line, writes a history row per change, and an empty cell keeps what was known", async () => {
    const supervisor = await userId("supervisor@nc-m.demo.test");
    const people = await freshLicensees("NC-M", 5);
    const [p0, p1, p2, p3, p4] = people as [Licensee, Licensee, Licensee, Licensee, Licensee];
    const header = [...HEADER, "DEA Registrant", "Primary Specialty", "Original License Date", "Notes"];
    const first = stringify([
      header,
      [...cells(p0, "2031-06-15"), "Yes", "Internal Medicine", "2001-07-01", "kept"],
      [...cells(p1, "2031-06-15"), "n", "", "", ""],
      [...cells(p2, "2031-06-15"), "maybe", "Surgery", "", ""],
      [...cells(p3, "2031-06-15"), "", "", "", ""],
      [...cells(p4, "2031-06-15"), "", "", "2001-02-30", ""],
    ]);
    const outcome = await uploadRoster(appAs(app.database, "NC-M"), { userId: supervisor, orgCode: "NC-M" }, { fileName: "attributes.csv", content: first });
    expect(outcome).toMatchObject({
      kind: "uploaded",
      totalRows: 5,
      acceptedRows: 3,
      rejectedRows: 2,
      newRows: 3,
      attributeColumns: ["controlledSubstancePrescriber", "specialty", "initialLicenseDate"],
      attributeChanges: 4,
    });
    if (outcome.kind !== "uploaded") throw new Error("not uploaded");
    const upload = await owner().selectFrom("board.roster_upload").select(["errors", "attribute_columns", "attribute_changes"]).where(sql<boolean>`id = ${outcome.uploadId}`).executeTakeFirstOrThrow();
    expect(upload.errors.map((e) => [e.line, e.reason])).toEqual([
      [4, "Prescribes controlled substances must be Yes or No (or empty when not known); got “maybe”."],
      [6, "Initial license date must be a real date as YYYY-MM-DD; got “2001-02-30”."],
    ]);
    expect([upload.attribute_columns, upload.attribute_changes]).toEqual([["controlledSubstancePrescriber", "specialty", "initialLicenseDate"], 4]);

    // The values as the file gave them; a rejected row wrote nothing at all (no entry, no attribute).
    expect(await storedAttributes("NC-M", p0.key)).toEqual({ controlledSubstancePrescriber: true, initialLicenseDate: "2001-07-01", specialty: "Internal Medicine" });
    expect(await storedAttributes("NC-M", p1.key)).toEqual({ controlledSubstancePrescriber: false });
    for (const p of [p2, p3, p4]) expect(await storedAttributes("NC-M", p.key), p.key).toEqual({});
    for (const p of [p2, p4]) expect(await entryOf("NC-M", p.key, "2031-06-15"), p.key).toBeUndefined();
    const r0 = await changes("NC-M", p0.key);
    expect(r0.map((c) => [c.key, c.before, c.after, c.source, c.upload_id, c.changed_by]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ["controlledSubstancePrescriber", null, true, "roster", outcome.uploadId, supervisor],
      ["initialLicenseDate", null, "2001-07-01", "roster", outcome.uploadId, supervisor],
      ["specialty", null, "Internal Medicine", "roster", outcome.uploadId, supervisor],
    ]);
    const total = await sql<{ n: number }>`select count(*)::integer as n from board.licensee_attribute_change where upload_id = ${outcome.uploadId}::bigint`.execute(owner());
    expect(total.rows[0]!.n).toBe(4);

    // The page of the upload says what the columns did, and that empty cells keep what was known.
    const cookie = await signIn(app.server.baseUrl, "supervisor@nc-m.demo.test");
    const page = await pageText(await get(app.server.baseUrl, `/rosters/${outcome.uploadId}`, cookie));
    expect(page).toContain("4 values changed");
    expect(page).toContain("An empty cell means “not supplied”");

    // The next cycle's roster: p0's prescriber cell is empty (kept), its specialty changes; p1 becomes a prescriber.
    const p1First = (await entryOf("NC-M", p1.key, "2031-06-15"))!;
    await owner().updateTable("board.roster_entry").set({ status: "meets" }).where("id", "=", p1First.id).execute();
    const second = stringify([
      ["License Number", "First Name", "Last Name", "DOB", "NPI", "Expiration Date", "prescriber", "SPECIALTY"],
      [...cells(p0, "2034-06-15"), "", "Family Medicine"],
      [...cells(p1, "2034-06-15"), "Y", ""],
      [...cells(p3, "2034-06-15"), "", ""],
    ]);
    const next = await uploadRoster(appAs(app.database, "NC-M"), { userId: supervisor, orgCode: "NC-M" }, { fileName: "attributes-next.csv", content: second });
    expect(next).toMatchObject({ kind: "uploaded", acceptedRows: 3, newRows: 3, attributeChanges: 2 });
    if (next.kind !== "uploaded") throw new Error("not uploaded");
    expect(await storedAttributes("NC-M", p0.key)).toEqual({ controlledSubstancePrescriber: true, initialLicenseDate: "2001-07-01", specialty: "Family Medicine" });
    expect(await storedAttributes("NC-M", p1.key)).toEqual({ controlledSubstancePrescriber: true });
    expect((await changes("NC-M", p0.key)).slice(3).map((c) => [c.key, c.before, c.after, c.upload_id])).toEqual([["specialty", "Internal Medicine", "Family Medicine", next.uploadId]]);
    expect((await changes("NC-M", p1.key)).map((c) => [c.key, c.before, c.after, c.upload_id])).toEqual([
      ["controlledSubstancePrescriber", null, false, outcome.uploadId],
      ["controlledSubstancePrescriber", false, true, next.uploadId],
    ]);
    // p1's earlier cycle goes back to pending: its status is recomputed with the new value.
    expect((await entryOf("NC-M", p1.key, "2031-06-15"))!.status).toBe("pending");

    // Carried to the next cycle's entry: the engine reads the licensee's values for both cycles.
    const e0 = [(await entryOf("NC-M", p0.key, "2031-06-15"))!.id, (await entryOf("NC-M", p0.key, "2034-06-15"))!.id];
    const read = await attributesForEntries(appAs(app.database, "NC-M"), "NC-M", e0);
    for (const id of e0) expect(read.get(id)).toEqual({ controlledSubstancePrescriber: true, initialLicenseDate: "2001-07-01", specialty: "Family Medicine" });
    // Another organization's role reads none of them (row security), even by asking for the ids.
    expect((await attributesForEntries(appAs(app.database, "CA-M"), "NC-M", e0)).size).toBe(0);
    const foreign = await appAs(app.database, "CA-M").selectFrom("board.licensee_attribute").select("key").where("org_code", "=", "NC-M").execute();
    expect(foreign).toEqual([]);
  });

  it("a column for an attribute the organization does not keep refuses the file at the header, and nothing is written", async () => {
    const supervisor = await userId("supervisor@nc-m.demo.test");
    const [p] = await freshLicensees("NC-M", 1, 20);
    const before = await boardWrites(owner());
    const attributeRows = await sql<{ n: number }>`select count(*)::integer as n from board.licensee_attribute`.execute(owner());
    const csv = stringify([[...HEADER, "MOC participant"], [...cells(p!, "2031-07-15"), "yes"]]);
    const outcome = await uploadRoster(appAs(app.database, "NC-M"), { userId: supervisor, orgCode: "NC-M" }, { fileName: "moc.csv", content: csv });
    expect(outcome.kind).toBe("rejected");
    if (outcome.kind !== "rejected") throw new Error("accepted");
    expect(outcome.problem).toBe(
      "The column “MOC participant” gives “Participates in MOC”, which your organization does not keep. The attributes your organization keeps are: Prescribes controlled substances; Initial license date; Specialty. Remove the column or rename it to one of these.",
    );
    expect(await boardWrites(owner())).toEqual(before);
    expect((await sql<{ n: number }>`select count(*)::integer as n from board.licensee_attribute`.execute(owner())).rows[0]!.n).toBe(attributeRows.rows[0]!.n);
  });
});

// ---------------------------------------------------------------- the entry page

/** NC-M's rule as seeded, recomputed in SQL over the entry's cycle: the total and the Controlled Substance credit. */
async function expectedNcM(db: Kysely<Database>, entryId: string) {
  const r = await sql<{ total: string; cs: string }>`
    with e as (select * from board.roster_entry where id = ${entryId}::bigint),
    groups as (
      select r.activity_id, r.completion_date,
             max(r.credits) as credits,
             max(least(coalesce((r.credit_types->>'Controlled Substance')::numeric, 0), r.credits)) as cs
      from learner.credit_report r, e
      where r.learner_id = e.learner_id and r.board_code = 'NC-M' and r.status = 'accepted' and r.deleted_at is null
        and r.completion_date between e.cycle_start and e.cycle_end
      group by r.activity_id, r.completion_date)
    select coalesce(sum(credits), 0)::text as total, coalesce(sum(cs), 0)::text as cs from groups`.execute(db);
  return { total: Number(r.rows[0]!.total), cs: Number(r.rows[0]!.cs) };
}

describe("the renewal entry's attributes", () => {
  it("a supervisor's edit is validated per field, saved with history and audit; reviewers get 403; another organization's entry 404", async () => {
    const { server } = app;
    await refreshRosterStatuses(appAs(app.database, "NC-M"), "NC-M");
    // A matched NC-M entry short of controlled substance; the board's roster said what it knows of
    // the licensee, and here it knows nothing (as for a licensee the roster had no columns for).
    const found = await sql<{ id: string; roster_key: string }>`
      select id::text, roster_key from board.roster_entry
      where org_code = 'NC-M' and status = 'short' and 'controlled-substance' = any(requirements_short)
      order by id limit 1`.execute(owner());
    if (found.rows[0]) {
      // As the owner: the values and the roster's history of them (the app can never delete either).
      await sql`delete from board.licensee_attribute where org_code = 'NC-M' and roster_key = ${found.rows[0].roster_key}`.execute(owner());
      await sql`delete from board.licensee_attribute_change where org_code = 'NC-M' and roster_key = ${found.rows[0].roster_key}`.execute(owner());
      await sql`update board.roster_entry set status = 'pending' where id = ${found.rows[0].id}::bigint`.execute(owner());
      await refreshRosterStatuses(appAs(app.database, "NC-M"), "NC-M");
    }
    const candidate = await sql<{ id: string; roster_key: string; requirements_unknown: string[]; requirements_short: string[] }>`
      select id::text, roster_key, requirements_unknown, requirements_short from board.roster_entry
      where id = ${found.rows[0]?.id ?? "0"}::bigint`.execute(owner());
    const entry = candidate.rows[0];
    if (!entry) throw new Error("no NC-M entry short of controlled substance in the seeded store");
    expect(entry.requirements_unknown).toEqual(["controlled-substance"]);
    const expected = await expectedNcM(owner(), entry.id);
    expect(expected.cs).toBeLessThan(3);

    const supervisor = await signIn(server.baseUrl, "supervisor@nc-m.demo.test");
    const reviewer = await signIn(server.baseUrl, "reviewer@nc-m.demo.test");
    const html = await pageText(await get(server.baseUrl, `/renewals/${entry.id}`, reviewer));
    expect(html).toContain("What the board knows of this licensee");
    expect(html).toContain("Applies if prescribes controlled substances: not known");
    expect(html).toContain("Only a supervisor can change these.");
    expect(html).not.toContain('name="attr.controlledSubstancePrescriber"');

    const before = await boardWrites(owner());
    const changeCount = async () => (await sql<{ n: number }>`select count(*)::integer as n from board.licensee_attribute_change`.execute(owner())).rows[0]!.n;
    const changesBefore = await changeCount();
    const form = { intent: "attributes", "attr.controlledSubstancePrescriber": "no", "attr.initialLicenseDate": "2010-05-05", "attr.specialty": "", reason: "Confirmed by phone" };

    // A reviewer: refused, nothing written.
    const refused = await post(server.baseUrl, `/renewals/${entry.id}`, reviewer, form);
    expect(refused.status).toBe(403);
    expect(await pageText(refused)).toMatch(/data-testid="attributes-error">Only a supervisor can change what the board knows of a licensee\.</);
    // Another organization's supervisor, with this entry's id: not found, nothing written.
    const otherOrg = await signIn(server.baseUrl, "supervisor@ca-m.demo.test");
    expect((await post(server.baseUrl, `/renewals/${entry.id}`, otherOrg, form)).status).toBe(404);
    // Bad values: a message per field, nothing written.
    const bad = await post(server.baseUrl, `/renewals/${entry.id}`, supervisor, { ...form, "attr.controlledSubstancePrescriber": "perhaps", "attr.initialLicenseDate": "2010-02-30" });
    expect(bad.status).toBe(400);
    const badHtml = await pageText(bad);
    expect(badHtml).toContain("Prescribes controlled substances must be Yes or No (or empty when not known); got “perhaps”.");
    expect(badHtml).toContain("Initial license date must be a real date as YYYY-MM-DD; got “2010-02-30”.");
    const { audit_events: _a, sessions: _s, ...written } = await boardWrites(owner());
    const { audit_events: _a0, sessions: _s0, ...writtenBefore } = before;
    expect(written).toEqual(writtenBefore);
    expect(await changeCount()).toBe(changesBefore);

    // The supervisor's edit: saved, one history row per changed value, one audit row with before and after.
    const saved = await post(server.baseUrl, `/renewals/${entry.id}`, supervisor, form);
    expect(saved.status).toBe(302);
    expect(saved.headers.get("location")).toBe(`/renewals/${entry.id}?attributesSaved=2#attributes`);
    expect(await storedAttributes("NC-M", entry.roster_key)).toEqual({ controlledSubstancePrescriber: false, initialLicenseDate: "2010-05-05" });
    const supervisorId = await userId("supervisor@nc-m.demo.test");
    expect((await changes("NC-M", entry.roster_key)).map((c) => [c.key, c.before, c.after, c.source, c.changed_by, c.reason])).toEqual([
      ["controlledSubstancePrescriber", null, false, "staff", supervisorId, "Confirmed by phone"],
      ["initialLicenseDate", null, "2010-05-05", "staff", supervisorId, "Confirmed by phone"],
    ]);
    const audit = await owner().selectFrom("board.audit_event").selectAll().where("action", "=", "attributes.update").where("target", "=", `entry:${entry.id}`).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ user_id: supervisorId, org_code: "NC-M" });
    expect(audit[0]!.detail).toEqual({
      rosterKey: entry.roster_key,
      before: { controlledSubstancePrescriber: null, initialLicenseDate: null },
      after: { controlledSubstancePrescriber: false, initialLicenseDate: "2010-05-05" },
      reason: "Confirmed by phone",
    });
    // The same values again change nothing and write no history.
    const again = await post(server.baseUrl, `/renewals/${entry.id}`, supervisor, form);
    expect(again.headers.get("location")).toBe(`/renewals/${entry.id}?attributesSaved=0#attributes`);
    expect(await changeCount()).toBe(changesBefore + 2);

    // The engine sees it: no longer short of controlled substance; what is left is what SQL says of the total.
    await refreshRosterStatuses(appAs(app.database, "NC-M"), "NC-M");
    const after = await sql<{ status: string; requirements_short: string[]; requirements_unknown: string[] }>`
      select status, requirements_short, requirements_unknown from board.roster_entry where id = ${entry.id}::bigint`.execute(owner());
    expect(after.rows[0]).toEqual({
      status: expected.total >= 60 ? "meets" : "short",
      requirements_short: expected.total >= 60 ? [] : ["total"],
      requirements_unknown: [],
    });
    const page = await pageText(await get(server.baseUrl, `/renewals/${entry.id}`, supervisor));
    expect(page).toContain("Does not apply: the licensee is not one of the licensees who prescribe controlled substances.");
    expect(page).not.toContain("Applies if prescribes controlled substances: not known");
    expect(page).toContain('name="attr.controlledSubstancePrescriber"');
    expect(page).toMatch(/by Demo supervisor \(NC-M\)/);
    expect(page).toContain("Reason: Confirmed by phone");

    // Back to "not known": the value is removed, the history says so, the requirement applies again.
    const cleared = await post(server.baseUrl, `/renewals/${entry.id}`, supervisor, { intent: "attributes", "attr.controlledSubstancePrescriber": "" });
    expect(cleared.headers.get("location")).toBe(`/renewals/${entry.id}?attributesSaved=1#attributes`);
    expect(await storedAttributes("NC-M", entry.roster_key)).toEqual({ initialLicenseDate: "2010-05-05" });
    expect((await changes("NC-M", entry.roster_key)).at(-1)).toMatchObject({ key: "controlledSubstancePrescriber", before: false, after: null, reason: null });
    await refreshRosterStatuses(appAs(app.database, "NC-M"), "NC-M");
    const reverted = await sql<{ requirements_short: string[]; requirements_unknown: string[] }>`
      select requirements_short, requirements_unknown from board.roster_entry where id = ${entry.id}::bigint`.execute(owner());
    expect(reverted.rows[0]!.requirements_unknown).toEqual(["controlled-substance"]);
    expect(reverted.rows[0]!.requirements_short).toContain("controlled-substance");
  });
});

// ---------------------------------------------------------------- the queue

async function queueRows(cookie: string, query: string): Promise<Record<string, string>[]> {
  const response = await get(app.server.baseUrl, `/renewals/export?download=csv&show=notKnown&${query}`, cookie);
  expect(response.status).toBe(200);
  return parse((await response.text()).replace(/^\uFEFF/, ""), { columns: true }) as Record<string, string>[];
}
const queueKeys = async (cookie: string, query: string) => (await queueRows(cookie, query)).map((r) => r["License number"]!);

describe("the queue's 'applicability not known' filter", () => {
  it("lists exactly the entries whose applicability rests on an unknown, as plain SQL does, and names them in the row", async () => {
    await refreshRosterStatuses(appAs(app.database, "NC-M"), "NC-M");
    const cookie = await signIn(app.server.baseUrl, "reviewer@nc-m.demo.test");
    const window = "endFrom=2000-01-01&endTo=2100-12-31&sort=key";
    const expected = await sql<{ key: string }>`select roster_key as key from board.roster_entry
      where org_code = 'NC-M' and cardinality(requirements_unknown) > 0 order by roster_key, id`.execute(owner());
    expect(expected.rows.length).toBeGreaterThan(0);
    const listed = await queueRows(cookie, `${window}&unknown=any`);
    expect(listed.map((r) => r["License number"])).toEqual(expected.rows.map((r) => r.key));
    // NC-M's one requirement that binds only some licensees is named in each row.
    for (const row of listed) expect(row["Applicability not known"]).toBe("Not known whether Controlled Substance applies");
    const one = await sql<{ key: string }>`select roster_key as key from board.roster_entry
      where org_code = 'NC-M' and 'controlled-substance' = any(requirements_unknown) order by roster_key, id`.execute(owner());
    expect(await queueKeys(cookie, `${window}&unknown=controlled-substance`)).toEqual(one.rows.map((r) => r.key));

    const html = await pageText(await get(app.server.baseUrl, `/renewals?${window}&unknown=any`, cookie));
    expect(html).toContain('<span class="badge badge--warn">Applicability not known</span>');
    expect(html).toContain('title="Not known whether Controlled Substance applies"');
    // A requirement the organization does not have: a message on the filter, never a 500.
    for (const bad of ["pain-end-of-life", "%27%20or%201%3D1", "x".repeat(80)]) {
      const response = await get(app.server.baseUrl, `/renewals?unknown=${bad}`, cookie);
      expect(response.status, bad).toBe(400);
      expect(await response.text(), bad).toContain("Choose a listed requirement.");
    }
  });
});
