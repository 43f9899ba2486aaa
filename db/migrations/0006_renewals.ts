// Renewal verification (issue 4): each organisation's requirement rules with their history, renewal
// rosters (uploads and their rows, matched to the learner store, with each row's computed status),
// recorded decisions (append-only) and audit samples. Frozen in time.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  // The rule set in force (validated by app/lib/requirement-rules.ts before every write).
  await sql`
    create table board.requirement_rule (
      org_code text primary key references board.organisation(code),
      rule jsonb not null,
      version integer not null default 1,
      updated_at timestamptz not null default now(),
      updated_by uuid references board.staff_user(id)
    )`.execute(db);
  // Every change: who, when, why, before and after. Written in the same transaction as the change.
  await sql`
    create table board.requirement_rule_change (
      id bigint generated always as identity primary key,
      org_code text not null references board.organisation(code),
      version integer not null,
      changed_at timestamptz not null default now(),
      changed_by uuid not null references board.staff_user(id),
      reason text not null,
      before jsonb not null,
      after jsonb not null,
      unique (org_code, version)
    )`.execute(db);

  // One uploaded file. The same file (by content) uploaded again is recognised and changes nothing.
  await sql`
    create table board.roster_upload (
      id bigint generated always as identity primary key,
      org_code text not null references board.organisation(code),
      file_name text not null,
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      uploaded_by uuid references board.staff_user(id),
      uploaded_at timestamptz not null default now(),
      total_rows integer not null,
      accepted_rows integer not null,
      rejected_rows integer not null,
      new_rows integer not null,
      changed_rows integer not null,
      -- [{ line, reason, raw }] for every row that was not kept
      errors jsonb not null default '[]',
      unique (org_code, sha256)
    )`.execute(db);

  // One licensee's cycle to verify: a roster row, its match in the learner store and the status the
  // compliance engine last computed for it (refreshed when the licensee's records change).
  await sql`
    create table board.roster_entry (
      id bigint generated always as identity primary key,
      org_code text not null references board.organisation(code),
      -- licence id (state board) or board id (certifying board), as the board knows it
      roster_key text not null,
      first_name text not null,
      last_name text not null,
      birth_month smallint not null check (birth_month between 1 and 12),
      birth_day smallint not null check (birth_day between 1 and 31),
      npi text check (npi ~ '^[0-9]{10}$'),
      cycle_end date not null,
      upload_id bigint not null references board.roster_upload(id),
      line_no integer not null,
      updated_at timestamptz not null default now(),
      learner_id bigint,
      match_quality text not null default 'none'
        check (match_quality in ('id', 'name_birth', 'npi', 'ambiguous', 'none')),
      match_note text,
      status text not null default 'pending'
        check (status in ('pending', 'meets', 'short', 'nothing', 'needs_review', 'unmatched', 'no_cycle')),
      cycle_start date,
      credits_counted numeric(9, 2),
      credits_required numeric(9, 2),
      short_by numeric(9, 2),
      shortfall text,
      -- ids of the unmet requirements ('total', or the rule set's requirement ids)
      requirements_short text[] not null default '{}',
      problem text,
      evaluated_at timestamptz,
      unique (org_code, roster_key, cycle_end)
    )`.execute(db);
  await sql`create index roster_entry_org_end_idx on board.roster_entry (org_code, cycle_end, id)`.execute(db);
  await sql`create index roster_entry_org_status_idx on board.roster_entry (org_code, status, cycle_end, id)`.execute(db);
  await sql`create index roster_entry_org_name_idx on board.roster_entry (org_code, (learner.fold(last_name) collate "C"), id)`.execute(db);
  // The queue's progress and shortfall sorts, read in order (expressions as renewal-queue.server.ts writes them).
  await sql`create index roster_entry_org_progress_idx on board.roster_entry
    (org_code, (coalesce(floor(100 * credits_counted / nullif(credits_required, 0))::int, -1)), id)`.execute(db);
  await sql`create index roster_entry_org_short_idx on board.roster_entry (org_code, (coalesce(short_by, -1)), id)`.execute(db);
  await sql`create index roster_entry_learner_idx on board.roster_entry (learner_id, org_code)`.execute(db);
  // How far each organisation's statuses are up to date: the store's change_seq and the date they
  // were computed as of (a new day can move rolling cycles and "future" flags).
  await sql`
    create table board.roster_watermark (
      org_code text primary key references board.organisation(code),
      through_seq bigint not null,
      as_of date not null
    )`.execute(db);

  // Decisions are append-only: a correction is a new row that supersedes one (supervisors only),
  // with a reason. Each cycle has one first decision; a decision is superseded at most once, so the
  // history is a single chain and the current decision is its end.
  await sql`
    create table board.decision (
      id bigint generated always as identity primary key,
      org_code text not null references board.organisation(code),
      entry_id bigint not null references board.roster_entry(id),
      learner_id bigint,
      cycle_start date,
      cycle_end date not null,
      outcome text not null
        check (outcome in ('compliant', 'deficient', 'extension_granted', 'exempt', 'referred_to_audit')),
      note text not null default '' check (length(note) <= 2000),
      -- the status and totals the decision was based on (the compliance engine's figures)
      basis jsonb not null,
      decided_by uuid not null references board.staff_user(id),
      decided_at timestamptz not null default now(),
      bulk boolean not null default false,
      supersedes bigint unique references board.decision(id),
      supersede_reason text check (length(supersede_reason) <= 2000),
      check ((supersedes is null) = (supersede_reason is null))
    )`.execute(db);
  await sql`create unique index decision_first_idx on board.decision (entry_id) where supersedes is null`.execute(db);
  await sql`create index decision_learner_idx on board.decision (learner_id, org_code)`.execute(db);
  await sql`create index decision_org_time_idx on board.decision (org_code, decided_at)`.execute(db);
  await sql`
    create function board.decision_chain_check() returns trigger language plpgsql as $$
    declare prior board.decision;
    begin
      if new.supersedes is not null then
        select * into prior from board.decision where id = new.supersedes;
        if prior.org_code <> new.org_code or prior.entry_id <> new.entry_id then
          raise exception 'a decision can only supersede one on the same cycle of the same organisation';
        end if;
      end if;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger decision_chain_check before insert on board.decision
    for each row execute function board.decision_chain_check()`.execute(db);

  // A random audit sample: the seed makes the draw reproducible; the drawn entries are kept.
  await sql`
    create table board.audit_sample (
      id bigint generated always as identity primary key,
      org_code text not null references board.organisation(code),
      drawn_by uuid not null references board.staff_user(id),
      drawn_at timestamptz not null default now(),
      seed text not null,
      cycle_from date not null,
      cycle_to date not null,
      requested text not null,
      cohort_size integer not null,
      entry_ids bigint[] not null
    )`.execute(db);
  await sql`create index audit_sample_org_idx on board.audit_sample (org_code, drawn_at)`.execute(db);

  await sql`grant select, update on board.requirement_rule to cme_app`.execute(db);
  await sql`grant select, insert on board.requirement_rule_change to cme_app`.execute(db);
  await sql`grant select, insert on board.roster_upload to cme_app`.execute(db);
  await sql`grant select, insert, update on board.roster_entry to cme_app`.execute(db);
  await sql`grant select, insert, update on board.roster_watermark to cme_app`.execute(db);
  await sql`grant select, insert on board.decision to cme_app`.execute(db);
  await sql`grant select, insert on board.audit_sample to cme_app`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table board.audit_sample, board.decision, board.roster_watermark, board.roster_entry, board.roster_upload,
    board.requirement_rule_change, board.requirement_rule`.execute(db);
  await sql`drop function board.decision_chain_check()`.execute(db);
}
