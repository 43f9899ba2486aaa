// STUB: replaced by the second-factor work (passkeys, authenticator apps, recovery codes; issue 21).
// Staff administration and the password rules call these two functions; until the second-factor
// engineer's file lands, no account has a second factor and resetting removes nothing.
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { SessionUser } from "../auth/session.server";

/** Removes every second factor (passkeys, authenticator apps, recovery codes) of `userId`. */
export async function resetSecondFactors(
  _db: Kysely<Database>,
  _input: { actor: Pick<SessionUser, "id" | "org">; userId: string },
): Promise<{ removed: number }> {
  return { removed: 0 };
}

/** Whether `userId` has a second factor enrolled (the password rules allow 8 characters then, else 15). */
export async function userHasSecondFactor(_db: Kysely<Database>, _userId: string): Promise<boolean> {
  return false;
}
