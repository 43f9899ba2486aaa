// Issue 20: the official transcript carries a verification code, and what was issued under it is
// kept: whose transcript, which period, who issued it and when, a hash of the records it was made
// from and the totals it printed. /verify/<code> compares them with the records now. An
// organization reads and writes only its own (row-level security, as every board table); the app
// never changes or deletes an issued transcript. Frozen in time.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table board.issued_transcript (
      code text primary key check (code ~ '^[0-9A-HJKMNP-TV-Z]{12}$'),
      org_code text not null references board.organisation(code),
      learner_id bigint not null,
      period daterange not null check (not isempty(period) and not lower_inf(period) and not upper_inf(period)),
      issued_by uuid not null references board.staff_user(id),
      issued_at timestamptz not null default now(),
      content_hash text not null check (content_hash ~ '^[0-9a-f]{64}$'),
      totals jsonb not null
    )`.execute(db);
  // A reviewer reopening the same transcript the same day gets the code already issued.
  await sql`create index issued_transcript_reuse_idx on board.issued_transcript (org_code, learner_id, issued_by, issued_at)`.execute(db);
  await sql`alter table board.issued_transcript enable row level security`.execute(db);
  await sql`
    create policy org_scope on board.issued_transcript for all to cme_app
    using (board.scope_org_visible(org_code)) with check (board.scope_org_visible(org_code))`.execute(db);
  await sql`grant select, insert on board.issued_transcript to cme_app`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table board.issued_transcript`.execute(db);
}
