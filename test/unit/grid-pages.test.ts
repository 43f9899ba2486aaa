// Paging arithmetic and URL state of the one grid pipeline (app/lib/grid.ts), against a brute-force
// split of a list into pages.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCreditSearch } from "../../app/lib/credit-search";
import { lastPageRows, pageCount, splitGridErrors } from "../../app/lib/grid";

describe("pages", () => {
  it("page count and the last page's rows are those of a list cut into pages", () => {
    fc.assert(
      fc.property(fc.nat({ max: 5000 }), fc.constantFrom(25, 50, 100), (total, size) => {
        const pages: number[][] = [];
        for (let i = 0; i < total; i += size) pages.push(Array.from({ length: Math.min(size, total - i) }, (_, k) => i + k));
        expect(pageCount(total, size)).toBe(Math.max(1, pages.length));
        expect(lastPageRows(total, size)).toBe(pages.length ? pages[pages.length - 1]!.length : size);
      }),
    );
  });

  it("page=last asks for the final page and drops any cursor; the last-name filter keeps its own name", () => {
    const state = parseCreditSearch(new URLSearchParams("page=last&after=abc&last=Smith"), { multiBoard: false });
    expect(state.last).toBe(true);
    expect(state.after).toBeNull();
    expect(state.filters.last).toBe("Smith");
    expect(state.errors).toEqual({});
  });

  it("a bad filter is the filters' message; a bad page, sort or size the view's", () => {
    const state = parseCreditSearch(new URLSearchParams("dob=13/45&page=0&sort=nope&size=7"), { multiBoard: false });
    const { filterErrors, notices } = splitGridErrors(state.errors);
    expect(Object.keys(filterErrors)).toEqual(["dob"]);
    expect(notices).toHaveLength(3);
  });
});
