// The route list that route-walking tests (isolation matrix, CSRF, fuzz) use: Remix's own route
// table from the server build, one route per file in app/routes, with the URL patterns, params,
// index flags, loaders and actions those files give.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { appRoutes } from "../support/routes";

const routes = await appRoutes();

describe("appRoutes", () => {
  it("has one route per file in app/routes, each with a unique pattern", () => {
    const files = readdirSync("app/routes").map((f) => `routes/${f.replace(/\.tsx?$/, "")}`).sort();
    expect(routes.map((r) => r.id).sort()).toEqual(files);
    const patterns = routes.map((r) => r.pattern);
    expect(new Set(patterns).size).toBe(patterns.length);
    for (const r of routes) expect(r.pattern).toMatch(/^\/([a-z0-9-]+|:[A-Za-z]+)?(\/([a-z0-9-]+|:[A-Za-z]+))*$/);
  });

  it("gives the URLs, params, loaders and actions of Remix's flat-route names", () => {
    const byId = new Map(routes.map((r) => [r.id, r]));
    expect(byId.get("routes/_index")).toMatchObject({ pattern: "/", params: [], index: true, hasLoader: true, hasAction: false });
    expect(byId.get("routes/login")).toMatchObject({ pattern: "/login", hasLoader: true, hasAction: true });
    expect(byId.get("routes/renewals.$entryId")).toMatchObject({ pattern: "/renewals/:entryId", params: ["entryId"], hasLoader: true, hasAction: true });
    expect(byId.get("routes/renewals_.samples_.$sampleId")).toMatchObject({ pattern: "/renewals/samples/:sampleId", params: ["sampleId"], hasAction: false });
    expect(byId.get("routes/licensees_.$licenseeId.transcript_.export")?.pattern).toBe("/licensees/:licenseeId/transcript/export");
    expect(byId.get("routes/reports_.$report.export")?.params).toEqual(["report"]);
    expect(byId.get("routes/rosters._index")).toMatchObject({ pattern: "/rosters", index: true, hasAction: true });
    expect(byId.get("routes/rosters.unmatched")?.index).toBe(false);
    // Every route with a form that writes is listed with its action.
    expect(routes.filter((r) => r.hasAction).map((r) => r.pattern).sort()).toEqual(
      ["/account", "/account/security", "/account/security/enrol", "/admin/analytics", "/admin/audit/verify", "/admin/sso", "/admin/users", "/admin/users/:userId", "/admin/users/invite", "/invite/:token", "/login", "/login/verify", "/logout", "/preferences/columns", "/renewals/:entryId", "/renewals/bulk", "/renewals/rules", "/renewals/samples", "/rosters", "/rosters/:uploadId", "/rosters/unmatched"].sort(),
    );
  });
});
