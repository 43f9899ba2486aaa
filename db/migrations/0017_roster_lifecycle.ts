// Rosters with a life cycle (issue 19). Frozen in time.
//
// - board.roster_upload.listed_entries: the entries the upload listed (identical rows included: an
//   upload that changes nothing about a licensee still lists them), one array per upload, so
//   listing never rewrites an unchanged entry; null for uploads before this migration, whose
//   entries are those it wrote (`upload_id`).
// - board.roster_entry: `retired_at` and
//   `retired_by_upload` when a "full current cohort" upload no longer lists the entry, or the upload
//   that listed it last was withdrawn (then `retired_by_upload` is that upload). A retired entry is
//   kept with its history and decisions, never deleted, and listed again by a later upload it comes
//   back. A supervisor's manual link to a licensee is match quality 'manual', with who and why.
// - board.roster_upload: `full_cohort` (the board said the file is its whole current cohort) and how
//   many entries it retired; `withdrawn_at` / `withdrawn_by` / `withdraw_reason` and how many entries
//   the withdrawal retired. The app's role may now update an upload (only to withdraw it), and a
//   withdrawn file may be uploaded again (the same content is unique among live uploads only).
// - board.roster_watermark: `computed_at`, when the statuses were last computed (the pages say so).
// Row-level security: these are columns of tables already under the organisation's policy (0007).
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table board.roster_upload
      add column listed_entries bigint[],
      add column full_cohort boolean not null default false,
      add column retired_rows integer not null default 0,
      add column withdrawn_at timestamptz,
      add column withdrawn_by uuid references board.staff_user(id),
      add column withdraw_reason text check (length(withdraw_reason) <= 2000),
      add column withdrawn_retired integer,
      add constraint roster_upload_withdrawn_check check ((withdrawn_at is null) = (withdraw_reason is null) and (withdrawn_at is null) = (withdrawn_retired is null))`.execute(db);
  await sql`
    alter table board.roster_entry
      add column retired_at timestamptz,
      add column retired_by_upload bigint references board.roster_upload(id),
      add column linked_by uuid references board.staff_user(id),
      add column link_reason text check (length(link_reason) <= 2000),
      add constraint roster_entry_retired_check check ((retired_at is null) = (retired_by_upload is null))`.execute(db);
  await sql`alter table board.roster_entry drop constraint roster_entry_match_quality_check`.execute(db);
  await sql`alter table board.roster_entry add constraint roster_entry_match_quality_check
    check (match_quality in ('id', 'name_birth', 'npi', 'manual', 'ambiguous', 'none'))`.execute(db);
  await sql`create index roster_entry_upload_idx on board.roster_entry (upload_id)`.execute(db);
  // Most entries are not retired: the queue's default (retired hidden) reads the indexes it has.
  await sql`create index roster_entry_retired_idx on board.roster_entry (org_code, retired_at) where retired_at is not null`.execute(db);
  await sql`alter table board.roster_watermark add column computed_at timestamptz`.execute(db);
  // A withdrawn file may be uploaded again: the same content is "already uploaded" only while live.
  await sql`alter table board.roster_upload drop constraint roster_upload_org_code_sha256_key`.execute(db);
  await sql`create unique index roster_upload_live_sha_idx on board.roster_upload (org_code, sha256) where withdrawn_at is null`.execute(db);
  await sql`grant update on board.roster_upload to cme_app`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`revoke update on board.roster_upload from cme_app`.execute(db);
  await sql`drop index board.roster_entry_upload_idx`.execute(db);
  await sql`drop index board.roster_upload_live_sha_idx`.execute(db);
  await sql`alter table board.roster_upload add constraint roster_upload_org_code_sha256_key unique (org_code, sha256)`.execute(db);
  await sql`alter table board.roster_watermark drop column computed_at`.execute(db);
  await sql`update board.roster_entry set match_quality = 'none', learner_id = null, status = 'unmatched' where match_quality = 'manual'`.execute(db);
  await sql`alter table board.roster_entry drop constraint roster_entry_match_quality_check`.execute(db);
  await sql`alter table board.roster_entry add constraint roster_entry_match_quality_check
    check (match_quality in ('id', 'name_birth', 'npi', 'ambiguous', 'none'))`.execute(db);
  await sql`alter table board.roster_entry drop constraint roster_entry_retired_check,
    drop column retired_at, drop column retired_by_upload, drop column linked_by, drop column link_reason`.execute(db);
  await sql`alter table board.roster_upload drop constraint roster_upload_withdrawn_check,
    drop column listed_entries, drop column full_cohort, drop column retired_rows, drop column withdrawn_at, drop column withdrawn_by, drop column withdraw_reason, drop column withdrawn_retired`.execute(db);
}
