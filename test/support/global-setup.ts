// Starts one real, ephemeral PostgreSQL for the integration suite, migrates and seeds a template
// database once; each test file clones it (CREATE DATABASE ... TEMPLATE) so files never share state.
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { enableAppLogin } from "../../db/client";
import { startEmbeddedPostgres, type EmbeddedServer } from "../../db/embedded";
import { prepareTemplate, TEMPLATE_DB } from "./template";

let server: EmbeddedServer | undefined;

export default async function setup(project: TestProject) {
  // Under the OS temp folder: the unprivileged postgres user must be able to reach it.
  const dataDir = path.join(os.tmpdir(), `cme-test-pg-${process.pid}`);
  server = await startEmbeddedPostgres({ dataDir, ephemeral: true });
  await prepareTemplate(server.url);
  project.provide("pgServerUrl", server.url);
  project.provide("templateDb", TEMPLATE_DB);
  project.provide("pgAppUrl", await enableAppLogin(server.url));
  return async () => {
    await server?.stop();
  };
}
