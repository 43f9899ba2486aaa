// `npm run migrate`: apply pending migrations to DATABASE_URL (owner role).
import { createDb } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { loadEnv } from "../app/env.server";

const env = loadEnv();
if (!env.DATABASE_URL) {
  console.error("DATABASE_URL is not set: `npm run migrate` needs a server to migrate (npm start migrates the embedded one).");
  process.exit(2);
}
const db = createDb({ connectionString: env.DATABASE_URL });
try {
  const applied = await migrateToLatest(db);
  console.log(applied.length ? `applied: ${applied.join(", ")}` : "already up to date");
} finally {
  await db.destroy();
}
