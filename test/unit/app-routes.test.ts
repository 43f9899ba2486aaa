// fillPattern: a route's URL pattern with its params filled in, each value URL-encoded. (The route
// table itself is Remix's, read from the server build: test/integration/app-routes.test.ts.)
import { describe, expect, it } from "vitest";
import { fillPattern } from "../support/routes";

describe("fillPattern", () => {
  it("fills patterns with URL-encoded values", () => {
    expect(fillPattern("/licensees/:licenseeId", { licenseeId: "123" })).toBe("/licensees/123");
    expect(fillPattern("/licensees/:licenseeId/transcript", { licenseeId: "a/b ?#%" })).toBe("/licensees/a%2Fb%20%3F%23%25/transcript");
    expect(fillPattern("/", {})).toBe("/");
    expect(fillPattern("/files/*", { "*": "a b/c" })).toBe("/files/a%20b/c");
    expect(fillPattern("/x/:id?", {})).toBe("/x");
    expect(() => fillPattern("/renewals/:entryId", {})).toThrow(/entryId/);
  });
});
