// The pure parts of single sign-on (decision 032): the role a claim maps to, the allowed domains,
// the client secret's encryption at rest (and its rotation), the issuer addresses the server may
// ask, and the administrator's form.
import { describe, expect, it } from "vitest";
import { decryptClientSecret, domainAllowed, encryptClientSecret, environmentSecretName, environmentSecrets, issuerProblem, mappedRole } from "../../app/auth/sso.server";
import { SsoConfigForm } from "../../app/models/sso-config.server";

const MAP = { "cme-reviewers": "reviewer", "cme-supervisors": "supervisor", "cme-admins": "admin" };

describe("the role a claim maps to", () => {
  it("takes the highest mapped value, whatever the order, and ignores unmapped ones", () => {
    expect(mappedRole(["all-staff", "cme-reviewers", "cme-admins"], MAP)).toBe("admin");
    expect(mappedRole(["cme-supervisors", "cme-reviewers"], MAP)).toBe("supervisor");
    expect(mappedRole("cme-reviewers", MAP)).toBe("reviewer");
    expect(mappedRole(["all-staff"], MAP)).toBeNull();
  });

  it("gives nothing for a missing or odd claim, and nothing for a name inherited from Object", () => {
    for (const value of [undefined, null, 7, {}, [], [1, 2], ["CME-REVIEWERS"], "constructor", ["__proto__", "toString"]]) {
      expect(mappedRole(value, MAP), JSON.stringify(value)).toBeNull();
    }
  });
});

describe("allowed e-mail domains", () => {
  it("matches the domain exactly, in any case, never a suffix or a look-alike", () => {
    expect(domainAllowed("ada@medbd.ca.gov", ["medbd.ca.gov"])).toBe(true);
    expect(domainAllowed("Ada@MEDBD.CA.GOV", ["medbd.ca.gov"])).toBe(true);
    expect(domainAllowed("ada@evil-medbd.ca.gov", ["medbd.ca.gov"])).toBe(false);
    expect(domainAllowed("ada@sub.medbd.ca.gov", ["medbd.ca.gov"])).toBe(false);
    expect(domainAllowed("ada@medbd.ca.gov.evil.example", ["medbd.ca.gov"])).toBe(false);
    expect(domainAllowed("medbd.ca.gov@evil.example", ["medbd.ca.gov"])).toBe(false);
    expect(domainAllowed("@medbd.ca.gov", ["medbd.ca.gov"])).toBe(false);
    expect(domainAllowed("ada@medbd.ca.gov", [])).toBe(false);
  });
});

describe("the client secret at rest", () => {
  const current = "a".repeat(40);
  const previous = "b".repeat(40);

  it("round-trips, never contains the secret, and differs each time", () => {
    const one = encryptClientSecret([current], "s3cret-value");
    const two = encryptClientSecret([current], "s3cret-value");
    expect(one).not.toContain("s3cret");
    expect(one).not.toBe(two);
    expect(decryptClientSecret([current], one)).toBe("s3cret-value");
  });

  it("still opens under a rotated-out secret kept in the list, and not under another", () => {
    const stored = encryptClientSecret([previous], "kept");
    expect(decryptClientSecret([current, previous], stored)).toBe("kept");
    expect(decryptClientSecret([current], stored)).toBeNull();
  });

  it("refuses a tampered or malformed value instead of returning garbage", () => {
    const stored = encryptClientSecret([current], "kept");
    const [v, iv, tag, body] = stored.split(".");
    // One bit of the ciphertext flipped (on the bytes: a changed base64 character can be padding).
    const bytes = Buffer.from(body!, "base64url");
    bytes[0] = bytes[0]! ^ 1;
    const flipped = bytes.toString("base64url");
    expect(flipped).not.toBe(body);
    expect(decryptClientSecret([current], [v, iv, tag, flipped].join("."))).toBeNull();
    for (const bad of ["", "v1", "v2.a.b.c", "v1...", "not-encrypted"]) expect(decryptClientSecret([current], bad)).toBeNull();
  });
});

describe("the environment's client secrets", () => {
  it("are named after the organization code, and read only for known organizations", () => {
    expect(environmentSecretName("CA-M")).toBe("SSO_CA_M_CLIENT_SECRET");
    expect(environmentSecrets({ SSO_CA_M_CLIENT_SECRET: " from-env ", SSO_ABIM_CLIENT_SECRET: "", SSO_XX_CLIENT_SECRET: "x" }, ["CA-M", "ABIM"])).toEqual({ "CA-M": "from-env" });
  });
});

describe("issuer addresses", () => {
  it("are https, or http on this machine only", () => {
    expect(issuerProblem("https://login.example.org")).toBeNull();
    expect(issuerProblem("https://login.example.org/tenant/v2.0")).toBeNull();
    expect(issuerProblem("http://127.0.0.1:3147")).toBeNull();
    expect(issuerProblem("http://localhost:3147")).toBeNull();
    for (const bad of ["http://login.example.org", "ftp://x.example", "javascript:alert(1)", "login.example.org", "https://user:pw@x.example", "https://x.example/?a=1", "https://x.example/#f", "http://169.254.169.254"]) {
      expect(issuerProblem(bad), bad).not.toBeNull();
    }
  });
});

describe("the administrator's form", () => {
  const base = { issuer: "https://login.example.org", clientId: "cme", allowedDomains: "medbd.ca.gov", provisioning: "invited", defaultRole: "reviewer" };

  it("reads domains and the role mapping one a line", () => {
    const parsed = SsoConfigForm.parse({ ...base, allowedDomains: "MedBd.CA.gov, @dca.ca.gov\nmedbd.ca.gov", roleClaim: "groups", roleMap: "CME Reviewers = reviewer\r\ncme=admins = Administrator\n\n" });
    expect(parsed.allowedDomains).toEqual(["medbd.ca.gov", "dca.ca.gov"]);
    expect(parsed.roleMap).toEqual({ "CME Reviewers": "reviewer", "cme=admins": "admin" });
    expect(parsed.defaultRole).toBe("reviewer");
  });

  it("names the field of each mistake", () => {
    const result = SsoConfigForm.safeParse({ ...base, roleMap: "a = boss", roleClaim: "", enabled: "on", allowedDomains: "", provisioning: "jit", defaultRole: "none" });
    expect(result.success).toBe(false);
    const fields = new Set(result.error!.issues.map((i) => i.path.join(".")));
    expect(fields).toEqual(new Set(["roleMap"]));
    const second = SsoConfigForm.safeParse({ ...base, roleClaim: "", roleMap: "a = admin", enabled: "on", allowedDomains: "", provisioning: "jit", defaultRole: "none" });
    expect(new Set(second.error!.issues.map((i) => i.path.join(".")))).toEqual(new Set(["roleClaim", "allowedDomains"]));
    const third = SsoConfigForm.safeParse({ ...base, enabled: "on", provisioning: "jit", defaultRole: "none" });
    expect(third.error!.issues.map((i) => i.path.join("."))).toEqual(["defaultRole"]);
    expect(SsoConfigForm.safeParse({ ...base, defaultRole: "owner" }).success).toBe(false);
    expect(SsoConfigForm.safeParse({ ...base, clientId: "a\u0000b" }).success).toBe(false);
  });
});
