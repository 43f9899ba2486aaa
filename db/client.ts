// Kysely clients over pg: the owner client (migrations, seed, provider writes) and the app client,
// which runs as the restricted `cme_app` role (SELECT-only on the learner store).
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { CompiledQuery, Kysely, PostgresDialect, PostgresDriver, type DatabaseConnection, type KyselyConfig, type PostgresDialectConfig } from "kysely";
import pg from "pg";
import { ResilientCursor } from "./cursor";
import { currentRowScope, rowScopeStatement } from "./row-scope";
import type { Database } from "./schema";

// Calendar dates stay 'YYYY-MM-DD' strings: no time zone may shift a completion date.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);

export const APP_ROLE = "cme_app";

export interface DbOptions {
  connectionString: string;
  /** Assume this role on every connection (used when no dedicated login URL for the app is given). */
  role?: string;
  max?: number;
  applicationName?: string;
  /** Extra server settings for every connection (`-c name=value`). */
  settings?: Record<string, string>;
  /**
   * Hand the current request's organisation (db/row-scope.ts) to PostgreSQL on every checkout, for
   * row-level security. The app's client does; the owner's (migrations, seed) does not need to.
   */
  rowScoped?: boolean;
  /** Kysely's query log (the benchmark reads the SQL a request ran from it, to EXPLAIN it). */
  log?: KyselyConfig["log"];
}

/**
 * Settings for the app's connections: short interactive queries (no JIT compile, no parallel
 * workers competing for two cores), and a ceiling so a runaway query cannot hold a connection.
 */
export const APP_SESSION_SETTINGS: Record<string, string> = {
  jit: "off",
  max_parallel_workers_per_gather: "0",
  statement_timeout: "30s",
  // The working set is in memory (or on SSD): an index probe costs about what a sequential page does.
  random_page_cost: "1.1",
};

export function createPool({ connectionString, role, max = 10, applicationName = "cme-board", settings = {} }: DbOptions): pg.Pool {
  if (role !== undefined && !/^[a-z_][a-z0-9_]*$/.test(role)) throw new Error(`invalid role name: ${role}`);
  // `-c role=...` makes the role the connection's default, so even RESET ROLE returns to it.
  const all = role ? { ...settings, role } : settings;
  for (const [name, value] of Object.entries(all)) {
    if (!/^[a-z_]+$/.test(name) || !/^[A-Za-z0-9_.]+$/.test(value)) throw new Error(`invalid setting: ${name}=${value}`);
  }
  const options = Object.entries(all).map(([name, value]) => `-c ${name}=${value}`).join(" ");
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: applicationName,
    options: options || undefined,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  // An idle connection dropped by the server (restart, failover, shutdown) must not crash the
  // process: the pool discards it and the next query opens a new one.
  pool.on("error", (error) => {
    console.error(`database connection lost (${applicationName}): ${error.message}`);
  });
  // pg-pool's end() resolves once it has asked each connection to close, not once each has closed
  // (its 'remove' event, after the server's goodbye). A caller that then stops PostgreSQL or exits
  // would cut them mid-close: the server logs a terminated connection, and the handler above a lost
  // one. So end() here also waits for every connection to be gone (at most CLOSE_WAIT_MS).
  const open = new Set<pg.PoolClient>();
  // A connection lost while a request has it checked out (the pool listens on idle ones only) emits
  // 'error' on the client, and an unheard 'error' ends the process. The query in flight fails by
  // itself, and the pool discards the client when it is released (no longer queryable).
  pool.on("connect", (client) => {
    client.on("error", () => {});
    open.add(client);
  });
  pool.on("remove", (client) => open.delete(client as pg.PoolClient));
  const askToEnd = pool.end.bind(pool) as () => Promise<void>;
  const end = async () => {
    await askToEnd();
    const signal = AbortSignal.timeout(CLOSE_WAIT_MS);
    // The size is checked and the next 'remove' awaited in the same tick, so none slips between.
    while (open.size > 0) {
      if (!(await once(pool, "remove", { signal }).then(() => true, () => false))) return;
    }
  };
  pool.end = ((callback?: (error?: Error) => void) => {
    if (!callback) return end();
    end().then(() => callback(), callback);
  }) as pg.Pool["end"];
  return pool;
}

/** How long closing a pool waits for its connections' goodbyes before it gives up on them. */
const CLOSE_WAIT_MS = 5_000;

/** The scope each connection last handed to PostgreSQL, so an unchanged scope costs no round trip. */
const appliedScope = new WeakMap<DatabaseConnection, string>();

/**
 * Kysely's PostgreSQL driver, plus: every checkout sets `app.boards` and `app.org` to the current
 * request's scope (session-level, replaced at the next checkout). A connection whose scope cannot be
 * set goes back to the pool and the error reaches the caller, so a failure never leaks a connection
 * or leaves a query running under another request's scope.
 */
class RowScopedPostgresDriver extends PostgresDriver {
  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    const scope = currentRowScope();
    const key = `${scope.boards}|${scope.org}`;
    if (appliedScope.get(connection) === key) return connection;
    try {
      const statement = rowScopeStatement(scope, false);
      appliedScope.delete(connection);
      await connection.executeQuery(CompiledQuery.raw(statement.sql, statement.parameters));
      appliedScope.set(connection, key);
    } catch (error) {
      await this.releaseConnection(connection as Parameters<PostgresDriver["releaseConnection"]>[0]);
      throw error;
    }
    return connection;
  }
}

export class RowScopedPostgresDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig;
  constructor(config: PostgresDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver() {
    return new RowScopedPostgresDriver(this.#config);
  }
}

export function createDb(options: DbOptions): Kysely<Database> {
  // pg-cursor: `.stream()` reads big results (exports) in chunks instead of all at once (its close
  // made to finish on a dead connection: db/cursor.ts).
  const config: PostgresDialectConfig = { pool: createPool(options), cursor: ResilientCursor };
  return new Kysely<Database>({ dialect: options.rowScoped ? new RowScopedPostgresDialect(config) : new PostgresDialect(config), log: options.log });
}

/**
 * Gives the app role a fresh random password and returns the URL to log in as it. Used when this
 * process owns the server (the embedded PostgreSQL, tests): the app then really is `cme_app`, not a
 * superuser session that merely assumed the role.
 */
export async function enableAppLogin(ownerUrl: string): Promise<string> {
  const password = randomBytes(24).toString("hex"); // hex only: safe to inline in the statement
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query(`alter role ${APP_ROLE} with login password '${password}'`);
  } finally {
    await client.end();
  }
  const url = new URL(ownerUrl);
  url.username = APP_ROLE;
  url.password = password;
  return url.toString();
}

/** The same server and role as `loginUrl`, another database. */
export function withDatabase(url: string, database: string): string {
  const next = new URL(url);
  next.pathname = `/${database}`;
  return next.toString();
}

/** The app's client: a dedicated login URL when configured, else the owner URL assuming `cme_app`. */
export function createAppDb(ownerUrl: string, appUrl?: string, max?: number, applicationName?: string, extra: Pick<DbOptions, "log"> = {}): Kysely<Database> {
  return appUrl
    ? createDb({ connectionString: appUrl, max, applicationName, settings: APP_SESSION_SETTINGS, rowScoped: true, ...extra })
    : createDb({ connectionString: ownerUrl, role: APP_ROLE, max, applicationName, settings: APP_SESSION_SETTINGS, rowScoped: true, ...extra });
}
