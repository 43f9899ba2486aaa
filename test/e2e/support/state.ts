// Shared between the e2e server and the tests: where the server writes its database URL.
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";

export const E2E_STATE_FILE = path.resolve("test/.tmp/e2e-state.json");

/** Plain SQL against the e2e server's database, for expected values independent of the app. */
export async function querySql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const { ownerUrl } = JSON.parse(readFileSync(E2E_STATE_FILE, "utf8")) as { ownerUrl: string };
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
