// The one way to read the learner store: every query starts from a scoped builder here, keyed by
// the signed-in user's organisation. A state or certifying board sees only its board_code; ACCME all.
import { sql, type Kysely } from "kysely";
import { dsql, list, raw, type DuckSql } from "../../db/analytics/sql";
import type { RowScope } from "../../db/row-scope";
import type { Database } from "../../db/schema";
import type { OrganisationKind } from "../../domain/reference";

export interface Scope {
  orgCode: string;
  kind: OrganisationKind;
  /** The board codes whose credit reports this organisation may see; null means every board. */
  boardCodes: readonly string[] | null;
}

/** What row-level security is told about a scope (db/row-scope.ts, migration 0007). */
export function rowScopeFor(scope: Scope): RowScope {
  return { boards: scope.boardCodes === null ? "*" : scope.boardCodes.join(","), org: scope.orgCode };
}

export function scopeForOrganisation(org: { code: string; kind: string }): Scope {
  switch (org.kind) {
    case "accreditor":
      return { orgCode: org.code, kind: "accreditor", boardCodes: null };
    case "state_board":
    case "certifying_board":
      return { orgCode: org.code, kind: org.kind, boardCodes: [org.code] };
    default:
      // An organisation of an unknown kind sees nothing rather than everything.
      throw new Error(`unknown organisation kind: ${org.kind}`);
  }
}

/** Credit reports visible in the scope: the board's own, never soft-deleted ones. */
export function creditReportsInScope(db: Kysely<Database>, scope: Scope) {
  let query = db.selectFrom("learner.credit_report as cr").where("cr.deleted_at", "is", null);
  if (scope.boardCodes !== null) query = query.where("cr.board_code", "in", scope.boardCodes);
  return query;
}

/**
 * The DuckDB twin of creditReportsInScope: the condition every analytics query over the snapshot's
 * credit reports (tables `report` and `report_credit_type`, both carrying `board_code`) starts from.
 * The snapshot holds live records only, so the board is all there is to check.
 */
export function snapshotReportsInScope(scope: Scope, alias?: "r" | "t"): DuckSql {
  const column = raw(alias ? `${alias}.board_code` : "board_code");
  if (scope.boardCodes === null) return dsql`true`;
  if (scope.boardCodes.length === 0) return dsql`false`;
  return dsql`${column} in ${list(scope.boardCodes)}`;
}

/**
 * The board codes whose records the scope can read: the board's own, or for ACCME every board code
 * present in the store (a loose index scan: one index probe per board, not a scan of the table).
 */
export async function boardCodesInScope(db: Kysely<Database>, scope: Scope): Promise<string[]> {
  if (scope.boardCodes !== null) return [...scope.boardCodes];
  const result = await sql<{ code: string }>`
    with recursive boards(code) as (
      select min(board_code) from learner.credit_report where deleted_at is null
      union all
      select (select min(board_code) from learner.credit_report where deleted_at is null and board_code > boards.code)
      from boards where boards.code is not null
    )
    select code from boards where code is not null`.execute(db);
  return result.rows.map((r) => r.code);
}

/** Whether a learner has at least one live credit report in the scope (decision 005). */
export async function learnerInScope(db: Kysely<Database>, scope: Scope, learnerId: string): Promise<boolean> {
  const row = await creditReportsInScope(db, scope).select("cr.id").where("cr.learner_id", "=", learnerId).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Whether an activity has at least one live credit report in the scope. */
export async function activityInScope(db: Kysely<Database>, scope: Scope, activityId: string): Promise<boolean> {
  const row = await creditReportsInScope(db, scope).select("cr.id").where("cr.activity_id", "=", activityId).limit(1).executeTakeFirst();
  return row !== undefined;
}
