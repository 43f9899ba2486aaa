// Home-page figures: how many credit reports and licensees the organisation can see, per board.
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { creditReportsInScope, type Scope } from "../auth/scope.server";

export interface ScopeFigures {
  creditReports: number;
  licensees: number;
  accepted: number;
  rejected: number;
  latestSubmission: string | null;
}

export interface ScopeSummary extends ScopeFigures {
  /** One row per board in the scope (a single row for a board; every board for ACCME). */
  byBoard: Array<ScopeFigures & { boardCode: string }>;
}

type Row = { credit_reports: string; licensees: string; accepted: string; rejected: string; latest: Date | null };

function figures(row: Row): ScopeFigures {
  return {
    creditReports: Number(row.credit_reports),
    licensees: Number(row.licensees),
    accepted: Number(row.accepted),
    rejected: Number(row.rejected),
    latestSubmission: row.latest ? row.latest.toISOString() : null,
  };
}

/** A licensee is in scope when at least one (non-deleted) credit report for them was reported to the board. */
export async function getScopeSummary(db: Kysely<Database>, scope: Scope): Promise<ScopeSummary> {
  const base = creditReportsInScope(db, scope).select((eb) => [
    eb.fn.countAll<string>().as("credit_reports"),
    eb.fn.count<string>("cr.learner_id").distinct().as("licensees"),
    eb.fn.count<string>("cr.id").filterWhere("cr.status", "=", "accepted").as("accepted"),
    eb.fn.count<string>("cr.id").filterWhere("cr.status", "=", "rejected").as("rejected"),
    eb.fn.max("cr.submitted_at").as("latest"),
  ]);
  // Distinct licensees cannot be summed across boards, so the total is its own query.
  const [total, perBoard] = await Promise.all([
    base.executeTakeFirstOrThrow(),
    base.select("cr.board_code").groupBy("cr.board_code").orderBy("cr.board_code").execute(),
  ]);
  return {
    ...figures(total),
    byBoard: perBoard.map((row) => ({ boardCode: row.board_code, ...figures(row) })),
  };
}
