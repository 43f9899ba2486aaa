// Issue 21: the audit trail on screen, and tamper-evident. Frozen in time.
//
// 1. Each audit row carries a hash chained to the previous row of its organization (rows without an
//    organization, such as a sign-in with an unknown e-mail, form a chain of their own): its place in
//    the chain (chain_seq, 1, 2, 3… without gaps), the id and hash of the row before it, and
//    row_hash = sha256 of a canonical serialization of the row's fields and the previous row's hash
//    (board.audit_canonical: each field length-prefixed, so no two rows serialize alike;
//    app/models/audit-chain.server.ts computes the same bytes in Node to verify).
// 2. A BEFORE INSERT trigger fills them in the database, whoever inserts: it takes a per-chain
//    advisory transaction lock, so concurrent inserts from many connections line up one after the
//    other, reads the chain's head (board.audit_chain_head: the last row's place, id and hash) and
//    moves the head on. The head also shows a deletion at the end of a chain. Values an insert
//    supplies for these columns are overwritten. Under REPEATABLE READ a stale head is refused by
//    PostgreSQL (a concurrent update), never forked.
// 3. Existing rows are chained here, per chain in id order.
// 4. The app role may insert and read audit rows, never update, delete or truncate them, and it
//    cannot touch the head (it may read its own organization's, to check the end of its chain).
// 5. Indexes for the audit search (app/models/audit-trail.server.ts): newest first within the
//    organization by time and id, narrowed by user, action, target (a licensee, a roster entry) or
//    address (a prefix in byte order, which row-level security lets drive an index).
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table board.audit_event
      add column chain_seq bigint,
      add column prev_id bigint,
      add column prev_hash text,
      add column row_hash text`.execute(db);
  await sql`
    create table board.audit_chain_head (
      chain text primary key,
      last_seq bigint not null,
      last_id bigint not null,
      last_hash text not null
    )`.execute(db);

  // The bytes a row's hash is taken over. A field is 'N' when null, else 'S<octets>:<text>'.
  await sql`
    create function board.audit_canonical(
      chain text, chain_seq bigint, id bigint, occurred_at timestamptz, user_id uuid, org_code text,
      action text, target text, detail jsonb, ip text, prev_id bigint, prev_hash text
    ) returns text language sql stable parallel safe set search_path = pg_catalog as $$
      select 'audit-v1|' || string_agg(case when f is null then 'N' else 'S' || octet_length(f) || ':' || f end, '|' order by n)
      from unnest(array[
        chain, chain_seq::text, id::text,
        to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        user_id::text, org_code, action, target, detail::text, ip, prev_id::text, prev_hash
      ]) with ordinality as t(f, n)
    $$`.execute(db);
  await sql`
    create function board.audit_hash(canonical text) returns text language sql immutable parallel safe set search_path = pg_catalog as
    $$ select encode(sha256(convert_to(canonical, 'UTF8')), 'hex') $$`.execute(db);

  // Existing rows, chained per organization in id order (the trigger is not there yet).
  await sql`
    do $$
    declare
      r record;
      current_chain text := null;
      seq bigint;
      last_id bigint;
      last_hash text;
      h text;
    begin
      for r in select e.*, coalesce(e.org_code, '') as chain from board.audit_event e order by coalesce(e.org_code, ''), e.id loop
        if current_chain is distinct from r.chain then
          if current_chain is not null then
            insert into board.audit_chain_head values (current_chain, seq, last_id, last_hash);
          end if;
          current_chain := r.chain; seq := 0; last_id := null; last_hash := null;
        end if;
        seq := seq + 1;
        h := board.audit_hash(board.audit_canonical(r.chain, seq, r.id, r.occurred_at, r.user_id, r.org_code, r.action, r.target, r.detail, r.ip, last_id, last_hash));
        update board.audit_event set chain_seq = seq, prev_id = last_id, prev_hash = last_hash, row_hash = h where id = r.id;
        last_id := r.id; last_hash := h;
      end loop;
      if current_chain is not null then
        insert into board.audit_chain_head values (current_chain, seq, last_id, last_hash);
      end if;
    end $$`.execute(db);
  await sql`alter table board.audit_event alter column chain_seq set not null, alter column row_hash set not null`.execute(db);

  // Runs with the owner's rights: the app's role can neither read another organization's rows nor
  // touch the head, yet its inserts (a sign-in before any organization is known) must chain.
  await sql`
    create function board.audit_chain_link() returns trigger language plpgsql security definer set search_path = pg_catalog as $$
    declare
      key text := coalesce(new.org_code, '');
      head record;
    begin
      perform pg_advisory_xact_lock(hashtext('board.audit_chain'), hashtext(key));
      select last_seq, last_id, last_hash into head from board.audit_chain_head where chain = key;
      if found then
        new.chain_seq := head.last_seq + 1; new.prev_id := head.last_id; new.prev_hash := head.last_hash;
      else
        new.chain_seq := 1; new.prev_id := null; new.prev_hash := null;
      end if;
      new.row_hash := board.audit_hash(board.audit_canonical(key, new.chain_seq, new.id, new.occurred_at, new.user_id, new.org_code,
                                                             new.action, new.target, new.detail, new.ip, new.prev_id, new.prev_hash));
      insert into board.audit_chain_head as h (chain, last_seq, last_id, last_hash) values (key, new.chain_seq, new.id, new.row_hash)
      on conflict (chain) do update set last_seq = excluded.last_seq, last_id = excluded.last_id, last_hash = excluded.last_hash;
      return new;
    end $$`.execute(db);
  await sql`revoke all on function board.audit_chain_link() from public`.execute(db);
  await sql`create trigger audit_chain_link before insert on board.audit_event for each row execute function board.audit_chain_link()`.execute(db);

  // Each chain's rows in order, once: what verification walks.
  await sql`create unique index audit_event_chain_idx on board.audit_event (org_code, chain_seq) nulls not distinct`.execute(db);

  await sql`revoke update, delete, truncate on board.audit_event from cme_app, public`.execute(db);
  await sql`grant select on board.audit_chain_head to cme_app`.execute(db);
  await sql`alter table board.audit_chain_head enable row level security`.execute(db);
  await sql`
    create policy chain_read on board.audit_chain_head for select to cme_app
    using ((select board.scope_all_orgs()) or chain = (select board.scope_org()))`.execute(db);

  // The search's access paths (newest first within the organization).
  await sql`drop index board.audit_event_org_time_idx`.execute(db);
  await sql`create index audit_event_org_time_idx on board.audit_event (org_code, occurred_at, id)`.execute(db);
  await sql`create index audit_event_org_user_idx on board.audit_event (org_code, user_id, occurred_at, id)`.execute(db);
  await sql`create index audit_event_org_action_idx on board.audit_event (org_code, action, occurred_at, id)`.execute(db);
  await sql`create index audit_event_org_target_idx on board.audit_event (org_code, target, occurred_at, id)`.execute(db);
  await sql`create index audit_event_org_ip_idx on board.audit_event (org_code, (ip collate "C"), occurred_at, id)`.execute(db);
  await sql`analyze board.audit_event`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ["org_user", "org_action", "org_target", "org_ip", "chain"]) await sql.raw(`drop index board.audit_event_${name}_idx`).execute(db);
  await sql`drop index board.audit_event_org_time_idx`.execute(db);
  await sql`create index audit_event_org_time_idx on board.audit_event (org_code, occurred_at)`.execute(db);
  await sql`drop trigger audit_chain_link on board.audit_event`.execute(db);
  await sql`drop function board.audit_chain_link()`.execute(db);
  await sql`drop function board.audit_hash(text)`.execute(db);
  await sql`drop function board.audit_canonical(text, bigint, bigint, timestamptz, uuid, text, text, text, jsonb, text, bigint, text)`.execute(db);
  await sql`drop table board.audit_chain_head`.execute(db);
  await sql`alter table board.audit_event drop column chain_seq, drop column prev_id, drop column prev_hash, drop column row_hash`.execute(db);
}
