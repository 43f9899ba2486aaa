// Two indexes carry what the credit search's filters read, so its walks are index-only (issue 6).
// Frozen in time.
//
// 1. The board / submission-time index also carries the activity and the learner. A search narrowed
//    to a provider, an activity or a name, newest first, walks each board's records by submission
//    time and keeps those whose activity or learner matches. Without them each record walked was
//    read from the table: ACCME's search for one provider (1,177 activities, about 0.5 % of the
//    records) read 97,000 records from the heap over its 16 boards (260 ms of a 309 ms page; 70 ms
//    index-only), and its search for the name prefix "Har" 27,000 (about 110 ms; 25 ms).
// 2. The learners' folded-name index also carries the names themselves. PostgreSQL reads an
//    expression index alone only when the columns under the expression are in it: the 14,487
//    learners named "Har…" were each read from the table to build the set ACCME's search matches
//    against (65 ms; 3-5 ms index-only).
import { sql, type Kysely } from "kysely";

async function submittedIndex(db: Kysely<any>, include: string): Promise<void> {
  await sql`drop index learner.credit_report_board_submitted_idx`.execute(db);
  await sql
    .raw(`create index credit_report_board_submitted_idx on learner.credit_report (board_code, submitted_at, id) include (${include}) where deleted_at is null`)
    .execute(db);
}

async function nameIndex(db: Kysely<any>, include: string): Promise<void> {
  await sql`drop index learner.learner_name_idx`.execute(db);
  await sql
    .raw(`create index learner_name_idx on learner.learner ((learner.fold(last_name) collate "C"), (learner.fold(first_name) collate "C"), id)${include}`)
    .execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await submittedIndex(db, "completion_date, status, activity_id, learner_id");
  await nameIndex(db, " include (last_name, first_name)");
  await sql`analyze learner.learner`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await submittedIndex(db, "completion_date, status");
  await nameIndex(db, "");
}
