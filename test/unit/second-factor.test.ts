// The second factor's pure pieces (decision 031): secrets encrypted at rest (rotation, tampering,
// another user's row), TOTP steps against codes computed independently with otpauth's own
// generator, recovery codes as typed, and the relying party only from the allow-list.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decryptSecret,
  deriveFactorKeys,
  encryptSecret,
  hashRecoveryCode,
  newRecoveryCode,
  newTotpSecret,
  normaliseRecoveryCode,
  relyingPartyFor,
  totpStep,
} from "../../app/auth/second-factor.server";

const A = "a".repeat(32);
const B = "b".repeat(32);
const USER = "00000000-0000-4000-8000-000000000001";

/** RFC 6238 by hand: HMAC-SHA-1 of the step, dynamic truncation, six digits. */
function rfc6238(secret: Uint8Array, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", Buffer.from(secret)).update(counter).digest();
  const offset = mac[19]! & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, "0");
}

describe("authenticator secrets at rest", () => {
  it("round-trip, survive rotation (new key first, old still listed), and fail closed otherwise", () => {
    const secret = newTotpSecret();
    const stored = encryptSecret(deriveFactorKeys([A]), USER, secret);
    expect(stored).not.toContain(Buffer.from(secret).toString("base64url"));
    expect(decryptSecret(deriveFactorKeys([A]), USER, stored)).toEqual(secret);
    expect(decryptSecret(deriveFactorKeys([B, A]), USER, stored)).toEqual(secret);
    expect(decryptSecret(deriveFactorKeys([B]), USER, stored)).toBeNull();
    expect(decryptSecret(deriveFactorKeys([A]), "00000000-0000-4000-8000-000000000002", stored)).toBeNull();
    const parts = stored.split(".");
    const flipped = [...parts.slice(0, 4), parts[4]!.replace(/^./, (c) => (c === "A" ? "B" : "A"))].join(".");
    expect(decryptSecret(deriveFactorKeys([A]), USER, flipped)).toBeNull();
    expect(decryptSecret(deriveFactorKeys([A]), USER, "garbage")).toBeNull();
  });
});

describe("TOTP", () => {
  it("accepts this step's code and one step either side, nothing further, and names the step", () => {
    const secret = newTotpSecret();
    const now = 1_780_000_000_000;
    const step = Math.floor(now / 30_000);
    for (const delta of [-1, 0, 1]) expect(totpStep(secret, rfc6238(secret, step + delta), now)).toBe(step + delta);
    for (const delta of [-3, -2, 2, 3]) expect(totpStep(secret, rfc6238(secret, step + delta), now)).toBeNull();
    expect(totpStep(secret, `${rfc6238(secret, step).slice(0, 3)} ${rfc6238(secret, step).slice(3)}`, now)).toBe(step);
    for (const bad of ["", "12345", "1234567", "abcdef", "１２３４５６"]) expect(totpStep(secret, bad, now)).toBeNull();
  });
});

describe("recovery codes", () => {
  it("are 16 base32 characters in groups of four, read back whatever the case, spaces, dashes or O/I/L", () => {
    const code = newRecoveryCode();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    const plain = code.replace(/-/g, "");
    expect(normaliseRecoveryCode(code)).toBe(plain);
    expect(normaliseRecoveryCode(` ${code.toLowerCase().replace(/-/g, " ")} `)).toBe(plain);
    expect(normaliseRecoveryCode("0O1I-L000-0000-0000")).toBe("0011100000000000");
    for (const bad of ["", "ABCD", "ABCD-EFGH-JKMN-PQRU", "ABCD-EFGH-JKMN-PQRS-T"]) expect(normaliseRecoveryCode(bad)).toBeNull();
    expect(hashRecoveryCode(plain)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode(plain)).not.toContain(plain.toLowerCase());
  });
});

describe("the relying party", () => {
  const request = (url: string) => new Request(url);
  it("comes only from the configured origins; without any, only http://localhost:<port>; never an IP address", () => {
    const party = { origins: ["https://cme.board.example"] };
    expect(relyingPartyFor(party, request("https://cme.board.example/login/verify"))).toEqual({ origin: "https://cme.board.example", rpID: "cme.board.example" });
    expect(relyingPartyFor(party, request("https://evil.example/login/verify"))).toBeNull();
    expect(relyingPartyFor(party, request("http://localhost:3000/login/verify"))).toBeNull();
    const unset = { origins: [] };
    expect(relyingPartyFor(unset, request("http://localhost:3136/account/security"))).toEqual({ origin: "http://localhost:3136", rpID: "localhost" });
    expect(relyingPartyFor(unset, request("http://127.0.0.1:3136/account/security"))).toBeNull();
    expect(relyingPartyFor(unset, request("https://cme.board.example/account/security"))).toBeNull();
  });
});
