// Licensee attributes the board owns (issue 19): facts about a licensee the learner store cannot
// know (prescriber, specialty, patients 65+ share, initial license date...), keyed by the licensee
// as the board knows them (org_code + roster_key), so they carry over from one cycle's roster to
// the next. Each value says where it came from (a roster upload or a staff member); every change is
// kept in an append-only history. The roster entry keeps which requirements' applicability rested
// on an unknown attribute at its last evaluation, so the queue can list the gaps. Frozen in time.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table board.licensee_attribute (
      org_code text not null references board.organisation(code),
      roster_key text not null,
      key text not null check (key ~ '^[A-Za-z0-9]{1,40}$'),
      -- a boolean, a number (percent) or a string (text, YYYY-MM-DD date); never null (unknown is no row)
      value jsonb not null check (jsonb_typeof(value) in ('boolean', 'number', 'string')),
      source text not null check (source in ('roster', 'staff')),
      upload_id bigint references board.roster_upload(id),
      updated_by uuid references board.staff_user(id),
      updated_at timestamptz not null default now(),
      primary key (org_code, roster_key, key),
      check ((source = 'roster') = (upload_id is not null))
    )`.execute(db);

  // Append-only: who changed what, when, from where, before and after (null: not known).
  await sql`
    create table board.licensee_attribute_change (
      id bigint generated always as identity primary key,
      org_code text not null references board.organisation(code),
      roster_key text not null,
      key text not null,
      before jsonb,
      after jsonb,
      source text not null check (source in ('roster', 'staff')),
      upload_id bigint references board.roster_upload(id),
      changed_by uuid references board.staff_user(id),
      changed_at timestamptz not null default now(),
      reason text check (length(reason) <= 2000),
      check (before is distinct from after)
    )`.execute(db);
  await sql`create index licensee_attribute_change_key_idx on board.licensee_attribute_change (org_code, roster_key, changed_at, id)`.execute(db);

  // Ids of the requirements whose "applies to" rested on an unknown attribute at the last evaluation.
  await sql`alter table board.roster_entry add column requirements_unknown text[] not null default '{}'`.execute(db);
  await sql`create index roster_entry_org_unknown_idx on board.roster_entry (org_code, cycle_end, id) where cardinality(requirements_unknown) > 0`.execute(db);
  // Entries evaluated before this column existed: the next refresh evaluates every entry again.
  await sql`delete from board.roster_watermark`.execute(db);
  // What an upload's attribute columns did, for its summary.
  await sql`alter table board.roster_upload add column attribute_columns text[] not null default '{}'`.execute(db);
  await sql`alter table board.roster_upload add column attribute_changes integer not null default 0`.execute(db);

  for (const table of ["licensee_attribute", "licensee_attribute_change"]) {
    await sql.raw(`alter table board.${table} enable row level security`).execute(db);
    await sql.raw(`
      create policy org_scope on board.${table} for all to cme_app
      using (board.scope_org_visible(org_code)) with check (board.scope_org_visible(org_code))`).execute(db);
  }
  // Delete: a supervisor may set a value back to "not known" (the history keeps what it was).
  await sql`grant select, insert, update, delete on board.licensee_attribute to cme_app`.execute(db);
  await sql`grant select, insert on board.licensee_attribute_change to cme_app`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table board.roster_upload drop column attribute_changes, drop column attribute_columns`.execute(db);
  await sql`drop index board.roster_entry_org_unknown_idx`.execute(db);
  await sql`alter table board.roster_entry drop column requirements_unknown`.execute(db);
  await sql`drop table board.licensee_attribute_change, board.licensee_attribute`.execute(db);
}
