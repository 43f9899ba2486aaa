// Imported first by scripts that measure the app (the bench, the load test): React, Remix and Express
// pick their production code paths from NODE_ENV when they are first loaded, and a deployment runs
// with NODE_ENV=production. (React's development build renders several times slower.) Then
// `requireProductionBuild()` refuses to measure anything else: another NODE_ENV, or a Remix build
// that is missing, not a production build, or older than the sources it was built from.
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";

process.env.NODE_ENV ??= "production";

/** What the server bundle is built from (remix.config.js: the app, and the db/ code it imports). */
const SOURCES = ["app", "db", "remix.config.js"];

async function newestSource(entry: string): Promise<{ file: string; mtimeMs: number }> {
  const info = await stat(entry);
  if (!info.isDirectory()) return { file: entry, mtimeMs: info.mtimeMs };
  let newest = { file: entry, mtimeMs: 0 };
  for (const child of await readdir(entry)) {
    const found = await newestSource(path.join(entry, child));
    if (found.mtimeMs > newest.mtimeMs) newest = found;
  }
  return newest;
}

/**
 * The Remix server build in `build/`, after checking that this process and the build are what
 * production runs; throws a message saying what to do otherwise.
 */
export async function requireProductionBuild(root = process.cwd()): Promise<ServerBuild> {
  if (process.env.NODE_ENV !== "production") {
    throw new Error(`NODE_ENV is "${process.env.NODE_ENV}": measurements run React and Remix as production does; unset NODE_ENV or set it to production`);
  }
  const file = path.join(root, "build", "index.js");
  const built = await stat(file).catch(() => null);
  if (!built) throw new Error(`no Remix build at ${file}: run \`npx remix build\` first`);
  let newest = { file: "", mtimeMs: 0 };
  for (const source of SOURCES) {
    const found = await newestSource(path.join(root, source));
    if (found.mtimeMs > newest.mtimeMs) newest = found;
  }
  if (newest.mtimeMs > built.mtimeMs) {
    throw new Error(`the Remix build (${file}, ${built.mtime.toISOString()}) is older than ${path.relative(root, newest.file)}: run \`npx remix build\` again`);
  }
  const build = (await import(pathToFileURL(file).href)) as ServerBuild;
  if (build.mode !== "production") throw new Error(`${file} is a ${build.mode} build: build it with \`npx remix build\` (a production build)`);
  return build;
}
