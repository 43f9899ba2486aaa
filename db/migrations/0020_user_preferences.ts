// A staff user's remembered view settings (issue 20): today the columns each grid shows. One row per
// user and key ("columns:credits"), the value a small JSON object the app validates when it reads it
// (a column a later release removed is simply ignored). Board-owned, under the organization scope
// every board table has; the app reads and writes only the signed-in user's rows. Frozen in time.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table board.user_preference (
      user_id uuid not null references board.staff_user(id) on delete cascade,
      org_code text not null references board.organisation(code),
      key text not null check (key ~ '^[a-z][a-z0-9:._-]{0,59}$'),
      value jsonb not null check (jsonb_typeof(value) = 'object' and length(value::text) <= 4000),
      updated_at timestamptz not null default now(),
      primary key (user_id, key)
    )`.execute(db);
  await sql`alter table board.user_preference enable row level security`.execute(db);
  await sql`
    create policy org_scope on board.user_preference for all to cme_app
    using (board.scope_org_visible(org_code)) with check (board.scope_org_visible(org_code))`.execute(db);
  await sql`grant select, insert, update, delete on board.user_preference to cme_app`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table board.user_preference`.execute(db);
}
