// The official transcript's verification code and fixed wording (browser-safe, pure): 12
// characters of Crockford's base32, printed in groups of four, read back forgivingly.

/** The transcript's primary-source statement. */
export const PRIMARY_SOURCE = "Reported by accredited providers to the ACCME's program";

/** Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper is not misread. */
export const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const CODE_LENGTH = 12;

/** "7K3M-Q9XZ-2HRT": how a code is printed. */
export function formatCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8, 12)}`;
}

/**
 * A code as typed, or null when it cannot be one: case, dashes and spaces ignored, and the letters
 * Crockford's base32 reads as digits taken as those digits (O as 0; I and L as 1).
 */
export function normaliseCode(input: string): string | null {
  if (input.length > 40) return null;
  const code = input.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  if (code.length !== CODE_LENGTH) return null;
  for (const char of code) if (!CODE_ALPHABET.includes(char)) return null;
  return code;
}
