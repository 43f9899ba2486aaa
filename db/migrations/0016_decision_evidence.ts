// Decisions that follow the evidence (issue 19): a decision that contradicts the live requirement
// check ("Compliant" while short, "Deficient" while met) is marked as an override and carries the
// reviewer's reason; "Extension granted" carries the new deadline the cycle is judged against from
// then on. Frozen in time.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table board.decision
      add column override boolean not null default false,
      add column override_reason text,
      add column extended_to date`.execute(db);
  await sql`alter table board.decision add constraint decision_override_reason_check
    check (override = (override_reason is not null) and length(override_reason) <= 2000)`.execute(db);
  await sql`alter table board.decision add constraint decision_extended_to_check
    check (extended_to is null or (extended_to > cycle_end and extended_to <= cycle_end + interval '1 year'))`.execute(db);
  // Every new extension names its deadline. Extensions recorded before this column existed have
  // none (none is invented for them): the constraint holds for rows written from now on.
  await sql`alter table board.decision add constraint decision_extension_deadline_check
    check (outcome <> 'extension_granted' or extended_to is not null) not valid`.execute(db);
  // Each evaluation batch reads its entries' extensions by entry id: few rows carry one.
  await sql`create index decision_extension_idx on board.decision (entry_id) where extended_to is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index board.decision_extension_idx`.execute(db);
  await sql`
    alter table board.decision
      drop constraint decision_extension_deadline_check,
      drop constraint decision_extended_to_check,
      drop constraint decision_override_reason_check,
      drop column extended_to,
      drop column override_reason,
      drop column override`.execute(db);
}
