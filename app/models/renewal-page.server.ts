// What every renewal route needs first: a board user (the accreditor has no renewals) and the queue's
// URL state. Statuses are read as stored: the background runner (status-runner.server.ts) computes
// them, never a page request.
import type { Kysely } from "kysely";
import type { SessionUser } from "../auth/session.server";
import type { Database } from "../../db/schema";
import { parseRenewalSearch } from "../lib/renewal-search";
import { organisationToday } from "../../domain/reference";
import { queueMeasures, shortInProblem } from "./renewal-shortfalls.server";

export async function renewalState(db: Kysely<Database>, user: SessionUser, params: URLSearchParams) {
  const today = organisationToday(user.org.code);
  const state = parseRenewalSearch(params, today);
  // "Short in" must name one of the organization's own measures (its rule set's, not another's).
  const measures = await queueMeasures(db, user.org.code, state.window);
  const problem = shortInProblem(state.filters.short, measures.measures);
  if (problem) {
    state.errors.short = problem;
    delete state.filters.short;
  }
  return { today, state, measures };
}
