// Number and date formatting shared by every page (browser-safe).
const integer = new Intl.NumberFormat("en-US");

export function formatCount(value: number): string {
  return integer.format(value);
}
