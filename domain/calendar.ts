// Calendar dates (pure, browser-safe): the one place that knows month lengths, leap years, how a
// date moves by days and years, and which day it is "today" in a time zone.
//
// A calendar date is a day with no time of day and no time zone (a completion date, a cycle end, a
// birth month and day), written YYYY-MM-DD, proleptic Gregorian, years 0000–9999. As text, string
// order is date order. Arithmetic is on whole day numbers (days since 1970-01-01), computed with
// integers from the year, month and day, never through a Date in local time. Only `todayIn` turns an
// instant into a date, and it always names the time zone it reads the clock in.

export interface CalendarDate {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  /** 1–31 */
  readonly day: number;
}

export const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

const COMMON_YEAR_MONTHS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Day numbers of 0000-01-01 and 9999-12-31: the dates this module can write as YYYY-MM-DD. */
const FIRST_DAY = -719_528;
const LAST_DAY = 2_932_896;

const isMonth = (month: number) => Number.isInteger(month) && month >= 1 && month <= 12;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in a month (1–12) of a year; a month outside 1–12 is a RangeError. */
export function daysInMonth(year: number, month: number): number {
  if (!isMonth(month)) throw new RangeError(`A month is 1 to 12; got ${month}.`);
  return month === 2 && isLeapYear(year) ? 29 : (COMMON_YEAR_MONTHS[month - 1] as number);
}

/** The most days a month (1–12) ever has: February's 29 counts (a birth date, a month and day with no year). */
export function mostDaysInMonth(month: number): number {
  return daysInMonth(2000, month);
}

/** The days a month (1–12) has in every year: February's 28 (a day that recurs every year). */
export function fewestDaysInMonth(month: number): number {
  return daysInMonth(2001, month);
}

/** Whether year, month and day name a day that exists (whole numbers, year 0–9999). */
export function isRealDate(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) && year >= 0 && year <= 9999 && isMonth(month) && Number.isInteger(day) && day >= 1 && day <= daysInMonth(year, month)
  );
}

/** A month and day that exist in some year (MM/DD with no year: February 29 is one). */
export function isMonthDay(month: number, day: number): boolean {
  return isRealDate(2000, month, day);
}

/** YYYY-MM-DD naming a day that exists, or null (no other form, no surrounding space). */
export function parseDate(text: string): CalendarDate | null {
  const match = ISO_DATE.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return isRealDate(year, month, day) ? { year, month, day } : null;
}

export function isDate(text: string): boolean {
  return parseDate(text) !== null;
}

/** YYYY-MM-DD; the date must be real (see `isRealDate`), or this is a RangeError. */
export function formatDate({ year, month, day }: CalendarDate): string {
  if (!isRealDate(year, month, day)) throw new RangeError(`Not a calendar date: ${year}-${month}-${day}.`);
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

function toDate(date: string | CalendarDate): CalendarDate {
  if (typeof date !== "string") return date;
  const parsed = parseDate(date);
  if (!parsed) throw new RangeError(`Not a date as YYYY-MM-DD: “${date}”.`);
  return parsed;
}

// ---------------------------------------------------------------- day numbers

/**
 * Days since 1970-01-01 (negative before it): the integer form of a date that days are added to
 * and subtracted from. Exact for every year (H. Hinnant's days-from-civil, in 400-year eras).
 */
export function toDayNumber(date: string | CalendarDate): number {
  const { year, month, day } = toDate(date);
  if (!isRealDate(year, month, day)) throw new RangeError(`Not a calendar date: ${year}-${month}-${day}.`);
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The date of a day number (see `toDayNumber`); outside 0000-01-01 … 9999-12-31 is a RangeError. */
export function fromDayNumber(dayNumber: number): CalendarDate {
  if (!Number.isInteger(dayNumber) || dayNumber < FIRST_DAY || dayNumber > LAST_DAY) {
    throw new RangeError(`Day ${dayNumber} is outside the years 0000 to 9999.`);
  }
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** YYYY-MM-DD of a day number. */
export function dayNumberToIso(dayNumber: number): string {
  return formatDate(fromDayNumber(dayNumber));
}

// ---------------------------------------------------------------- moving and comparing

/** The date `days` later (earlier when negative); text in, text out; a date in, a date out. */
export function addDays(date: string, days: number): string;
export function addDays(date: CalendarDate, days: number): CalendarDate;
export function addDays(date: string | CalendarDate, days: number): string | CalendarDate {
  if (!Number.isInteger(days)) throw new RangeError(`Days to add must be a whole number; got ${days}.`);
  const moved = fromDayNumber(toDayNumber(date) + days);
  return typeof date === "string" ? formatDate(moved) : moved;
}

/** Days from `from` to `to`: positive when `to` is later, 0 on the same day. */
export function daysBetween(from: string | CalendarDate, to: string | CalendarDate): number {
  return toDayNumber(to) - toDayNumber(from);
}

/** -1, 0 or 1 as `a` is before, on or after `b` (a sort comparator). */
export function compareDates(a: string | CalendarDate, b: string | CalendarDate): -1 | 0 | 1 {
  const difference = daysBetween(b, a);
  return difference < 0 ? -1 : difference > 0 ? 1 : 0;
}

export function lastDayOf(year: number, month: number): CalendarDate {
  return { year, month, day: daysInMonth(year, month) };
}

/** The last day of a month as YYYY-MM-DD. */
export function lastDayOfMonth(year: number, month: number): string {
  return formatDate(lastDayOf(year, month));
}

export function isLastDayOfMonth(date: CalendarDate): boolean {
  return date.day === daysInMonth(date.year, date.month);
}

/**
 * The same month and day `years` later (earlier when negative), the way licenses and cycles run: a
 * date on a month's last day goes to that month's last day (Feb 28, 2027 + 1 year is Feb 29, 2028,
 * and Feb 29, 2028 - 2 years is Feb 28, 2026); any other day keeps its day, Feb 29 never arising.
 */
export function addYears(date: string, years: number): string;
export function addYears(date: CalendarDate, years: number): CalendarDate;
export function addYears(date: string | CalendarDate, years: number): string | CalendarDate {
  if (!Number.isInteger(years)) throw new RangeError(`Years to add must be a whole number; got ${years}.`);
  const from = toDate(date);
  const year = from.year + years;
  const moved = isLastDayOfMonth(from) ? lastDayOf(year, from.month) : { year, month: from.month, day: Math.min(from.day, daysInMonth(year, from.month)) };
  return typeof date === "string" ? formatDate(moved) : moved;
}

/**
 * The end of the cycle `years` before one ending on `end`. A cycle ending on a month's last day
 * follows month ends (Feb 29, 2028 back two years is Feb 28, 2026), so consecutive cycles never
 * overlap or leave a gap; otherwise the same month and day.
 */
export function previousCycleEnd(end: CalendarDate, years: number): CalendarDate {
  return addYears(end, -years);
}

/** The first day of a `years`-long period ending on `end` (inclusive on both ends). */
export function periodStart(end: CalendarDate, years: number): CalendarDate {
  return addDays(previousCycleEnd(end, years), 1);
}

// ---------------------------------------------------------------- today

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar date it is in `timeZone` (an IANA name such as "America/Los_Angeles") at the
 * instant `now`: at 5 pm on Dec 31 in California it is still Dec 31 there, though Jan 1 in UTC.
 * An unknown time zone is a RangeError.
 */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, calendar: "gregory", numberingSystem: "latn", year: "numeric", month: "numeric", day: "numeric" });
    dayFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return formatDate({ year: part("year"), month: part("month"), day: part("day") });
}
