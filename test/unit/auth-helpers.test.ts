import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scopeForOrganisation } from "../../app/auth/scope.server";
import { safeRedirectTarget } from "../../app/auth/session.server";
import { ORGANISATIONS } from "../../db/reference";

describe("safeRedirectTarget", () => {
  it.each([
    ["/credits?x=1", "/credits?x=1"],
    ["/", "/"],
    ["//evil.example", "/"],
    ["/\\evil.example", "/"],
    ["https://evil.example/", "/"],
    ["javascript:alert(1)", "/"],
    ["", "/"],
    [undefined, "/"],
    [42, "/"],
  ])("%j → %j", (input, expected) => {
    expect(safeRedirectTarget(input)).toBe(expected);
  });

  it("never returns anything that leaves the site", () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const target = safeRedirectTarget(value);
        const resolved = new URL(target, "https://board.example");
        return resolved.origin === "https://board.example";
      }),
      { numRuns: 2000 },
    );
  });
});

describe("scopeForOrganisation", () => {
  it("limits every board to its own code and lets only the accreditor see all", () => {
    for (const org of ORGANISATIONS) {
      const scope = scopeForOrganisation(org);
      if (org.kind === "accreditor") expect(scope.boardCodes).toBeNull();
      else expect(scope.boardCodes).toEqual([org.code]);
    }
  });

  it("refuses an organisation of unknown kind instead of widening the scope", () => {
    expect(() => scopeForOrganisation({ code: "XX", kind: "other" })).toThrow(/unknown organisation kind/);
  });
});
