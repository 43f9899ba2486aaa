// Effective-dated requirement rule versions (issue 19, decision 021). Every version of an
// organisation's rule set is kept with the date from which it is in force; a cycle is judged by the
// version in force at its end. board.requirement_rule stays as the head (the newest version's number
// and rule, locked by a save to refuse a concurrent one); board.requirement_rule_change stays as the
// log of saves. Existing rule sets become versions effective from 2000-01-01 (before any stored
// cycle): each earlier version rebuilt from the change log, the current one as its number.
// Frozen in time.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table board.requirement_rule_version (
      org_code text not null references board.organisation(code),
      version integer not null check (version >= 1),
      effective_from date not null,
      rule jsonb not null,
      created_by uuid references board.staff_user(id),
      created_at timestamptz not null default now(),
      reason text check (length(reason) <= 500),
      primary key (org_code, version)
    )`.execute(db);
  await sql`create index requirement_rule_version_effective_idx on board.requirement_rule_version (org_code, effective_from, version)`.execute(db);

  // Versions before the current one, from the change log: version k - 1 is what change k replaced.
  await sql`
    insert into board.requirement_rule_version (org_code, version, effective_from, rule, created_by, created_at, reason)
    select c.org_code, c.version - 1, date '2000-01-01', c.before, p.changed_by, coalesce(p.changed_at, c.changed_at), p.reason
      from board.requirement_rule_change c
      left join board.requirement_rule_change p on p.org_code = c.org_code and p.version = c.version - 1
     where c.version > 1`.execute(db);
  // The current one.
  await sql`
    insert into board.requirement_rule_version (org_code, version, effective_from, rule, created_by, created_at, reason)
    select r.org_code, r.version, date '2000-01-01', r.rule, r.updated_by, r.updated_at, c.reason
      from board.requirement_rule r
      left join board.requirement_rule_change c on c.org_code = r.org_code and c.version = r.version
    on conflict (org_code, version) do nothing`.execute(db);

  // Row-level security as on the other board tables (0007, in 0008's once-per-query form). The app
  // reads and adds versions; it never changes or deletes one.
  await sql`alter table board.requirement_rule_version enable row level security`.execute(db);
  await sql`
    create policy org_scope on board.requirement_rule_version for all to cme_app
    using ((select board.scope_all_orgs()) or org_code = (select board.scope_org()))
    with check ((select board.scope_all_orgs()) or org_code = (select board.scope_org()))`.execute(db);
  await sql`grant select, insert on board.requirement_rule_version to cme_app`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table board.requirement_rule_version`.execute(db);
}
