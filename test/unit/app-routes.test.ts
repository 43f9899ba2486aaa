// The route list that route-walking tests use: read from app/routes, one pattern per file, and the
// URL patterns Remix's flat-route convention gives those files.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { appRoutes, fillPattern, isIndexRoute } from "../support/routes";

describe("appRoutes", () => {
  const routes = appRoutes();

  it("has one route per file in app/routes, each with a unique pattern", () => {
    const files = readdirSync("app/routes").filter((f) => /\.tsx?$/.test(f)).sort();
    expect(routes.map((r) => r.file).sort()).toEqual(files);
    const patterns = routes.map((r) => r.pattern);
    expect(new Set(patterns).size).toBe(patterns.length);
    for (const r of routes) expect(r.pattern).toMatch(/^\/([a-z0-9-]+|:[A-Za-z]+)?(\/([a-z0-9-]+|:[A-Za-z]+))*$/);
  });

  it("maps file names to URLs as Remix does (index, trailing underscore, params)", () => {
    const byFile = new Map(routes.map((r) => [r.file, r]));
    expect(byFile.get("_index.tsx")).toMatchObject({ pattern: "/", params: [], hasLoader: true, hasAction: false });
    expect(byFile.get("login.tsx")).toMatchObject({ pattern: "/login", hasLoader: true, hasAction: true });
    expect(byFile.get("logout.tsx")).toMatchObject({ pattern: "/logout", hasAction: true });
    expect(byFile.get("renewals.$entryId.tsx")).toMatchObject({ pattern: "/renewals/:entryId", params: ["entryId"], hasLoader: true, hasAction: true });
    expect(byFile.get("renewals_.samples_.$sampleId.tsx")).toMatchObject({ pattern: "/renewals/samples/:sampleId", params: ["sampleId"], hasAction: false });
    expect(byFile.get("licensees_.$licenseeId.transcript_.export.tsx")?.pattern).toBe("/licensees/:licenseeId/transcript/export");
    expect(byFile.get("reports_.$report.export.tsx")?.params).toEqual(["report"]);
    expect(byFile.get("rosters._index.tsx")).toMatchObject({ pattern: "/rosters", hasAction: true });
    expect(isIndexRoute(byFile.get("rosters._index.tsx")!)).toBe(true);
    expect(isIndexRoute(byFile.get("rosters.unmatched.tsx")!)).toBe(false);
    // Every route with a form that writes is listed with its action.
    expect(routes.filter((r) => r.hasAction).map((r) => r.pattern).sort()).toEqual(
      ["/admin/analytics", "/login", "/logout", "/renewals/:entryId", "/renewals/bulk", "/renewals/rules", "/renewals/samples", "/rosters"].sort(),
    );
  });

  it("fills patterns with URL-encoded values", () => {
    expect(fillPattern("/licensees/:licenseeId", { licenseeId: "123" })).toBe("/licensees/123");
    expect(fillPattern("/licensees/:licenseeId/transcript", { licenseeId: "a/b ?#%" })).toBe("/licensees/a%2Fb%20%3F%23%25/transcript");
    expect(fillPattern("/", {})).toBe("/");
    expect(fillPattern("/files/*", { "*": "a b/c" })).toBe("/files/a%20b/c");
    expect(fillPattern("/x/:id?", {})).toBe("/x");
    expect(() => fillPattern("/renewals/:entryId", {})).toThrow(/entryId/);
  });
});
