// What a role may do: a missing permission is a 403 thrown as a Response, so the check is one line
// at the top of an action and the ErrorBoundary explains it.
import type { StaffRole } from "../../domain/reference";
import type { SessionUser } from "./session.server";

/** Supervisors and admins change the organisation's data (rosters, rules); reviewers read and decide. */
export const MANAGING_ROLES: readonly StaffRole[] = ["supervisor", "admin"];

export function hasRole(user: Pick<SessionUser, "role">, roles: readonly StaffRole[]): boolean {
  return roles.includes(user.role);
}

export function requireRole(user: Pick<SessionUser, "role">, roles: readonly StaffRole[]): void {
  if (!hasRole(user, roles)) throw new Response("Your role does not allow this action.", { status: 403 });
}
