// Row-level security, tuned under load (issue 6, decision 015). Frozen in time.
//
// 1. Every policy reads the scope once per query, not once per row: the scope functions are wrapped
//    in scalar subqueries, which PostgreSQL runs once as an InitPlan. 0007's form re-read the
//    settings (and split `app.boards`) for each row it filtered, which doubled the cost of counting a
//    board's records (CA-M's first quarter of 2025: 117 ms, 55 ms), and the planner, unable to see
//    through it, cut every estimate by a guessed share of the board, which led it to wrong plans.
// 2. The learner policy's three `exists` probes get `offset 0`. Without it PostgreSQL may turn each
//    into a hashed subplan (every learner id of the board's records, licences and certifications)
//    whenever it expects a query to read many learners, even when a LIMIT stops it after a few: a
//    CA-M credit search sorted by licensee hashed 2.1 million records (7.1 s) to show 26 rows. With
//    `offset 0` the probe cannot be rewritten into a hash (PostgreSQL's simplify_EXISTS_query leaves
//    such a subquery alone) and stays one index probe per learner read (7.7 ms for the same page).
// 3. The board / submission-time index carries the status, so "rejected, newest first" walks that
//    index alone. ACCME's per-board merge otherwise sorted every rejected record of each of the 16
//    boards (2.7 s a page).
// 4. The statistics object behind id lookups follows 0007's key. 0004 created statistics on
//    `coalesce(board_learner_id, '')` because PostgreSQL ignores the statistics of a partial index;
//    0007 moved the index to `learner.board_learner_key(board_learner_id)` and left the statistics
//    behind, so the planner took a licence or board id for 0.5 % of a board (16,000 records instead of
//    about 10) and walked ABIM's newest 1.85 million records to find one physician's 52 (16 s; 64 ms
//    with the statistics).
// 5. fold, lag_days and board_learner_key cost 1 (a few string or date operations), not SQL's
//    default 100. PostgreSQL lets a cheap leakproof condition run before a policy's: a credit
//    search for "Smith, J" now tests the name before probing whether the board may see the learner,
//    not after (8,756 probes became 26).
// 6. ANALYZE the learners and records: the statistics of an expression index (the folded name of
//    0004) or object (4.) exist only once the table is analyzed again, and autovacuum waits for a
//    tenth of the rows to change. Until then the planner took every name prefix for 0.5 % of
//    learners: "Tho" (2.9 %, 285,000 records) read learner by learner for 0.9 s where walking the
//    newest records takes 0.16 s.
import { sql, type Kysely } from "kysely";

const LEARNER_STORE_TABLES = ["credit_report", "licence", "certification"] as const;
const BOARD_TABLES = [
  "requirement_rule",
  "requirement_rule_change",
  "roster_upload",
  "roster_entry",
  "roster_watermark",
  "decision",
  "audit_sample",
] as const;

const FUNCTIONS = ["fold(text)", "lag_days(date, timestamptz)", "board_learner_key(text)"] as const;

interface PolicyForm {
  /** Every board is in scope. */
  allBoards: string;
  /** A board code column names a board in scope. */
  inBoards(column: string): string;
  /** An organisation column is in scope. */
  org(column: string): string;
  /** Appended to each of the learner policy's probes. */
  fence: string;
}

/** 0008: the scope read once per query (InitPlans), probes that stay probes. */
const ONCE_PER_QUERY: PolicyForm = {
  allBoards: "(select board.scope_all_boards())",
  inBoards: (column) => `${column} = any ((select board.scope_boards())::text[])`,
  org: (column) => `((select board.scope_all_orgs()) or ${column} = (select board.scope_org()))`,
  fence: " offset 0",
};

/** 0007's form, for going down. */
const PER_ROW: PolicyForm = {
  allBoards: "board.scope_all_boards()",
  inBoards: (column) => `${column} = any (board.scope_boards())`,
  org: (column) => `board.scope_org_visible(${column})`,
  fence: "",
};

async function createPolicies(db: Kysely<any>, form: PolicyForm): Promise<void> {
  for (const table of LEARNER_STORE_TABLES) {
    await sql.raw(`create policy board_scope on learner.${table} for select to cme_app using (${form.allBoards} or ${form.inBoards("board_code")})`).execute(db);
  }
  // A learner is visible to a board that holds a live record, a licence or a certification of theirs.
  await sql
    .raw(`
    create policy board_scope on learner.learner for select to cme_app
    using (
      ${form.allBoards}
      or exists (select 1 from learner.credit_report r
                 where r.learner_id = learner.id and ${form.inBoards("r.board_code")} and r.deleted_at is null${form.fence})
      or exists (select 1 from learner.licence l
                 where l.learner_id = learner.id and ${form.inBoards("l.board_code")}${form.fence})
      or exists (select 1 from learner.certification c
                 where c.learner_id = learner.id and ${form.inBoards("c.board_code")}${form.fence}))`)
    .execute(db);
  for (const table of BOARD_TABLES) {
    await sql.raw(`create policy org_scope on board.${table} for all to cme_app using (${form.org("org_code")}) with check (${form.org("org_code")})`).execute(db);
  }
  await sql.raw(`create policy audit_read on board.audit_event for select to cme_app using (${form.org("org_code")})`).execute(db);
}

async function dropPolicies(db: Kysely<any>): Promise<void> {
  for (const table of [...LEARNER_STORE_TABLES, "learner"]) await sql.raw(`drop policy board_scope on learner.${table}`).execute(db);
  for (const table of BOARD_TABLES) await sql.raw(`drop policy org_scope on board.${table}`).execute(db);
  await sql`drop policy audit_read on board.audit_event`.execute(db);
}

async function submittedIndex(db: Kysely<any>, include: string): Promise<void> {
  await sql`drop index learner.credit_report_board_submitted_idx`.execute(db);
  await sql
    .raw(`create index credit_report_board_submitted_idx on learner.credit_report (board_code, submitted_at, id) include (${include}) where deleted_at is null`)
    .execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  // `app.org` is '*' (every organisation), a code, or unset / empty (none: `= null` is never true).
  await sql`
    create function board.scope_all_orgs() returns boolean language sql stable parallel safe as
    $$ select coalesce(current_setting('app.org', true), '') = '*' $$`.execute(db);
  await sql`
    create function board.scope_org() returns text language sql stable parallel safe as
    $$ select nullif(current_setting('app.org', true), '') $$`.execute(db);
  for (const fn of ["scope_all_orgs()", "scope_org()"]) await sql.raw(`grant execute on function board.${fn} to cme_app`).execute(db);
  await dropPolicies(db);
  await createPolicies(db, ONCE_PER_QUERY);

  await submittedIndex(db, "completion_date, status");
  await sql`drop statistics learner.credit_report_learner_id_stats`.execute(db);
  await sql`create statistics learner.credit_report_learner_id_stats on (learner.board_learner_key(board_learner_id)) from learner.credit_report`.execute(db);
  for (const fn of FUNCTIONS) await sql.raw(`alter function learner.${fn} cost 1`).execute(db);
  await sql`analyze learner.learner`.execute(db);
  await sql`analyze learner.credit_report`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const fn of FUNCTIONS) await sql.raw(`alter function learner.${fn} cost 100`).execute(db);
  await sql`drop statistics learner.credit_report_learner_id_stats`.execute(db);
  await sql`create statistics learner.credit_report_learner_id_stats on (coalesce(board_learner_id, '')) from learner.credit_report`.execute(db);
  await submittedIndex(db, "completion_date");
  await dropPolicies(db);
  await createPolicies(db, PER_ROW);
  await sql`drop function board.scope_all_orgs()`.execute(db);
  await sql`drop function board.scope_org()`.execute(db);
}
