// Single sign-on with OpenID Connect (issue 21, decision 032). Frozen in time.
//
// - board.sso_config: one organization's identity provider: issuer, client id, the client secret
//   encrypted at rest (or none, when the server's configuration supplies it), allowed e-mail domains,
//   the role mapping from one claim, a default role, just-in-time creation or invited-only, whether
//   staff may still use a password. Row-level security like the other board tables: an admin reads
//   and writes only their own organization's.
// - board.sso_login: a sign-in in flight (state, PKCE verifier, nonce, where to go afterwards), keyed
//   by the SHA-256 of the state, used once and good for 10 minutes. It is read back before anyone is
//   signed in and before the organization is known (the callback carries only the state), so like
//   board.login_throttle it has no row-level security; only the app's role and the owner read it.
// - Before anyone is signed in the flow needs one organization's configuration: two security-definer
//   functions answer exactly that (the enabled configurations' organizations for the sign-in page,
//   and one enabled configuration by its organization), as migration 0007 does for sign-in counts.
// - board.staff_user.sso_subject: the identity provider's issuer and subject ("issuer sub") the
//   account is bound to after its first single sign-on; unique.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table board.sso_config (
      org_code text primary key references board.organisation (code),
      issuer text not null check (length(issuer) between 1 and 500),
      client_id text not null check (length(client_id) between 1 and 500),
      client_secret_encrypted text,
      allowed_domains text[] not null default '{}',
      role_claim text,
      role_map jsonb not null default '{}' check (jsonb_typeof(role_map) = 'object'),
      default_role text check (default_role in ('reviewer', 'supervisor', 'admin')),
      provisioning text not null default 'invited' check (provisioning in ('jit', 'invited')),
      allow_password boolean not null default false,
      enabled boolean not null default false,
      updated_by uuid references board.staff_user (id),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`comment on table board.sso_config is 'An organization''s OpenID Connect identity provider (decision 032)'`.execute(db);
  await sql`alter table board.sso_config enable row level security`.execute(db);
  await sql`
    create policy org_scope on board.sso_config for all to cme_app
    using (board.scope_org_visible(org_code)) with check (board.scope_org_visible(org_code))`.execute(db);
  await sql`grant select, insert, update on board.sso_config to cme_app`.execute(db);

  await sql`
    create table board.sso_login (
      state_hash text primary key,
      org_code text not null references board.organisation (code),
      code_verifier text not null,
      nonce text not null,
      redirect_to text not null default '/',
      created_at timestamptz not null default now(),
      used_at timestamptz
    )`.execute(db);
  await sql`create index sso_login_created_idx on board.sso_login (created_at)`.execute(db);
  await sql`comment on table board.sso_login is 'Single sign-ons in flight: single use, 10 minutes (decision 032)'`.execute(db);
  await sql`grant select, insert, update, delete on board.sso_login to cme_app`.execute(db);

  await sql`alter table board.staff_user add column sso_subject text unique`.execute(db);
  // How a session was signed in: an organization's identity provider answers for its own second
  // factor, so a session it signed in is not sent to enrol one here (decision 032).
  await sql`alter table board.session add column via text not null default 'password' check (via in ('password', 'sso'))`.execute(db);

  await sql`
    create function board.sso_sign_in_options() returns table (org_code text, org_name text)
    language sql stable security definer set search_path = pg_catalog as
    $$ select c.org_code, o.name from board.sso_config c join board.organisation o on o.code = c.org_code
       where c.enabled order by o.name $$`.execute(db);
  await sql`
    create function board.sso_config_for_sign_in(org text) returns setof board.sso_config
    language sql stable security definer set search_path = pg_catalog as
    $$ select * from board.sso_config where org_code = org and enabled $$`.execute(db);
  for (const fn of ["sso_sign_in_options()", "sso_config_for_sign_in(text)"]) {
    await sql.raw(`revoke all on function board.${fn} from public`).execute(db);
    await sql.raw(`grant execute on function board.${fn} to cme_app`).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function board.sso_config_for_sign_in(text)`.execute(db);
  await sql`drop function board.sso_sign_in_options()`.execute(db);
  await sql`alter table board.session drop column via`.execute(db);
  await sql`alter table board.staff_user drop column sso_subject`.execute(db);
  await sql`drop table board.sso_login`.execute(db);
  await sql`drop table board.sso_config`.execute(db);
}
