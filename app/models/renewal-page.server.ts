// What every renewal route needs first: a board user (the accreditor has no renewals), the stored
// statuses brought up to date, and the queue's URL state.
import type { Kysely } from "kysely";
import type { SessionUser } from "../auth/session.server";
import type { Database } from "../../db/schema";
import { parseRenewalSearch } from "../lib/renewal-search";
import { organisationToday } from "../../domain/reference";
import { refreshRosterStatuses } from "./renewals.server";

/** Renewals belong to boards; ACCME (which sees every board) verifies no renewals. */
export function requireBoardUser(user: SessionUser): void {
  if (user.org.kind === "accreditor") {
    throw new Response("Renewal verification is for licensing and certifying boards.", { status: 404 });
  }
}

export function canSupervise(user: SessionUser): boolean {
  return user.role === "supervisor" || user.role === "admin";
}

export async function renewalState(db: Kysely<Database>, user: SessionUser, params: URLSearchParams) {
  requireBoardUser(user);
  const today = organisationToday(user.org.code);
  await refreshRosterStatuses(db, user.org.code, { asOf: today });
  return { today, state: parseRenewalSearch(params, today) };
}
