// The calendar module: every property is checked against an independent computation, JavaScript's
// own UTC calendar (Date with setUTCFullYear, which handles years below 100 too), or against a
// table of instants worked out by hand from each zone's offsets and the US daylight-saving dates.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  addYears,
  compareDates,
  dayNumberToIso,
  daysBetween,
  daysInMonth,
  fewestDaysInMonth,
  formatDate,
  fromDayNumber,
  isLeapYear,
  isMonthDay,
  isRealDate,
  lastDayOfMonth,
  mostDaysInMonth,
  parseDate,
  periodStart,
  previousCycleEnd,
  toDayNumber,
  todayIn,
  type CalendarDate,
} from "../../domain/calendar";
import { ORGANISATIONS, organisationTimeZone, organisationToday } from "../../domain/reference";

const DAY_MS = 86_400_000;

/** Milliseconds of UTC midnight of year-month-day by Date (independent of the module). */
function utcMidnight(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/** Whether Date keeps year-month-day as given (it rolls Feb 30 over to March). */
function dateAgrees(year: number, month: number, day: number): boolean {
  const d = new Date(utcMidnight(year, month, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

const isoOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** Any day of the years 0000–9999, as a day number. */
const anyDayNumber = fc.integer({ min: toDayNumberByDate(0, 1, 1), max: toDayNumberByDate(9999, 12, 31) });
/** Any day from 1900 to 2100 (the dates the app accepts), as text, with month ends and Feb 28/29 often. */
const appDate = fc.oneof(
  fc.integer({ min: toDayNumberByDate(1900, 1, 1), max: toDayNumberByDate(2100, 12, 31) }).map((n) => isoOf(n * DAY_MS)),
  fc.tuple(fc.integer({ min: 1900, max: 2100 }), fc.integer({ min: 1, max: 12 })).map(([y, m]) => isoOf(utcMidnight(y, m + 1, 0))),
  fc.tuple(fc.integer({ min: 1900, max: 2100 }), fc.constantFrom(28, 29)).map(([y, d]) => isoOf(utcMidnight(y, 2, d))),
);

function toDayNumberByDate(year: number, month: number, day: number): number {
  return utcMidnight(year, month, day) / DAY_MS;
}

describe("month lengths and leap years", () => {
  it("agree with Date for every year 0–9999 and every month", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        const byDate = new Date(utcMidnight(year, month + 1, 0)).getUTCDate();
        expect(daysInMonth(year, month)).toBe(byDate);
        expect(lastDayOfMonth(year, month)).toBe(isoOf(utcMidnight(year, month + 1, 0)));
        expect(isLeapYear(year)).toBe(dateAgrees(year, 2, 29));
      }),
    );
  });

  it("knows the century rule by name", () => {
    expect([1900, 2000, 2024, 2026, 2100, 2400].map(isLeapYear)).toEqual([false, true, true, false, false, true]);
  });

  it("gives February 29 only to a month and day with no year, 28 to a day every year has", () => {
    expect(mostDaysInMonth(2)).toBe(29);
    expect(fewestDaysInMonth(2)).toBe(28);
    expect(isMonthDay(2, 29)).toBe(true);
    expect(isMonthDay(2, 30)).toBe(false);
    expect(isMonthDay(4, 31)).toBe(false);
    expect(isMonthDay(13, 1)).toBe(false);
    for (const month of [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) expect(mostDaysInMonth(month)).toBe(fewestDaysInMonth(month));
    expect(() => daysInMonth(2026, 13)).toThrow(RangeError);
    expect(() => daysInMonth(2026, 0)).toThrow(RangeError);
  });
});

describe("parsing and writing YYYY-MM-DD", () => {
  it("parses exactly the days that exist (Feb 29 only in leap years)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (y, m, d) => {
        const text = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
        const exists = m >= 1 && m <= 12 && d >= 1 && dateAgrees(y, m, d);
        expect(parseDate(text) !== null, text).toBe(exists);
        expect(isRealDate(y, m, d), text).toBe(exists);
        if (exists) expect(parseDate(text)).toEqual({ year: y, month: m, day: d });
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), (y) => {
        expect(parseDate(`${pad(y, 4)}-02-29`) !== null).toBe(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));
      }),
    );
  });

  it("round-trips: format ∘ parse and parse ∘ format are the identity", () => {
    fc.assert(
      fc.property(anyDayNumber, (n) => {
        const text = isoOf(n * DAY_MS);
        const parsed = parseDate(text) as CalendarDate;
        expect(formatDate(parsed)).toBe(text);
        expect(parseDate(formatDate(parsed))).toEqual(parsed);
      }),
    );
  });

  it("refuses every other shape", () => {
    for (const bad of ["2026-1-01", "2026-01-1", "26-01-01", "+002026-01-01", "-2026-01-01", "2026-01-01T00:00:00Z", " 2026-01-01", "2026-01-01 ", "2026/01/01", "", "2026-00-10", "2026-13-01", "2026-02-29", "1900-02-29"]) {
      expect(parseDate(bad), bad).toBeNull();
    }
    expect(() => formatDate({ year: 2026, month: 2, day: 29 })).toThrow(RangeError);
    expect(() => formatDate({ year: 10_000, month: 1, day: 1 })).toThrow(RangeError);
  });
});

describe("day numbers, adding days, differences", () => {
  it("day numbers are Date's UTC day numbers, and back", () => {
    fc.assert(
      fc.property(anyDayNumber, (n) => {
        const text = isoOf(n * DAY_MS);
        expect(toDayNumber(text)).toBe(n);
        expect(dayNumberToIso(n)).toBe(text);
        expect(fromDayNumber(n)).toEqual(parseDate(text));
      }),
    );
    expect(toDayNumber("1970-01-01")).toBe(0);
    expect(toDayNumber("0000-01-01")).toBe(-719_528);
    expect(toDayNumber("9999-12-31")).toBe(2_932_896);
    expect(() => fromDayNumber(2_932_897)).toThrow(RangeError);
    expect(() => fromDayNumber(-719_529)).toThrow(RangeError);
    expect(() => toDayNumber("2026-02-30")).toThrow(RangeError);
  });

  it("adding days agrees with Date and round-trips", () => {
    fc.assert(
      fc.property(appDate, fc.integer({ min: -40_000, max: 40_000 }), (text, days) => {
        const moved = addDays(text, days);
        expect(moved).toBe(isoOf(Date.parse(`${text}T00:00:00Z`) + days * DAY_MS));
        expect(addDays(moved, -days)).toBe(text);
        expect(formatDate(addDays(parseDate(text) as CalendarDate, days))).toBe(moved);
      }),
    );
  });

  it("day differences agree with Date.UTC, and compare orders like the text", () => {
    fc.assert(
      fc.property(appDate, appDate, (a, b) => {
        expect(daysBetween(a, b) + 0).toBe(0 + (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
        expect(daysBetween(b, a) + 0).toBe(-daysBetween(a, b) + 0);
        expect(compareDates(a, b) + 0).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });

  it("refuses fractions of a day", () => {
    expect(() => addDays("2026-01-01", 0.5)).toThrow(RangeError);
    expect(() => addYears("2026-01-01", 1.5)).toThrow(RangeError);
  });
});

describe("years and cycle ends", () => {
  it("a month end goes to the month end; any other day keeps its day (worked examples)", () => {
    expect(addYears("2028-02-29", -2)).toBe("2026-02-28");
    expect(addYears("2027-02-28", 1)).toBe("2028-02-29");
    expect(addYears("2028-02-28", -1)).toBe("2027-02-28");
    expect(addYears("2026-09-30", -2)).toBe("2024-09-30");
    expect(addYears("2026-03-15", 3)).toBe("2029-03-15");
    expect(formatDate(periodStart({ year: 2027, month: 3, day: 31 }, 2))).toBe("2025-04-01");
    expect(formatDate(periodStart({ year: 2028, month: 2, day: 29 }, 2))).toBe("2026-03-01");
  });

  it("previous cycle ends chain back with no overlap and no gap, each cycle a whole number of years", () => {
    fc.assert(
      fc.property(appDate, fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 6 }), (endText, years, count) => {
        let end = parseDate(endText) as CalendarDate;
        for (let i = 0; i < count; i++) {
          const monthEnd = end.day === new Date(utcMidnight(end.year, end.month + 1, 0)).getUTCDate();
          const previous = previousCycleEnd(end, years);
          const start = periodStart(end, years);
          // The cycle begins the day after the previous one ends: no day in two cycles, none in none.
          expect(Date.parse(`${formatDate(start)}T00:00:00Z`) - Date.parse(`${formatDate(previous)}T00:00:00Z`)).toBe(DAY_MS);
          // Same month, `years` earlier; a month end stays a month end, another day keeps its day.
          expect(previous.month).toBe(end.month);
          expect(previous.year).toBe(end.year - years);
          const previousMonthLength = new Date(utcMidnight(previous.year, previous.month + 1, 0)).getUTCDate();
          expect(previous.day).toBe(monthEnd ? previousMonthLength : end.day);
          // A cycle of `years` years holds 365 days a year plus its leap days (at most one in four years, rounded up).
          const length = (Date.parse(`${formatDate(end)}T00:00:00Z`) - Date.parse(`${formatDate(previous)}T00:00:00Z`)) / DAY_MS;
          expect(length).toBeGreaterThanOrEqual(365 * years);
          expect(length).toBeLessThanOrEqual(365 * years + Math.ceil(years / 4));
          end = previous;
        }
      }),
    );
  });

  it("later cycle ends never have earlier previous ends (cycles of one length keep their order)", () => {
    fc.assert(
      fc.property(appDate, appDate, fc.integer({ min: 1, max: 10 }), (a, b, years) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        expect(addYears(early, -years) <= addYears(late, -years)).toBe(true);
      }),
    );
  });

  it("adding years forward then back returns the date, except February's last days (which follow month ends)", () => {
    fc.assert(
      fc.property(appDate, fc.integer({ min: -10, max: 10 }), (text, years) => {
        const date = parseDate(text) as CalendarDate;
        if (date.month !== 2 || date.day <= 27) expect(addYears(addYears(text, years), -years)).toBe(text);
      }),
    );
  });
});

describe("today in a time zone", () => {
  // Offsets: Los Angeles UTC-8 (PST) / UTC-7 (PDT), New York UTC-5 / UTC-4, Chicago UTC-6 / UTC-5,
  // Honolulu UTC-10 and St. Thomas UTC-4 all year. US daylight time 2026: from Sunday March 8, 2 am
  // local, to Sunday November 1, 2 am local. Each row: the instant, then the date there.
  const table: Array<[string, string, string]> = [
    // A California reviewer at 5 pm on December 31 is still in December 31.
    ["America/Los_Angeles", "2026-01-01T01:00:00Z", "2025-12-31"],
    ["America/Los_Angeles", "2026-01-01T07:59:59Z", "2025-12-31"],
    ["America/Los_Angeles", "2026-01-01T08:00:00Z", "2026-01-01"],
    // Midnight before the spring change is 08:00Z (PST); the next midnight is 07:00Z (PDT).
    ["America/Los_Angeles", "2026-03-08T07:59:59Z", "2026-03-07"],
    ["America/Los_Angeles", "2026-03-08T08:00:00Z", "2026-03-08"],
    ["America/Los_Angeles", "2026-03-09T06:59:59Z", "2026-03-08"],
    ["America/Los_Angeles", "2026-03-09T07:00:00Z", "2026-03-09"],
    // Midnight before the fall change is 07:00Z (PDT); the next is 08:00Z (PST): a 25-hour day.
    ["America/Los_Angeles", "2026-11-01T06:59:59Z", "2026-10-31"],
    ["America/Los_Angeles", "2026-11-01T07:00:00Z", "2026-11-01"],
    ["America/Los_Angeles", "2026-11-02T07:59:59Z", "2026-11-01"],
    ["America/Los_Angeles", "2026-11-02T08:00:00Z", "2026-11-02"],
    ["America/Los_Angeles", "2028-03-01T07:59:59Z", "2028-02-29"],
    ["America/New_York", "2026-01-01T04:59:59Z", "2025-12-31"],
    ["America/New_York", "2026-01-01T05:00:00Z", "2026-01-01"],
    ["America/New_York", "2026-03-09T03:59:59Z", "2026-03-08"],
    ["America/New_York", "2026-03-09T04:00:00Z", "2026-03-09"],
    ["America/New_York", "2026-11-02T04:59:59Z", "2026-11-01"],
    ["America/New_York", "2026-11-02T05:00:00Z", "2026-11-02"],
    ["America/Chicago", "2026-07-01T04:59:59Z", "2026-06-30"],
    ["America/Chicago", "2026-07-01T05:00:00Z", "2026-07-01"],
    ["Pacific/Honolulu", "2026-07-01T09:59:59Z", "2026-06-30"],
    ["Pacific/Honolulu", "2026-07-01T10:00:00Z", "2026-07-01"],
    ["Pacific/Honolulu", "2027-01-01T09:59:59Z", "2026-12-31"],
    ["America/St_Thomas", "2026-01-01T03:59:59Z", "2025-12-31"],
    ["America/St_Thomas", "2026-01-01T04:00:00Z", "2026-01-01"],
    ["America/St_Thomas", "2026-07-01T03:59:59Z", "2026-06-30"],
    ["America/St_Thomas", "2026-07-01T04:00:00Z", "2026-07-01"],
    ["UTC", "2025-12-31T23:59:59.999Z", "2025-12-31"],
    ["UTC", "2026-01-01T00:00:00Z", "2026-01-01"],
  ];
  it.each(table)("in %s at %s it is %s", (zone, instant, expected) => {
    expect(todayIn(zone, new Date(instant))).toBe(expected);
  });

  const instant = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2099, 11, 31) }).map((ms) => new Date(ms));

  it("in UTC is the instant's UTC date; in a zone without daylight time, the date at its fixed offset", () => {
    fc.assert(
      fc.property(instant, (now) => {
        expect(todayIn("UTC", now)).toBe(now.toISOString().slice(0, 10));
        expect(todayIn("Pacific/Honolulu", now)).toBe(isoOf(now.getTime() - 10 * 3_600_000));
        expect(todayIn("America/St_Thomas", now)).toBe(isoOf(now.getTime() - 4 * 3_600_000));
      }),
    );
  });

  it("in a US zone is the date at standard or daylight offset, never more than a day from UTC's", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(["America/Los_Angeles", 8], ["America/Chicago", 6], ["America/New_York", 5]), (now, [zone, standard]) => {
        const today = todayIn(zone as string, now);
        const atStandard = isoOf(now.getTime() - (standard as number) * 3_600_000);
        const atDaylight = isoOf(now.getTime() - ((standard as number) - 1) * 3_600_000);
        expect([atStandard, atDaylight]).toContain(today);
      }),
    );
  });

  it("refuses a time zone that does not exist", () => {
    expect(() => todayIn("America/Nowhere")).toThrow(RangeError);
  });
});

describe("each organization's day", () => {
  // Where each organization keeps its day: a state board's office, a certifying board's headquarters.
  const expected: Record<string, string> = {
    "AL-M": "America/Chicago",
    "CA-M": "America/Los_Angeles",
    "ME-M": "America/New_York",
    "ME-O": "America/New_York",
    "MD-M": "America/New_York",
    "OR-M": "America/Los_Angeles",
    "NC-M": "America/New_York",
    "ND-M": "America/Chicago",
    "VI-M": "America/St_Thomas",
    ABA: "America/New_York",
    ABIM: "America/New_York",
    ABO: "America/New_York",
    ABOHNS: "America/Chicago",
    ABPATH: "America/New_York",
    ABP: "America/New_York",
    ABS: "America/New_York",
    ACCME: "America/Chicago",
  };

  it("every organization that signs in has its zone, a real one", () => {
    expect(Object.fromEntries(ORGANISATIONS.map((o) => [o.code, o.timeZone]))).toEqual(expected);
    const known = new Set(Intl.supportedValuesOf("timeZone"));
    for (const zone of Object.values(expected)) expect(known.has(zone) || zone === "UTC", zone).toBe(true);
    expect(organisationTimeZone("XX-M")).toBe("UTC");
  });

  it("at 5 pm on December 31 in California it is still December 31 there; in New York it is 8 pm, in St. Thomas 9 pm, in UTC already January 1", () => {
    const instant = new Date("2027-01-01T01:00:00Z");
    expect(organisationToday("CA-M", instant)).toBe("2026-12-31");
    expect(organisationToday("OR-M", instant)).toBe("2026-12-31");
    expect(organisationToday("ABIM", instant)).toBe("2026-12-31");
    expect(organisationToday("VI-M", instant)).toBe("2026-12-31");
    expect(organisationToday("ND-M", instant)).toBe("2026-12-31");
    expect(todayIn("UTC", instant)).toBe("2027-01-01");
    // 12:30 am in New York (5:30 UTC, EST): the eastern boards have turned the day, California has not.
    const later = new Date("2027-01-01T05:30:00Z");
    expect(organisationToday("NC-M", later)).toBe("2027-01-01");
    expect(organisationToday("AL-M", later)).toBe("2026-12-31");
    expect(organisationToday("CA-M", later)).toBe("2026-12-31");
    expect(organisationToday("VI-M", later)).toBe("2027-01-01");
  });
});
