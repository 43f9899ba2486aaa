// Who may do what: one list of roles and what each may do, one guard every route calls first, and
// one place that turns an id in the URL into a 404. A missing permission is a 403 thrown as a
// Response, so the check is one line at the top of a loader or action and the ErrorBoundary
// explains it. Signed out: a redirect to the sign-in page that comes back afterwards.
import { redirect, type AppLoadContext } from "@remix-run/node";
import { z } from "zod";
import type { OrganisationKind, StaffRole } from "../../domain/reference";
import { requireSignedIn, type SessionUser } from "./session.server";

/**
 * What each role may do. Reviewers read, verify and decide; supervisors also change the
 * organization's data (rosters, rules, licensee attributes, overrides of decisions) and oversee
 * (the audit trail); admins also manage the organization's staff and settings.
 */
export const ROLE_PERMISSIONS = {
  reviewer: ["read", "decide"],
  supervisor: ["read", "decide", "manage", "oversee"],
  admin: ["read", "decide", "manage", "oversee", "administer"],
} as const satisfies Record<StaffRole, readonly string[]>;

export type Permission = (typeof ROLE_PERMISSIONS)[StaffRole][number];

/** The roles that carry `permission`, in the order of STAFF_ROLES. */
export function rolesWith(permission: Permission): readonly StaffRole[] {
  return (Object.keys(ROLE_PERMISSIONS) as StaffRole[]).filter((role) => (ROLE_PERMISSIONS[role] as readonly string[]).includes(permission));
}

/** Supervisors and admins change the organization's data (rosters, rules, attributes). */
export const MANAGING_ROLES: readonly StaffRole[] = rolesWith("manage");

export function can(user: Pick<SessionUser, "role">, permission: Permission): boolean {
  return (ROLE_PERMISSIONS[user.role] as readonly string[]).includes(permission);
}

export function hasRole(user: Pick<SessionUser, "role">, roles: readonly StaffRole[]): boolean {
  return roles.includes(user.role);
}

export interface Requirement {
  /** Only these roles (default: every role). */
  roles?: readonly StaffRole[];
  /** Only a user holding this permission (the role list above decides). */
  permission?: Permission;
  /**
   * Only organizations of these kinds (default: every kind). A page that does not exist for an
   * organization's kind (the accreditor has no renewals) answers 404, as if it were not there.
   */
  kinds?: readonly OrganisationKind[];
  /**
   * The second-factor enrolment page only: reached by a user whose organization requires a second
   * factor they do not have yet. Every other page sends that user there first (decision 031).
   */
  enrolment?: true;
}

/** Where a user who must enrol a second factor is sent, and comes back from. */
export const ENROL_PATH = "/account/security/enrol";

/** Throws the 404 or 403 `requirement` calls for; otherwise returns. */
export function checkUser(user: SessionUser, requirement: Requirement = {}): void {
  if (requirement.kinds && !requirement.kinds.includes(user.org.kind as OrganisationKind)) {
    throw new Response("Not found", { status: 404 });
  }
  if (requirement.roles && !requirement.roles.includes(user.role)) {
    throw new Response("Your role does not allow this.", { status: 403 });
  }
  if (requirement.permission && !can(user, requirement.permission)) {
    throw new Response("Your role does not allow this.", { status: 403 });
  }
}

/**
 * The signed-in user, if the requirement holds: signed out → redirect to sign in (and back); an
 * organization kind the page is not for → 404; a role that may not → 403.
 */
export async function requireUser(context: AppLoadContext, request: Request, requirement: Requirement = {}): Promise<SessionUser> {
  const user = await requireSignedIn(context, request);
  if (user.mustEnrol && !requirement.enrolment) {
    const url = new URL(request.url);
    const back = `${url.pathname}${url.search}`;
    throw redirect(back === "/" ? ENROL_PATH : `${ENROL_PATH}?${new URLSearchParams({ redirectTo: back })}`);
  }
  checkUser(user, requirement);
  return user;
}

/** Board kinds: the organizations that keep rosters and decide renewals (not the accreditor). */
export const BOARD_KINDS: readonly OrganisationKind[] = ["state_board", "certifying_board"];

/** A positive integer id of at most 18 digits (a PostgreSQL bigint), as a URL carries it. */
export const ID_PATTERN = /^\d{1,18}$/;

/** The URL parameter as an id; anything else is a 404, exactly as an id that does not exist. */
export function idParam(value: string | undefined): string {
  if (value === undefined || !ID_PATTERN.test(value)) throw new Response("Not found", { status: 404 });
  return value;
}

const Uuid = z.uuid();

/** A staff user's id (a UUID) in the URL; anything else is a 404, exactly as a user that does not exist. */
export function uuidParam(value: string | undefined): string {
  if (value === undefined || !Uuid.safeParse(value).success) throw new Response("Not found", { status: 404 });
  return value.toLowerCase();
}
