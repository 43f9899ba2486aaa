// Runs the Kysely migrations in db/migrations (owner role). Used at start-up, by `npm run migrate`, and by tests.
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Kysely } from "kysely";
import { FileMigrationProvider, Migrator, NO_MIGRATIONS, type MigrationResultSet } from "kysely/migration";

const migrationFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

// Migrations are typed against no schema by design (they are frozen in time), hence Kysely<any>.
function migratorFor(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder }) });
}

function check({ error, results }: MigrationResultSet): void {
  if (error) {
    const failed = results?.find((r) => r.status === "Error");
    throw new Error(`migration ${failed?.migrationName ?? "(unknown)"} failed: ${String(error)}`);
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const result = await migratorFor(db).migrateToLatest();
  check(result);
  return (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

export async function migrateDownAll(db: Kysely<any>): Promise<void> {
  const result = await migratorFor(db).migrateTo(NO_MIGRATIONS);
  check(result);
}
