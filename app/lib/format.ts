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
