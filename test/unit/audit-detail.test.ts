// The audit log's detail as jsonb text: jsonb cannot hold U+0000, so a NUL escape a request brought
// in (a licensee view records its query string) is stored as U+FFFD, and nothing else changes.
import { describe, expect, it } from "vitest";
import { auditDetailJson } from "../../app/models/audit.server";

describe("auditDetailJson", () => {
  it("replaces only real NUL escapes", () => {
    expect(JSON.parse(auditDetailJson({ "\0": "a\0b", text: "\\u0000 is six characters", both: "\\\0" }))).toEqual({
      "\uFFFD": "a\uFFFDb",
      text: "\\u0000 is six characters",
      both: "\\\uFFFD",
    });
  });
});
