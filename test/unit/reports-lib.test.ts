// Pure pieces of the analytics reports: the report filters in the URL, months, the median from a
// histogram (the timeliness report's), drill-down links that the credit search understands,
// export cells, and the DuckDB SQL template (values always parameters).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CREDIT_FILTERS, parseCreditSearch } from "../../app/lib/credit-search";
import {
  creditSearchHref,
  DEFAULT_MIN_RECORDS,
  exportCell,
  exportHeader,
  medianOfCounts,
  monthLabel,
  monthsBetween,
  monthStart,
  parseReportFilters,
} from "../../app/lib/reports";
import { dsql, join, list, raw } from "../../db/analytics/sql";

const TODAY = "2026-11-23";
const parse = (query: string, ownBoards: string[] | null = null, rankings = true) =>
  parseReportFilters(new URLSearchParams(query), { ownBoards, today: TODAY, rankings });

describe("report filters", () => {
  it("default to this month and the eleven before it, every format, the default ranking threshold", () => {
    expect(parse("")).toMatchObject({ filters: { from: "2025-12-01", to: TODAY, formats: [], minRecords: DEFAULT_MIN_RECORDS }, errors: {}, foreignBoard: false });
  });

  it("take dates, a provider id or words, formats, a board (ACCME) and a ranking threshold", () => {
    const { filters, errors } = parse("submittedFrom=2024-01-01&submittedTo=2024-06-30&provider=0008001&format=Course&format=Course&format=Enduring+Material&board=md-m&minRecords=5");
    expect(errors).toEqual({});
    expect(filters).toEqual({ from: "2024-01-01", to: "2024-06-30", provider: { kind: "id", id: "0008001" }, formats: ["Course", "Enduring Material"], board: "MD-M", minRecords: 5 });
    expect(parse("provider=Mercy+Oncology").filters.provider).toEqual({ kind: "words", words: ["mercy", "oncology"] });
  });

  it("report a bad value under its own name and fall back, never throw", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("submittedFrom", "submittedTo", "provider", "format", "board", "minRecords", "other"), fc.string({ maxLength: 20 })), { maxLength: 6 }),
        fc.boolean(),
        (pairs, accme) => {
          const params = new URLSearchParams();
          for (const [k, v] of pairs) params.append(k, v);
          const parsed = parseReportFilters(params, { ownBoards: accme ? null : ["CA-M"], today: TODAY });
          expect(parsed.filters.from <= parsed.filters.to).toBe(true);
          expect(monthsBetween(parsed.filters.from, parsed.filters.to).length).toBeLessThanOrEqual(120);
          expect(Number.isInteger(parsed.filters.minRecords) && parsed.filters.minRecords >= 1).toBe(true);
          for (const key of Object.keys(parsed.errors)) expect(["submittedFrom", "submittedTo", "provider", "format", "board", "minRecords"]).toContain(key);
        },
      ),
    );
  });

  it.each([
    ["submittedFrom=2025-02-30", "submittedFrom", /real date/],
    ["submittedFrom=2025-06-01&submittedTo=2025-01-01", "submittedTo", /after the end date/],
    ["submittedFrom=2001-01-01&submittedTo=2026-01-01", "submittedFrom", /at most 10 years/],
    ["submittedTo=2025-01-01&submittedTo=2025-02-01", "submittedTo", /once/],
    ["provider=%25%25", "provider", /provider id or words/],
    ["format=Webinar", "format", /listed activity format/],
    ["board=not+a+board", "board", /listed board/],
    ["minRecords=0", "minRecords", /1 or more/],
    ["minRecords=2.5", "minRecords", /whole number/],
  ])("%s: a message for %s", (query, field, message) => {
    const { errors } = parse(query);
    expect(errors[field as keyof typeof errors]).toMatch(message);
  });

  it("a board organisation naming another board is flagged (the route answers 404); its own board is no filter", () => {
    expect(parse("board=ABIM", ["CA-M"]).foreignBoard).toBe(true);
    expect(parse("board=ca-m", ["CA-M"])).toMatchObject({ foreignBoard: false, filters: { board: undefined } });
  });

  it("ignores the ranking threshold for reports without a ranking", () => {
    expect(parse("minRecords=banana", null, false)).toMatchObject({ errors: {}, filters: { minRecords: DEFAULT_MIN_RECORDS } });
  });
});

describe("months", () => {
  it("monthStart and monthsBetween walk calendar months across years", () => {
    expect(monthStart("2026-01-15", 1)).toBe("2025-12-01");
    expect(monthStart("2026-03-31", 14)).toBe("2025-01-01");
    expect(monthsBetween("2025-11-20", "2026-02-01")).toEqual(["2025-11", "2025-12", "2026-01", "2026-02"]);
    expect(monthLabel("2026-03")).toBe("Mar 2026");
  });
});

describe("medianOfCounts", () => {
  it("equals the interpolated median of the values spelled out (percentile_cont(0.5))", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -30, max: 900 }), fc.integer({ min: 0, max: 6 })), { maxLength: 40 }), (pairs) => {
        const values = pairs.flatMap(([v, n]) => Array.from({ length: n }, () => v)).sort((a, b) => a - b);
        const expected = values.length === 0 ? null : values.length % 2 ? values[(values.length - 1) / 2]! : (values[values.length / 2 - 1]! + values[values.length / 2]!) / 2;
        expect(medianOfCounts(pairs)).toBe(expected);
      }),
    );
  });
});

describe("drill-down links", () => {
  it("use only the credit search's own filter names, and parse there without a message", () => {
    const href = creditSearchHref({ from: "2025-12-01", to: TODAY, formats: ["Course"], board: "MD-M", minRecords: 25 }, { provider: "0008001", late: "1" });
    const params = new URL(href, "http://x").searchParams;
    expect(new URL(href, "http://x").pathname).toBe("/credits");
    for (const key of params.keys()) expect(Object.keys(CREDIT_FILTERS)).toContain(key);
    const state = parseCreditSearch(params, { multiBoard: true });
    expect(state.errors).toEqual({});
    expect(state.filters).toMatchObject({ submittedFrom: "2025-12-01", submittedTo: TODAY, format: ["Course"], board: ["MD-M"], provider: { kind: "id", id: "0008001" }, late: true });
  });
});

describe("export cells", () => {
  it("keep numbers as numbers (percentages in percent) and name units in headers", () => {
    expect(exportCell({ key: "s", label: "Share", kind: "percent" }, { s: 0.12345 })).toBe(12.35);
    expect(exportCell({ key: "c", label: "Credits", kind: "credits" }, { c: 1.25 + 2.206 })).toBe(3.46);
    expect(exportCell({ key: "d", label: "Lag", kind: "days" }, { d: 4.25 })).toBe(4.3);
    expect(exportCell({ key: "x", label: "X", kind: "count" }, {})).toBeNull();
    expect(exportHeader({ key: "s", label: "Share", kind: "percent" })).toBe("Share (%)");
    expect(exportHeader({ key: "m", label: "Median lag", kind: "days", exportLabel: "Median lag (days)" })).toBe("Median lag (days)");
  });
});

describe("the DuckDB SQL template", () => {
  it("sends every value as a parameter, in order, and splices fragments", () => {
    const inner = dsql`r.board_code in ${list(["CA-M", "MD-M"])}`;
    const query = dsql`select * from report r where ${join([inner, dsql`r.lag_days > ${30}`, raw("true")], " and ")} and r.format = ${"'; drop table report; --"}`;
    expect(query.compile()).toEqual({
      text: "select * from report r where r.board_code in ($1, $2) and r.lag_days > $3 and true and r.format = $4",
      values: ["CA-M", "MD-M", 30, "'; drop table report; --"],
    });
    expect(() => list([])).toThrow();
  });
});
