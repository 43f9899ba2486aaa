// Row-level security for the app's role (issue 6, decision 015): the second fence behind the scoped
// queries of app/auth/scope.server.ts. Each checkout of an app connection sets `app.boards` (the
// board codes whose learner records it may read, or `*`) and `app.org` (the organisation whose board
// tables it may read and write, or `*`); see db/row-scope.ts. Unset means nothing is visible.
// Only `cme_app` is bound: the owner (migrations, seed, provider writes) is not. Frozen in time.
import { sql, type Kysely } from "kysely";

const BOARD_TABLES = [
  "requirement_rule",
  "requirement_rule_change",
  "roster_upload",
  "roster_entry",
  "roster_watermark",
  "decision",
  "audit_sample",
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  // Small, stable, inlinable: the planner folds them into each policy's condition.
  await sql`
    create function board.scope_all_boards() returns boolean language sql stable parallel safe as
    $$ select coalesce(current_setting('app.boards', true), '') = '*' $$`.execute(db);
  await sql`
    create function board.scope_boards() returns text[] language sql stable parallel safe as
    $$ select string_to_array(nullif(current_setting('app.boards', true), ''), ',') $$`.execute(db);
  await sql`
    create function board.scope_org_visible(org text) returns boolean language sql stable parallel safe as
    $$ select coalesce(current_setting('app.org', true), '') <> ''
              and (current_setting('app.org', true) = '*' or current_setting('app.org', true) = org) $$`.execute(db);
  for (const fn of ["scope_all_boards()", "scope_boards()", "scope_org_visible(text)"]) {
    await sql.raw(`grant execute on function board.${fn} to cme_app`).execute(db);
  }

  // The learner store: credit reports, licences and certifications by their board.
  for (const table of ["credit_report", "licence", "certification"]) {
    await sql.raw(`alter table learner.${table} enable row level security`).execute(db);
    await sql.raw(`
      create policy board_scope on learner.${table} for select to cme_app
      using (board.scope_all_boards() or board_code = any (board.scope_boards()))`).execute(db);
  }
  // A learner is visible to a board that holds a live record, a licence or a certification of theirs:
  // an index probe each (the record's on the partial index of live records, hence `deleted_at is
  // null`), or one hash of the board's learners when a query reads very many of them.
  await sql`alter table learner.learner enable row level security`.execute(db);
  await sql`
    create policy board_scope on learner.learner for select to cme_app
    using (
      board.scope_all_boards()
      or exists (select 1 from learner.credit_report r
                 where r.learner_id = learner.id and r.board_code = any (board.scope_boards()) and r.deleted_at is null)
      or exists (select 1 from learner.licence l where l.learner_id = learner.id and l.board_code = any (board.scope_boards()))
      or exists (select 1 from learner.certification c where c.learner_id = learner.id and c.board_code = any (board.scope_boards())))`.execute(db);

  // Board tables: the organisation's own rows, for reading and for writing.
  for (const table of BOARD_TABLES) {
    await sql.raw(`alter table board.${table} enable row level security`).execute(db);
    await sql.raw(`
      create policy org_scope on board.${table} for all to cme_app
      using (board.scope_org_visible(org_code)) with check (board.scope_org_visible(org_code))`).execute(db);
  }
  // The audit log: anything may be written (sign-in happens before any organisation is known), but
  // an organisation reads only its own events.
  await sql`alter table board.audit_event enable row level security`.execute(db);
  await sql`create policy audit_write on board.audit_event for insert to cme_app with check (true)`.execute(db);
  await sql`create policy audit_read on board.audit_event for select to cme_app using (board.scope_org_visible(org_code))`.execute(db);

  // The decision chain's check reads the superseded decision as the app: under row-level security
  // another organisation's decision is simply not found, which must be refused, not let through.
  await sql`
    create or replace function board.decision_chain_check() returns trigger language plpgsql as $$
    declare prior board.decision;
    begin
      if new.supersedes is not null then
        select * into prior from board.decision where id = new.supersedes;
        if not found or prior.org_code <> new.org_code or prior.entry_id <> new.entry_id then
          raise exception 'a decision can only supersede one on the same cycle of the same organisation';
        end if;
      end if;
      return new;
    end $$`.execute(db);

  // Sign-in throttling counts an address's recent failures across every organisation, before anyone
  // is signed in: this one count (and nothing else of the log) is answered with the owner's rights.
  await sql`
    create function board.recent_login_failures(from_ip text, minutes integer) returns bigint
    language sql stable security definer set search_path = pg_catalog as
    $$ select count(*) from board.audit_event
       where action = 'login.failure' and ip = from_ip and occurred_at > now() - make_interval(mins => minutes) $$`.execute(db);
  await sql`revoke all on function board.recent_login_failures(text, integer) from public`.execute(db);
  await sql`grant execute on function board.recent_login_failures(text, integer) to cme_app`.execute(db);

  // The licence / board id as the search compares and sorts it. It was written coalesce(id, ''),
  // which row-level security will not let drive an index (COALESCE is not a function it can trust),
  // so a licence-id search read the board's every record. Kept whole (SET clause) so it can be
  // marked leakproof below, with the index rebuilt on it.
  await sql`
    create function learner.board_learner_key(text) returns text
    language sql immutable parallel safe set search_path = pg_catalog as $$ select coalesce($1, '') $$`.execute(db);
  await sql`grant execute on function learner.board_learner_key(text) to cme_app`.execute(db);
  await sql`drop index learner.credit_report_board_learner_id_idx`.execute(db);
  await sql`
    create index credit_report_board_learner_id_idx on learner.credit_report
    (board_code, learner.board_learner_key(board_learner_id), id) where deleted_at is null`.execute(db);

  // Under row-level security an index serves a condition only if every function in it is
  // LEAKPROOF. The name folding and the lag in days cannot fail or reveal their input, and back the
  // name and lateness indexes. Being simple SQL they were inlined into lower(translate(...)) and
  // date arithmetic, which are not leakproof; a SET clause keeps them whole, so the planner sees
  // (and trusts) them. Marking them needs a superuser, so elsewhere the policies still hold and only
  // those searches get slower (decision 015).
  await sql`
    do $$ begin
      if (select rolsuper from pg_roles where rolname = current_user) then
        alter function learner.fold(text) set search_path = pg_catalog;
        alter function learner.fold(text) leakproof;
        alter function learner.lag_days(date, timestamptz) set search_path = pg_catalog;
        alter function learner.lag_days(date, timestamptz) leakproof;
        alter function learner.board_learner_key(text) leakproof;
      else
        raise notice 'not a superuser: learner.fold, lag_days and board_learner_key stay non-leakproof (name and id searches are slower under row-level security)';
      end if;
    end $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index learner.credit_report_board_learner_id_idx`.execute(db);
  await sql`
    create index credit_report_board_learner_id_idx on learner.credit_report
    (board_code, coalesce(board_learner_id, ''), id) where deleted_at is null`.execute(db);
  await sql`drop function learner.board_learner_key(text)`.execute(db);
  await sql`alter function learner.fold(text) reset search_path`.execute(db);
  await sql`alter function learner.fold(text) not leakproof`.execute(db);
  await sql`alter function learner.lag_days(date, timestamptz) reset search_path`.execute(db);
  await sql`alter function learner.lag_days(date, timestamptz) not leakproof`.execute(db);
  await sql`drop policy if exists audit_write on board.audit_event`.execute(db);
  await sql`drop policy if exists audit_read on board.audit_event`.execute(db);
  await sql`alter table board.audit_event disable row level security`.execute(db);
  for (const table of BOARD_TABLES) {
    await sql.raw(`drop policy if exists org_scope on board.${table}`).execute(db);
    await sql.raw(`alter table board.${table} disable row level security`).execute(db);
  }
  for (const table of ["credit_report", "licence", "certification", "learner"]) {
    await sql.raw(`drop policy if exists board_scope on learner.${table}`).execute(db);
    await sql.raw(`alter table learner.${table} disable row level security`).execute(db);
  }
  await sql`drop function board.recent_login_failures(text, integer)`.execute(db);
  await sql`drop function board.scope_all_boards()`.execute(db);
  await sql`drop function board.scope_boards()`.execute(db);
  await sql`drop function board.scope_org_visible(text)`.execute(db);
}
