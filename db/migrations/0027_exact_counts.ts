// Issue 20: exact counts read the analytics snapshot plus what changed in the store since its
// watermark. The records changed since are found by credit_report's change_seq index (0001); the
// activities changed since (their records' format and MOC / MIPS / REMS may differ in the snapshot)
// by this one, instead of a scan of every activity on every count.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index activity_change_seq_idx on learner.activity (change_seq)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index learner.activity_change_seq_idx`.execute(db);
}
