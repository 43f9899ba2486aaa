// Access paths for the reviewer's credit search, activity and licensee pages (docs/decisions/
// 007-search-access-paths.md): every sortable column has an index that yields rows in order within a
// board, so a page of 25 is read, not sorted out of millions. Frozen in time.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  // Days from completion to submission, on the UTC calendar: "late" is more than 30.
  await sql`
    create function learner.lag_days(completion date, submitted timestamptz) returns integer
    language sql immutable parallel safe strict as $$
      select ((submitted at time zone 'UTC')::date - completion)
    $$`.execute(db);
  await sql`grant execute on function learner.lag_days(date, timestamptz) to cme_app`.execute(db);

  // credit_report: board first (every board query is scoped), then the sort key, then id (keyset
  // tie-break); partial on live records, which are all the board side ever reads, so counts and
  // filters on these columns are answered from the index alone.
  await sql`drop index learner.credit_report_board_completion_idx`.execute(db);
  await sql`drop index learner.credit_report_board_submitted_idx`.execute(db);
  await sql`drop index learner.credit_report_board_learner_id_idx`.execute(db);
  await sql`drop index learner.credit_report_activity_idx`.execute(db);
  await sql`drop index learner.credit_report_learner_board_idx`.execute(db);
  const creditReportIndexes: Record<string, string> = {
    // Each date index carries the other date, so a date window sorted by the other date is read
    // from the index alone (credits.server.ts, fencedByWindow).
    credit_report_board_completion_idx: "board_code, completion_date, id) include (submitted_at",
    credit_report_board_submitted_idx: "board_code, submitted_at, id) include (completion_date",
    credit_report_board_learner_id_idx: "board_code, coalesce(board_learner_id, ''), id",
    credit_report_board_credits_idx: "board_code, credits, id",
    credit_report_board_lag_idx: "board_code, learner.lag_days(completion_date, submitted_at), id",
    credit_report_board_status_idx: "board_code, status, completion_date, id",
    credit_report_board_entry_idx: "board_code, entry_method, completion_date, id",
    credit_report_activity_idx: "activity_id, board_code, id",
    // A licensee's records for a board; and "another accepted record of the same activity and day"
    // (the duplicate flag) answered from the index alone.
    // Carries what a learner-first plan (name, birth date, NPI) sorts by, so it never visits the table.
    credit_report_learner_board_idx: "learner_id, board_code, activity_id, completion_date) include (status, submitted_at, id",
  };
  for (const [name, columns] of Object.entries(creditReportIndexes)) {
    await sql`create index ${sql.id(name)} on learner.credit_report (${sql.raw(columns)}) where deleted_at is null`.execute(db);
  }

  // Topic / credit-type filters ("has a Pain Management amount"): the GIN index finds the records.
  await sql`create index credit_report_credit_types_idx on learner.credit_report using gin (credit_types) where deleted_at is null`.execute(db);
  // Statistics on "days to report", so the planner estimates late-record filters (and counts) well.
  await sql`create statistics learner.credit_report_lag_stats on (learner.lag_days(completion_date, submitted_at)) from learner.credit_report`.execute(db);
  // ... and on the reported licence / board id, so a lookup by id is known to match a handful.
  await sql`create statistics learner.credit_report_learner_id_stats on (coalesce(board_learner_id, '')) from learner.credit_report`.execute(db);

  // Learners by folded name (prefix search and name order; "C" so both work under any database
  // collation) and by birth MM/DD.
  await sql`drop index learner.learner_name_idx`.execute(db);
  await sql`create index learner_name_idx on learner.learner
    ((learner.fold(last_name) collate "C"), (learner.fold(first_name) collate "C"), id)`.execute(db);
  await sql`create index learner_birth_idx on learner.learner (birth_month, birth_day, id)`.execute(db);
  await sql`create index learner_npi_order_idx on learner.learner (coalesce(npi, ''), id)`.execute(db);

  // Activities: words of the title, title order, format, provider; providers by name.
  await sql`create index activity_title_words_idx on learner.activity using gin (to_tsvector('simple', title))`.execute(db);
  await sql`create index activity_title_idx on learner.activity ((learner.fold(title) collate "C"), id)`.execute(db);
  await sql`create index activity_format_idx on learner.activity (format, id)`.execute(db);
  await sql`create index activity_start_idx on learner.activity (start_date, id)`.execute(db);
  await sql`create index activity_end_idx on learner.activity (end_date, id)`.execute(db);
  await sql`drop index learner.activity_provider_idx`.execute(db);
  await sql`create index activity_provider_idx on learner.activity (provider_id, id)`.execute(db);
  await sql`create index provider_name_idx on learner.provider ((learner.fold(name) collate "C"), id)`.execute(db);
  await sql`create index provider_name_words_idx on learner.provider using gin (to_tsvector('simple', name))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of [
    "credit_report_board_completion_idx", "credit_report_board_submitted_idx", "credit_report_board_learner_id_idx",
    "credit_report_board_credits_idx", "credit_report_board_lag_idx", "credit_report_board_status_idx",
    "credit_report_board_entry_idx", "credit_report_activity_idx", "credit_report_learner_board_idx", "learner_name_idx", "learner_birth_idx", "learner_npi_order_idx",
    "activity_title_words_idx", "activity_title_idx", "activity_format_idx", "activity_start_idx", "activity_end_idx", "activity_provider_idx",
    "provider_name_idx", "provider_name_words_idx", "credit_report_credit_types_idx",
  ]) {
    await sql`drop index learner.${sql.id(name)}`.execute(db);
  }
  await sql`drop statistics learner.credit_report_lag_stats`.execute(db);
  await sql`drop statistics learner.credit_report_learner_id_stats`.execute(db);
  await sql`drop function learner.lag_days(date, timestamptz)`.execute(db);
  await sql`create index credit_report_board_completion_idx on learner.credit_report (board_code, completion_date)`.execute(db);
  await sql`create index credit_report_board_submitted_idx on learner.credit_report (board_code, submitted_at)`.execute(db);
  await sql`create index credit_report_board_learner_id_idx on learner.credit_report (board_code, board_learner_id)`.execute(db);
  await sql`create index credit_report_activity_idx on learner.credit_report (activity_id, board_code)`.execute(db);
  await sql`create index credit_report_learner_board_idx on learner.credit_report (learner_id, board_code)`.execute(db);
  await sql`create index learner_name_idx on learner.learner
    (learner.fold(last_name) text_pattern_ops, learner.fold(first_name) text_pattern_ops)`.execute(db);
  await sql`create index activity_provider_idx on learner.activity (provider_id)`.execute(db);
}
