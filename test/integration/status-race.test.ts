// A stored status is never written from inputs older than the latest reason to compute it again
// (issue 19, migration 0019). Two real connections: a refresh has read an entry and is writing its
// figures while another transaction (a rule version, an attribute, an extension) marks the same entry
// pending and commits. The refresh must leave it pending, and the next refresh evaluates it.
// Waits on PostgreSQL's lock table (an event), never on time.
import { sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { refreshRosterStatuses } from "../../app/models/renewals.server";
import { appAs } from "../support/database";
import { setUpSeededApp } from "../support/server";

const app = setUpSeededApp();
const owner = () => app.database.owner;

async function statusOf(id: string): Promise<{ status: string; mark: string }> {
  const r = await sql<{ status: string; mark: string }>`select status, pending_mark::text as mark from board.roster_entry where id = ${id}::bigint`.execute(owner());
  return r.rows[0]!;
}

describe("marked pending while a refresh evaluates it", () => {
  it("keeps the entry pending instead of writing figures computed before the mark, and the next refresh evaluates it", async () => {
    const org = "CA-M";
    await refreshRosterStatuses(appAs(app.database, org), org);
    const [target] = (
      await sql<{ id: string }>`select id::text from board.roster_entry where org_code = ${org} and learner_id is not null and retired_at is null order by id limit 1`.execute(owner())
    ).rows;
    const id = target!.id;
    // A reason to evaluate it: marked pending (the trigger bumps the mark).
    const before = await statusOf(id);
    await sql`update board.roster_entry set status = 'pending' where id = ${id}::bigint`.execute(owner());
    const marked = await statusOf(id);
    expect(marked.status).toBe("pending");
    expect(BigInt(marked.mark)).toBe(BigInt(before.mark) + 1n);

    // Another transaction holds the entry's row, so the refresh (which has read the entry and its
    // mark) waits at its write.
    const other = new pg.Client({ connectionString: app.database.url });
    await other.connect();
    try {
      await other.query("begin");
      await other.query("select id from board.roster_entry where id = $1 for update", [id]);
      const refreshing = refreshRosterStatuses(appAs(app.database, org), org, { writerWaitMs: 0 });
      // Wait until the refresh's write is blocked on that row.
      await expect
        .poll(
          async () =>
            Number(
              (
                await sql<{ n: string }>`select count(*)::text as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
                  where not l.granted and a.query like '%board.roster_entry%' and a.pid <> pg_backend_pid()`.execute(owner())
              ).rows[0]!.n,
            ),
          { timeout: 60_000, interval: 50 },
        )
        .toBeGreaterThan(0);
      // Meanwhile a new reason to evaluate it commits (as a rule save or an attribute edit does).
      await other.query("update board.roster_entry set status = 'pending' where id = $1", [id]);
      await other.query("commit");
      await refreshing;
    } finally {
      await other.end();
    }
    const after = await statusOf(id);
    expect(after.status, "figures computed before the new mark must not be written").toBe("pending");
    expect(BigInt(after.mark)).toBe(BigInt(marked.mark) + 1n);

    // The next refresh (the one the marking action asks for) evaluates it.
    const { evaluated } = await refreshRosterStatuses(appAs(app.database, org), org);
    expect(evaluated).toBeGreaterThan(0);
    expect((await statusOf(id)).status).not.toBe("pending");
  });
});
