// The shared formatters against an independent computation: a submission time's UTC day as US boards
// write it, compared with Intl's own UTC formatting over random instants (midnight edges included).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDate, formatDuration, formatSubmittedDate, formatTimeOfDay } from "../../app/lib/format";

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

describe("formatDuration and formatTimeOfDay (the 'analytics are behind' notice)", () => {
  it("says how long in words, to the minute", () => {
    expect(formatDuration(0)).toBe("less than a minute");
    expect(formatDuration(59_999)).toBe("less than a minute");
    expect(formatDuration(60_000)).toBe("1 minute");
    expect(formatDuration(14 * 60_000 + 59_000)).toBe("14 minutes");
    expect(formatDuration(60 * 60_000)).toBe("1 hour");
    expect(formatDuration(125 * 60_000)).toBe("2 hours 5 minutes");
    expect(formatDuration(47 * 3_600_000)).toBe("47 hours");
    expect(formatDuration(3 * 86_400_000 + 5 * 3_600_000)).toBe("3 days");
    expect(formatDuration(-5_000)).toBe("less than a minute");
  });

  it("shows a time of day in UTC, with the date when it is not today's", () => {
    const now = "2026-03-02T15:42:10.000Z";
    expect(formatTimeOfDay("2026-03-02T15:42:00.000Z", now)).toBe("3:42 PM UTC");
    expect(formatTimeOfDay("2026-03-02T00:05:00.000Z", now)).toBe("12:05 AM UTC");
    expect(formatTimeOfDay("2026-03-01T23:59:00.000Z", now)).toBe("Mar 1, 11:59 PM UTC");
  });
});
