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
