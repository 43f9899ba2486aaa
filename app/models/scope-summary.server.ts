// Home-page figures: how many credit reports and licensees the organisation can see.
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { creditReportsInScope, type Scope } from "../auth/scope.server";

export interface ScopeSummary {
  creditReports: number;
  licensees: number;
  accepted: number;
  rejected: number;
}

/** A licensee is in scope when at least one (non-deleted) credit report for them was reported to the board. */
export async function getScopeSummary(db: Kysely<Database>, scope: Scope): Promise<ScopeSummary> {
  const row = await creditReportsInScope(db, scope)
    .select((eb) => [
      eb.fn.countAll<string>().as("credit_reports"),
      eb.fn.count<string>("cr.learner_id").distinct().as("licensees"),
      eb.fn.count<string>("cr.id").filterWhere("cr.status", "=", "accepted").as("accepted"),
      eb.fn.count<string>("cr.id").filterWhere("cr.status", "=", "rejected").as("rejected"),
    ])
    .executeTakeFirstOrThrow();
  return {
    creditReports: Number(row.credit_reports),
    licensees: Number(row.licensees),
    accepted: Number(row.accepted),
    rejected: Number(row.rejected),
  };
}
