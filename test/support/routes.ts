// Every route of the app, read from app/routes at run time (Remix v2 flat routes), so a test that
// walks the routes picks up a new route file without being told: its URL pattern, its path params,
// and whether it has a loader and an action.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface AppRoute {
  /** Path relative to app/routes, e.g. "renewals_.samples_.$sampleId.tsx" (or "x/route.tsx"). */
  file: string;
  /** URL pattern, e.g. "/renewals/samples/:sampleId" ("/" for the root index). */
  pattern: string;
  /** Dynamic params in the order they appear ("*" for a splat). */
  params: string[];
  hasLoader: boolean;
  hasAction: boolean;
}

const ROUTES_DIR = fileURLToPath(new URL("../../app/routes", import.meta.url));
const ROUTE_EXTENSIONS = /\.(tsx?|jsx?|mdx?)$/;

/** Splits a route id on the dots that separate segments (dots inside [...] are escaped). */
function splitSegments(id: string): string[] {
  const segments: string[] = [];
  let current = "";
  let inEscape = false;
  for (const c of id) {
    if (c === "[") inEscape = true;
    else if (c === "]") inEscape = false;
    if (c === "." && !inEscape) {
      segments.push(current);
      current = "";
    } else current += c;
  }
  segments.push(current);
  return segments;
}

const unescape = (segment: string) => segment.replace(/\[([^\]]*)\]/g, "$1");

/** One file-name segment as a URL segment (null when it adds nothing to the URL). */
function urlSegment(segment: string, params: string[]): string | null {
  if (segment === "_index") return null;
  // A leading underscore (outside an escape) is a pathless layout.
  if (segment.startsWith("_")) return null;
  let s = segment.endsWith("_") && !segment.endsWith("[_]") ? segment.slice(0, -1) : segment;
  const optional = /^\(.*\)$/.test(s);
  if (optional) s = s.slice(1, -1);
  if (s === "$") {
    params.push("*");
    return "*";
  }
  if (s.startsWith("$")) {
    const name = s.slice(1);
    params.push(name);
    return `:${name}${optional ? "?" : ""}`;
  }
  const literal = unescape(s);
  return optional ? `${literal}?` : literal;
}

function exportsFunction(source: string, name: "loader" | "action"): boolean {
  return new RegExp(
    `export\\s+(?:async\\s+)?function\\s+${name}\\b|export\\s+(?:const|let|var)\\s+${name}\\b|export\\s*\\{[^}]*\\b${name}\\b[^}]*\\}`,
  ).test(source);
}

/** The route files under app/routes: flat files, and folders with a route.* module. */
function routeFiles(): { file: string; id: string }[] {
  const files: { file: string; id: string }[] = [];
  for (const name of readdirSync(ROUTES_DIR).sort()) {
    const full = path.join(ROUTES_DIR, name);
    if (statSync(full).isDirectory()) {
      const module = readdirSync(full).find((f) => /^route\.(tsx?|jsx?|mdx?)$/.test(f));
      if (module) files.push({ file: `${name}/${module}`, id: name });
    } else if (ROUTE_EXTENSIONS.test(name)) {
      files.push({ file: name, id: name.replace(ROUTE_EXTENSIONS, "") });
    }
  }
  return files;
}

export function appRoutes(): AppRoute[] {
  if (!existsSync(ROUTES_DIR)) throw new Error(`appRoutes: no ${ROUTES_DIR}`);
  return routeFiles().map(({ file, id }) => {
    const params: string[] = [];
    const parts = splitSegments(id)
      .map((segment) => urlSegment(segment, params))
      .filter((s): s is string => s !== null && s !== "");
    const source = readFileSync(path.join(ROUTES_DIR, file), "utf8");
    return {
      file,
      pattern: `/${parts.join("/")}`,
      params,
      hasLoader: exportsFunction(source, "loader"),
      hasAction: exportsFunction(source, "action"),
    };
  });
}

/** Whether the route is an index route (its action is reached with `?index`). */
export function isIndexRoute(route: AppRoute): boolean {
  return /(^|\.)_index(\/|\.|$)/.test(route.file);
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
