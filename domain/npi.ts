// National Provider Identifiers: 10 digits whose last is a Luhn check digit computed over the
// constant prefix 80840 followed by the first nine digits (the CMS rule).

const PREFIX = "80840";

/** The Luhn check digit for a digit string (the digit that would be appended to it). */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    // Doubling starts with the rightmost payload digit, since the check digit will follow it.
    let digit = payload.charCodeAt(payload.length - 1 - i) - 48;
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function makeNpi(firstNine: string): string {
  if (!/^[0-9]{9}$/.test(firstNine)) throw new Error(`an NPI starts with nine digits, got ${firstNine}`);
  return firstNine + String(luhnCheckDigit(PREFIX + firstNine));
}

export function isValidNpi(npi: string): boolean {
  return /^[0-9]{10}$/.test(npi) && luhnCheckDigit(PREFIX + npi.slice(0, 9)) === Number(npi[9]);
}
