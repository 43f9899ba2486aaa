// Where the owner connection comes from for start-up and command-line scripts: DATABASE_URL, or the
// embedded PostgreSQL in DATA_DIR (reusing a running `npm start` when there is one).
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedServer } from "../../db/embedded";
import type { Env } from "../../app/env.server";

export interface OwnerDatabase {
  url: string;
  embedded: boolean;
  /** Stops the embedded server if this process started it. */
  release(): Promise<void>;
}

export function embeddedUrl(port: number): string {
  return `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function openOwnerDatabase(
  env: Env,
  options: { reuseRunning: boolean; callerHandlesSignals?: boolean },
): Promise<OwnerDatabase> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, embedded: false, release: async () => {} };
  const url = embeddedUrl(env.EMBEDDED_PG_PORT);
  if (await answers(url)) {
    if (!options.reuseRunning) {
      throw new Error(
        `Something already answers on port ${env.EMBEDDED_PG_PORT} (another npm start?). Stop it, or set EMBEDDED_PG_PORT.`,
      );
    }
    return { url, embedded: true, release: async () => {} };
  }
  const server: EmbeddedServer = await startEmbeddedPostgres({
    dataDir: path.join(env.DATA_DIR, "pg"),
    port: env.EMBEDDED_PG_PORT,
    callerHandlesSignals: options.callerHandlesSignals,
  });
  return {
    url: server.url,
    embedded: true,
    // A terminal's Ctrl-C also reaches PostgreSQL (same process group) and it may already be gone:
    // do not wait for it for ever.
    release: () => Promise.race([server.stop(), new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())]),
  };
}
