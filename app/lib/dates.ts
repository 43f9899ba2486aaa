// The calendar dates the app accepts from a URL, a form or a page link (browser-safe): one range,
// checked in one place before a date reaches JavaScript's Date arithmetic or PostgreSQL.
//
// Why a range at all: PostgreSQL has no year 0 (`date '0000-01-01'` is an error) and refuses years
// past 294276 for timestamps; JavaScript's Date accepts year 0 and refuses past 275760, and
// `toISOString()` writes years past 9999 as `+010000-01-01`, which PostgreSQL misreads. Every date
// this dashboard shows (completions, submissions, activity dates, renewal cycles, report windows)
// lies well inside 1900-01-01 … 2100-12-31, so anything outside is a typing slip or a probe, and is
// refused with a message rather than sent on.
import { parseDate } from "../../domain/calendar";

export const DATE_MIN = "1900-01-01";
export const DATE_MAX = "2100-12-31";

export const DATE_RANGE_MESSAGE = `Enter a date between ${DATE_MIN} and ${DATE_MAX}.`;

/** YYYY-MM-DD (exactly four-digit year, no sign) naming a day that exists, any year. */
export function isRealDate(value: string): boolean {
  return parseDate(value) !== null;
}

/** A real date inside DATE_MIN … DATE_MAX (string order is date order for four-digit years). */
export function isDateInRange(value: string): boolean {
  return isRealDate(value) && value >= DATE_MIN && value <= DATE_MAX;
}
