// Pure pieces of the reviewer workflow: spreadsheet neutralising, URL-state parsing, keyset
// cursors and the programme's data-rule flags.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CREDIT_GRID, parseCreditSearch } from "../../app/lib/credit-search";
import { lagDays, recordFlags, type FlagInput } from "../../app/lib/data-rules";
import { isDateInRange, isRealDate } from "../../app/lib/dates";
import { isoDate, parseGridState } from "../../app/lib/grid";
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

describe("the accepted date range (app/lib/dates.ts)", () => {
  it("takes real days from 1900-01-01 to 2100-12-31 and nothing PostgreSQL or Date would read differently", () => {
    for (const ok of ["1900-01-01", "2000-02-29", "2024-02-29", "2100-12-31"]) expect(isoDate.safeParse(ok).success, ok).toBe(true);
    const bad = ["0000-01-01", "0000-00-00", "0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31", "275760-09-13", "+002024-01-01", "-2024-01-01",
      "2024-02-30", "2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10", "2024-1-1", "2024-01-01T00:00:00Z", " 2024-01-01"];
    for (const value of bad) {
      expect(isoDate.safeParse(value).success, value).toBe(false);
      expect(isDateInRange(value), value).toBe(false);
    }
    expect(isoDate.safeParse("0000-01-01").error?.issues[0]?.message).toBe("Enter a date between 1900-01-01 and 2100-12-31.");
  });

  it("agrees with Date on which four-digit days exist", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2100 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (y, m, d) => {
        const text = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
        const date = new Date(`${text}T00:00:00Z`);
        const exists = !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
        expect(isRealDate(text)).toBe(exists);
      }),
    );
  });
});

describe("keyset cursors: tampered and re-encoded", () => {
  const types = ["timestamptz", "bigint"] as const;
  const sort = { id: "submitted", desc: true };
  const real = encodeCursor({ sort: "submitted", desc: true, values: ["2025-03-04 12:34:56.789+00", "4242"] });
  const json = Buffer.from(real, "base64url").toString("utf8");

  it("accepts the cursor the app wrote, and real offsets up to ±14:00", () => {
    expect(decodeCursor(real, sort, types)).toEqual(["2025-03-04 12:34:56.789+00", "4242"]);
    for (const at of ["2025-03-04 12:34:56+05:30", "2025-03-04 12:34:56-14", "2025-03-04 12:34:56+14:00", "2025-03-04 12:34:56.1-09:45"]) {
      expect(decodeCursor(encodeCursor({ sort: "submitted", desc: true, values: [at, "1"] }), sort, types), at).not.toBeNull();
    }
  });

  it("refuses impossible timestamps: offsets past ±14:00, year 0000, Feb 30, hour 24", () => {
    for (const at of ["2025-03-04 12:34:56+25:00", "2025-03-04 12:34:56+14:01", "2025-03-04 12:34:56-15", "2025-03-04 12:34:56+05:60", "0000-01-01 00:00:00+00",
      "9999-12-31 23:59:59+00", "2025-02-30 00:00:00+00", "2025-03-04 24:00:00+00", "+02025-03-04 00:00:00+00"]) {
      expect(decodeCursor(encodeCursor({ sort: "submitted", desc: true, values: [at, "1"] }), sort, types), at).toBeNull();
    }
    const dates = encodeCursor({ sort: "completed", desc: false, values: ["0000-01-01", "1"] });
    expect(decodeCursor(dates, { id: "completed", desc: false }, ["date", "bigint"])).toBeNull();
  });

  it("refuses a re-encoded cursor: base64 instead of base64url, padding, extra fields or spaces, spare bits", () => {
    const base64 = Buffer.from(json).toString("base64");
    const variants = [
      base64,
      `${real}=`,
      `${real}==`,
      Buffer.from(json.replace("[", "[ ")).toString("base64url"),
      Buffer.from(json.replace(/]$/, ',"extra"]')).toString("base64url"),
      Buffer.from(json.replace(/]]$/, '],{}]')).toString("base64url"),
      Buffer.from(`${json}\n`).toString("base64url"),
      real.slice(0, -1),
      real.slice(0, -4),
      `${real}A`,
    ];
    for (const text of variants) {
      expect(text).not.toBe(real);
      expect(decodeCursor(text, sort, types), text).toBeNull();
    }
    // A last character with different spare bits decodes to the same bytes: still not ours.
    const last = real.at(-1)!;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const twins = [...alphabet].filter((c) => c !== last && Buffer.from(real.slice(0, -1) + c, "base64url").equals(Buffer.from(real, "base64url")));
    for (const twin of twins) expect(decodeCursor(real.slice(0, -1) + twin, sort, types)).toBeNull();
  });

  it("never throws and accepts no single-character change of a real cursor", () => {
    fc.assert(
      fc.property(fc.nat({ max: real.length - 1 }), fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. %"), (at, c) => {
        const mutated = real.slice(0, at) + c + real.slice(at + 1);
        const decoded = decodeCursor(mutated, sort, types);
        if (mutated !== real && decoded !== null) {
          // A change that still decodes must be a different, fully checked cursor of ours.
          expect(encodeCursor({ sort: "submitted", desc: true, values: decoded })).toBe(mutated);
        }
      }),
    );
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
