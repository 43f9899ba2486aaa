// The seeded template database the integration suite clones per test file (used by global setup,
// which runs outside the test workers and so must not import vitest).
import type { Kysely } from "kysely";
import pg from "pg";
import { createDb, withDatabase } from "../../db/client";
import { migrateToLatest } from "../../db/migrate";
import { seedBoard } from "../../db/seed-board";
import { seedLearnerStore, type SeedOptions } from "../../db/generator/seed";
import type { Database } from "../../db/schema";
import { seedDemoAccounts } from "../../scripts/lib/demo-accounts";
import { seedDemoRosters } from "../../scripts/lib/demo-rosters";

export const TEMPLATE_DB = "cme_template";
/** The seeded store every integration test starts from: small enough to build in seconds. */
export const TEMPLATE_SEED = { physicians: 1_500, seed: 20261123 };
/** The demo rosters' reference day: the store's own (today), so cycle ends lie in the coming year. */
export const TEMPLATE_ROSTER_DAY = new Date().toISOString().slice(0, 10);

export async function admin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Migrates the database at `url` and seeds it as the suite's store: the board side with demo users, learners and records, and every board's demo roster. */
export async function seedTestStore(url: string, db: Kysely<Database>, seed: SeedOptions = TEMPLATE_SEED): Promise<void> {
  await migrateToLatest(db);
  await seedBoard(db);
  await seedDemoAccounts(db);
  await seedLearnerStore(url, seed);
  await seedDemoRosters(db, { today: TEMPLATE_ROSTER_DAY });
}

export async function prepareTemplate(serverUrl: string): Promise<void> {
  await admin(serverUrl, (c) => c.query(`create database ${TEMPLATE_DB}`));
  const url = withDatabase(serverUrl, TEMPLATE_DB);
  const db = createDb({ connectionString: url });
  try {
    await seedTestStore(url, db);
  } finally {
    await db.destroy();
  }
  await admin(serverUrl, (c) => c.query(`alter database ${TEMPLATE_DB} with is_template true`));
}

