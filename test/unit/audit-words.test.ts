// The audit trail in words, and the serialization its hash chain is taken over.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { auditActionLabel, auditActionLabels, describeAuditDetail } from "../../app/lib/audit-words";
import { formatDateTime } from "../../app/lib/format";
import { auditRowHash, canonicalAuditRow, type ChainedRow } from "../../app/models/audit-chain.server";
import { orgWords } from "../../domain/org-words";

const state = orgWords("state_board");
const certifying = orgWords("certifying_board");

describe("audit actions in words", () => {
  it("uses each organization's own words", () => {
    expect(auditActionLabel("licensee.view", state)).toBe("Viewed a licensee");
    expect(auditActionLabel("licensee.view", certifying)).toBe("Viewed a diplomate");
    expect(auditActionLabel("login.success", state)).toBe("Signed in");
    expect(auditActionLabel("export", state)).toBe("Exported");
    expect(auditActionLabel("decision.record", state)).toBe("Recorded a decision");
  });

  it("reads an action recorded by a later version as words", () => {
    expect(auditActionLabel("user.role_change", state)).toBe("User role change");
  });

  it("names every action with a label and no internal name", () => {
    for (const label of Object.values(auditActionLabels(state))) expect(label).not.toMatch(/[._]|json|sql/i);
  });
});

describe("audit details in words", () => {
  it("says what an export held, never as JSON", () => {
    const text = describeAuditDetail("export", "learner:12", { format: "csv", rows: 1234, completed: false, aborted: "client", filters: { status: "accepted", completedFrom: "2025-01-01" } }, state);
    expect(text).toBe("Exported a licensee's credit reports as CSV, 1,234 rows (stopped early: the download was cancelled). Filters: status accepted, completed from 01/01/2025.");
  });

  it("says a decision's outcome and reasons", () => {
    expect(describeAuditDetail("decision.record", "entry:5", { outcome: "extension_granted", status: "short", extendedTo: "2027-03-31" }, state)).toBe(
      "Extension granted (the check said: short of the requirement); extended to 03/31/2027.",
    );
  });

  it("says a failed sign-in's reason", () => {
    expect(describeAuditDetail("login.failure", null, { email: "a@b.test", reason: "wrong_password" }, state)).toBe("Wrong password (a@b.test).");
  });

  it("falls back to names and values in words for a detail it does not know", () => {
    expect(describeAuditDetail("something.new", null, { someCount: 3, flag: true, list: ["a", "b"] }, state)).toBe("Some count 3, flag yes, list a, b.");
  });
});

describe("formatDateTime", () => {
  it("prints a moment in the organization's zone, named", () => {
    expect(formatDateTime("2026-12-05T17:14:00Z", "America/Los_Angeles")).toBe("Dec 5, 2026, 9:14 AM PST");
    expect(formatDateTime("2026-07-05T17:14:00Z", "America/New_York")).toBe("Jul 5, 2026, 1:14 PM EDT");
  });
});

describe("the audit chain's serialization", () => {
  const row: ChainedRow = {
    chain: "CA-M",
    chainSeq: "2",
    id: "17",
    occurredAt: "2026-12-05T09:14:03.123456Z",
    userId: null,
    orgCode: "CA-M",
    action: "licensee.view",
    target: "learner:12",
    detail: '{"page": "licensee"}',
    ip: "203.0.113.7",
    prevId: "16",
    prevHash: "ab",
  };

  it("length-prefixes every field (bytes, not characters) and marks nulls", () => {
    expect(canonicalAuditRow(row)).toBe('audit-v1|S4:CA-M|S1:2|S2:17|S27:2026-12-05T09:14:03.123456Z|N|S4:CA-M|S13:licensee.view|S10:learner:12|S20:{"page": "licensee"}|S11:203.0.113.7|S2:16|S2:ab');
    expect(canonicalAuditRow({ ...row, target: "é" })).toContain("|S2:é|");
  });

  it("hashes it with SHA-256, and any change of a field changes the hash", () => {
    expect(auditRowHash(row)).toBe(createHash("sha256").update(canonicalAuditRow(row)).digest("hex"));
    // Moving a separator between fields is a different row.
    expect(auditRowHash({ ...row, action: "licensee.view|", target: "earner:12" })).not.toBe(auditRowHash(row));
    for (const key of Object.keys(row) as (keyof ChainedRow)[]) {
      expect(auditRowHash({ ...row, [key]: key === "userId" ? "x" : `${row[key] ?? ""}x` }), key).not.toBe(auditRowHash(row));
    }
  });
});
