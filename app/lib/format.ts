// Number and date formatting shared by every page (browser-safe).
const integer = new Intl.NumberFormat("en-US");

export function formatCount(value: number): string {
  return integer.format(value);
}

/** Formatters per time zone (an Intl.DateTimeFormat is costly to build, cheap to reuse). */
const zoned = new Map<string, Intl.DateTimeFormat>();
function formatterFor(kind: string, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${kind}|${timeZone}`;
  let formatter = zoned.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", { ...options, timeZone });
    zoned.set(key, formatter);
  }
  return formatter;
}

const instant = (value: string | Date) => (typeof value === "string" ? new Date(value) : value);

/**
 * The one way a moment is shown: in the organization's time zone, its abbreviation named, "Dec 5,
 * 2026, 9:14 AM PST" (PDT in summer); with `seconds` where they matter (the sync history). A
 * missing value is a dash.
 */
export function formatDateTime(value: string | Date | null, timeZone: string, options: { seconds?: boolean } = {}): string {
  if (value === null) return "—";
  return formatterFor(options.seconds ? "dateTimeSeconds" : "dateTime", timeZone, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    ...(options.seconds ? { second: "2-digit" as const } : {}),
    timeZoneName: "short",
  }).format(instant(value));
}

/** The zone in words for headers and notes: "Pacific Time", "Eastern Time", "Atlantic Standard Time". */
export function timeZoneLabel(timeZone: string): string {
  if (timeZone === "UTC") return "UTC";
  const part = formatterFor("zoneName", timeZone, { timeZoneName: "longGeneric" })
    .formatToParts(new Date())
    .find((p) => p.type === "timeZoneName");
  return part?.value ?? timeZone;
}

/** The wall-clock fields of a moment in a zone, and its offset from UTC in minutes. */
export function wallClock(value: string | Date, timeZone: string): { date: string; time: string; offsetMinutes: number } {
  const at = instant(value);
  const parts = Object.fromEntries(
    formatterFor("parts", timeZone, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const time = `${parts.hour}:${parts.minute}:${parts.second}`;
  // The offset is the wall clock read as if it were UTC, minus the instant (whole seconds).
  const wallAsUtc = Date.parse(`${date}T${time}Z`);
  const offsetMinutes = Math.round((wallAsUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
  return { date, time, offsetMinutes };
}

/** A moment as ISO 8601 with the zone's offset, for exports: "2026-12-05T09:14:00-08:00". */
export function isoInZone(value: string | Date, timeZone: string): string {
  const { date, time, offsetMinutes } = wallClock(value, timeZone);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `${date}T${time}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
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

/** A submission time as its calendar date in the organization's time zone, MM/DD/YYYY. */
export function formatSubmittedDate(iso: string, timeZone: string): string {
  return formatDate(wallClock(iso, timeZone).date);
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
