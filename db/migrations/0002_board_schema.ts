// The board-owned schema: organisations, staff users, sessions, audit events. Frozen in time.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create schema board`.execute(db);
  await sql`
    create table board.organisation (
      code text primary key,
      name text not null,
      kind text not null check (kind in ('state_board', 'certifying_board', 'accreditor'))
    )`.execute(db);
  await sql`
    create table board.staff_user (
      id uuid primary key default gen_random_uuid(),
      email text not null unique check (email = lower(email) and email like '%_@_%'),
      display_name text not null,
      password_hash text not null,
      role text not null check (role in ('reviewer', 'supervisor', 'admin')),
      org_code text not null references board.organisation(code),
      failed_login_count integer not null default 0,
      locked_until timestamptz,
      created_at timestamptz not null default now(),
      disabled_at timestamptz
    )`.execute(db);
  await sql`create index staff_user_org_idx on board.staff_user (org_code)`.execute(db);
  // The cookie carries a random token; only its SHA-256 is stored, so a leaked table cannot be replayed.
  await sql`
    create table board.session (
      id_hash text primary key,
      user_id uuid not null references board.staff_user(id) on delete cascade,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz,
      ip text,
      user_agent text
    )`.execute(db);
  await sql`create index session_user_idx on board.session (user_id)`.execute(db);
  await sql`
    create table board.audit_event (
      id bigint generated always as identity primary key,
      occurred_at timestamptz not null default now(),
      user_id uuid references board.staff_user(id),
      org_code text references board.organisation(code),
      action text not null,
      target text,
      detail jsonb not null default '{}',
      ip text
    )`.execute(db);
  await sql`create index audit_event_org_time_idx on board.audit_event (org_code, occurred_at)`.execute(db);
  await sql`create index audit_event_action_time_idx on board.audit_event (action, occurred_at)`.execute(db);
  await sql`create index audit_event_ip_time_idx on board.audit_event (ip, occurred_at) where action = 'login.failure'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop schema board cascade`.execute(db);
}
