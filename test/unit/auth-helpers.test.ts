import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scopeForOrganisation } from "../../app/auth/scope.server";
import { throttleAddress } from "../../app/auth/login.server";
import { safeRedirectTarget } from "../../app/auth/session.server";
import { ORGANISATIONS } from "../../domain/reference";

/** Written out here rather than borrowed from the code under test: C0, DEL, C1 or a backslash. */
function hasControlOrBackslash(value: string): boolean {
  return [...value].some((c) => {
    const n = c.codePointAt(0)!;
    return n < 0x20 || (n >= 0x7f && n < 0xa0) || c === "\\";
  });
}

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
    // Browsers drop tabs and newlines and read a backslash as a slash: each of these is "//evil.example".
    ["/\t/evil.example", "/"],
    ["/\n/evil.example", "/"],
    ["/\r/evil.example", "/"],
    ["/\u007f/evil.example", "/"],
    ["/\u0085/evil.example", "/"],
    ["\\/evil.example", "/"],
    ["/x\\y", "/"],
    // Dot segments the URL parser removes would otherwise leave "//evil.example".
    ["/.//evil.example", "/"],
    ["/a/..//evil.example", "/"],
    ["/%2e//evil.example", "/"],
    // Kept, in the parser's own serialisation (percent-encoded, so a Location header can carry it).
    ["/credits?q=%2F%2Fevil.example#top", "/credits?q=%2F%2Fevil.example#top"],
    ["/%09/evil.example", "/%09/evil.example"],
    ["/licensees?name=Müller", "/licensees?name=M%C3%BCller"],
    ["/\ud800", "/%EF%BF%BD"],
  ])("%j → %j", (input, expected) => {
    expect(safeRedirectTarget(input)).toBe(expected);
  });

  it("drops a target longer than any address the app serves", () => {
    expect(safeRedirectTarget(`/${"a".repeat(5000)}`)).toBe("/");
    expect(safeRedirectTarget(`/${"a".repeat(4000)}`)).toBe(`/${"a".repeat(4000)}`);
  });

  it("never returns anything that leaves the site", () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const target = safeRedirectTarget(value);
        const resolved = new URL(target, "https://board.example");
        return resolved.origin === "https://board.example" && !hasControlOrBackslash(target) && !target.startsWith("//");
      }),
      { numRuns: 2000 },
    );
    // Strings made of the characters that matter here, so the search reaches them.
    const pieces = fc.constantFrom("/", "//", "\\", ".", "..", "%2e", "%2F", "\t", "\n", "\u007f", "\u0085", "evil.example", "a", "?", "#", ":", "@");
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 8 }).map((parts) => parts.join("")), (value) => {
        const target = safeRedirectTarget(value);
        return new URL(target, "https://board.example").origin === "https://board.example" && !target.startsWith("//");
      }),
      { numRuns: 5000 },
    );
  });
});

describe("throttleAddress", () => {
  it.each([
    ["198.51.100.7", "198.51.100.7"],
    ["::ffff:198.51.100.7", "198.51.100.7"],
    ["2001:db8:1:2::a", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["64:ff9b::198.51.100.7", "64:ff9b:0:0::/64"],
    ["2001:db8:1:2:3:4:198.51.100.7", "2001:db8:1:2::/64"],
    ["unknown", "unknown"],
  ])("%s counts as %s", (ip, expected) => {
    expect(throttleAddress(ip)).toBe(expected);
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
