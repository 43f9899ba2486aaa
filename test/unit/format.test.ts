// The shared formatters against an independent computation: a submission time's UTC day as US boards
// write it, compared with Intl's own UTC formatting over random instants (midnight edges included).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDate, formatSubmittedDate } from "../../app/lib/format";

const intlUtcDay = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: "UTC" });

describe("formatSubmittedDate", () => {
  it("is the instant's UTC calendar day, MM/DD/YYYY, whatever the offset it was written with", () => {
    const instants = fc.oneof(
      fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59.999Z"), noInvalidDate: true }),
      // A millisecond either side of a UTC midnight.
      fc.date({ min: new Date("2000-01-02T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }).chain((d) => {
        const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
        return fc.constantFrom(new Date(midnight - 1), new Date(midnight));
      }),
    );
    const offsets = fc.constantFrom("Z", "+00:00", "-05:00", "+09:30", "-10:00");
    fc.assert(
      fc.property(instants, offsets, (instant, offset) => {
        // The same instant written as PostgreSQL may send it, with an offset.
        const minutes = offset === "Z" ? 0 : (offset.startsWith("-") ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
        const local = new Date(instant.getTime() + minutes * 60_000).toISOString().slice(0, 23);
        expect(formatSubmittedDate(`${local}${offset}`)).toBe(intlUtcDay.format(instant));
      }),
      { numRuns: 2_000 },
    );
  });

  it("formatDate writes a calendar date as MM/DD/YYYY and a missing one as a dash", () => {
    expect(formatDate("2025-03-07")).toBe("03/07/2025");
    expect(formatDate(null)).toBe("—");
  });
});
