// The shared formatters against independent computations: a moment in an organization's time zone
// (across the daylight-saving changes), its calendar day, and its ISO 8601 form with the offset,
// checked against Intl's own formatting and against reading the ISO text back.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime, formatDuration, formatSubmittedDate, isoInZone, timeZoneLabel } from "../../app/lib/format";

const ZONES = ["America/Los_Angeles", "America/New_York", "America/Chicago", "America/St_Thomas", "Pacific/Honolulu", "UTC"] as const;

const instants = fc.oneof(
  fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59.999Z"), noInvalidDate: true }),
  // A millisecond either side of a UTC midnight.
  fc.date({ min: new Date("2000-01-02T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }).chain((d) => {
    const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return fc.constantFrom(new Date(midnight - 1), new Date(midnight));
  }),
);

describe("formatDateTime: one format, in the organization's zone, the zone named", () => {
  it("California in winter is PST, in summer PDT; the same instant in New York is EST / EDT", () => {
    expect(formatDateTime("2026-12-05T17:14:00Z", "America/Los_Angeles")).toBe("Dec 5, 2026, 9:14 AM PST");
    expect(formatDateTime("2026-07-04T17:14:00Z", "America/Los_Angeles")).toBe("Jul 4, 2026, 10:14 AM PDT");
    expect(formatDateTime("2026-12-05T17:14:00Z", "America/New_York")).toBe("Dec 5, 2026, 12:14 PM EST");
    expect(formatDateTime("2026-07-04T17:14:00Z", "America/New_York")).toBe("Jul 4, 2026, 1:14 PM EDT");
    expect(formatDateTime(null, "America/Los_Angeles")).toBe("—");
    expect(formatDateTime("2026-12-05T17:14:05Z", "America/Chicago", { seconds: true })).toBe("Dec 5, 2026, 11:14:05 AM CST");
  });

  it("across the 2026 changes in California (March 8 and November 1, 2 am local)", () => {
    // Spring forward: 1:59 AM PST is followed a minute later by 3:00 AM PDT.
    expect(formatDateTime("2026-03-08T09:59:00Z", "America/Los_Angeles")).toBe("Mar 8, 2026, 1:59 AM PST");
    expect(formatDateTime("2026-03-08T10:00:00Z", "America/Los_Angeles")).toBe("Mar 8, 2026, 3:00 AM PDT");
    // Fall back: 1:30 AM happens twice, first PDT, then PST an hour later.
    expect(formatDateTime("2026-11-01T08:30:00Z", "America/Los_Angeles")).toBe("Nov 1, 2026, 1:30 AM PDT");
    expect(formatDateTime("2026-11-01T09:30:00Z", "America/Los_Angeles")).toBe("Nov 1, 2026, 1:30 AM PST");
    // St. Thomas keeps Atlantic time all year.
    expect(formatDateTime("2026-03-08T10:00:00Z", "America/St_Thomas")).toBe("Mar 8, 2026, 6:00 AM AST");
  });

  it("is Intl's own rendering of the instant in the zone, for any instant", () => {
    fc.assert(
      fc.property(instants, fc.constantFrom(...ZONES), (at, zone) => {
        const reference = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: zone }).format(at);
        const zoneName = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "short" }).formatToParts(at).find((p) => p.type === "timeZoneName")!.value;
        expect(formatDateTime(at, zone).replace(/\u202f/g, " ")).toBe(`${reference.replace(/\u202f/g, " ")} ${zoneName}`);
      }),
      { numRuns: 1_000 },
    );
  });

  it("names zones in words for export headers", () => {
    expect(timeZoneLabel("America/Los_Angeles")).toBe("Pacific Time");
    expect(timeZoneLabel("America/New_York")).toBe("Eastern Time");
    expect(timeZoneLabel("UTC")).toBe("UTC");
  });
});

describe("isoInZone: ISO 8601 with the zone's offset (exports)", () => {
  it("carries PST's -08:00 in winter and PDT's -07:00 in summer, on both sides of each change", () => {
    expect(isoInZone("2026-12-05T17:14:00Z", "America/Los_Angeles")).toBe("2026-12-05T09:14:00-08:00");
    expect(isoInZone("2026-07-04T17:14:00Z", "America/Los_Angeles")).toBe("2026-07-04T10:14:00-07:00");
    expect(isoInZone("2026-03-08T09:59:59Z", "America/Los_Angeles")).toBe("2026-03-08T01:59:59-08:00");
    expect(isoInZone("2026-03-08T10:00:00Z", "America/Los_Angeles")).toBe("2026-03-08T03:00:00-07:00");
    expect(isoInZone("2026-11-01T08:30:00Z", "America/Los_Angeles")).toBe("2026-11-01T01:30:00-07:00");
    expect(isoInZone("2026-11-01T09:30:00Z", "America/Los_Angeles")).toBe("2026-11-01T01:30:00-08:00");
    expect(isoInZone("2026-12-05T17:14:00Z", "UTC")).toBe("2026-12-05T17:14:00+00:00");
  });

  it("reads back as the same instant (to the second), and its date is the zone's calendar day", () => {
    const zonedDay = (zone: string) => new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: zone });
    fc.assert(
      fc.property(instants, fc.constantFrom(...ZONES), (at, zone) => {
        const iso = isoInZone(at, zone);
        expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
        expect(Date.parse(iso)).toBe(Math.floor(at.getTime() / 1000) * 1000);
        expect(iso.slice(0, 10)).toBe(zonedDay(zone).format(at));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("formatSubmittedDate", () => {
  it("is the instant's calendar day in the zone, MM/DD/YYYY, whatever the offset it was written with", () => {
    const offsets = fc.constantFrom("Z", "+00:00", "-05:00", "+09:30", "-10:00");
    fc.assert(
      fc.property(instants, offsets, fc.constantFrom(...ZONES), (at, offset, zone) => {
        // The same instant written as PostgreSQL may send it, with an offset.
        const minutes = offset === "Z" ? 0 : (offset.startsWith("-") ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
        const local = new Date(at.getTime() + minutes * 60_000).toISOString().slice(0, 23);
        const intlDay = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: zone });
        expect(formatSubmittedDate(`${local}${offset}`, zone)).toBe(intlDay.format(at));
      }),
      { numRuns: 2_000 },
    );
  });

  it("a California evening is still that day in California, already the next in UTC", () => {
    expect(formatSubmittedDate("2026-12-06T03:00:00Z", "America/Los_Angeles")).toBe("12/05/2026");
    expect(formatSubmittedDate("2026-12-06T03:00:00Z", "UTC")).toBe("12/06/2026");
  });

  it("formatDate writes a calendar date as MM/DD/YYYY and a missing one as a dash", () => {
    expect(formatDate("2025-03-07")).toBe("03/07/2025");
    expect(formatDate(null)).toBe("—");
  });
});

describe("formatDuration (the 'analytics are behind' notice)", () => {
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
});
