// Runs the Kysely migrations in db/migrations (owner role). Used at start-up, by `npm run migrate`, and by tests.
import type { Kysely } from "kysely";
import { Migrator, NO_MIGRATIONS, type MigrationResultSet } from "kysely/migration";
import { migrations } from "./migrations/index";

// Migrations are typed against no schema by design (they are frozen in time), hence Kysely<any>.
function migratorFor(db: Kysely<any>): Migrator {
  // Branches add migrations in parallel (0005 and 0006 were written side by side): a database that
  // already ran a later one still takes an earlier one it has not run.
  return new Migrator({ db, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true });
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
