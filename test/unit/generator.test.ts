import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dayToIso, isoToDay, makeLearner, makeLicenceId, quarter } from "../../db/generator/factories";
import { FIRST_NAMES, LAST_NAMES } from "../../db/generator/names";
import { isValidNpi, makeNpi } from "../../db/generator/npi";
import { Rng, WeightedPicker } from "../../db/generator/random";

describe("NPI", () => {
  it("accepts the CMS worked example and rejects its neighbours", () => {
    // CMS's published example: 123456789 with prefix 80840 gives check digit 3.
    expect(isValidNpi("1234567893")).toBe(true);
    for (let d = 0; d <= 9; d++) if (d !== 3) expect(isValidNpi(`123456789${d}`)).toBe(false);
    expect(makeNpi("123456789")).toBe("1234567893");
  });

  it("rejects malformed values", () => {
    for (const value of ["", "123456789", "12345678931", "12345678a3", " 1234567893"]) expect(isValidNpi(value)).toBe(false);
  });

  it("always makes valid NPIs, and any single-digit change invalidates them", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{9}$/), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (payload, position, delta) => {
        const npi = makeNpi(payload);
        if (!isValidNpi(npi)) return false;
        const digits = npi.split("").map(Number);
        digits[position] = ((digits[position] as number) + delta) % 10;
        return !isValidNpi(digits.join(""));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("Rng", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => rng.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it("keeps int() within its bounds and reaches both ends", () => {
    const rng = new Rng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const value = rng.int(3, 8);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(8);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it("picks by weight", () => {
    const rng = new Rng(11);
    const picker = new WeightedPicker(["rare", "common"], [1, 9]);
    let common = 0;
    for (let i = 0; i < 10_000; i++) if (picker.pick(rng) === "common") common++;
    expect(common / 10_000).toBeGreaterThan(0.87);
    expect(common / 10_000).toBeLessThan(0.93);
  });
});

describe("factories", () => {
  it("name pools include apostrophes, hyphens and diacritics", () => {
    const all = [...FIRST_NAMES, ...LAST_NAMES];
    expect(all.some((n) => n.includes("'"))).toBe(true);
    expect(all.some((n) => n.includes("-"))).toBe(true);
    expect(all.some((n) => n !== n.normalize("NFKD").replace(/\p{Diacritic}/gu, ""))).toBe(true);
  });

  it("makes learners with valid birth dates, valid NPIs and at least one licence", () => {
    const rng = new Rng(5);
    for (let id = 1; id <= 2000; id++) {
      const learner = makeLearner(rng, id);
      const date = new Date(Date.UTC(2024, learner.birth_month - 1, learner.birth_day)); // 2024: a leap year
      expect(date.getUTCMonth() + 1).toBe(learner.birth_month);
      if (learner.npi !== null) expect(isValidNpi(learner.npi)).toBe(true);
      expect(learner.licences.length).toBeGreaterThan(0);
    }
  });

  it("gives licence ids their state's shape", () => {
    const rng = new Rng(9);
    expect(makeLicenceId(rng, "CA-M")).toMatch(/^[AGC][0-9]{5,6}$/);
    expect(makeLicenceId(rng, "MD-M")).toMatch(/^D[0-9]{5}$/);
    expect(makeLicenceId(rng, "ME-O")).toMatch(/^DO[0-9]{4}$/);
    expect(makeLicenceId(rng, "AL-M")).toMatch(/^MD\.[0-9]{5}$/);
  });

  it("converts calendar dates without a time-zone shift, and rounds credit to quarter hours", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 30_000 }), (day) => isoToDay(dayToIso(day)) === day));
    expect(quarter(1.1)).toBe(1);
    expect(quarter(1.13)).toBe(1.25);
    expect(quarter(0.01)).toBe(0.25);
  });
});
