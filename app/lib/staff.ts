// How staff roles and account statuses are named on the staff pages (browser-safe, pure).
import type { OrganisationKind, StaffRole } from "../../domain/reference";
import { orgWords } from "../../domain/org-words";

export const ROLE_LABEL: Record<StaffRole, string> = { reviewer: "Reviewer", supervisor: "Supervisor", admin: "Admin" };

/** What each role may do, in the organization's own words. */
export function roleDescription(role: StaffRole, kind: OrganisationKind): string {
  const w = orgWords(kind);
  switch (role) {
    case "reviewer":
      return `Finds ${w.people}, reads their credit and records ${w.cycle} decisions.`;
    case "supervisor":
      return "Everything a reviewer does, and uploads rosters, edits requirement rules, overrides decisions and reads the audit trail.";
    case "admin":
      return "Everything a supervisor does, and manages staff and the organization's settings.";
  }
}

export const STATUS_LABEL: Record<string, { label: string; badge: string }> = {
  active: { label: "Active", badge: "badge--ok" },
  locked_out: { label: "Locked out", badge: "badge--error" },
  deactivated: { label: "Deactivated", badge: "badge--neutral" },
  invited: { label: "Invited", badge: "badge--warn" },
  expired: { label: "Invitation expired", badge: "badge--neutral" },
};
