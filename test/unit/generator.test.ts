// The generator's pure parts: NPI check digits, the seeded PRNG, name pools, id issuing and the
// record factories' rules (without a database).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ABS_BOARD_ID_OMITTED_SHARE,
  dayToIso,
  IdIssuer,
  isoToDay,
  makeAcceptedReport,
  makeActivity,
  makeLearner,
  makeLicenceId,
  makeProvider,
  makeRejectedReport,
  npiForLearner,
  quarter,
  reportableBoards,
  reportingDeadlineDay,
  REJECTION,
} from "../../db/generator/factories";
import { FIRST_NAMES, FORMULA_LIKE_LAST_NAMES, FORMULA_LIKE_PROVIDER_NAMES, FORMULA_LIKE_TITLES, LAST_NAMES } from "../../db/generator/names";
import { isValidNpi, makeNpi } from "../../domain/npi";
import { hash32, Rng, WeightedPicker } from "../../db/generator/random";
import { MAX_CREDIT_CAPPED_FORMATS, MOC_CREDIT_TYPES, REJECTION_REASONS, STATE_BOARDS, STATE_TOPICS } from "../../domain/reference";

const TODAY = isoToDay("2026-06-30");

describe("NPI", () => {
  it("accepts published valid NPIs and rejects their neighbours", () => {
    // CMS's worked example (123456789 with prefix 80840 gives check digit 3) and NPIs from NPPES examples.
    for (const npi of ["1234567893", "1003000126", "1497758544", "1679576722"]) {
      expect(isValidNpi(npi), npi).toBe(true);
      const last = Number(npi[9]);
      for (let d = 0; d <= 9; d++) if (d !== last) expect(isValidNpi(npi.slice(0, 9) + String(d))).toBe(false);
    }
    expect(makeNpi("123456789")).toBe("1234567893");
    expect(isValidNpi("1023456789")).toBe(false);
  });

  it("rejects malformed values", () => {
    for (const value of ["", "123456789", "12345678931", "12345678a3", " 1234567893", "１２３４５６７８９３"]) expect(isValidNpi(value)).toBe(false);
    expect(() => makeNpi("12345678")).toThrow(/nine digits/);
  });

  it("always makes valid NPIs, and any single-digit change invalidates them", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{9}$/), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (payload, position, delta) => {
        const npi = makeNpi(payload);
        if (!isValidNpi(npi) || npi.slice(0, 9) !== payload) return false;
        const digits = npi.split("").map(Number);
        digits[position] = ((digits[position] as number) + delta) % 10;
        return !isValidNpi(digits.join(""));
      }),
      { numRuns: 3000 },
    );
  });

  it("gives every learner number a distinct valid NPI starting with 1", () => {
    const seen = new Set<string>();
    for (let n = 1; n <= 50_000; n++) {
      const npi = npiForLearner(n, 12345);
      expect(npi).toMatch(/^1[0-9]{9}$/);
      seen.add(npi);
    }
    expect(seen.size).toBe(50_000);
    fc.assert(fc.property(fc.integer({ min: 1, max: 60_000_000 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n, salt) => isValidNpi(npiForLearner(n, salt))));
  });
});

describe("Rng", () => {
  const draw = (rng: Rng) => Array.from({ length: 50 }, () => rng.next());

  it("is deterministic for a seed and differs between seeds", () => {
    expect(draw(new Rng(42))).toEqual(draw(new Rng(42)));
    expect(draw(new Rng(42))).not.toEqual(draw(new Rng(43)));
    expect(draw(Rng.derive(7, 3, 1000))).toEqual(draw(Rng.derive(7, 3, 1000)));
    expect(draw(Rng.derive(7, 3, 1000))).not.toEqual(draw(Rng.derive(7, 3, 1001)));
    expect(hash32(1, 2)).not.toBe(hash32(2, 1));
  });

  it("keeps its draws within bounds and reaches both ends", () => {
    const rng = new Rng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const value = rng.int(3, 8);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(8);
      seen.add(value);
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      const k = rng.skewedIndex(10, 2);
      expect(k >= 0 && k < 10).toBe(true);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it("picks by weight, shuffles into a permutation and draws a log-normal around its median", () => {
    const rng = new Rng(11);
    const picker = new WeightedPicker(["rare", "common"], [1, 9]);
    let common = 0;
    for (let i = 0; i < 10_000; i++) if (picker.pick(rng) === "common") common++;
    expect(common / 10_000).toBeGreaterThan(0.87);
    expect(common / 10_000).toBeLessThan(0.93);
    const items = Array.from({ length: 30 }, (_, i) => i);
    const shuffled = rng.shuffle(items);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
    const lags = Array.from({ length: 4001 }, () => rng.logNormal(6, 1.1)).sort((a, b) => a - b);
    expect(lags[2000]).toBeGreaterThan(5);
    expect(lags[2000]).toBeLessThan(7);
    expect(() => new WeightedPicker(["a"], [0])).toThrow();
  });
});

describe("name pools", () => {
  it("include apostrophes, hyphens, diacritics and formula-like values", () => {
    const all = [...FIRST_NAMES, ...LAST_NAMES];
    expect(all).toContain("O'Brien");
    expect(all).toContain("Smith-Jones");
    for (const name of ["José", "Núñez", "Björk", "Łukasz"]) expect(all).toContain(name);
    for (const pool of [FORMULA_LIKE_LAST_NAMES, FORMULA_LIKE_PROVIDER_NAMES, FORMULA_LIKE_TITLES]) {
      expect(new Set(pool.map((v) => v[0]))).toEqual(new Set(["=", "+", "-", "@"]));
    }
  });

  it("are used: a small deterministic minority of learners get a formula-like last name", () => {
    const issuer = new IdIssuer();
    const names = Array.from({ length: 6000 }, (_, i) => makeLearner(Rng.derive(1, i), { id: i + 1, issuer, today: TODAY }).last_name);
    const formulaLike = names.filter((n) => /^[=+\-@]/.test(n)).length;
    expect(formulaLike).toBeGreaterThan(0);
    expect(formulaLike).toBeLessThan(10);
  });
});

describe("learners", () => {
  it("have valid birth dates (MM/DD), valid NPIs, at least one licence, and ids unique per board", () => {
    const issuer = new IdIssuer();
    const seen = new Set<string>();
    let multi = 0;
    for (let id = 1; id <= 5000; id++) {
      const learner = makeLearner(Rng.derive(5, id), { id, issuer, today: TODAY });
      const date = new Date(Date.UTC(2024, learner.birth_month - 1, learner.birth_day)); // 2024: a leap year
      expect(date.getUTCMonth() + 1).toBe(learner.birth_month);
      if (learner.npi !== null) expect(isValidNpi(learner.npi)).toBe(true);
      expect(learner.licences.length).toBeGreaterThan(0);
      if (learner.licences.length >= 2) multi++;
      expect(new Set(learner.licences.map((l) => l.board_code)).size).toBe(learner.licences.length);
      for (const key of [...learner.licences.map((l) => `${l.board_code}|${l.licence_id}`), ...learner.certifications.map((c) => `${c.board_code}|${c.board_id}`)]) {
        expect(seen.has(key), key).toBe(false);
        seen.add(key);
      }
      expect(learner.createdAt).toBeLessThan((TODAY - 6 * 365) * 86_400_000);
    }
    expect(multi / 5000).toBeGreaterThan(0.2);
    expect(multi / 5000).toBeLessThan(0.28);
  });

  it("honour a forced board, and only participating state boards are reportable", () => {
    const issuer = new IdIssuer();
    const ca = makeLearner(new Rng(1), { id: 1, issuer, today: TODAY, forceBoard: "CA-M" });
    expect(ca.licences.map((l) => l.board_code)).toContain("CA-M");
    const abs = makeLearner(new Rng(2), { id: 2, issuer, today: TODAY, forceBoard: "ABS" });
    expect(abs.certifications.map((c) => c.board_code)).toContain("ABS");
    const participating = new Set(STATE_BOARDS.map((b) => b.code));
    for (let id = 3; id < 2000; id++) {
      const learner = makeLearner(Rng.derive(3, id), { id, issuer, today: TODAY });
      for (const target of reportableBoards(learner)) {
        expect(participating.has(target.boardCode) || target.boardCode in MOC_CREDIT_TYPES).toBe(true);
      }
    }
  });

  it("get licence ids in their state's shape", () => {
    const rng = new Rng(9);
    for (let i = 0; i < 50; i++) {
      expect(makeLicenceId(rng, "CA-M")).toMatch(/^[AGC][0-9]{5,6}$/);
      expect(makeLicenceId(rng, "MD-M")).toMatch(/^D[0-9]{5}$/);
      expect(makeLicenceId(rng, "NC-M")).toMatch(/^([0-9]{5,6}|(199[5-9]|20[0-2][0-9])-[0-9]{5})$/);
      expect(makeLicenceId(rng, "OR-M")).toMatch(/^(MD|DO)[0-9]{5}$/);
      expect(makeLicenceId(rng, "ME-O")).toMatch(/^DO[0-9]{4}$/);
      expect(makeLicenceId(rng, "AL-M")).toMatch(/^MD\.[0-9]{5}$/);
    }
  });
});

describe("credit reports", () => {
  const rng = new Rng(2026);
  const providers = Array.from({ length: 20 }, (_, i) => makeProvider(rng, i));
  const activities = Array.from({ length: 400 }, (_, i) => makeActivity(rng, i, rng.pick(providers), TODAY));
  const issuer = new IdIssuer();
  const learners = Array.from({ length: 300 }, (_, i) => makeLearner(Rng.derive(9, i), { id: i + 1, issuer, today: TODAY }));
  const providerOf = new Map(providers.map((p) => [p.id, p]));

  it("activities: 7-digit providers, 9-digit activities, dates within six years up to today, quarter-hour maxima", () => {
    for (const p of providers) expect(p.id).toMatch(/^[0-9]{7}$/);
    for (const a of activities) {
      expect(a.id).toMatch(/^[0-9]{9}$/);
      expect(a.startDay).toBeGreaterThanOrEqual(TODAY - 6 * 365);
      expect(a.endDay).toBeGreaterThanOrEqual(a.startDay);
      expect(a.endDay).toBeLessThanOrEqual(TODAY);
      expect(a.endDay - a.startDay).toBeLessThanOrEqual(1095);
      expect((a.max_cme_credits * 4) % 1).toBe(0);
      if (a.moc) expect(a.creditClaimDay).toBeGreaterThanOrEqual(a.endDay);
      if (a.format === "Regularly Scheduled Series") expect(Number.isInteger(a.max_cme_credits)).toBe(true);
      if (a.format === "Journal-based CME") expect(a.max_cme_credits).toBe(1);
      for (const m of a.mocBoards) for (const t of m.creditTypes) expect(MOC_CREDIT_TYPES[m.boardCode]).toContain(t);
    }
  });

  it("accepted records obey the data rules", () => {
    let checked = 0;
    for (const learner of learners) {
      for (const board of reportableBoards(learner)) {
        const pool = board.boardCode in MOC_CREDIT_TYPES ? activities.filter((a) => a.mocBoards.some((m) => m.boardCode === board.boardCode)) : activities;
        if (pool.length === 0) continue;
        const activity = rng.pick(pool);
        const r = makeAcceptedReport(rng, { learner, board, activity, provider: providerOf.get(activity.provider_id)!, today: TODAY });
        checked++;
        expect(r.completionDay).toBeGreaterThanOrEqual(activity.startDay);
        expect(r.completionDay).toBeLessThanOrEqual(Math.min(activity.endDay, TODAY - 1));
        expect(r.submittedAt).toBeGreaterThanOrEqual(r.completionDay * 86_400_000);
        expect(r.submittedAt).toBeLessThan(TODAY * 86_400_000);
        expect(r.submittedAt).toBeLessThan((reportingDeadlineDay(r.completionDay) + 1) * 86_400_000);
        expect((r.credits * 4) % 1).toBe(0);
        if ((MAX_CREDIT_CAPPED_FORMATS as readonly string[]).includes(activity.format)) expect(r.credits).toBeLessThanOrEqual(activity.max_cme_credits);
        for (const [key, amount] of Object.entries(r.credit_types)) {
          expect(amount).toBeLessThanOrEqual(r.credits);
          if (board.boardCode in MOC_CREDIT_TYPES) expect(MOC_CREDIT_TYPES[board.boardCode]).toContain(key);
          else expect(STATE_TOPICS as readonly string[]).toContain(key);
        }
        if (board.boardCode !== "ABS") expect(r.board_learner_id).toBe(board.boardLearnerId);
      }
    }
    expect(checked).toBeGreaterThan(200);
    expect(ABS_BOARD_ID_OMITTED_SHARE).toBeLessThan(0.5);
  });

  it("rejected records carry a real reason that is true of them", () => {
    const reasons = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const learner = rng.pick(learners);
      const boards = reportableBoards(learner);
      if (boards.length === 0) continue;
      const board = rng.pick(boards);
      const certifying = board.boardCode in MOC_CREDIT_TYPES;
      const pool = certifying ? activities.filter((a) => a.mocBoards.some((m) => m.boardCode === board.boardCode)) : activities;
      if (pool.length === 0) continue;
      const activity = rng.pick(pool);
      const context = { learner, board, activity, provider: providerOf.get(activity.provider_id)!, today: TODAY };
      const previous = makeAcceptedReport(rng, context);
      const unregistered = activities.find((a) => !a.mocBoards.some((m) => m.boardCode === board.boardCode));
      const r = makeRejectedReport(rng, context, { previous, unregistered: certifying ? unregistered : undefined });
      expect(r.status).toBe("rejected");
      expect(REJECTION_REASONS as readonly string[]).toContain(r.rejection_reason);
      reasons.add(r.rejection_reason!);
      expect(r.submittedAt).toBeLessThan(TODAY * 86_400_000);
      switch (r.rejection_reason) {
        case REJECTION.future:
          // Completed "after" the day it was sent.
          expect(r.completionDay).toBeGreaterThan(Math.floor(r.submittedAt / 86_400_000));
          break;
        case REJECTION.outsideDates:
          // After the end date (CME) or the credit claim date (MOC), or before the start.
          expect(r.completionDay < activity.startDay || r.completionDay > (certifying ? Math.max(activity.endDay, activity.creditClaimDay ?? activity.endDay) : activity.endDay)).toBe(true);
          break;
        case REJECTION.overMaximum:
          expect(r.credits).toBeGreaterThan(activity.max_cme_credits);
          break;
        case REJECTION.notMatched:
          expect(r.board_learner_id).not.toBe(board.boardLearnerId);
          break;
        case REJECTION.duplicate:
          expect([r.activity_id, r.completionDay, r.board_code]).toEqual([previous.activity_id, previous.completionDay, previous.board_code]);
          expect(r.submittedAt).toBeGreaterThan(previous.submittedAt);
          break;
        case REJECTION.afterDeadline:
          expect(r.submittedAt).toBeGreaterThanOrEqual((reportingDeadlineDay(r.completionDay) + 1) * 86_400_000);
          break;
        case REJECTION.notRegistered:
          expect(activities.find((a) => a.id === r.activity_id)?.mocBoards.some((m) => m.boardCode === r.board_code)).toBe(false);
          break;
      }
    }
    expect([...reasons].sort()).toEqual([...REJECTION_REASONS].sort());
  });

  it("dates convert without a time-zone shift; credit rounds to quarter hours; the deadline is March 31 of the year after next", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 30_000 }), (day) => isoToDay(dayToIso(day)) === day));
    expect(quarter(1.1)).toBe(1);
    expect(quarter(1.13)).toBe(1.25);
    expect(quarter(0.01)).toBe(0.25);
    expect(dayToIso(reportingDeadlineDay(isoToDay("2024-01-01")))).toBe("2026-03-31");
    expect(dayToIso(reportingDeadlineDay(isoToDay("2024-12-31")))).toBe("2026-03-31");
  });
});
