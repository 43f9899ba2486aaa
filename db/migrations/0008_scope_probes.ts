// Row-level security, tuned under load (issue 6, decision 015). Frozen in time.
//
// 1. The learner policy's three `exists` probes get `offset 0`. Without it PostgreSQL may turn each
//    into a hashed subplan (every learner id of the board's records, licences and certifications)
//    whenever it expects a query to read many learners, even when a LIMIT stops it after a few: a
//    CA-M credit search sorted by licensee hashed 2.1 million records (7.1 s) to show 26 rows. With
//    `offset 0` the probe cannot be rewritten into a hash (PostgreSQL's simplify_EXISTS_query leaves
//    such a subquery alone) and stays one index probe per learner read (7.7 ms for the same page).
// 2. The board / submission-time index carries the status, so "rejected, newest first" walks that
//    index alone. ACCME's per-board merge otherwise sorted every rejected record of each of the 16
//    boards (2.7 s a page).
// 3. The statistics object behind id lookups follows 0007's key. 0004 created statistics on
//    `coalesce(board_learner_id, '')` because PostgreSQL ignores the statistics of a partial index;
//    0007 moved the index to `learner.board_learner_key(board_learner_id)` and left the statistics
//    behind, so the planner took a licence or board id for 0.5 % of a board (16,000 records instead of
//    about 10) and walked ABIM's newest 1.85 million records to find one physician's 52 (16 s; 64 ms
//    with the statistics).
// 4. ANALYZE the learners and records: the statistics of an expression index (the folded name of
//    0004) or object (3.) exist only once the table is analyzed again, and autovacuum waits for a
//    tenth of the rows to change. Until then the planner took every name prefix for 0.5 % of
//    learners: "Tho" (2.9 %, 285,000 records) read learner by learner for 0.9 s where walking the
//    newest records takes 0.16 s.
import { sql, type Kysely } from "kysely";

async function learnerPolicy(db: Kysely<any>, fence: string): Promise<void> {
  await sql`drop policy board_scope on learner.learner`.execute(db);
  await sql
    .raw(`
    create policy board_scope on learner.learner for select to cme_app
    using (
      board.scope_all_boards()
      or exists (select 1 from learner.credit_report r
                 where r.learner_id = learner.id and r.board_code = any (board.scope_boards()) and r.deleted_at is null${fence})
      or exists (select 1 from learner.licence l
                 where l.learner_id = learner.id and l.board_code = any (board.scope_boards())${fence})
      or exists (select 1 from learner.certification c
                 where c.learner_id = learner.id and c.board_code = any (board.scope_boards())${fence}))`)
    .execute(db);
}

async function submittedIndex(db: Kysely<any>, include: string): Promise<void> {
  await sql`drop index learner.credit_report_board_submitted_idx`.execute(db);
  await sql
    .raw(`create index credit_report_board_submitted_idx on learner.credit_report (board_code, submitted_at, id) include (${include}) where deleted_at is null`)
    .execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await learnerPolicy(db, " offset 0");
  await submittedIndex(db, "completion_date, status");
  await sql`drop statistics learner.credit_report_learner_id_stats`.execute(db);
  await sql`create statistics learner.credit_report_learner_id_stats on (learner.board_learner_key(board_learner_id)) from learner.credit_report`.execute(db);
  await sql`analyze learner.learner`.execute(db);
  await sql`analyze learner.credit_report`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop statistics learner.credit_report_learner_id_stats`.execute(db);
  await sql`create statistics learner.credit_report_learner_id_stats on (coalesce(board_learner_id, '')) from learner.credit_report`.execute(db);
  await submittedIndex(db, "completion_date");
  await learnerPolicy(db, "");
}
