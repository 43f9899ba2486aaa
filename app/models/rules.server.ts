// An organisation's requirement rules as stored (board.requirement_rule), their change history, and
// the one way to change them: validated, version-checked, with who / when / why / before / after
// written in the same transaction.
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { requirementRuleSetSchema, seededRuleSet, type RequirementRuleSet } from "../../domain/requirement-rules";
import { recordAudit } from "./audit.server";

export interface StoredRuleSet {
  rule: RequirementRuleSet;
  version: number;
  updatedAt: Date;
  updatedBy: string | null;
}

/** The organisation's rule set in force, or null for an organisation without one (ACCME). */
export async function getRuleSet(db: Kysely<Database>, orgCode: string): Promise<StoredRuleSet | null> {
  const row = await db
    .selectFrom("board.requirement_rule as r")
    .leftJoin("board.staff_user as u", "u.id", "r.updated_by")
    .select(["r.rule", "r.version", "r.updated_at", "u.display_name"])
    .where("r.org_code", "=", orgCode)
    .executeTakeFirst();
  if (!row) return null;
  // Stored rules were validated on the way in; parse again so a hand-edited row cannot mislead.
  const parsed = requirementRuleSetSchema.safeParse(row.rule);
  if (!parsed.success) throw new Error(`The stored requirement rules of ${orgCode} are not valid: ${parsed.error.message}`);
  return { rule: parsed.data, version: row.version, updatedAt: row.updated_at, updatedBy: row.display_name };
}

export interface RuleChange {
  id: string;
  version: number;
  changedAt: Date;
  changedBy: string;
  reason: string;
  before: RequirementRuleSet;
  after: RequirementRuleSet;
}

export async function ruleHistory(db: Kysely<Database>, orgCode: string): Promise<RuleChange[]> {
  const rows = await db
    .selectFrom("board.requirement_rule_change as c")
    .innerJoin("board.staff_user as u", "u.id", "c.changed_by")
    .select(["c.id", "c.version", "c.changed_at", "u.display_name", "c.reason", "c.before", "c.after"])
    .where("c.org_code", "=", orgCode)
    .orderBy("c.version", "desc")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    version: r.version,
    changedAt: r.changed_at,
    changedBy: r.display_name,
    reason: r.reason,
    before: r.before as RequirementRuleSet,
    after: r.after as RequirementRuleSet,
  }));
}

export type RuleUpdateResult = { ok: true; version: number } | { ok: false; conflict: true; message: string };

/**
 * Replaces the organisation's rule set. `expectedVersion` is the version the editor started from:
 * if someone saved in between, nothing is written and the editor is told (no lost update).
 * Statuses computed under the old rules are marked for re-evaluation in the same transaction.
 */
export async function updateRuleSet(
  db: Kysely<Database>,
  user: { id: string; orgCode: string },
  next: RequirementRuleSet,
  options: { expectedVersion: number; reason: string; ip: string | null },
): Promise<RuleUpdateResult> {
  if (next.organisationCode !== user.orgCode) throw new Error("A rule set can only be saved for the user's own organisation.");
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom("board.requirement_rule")
      .select(["rule", "version"])
      .where("org_code", "=", user.orgCode)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw new Error(`No requirement rules stored for ${user.orgCode}.`);
    if (current.version !== options.expectedVersion) {
      return { ok: false as const, conflict: true as const, message: "Someone saved these rules while you were editing. Reload to see their change, then edit again." };
    }
    const version = current.version + 1;
    await trx
      .updateTable("board.requirement_rule")
      .set({ rule: JSON.stringify(next), version, updated_at: sql`now()`, updated_by: user.id })
      .where("org_code", "=", user.orgCode)
      .execute();
    await trx
      .insertInto("board.requirement_rule_change")
      .values({
        org_code: user.orgCode,
        version,
        changed_by: user.id,
        reason: options.reason,
        before: JSON.stringify(current.rule),
        after: JSON.stringify(next),
      })
      .execute();
    // Every status of this organisation was computed under the old rules.
    await trx.updateTable("board.roster_entry").set({ status: "pending" }).where("org_code", "=", user.orgCode).where("learner_id", "is not", null).execute();
    await recordAudit(trx, {
      action: "rules.update",
      userId: user.id,
      orgCode: user.orgCode,
      target: `rules:${user.orgCode}`,
      detail: { version, reason: options.reason },
      ip: options.ip,
    });
    return { ok: true as const, version };
  });
}

/** The seeded rule set, for "what did REQUIREMENTS.md say" beside the stored one. */
export function seededRulesFor(orgCode: string): RequirementRuleSet | null {
  return seededRuleSet(orgCode);
}
