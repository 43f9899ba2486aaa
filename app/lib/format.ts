// Number and date formatting shared by every page (browser-safe).
const integer = new Intl.NumberFormat("en-US");

export function formatCount(value: number): string {
  return integer.format(value);
}

const dateTime = new Intl.DateTimeFormat("en-US", {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
  timeZoneName: "short",
});

/** A submission timestamp, shown in UTC so every reviewer reads the same time. */
export function formatTimestamp(iso: string | null): string {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

export function formatPercent(part: number, whole: number): string {
  if (whole === 0) return "—";
  return `${((part / whole) * 100).toFixed(1)}%`;
}

const credits = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Credits in quarter hours, always with two decimals (0.25, 1.50, 12.00). */
export function formatCredits(value: number): string {
  return credits.format(value);
}

/** A calendar date YYYY-MM-DD as US boards write it, MM/DD/YYYY (no time zone involved). */
export function formatDate(iso: string | null): string {
  if (!iso) return "—";
  const [y, m, d] = iso.split("-");
  return `${m}/${d}/${y}`;
}

/** A submission time as its UTC calendar date, MM/DD/YYYY (the day "late" is counted from). */
export function formatSubmittedDate(iso: string): string {
  // toISOString is UTC; Intl.DateTimeFormat gave the same for a tenth of a millisecond more per cell.
  return formatDate(new Date(iso).toISOString().slice(0, 10));
}

/** A span of time in words, to the minute: "less than a minute", "14 minutes", "2 hours 5 minutes", "3 days". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  const plural = (n: number, unit: string) => `${integer.format(n)} ${unit}${n === 1 ? "" : "s"}`;
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return plural(minutes, "minute");
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? plural(hours, "hour") : `${plural(hours, "hour")} ${plural(minutes % 60, "minute")}`;
  return plural(Math.floor(hours / 24), "day");
}

const timeOfDay = new Intl.DateTimeFormat("en-US", { hour: "numeric", minute: "2-digit", timeZone: "UTC", timeZoneName: "short" });
const dayAndTime = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZone: "UTC", timeZoneName: "short" });

/** A moment as a time of day in UTC ("3:42 PM UTC"), with its date when it is not on `nowIso`'s day ("Dec 3, 3:42 PM UTC"). */
export function formatTimeOfDay(iso: string, nowIso: string): string {
  const sameDay = new Date(iso).toISOString().slice(0, 10) === new Date(nowIso).toISOString().slice(0, 10);
  return (sameDay ? timeOfDay : dayAndTime).format(new Date(iso));
}

const dateTimeIn = new Map<string, Intl.DateTimeFormat>();

/** A moment in an organization's time zone, the zone named: "Dec 5, 2026, 9:14 AM PST". */
export function formatDateTime(value: string | Date | null, timeZone: string): string {
  if (value === null) return "—";
  let format = dateTimeIn.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZone, timeZoneName: "short" });
    dateTimeIn.set(timeZone, format);
  }
  return format.format(typeof value === "string" ? new Date(value) : value);
}
