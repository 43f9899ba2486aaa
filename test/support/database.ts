// Test databases on the suite's embedded PostgreSQL: one seeded template, cloned per test file.
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import pg from "pg";
import { createAppDb, createDb } from "../../db/client";
import { migrateToLatest } from "../../db/migrate";
import type { Database } from "../../db/schema";
import { seedBoard } from "../../db/seed-board";
import { seedLearnerStore } from "../../db/generator/seed";

export const TEMPLATE_DB = "cme_template";
/** The seeded store every integration test starts from: small enough to build in seconds. */
export const TEMPLATE_SEED = { reports: 20_000, seed: 20261123 };

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function prepareTemplate(serverUrl: string): Promise<void> {
  await admin(serverUrl, (c) => c.query(`create database ${TEMPLATE_DB}`));
  const url = withDatabase(serverUrl, TEMPLATE_DB);
  const db = createDb({ connectionString: url });
  try {
    await migrateToLatest(db);
    await seedBoard(db, { demoUsers: true });
    await seedLearnerStore(url, TEMPLATE_SEED);
  } finally {
    await db.destroy();
  }
  await admin(serverUrl, (c) => c.query(`alter database ${TEMPLATE_DB} with is_template true`));
}

export interface TestDatabase {
  url: string;
  /** Owner role: for arranging data and for independent SQL checks. */
  owner: Kysely<Database>;
  /** The app's restricted role, exactly as the server uses it. */
  app: Kysely<Database>;
  drop(): Promise<void>;
}

/** A private copy of the seeded template (or an empty database with `empty: true`). */
export async function createTestDatabase(serverUrl: string, options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString("hex")}`;
  await admin(serverUrl, (c) =>
    c.query(options.empty ? `create database ${name}` : `create database ${name} template ${TEMPLATE_DB}`),
  );
  const url = withDatabase(serverUrl, name);
  const owner = createDb({ connectionString: url, max: 4 });
  const app = createAppDb(url, undefined, 4);
  return {
    url,
    owner,
    app,
    async drop() {
      await Promise.all([owner.destroy(), app.destroy()]);
      await admin(serverUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}
