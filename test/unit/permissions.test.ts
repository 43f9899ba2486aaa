import { describe, expect, it } from "vitest";
import { BOARD_KINDS, can, checkUser, idParam, MANAGING_ROLES, rolesWith, uuidParam } from "../../app/auth/permissions.server";
import type { SessionUser } from "../../app/auth/session.server";
import { ORGANISATION_KINDS, STAFF_ROLES } from "../../domain/reference";

function user(role: SessionUser["role"], kind: string): SessionUser {
  return { id: "u", email: "u@example.org", displayName: "U", role, org: { code: "X", name: "X", kind }, scope: { boardCodes: [] } as never, sessionHash: "h" };
}

function statusOf(fn: () => void): number | null {
  try {
    fn();
    return null;
  } catch (error) {
    if (error instanceof Response) return error.status;
    throw error;
  }
}

describe("one list of roles", () => {
  it("gives each role what the roles below it have, and more", () => {
    expect(rolesWith("read")).toEqual([...STAFF_ROLES]);
    expect(rolesWith("decide")).toEqual([...STAFF_ROLES]);
    expect(rolesWith("manage")).toEqual(["supervisor", "admin"]);
    expect(rolesWith("oversee")).toEqual(["supervisor", "admin"]);
    expect(rolesWith("administer")).toEqual(["admin"]);
    expect(MANAGING_ROLES).toEqual(["supervisor", "admin"]);
    expect(can(user("reviewer", "state_board"), "manage")).toBe(false);
    expect(can(user("admin", "state_board"), "administer")).toBe(true);
  });
});

describe("the guard", () => {
  it("answers 404 for an organization kind the page is not for, before looking at the role", () => {
    expect(BOARD_KINDS).not.toContain("accreditor");
    expect(statusOf(() => checkUser(user("admin", "accreditor"), { kinds: BOARD_KINDS, permission: "manage" }))).toBe(404);
    expect(statusOf(() => checkUser(user("reviewer", "state_board"), { kinds: BOARD_KINDS, permission: "manage" }))).toBe(403);
    expect(statusOf(() => checkUser(user("reviewer", "state_board"), { roles: ["admin"] }))).toBe(403);
    expect(statusOf(() => checkUser(user("supervisor", "certifying_board"), { kinds: BOARD_KINDS, permission: "manage" }))).toBeNull();
    for (const kind of ORGANISATION_KINDS) for (const role of STAFF_ROLES) expect(statusOf(() => checkUser(user(role, kind)))).toBeNull();
  });
});

describe("an id in the URL", () => {
  it("is 1 to 18 digits; anything else is a 404", () => {
    expect(idParam("1")).toBe("1");
    expect(idParam("9".repeat(18))).toBe("9".repeat(18));
    for (const bad of [undefined, "", "9".repeat(19), "-1", "1.0", " 1", "1 ", "0x1", "１", "1\n"]) {
      expect(statusOf(() => idParam(bad))).toBe(404);
    }
  });
});

describe("a staff user's id in the URL", () => {
  it("is a UUID (lower-cased); anything else is a 404", () => {
    const id = crypto.randomUUID();
    expect(uuidParam(id)).toBe(id);
    expect(uuidParam(id.toUpperCase())).toBe(id);
    for (const bad of [undefined, "", "1", id.slice(1), `${id} `, `${id}0`, id.replace(/-/g, ""), "' or 1=1--"]) {
      expect(statusOf(() => uuidParam(bad))).toBe(404);
    }
  });
});
