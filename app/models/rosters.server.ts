// Renewal rosters: a board's uploaded CSVs (recorded once per file content), the roster entries they
// add or change (one per licensee cycle), and how each entry matches the learner store. Everything
// here is keyed by the signed-in organisation; another organisation's upload does not exist.
import { createHash } from "node:crypto";
import { once } from "node:events";
import busboy from "busboy";
import { sql, type Kysely, type SqlBool } from "kysely";
import type { Database, MatchQuality, RosterRowError } from "../../db/schema";
import { formatDateTime } from "../lib/format";
import { ROSTER_LIMITS, type RosterRow, type RosterRowProblem } from "../../domain/roster-csv";
import { attributesOf, type AttributeKey } from "../../domain/licensee-attributes";
import { organisationTimeZone, organisationToday } from "../../domain/reference";
import { streamRosterCsv } from "../lib/roster-csv-stream.server";
import { recordAudit } from "./audit.server";

export const MATCH_QUALITIES = ["id", "name_birth", "npi", "ambiguous", "none"] as const satisfies readonly MatchQuality[];

export type MatchCounts = Record<MatchQuality, number>;

const noMatches = (): MatchCounts => ({ id: 0, name_birth: 0, npi: 0, manual: 0, ambiguous: 0, none: 0 });

/** Who uploads: a staff user, or the system (demo data) with no user. */
export interface RosterUploader {
  userId: string | null;
  orgCode: string;
  ip?: string | null;
}

export type UploadOutcome =
  /** A problem with the whole file: nothing was written. */
  | { kind: "rejected"; problem: string }
  /** The same file (byte for byte) was uploaded before: nothing was written. */
  | { kind: "already"; uploadId: string; uploadedAt: Date; uploadedBy: string | null; message: string }
  | {
      kind: "uploaded";
      uploadId: string;
      totalRows: number;
      acceptedRows: number;
      rejectedRows: number;
      newRows: number;
      changedRows: number;
      /** How the new and changed entries matched the learner store. */
      matched: MatchCounts;
      /** The licensee attributes the file had columns for, and how many stored values it changed. */
      attributeColumns: AttributeKey[];
      attributeChanges: number;
      /** A full-cohort upload: entries of earlier uploads with an open cycle that it no longer lists. */
      retiredRows: number;
    };

/** How an upload is read: `fullCohort` when the board says the file is its whole current cohort. */
export interface UploadOptions {
  fullCohort?: boolean;
  /** The day whose open cycles a full-cohort upload retires (default: today, UTC). */
  today?: string;
}

/** A file name as shown on the page: its last path part, no control characters, at most 200 characters. */
export function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const clean = base.replace(/\p{Cc}/gu, "").trim();
  return (clean || "roster.csv").slice(0, 200);
}

interface Organisation {
  code: string;
  kind: string;
}

async function organisation(db: Kysely<Database>, orgCode: string): Promise<Organisation | undefined> {
  return db.selectFrom("board.organisation").select(["code", "kind"]).where("code", "=", orgCode).executeTakeFirst();
}

/** Entries matched at a time after an upload (matchRosterEntries holds every candidate of the entries it is given). */
const MATCH_SLICE = 5_000;

/** A whole-file problem found while the upload is read inside its transaction: rolls it back. */
class RefusedUpload extends Error {
  constructor(readonly problem: string) {
    super(problem);
  }
}

/** A batch of kept rows into the upload's staging table: one statement of arrays. */
async function stageRows(trx: Kysely<Database>, rows: readonly RosterRow[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(pick: (r: RosterRow) => T) => rows.map(pick);
  await sql`
    insert into pg_temp.roster_stage (roster_key, first_name, last_name, birth_month, birth_day, npi, cycle_end, line_no, attributes)
    select * from unnest(${col((r) => r.rosterKey)}::text[], ${col((r) => r.firstName)}::text[], ${col((r) => r.lastName)}::text[],
                         ${col((r) => r.birthMonth)}::smallint[], ${col((r) => r.birthDay)}::smallint[], ${col((r) => r.npi)}::text[],
                         ${col((r) => r.cycleEnd)}::date[], ${col((r) => r.line)}::integer[], ${col((r) => JSON.stringify(r.attributes))}::jsonb[])`.execute(trx);
}

/** A batch of bad rows' problems into the upload's staging table of problems. */
async function stageProblems(trx: Kysely<Database>, problems: readonly RosterRowProblem[]): Promise<void> {
  if (problems.length === 0) return;
  await sql`
    insert into pg_temp.roster_problem (line_no, reason, raw)
    select * from unnest(${problems.map((p) => p.line)}::integer[], ${problems.map((p) => p.reason)}::text[], ${problems.map((p) => p.raw)}::text[])`.execute(trx);
}

/**
 * Reads a roster CSV and, in one transaction, records the upload (its counts and bad rows), adds the
 * new entries, updates the changed ones, matches both to the learner store, and audits it. A file
 * whose content was uploaded before changes nothing; so does a row identical to its entry. A file
 * with no good rows is still recorded, so its bad rows can be reviewed and downloaded.
 *
 * The file is read inside the transaction, as a stream: its rows and bad rows go a batch at a time
 * into temporary staging tables (dropped at the end of the transaction), and the new and changed
 * counts, the upsert and the bad-rows report are computed from them in SQL, so what the server holds
 * is one batch, the duplicate check's keys and the file itself (at most 5 MB), whatever the row
 * count. A whole-file problem found while reading (too many rows, duplicated licensees...) rolls
 * back whatever was staged: nothing is written.
 */
export async function uploadRoster(
  db: Kysely<Database>,
  uploader: RosterUploader,
  file: { fileName: string; content: Uint8Array | string },
  options: UploadOptions = {},
): Promise<UploadOutcome> {
  const org = await organisation(db, uploader.orgCode);
  if (!org || (org.kind !== "state_board" && org.kind !== "certifying_board")) {
    return { kind: "rejected", problem: "Only a state or certifying board has a renewal roster." };
  }
  const fileName = cleanFileName(file.fileName);
  const sha256 = createHash("sha256").update(file.content).digest("hex");

  try {
    return await db.transaction().execute(async (trx): Promise<UploadOutcome> => {
      // One upload at a time per organisation: the "already uploaded" check and the new/changed
      // counts must see every earlier upload.
      await sql`select pg_advisory_xact_lock(hashtext(${`board.roster_upload:${org.code}`}))`.execute(trx);
      const previous = await trx
        .selectFrom("board.roster_upload as u")
        .leftJoin("board.staff_user as s", "s.id", "u.uploaded_by")
        .select(["u.id", sql<Date>`u.uploaded_at`.as("uploaded_at"), "u.file_name", "s.display_name", "s.email"])
        .where("u.org_code", "=", org.code)
        .where("u.sha256", "=", sha256)
        .where("u.withdrawn_at", "is", null)
        .executeTakeFirst();
      if (previous) {
        const who = previous.display_name ? `${previous.display_name} (${previous.email})` : "the system (demo data)";
        return {
          kind: "already",
          uploadId: String(previous.id),
          uploadedAt: previous.uploaded_at,
          uploadedBy: previous.display_name,
          message: `This file was already uploaded on ${formatDateTime(previous.uploaded_at, organisationTimeZone(org.code))} by ${who} (as “${previous.file_name}”); nothing changed.`,
        };
      }

      await sql`
        create temp table roster_stage (
          roster_key text not null, first_name text not null, last_name text not null, birth_month smallint not null,
          birth_day smallint not null, npi text, cycle_end date not null, line_no integer not null,
          attributes jsonb not null default '{}'
        ) on commit drop;
        create temp table roster_problem (line_no integer not null, reason text not null, raw text not null) on commit drop`.execute(trx);
      const parsed = await streamRosterCsv(file.content, {
        attributes: attributesOf(org.code),
        onBatch: async ({ rows, problems }) => {
          await stageRows(trx, rows);
          await stageProblems(trx, problems);
        },
      });
      if (!parsed.ok) throw new RefusedUpload(parsed.problem);
      // The staged rows' statistics, so the planner joins 100,000 of them to the roster as what they are.
      await sql`analyze pg_temp.roster_stage`.execute(trx);

      // New: no entry for the licensee's cycle; changed: one with other values (the upsert's WHERE).
      const diff = await sql<{ fresh: number; changed: number }>`
        select count(*) filter (where e.id is null)::integer as fresh,
               count(*) filter (where e.id is not null
                 and (e.first_name, e.last_name, e.birth_month, e.birth_day, e.npi)
                     is distinct from (s.first_name, s.last_name, s.birth_month, s.birth_day, s.npi))::integer as changed
        from pg_temp.roster_stage s
        left join board.roster_entry e on e.org_code = ${org.code} and e.roster_key = s.roster_key and e.cycle_end = s.cycle_end`.execute(trx);
      const { fresh, changed } = diff.rows[0]!;
      // The attribute values that differ from what the board knew (an empty cell supplies nothing).
      const attributeChanges = await countAttributeChanges(trx, org.code);

      const upload = await sql<{ id: string }>`
        insert into board.roster_upload
          (org_code, file_name, sha256, uploaded_by, total_rows, accepted_rows, rejected_rows, new_rows, changed_rows, attribute_columns, attribute_changes, errors)
        values (${org.code}, ${fileName}, ${sha256}, ${uploader.userId}, ${parsed.totalRows}, ${parsed.acceptedRows}, ${parsed.rejectedRows},
          ${fresh}, ${changed}, ${parsed.attributeColumns}::text[], ${attributeChanges},
          coalesce((select jsonb_agg(jsonb_build_object('line', p.line_no, 'reason', p.reason, 'raw', p.raw) order by p.line_no)
                    from pg_temp.roster_problem p), '[]'::jsonb))
        returning id::text as id`.execute(trx);
      const uploadId = upload.rows[0]!.id;

      let entryIds: string[] = [];
      if (fresh + changed > 0) {
        // A changed row takes the new values and goes back to 'pending' (its status is recomputed);
        // an identical one is left alone (the WHERE), so its updated_at keeps saying when it last changed.
        const written = await sql<{ id: string; inserted: boolean }>`
          insert into board.roster_entry as e
            (org_code, roster_key, first_name, last_name, birth_month, birth_day, npi, cycle_end, upload_id, line_no)
          select ${org.code}, s.roster_key, s.first_name, s.last_name, s.birth_month, s.birth_day, s.npi, s.cycle_end, ${uploadId}::bigint, s.line_no
          from pg_temp.roster_stage s
          order by s.line_no
          on conflict (org_code, roster_key, cycle_end) do update set
            first_name = excluded.first_name, last_name = excluded.last_name, birth_month = excluded.birth_month,
            birth_day = excluded.birth_day, npi = excluded.npi, upload_id = excluded.upload_id, line_no = excluded.line_no,
            updated_at = now(), status = 'pending'
          where (e.first_name, e.last_name, e.birth_month, e.birth_day, e.npi)
            is distinct from (excluded.first_name, excluded.last_name, excluded.birth_month, excluded.birth_day, excluded.npi)
          returning e.id::text as id, (xmax = 0) as inserted`.execute(trx);
        const inserted = written.rows.filter((r) => r.inserted).length;
        if (inserted !== fresh || written.rows.length - inserted !== changed) {
          // Cannot happen under the advisory lock; if it does, nothing of this upload may stay.
          throw new Error(`roster upload: expected ${fresh} new and ${changed} changed entries, wrote ${inserted} and ${written.rows.length - inserted}`);
        }
        entryIds = written.rows.map((r) => r.id);
      }
      // Matched a slice of entries at a time, so the candidates held are a slice's, not the file's.
      const matched = noMatches();
      for (let at = 0; at < entryIds.length; at += MATCH_SLICE) {
        const slice = await matchRosterEntries(trx, org.code, entryIds.slice(at, at + MATCH_SLICE));
        for (const quality of MATCH_QUALITIES) matched[quality] += slice[quality];
      }

      if (attributeChanges > 0) {
        const written = await writeRosterAttributes(trx, org.code, uploadId, uploader.userId);
        if (written !== attributeChanges) throw new Error(`roster upload: expected ${attributeChanges} attribute changes, wrote ${written}`);
      }

      // What the file lists, kept on the upload (a withdrawal retires it); a retired entry it lists is
      // on the roster again; and a full-cohort upload retires the open cycles it does not list.
      // Unchanged entries are not rewritten.
      await sql`
        update board.roster_upload set listed_entries = coalesce((
          select array_agg(e.id order by e.id) from pg_temp.roster_stage s
            join board.roster_entry e on e.org_code = ${org.code} and e.roster_key = s.roster_key and e.cycle_end = s.cycle_end), '{}')
         where id = ${uploadId}::bigint`.execute(trx);
      await sql`
        update board.roster_entry e set retired_at = null, retired_by_upload = null, status = 'pending'
          from pg_temp.roster_stage s
         where e.org_code = ${org.code} and e.roster_key = s.roster_key and e.cycle_end = s.cycle_end and e.retired_at is not null`.execute(trx);
      let retiredRows = 0;
      if (options.fullCohort) {
        const today = options.today ?? organisationToday(org.code);
        const retired = await sql`
          update board.roster_entry e set retired_at = now(), retired_by_upload = ${uploadId}::bigint
           where e.org_code = ${org.code} and e.retired_at is null and e.cycle_end >= ${today}::date
             and not exists (select 1 from pg_temp.roster_stage s where s.roster_key = e.roster_key and s.cycle_end = e.cycle_end)`.execute(trx);
        retiredRows = Number(retired.numAffectedRows ?? 0n);
        await sql`update board.roster_upload set full_cohort = true, retired_rows = ${retiredRows} where id = ${uploadId}::bigint`.execute(trx);
      }

      // What the upload did: the audit row and the answer say the same.
      const counts = {
        totalRows: parsed.totalRows,
        acceptedRows: parsed.acceptedRows,
        rejectedRows: parsed.rejectedRows,
        newRows: fresh,
        changedRows: changed,
        matched,
        attributeColumns: parsed.attributeColumns,
        attributeChanges,
        retiredRows,
      };
      await recordAudit(trx, {
        action: "roster.upload",
        userId: uploader.userId,
        orgCode: org.code,
        target: `roster_upload:${uploadId}`,
        detail: { fileName, sha256, fullCohort: options.fullCohort === true, ...counts },
        ip: uploader.ip ?? null,
      });
      return { kind: "uploaded", uploadId, ...counts };
    });
  } catch (error) {
    if (error instanceof RefusedUpload) return { kind: "rejected", problem: error.problem };
    throw error;
  }
}

// ---------------------------------------------------------------- licensee attributes from the roster

/**
 * The attribute values the staged rows supply, one per licensee and attribute: a licensee listed
 * for several cycles takes the value of the row with the latest cycle end (then the later line).
 * Only the ones that differ from what the board knew.
 */
const suppliedAttributeChanges = (orgCode: string) => sql`
  select sp.roster_key, sp.key, la.value as before, sp.value as after
  from (select distinct on (s.roster_key, a.key) s.roster_key, a.key, a.value
          from pg_temp.roster_stage s cross join lateral jsonb_each(s.attributes) a
         order by s.roster_key, a.key, s.cycle_end desc, s.line_no desc) sp
  left join board.licensee_attribute la on la.org_code = ${orgCode} and la.roster_key = sp.roster_key and la.key = sp.key
  where la.value is distinct from sp.value`;

async function countAttributeChanges(trx: Kysely<Database>, orgCode: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::integer as n from (${suppliedAttributeChanges(orgCode)}) c`.execute(trx);
  return r.rows[0]?.n ?? 0;
}

/**
 * Writes the upload's attribute values that changed (source 'roster'), one history row each, and
 * sends the licensee's matched entries back to 'pending' so their statuses are recomputed with
 * them. Returns how many values changed.
 */
async function writeRosterAttributes(trx: Kysely<Database>, orgCode: string, uploadId: string, userId: string | null): Promise<number> {
  const r = await sql<{ n: number }>`
    with changed as materialized (${suppliedAttributeChanges(orgCode)}),
    logged as (
      insert into board.licensee_attribute_change (org_code, roster_key, key, before, after, source, upload_id, changed_by)
      select ${orgCode}, c.roster_key, c.key, c.before, c.after, 'roster', ${uploadId}::bigint, ${userId}::uuid from changed c
      returning 1
    ),
    written as (
      insert into board.licensee_attribute as la (org_code, roster_key, key, value, source, upload_id, updated_by)
      select ${orgCode}, c.roster_key, c.key, c.after, 'roster', ${uploadId}::bigint, ${userId}::uuid from changed c
      on conflict (org_code, roster_key, key) do update set
        value = excluded.value, source = 'roster', upload_id = excluded.upload_id, updated_by = excluded.updated_by, updated_at = now()
      returning la.roster_key
    ),
    _pending as (
      update board.roster_entry e set status = 'pending'
      where e.org_code = ${orgCode} and e.learner_id is not null and e.status <> 'pending'
        and e.roster_key in (select roster_key from written)
      returning 1
    )
    -- Every data-modifying part runs to completion whether read or not (PostgreSQL's rule).
    select count(*)::integer as n from logged`.execute(trx);
  return r.rows[0]?.n ?? 0;
}

// ---------------------------------------------------------------- the upload form

const MAX_MB = ROSTER_LIMITS.maxBytes / 1024 / 1024;
export const ROSTER_UPLOAD_LIMITS = { mb: MAX_MB, rows: ROSTER_LIMITS.maxRows };
/**
 * What one upload request may hold, enforced by busboy while it reads: one file of at most the
 * roster size limit (its part is cut off there and the rest of it discarded unread), a few small
 * other fields (the form sends one checkbox; a hand-made form may send more), and few part headers.
 */
export const ROSTER_FORM_LIMITS = {
  files: 1,
  fileSize: ROSTER_LIMITS.maxBytes,
  fields: 8,
  fieldSize: 1024,
  fieldNameSize: 100,
  parts: 9,
  headerPairs: 20,
} as const;
/** A body over the file limit is read to the end and dropped (so the browser gets the answer, not a reset), up to this. */
const DISCARD_LIMIT = 32 * 1024 * 1024;
const TOO_BIG_MESSAGE = `The file is larger than ${MAX_MB} MB. Split the roster into smaller files and upload each.`;
const NO_FILE = "Choose a roster CSV file to upload.";
const MALFORMED = "The upload could not be read (the form data was cut off or malformed). Choose the file again and upload it.";

type UploadProblem = { error: string; status: number; headers?: Record<string, string> };

/**
 * The roster file of an upload form (multipart/form-data, one file part, field "file"), or what is
 * wrong with the request. The body is read as it streams in, through busboy: the file is kept up to
 * the size limit and nothing past it is buffered; a second file, too many or too long fields, a
 * body cut off or malformed, or no file at all are a 400 with a message. After a problem the rest
 * of the body is read and dropped (up to DISCARD_LIMIT), so the client gets the answer.
 */
export async function readRosterUpload(request: Request): Promise<{ fileName: string; content: Uint8Array; fullCohort: boolean } | UploadProblem> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^\s*multipart\/form-data\s*(;|$)/i.test(type)) {
    return { error: "Send the roster as a file upload (multipart/form-data).", status: 400 };
  }
  // Far too big to read to the end: refused unread, and the connection closed under the sender.
  if (Number(request.headers.get("content-length") ?? 0) > DISCARD_LIMIT) return { error: TOO_BIG_MESSAGE, status: 413, headers: { Connection: "close" } };

  let problem: UploadProblem | null = null;
  const refuse = (error: string, status = 400) => {
    problem ??= { error, status };
  };
  let parser: ReturnType<typeof busboy> | null = null;
  try {
    parser = busboy({ headers: { "content-type": type }, limits: ROSTER_FORM_LIMITS });
  } catch {
    // No boundary, or a multipart type busboy does not read.
    refuse(MALFORMED);
  }

  let file: { field: string; fileName: string; chunks: Buffer[]; size: number; truncated: boolean } | null = null;
  let fullCohort = false;
  let failed = false;
  let finished: Promise<void> = Promise.resolve();
  if (parser) {
    const bb = parser;
    bb.on("file", (field, stream, info) => {
      const part = { field, fileName: info.filename ?? "", chunks: [] as Buffer[], size: 0, truncated: false };
      file = part;
      stream.on("data", (chunk: Buffer) => {
        part.chunks.push(chunk);
        part.size += chunk.length;
      });
      stream.on("limit", () => {
        part.truncated = true;
      });
      // A body cut off inside the file ends its stream with an error; busboy reports it too.
      stream.on("error", () => undefined);
    });
    bb.on("field", (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) refuse(`A form field is longer than ${ROSTER_FORM_LIMITS.fieldSize} bytes; the upload form sends only the file and its full-cohort checkbox.`);
      // The form's one option: a checkbox sends "on"; anything else (or nothing) leaves it off.
      else if (name === "full_cohort") fullCohort = value === "on";
    });
    bb.on("filesLimit", () => refuse("Upload one roster file at a time: this upload has more than one file."));
    bb.on("fieldsLimit", () => refuse("The upload has more form fields than the upload form sends. Upload the roster from the form."));
    bb.on("partsLimit", () => refuse("The upload has more form fields than the upload form sends. Upload the roster from the form."));
    finished = new Promise<void>((resolve, reject) => {
      bb.on("finish", resolve);
      bb.on("error", (error: Error) => {
        failed = true;
        reject(error);
      });
    });
    // Awaited below when the body ends; a failure before then is seen through `failed`.
    finished.catch(() => undefined);
  }

  const reader = request.body?.getReader();
  let total = 0;
  try {
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > DISCARD_LIMIT) {
        parser?.destroy();
        await reader.cancel().catch(() => undefined);
        return { error: TOO_BIG_MESSAGE, status: 413, headers: { Connection: "close" } };
      }
      // After a malformed part busboy reads no more: the rest of the body is read and dropped.
      if (!parser || failed || parser.destroyed) continue;
      // Back-pressure: busboy's error (a malformed part) ends the wait too, and sets `failed`.
      if (!parser.write(value)) await once(parser, "drain").catch(() => undefined);
    }
    if (parser && !failed) {
      parser.end();
      await finished;
    }
  } catch {
    failed = true;
  }
  if (failed || !parser) return problem ?? { error: MALFORMED, status: 400 };
  const part = file as { field: string; fileName: string; chunks: Buffer[]; size: number; truncated: boolean } | null;
  if (part?.truncated) return { error: TOO_BIG_MESSAGE, status: 413 };
  if (problem) return problem;
  if (!part || part.field !== "file" || (part.fileName === "" && part.size === 0)) return { error: NO_FILE, status: 400 };
  if (part.size === 0) return { error: "The file is empty.", status: 400 };
  return { fileName: part.fileName, content: Buffer.concat(part.chunks, part.size), fullCohort };
}

/**
 * Reads a request's body to its end and drops it (up to DISCARD_LIMIT), so a client still sending
 * gets the answer rather than a reset; past the limit (or a Content-Length over it) it stops and
 * asks for the connection to be closed.
 */
export async function discardRequestBody(request: Request): Promise<Record<string, string>> {
  const close = { Connection: "close" };
  if (Number(request.headers.get("content-length") ?? 0) > DISCARD_LIMIT) return close;
  const reader = request.body?.getReader();
  let total = 0;
  try {
    while (reader) {
      const { done, value } = await reader.read();
      if (done) return {};
      total += value.byteLength;
      if (total > DISCARD_LIMIT) {
        await reader.cancel().catch(() => undefined);
        return close;
      }
    }
  } catch {
    return close;
  }
  return {};
}

// ---------------------------------------------------------------- matching

interface CandidateRow {
  entry_id: string;
  roster_key: string;
  first_name: string;
  last_name: string;
  birth_month: number;
  birth_day: number;
  npi: string | null;
  via: "id" | "name" | "npi" | null;
  learner_id: string | null;
  l_first_name: string | null;
  l_last_name: string | null;
  l_birth_month: number | null;
  l_birth_day: number | null;
  l_npi: string | null;
  name_same: boolean | null;
  birth_same: boolean | null;
  key_on_record: boolean | null;
  board_ids: string | null;
}

interface Decision {
  entryId: string;
  learnerId: string | null;
  quality: MatchQuality;
  note: string;
}

const pad2 = (n: number) => String(n).padStart(2, "0");
const mmdd = (month: number, day: number) => `${pad2(month)}/${pad2(day)}`;

/** What agreed and what did not, in words, for an entry matched to one learner. */
function matchNote(lead: string, entry: CandidateRow, learner: CandidateRow, via: "id" | "name" | "npi", orgCode: string, keyLabel: string): string {
  const parts = [lead];
  if (via !== "name" && !learner.name_same) {
    parts.push(`the name on the roster (${entry.first_name} ${entry.last_name}) differs from the store (${learner.l_first_name} ${learner.l_last_name})`);
  }
  if (via !== "name" && !learner.birth_same) {
    parts.push(`the birth date on the roster (${mmdd(entry.birth_month, entry.birth_day)}) differs from the store (${mmdd(learner.l_birth_month ?? 0, learner.l_birth_day ?? 0)})`);
  }
  if (via !== "id" && !learner.key_on_record) {
    parts.push(`${keyLabel} ${entry.roster_key} is not on record for ${orgCode} (the store has ${learner.board_ids ? learner.board_ids : "none"})`);
  }
  if (entry.npi !== null && via !== "npi") {
    if (learner.l_npi === null) parts.push("the store has no NPI for this licensee");
    else if (learner.l_npi !== entry.npi) parts.push("the NPI on the roster differs from the store");
  }
  return parts.join("; ") + ".";
}

function decide(entry: CandidateRow, candidates: CandidateRow[], orgCode: string, keyLabel: string): Decision {
  const base = { entryId: entry.entry_id };
  const byId = candidates.filter((c) => c.via === "id");
  const byName = candidates.filter((c) => c.via === "name");
  const byNpi = candidates.filter((c) => c.via === "npi");
  const Key = keyLabel.charAt(0).toUpperCase() + keyLabel.slice(1);
  if (byId.length === 1) {
    const learner = byId[0]!;
    return { ...base, learnerId: learner.learner_id, quality: "id", note: matchNote(`${Key} matched`, entry, learner, "id", orgCode, keyLabel) };
  }
  if (byId.length > 1) {
    return { ...base, learnerId: null, quality: "ambiguous", note: `${byId.length} licensees have ${keyLabel} ${entry.roster_key} when case is ignored.` };
  }
  if (byName.length === 1) {
    const learner = byName[0]!;
    return { ...base, learnerId: learner.learner_id, quality: "name_birth", note: matchNote("Name and birth date matched", entry, learner, "name", orgCode, keyLabel) };
  }
  if (byName.length > 1) {
    const share = `${byName.length} licensees share this name and birth date`;
    const byItsNpi = entry.npi === null ? [] : byName.filter((c) => c.l_npi === entry.npi);
    if (byItsNpi.length === 1) {
      const learner = byItsNpi[0]!;
      return { ...base, learnerId: learner.learner_id, quality: "name_birth", note: matchNote(`${share}; the NPI picked one`, entry, learner, "npi", orgCode, keyLabel) };
    }
    return {
      ...base,
      learnerId: null,
      quality: "ambiguous",
      note: `${share}${entry.npi === null ? "; an NPI on the roster would tell them apart" : "; the NPI on the roster matches none of them"}.`,
    };
  }
  if (byNpi.length === 1) {
    const learner = byNpi[0]!;
    return { ...base, learnerId: learner.learner_id, quality: "npi", note: matchNote("NPI matched", entry, learner, "npi", orgCode, keyLabel) };
  }
  return {
    ...base,
    learnerId: null,
    quality: "none",
    note: `No licensee known to ${orgCode} has this ${keyLabel}, or this name and birth date${entry.npi === null ? "" : ", or this NPI"}.`,
  };
}

/**
 * Matches roster entries of an organisation to the learner store (all of them, or the given ones),
 * in the same few statements whatever the number of entries: (a) the licence / board id for this board; else
 * (b) the folded first and last name with the birth month and day among learners this board knows
 * (its licence or certification, or credit reported to it), the NPI breaking a tie; else (c) the NPI
 * among the same learners; else no match. Deleted learners never match. An entry whose learner
 * changes goes back to 'pending' (its status is recomputed); an unmatched one is 'unmatched'.
 */
export async function matchRosterEntries(db: Kysely<Database>, orgCode: string, entryIds?: readonly string[]): Promise<MatchCounts> {
  const counts = noMatches();
  if (entryIds && entryIds.length === 0) return counts;
  const org = await organisation(db, orgCode);
  if (!org) throw new Error(`unknown organisation ${orgCode}`);
  const keyLabel = org.kind === "certifying_board" ? "board ID" : "license number";
  const only = entryIds ? sql`and r.id = any(${entryIds}::bigint[])` : sql``;
  const knownToBoard = (learner: string) => sql`(
      exists (select 1 from learner.licence x where x.learner_id = ${sql.ref(learner)} and x.board_code = ${orgCode})
      or exists (select 1 from learner.certification x where x.learner_id = ${sql.ref(learner)} and x.board_code = ${orgCode})
      or exists (select 1 from learner.credit_report cr where cr.learner_id = ${sql.ref(learner)} and cr.board_code = ${orgCode} and cr.deleted_at is null))`;
  // Under row-level security the planner's row estimates here are far too low (the fresh entries
  // have no statistics yet, and the policies' filters shrink every estimate), and it would loop
  // over one set for each row of another. So every read of a learner is an explicit per-entry index
  // probe (LATERAL, fenced by OFFSET 0, which also keeps the learner policy to the rows probed),
  // and every other join is a hash join (decision 015).
  const inTransaction = async <T>(fn: (trx: Kysely<Database>) => Promise<T>) =>
    db.isTransaction ? fn(db) : db.transaction().execute(fn);
  const result = await inTransaction(async (trx) => {
    await sql`select set_config('enable_nestloop', 'off', true)`.execute(trx);
    const rows = await sql<CandidateRow>`
    with e as materialized (
      select r.id, r.roster_key, r.first_name, r.last_name, r.birth_month, r.birth_day, r.npi,
             learner.fold(r.first_name) as ff, learner.fold(r.last_name) as fl
      from board.roster_entry r
      where r.org_code = ${orgCode} ${only}
    ),
    by_id as materialized (
      select e.*, 'id'::text as via, l.id as learner_id
      from e
      join (select learner_id, upper(licence_id) as k from learner.licence where board_code = ${orgCode}
            union all
            select learner_id, upper(board_id) from learner.certification where board_code = ${orgCode}) b on b.k = e.roster_key
      cross join lateral (select l.id from learner.learner l where l.id = b.learner_id and l.deleted_at is null offset 0) l
    ),
    by_name as materialized (
      select e.*, 'name'::text as via, l.id as learner_id
      from e cross join lateral (
        select l.id from learner.learner l
        where (learner.fold(l.last_name) collate "C") = e.fl and (learner.fold(l.first_name) collate "C") = e.ff
          and l.birth_month = e.birth_month and l.birth_day = e.birth_day and l.deleted_at is null and ${knownToBoard("l.id")}
        offset 0) l
      where e.id not in (select id from by_id)
    ),
    by_npi as materialized (
      select e.*, 'npi'::text as via, l.id as learner_id
      from e cross join lateral (
        select l.id from learner.learner l
        where l.npi = e.npi::bpchar and l.deleted_at is null and ${knownToBoard("l.id")}
        offset 0) l
      where e.npi is not null
        and e.id not in (select id from by_id)
        and e.id not in (select id from by_name)
    ),
    -- Each candidate carries its entry's columns, and entries without one are added by NOT IN (a
    -- hash): no join between these CTEs, whose row estimates are far too low under row-level
    -- security's filters and would make the planner loop over one CTE for each row of another.
    candidates as (
      select * from by_id union all select * from by_name union all select * from by_npi
      union all
      select e.*, null, null from e
       where e.id not in (select id from by_id) and e.id not in (select id from by_name) and e.id not in (select id from by_npi)
    )
    select e.id::text as entry_id, e.roster_key, e.first_name, e.last_name, e.birth_month, e.birth_day, e.npi,
      e.via, e.learner_id::text as learner_id,
      l.first_name as l_first_name, l.last_name as l_last_name, l.birth_month as l_birth_month, l.birth_day as l_birth_day,
      l.npi::text as l_npi,
      learner.fold(l.first_name) = e.ff and learner.fold(l.last_name) = e.fl as name_same,
      l.birth_month = e.birth_month and l.birth_day = e.birth_day as birth_same,
      exists (select 1 from learner.licence x where x.learner_id = l.id and x.board_code = ${orgCode} and upper(x.licence_id) = e.roster_key)
        or exists (select 1 from learner.certification x where x.learner_id = l.id and x.board_code = ${orgCode} and upper(x.board_id) = e.roster_key)
        as key_on_record,
      (select string_agg(k, ', ' order by k) from (
        select licence_id as k from learner.licence x where x.learner_id = l.id and x.board_code = ${orgCode}
        union all
        select board_id from learner.certification x where x.learner_id = l.id and x.board_code = ${orgCode}) ids) as board_ids
    from candidates e
    left join lateral (select l.* from learner.learner l where l.id = e.learner_id offset 0) l on true
    order by e.id, e.learner_id`.execute(trx);
    await sql`select set_config('enable_nestloop', 'on', true)`.execute(trx);
    return rows;
  });

  const byEntry = new Map<string, CandidateRow[]>();
  for (const row of result.rows) {
    const list = byEntry.get(row.entry_id) ?? [];
    list.push(row);
    byEntry.set(row.entry_id, list);
  }
  const decisions: Decision[] = [];
  for (const rows of byEntry.values()) {
    const decision = decide(rows[0]!, rows.filter((r) => r.via !== null), org.code, keyLabel);
    counts[decision.quality]++;
    decisions.push(decision);
  }
  if (decisions.length === 0) return counts;
  await sql`
    update board.roster_entry r set
      learner_id = u.learner_id,
      match_quality = u.quality,
      match_note = u.note,
      status = case
        when u.learner_id is null then 'unmatched'
        when r.status = 'unmatched' or r.learner_id is distinct from u.learner_id then 'pending'
        else r.status end
    from unnest(${decisions.map((d) => d.entryId)}::bigint[], ${decisions.map((d) => d.learnerId)}::bigint[],
                ${decisions.map((d) => d.quality)}::text[], ${decisions.map((d) => d.note)}::text[]) as u(id, learner_id, quality, note)
    where r.id = u.id and r.org_code = ${orgCode}
      and (r.learner_id is distinct from u.learner_id or r.match_quality is distinct from u.quality
        or r.match_note is distinct from u.note or (u.learner_id is null and r.status <> 'unmatched'))`.execute(db);
  return counts;
}

// ---------------------------------------------------------------- reading

/** An upload id in a URL; anything else is a 404 (as is another organisation's upload). */
export function rosterUploadIdFrom(params: { uploadId?: string }): string {
  const id = params.uploadId ?? "";
  if (!/^[1-9]\d{0,17}$/.test(id)) throw new Response("Not found", { status: 404 });
  return id;
}

export interface RosterUploadSummary {
  id: string;
  fileName: string;
  uploadedAt: string;
  uploadedBy: string | null;
  totalRows: number;
  acceptedRows: number;
  rejectedRows: number;
  newRows: number;
  changedRows: number;
  /** The licensee attributes the file had columns for, and how many stored values it changed. */
  attributeColumns: string[];
  attributeChanges: number;
  fullCohort: boolean;
  retiredRows: number;
  withdrawn: { at: string; by: string | null; reason: string; retired: number } | null;
}

const UPLOAD_LIST_LIMIT = 100;

function uploadsOf(db: Kysely<Database>, orgCode: string) {
  return db
    .selectFrom("board.roster_upload as u")
    .leftJoin("board.staff_user as s", "s.id", "u.uploaded_by")
    .select([
      "u.id",
      "u.file_name",
      sql<Date>`u.uploaded_at`.as("uploaded_at"),
      "s.display_name",
      "u.total_rows",
      "u.accepted_rows",
      "u.rejected_rows",
      "u.new_rows",
      "u.changed_rows",
      "u.attribute_columns",
      "u.attribute_changes",
      "u.full_cohort",
      "u.retired_rows",
      sql<Date | null>`u.withdrawn_at`.as("withdrawn_at"),
      "u.withdraw_reason",
      "u.withdrawn_retired",
      (eb) => eb.selectFrom("board.staff_user as w").select("w.display_name").whereRef("w.id", "=", "u.withdrawn_by").as("withdrawn_by_name"),
    ])
    .where("u.org_code", "=", orgCode);
}

type UploadRow = Awaited<ReturnType<ReturnType<typeof uploadsOf>["executeTakeFirstOrThrow"]>>;

function summary(row: UploadRow): RosterUploadSummary {
  return {
    id: String(row.id),
    fileName: row.file_name,
    uploadedAt: row.uploaded_at.toISOString(),
    uploadedBy: row.display_name,
    totalRows: row.total_rows,
    acceptedRows: row.accepted_rows,
    rejectedRows: row.rejected_rows,
    newRows: row.new_rows,
    changedRows: row.changed_rows,
    attributeColumns: row.attribute_columns,
    attributeChanges: row.attribute_changes,
    fullCohort: row.full_cohort,
    retiredRows: row.retired_rows,
    withdrawn: row.withdrawn_at
      ? { at: row.withdrawn_at.toISOString(), by: row.withdrawn_by_name, reason: row.withdraw_reason ?? "", retired: row.withdrawn_retired ?? 0 }
      : null,
  };
}

/** The organisation's latest uploads, newest first, and how many entries its roster has. */
export async function listRosterUploads(db: Kysely<Database>, orgCode: string) {
  const [rows, totals, retiredCount] = await Promise.all([
    uploadsOf(db, orgCode).orderBy("u.uploaded_at", "desc").orderBy("u.id", "desc").limit(UPLOAD_LIST_LIMIT + 1).execute(),
    db
      .selectFrom("board.roster_entry")
      .select(["match_quality", (eb) => eb.fn.countAll<string>().as("n")])
      .where("org_code", "=", orgCode)
      .where("retired_at", "is", null)
      .groupBy("match_quality")
      .execute(),
    db
      .selectFrom("board.roster_entry")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("org_code", "=", orgCode)
      .where("retired_at", "is not", null)
      .executeTakeFirst(),
  ]);
  const byQuality = noMatches();
  for (const t of totals) byQuality[t.match_quality] = Number(t.n);
  return {
    uploads: rows.slice(0, UPLOAD_LIST_LIMIT).map(summary),
    more: rows.length > UPLOAD_LIST_LIMIT,
    entries: { total: Object.values(byQuality).reduce((a, b) => a + b, 0), byQuality, retired: Number(retiredCount?.n ?? 0) },
  };
}

/** Bad rows shown on the page; the CSV download has them all. */
export const ERRORS_SHOWN = 500;

/** One upload of the organisation, with its first bad rows and how its entries match now; null when not the organisation's. */
export async function getRosterUpload(db: Kysely<Database>, orgCode: string, uploadId: string) {
  const row = await uploadsOf(db, orgCode)
    .select([
      sql<RosterRowError[]>`jsonb_path_query_array(u.errors, ${`$[0 to ${ERRORS_SHOWN - 1}]`}::jsonpath)`.as("first_errors"),
      sql<number>`jsonb_array_length(u.errors)`.as("error_count"),
    ])
    .where(sql<SqlBool>`u.id = ${uploadId}::bigint`)
    .executeTakeFirst();
  if (!row) return null;
  const qualities = await db
    .selectFrom("board.roster_entry")
    .select(["match_quality", (eb) => eb.fn.countAll<string>().as("n")])
    .where("org_code", "=", orgCode)
    .where("upload_id", "=", uploadId)
    .where("retired_at", "is", null)
    .groupBy("match_quality")
    .execute();
  const matched = noMatches();
  for (const q of qualities) matched[q.match_quality] = Number(q.n);
  return { ...summary(row), errors: row.first_errors, errorCount: row.error_count, matched };
}

/** Every bad row of an upload of the organisation (for the CSV download); null when not the organisation's. */
export async function rosterUploadErrors(db: Kysely<Database>, orgCode: string, uploadId: string): Promise<RosterRowError[] | null> {
  const row = await db
    .selectFrom("board.roster_upload")
    .select("errors")
    .where("org_code", "=", orgCode)
    .where(sql<SqlBool>`id = ${uploadId}::bigint`)
    .executeTakeFirst();
  return row ? row.errors : null;
}

// ---------------------------------------------------------------- the unmatched queue

export const UNMATCHED_PAGE_SIZE = 50;

export interface UnmatchedEntry {
  id: string;
  rosterKey: string;
  firstName: string;
  lastName: string;
  birthDate: string;
  npi: string | null;
  cycleEnd: string;
  quality: "none" | "ambiguous";
  note: string | null;
  uploadId: string;
  fileName: string;
  line: number;
}

export interface UnmatchedQuery {
  quality?: "none" | "ambiguous";
  uploadId?: string;
  /** Keyset cursor: the last row's cycle end and id. */
  after?: { cycleEnd: string; id: string };
}

/** Roster entries no licensee (or more than one) matched, by cycle end: the queue a reviewer works through. */
export async function listUnmatchedEntries(db: Kysely<Database>, orgCode: string, query: UnmatchedQuery) {
  let base = db
    .selectFrom("board.roster_entry as e")
    .where("e.org_code", "=", orgCode)
    .where("e.retired_at", "is", null)
    .where("e.match_quality", "in", query.quality ? [query.quality] : ["none", "ambiguous"]);
  if (query.uploadId) base = base.where("e.upload_id", "=", query.uploadId);
  let page = base
    .innerJoin("board.roster_upload as u", "u.id", "e.upload_id")
    .select(["e.id", "e.roster_key", "e.first_name", "e.last_name", "e.birth_month", "e.birth_day", "e.npi", "e.cycle_end", "e.match_quality", "e.match_note", "e.upload_id", "u.file_name", "e.line_no"])
    .orderBy("e.cycle_end")
    .orderBy("e.id")
    .limit(UNMATCHED_PAGE_SIZE + 1);
  if (query.after) {
    const { cycleEnd, id } = query.after;
    page = page.where(sql<boolean>`(e.cycle_end, e.id) > (${cycleEnd}::date, ${id}::bigint)`);
  }
  const [rows, counts] = await Promise.all([
    page.execute(),
    base.select(["e.match_quality", (eb) => eb.fn.countAll<string>().as("n")]).groupBy("e.match_quality").execute(),
  ]);
  const entries: UnmatchedEntry[] = rows.slice(0, UNMATCHED_PAGE_SIZE).map((r) => ({
    id: String(r.id),
    rosterKey: r.roster_key,
    firstName: r.first_name,
    lastName: r.last_name,
    birthDate: mmdd(r.birth_month, r.birth_day),
    npi: r.npi,
    cycleEnd: r.cycle_end,
    quality: r.match_quality === "ambiguous" ? "ambiguous" : "none",
    note: r.match_note,
    uploadId: String(r.upload_id),
    fileName: r.file_name,
    line: r.line_no,
  }));
  const last = entries[entries.length - 1];
  return {
    entries,
    next: rows.length > UNMATCHED_PAGE_SIZE && last ? { cycleEnd: last.cycleEnd, id: last.id } : null,
    counts: {
      none: Number(counts.find((c) => c.match_quality === "none")?.n ?? 0),
      ambiguous: Number(counts.find((c) => c.match_quality === "ambiguous")?.n ?? 0),
    },
  };
}

// ---------------------------------------------------------------- the roster's life cycle

/** Who changes the roster by hand: a supervisor or admin of the organisation. */
export interface RosterActor {
  userId: string;
  orgCode: string;
  ip?: string | null;
}

export type WithdrawOutcome = { kind: "withdrawn"; retired: number; restored: number } | { kind: "refused"; problem: string };

/**
 * Withdraws an upload of the organisation: the entries it listed last are retired (a later upload
 * that lists an entry keeps it), and the entries its "full current cohort" retired come back. Nothing
 * is deleted; decisions stay with their entries. Audited with the reason. Null: not the organisation's.
 */
export async function withdrawRosterUpload(db: Kysely<Database>, actor: RosterActor, uploadId: string, reason: string): Promise<WithdrawOutcome | null> {
  return db.transaction().execute(async (trx) => {
    // The uploads' lock: no upload of the organisation lists or retires entries meanwhile.
    await sql`select pg_advisory_xact_lock(hashtext(${`board.roster_upload:${actor.orgCode}`}))`.execute(trx);
    const upload = await trx
      .selectFrom("board.roster_upload")
      .select(["id", "file_name", "withdrawn_at"])
      .where("org_code", "=", actor.orgCode)
      .where(sql<SqlBool>`id = ${uploadId}::bigint`)
      .forUpdate()
      .executeTakeFirst();
    if (!upload) return null;
    if (upload.withdrawn_at) return { kind: "refused", problem: "This upload was already withdrawn." };
    const restored = await sql`
      update board.roster_entry set retired_at = null, retired_by_upload = null, status = 'pending'
       where org_code = ${actor.orgCode} and retired_by_upload = ${uploadId}::bigint`.execute(trx);
    // What it listed (uploads before listing was kept: what it wrote), less what a later live upload lists.
    const retired = await sql`
      with listed as (
        select unnest(u.listed_entries) as id from board.roster_upload u where u.id = ${uploadId}::bigint and u.listed_entries is not null
        union
        select e.id from board.roster_entry e, board.roster_upload u
         where u.id = ${uploadId}::bigint and u.listed_entries is null and e.org_code = ${actor.orgCode} and e.upload_id = u.id
      ),
      later as (
        select unnest(l.listed_entries) as id from board.roster_upload l
         where l.org_code = ${actor.orgCode} and l.id > ${uploadId}::bigint and l.withdrawn_at is null
        union
        select e.id from board.roster_entry e join board.roster_upload l on l.id = e.upload_id
         where e.org_code = ${actor.orgCode} and l.id > ${uploadId}::bigint and l.withdrawn_at is null
      )
      update board.roster_entry e set retired_at = now(), retired_by_upload = ${uploadId}::bigint
       where e.org_code = ${actor.orgCode} and e.retired_at is null
         and e.id in (select id from listed) and e.id not in (select id from later)`.execute(trx);
    const counts = { retired: Number(retired.numAffectedRows ?? 0n), restored: Number(restored.numAffectedRows ?? 0n) };
    await trx
      .updateTable("board.roster_upload")
      .set({ withdrawn_at: sql`now()`, withdrawn_by: actor.userId, withdraw_reason: reason, withdrawn_retired: counts.retired })
      .where("org_code", "=", actor.orgCode)
      .where(sql<SqlBool>`id = ${uploadId}::bigint`)
      .execute();
    await recordAudit(trx, {
      action: "roster.withdraw",
      userId: actor.userId,
      orgCode: actor.orgCode,
      target: `roster_upload:${uploadId}`,
      detail: { fileName: upload.file_name, reason, ...counts },
      ip: actor.ip ?? null,
    });
    return { kind: "withdrawn", ...counts };
  });
}

export type LinkOutcome = { kind: "linked" } | { kind: "refused"; field: "entryId" | "learnerId"; problem: string };

/**
 * Links an unmatched (or ambiguous) roster entry of the organisation to a licensee by hand. The
 * licensee must be one the organisation's scope reaches (`learnerVisible`, checked by the caller's
 * scope function); one it does not is refused exactly like one that does not exist. The entry goes
 * back to 'pending' for the background evaluation. Audited with the reason.
 */
export async function linkEntryToLearner(
  db: Kysely<Database>,
  actor: RosterActor,
  link: { entryId: string; learnerId: string; reason: string },
  learnerVisible: (learnerId: string) => Promise<boolean>,
): Promise<LinkOutcome> {
  const noLearner: LinkOutcome = { kind: "refused", field: "learnerId", problem: "No licensee at that address is known to your organization." };
  // The entry first: another organization's entry is "not on your roster" whatever the licensee.
  const mine = await db.selectFrom("board.roster_entry").select("id").where("org_code", "=", actor.orgCode).where(sql<SqlBool>`id = ${link.entryId}::bigint`).executeTakeFirst();
  if (!mine) return { kind: "refused", field: "entryId", problem: "That roster entry is not on your roster." };
  if (!(await learnerVisible(link.learnerId))) return noLearner;
  return db.transaction().execute(async (trx) => {
    const entry = await trx
      .selectFrom("board.roster_entry")
      .select(["id", "match_quality", "retired_at", "roster_key", "first_name", "last_name"])
      .where("org_code", "=", actor.orgCode)
      .where(sql<SqlBool>`id = ${link.entryId}::bigint`)
      .forUpdate()
      .executeTakeFirst();
    if (!entry || entry.retired_at) return { kind: "refused", field: "entryId", problem: "That roster entry is not on your roster." };
    if (entry.match_quality !== "none" && entry.match_quality !== "ambiguous") {
      return { kind: "refused", field: "entryId", problem: "That roster entry is already matched to a licensee." };
    }
    const learner = await trx.selectFrom("learner.learner").select(["id", "first_name", "last_name"]).where(sql<SqlBool>`id = ${link.learnerId}::bigint`).where("deleted_at", "is", null).executeTakeFirst();
    if (!learner) return noLearner;
    await trx
      .updateTable("board.roster_entry")
      .set({
        learner_id: link.learnerId,
        match_quality: "manual",
        match_note: `Linked by hand to ${learner.first_name} ${learner.last_name} (learner ${link.learnerId}): ${link.reason}`,
        linked_by: actor.userId,
        link_reason: link.reason,
        status: "pending",
      })
      .where("org_code", "=", actor.orgCode)
      .where("id", "=", entry.id)
      .execute();
    await recordAudit(trx, {
      action: "roster.link",
      userId: actor.userId,
      orgCode: actor.orgCode,
      target: `roster_entry:${entry.id}`,
      detail: { learnerId: link.learnerId, reason: link.reason, rosterKey: entry.roster_key, previousMatch: entry.match_quality },
      ip: actor.ip ?? null,
    });
    return { kind: "linked" };
  });
}

/**
 * Matches the organisation's unmatched and ambiguous entries again (learners may have appeared in
 * the store since), a slice at a time; entries that now match go to 'pending'. Entries linked by
 * hand and retired ones are left alone. Returns how many were tried and how many now match.
 */
export async function rematchUnmatchedEntries(db: Kysely<Database>, orgCode: string): Promise<{ tried: number; matched: number }> {
  const rows = await db
    .selectFrom("board.roster_entry")
    .select("id")
    .where("org_code", "=", orgCode)
    .where("match_quality", "in", ["none", "ambiguous"])
    .where("retired_at", "is", null)
    .orderBy("id")
    .execute();
  let matched = 0;
  for (let at = 0; at < rows.length; at += MATCH_SLICE) {
    const counts = await matchRosterEntries(db, orgCode, rows.slice(at, at + MATCH_SLICE).map((r) => String(r.id)));
    matched += counts.id + counts.name_birth + counts.npi;
  }
  return { tried: rows.length, matched };
}
