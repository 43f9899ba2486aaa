// The password rules (app/auth/password-policy.ts): each rule on its own, against the list as the
// package ships it (read here independently of the module) and counted lengths.
import { dictionary } from "@zxcvbn-ts/language-common";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCommonPassword, passwordProblem, PASSWORD_MAX } from "../../app/auth/password-policy";

const context = { hasSecondFactor: false, email: "ann.lee@ca-m.example.gov", name: "Ann Lee" };
const list = dictionary["passwords-common"] as string[];

describe("passwordProblem", () => {
  it("asks for 15 characters without a second factor and 8 with one, counting characters, not UTF-16 units", () => {
    expect(passwordProblem("gravel lantern", context)).toMatch(/at least 15 characters/); // 14
    expect(passwordProblem("gravel lanterns", context)).toBeNull(); // 15
    expect(passwordProblem("tin kiwi", { ...context, hasSecondFactor: true })).toBeNull(); // 8
    expect(passwordProblem("tin kiw", { ...context, hasSecondFactor: true })).toMatch(/at least 8 characters/);
    // Seven emoji are fourteen UTF-16 units but seven characters.
    expect(passwordProblem("🐢🦉🍋🌵🎻🧭🪁", { ...context, hasSecondFactor: true })).toMatch(/at least 8/);
    expect(passwordProblem("🐢🦉🍋🌵🎻🧭🪁🚲", { ...context, hasSecondFactor: true })).toBeNull();
  });

  it("allows long passphrases up to the maximum and no further", () => {
    expect(passwordProblem("correct horse battery staple ".repeat(8).slice(0, PASSWORD_MAX), context)).toBeNull();
    expect(passwordProblem("q".repeat(10) + " x".repeat(PASSWORD_MAX), context)).toMatch(/at most 256/);
  });

  it("has no composition rules: any long enough text not on the list passes", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z ]{15,40}$/), (pw) => {
        fc.pre(pw.trim() !== "" && !list.includes(pw.toLowerCase()) && !pw.replace(/ /g, "").includes("annlee"));
        expect(passwordProblem(pw, context)).toBeNull();
      }),
    );
  });

  it("refuses every long enough password on the common and breached list, in any case", () => {
    const long = list.filter((p) => [...p].length >= 15);
    expect(long.length).toBeGreaterThan(20);
    for (const p of long) expect(passwordProblem(p, context), p).toMatch(/common or breached/);
    expect(passwordProblem("PasswordPassword", context)).toMatch(/common or breached/);
    const short = list.filter((p) => [...p].length >= 8 && [...p].length < 15).slice(0, 500);
    for (const p of short) expect(passwordProblem(p.toUpperCase(), { ...context, hasSecondFactor: true }), p).toMatch(/common or breached/);
    expect(isCommonPassword("QWERTY")).toBe(list.includes("qwerty"));
  });

  it("refuses the account's email or name, however written", () => {
    expect(passwordProblem("ann.lee@ca-m.example.gov", context)).toMatch(/email address or name/);
    expect(passwordProblem("ANN.LEE@CA-M.EXAMPLE.GOV", context)).toMatch(/email address or name/);
    expect(passwordProblem("Ann Lee Ann Lee!", context)).toMatch(/email address or name/);
    expect(passwordProblem("annlee-annlee-1", context)).toMatch(/email address or name/);
    // A passphrase that merely contains a short name is fine.
    expect(passwordProblem("plum annlee orchard gravel", context)).toBeNull();
  });

  it("refuses a password of spaces only", () => {
    expect(passwordProblem(" ".repeat(20), context)).toMatch(/only spaces/);
  });
});
