// The one way to read the learner store: every query starts from a scoped builder here, keyed by
// the signed-in user's organisation. A state or certifying board sees only its board_code; ACCME all.
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { OrganisationKind } from "../../db/reference";

export interface Scope {
  orgCode: string;
  kind: OrganisationKind;
  /** The board codes whose credit reports this organisation may see; null means every board. */
  boardCodes: readonly string[] | null;
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
