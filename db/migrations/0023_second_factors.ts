// Second factors at sign-in (issue 21, decision 031). Frozen in time.
//
// - board.webauthn_credential: passkeys and security keys (WebAuthn public-key credentials).
// - board.totp_secret: authenticator apps; the shared secret is encrypted at rest (AES-256-GCM,
//   app/auth/second-factor-crypto.server.ts), never stored in the clear. Unconfirmed until the
//   first code is checked; the last time step used is kept so a code is never accepted twice.
// - board.recovery_code: one-time recovery codes, SHA-256 of 80 random bits each.
// - board.sign_in_challenge: the half-signed-in state between the password and the second factor
//   (the SHA-256 of a random token in a short-lived cookie, bound to the user, 5 minutes), and
//   WebAuthn registration challenges of a signed-in session.
// - board.second_factor_throttle: consecutive failed codes (and re-authentications) per user:
//   growing waits after a few, and none accepted past 100 until an administrator resets them.
// - board.organisation.require_second_factor: everyone of the organization needs a second factor.
//
// The factors carry their user's organisation and have row-level security like the other board
// tables; the sign-in step sets the row scope to the user's organisation once the challenge cookie
// has shown the password was right. Whether a user has a factor is asked before that (at the
// password step, and by the session check): board.has_second_factor answers that one question
// with the owner's rights, as board.recent_login_failures once did. The challenges and the throttle
// are read before anyone is signed in, like board.session and board.login_throttle: no row-level
// security, only the app's role and the owner read them.
import { sql, type Kysely } from "kysely";

const FACTOR_TABLES = ["webauthn_credential", "totp_secret", "recovery_code"] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table board.organisation add column require_second_factor boolean not null default false`.execute(db);
  await sql`grant update (require_second_factor) on board.organisation to cme_app`.execute(db);

  await sql`
    create table board.webauthn_credential (
      id bigint generated always as identity primary key,
      user_id uuid not null references board.staff_user (id) on delete cascade,
      org_code text not null references board.organisation (code),
      credential_id text not null unique,
      public_key bytea not null,
      counter bigint not null default 0 check (counter >= 0),
      transports text[] not null default '{}',
      name text not null check (length(name) between 1 and 100),
      created_at timestamptz not null default now(),
      last_used_at timestamptz
    )`.execute(db);
  await sql`create index webauthn_credential_user_idx on board.webauthn_credential (user_id)`.execute(db);

  await sql`
    create table board.totp_secret (
      id bigint generated always as identity primary key,
      user_id uuid not null references board.staff_user (id) on delete cascade,
      org_code text not null references board.organisation (code),
      name text not null check (length(name) between 1 and 100),
      secret_encrypted text not null,
      confirmed_at timestamptz,
      last_used_step bigint,
      created_at timestamptz not null default now(),
      last_used_at timestamptz
    )`.execute(db);
  await sql`create index totp_secret_user_idx on board.totp_secret (user_id)`.execute(db);

  await sql`
    create table board.recovery_code (
      id bigint generated always as identity primary key,
      user_id uuid not null references board.staff_user (id) on delete cascade,
      org_code text not null references board.organisation (code),
      code_hash text not null,
      created_at timestamptz not null default now(),
      used_at timestamptz,
      unique (user_id, code_hash)
    )`.execute(db);

  await sql`
    create table board.sign_in_challenge (
      id bigint generated always as identity primary key,
      token_hash text not null unique,
      user_id uuid not null references board.staff_user (id) on delete cascade,
      purpose text not null check (purpose in ('sign_in', 'register')),
      webauthn_challenge text,
      redirect_to text,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null default now() + interval '5 minutes'
    )`.execute(db);
  await sql`create index sign_in_challenge_expires_idx on board.sign_in_challenge (expires_at)`.execute(db);
  await sql`create index sign_in_challenge_user_idx on board.sign_in_challenge (user_id)`.execute(db);

  await sql`
    create table board.second_factor_throttle (
      user_id uuid primary key references board.staff_user (id) on delete cascade,
      failures integer not null check (failures > 0),
      last_failure_at timestamptz not null default now(),
      refused_at timestamptz
    )`.execute(db);

  for (const table of FACTOR_TABLES) {
    await sql`grant select, insert, update, delete on ${sql.table(`board.${table}`)} to cme_app`.execute(db);
    await sql.raw(`alter table board.${table} enable row level security`).execute(db);
    await sql.raw(`
      create policy org_scope on board.${table} for all to cme_app
      using (board.scope_org_visible(org_code)) with check (board.scope_org_visible(org_code))`).execute(db);
  }
  for (const table of ["sign_in_challenge", "second_factor_throttle"]) {
    await sql`grant select, insert, update, delete on ${sql.table(`board.${table}`)} to cme_app`.execute(db);
  }

  await sql`
    create function board.has_second_factor(account uuid) returns boolean
    language sql stable security definer set search_path = pg_catalog as
    $$ select exists (select 1 from board.webauthn_credential where user_id = account)
           or exists (select 1 from board.totp_secret where user_id = account and confirmed_at is not null) $$`.execute(db);
  await sql`revoke all on function board.has_second_factor(uuid) from public`.execute(db);
  await sql`grant execute on function board.has_second_factor(uuid) to cme_app`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function board.has_second_factor(uuid)`.execute(db);
  await sql`drop table board.second_factor_throttle`.execute(db);
  await sql`drop table board.sign_in_challenge`.execute(db);
  for (const table of [...FACTOR_TABLES].reverse()) await sql.raw(`drop table board.${table}`).execute(db);
  await sql`revoke update (require_second_factor) on board.organisation from cme_app`.execute(db);
  await sql`alter table board.organisation drop column require_second_factor`.execute(db);
}
