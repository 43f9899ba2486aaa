// Shortfall per requirement on each roster entry (issue 19). Frozen in time.
//
// board.roster_entry.shortfalls: { requirement id: how far short } for every unmet requirement the
// evaluation reported ("total", a requirement's id, or a sub-period's "<id>-<n>"), written by the
// renewal refresh beside requirements_short. The queue filters on a key ("short in Patient Safety")
// and sorts by its amount within an organization's window of cycle ends, which the existing
// (org_code, cycle_end, id) index narrows to one cohort (at most about 20,000 entries): no index of
// its own.
//
// Entries evaluated before this column existed: one short only of the total is filled in from
// short_by (then the total's shortfall); any other unmet entry is marked pending, so the next
// refresh evaluates it again and writes its amounts.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table board.roster_entry add column shortfalls jsonb not null default '{}'
    constraint roster_entry_shortfalls_object check (jsonb_typeof(shortfalls) = 'object')`.execute(db);
  await sql`update board.roster_entry set shortfalls = jsonb_build_object('total', short_by)
    where requirements_short = '{total}' and short_by is not null`.execute(db);
  await sql`update board.roster_entry set status = 'pending'
    where requirements_short <> '{}' and requirements_short <> '{total}'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table board.roster_entry drop column shortfalls`.execute(db);
}
