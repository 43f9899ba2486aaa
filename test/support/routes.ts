// Every route of the app, as Remix itself resolved the route files: the server build's route table
// (built from app/routes by Remix's own flat-route convention), so a test that walks the routes picks
// up a new route file without being told: its URL pattern, its path params, and whether it has a
// loader and an action.
import path from "node:path";
import type { ServerBuild } from "@remix-run/node";

export interface AppRoute {
  /** Remix's route id, e.g. "routes/renewals_.samples_.$sampleId". */
  id: string;
  /** URL pattern, e.g. "/renewals/samples/:sampleId" ("/" for the root index). */
  pattern: string;
  /** Dynamic params in the order they appear ("*" for a splat). */
  params: string[];
  /** An index route: its action is reached with `?index`. */
  index: boolean;
  hasLoader: boolean;
  hasAction: boolean;
  /** A page: the route renders something (a default export), not only data or a download. */
  hasComponent: boolean;
}

/** The routes under app/routes (not the root layout), from the server build. */
export async function appRoutes(): Promise<AppRoute[]> {
  const build = (await import(path.resolve("build/index.js"))) as ServerBuild;
  const routes = Object.values(build.routes).filter((r) => r !== undefined);
  const byId = new Map(routes.map((r) => [r.id, r]));
  const pathOf = (id: string | undefined): string[] => {
    const route = id ? byId.get(id) : undefined;
    return route ? [...pathOf(route.parentId), ...(route.path ? route.path.split("/") : [])] : [];
  };
  return routes
    .filter((r) => r.id !== "root")
    .map((r) => {
      const segments = pathOf(r.id).filter(Boolean);
      return {
        id: r.id,
        pattern: `/${segments.join("/")}`,
        params: segments.filter((s) => s === "*" || s.startsWith(":")).map((s) => (s === "*" ? "*" : s.slice(1).replace(/\?$/, ""))),
        index: r.index === true,
        hasLoader: typeof r.module.loader === "function",
        hasAction: typeof r.module.action === "function",
        hasComponent: typeof r.module.default === "function",
      };
    })
    .sort((x, y) => x.id.localeCompare(y.id));
}

/**
 * The pattern with its params filled in, each value URL-encoded ("/licensees/:licenseeId" with
 * { licenseeId: "12" } → "/licensees/12"). A missing optional param drops its segment; a missing
 * required one is an error. A splat ("*") keeps its slashes and encodes each part.
 */
export function fillPattern(pattern: string, values: Record<string, string>): string {
  const parts = pattern.split("/").flatMap((segment) => {
    if (segment === "*") {
      const value = values["*"];
      if (value === undefined) throw new Error(`fillPattern: no value for the splat of ${pattern}`);
      return [value.split("/").map(encodeURIComponent).join("/")];
    }
    const param = segment.match(/^:([^?]+)(\?)?$/);
    if (param) {
      const value = values[param[1]!];
      if (value === undefined) {
        if (param[2]) return [];
        throw new Error(`fillPattern: no value for :${param[1]} in ${pattern}`);
      }
      return [encodeURIComponent(value)];
    }
    const optional = segment.match(/^(.+)\?$/);
    return [optional ? optional[1]! : segment];
  });
  const filled = parts.join("/");
  return filled === "" ? "/" : filled;
}
