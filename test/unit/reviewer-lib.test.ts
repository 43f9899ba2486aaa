// Pure pieces of the reviewer workflow: spreadsheet neutralising, URL-state parsing, keyset
// cursors and the programme's data-rule flags.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CREDIT_GRID, parseCreditSearch } from "../../app/lib/credit-search";
import { lagDays, recordFlags, type FlagInput } from "../../app/lib/data-rules";
import { parseGridState } from "../../app/lib/grid";
import { looksLikeFormula, neutraliseCell } from "../../app/lib/spreadsheet";
import { decodeCursor, encodeCursor } from "../../app/models/keyset.server";

describe("neutraliseCell", () => {
  it("prefixes exactly the cells a spreadsheet would read as formulas", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), (text) => {
        const out = neutraliseCell(text);
        expect(looksLikeFormula(out)).toBe(false);
        if (/^[=+\-@\t\r]/.test(text)) expect(out).toBe(`'${text}`);
        else expect(out).toBe(text);
      }),
    );
  });

  it.each(["=SUM(A1:A9)", "+1 Year", "-20% Readmissions", "@Risk", "\t=cmd", "\r=cmd", "=Cmd|' /C calc'!A0"])("neutralises %j", (text) => {
    expect(neutraliseCell(text)).toBe(`'${text}`);
  });
});

describe("URL state", () => {
  it("never throws, whatever the query string, and only keeps values that parsed", () => {
    const keys = fc.constantFrom(...Object.keys(CREDIT_GRID.filters), "sort", "dir", "size", "after", "before", "page", "hide", "show", "x");
    const values = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("-1", "0", "1e999", "2024-13-45", "drop table", "', 1=1 --", "💊", "a".repeat(2000)));
    fc.assert(
      fc.property(fc.array(fc.tuple(keys, values), { maxLength: 12 }), (pairs) => {
        const params = new URLSearchParams(pairs);
        const state = parseCreditSearch(params, { multiBoard: false });
        expect(CREDIT_GRID.sorts).toContain(state.sort.id);
        expect([25, 50, 100]).toContain(state.size);
        expect(state.page).toBeGreaterThanOrEqual(1);
        expect(state.filters.board).toBeUndefined();
        for (const key of Object.keys(state.filters)) expect(state.errors[key]).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it("reads a well-formed search", () => {
    const state = parseGridState(
      CREDIT_GRID,
      new URLSearchParams("last=Núñez&dob=3/7&format=Course&format=Enduring%20Material&late=1&sort=licensee&dir=desc&size=50&page=3&after=abc_-&hide=flags&show=npi"),
    );
    expect(state.errors).toEqual({});
    expect(state.filters).toEqual({ last: "Núñez", dob: { month: 3, day: 7 }, format: ["Course", "Enduring Material"], late: true });
    expect(state).toMatchObject({ sort: { id: "licensee", desc: true }, size: 50, page: 3, after: "abc_-", hidden: ["flags"], shown: ["npi"] });
  });

  it("drops the page number when there is no cursor to go with it", () => {
    expect(parseGridState(CREDIT_GRID, new URLSearchParams("page=4")).page).toBe(1);
  });
});

describe("keyset cursors", () => {
  const types = ["date", "bigint"] as const;
  it("round-trip, and belong to one sort and direction only", () => {
    const text = encodeCursor({ sort: "completed", desc: true, values: ["2024-03-01", "123"] });
    expect(decodeCursor(text, { id: "completed", desc: true }, types)).toEqual(["2024-03-01", "123"]);
    expect(decodeCursor(text, { id: "completed", desc: false }, types)).toBeNull();
    expect(decodeCursor(text, { id: "submitted", desc: true }, types)).toBeNull();
  });

  it("reject anything that is not a cursor of ours, without throwing", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        expect(decodeCursor(text, { id: "completed", desc: true }, types)).toBeNull();
      }),
    );
    for (const values of [["2024-13-45", "1"], ["2024-01-01", "1; drop"], ["2024-01-01"], ["2024-01-01", "1", "2"]]) {
      const forged = encodeCursor({ sort: "completed", desc: true, values });
      expect(decodeCursor(forged, { id: "completed", desc: true }, types)).toBeNull();
    }
  });
});

describe("data-rule flags", () => {
  const base: FlagInput = {
    boardCode: "CA-M",
    format: "Course",
    completionDate: "2025-03-10",
    submittedAt: "2025-03-20T15:00:00.000Z",
    credits: 4,
    activityStart: "2025-03-01",
    activityEnd: "2025-03-15",
    creditClaimDate: "2025-04-30",
    maxCmeCredits: 4,
    maxMocCredits: 3,
    duplicate: false,
  };
  const today = "2025-06-01";

  it("flags nothing for a record that keeps every rule", () => {
    expect(recordFlags(base, today)).toEqual([]);
  });

  it("counts lateness in UTC calendar days: 30 days is on time, 31 is late", () => {
    expect(lagDays("2025-03-10", "2025-04-09T23:59:59.000Z")).toBe(30);
    expect(recordFlags({ ...base, submittedAt: "2025-04-09T23:59:59.000Z" }, today)).toEqual([]);
    expect(recordFlags({ ...base, submittedAt: "2025-04-10T00:00:00.000Z" }, today)).toEqual(["late"]);
  });

  it("flags credit over the maximum only for the capped formats, against the MOC maximum for certifying boards", () => {
    expect(recordFlags({ ...base, credits: 4.25 }, today)).toEqual(["overMaximum"]);
    expect(recordFlags({ ...base, credits: 4.25, format: "Internet Searching and Learning" }, today)).toEqual([]);
    expect(recordFlags({ ...base, boardCode: "ABIM", credits: 3.25 }, today)).toEqual(["overMaximum"]);
    expect(recordFlags({ ...base, boardCode: "ABIM", credits: 3 }, today)).toEqual([]);
  });

  it("takes the end date for CME and the credit claim date for MOC as the last completion day", () => {
    expect(recordFlags({ ...base, completionDate: "2025-03-01" }, today)).toEqual([]);
    expect(recordFlags({ ...base, completionDate: "2025-02-28" }, today)).toEqual(["outsideDates"]);
    expect(recordFlags({ ...base, completionDate: "2025-03-16", submittedAt: "2025-03-20T00:00:00Z" }, today)).toEqual(["outsideDates"]);
    expect(recordFlags({ ...base, boardCode: "ABIM", credits: 3, completionDate: "2025-04-30", submittedAt: "2025-05-01T00:00:00Z" }, today)).toEqual([]);
    expect(recordFlags({ ...base, boardCode: "ABIM", credits: 3, completionDate: "2025-05-01", submittedAt: "2025-05-02T00:00:00Z" }, today)).toEqual(["outsideDates"]);
  });

  it("flags a completion after the submission day or after today, and duplicates", () => {
    expect(recordFlags({ ...base, completionDate: "2025-03-14", submittedAt: "2025-03-13T10:00:00Z" }, today)).toEqual(["future"]);
    expect(recordFlags({ ...base, activityEnd: "2025-12-31", completionDate: "2025-06-02", submittedAt: "2025-06-02T10:00:00Z" }, today)).toEqual(["future"]);
    expect(recordFlags({ ...base, duplicate: true }, today)).toEqual(["duplicate"]);
  });
});
