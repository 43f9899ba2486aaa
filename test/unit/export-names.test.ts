// File and sheet names of exports: what a name says (organization, what, filters, dates), which
// characters it may hold and how long it may be; sheet names within Excel's 31 characters without a
// word cut in two; shares rounded to four places.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exportFilename, fitSheetName, roundShare, SHEET_NAME_MAX } from "../../app/models/exports.server";

const produced = new Date("2026-12-05T17:00:00Z");

describe("exportFilename", () => {
  it("says the organization, what, the filters and the date range, and the organization's day it was produced", () => {
    expect(
      exportFilename("CA-M", "credit-reports", { filters: { creditType: "Patient Safety" }, range: { from: "2024-01-01", to: "2024-12-31" } }, produced),
    ).toBe("CA-M_credit-reports_creditType-Patient-Safety_2024-01-01_to_2024-12-31_produced-2026-12-05");
    expect(exportFilename("ABIM", "certification cycles", { filters: { status: ["short", "nothing"], decision: [] }, range: { from: "2026-12-05" } }, produced)).toBe(
      "ABIM_certification-cycles_status-short-nothing_from-2026-12-05_produced-2026-12-05",
    );
    // 11 pm in California on December 4 is already December 5 in UTC: the board's own date.
    expect(exportFilename("CA-M", "activities", {}, new Date("2026-12-05T07:00:00Z"))).toBe("CA-M_activities_produced-2026-12-04");
  });

  it("holds safe characters only and at most 160 of them, whatever the filters hold; filters that do not fit are counted, not cut", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.array(fc.string({ maxLength: 80 }), { maxLength: 3 }), { maxKeys: 12 }), (filters) => {
        const name = exportFilename("CA-M", "credit-reports", { filters, range: { from: "2024-01-01", to: "2024-12-31" } }, produced);
        expect(name).toMatch(/^[A-Za-z0-9._-]+$/);
        expect(name.length).toBeLessThanOrEqual(160);
        expect(name.startsWith("CA-M_credit-reports_")).toBe(true);
        expect(name.endsWith("_2024-01-01_to_2024-12-31_produced-2026-12-05")).toBe(true);
      }),
      { numRuns: 500 },
    );
    const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`filter${i}`, "a long value of many words here"]));
    expect(exportFilename("CA-M", "credit-reports", { filters: many }, produced)).toMatch(/_plus-\d+-more-filters_produced-2026-12-05$/);
  });

  it("writes names with diacritics in plain letters", () => {
    expect(exportFilename("CA-M", "credit-reports", { filters: { last: "Núñez" } }, produced)).toBe("CA-M_credit-reports_last-Nunez_produced-2026-12-05");
  });
});

describe("fitSheetName", () => {
  it("keeps a name that fits, and shortens one that does not at a clause or a word, never inside a word", () => {
    expect(fitSheetName("Credit reports")).toBe("Credit reports");
    expect(fitSheetName("How far short (MOC points, largest unmet requirement)")).toBe("How far short");
    expect(fitSheetName("Share submitted within 30 days, by month of submission")).toBe("Share submitted within 30 days");
    expect(fitSheetName("Records and credits reported per month")).toBe("Records and credits reported");
    expect(fitSheetName("Rows: not kept [errors]?")).toBe("Rows not kept errors");
  });

  it("is at most 31 characters, free of the characters Excel refuses, and whole words of the name", () => {
    const words = fc.array(fc.stringMatching(/^[A-Za-z0-9]{1,12}$/), { minLength: 1, maxLength: 10 });
    fc.assert(
      fc.property(words, fc.constantFrom(" ", ", ", " ("), (list, joiner) => {
        const name = list.join(joiner);
        const fitted = fitSheetName(name);
        expect(fitted.length).toBeLessThanOrEqual(SHEET_NAME_MAX);
        expect(fitted).not.toMatch(/[[\]:*?/\\]/);
        const fittedWords = fitted.split(/[ ,(]+/).filter(Boolean);
        expect(fittedWords).toEqual(list.slice(0, fittedWords.length));
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("roundShare", () => {
  it("rounds a share to four places", () => {
    expect(roundShare(3 / 28)).toBe(0.1071);
    expect(roundShare(1)).toBe(1);
    expect(roundShare(2 / 3)).toBe(0.6667);
  });
});
