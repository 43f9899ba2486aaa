// Starts one real, ephemeral PostgreSQL for the integration suite, migrates and seeds a template
// database once; each test file clones it (CREATE DATABASE ... TEMPLATE) so files never share state.
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedServer } from "../../db/embedded";
import { prepareTemplate, TEMPLATE_DB } from "./database";

let server: EmbeddedServer | undefined;

export default async function setup(project: TestProject) {
  const dataDir = path.resolve("test/.tmp", `pg-${process.pid}`);
  server = await startEmbeddedPostgres({ dataDir, ephemeral: true });
  await prepareTemplate(server.url);
  project.provide("pgServerUrl", server.url);
  project.provide("templateDb", TEMPLATE_DB);
  return async () => {
    await server?.stop();
  };
}
