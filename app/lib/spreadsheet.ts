// Spreadsheet safety for exported cells (browser-safe, pure): a cell that begins with =, +, -, @,
// tab or carriage return can be read by Excel, LibreOffice or Sheets as a formula (OWASP "CSV
// injection"), so such text is prefixed with an apostrophe and always read as text.

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Whether a text cell would be read as a formula if left as it is. */
export function looksLikeFormula(value: string): boolean {
  return FORMULA_START.test(value);
}
