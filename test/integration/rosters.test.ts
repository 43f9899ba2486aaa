// Renewal rosters against a real PostgreSQL and the real HTTP app: the demo rosters, uploads (good,
// bad and mixed files, re-uploads, changed rows, whole-file problems, all-or-nothing writes),
// matching checked against an independent SQL formulation over the seeded store, scope, roles, and
// the pages (upload form, result, bad-rows CSV, unmatched queue).
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { matchRosterEntries, uploadRoster } from "../../app/models/rosters.server";
import { withDatabase } from "../../db/client";
import { buildDemoRoster, COHORT_DAYS } from "../../db/generator/rosters";
import { CERTIFYING_BOARDS, STATE_BOARDS } from "../../domain/reference";
import type { Database } from "../../db/schema";
import { appAs } from "../support/database";
import { get, post, setUpSeededApp, signIn } from "../support/server";
import { TEMPLATE_ROSTER_DAY } from "../support/template";

const app = setUpSeededApp();
const owner = () => app.database.owner;

const STATE_HEADER = ["licence_id", "first_name", "last_name", "birth_date", "npi", "cycle_end"];
const csvOf = (rows: string[][], header = STATE_HEADER) => stringify([header, ...rows]);

async function userId(email: string): Promise<string> {
  const row = await owner().selectFrom("board.staff_user").select("id").where("email", "=", email).executeTakeFirstOrThrow();
  return row.id;
}

async function counts(orgCode: string) {
  const r = await sql<{ uploads: string; entries: string; audits: string; stamp: string | null }>`
    select (select count(*) from board.roster_upload where org_code = ${orgCode})::text as uploads,
           (select count(*) from board.roster_entry where org_code = ${orgCode})::text as entries,
           (select count(*) from board.audit_event where org_code = ${orgCode} and action = 'roster.upload')::text as audits,
           (select string_agg(id || ':' || updated_at::text || ':' || upload_id || ':' || xmin::text, ',' order by id) from board.roster_entry where org_code = ${orgCode}) as stamp`.execute(owner());
  return r.rows[0]!;
}

interface StoreLicensee {
  id: string;
  first_name: string;
  last_name: string;
  birth_month: number;
  birth_day: number;
  npi: string | null;
  key: string;
}

/** Licensees of a board with an NPI, a plain ASCII name (easy to write) no other learner shares with their birth date, in id order. */
async function storeLicensees(board: string, n: number, offset = 0): Promise<StoreLicensee[]> {
  const r = await sql<StoreLicensee>`
    select l.id::text as id, l.first_name, l.last_name, l.birth_month, l.birth_day, l.npi::text as npi, x.k as key
    from (select learner_id, licence_id as k from learner.licence where board_code = ${board}
          union all select learner_id, board_id from learner.certification where board_code = ${board}) x
    join learner.learner l on l.id = x.learner_id
    where l.deleted_at is null and l.npi is not null and l.first_name ~ '^[A-Za-z]+$' and l.last_name ~ '^[A-Za-z]+$'
      and not exists (select 1 from learner.learner o where o.id <> l.id and o.deleted_at is null
        and learner.fold(o.first_name) = learner.fold(l.first_name) and learner.fold(o.last_name) = learner.fold(l.last_name)
        and o.birth_month = l.birth_month and o.birth_day = l.birth_day)
    order by l.id offset ${offset} limit ${n}`.execute(owner());
  if (r.rows.length < n) throw new Error(`only ${r.rows.length} licensees of ${board}`);
  return r.rows;
}

const mmdd = (l: { birth_month: number; birth_day: number }) => `${String(l.birth_month).padStart(2, "0")}/${String(l.birth_day).padStart(2, "0")}`;
const rowOf = (l: StoreLicensee, cycleEnd: string, npi = l.npi ?? ""): string[] => [l.key, l.first_name, l.last_name, mmdd(l), npi, cycleEnd];

/**
 * What each roster entry should match, computed independently in plain SQL: the board's id, else
 * the folded name and birth date among learners the board knows (the NPI breaking a tie), else the
 * NPI among the same learners. Deleted learners never count.
 */
async function expectedMatches(orgCode?: string) {
  const r = await sql<{ id: string; quality: string; learner_id: string | null }>`
    with e as (select * from board.roster_entry where ${orgCode ?? null}::text is null or org_code = ${orgCode ?? null}),
    ids as (select learner_id, board_code, upper(licence_id) as k from learner.licence
            union all select learner_id, board_code, upper(board_id) from learner.certification),
    known as (select learner_id, board_code from learner.licence union select learner_id, board_code from learner.certification
              union select learner_id, board_code from learner.credit_report where deleted_at is null),
    live as (select * from learner.learner where deleted_at is null),
    by_id as (select e.id, array_agg(l.id order by l.id) as ls from e join ids on ids.board_code = e.org_code and ids.k = e.roster_key
              join live l on l.id = ids.learner_id group by e.id),
    by_name as (select e.id, array_agg(l.id order by l.id) as ls, array_agg(l.id order by l.id) filter (where l.npi = e.npi) as by_npi
                from e join live l on learner.fold(l.first_name) = learner.fold(e.first_name) and learner.fold(l.last_name) = learner.fold(e.last_name)
                  and l.birth_month = e.birth_month and l.birth_day = e.birth_day
                join known k on k.learner_id = l.id and k.board_code = e.org_code group by e.id),
    by_npi as (select e.id, array_agg(l.id) as ls from e join live l on l.npi = e.npi join known k on k.learner_id = l.id and k.board_code = e.org_code group by e.id)
    select e.id::text,
      case when cardinality(i.ls) = 1 then 'id' when cardinality(i.ls) > 1 then 'ambiguous'
           when cardinality(n.ls) = 1 then 'name_birth'
           when cardinality(n.ls) > 1 then case when cardinality(n.by_npi) = 1 then 'name_birth' else 'ambiguous' end
           when cardinality(p.ls) = 1 then 'npi' else 'none' end as quality,
      (case when cardinality(i.ls) = 1 then i.ls[1]
            when cardinality(i.ls) > 1 then null
            when cardinality(n.ls) = 1 then n.ls[1]
            when cardinality(n.ls) > 1 then case when cardinality(n.by_npi) = 1 then n.by_npi[1] end
            when cardinality(p.ls) = 1 then p.ls[1] end)::text as learner_id
    from e left join by_id i on i.id = e.id left join by_name n on n.id = e.id left join by_npi p on p.id = e.id
    order by e.id`.execute(owner());
  return r.rows;
}

async function storedMatches(orgCode?: string) {
  const r = await sql<{ id: string; quality: string; learner_id: string | null; status: string; note: string | null }>`
    select id::text, match_quality as quality, learner_id::text, status, match_note as note from board.roster_entry
    where ${orgCode ?? null}::text is null or org_code = ${orgCode ?? null} order by board.roster_entry.id`.execute(owner());
  return r.rows;
}

// ---------------------------------------------------------------- demo rosters

describe("demo rosters", () => {
  const BOARDS = [...STATE_BOARDS, ...CERTIFYING_BOARDS];

  it("every board but ACCME has one system upload, byte for byte the roster the generator builds from the store", async () => {
    const uploads = await owner().selectFrom("board.roster_upload").selectAll().where("uploaded_by", "is", null).orderBy("org_code").execute();
    expect(uploads.map((u) => u.org_code).sort()).toEqual(BOARDS.map((b) => b.code).sort());
    for (const upload of uploads) {
      const roster = await buildDemoRoster(owner(), upload.org_code, { today: TEMPLATE_ROSTER_DAY });
      expect(createHash("sha256").update(roster.csv).digest("hex")).toBe(upload.sha256);
      const entries = Number((await sql<{ n: string }>`select count(*) as n from board.roster_entry where upload_id = ${upload.id}`.execute(owner())).rows[0]!.n);
      const good = roster.rows.filter((r) => r.variant !== "bad").length;
      expect(upload).toMatchObject({ total_rows: roster.rows.length, accepted_rows: good, rejected_rows: 2, new_rows: good, changed_rows: 0 });
      expect(entries).toBe(good);
      // The two deliberate bad rows, at their lines (the header is line 1; no value spans lines).
      const badLines = roster.rows.flatMap((r, i) => (r.variant === "bad" ? [i + 2] : []));
      expect(upload.errors.map((e) => e.line)).toEqual(badLines);
      expect(upload.errors.map((e) => e.reason)).toEqual(["Birth date “02/30” is not a real MM/DD.", "NPI “1234567890” fails the NPI check digit (a digit is wrong)."]);
      // The renewal cohort: cycle ends in the six months after the reference day, or, for a board
      // with no renewals then (all its licences end on one day), its next renewal day.
      const ends = await sql<{ end: string }>`select distinct cycle_end::text as end from board.roster_entry where upload_id = ${upload.id} order by 1`.execute(owner());
      const horizon = new Date(Date.parse(`${TEMPLATE_ROSTER_DAY}T00:00:00Z`) + COHORT_DAYS * 86_400_000).toISOString().slice(0, 10);
      expect(ends.rows[0]!.end >= TEMPLATE_ROSTER_DAY).toBe(true);
      expect(ends.rows.filter((r) => r.end > horizon).length, upload.org_code).toBeLessThanOrEqual(1);
    }
  });

  it("every demo entry matches what the independent SQL says, and each deliberate variant matches as it was built", async () => {
    expect(await storedMatches().then((rows) => rows.map((r) => ({ id: r.id, quality: r.quality, learner_id: r.learner_id })))).toEqual(await expectedMatches());
    const seen = new Set<string>();
    for (const board of BOARDS) {
      const roster = await buildDemoRoster(owner(), board.code, { today: TEMPLATE_ROSTER_DAY });
      const entries = await sql<{ roster_key: string; cycle_end: string; quality: string; learner_id: string | null; status: string }>`
        select roster_key, cycle_end::text, match_quality as quality, learner_id::text, status from board.roster_entry where org_code = ${board.code}`.execute(owner());
      const byKey = new Map(entries.rows.map((e) => [`${e.roster_key}|${e.cycle_end}`, e]));
      for (const row of roster.rows) {
        if (row.variant === "bad") continue;
        const [key, , , , , end] = row.cells;
        const cycleEnd = /^\d{4}-/.test(end) ? end : `${end.slice(6)}-${end.slice(0, 2)}-${end.slice(3, 5)}`;
        const entry = byKey.get(`${key}|${cycleEnd}`)!;
        expect(entry, `${board.code} ${key}`).toBeDefined();
        const expected = { plain: "id", restyledName: "id", otherBirthDate: "id", unknownId: "name_birth", npiOnly: "npi", stranger: "none" }[row.variant];
        expect([entry.quality, entry.learner_id], `${board.code} ${row.variant} ${key}`).toEqual([expected, row.learnerId]);
        // The test server evaluated every roster before answering (as npm start does).
        if (expected === "none") expect(entry.status).toBe("unmatched");
        else expect(["pending", "unmatched"]).not.toContain(entry.status);
        seen.add(entry.quality);
      }
    }
    expect([...seen].sort()).toEqual(["id", "name_birth", "none", "npi"]);
  });
});

// ---------------------------------------------------------------- uploads

describe("uploadRoster", () => {
  it("a good file: every row kept as a new entry, matched by licence id, and audited", async () => {
    const supervisor = await userId("supervisor@nc-m.demo.test");
    const people = await storeLicensees("NC-M", 5);
    const before = await counts("NC-M");
    const outcome = await uploadRoster(appAs(app.database, "NC-M"), { userId: supervisor, orgCode: "NC-M", ip: "203.0.113.9" }, { fileName: "C:\\Users\\me\\or-good.csv", content: csvOf(people.map((p) => rowOf(p, "2031-01-31"))) });
    expect(outcome).toMatchObject({ kind: "uploaded", totalRows: 5, acceptedRows: 5, rejectedRows: 0, newRows: 5, changedRows: 0, matched: { id: 5, name_birth: 0, npi: 0, ambiguous: 0, none: 0 } });
    if (outcome.kind !== "uploaded") throw new Error("not uploaded");
    const upload = await owner().selectFrom("board.roster_upload").selectAll().where(sql<boolean>`id = ${outcome.uploadId}`).executeTakeFirstOrThrow();
    expect(upload).toMatchObject({ org_code: "NC-M", file_name: "or-good.csv", uploaded_by: supervisor, errors: [] });
    const entries = await sql<{ roster_key: string; learner_id: string; match_quality: string; match_note: string; line_no: number; status: string }>`
      select roster_key, learner_id::text, match_quality, match_note, line_no, status from board.roster_entry where upload_id = ${outcome.uploadId} order by line_no`.execute(owner());
    expect(entries.rows.map((e) => [e.roster_key, e.learner_id, e.match_quality, e.line_no, e.status])).toEqual(people.map((p, i) => [p.key, p.id, "id", i + 2, "pending"]));
    expect(entries.rows[0]!.match_note).toBe("License number matched.");
    const after = await counts("NC-M");
    expect([Number(after.uploads), Number(after.entries), Number(after.audits)]).toEqual([Number(before.uploads) + 1, Number(before.entries) + 5, Number(before.audits) + 1]);
    const audit = await owner().selectFrom("board.audit_event").selectAll().where("action", "=", "roster.upload").where("target", "=", `roster_upload:${outcome.uploadId}`).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ user_id: supervisor, org_code: "NC-M", ip: "203.0.113.9" });
    expect(audit.detail).toMatchObject({ fileName: "or-good.csv", totalRows: 5, newRows: 5, changedRows: 0, matched: { id: 5 } });
  });

  it("a bad file: recorded with every row's line and reason, no entry written", async () => {
    const supervisor = await userId("supervisor@nc-m.demo.test");
    const before = await counts("NC-M");
    const csv = "licence_id,first_name,last_name,birth_date,cycle_end\r\nMD1,Ann,Lee,00/10,2031-02-28\r\nMD2,,Lee,01/10,2031-02-28\r\nMD3,Bob,Ray,01/10,31/02/2031\r\n";
    const outcome = await uploadRoster(appAs(app.database, "NC-M"), { userId: supervisor, orgCode: "NC-M" }, { fileName: "or-bad.csv", content: Buffer.from(csv) });
    expect(outcome).toMatchObject({ kind: "uploaded", totalRows: 3, acceptedRows: 0, rejectedRows: 3, newRows: 0, changedRows: 0 });
    if (outcome.kind !== "uploaded") throw new Error("not uploaded");
    const upload = await owner().selectFrom("board.roster_upload").select("errors").where(sql<boolean>`id = ${outcome.uploadId}`).executeTakeFirstOrThrow();
    expect(upload.errors).toEqual([
      { line: 2, reason: "Birth date “00/10” is not a real MM/DD.", raw: "MD1,Ann,Lee,00/10,2031-02-28" },
      { line: 3, reason: "First name is empty.", raw: "MD2,,Lee,01/10,2031-02-28" },
      { line: 4, reason: "Cycle end “31/02/2031” is not a real date.", raw: "MD3,Bob,Ray,01/10,31/02/2031" },
    ]);
    const after = await counts("NC-M");
    expect(after.entries).toBe(before.entries);
    expect(after.stamp).toBe(before.stamp);
  });

  it("a mixed file: good rows kept, bad rows reported with their exact lines and reasons", async () => {
    const supervisor = await userId("supervisor@nc-m.demo.test");
    const people = await storeLicensees("NC-M", 3, 5);
    const csv = [
      STATE_HEADER.join(","),
      rowOf(people[0]!, "2031-03-31").join(","),
      `${people[1]!.key},${people[1]!.first_name},${people[1]!.last_name},${mmdd(people[1]!)},12345,2031-03-31`,
      "",
      `"${people[2]!.key}","${people[2]!.first_name}","${people[2]!.last_name}",${mmdd(people[2]!)},,03/31/2031`,
      `MD99999,"Multi`,
      `Line",Name,13/01,,2031-03-31`,
      `=HYPERLINK("x"),Eve,Moss,02/02,,2031-03-31`,
    ].join("\n");
    const outcome = await uploadRoster(appAs(app.database, "NC-M"), { userId: supervisor, orgCode: "NC-M" }, { fileName: "or-mixed.csv", content: csv });
    expect(outcome).toMatchObject({ kind: "uploaded", totalRows: 5, acceptedRows: 2, rejectedRows: 3, newRows: 2, changedRows: 0 });
    if (outcome.kind !== "uploaded") throw new Error("not uploaded");
    const upload = await owner().selectFrom("board.roster_upload").select("errors").where(sql<boolean>`id = ${outcome.uploadId}`).executeTakeFirstOrThrow();
    expect(upload.errors).toEqual([
      { line: 3, reason: "NPI “12345” is not 10 digits.", raw: `${people[1]!.key},${people[1]!.first_name},${people[1]!.last_name},${mmdd(people[1]!)},12345,2031-03-31` },
      { line: 6, reason: "Birth date “13/01” is not a real MM/DD.", raw: `MD99999,"Multi\nLine",Name,13/01,,2031-03-31` },
      { line: 8, reason: 'License number “=HYPERLINK("x")” may only have letters, digits, dots and hyphens.', raw: `=HYPERLINK("x"),Eve,Moss,02/02,,2031-03-31` },
    ]);
    const kept = await sql<{ roster_key: string; line_no: number; cycle_end: string }>`select roster_key, line_no, cycle_end::text from board.roster_entry where upload_id = ${outcome.uploadId} order by line_no`.execute(owner());
    expect(kept.rows).toEqual([
      { roster_key: people[0]!.key, line_no: 2, cycle_end: "2031-03-31" },
      { roster_key: people[2]!.key, line_no: 5, cycle_end: "2031-03-31" },
    ]);
  });

  it("the same file again changes nothing and says when and by whom it was uploaded", async () => {
    const supervisor = await userId("supervisor@nc-m.demo.test");
    const people = await storeLicensees("NC-M", 4, 10);
    const csv = csvOf(people.map((p) => rowOf(p, "2031-04-30")));
    const first = await uploadRoster(appAs(app.database, "NC-M"), { userId: supervisor, orgCode: "NC-M" }, { fileName: "or-april.csv", content: csv });
    expect(first.kind).toBe("uploaded");
    const before = await counts("NC-M");
    const again = await uploadRoster(appAs(app.database, "NC-M"), { userId: await userId("admin@nc-m.demo.test"), orgCode: "NC-M" }, { fileName: "or-april-copy.csv", content: Buffer.from(csv) });
    expect(again).toMatchObject({ kind: "already", uploadId: first.kind === "uploaded" ? first.uploadId : "", uploadedBy: "Demo supervisor (NC-M)" });
    if (again.kind !== "already") throw new Error("not recognised");
    expect(again.message).toMatch(/^This file was already uploaded on [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M E[SD]T by Demo supervisor \(NC-M\) \(supervisor@nc-m\.demo\.test\) \(as “or-april\.csv”\); nothing changed\.$/);
    expect(await counts("NC-M")).toEqual(before);
  });

  it("the same rows in another file (other column order, line ends, date style) change nothing either", async () => {
    const supervisor = await userId("supervisor@nc-m.demo.test");
    const people = await storeLicensees("NC-M", 4, 10);
    const before = await counts("NC-M");
    const csv = stringify(
      [["Expiration Date", "NPI", "Last Name", "First Name", "DOB", "License ID"], ...people.map((p) => ["04/30/2031", p.npi ?? "", p.last_name, p.first_name, `${p.birth_month}/${p.birth_day}`, p.key.toLowerCase()])],
      { record_delimiter: "windows", bom: true },
    );
    const outcome = await uploadRoster(appAs(app.database, "NC-M"), { userId: supervisor, orgCode: "NC-M" }, { fileName: "or-april-reordered.csv", content: csv });
    expect(outcome).toMatchObject({ kind: "uploaded", totalRows: 4, acceptedRows: 4, newRows: 0, changedRows: 0, matched: { id: 0, name_birth: 0, npi: 0, ambiguous: 0, none: 0 } });
    const after = await counts("NC-M");
    // The upload itself is recorded; not one entry was touched (updated_at, upload and row version).
    expect(Number(after.uploads)).toBe(Number(before.uploads) + 1);
    expect(after.entries).toBe(before.entries);
    expect(after.stamp).toBe(before.stamp);
  });

  it("a changed row counts as changed: it takes the new values, the new upload, a new updated_at and goes back to pending", async () => {
    const supervisor = await userId("supervisor@nc-m.demo.test");
    const people = await storeLicensees("NC-M", 4, 10);
    await owner().updateTable("board.roster_entry").set({ status: "meets" }).where("org_code", "=", "NC-M").where("cycle_end", "=", "2031-04-30").execute();
    const before = await sql<{ roster_key: string; updated_at: Date; upload_id: string; first_name: string }>`
      select roster_key, updated_at, upload_id::text, first_name from board.roster_entry where org_code = 'NC-M' and cycle_end = '2031-04-30' order by roster_key`.execute(owner());
    const rows = people.map((p) => rowOf(p, "2031-04-30"));
    rows[1]![1] = rows[1]![1]!.toUpperCase();
    const outcome = await uploadRoster(appAs(app.database, "NC-M"), { userId: supervisor, orgCode: "NC-M" }, { fileName: "or-april-fixed.csv", content: csvOf(rows) });
    expect(outcome).toMatchObject({ kind: "uploaded", acceptedRows: 4, newRows: 0, changedRows: 1, matched: { id: 1 } });
    if (outcome.kind !== "uploaded") throw new Error("not uploaded");
    const after = await sql<{ roster_key: string; updated_at: Date; upload_id: string; first_name: string; status: string; match_note: string }>`
      select roster_key, updated_at, upload_id::text, first_name, status, match_note from board.roster_entry where org_code = 'NC-M' and cycle_end = '2031-04-30' order by roster_key`.execute(owner());
    for (const [i, row] of after.rows.entries()) {
      const old = before.rows[i]!;
      if (row.roster_key === people[1]!.key) {
        expect(row).toMatchObject({ first_name: people[1]!.first_name.toUpperCase(), upload_id: outcome.uploadId, status: "pending", match_note: "License number matched." });
        expect(row.updated_at.getTime()).toBeGreaterThan(old.updated_at.getTime());
      } else {
        expect(row).toMatchObject({ first_name: old.first_name, upload_id: old.upload_id, status: "meets" });
        expect(row.updated_at.getTime()).toBe(old.updated_at.getTime());
      }
    }
  });

  it("a file with a whole-file problem writes nothing", async () => {
    const supervisor = await userId("supervisor@nc-m.demo.test");
    const before = await counts("NC-M");
    for (const content of [Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]), "first,last\nAnn,Lee\n", `${STATE_HEADER.join(",")}\nMD1,Ann,Lee,01/01,,2031-01-31\nMD1,Ann,Lee,01/01,,2031-01-31\n`]) {
      const outcome = await uploadRoster(appAs(app.database, "NC-M"), { userId: supervisor, orgCode: "NC-M" }, { fileName: "x.csv", content });
      expect(outcome.kind).toBe("rejected");
    }
    expect(await counts("NC-M")).toEqual(before);
    expect(await uploadRoster(appAs(app.database, "ACCME"), { userId: null, orgCode: "ACCME" }, { fileName: "x.csv", content: csvOf([]) })).toEqual({ kind: "rejected", problem: "Only a state or certifying board has a renewal roster." });
  });

  it("all or nothing: when a late step fails, the upload, its entries and their matches are rolled back", async () => {
    const supervisor = await userId("supervisor@nc-m.demo.test");
    const people = await storeLicensees("NC-M", 2, 20);
    const before = await counts("NC-M");
    await sql`alter table board.audit_event add constraint test_no_roster_audit check (action <> 'roster.upload') not valid`.execute(owner());
    try {
      await expect(uploadRoster(appAs(app.database, "NC-M"), { userId: supervisor, orgCode: "NC-M" }, { fileName: "or-fails.csv", content: csvOf(people.map((p) => rowOf(p, "2031-05-31"))) })).rejects.toThrow(/test_no_roster_audit/);
    } finally {
      await sql`alter table board.audit_event drop constraint test_no_roster_audit`.execute(owner());
    }
    expect(await counts("NC-M")).toEqual(before);
  });
});

// ---------------------------------------------------------------- matching

describe("matching", () => {
  it("exercises every quality, and agrees with the independent SQL entry by entry (with notes that say what differed)", async () => {
    const supervisor = await userId("supervisor@nc-m.demo.test");
    const people = await storeLicensees("NC-M", 6);
    const [byId, byName, byNpi, , , wrongBirth] = people;
    // Two licensees of NC-M who share a name and birth date (arranged in the store as its owner).
    const twin = people[4]!;
    const clone = await sql<{ id: string }>`
      insert into learner.learner (first_name, last_name, birth_month, birth_day, npi)
      values (${twin.first_name}, ${twin.last_name}, ${twin.birth_month}, ${twin.birth_day}, null) returning id::text`.execute(owner());
    await sql`insert into learner.licence (learner_id, board_code, licence_id) values (${clone.rows[0]!.id}, 'NC-M', 'TWIN-1')`.execute(owner());
    const rows = [
      rowOf(byId!, "2031-06-30", ""),
      ["X1000001", byName!.first_name.toUpperCase(), byName!.last_name, mmdd(byName!), "", "2031-06-30"],
      ["X1000002", byNpi!.first_name, `${byNpi!.last_name}-Hale`, mmdd(byNpi!), byNpi!.npi ?? "", "2031-06-30"],
      ["X1000003", "Nobody", "Known", "01/01", "", "2031-06-30"],
      ["X1000004", twin.first_name, twin.last_name, mmdd(twin), "", "2031-06-30"],
      ["X1000005", twin.first_name, twin.last_name, mmdd(twin), twin.npi ?? "", "2031-07-31"],
      [wrongBirth!.key, wrongBirth!.first_name, wrongBirth!.last_name, wrongBirth!.birth_day === 1 ? `${wrongBirth!.birth_month}/2` : `${wrongBirth!.birth_month}/1`, "", "2031-06-30"],
    ];
    const outcome = await uploadRoster(appAs(app.database, "NC-M"), { userId: supervisor, orgCode: "NC-M" }, { fileName: "nc-match.csv", content: csvOf(rows) });
    expect(outcome).toMatchObject({ kind: "uploaded", newRows: 7, matched: { id: 2, name_birth: 2, npi: 1, ambiguous: 1, none: 1 } });
    const stored = await sql<{ roster_key: string; quality: string; learner_id: string | null; note: string; status: string }>`
      select roster_key, match_quality as quality, learner_id::text, match_note as note, status from board.roster_entry
      where org_code = 'NC-M' and roster_key in ('X1000001', 'X1000002', 'X1000003', 'X1000004', 'X1000005', ${byId!.key}, ${wrongBirth!.key})
        and cycle_end >= '2031-06-30' order by line_no`.execute(owner());
    expect(stored.rows.map((r) => [r.roster_key, r.quality, r.learner_id, r.status])).toEqual([
      [byId!.key, "id", byId!.id, "pending"],
      ["X1000001", "name_birth", byName!.id, "pending"],
      ["X1000002", "npi", byNpi!.id, "pending"],
      ["X1000003", "none", null, "unmatched"],
      ["X1000004", "ambiguous", null, "unmatched"],
      ["X1000005", "name_birth", twin.id, "pending"],
      [wrongBirth!.key, "id", wrongBirth!.id, "pending"],
    ]);
    expect(stored.rows.map((r) => r.note)).toEqual([
      "License number matched.",
      `Name and birth date matched; license number X1000001 is not on record for NC-M (the store has ${byName!.key}).`,
      `NPI matched; the name on the roster (${byNpi!.first_name} ${byNpi!.last_name}-Hale) differs from the store (${byNpi!.first_name} ${byNpi!.last_name}); license number X1000002 is not on record for NC-M (the store has ${byNpi!.key}).`,
      "No licensee known to NC-M has this license number, or this name and birth date.",
      "2 licensees share this name and birth date; an NPI on the roster would tell them apart.",
      `2 licensees share this name and birth date; the NPI picked one; license number X1000005 is not on record for NC-M (the store has ${twin.key}).`,
      `License number matched; the birth date on the roster (${rows[6]![3]!.split("/").map((p) => p.padStart(2, "0")).join("/")}) differs from the store (${mmdd(wrongBirth!)}).`,
    ]);
    const mine = (rows: Array<{ id: string; quality: string; learner_id: string | null }>) => rows.map((r) => ({ id: r.id, quality: r.quality, learner_id: r.learner_id }));
    expect(mine(await storedMatches("NC-M"))).toEqual(await expectedMatches("NC-M"));
  });

  it("deleted learners never match; re-running the match after the store changes updates only what changed", async () => {
    const supervisor = await userId("supervisor@md-m.demo.test");
    const [gone, stays] = await storeLicensees("MD-M", 2);
    await uploadRoster(appAs(app.database, "MD-M"), { userId: supervisor, orgCode: "MD-M" }, { fileName: "md.csv", content: csvOf([rowOf(gone!, "2031-09-30"), rowOf(stays!, "2031-09-30")]) });
    const entry = async (key: string) =>
      (await sql<{ quality: string; learner_id: string | null; status: string; v: string }>`
        select match_quality as quality, learner_id::text, status, xmin::text as v from board.roster_entry where org_code = 'MD-M' and roster_key = ${key} and cycle_end = '2031-09-30'`.execute(owner())).rows[0]!;
    expect(await entry(gone!.key)).toMatchObject({ quality: "id", learner_id: gone!.id });
    const untouched = await entry(stays!.key);

    await sql`update learner.learner set deleted_at = now() where id = ${gone!.id}`.execute(owner());
    const rematched = await matchRosterEntries(appAs(app.database, "MD-M"), "MD-M");
    expect(rematched.none).toBeGreaterThanOrEqual(1);
    expect(await entry(gone!.key)).toMatchObject({ quality: "none", learner_id: null, status: "unmatched" });
    // An entry whose match did not change is not rewritten.
    expect((await entry(stays!.key)).v).toBe(untouched.v);
    expect((await storedMatches("MD-M")).map((r) => ({ id: r.id, quality: r.quality, learner_id: r.learner_id }))).toEqual(await expectedMatches("MD-M"));

    await sql`update learner.learner set deleted_at = null where id = ${gone!.id}`.execute(owner());
    await matchRosterEntries(appAs(app.database, "MD-M"), "MD-M");
    expect(await entry(gone!.key)).toMatchObject({ quality: "id", learner_id: gone!.id, status: "pending" });
  });

  it("is set-based: the same number of statements for 10 rows as for 2,000, and 20,000 rows upload in seconds", async () => {
    const name = new URL(app.database.url).pathname.slice(1);
    let statements = 0;
    const counted = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({
        connectionString: withDatabase(inject("pgAppUrl"), name),
        max: 2,
        // Acting for CA-M under row-level security, as the app's own client does per request.
        options: "-c app.boards=CA-M -c app.org=CA-M",
      }) }),
      log: (event) => {
        if (event.level === "query") statements++;
      },
    });
    try {
      const people = await storeLicensees("CA-M", 10, 30);
      const rowsFor = (n: number, cycleEnd: string) => [
        ...people.map((p) => rowOf(p, cycleEnd)),
        ...Array.from({ length: n - people.length }, (_, i) => [`P${i}`, ["Ann", "Bob", "Cy", "Dee"][i % 4]!, ["Lee", "Ray", "Moss"][i % 3]!, `${(i % 12) + 1}/${(i % 28) + 1}`, "", cycleEnd]),
      ];
      const run = async (n: number, cycleEnd: string) => {
        statements = 0;
        const outcome = await uploadRoster(counted, { userId: null, orgCode: "CA-M" }, { fileName: `ca-${n}.csv`, content: csvOf(rowsFor(n, cycleEnd)) });
        expect(outcome).toMatchObject({ kind: "uploaded", newRows: n });
        return statements;
      };
      expect(await run(10, "2032-01-31")).toBe(await run(2_000, "2032-02-29"));

      const started = Date.now();
      const outcome = await uploadRoster(appAs(app.database, "CA-M"), { userId: null, orgCode: "CA-M" }, { fileName: "ca-20000.csv", content: csvOf(rowsFor(20_000, "2032-03-31")) });
      const seconds = (Date.now() - started) / 1000;
      expect(outcome).toMatchObject({ kind: "uploaded", totalRows: 20_000, newRows: 20_000, matched: { id: 10 } });
      expect(seconds).toBeLessThan(20);
      console.log(`20,000-row roster uploaded and matched in ${seconds.toFixed(1)} s`);
    } finally {
      await counted.destroy();
    }
  });
});

// ---------------------------------------------------------------- pages

async function postRoster(cookie: string, content: string | Uint8Array, fileName = "roster.csv"): Promise<Response> {
  const form = new FormData();
  form.append("file", new Blob([typeof content === "string" ? content : Buffer.from(content)], { type: "text/csv" }), fileName);
  return post(app.server.baseUrl, "/rosters?index", cookie, form);
}

const BOUNDARY = "----roster-test-boundary";
/** A multipart body by hand, so it can be streamed without a Content-Length. */
function bigForm(content: string): string {
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n--${BOUNDARY}--\r\n`;
}

const text = async (response: Response) => (await response.text()).replace(/<!-- -->/g, "");

describe("roster pages", () => {
  it("shows each upload's time in California's time zone, the zone named (PST or PDT), as PostgreSQL writes it in that zone", async () => {
    const cookie = await signIn(app.server.baseUrl, "reviewer@ca-m.demo.test");
    const html = await (await get(app.server.baseUrl, "/rosters", cookie)).text();
    const uploads = await app.database.owner.transaction().execute(async (trx) => {
      await sql`set local time zone 'America/Los_Angeles'`.execute(trx);
      return (
        await sql<{ iso: string; shown: string }>`
          select to_json(uploaded_at)#>>'{}' as iso, to_char(uploaded_at, 'Mon FMDD, YYYY, FMHH12:MI AM TZ') as shown
          from board.roster_upload where org_code = 'CA-M'`.execute(trx)
      ).rows;
    });
    expect(uploads.length).toBeGreaterThan(0);
    for (const upload of uploads) {
      expect(upload.shown).toMatch(/ P[SD]T$/);
      const iso = new Date(upload.iso).toISOString();
      const cell = html.match(new RegExp(`<time dateTime="${iso.replace(/[.]/g, "\\.")}">([^<]+)</time>`));
      expect(cell, iso).not.toBeNull();
      expect(cell![1]!.replace(/\s/g, " ")).toBe(upload.shown);
    }
    expect(html).not.toMatch(/\bUTC\b/);
  });

  it("a supervisor uploads a mixed file through the form, sees the result, and downloads the bad rows as neutralised CSV", async () => {
    const cookie = await signIn(app.server.baseUrl, "supervisor@ca-m.demo.test");
    const page = await get(app.server.baseUrl, "/rosters", cookie);
    expect(page.status).toBe(200);
    const html = await text(page);
    expect(html).toMatch(/enctype="multipart\/form-data"/i);
    expect(html).toContain("Upload roster");

    const people = await storeLicensees("CA-M", 2, 50);
    const csv = [STATE_HEADER.join(","), rowOf(people[0]!, "2031-10-31").join(","), "A1,Zoe,Lee,02/30,,2031-10-31", rowOf(people[1]!, "2031-10-31").join(","), "@SUM(1),Eve,Moss,02/02,,2031-10-31"].join("\r\n");
    const posted = await postRoster(cookie, csv, "ca-october.csv");
    expect(posted.status).toBe(302);
    const location = posted.headers.get("location") ?? "";
    const uploadId = location.match(/^\/rosters\/(\d+)\?uploaded=1$/)?.[1];
    expect(uploadId).toBeDefined();
    const upload = await owner().selectFrom("board.roster_upload").selectAll().where(sql<boolean>`id = ${uploadId}`).executeTakeFirstOrThrow();
    expect(upload).toMatchObject({ org_code: "CA-M", file_name: "ca-october.csv", total_rows: 4, accepted_rows: 2, rejected_rows: 2, new_rows: 2, uploaded_by: await userId("supervisor@ca-m.demo.test") });

    const result = await text(await get(app.server.baseUrl, location, cookie));
    expect(result).toContain("Roster uploaded.");
    expect(result).toMatch(/data-testid="stat-total">4</);
    expect(result).toMatch(/data-testid="stat-rejected">2</);
    const table = result.match(/<table class="data-table" data-testid="bad-rows">[\s\S]*?<\/table>/)?.[0] ?? "";
    const cells = [...table.matchAll(/<td class="num shrink">(\d+)<\/td><td class="wrap">([^<]*)<\/td>/g)].map((m) => [Number(m[1]), m[2]!.replace(/&quot;/g, '"')]);
    expect(cells).toEqual([
      [3, "Birth date “02/30” is not a real MM/DD."],
      [5, "License number “@SUM(1)” may only have letters, digits, dots and hyphens."],
    ]);
    expect(result).toContain(`href="/rosters/${uploadId}/errors"`);

    const download = await get(app.server.baseUrl, `/rosters/${uploadId}/errors`, cookie);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    // Named for the board's own day (California's), as PostgreSQL's time zone data gives it.
    const day = await sql<{ d: string }>`select (now() at time zone 'America/Los_Angeles')::date::text as d`.execute(owner());
    expect(download.headers.get("content-disposition")).toBe(`attachment; filename="CA-M_roster-${uploadId}-bad-rows_produced-${day.rows[0]!.d}.csv"`);
    expect(parse(await download.text(), { bom: true })).toEqual([
      ["Line", "Reason", "Row as uploaded"],
      ["3", "Birth date “02/30” is not a real MM/DD.", "A1,Zoe,Lee,02/30,,2031-10-31"],
      ["5", "License number “@SUM(1)” may only have letters, digits, dots and hyphens.", "'@SUM(1),Eve,Moss,02/02,,2031-10-31"],
    ]);
    // The export is audited when its stream ends, just after the last byte is sent.
    const exportAudit = () => owner().selectFrom("board.audit_event").select(["detail", "user_id"]).where("action", "=", "export").where("target", "=", `roster_upload:${uploadId}:errors`).executeTakeFirst();
    for (let tries = 0; tries < 50 && !(await exportAudit()); tries++) await new Promise((r) => setTimeout(r, 50));
    expect((await exportAudit())?.detail).toMatchObject({ rows: 2, completed: true });

    // The same file again: a notice, nothing written (once the first upload's background evaluation,
    // which writes its entries, has ended).
    await app.server.statuses.idle();
    const before = await counts("CA-M");
    const again = await postRoster(cookie, csv, "ca-october-again.csv");
    expect(again.status).toBe(200);
    expect(await text(again)).toMatch(/This file was already uploaded on .* by Demo supervisor \(CA-M\) .*nothing changed\./);
    expect(await counts("CA-M")).toEqual(before);

    // The list shows the upload with its counts.
    const list = await text(await get(app.server.baseUrl, "/rosters", cookie));
    expect(list).toMatch(new RegExp(`<tr data-upload-id="${uploadId}">.*?ca-october\\.csv.*?Demo supervisor \\(CA-M\\)</td><td class="num">4</td><td class="num">2</td><td class="num"><span class="badge badge--error">2</span></td><td class="num">2</td><td class="num">0</td>`));
  });

  it("a non-CSV file or one over the size limit gets a clear message and writes nothing", async () => {
    const cookie = await signIn(app.server.baseUrl, "admin@ca-m.demo.test");
    await app.server.statuses.idle(); // earlier uploads' background evaluation writes their entries
    const before = await counts("CA-M");
    const xlsx = await postRoster(cookie, Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 6, 0, 8, 0]), "roster.xlsx");
    expect(xlsx.status).toBe(400);
    expect(await text(xlsx)).toContain("The file is an Excel workbook (.xlsx) or another zip archive, not CSV.");
    const big = await postRoster(cookie, `${STATE_HEADER.join(",")}\n${"A1,Ann,Lee,01/01,,2031-01-31\n".repeat(200_000)}`, "big.csv");
    expect(big.status).toBe(413);
    expect(await text(big)).toContain("The file is larger than 5 MB. Split the roster into smaller files and upload each.");
    // Sent without a length (chunked), the part is cut off as it streams in past the limit.
    const body = new Response(bigForm(`${STATE_HEADER.join(",")}\n${"A1,Ann,Lee,01/01,,2031-01-31\n".repeat(200_000)}`)).body!;
    const chunked = await fetch(`${app.server.baseUrl}/rosters?index`, {
      method: "POST",
      body,
      duplex: "half",
      redirect: "manual",
      headers: { cookie, origin: app.server.baseUrl, "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await text(chunked)).toContain("The file is larger than 5 MB.");
    const empty = await postRoster(cookie, "", "empty.csv");
    expect(empty.status).toBe(400);
    expect(await text(empty)).toContain("The file is empty.");
    expect(await counts("CA-M")).toEqual(before);
  });

  it("the content decides, not the label: binary, PNG and PDF files, non-multipart and malformed requests get a clear 400 and write nothing", async () => {
    const cookie = await signIn(app.server.baseUrl, "supervisor@ca-m.demo.test");
    await app.server.statuses.idle(); // earlier uploads' background evaluation writes their entries
    const before = await counts("CA-M");
    const send = (body: BodyInit, contentType: string) => post(app.server.baseUrl, "/rosters?index", cookie, body, { "content-type": contentType });
    const part = (content: string, type: string, filename = "roster.csv", name = "file") =>
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n${content}\r\n`;
    const multipart = `multipart/form-data; boundary=${BOUNDARY}`;
    let seed = 7;
    const noise = (n: number, min = 0) => Uint8Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % (256 - min)) + min);

    const notText = "The file is not a CSV text file.";
    const cases: [string, Uint8Array | string, string, string][] = [
      ["a PNG", Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, ...noise(400)]), "image/png", notText],
      ["a PDF", "%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", "application/pdf", "The file is a PDF, not CSV."],
      ["random bytes", noise(4000), "application/octet-stream", notText],
      ["random bytes without a NUL, labelled CSV", noise(4000, 1), "text/csv", notText],
    ];
    for (const [what, content, type, message] of cases) {
      const form = new FormData();
      form.append("file", new Blob([typeof content === "string" ? content : Buffer.from(content)], { type }), "roster.csv");
      const response = await post(app.server.baseUrl, "/rosters?index", cookie, form);
      expect(response.status, what).toBe(400);
      expect(await text(response), what).toContain(message);
    }
    const urlencoded = await send("file=licence_id%2Cfirst_name", "application/x-www-form-urlencoded");
    expect(urlencoded.status).toBe(400);
    expect(await text(urlencoded)).toContain("Send the roster as a file upload (multipart/form-data).");
    const noFile = await send(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--${BOUNDARY}--\r\n`, multipart);
    expect(noFile.status).toBe(400);
    expect(await text(noFile)).toContain("Choose a roster CSV file to upload.");
    const wrongBoundary = await send(part("licence_id\n", "text/csv") + `--${BOUNDARY}--\r\n`, "multipart/form-data; boundary=another");
    expect(wrongBoundary.status).toBe(400);
    expect(await counts("CA-M")).toEqual(before);
  });

  it("one file per upload, and many parts streamed past the limit are cut off with nothing written", async () => {
    const cookie = await signIn(app.server.baseUrl, "supervisor@ca-m.demo.test");
    // A good file labelled as Excel (Windows browsers label .csv files so): read for what it is, a CSV.
    const [person] = await storeLicensees("CA-M", 1, 60);
    const first = csvOf([rowOf(person!, "2032-03-31")]);
    const single = new FormData();
    single.append("file", new Blob([first], { type: "application/vnd.ms-excel" }), "first.csv");
    const one = await post(app.server.baseUrl, "/rosters?index", cookie, single);
    expect(one.status).toBe(302);
    const uploadId = one.headers.get("location")?.match(/^\/rosters\/(\d+)\?uploaded=1$/)?.[1];
    const upload = await owner().selectFrom("board.roster_upload").selectAll().where(sql<boolean>`id = ${uploadId}`).executeTakeFirstOrThrow();
    expect(upload).toMatchObject({ file_name: "first.csv", total_rows: 1, accepted_rows: 1, rejected_rows: 0 });

    // Eight 4.5 MB files in one request without a length (last: the connection is closed under it).
    // Each is under the 5 MB limit; together they are over what one request may send, so the
    // reading stops there (every part used to be kept in memory).
    const chunk = `${STATE_HEADER.join(",")}\n${"A1,Ann,Lee,01/01,,2031-01-31\n".repeat(160_000)}`.slice(0, 4_500_000);
    const parts = Array.from({ length: 8 }, (_, i) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="part-${i}.csv"\r\nContent-Type: text/csv\r\n\r\n${chunk}\r\n`);
    // The server answers 413 and closes the connection under the sender, so the client may see the
    // answer or only the closed connection; either way the upload is refused. (The first upload's
    // entries are evaluated in the background: that writes them, so it ends first.)
    await app.server.statuses.idle();
    const before = await counts("CA-M");
    // On a connection of its own (node:http, no keep-alive pool), so the reset cannot reach other requests.
    const many = await new Promise<string>((resolve) => {
      const request = httpRequest(`${app.server.baseUrl}/rosters?index`, {
        method: "POST",
        agent: false,
        headers: { cookie, origin: app.server.baseUrl, "content-type": `multipart/form-data; boundary=${BOUNDARY}`, "transfer-encoding": "chunked" },
      });
      request.on("response", (response) => {
        resolve(String(response.statusCode));
        response.resume();
      });
      request.on("error", (error) => resolve(`connection closed (${error.message})`));
      for (const p of parts) request.write(p);
      request.end(`--${BOUNDARY}--\r\n`);
    });
    expect(many).toMatch(/^(413|connection closed)/);
    expect(await counts("CA-M")).toEqual(before);
  });

  it("reviewers see the uploads but cannot upload; ACCME has no roster", async () => {
    const reviewer = await signIn(app.server.baseUrl, "reviewer@ca-m.demo.test");
    const page = await text(await get(app.server.baseUrl, "/rosters", reviewer));
    expect(page).toContain('data-testid="roster-uploads"');
    expect(page).not.toMatch(/enctype="multipart\/form-data"/i);
    await app.server.statuses.idle(); // earlier uploads' background evaluation writes their entries
    const before = await counts("CA-M");
    const posted = await postRoster(reviewer, csvOf([["A1", "Ann", "Lee", "01/01", "", "2031-01-31"]]));
    expect(posted.status).toBe(403);
    expect(await counts("CA-M")).toEqual(before);

    const accme = await signIn(app.server.baseUrl, "admin@accme.demo.test");
    expect(await text(await get(app.server.baseUrl, "/rosters", accme))).toContain("has no renewal roster of its own");
    expect((await postRoster(accme, csvOf([["A1", "Ann", "Lee", "01/01", "", "2031-01-31"]]))).status).toBe(403);
  });

  it("another organisation's upload, its bad rows and its unmatched entries are unreachable", async () => {
    const abim = await owner().selectFrom("board.roster_upload").select("id").where("org_code", "=", "ABIM").executeTakeFirstOrThrow();
    const cookie = await signIn(app.server.baseUrl, "supervisor@ca-m.demo.test");
    expect((await get(app.server.baseUrl, `/rosters/${abim.id}`, cookie)).status).toBe(404);
    expect((await get(app.server.baseUrl, `/rosters/${abim.id}/errors`, cookie)).status).toBe(404);
    for (const bad of ["abc", "0", "1e3", "99999999999999999999"]) expect((await get(app.server.baseUrl, `/rosters/${bad}`, cookie)).status).toBe(404);
    const abimCookie = await signIn(app.server.baseUrl, "reviewer@abim.demo.test");
    expect((await get(app.server.baseUrl, `/rosters/${abim.id}`, abimCookie)).status).toBe(200);
    expect((await get(app.server.baseUrl, `/rosters/${abim.id}/errors`, abimCookie)).status).toBe(200);

    // The unmatched queue lists exactly this organisation's unmatched and ambiguous entries, soonest cycle end first.
    const queue = await text(await get(app.server.baseUrl, "/rosters/unmatched", cookie));
    const shown = [...queue.matchAll(/<tr data-entry-id="(\d+)">/g)].map((m) => m[1]);
    const expected = await sql<{ id: string }>`
      select id::text from board.roster_entry where org_code = 'CA-M' and match_quality in ('none', 'ambiguous') order by cycle_end, roster_entry.id limit 50`.execute(owner());
    expect(expected.rows.length).toBeGreaterThan(0);
    expect(shown).toEqual(expected.rows.map((r) => r.id));
    const abimEntries = await sql<{ id: string }>`select id::text from board.roster_entry where org_code = 'ABIM'`.execute(owner());
    for (const { id } of abimEntries.rows) expect(queue).not.toContain(`data-entry-id="${id}"`);
  });

  it("the unmatched queue explains each entry and links to a pre-filled licensee lookup; filters and bad parameters are handled", async () => {
    const cookie = await signIn(app.server.baseUrl, "reviewer@abim.demo.test");
    const stranger = await sql<{ id: string; roster_key: string; first_name: string; last_name: string; birth_month: number; birth_day: number; npi: string | null; match_note: string }>`
      select id::text, roster_key, first_name, last_name, birth_month, birth_day, npi, match_note from board.roster_entry
      where org_code = 'ABIM' and match_quality = 'none' order by cycle_end, roster_entry.id limit 1`.execute(owner());
    const e = stranger.rows[0]!;
    const page = await text(await get(app.server.baseUrl, "/rosters/unmatched?quality=none", cookie));
    const row = page.match(new RegExp(`<tr data-entry-id="${e.id}">[\\s\\S]*?</tr>`))?.[0] ?? "";
    expect(row).toContain(e.match_note);
    expect(row).toContain("Not found");
    const href = row.match(/href="(\/licensees\?[^"]+)"/)?.[1]?.replace(/&amp;/g, "&") ?? "";
    const params = new URL(href, app.server.baseUrl).searchParams;
    expect(Object.fromEntries(params)).toEqual({ first: e.first_name, last: e.last_name, dob: mmdd(e), boardId: e.roster_key, ...(e.npi ? { npi: e.npi } : {}) });
    const lookup = await get(app.server.baseUrl, href, cookie);
    expect(lookup.status).toBe(200);

    const odd = await get(app.server.baseUrl, "/rosters/unmatched?quality=maybe&upload=x&after=2026-13-01_5", cookie);
    expect(odd.status).toBe(400);
    const oddHtml = await text(odd);
    expect(oddHtml).toContain("Show must be “not found” or “ambiguous”; showing both.");
    expect(oddHtml).toContain("That upload number is not valid; showing every upload.");
    expect(oddHtml).toContain("That page link is not valid; showing the first page.");
  });
});
