// Staff administration and self service (issue 21, decision 030). Frozen in time.
//
// - board.staff_invite: an admin's invitation of a person to the organization with a role. The link
//   carries a random token; only its SHA-256 is stored (as for sessions), so the table cannot be
//   replayed. Single use (accepted_at), time-limited (expires_at), revocable (revoked_at). Row-level
//   security by organization like the other board tables.
// - Opening an invitation happens before anyone is signed in (no organization in scope): two
//   security-definer functions answer for one token hash only, the invitation it names and its
//   claiming, and nothing else of the table.
// - board.staff_user.password_changed_at: when the password was last set (shown on the account page).
// - board.session.id: a short handle by which a user ends one of their own sessions without the page
//   ever carrying the session's hash.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table board.staff_invite (
      id bigint generated always as identity primary key,
      org_code text not null references board.organisation (code),
      email text not null check (email = lower(email) and email like '%_@_%'),
      role text not null check (role in ('reviewer', 'supervisor', 'admin')),
      token_hash text not null unique,
      created_by uuid not null references board.staff_user (id),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      accepted_at timestamptz,
      revoked_at timestamptz,
      check (expires_at > created_at),
      check (accepted_at is null or revoked_at is null)
    )`.execute(db);
  await sql`create index staff_invite_org_idx on board.staff_invite (org_code, created_at desc)`.execute(db);
  await sql`comment on table board.staff_invite is 'Invitations of staff by an organization''s admins: single use, time-limited, token stored hashed (decision 030)'`.execute(db);
  await sql`alter table board.staff_invite enable row level security`.execute(db);
  await sql`
    create policy org_scope on board.staff_invite for all to cme_app
    using (board.scope_org_visible(org_code)) with check (board.scope_org_visible(org_code))`.execute(db);
  await sql`grant select, insert, update on board.staff_invite to cme_app`.execute(db);

  // The invitation one token hash names, whatever the request's scope (the invitee has none yet).
  await sql`
    create function board.staff_invite_by_token(hash text)
    returns table (id bigint, org_code text, org_name text, email text, role text, expires_at timestamptz,
                   accepted_at timestamptz, revoked_at timestamptz, expired boolean)
    language sql stable security definer set search_path = pg_catalog as
    $$ select i.id, i.org_code, o.name, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at, i.expires_at <= now()
       from board.staff_invite i join board.organisation o on o.code = i.org_code
       where i.token_hash = hash $$`.execute(db);
  // Marks it accepted if it is still open (not accepted, revoked or expired); at most one caller wins.
  await sql`
    create function board.claim_staff_invite(hash text)
    returns table (id bigint, org_code text, email text, role text)
    language sql volatile security definer set search_path = pg_catalog as
    $$ update board.staff_invite i set accepted_at = now()
       where i.token_hash = hash and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
       returning i.id, i.org_code, i.email, i.role $$`.execute(db);
  for (const fn of ["staff_invite_by_token(text)", "claim_staff_invite(text)"]) {
    await sql.raw(`revoke all on function board.${fn} from public`).execute(db);
    await sql.raw(`grant execute on function board.${fn} to cme_app`).execute(db);
  }

  await sql`alter table board.staff_user add column password_changed_at timestamptz`.execute(db);
  await sql`alter table board.session add column id bigint generated always as identity`.execute(db);
  await sql`alter table board.session add constraint session_id_key unique (id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table board.session drop column id`.execute(db);
  await sql`alter table board.staff_user drop column password_changed_at`.execute(db);
  await sql`drop function board.claim_staff_invite(text)`.execute(db);
  await sql`drop function board.staff_invite_by_token(text)`.execute(db);
  await sql`drop table board.staff_invite`.execute(db);
}
