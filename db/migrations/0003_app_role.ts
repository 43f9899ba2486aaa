// The app's database role: SELECT only on the learner store; on board tables only what the app
// needs (audit is insert-only). The role has no login; see db/client.ts for how the app assumes it.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    do $$ begin
      if not exists (select 1 from pg_roles where rolname = 'cme_app') then
        create role cme_app nologin;
      end if;
    end $$`.execute(db);
  await sql`grant usage on schema learner to cme_app`.execute(db);
  await sql`grant select on all tables in schema learner to cme_app`.execute(db);
  await sql`grant execute on function learner.fold(text) to cme_app`.execute(db);
  await sql`grant usage on schema board to cme_app`.execute(db);
  await sql`grant select on board.organisation to cme_app`.execute(db);
  await sql`grant select, insert, update on board.staff_user to cme_app`.execute(db);
  await sql`grant select, insert, update, delete on board.session to cme_app`.execute(db);
  await sql`grant select, insert on board.audit_event to cme_app`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`revoke all on all tables in schema learner from cme_app`.execute(db);
  await sql`revoke all on all tables in schema board from cme_app`.execute(db);
  await sql`revoke all on schema learner, board from cme_app`.execute(db);
  await sql`revoke execute on function learner.fold(text) from cme_app`.execute(db);
}
