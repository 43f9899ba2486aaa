// Issue 19: a stored status is never written from inputs older than the latest reason to compute it
// again. Whatever marks a roster entry pending (a rule version saved, an attribute edited, an
// extension granted, a roster upload) bumps the entry's pending_mark, through one trigger, so no
// writer can forget it. The background refresh reads each entry's mark with the entry and writes its
// figures only where the mark is still the one it read: an entry marked again while the refresh was
// evaluating it stays pending, and the next refresh (which the marking action asks for) evaluates it
// under the new inputs.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table board.roster_entry add column pending_mark bigint not null default 0`.execute(db);
  await sql`
    create function board.roster_entry_pending_mark() returns trigger language plpgsql as $$
    begin
      new.pending_mark := old.pending_mark + 1;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger roster_entry_pending_mark before update of status on board.roster_entry
    for each row when (new.status = 'pending') execute function board.roster_entry_pending_mark()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger roster_entry_pending_mark on board.roster_entry`.execute(db);
  await sql`drop function board.roster_entry_pending_mark()`.execute(db);
  await sql`alter table board.roster_entry drop column pending_mark`.execute(db);
}
