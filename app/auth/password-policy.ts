// The password rules, in one place for every way a password is set (invitation, the account page,
// `npm run create-user`): NIST SP 800-63B (rev. 4) §3.1.1.2. At least 15 characters for an account
// that signs in with a password alone, at least 8 when it also has a second factor; long passphrases
// allowed (up to 256 characters); no composition rules; refused when it is on a list of common and
// breached passwords (the zxcvbn project's, shipped in @zxcvbn-ts/language-common) or is the
// account's own e-mail or name. Length counts characters as a person sees them (code points), not
// UTF-16 units. Pure: no database, no I/O.
import { dictionary } from "@zxcvbn-ts/language-common";

export const PASSWORD_MIN_WITHOUT_SECOND_FACTOR = 15;
export const PASSWORD_MIN_WITH_SECOND_FACTOR = 8;
export const PASSWORD_MAX = 256;

let common: Set<string> | undefined;
/** The common and breached passwords, lower-cased (about 49,000). */
function commonPasswords(): Set<string> {
  common ??= new Set((dictionary["passwords-common"] as readonly string[]).map((p) => p.toLowerCase()));
  return common;
}

export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.toLowerCase());
}

export interface PasswordContext {
  /** Whether the account has a second factor (passkey or authenticator app). */
  hasSecondFactor: boolean;
  email: string;
  /** The person's name, when known. */
  name?: string | null;
}

export function minimumLength(hasSecondFactor: boolean): number {
  return hasSecondFactor ? PASSWORD_MIN_WITH_SECOND_FACTOR : PASSWORD_MIN_WITHOUT_SECOND_FACTOR;
}

/** Characters as a person counts them (an emoji is one). */
export function passwordLength(password: string): number {
  return [...password].length;
}

/** Collapses case and anything but letters and digits, so "Ann.Lee" and "annlee" compare equal. */
function fold(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

/**
 * What is wrong with `password` for this account, as one sentence for the form, or null when it may
 * be used. Checked in order: length, the common list, the account's own e-mail or name.
 */
export function passwordProblem(password: string, context: PasswordContext): string | null {
  const min = minimumLength(context.hasSecondFactor);
  const length = passwordLength(password);
  if (length < min) {
    return context.hasSecondFactor
      ? `Use at least ${min} characters.`
      : `Use at least ${min} characters (${PASSWORD_MIN_WITH_SECOND_FACTOR} once your account has a second factor). A few unrelated words make a good one.`;
  }
  if (length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  if (password.trim() === "") return "A password cannot be only spaces.";
  if (isCommonPassword(password) || isCommonPassword(password.trim())) {
    return "This password is on a list of common or breached passwords. Choose another.";
  }
  const folded = fold(password);
  const email = context.email.trim().toLowerCase();
  const local = email.split("@")[0] ?? "";
  const personal = [email, local, context.name ?? ""].map(fold).filter((w) => w.length >= 4);
  // Refused when little is left once the e-mail and name are taken out ("Ann Lee Ann Lee!", "annlee-annlee-1");
  // a passphrase that merely contains a name keeps enough of its own.
  const rest = personal.reduce((text, word) => text.split(word).join(""), folded);
  if (personal.some((word) => folded.includes(word)) && passwordLength(rest) < PASSWORD_MIN_WITH_SECOND_FACTOR) {
    return "Do not use your email address or name in your password.";
  }
  return null;
}
