// Sign-in throttling, second round (issue 17 review, decision 018). Frozen in time.
//
// - board.login_throttle: its `ip` column becomes `client`: the (account, client) waits now key an
//   untrusted attempt by its address group (IPv4 address, IPv6 /64) and an attempt that shows a
//   valid device cookie by that device ("device:<id>"). Indexed by time for pruning.
// - board.login_device: the device cookies (OWASP's "slow down online guessing attacks with device
//   cookies"): the SHA-256 of a random token, bound to one account. An attempt showing one for the
//   account it names is exempt from the account-wide and address-wide limits, and waits on its own.
// - board.login_failure: one row per failed password check (account as typed, known or not; address
//   group; whether a device cookie made it trusted), kept a day. It replaces the audit-log counts of
//   migrations 0007 and 0011: the address-wide limit counts by address group (an IPv6 /64, which the
//   audit log's full addresses could not), the account-wide limit counts untrusted failures of the
//   e-mail as typed, known or not, so its refusal tells nothing about who has an account.
// - board.login_refusal: one row per (scope, account, client) that is being refused, so only the
//   first refusal of each waiting period is audited; later ones only add to its count.
// - board.login_prune: one row, when sign-in last pruned the tables above (at most once a minute).
// - The permanent lock (locked_until = 'infinity') is gone: accounts it locked are unlocked.
// None of these tables holds an organisation's data, and all are read before anyone is signed in,
// so like board.login_throttle they have no row-level security; only the app's role and the owner read them.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table board.login_throttle rename column ip to client`.execute(db);
  await sql`create index login_throttle_last_failure_idx on board.login_throttle (last_failure_at)`.execute(db);
  await sql`comment on table board.login_throttle is 'Failed sign-in attempts per (e-mail as typed, address group or device): growing delays (decision 018)'`.execute(db);

  await sql`
    create table board.login_device (
      id bigint generated always as identity primary key,
      id_hash text not null unique,
      user_id uuid not null references board.staff_user (id) on delete cascade,
      created_at timestamptz not null default now(),
      last_used_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index login_device_user_idx on board.login_device (user_id)`.execute(db);
  await sql`create index login_device_last_used_idx on board.login_device (last_used_at)`.execute(db);
  await sql`comment on table board.login_device is 'Device cookies: browsers where an account has signed in (decision 018)'`.execute(db);

  await sql`
    create table board.login_failure (
      id bigint generated always as identity primary key,
      at timestamptz not null default now(),
      account text not null,
      client text not null,
      trusted boolean not null
    )`.execute(db);
  await sql`create index login_failure_client_idx on board.login_failure (client, at)`.execute(db);
  await sql`create index login_failure_account_idx on board.login_failure (account, at) where not trusted`.execute(db);
  await sql`create index login_failure_at_idx on board.login_failure (at)`.execute(db);
  await sql`comment on table board.login_failure is 'Failed sign-in password checks of the last day, for the address-wide and account-wide limits (decision 018)'`.execute(db);

  await sql`
    create table board.login_refusal (
      scope text not null,
      account text not null,
      client text not null,
      refusals integer not null check (refusals > 0),
      first_at timestamptz not null default now(),
      last_at timestamptz not null default now(),
      primary key (scope, account, client)
    )`.execute(db);
  await sql`create index login_refusal_last_idx on board.login_refusal (last_at)`.execute(db);

  await sql`create table board.login_prune (one boolean primary key default true check (one), pruned_at timestamptz not null)`.execute(db);
  await sql`insert into board.login_prune (pruned_at) values ('-infinity')`.execute(db);

  for (const table of ["login_device", "login_failure", "login_refusal"]) {
    await sql`grant select, insert, update, delete on ${sql.table(`board.${table}`)} to cme_app`.execute(db);
  }
  await sql`grant select, update on board.login_prune to cme_app`.execute(db);

  // The audit-log counts are replaced by board.login_failure; the permanent lock is no more.
  await sql`update board.staff_user set locked_until = null where locked_until = 'infinity'`.execute(db);
  await sql`drop function board.recent_account_failures(uuid, integer)`.execute(db);
  await sql`drop index board.audit_event_user_login_idx`.execute(db);
  await sql`drop function board.recent_login_failures(text, integer)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create function board.recent_login_failures(from_ip text, minutes integer) returns bigint
    language sql stable security definer set search_path = pg_catalog as
    $$ select count(*) from board.audit_event
       where action = 'login.failure' and ip = from_ip and occurred_at > now() - make_interval(mins => minutes) $$`.execute(db);
  await sql`revoke all on function board.recent_login_failures(text, integer) from public`.execute(db);
  await sql`grant execute on function board.recent_login_failures(text, integer) to cme_app`.execute(db);
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
  await sql`drop table board.login_prune`.execute(db);
  await sql`drop table board.login_refusal`.execute(db);
  await sql`drop table board.login_failure`.execute(db);
  await sql`drop table board.login_device`.execute(db);
  await sql`drop index board.login_throttle_last_failure_idx`.execute(db);
  await sql`alter table board.login_throttle rename column client to ip`.execute(db);
}
