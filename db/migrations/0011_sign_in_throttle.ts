// Sign-in throttling that cannot lock the owner out (issue 17, decision 018). Frozen in time.
//
// - board.login_throttle: failed attempts per (account as typed, address), known e-mail or not, so
//   the answer never tells whether an account exists. An address that keeps failing against one
//   account waits longer each time; another address is not affected. Holds no organisation and is
//   read before anyone is signed in (like board.staff_user and board.session), so it has no
//   row-level security; only the app's role and the owner read it.
// - board.recent_account_failures: an account's wrong-password failures in the last N hours since
//   its last sign-in or unlock, across every address, counted from the audit log with the owner's
//   rights (row-level security hides other organisations' events, and sign-in has no organisation
//   yet). Past NIST SP 800-63B's ceiling of 100 the account is locked until an admin unlocks it.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table board.login_throttle (
      account text not null,
      ip text not null,
      failures integer not null check (failures > 0),
      last_failure_at timestamptz not null default now(),
      primary key (account, ip)
    )`.execute(db);
  await sql`comment on table board.login_throttle is 'Failed sign-in attempts per (e-mail as typed, client address): growing delays (decision 018)'`.execute(db);
  await sql`grant select, insert, update, delete on board.login_throttle to cme_app`.execute(db);

  // The account-wide count reads an account's failures, sign-ins and unlocks by time.
  await sql`
    create index audit_event_user_login_idx on board.audit_event (user_id, occurred_at)
    where action in ('login.failure', 'login.success', 'user.unlock')`.execute(db);
  await sql`
    create function board.recent_account_failures(account uuid, hours integer) returns bigint
    language sql stable security definer set search_path = pg_catalog as
    $$ select count(*) from board.audit_event
       where user_id = account and action = 'login.failure' and detail->>'reason' = 'wrong_password'
         and occurred_at > greatest(
           now() - make_interval(hours => hours),
           (select max(occurred_at) from board.audit_event
            where user_id = account and action in ('login.success', 'user.unlock'))) $$`.execute(db);
  await sql`revoke all on function board.recent_account_failures(uuid, integer) from public`.execute(db);
  await sql`grant execute on function board.recent_account_failures(uuid, integer) to cme_app`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function board.recent_account_failures(uuid, integer)`.execute(db);
  await sql`drop index board.audit_event_user_login_idx`.execute(db);
  await sql`drop table board.login_throttle`.execute(db);
}
