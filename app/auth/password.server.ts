// Password hashing: argon2id with the library's defaults (OWASP-recommended memory cost). What a
// password may be is decided in password-policy.ts.
import { hash, verify, type Options } from "@node-rs/argon2";

// Algorithm.Argon2id is a const enum, which isolated modules cannot read: its value is 2.
const OPTIONS: Options = { algorithm: 2 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Verifying against this when the email is unknown keeps the response time the same either way.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null) {
    dummyHash ??= hashPassword("not-a-real-password-for-timing");
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
