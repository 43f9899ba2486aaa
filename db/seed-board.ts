// Board reference data (the participating organisations) and the requirement rules seeded from
// REQUIREMENTS.md (every environment: an organisation starts from them and edits them). Idempotent:
// safe on every start. The demo's staff accounts are scripts/lib/demo-accounts.ts (they need the
// app's password hashing, and db/ does not import app/).
import { sql, type Kysely } from "kysely";
import { SEEDED_REQUIREMENT_RULES } from "../domain/requirement-rules";
import { ORGANISATIONS } from "../domain/reference";
import type { Database } from "./schema";

export async function seedBoard(db: Kysely<Database>): Promise<void> {
  await db
    .insertInto("board.organisation")
    .values(ORGANISATIONS.map(({ code, name, kind }) => ({ code, name, kind })))
    .onConflict((oc) => oc.column("code").doUpdateSet((eb) => ({ name: eb.ref("excluded.name"), kind: eb.ref("excluded.kind") })))
    .execute();
  await db
    .insertInto("board.requirement_rule")
    .values(SEEDED_REQUIREMENT_RULES.map((rule) => ({ org_code: rule.organisationCode, rule: JSON.stringify(rule) })))
    .onConflict((oc) => oc.column("org_code").doNothing())
    .execute();
  // A newly seeded rule set is its organisation's first version, in force for every stored cycle.
  await sql`
    insert into board.requirement_rule_version (org_code, version, effective_from, rule)
    select org_code, version, date '2000-01-01', rule from board.requirement_rule
    on conflict (org_code, version) do nothing`.execute(db);
}
