// `npm start`'s own process (scripts/start.ts) over a test database, for tests of what only the real
// process does: its signals, its shutdown order, its exit code.
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { freePort } from "../../db/embedded";
import type { TestDatabase } from "./database";

export interface StartedProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  baseUrl: string;
  /** Everything the process has printed so far (stdout and stderr). */
  output(): string;
  /** Its exit, once it comes. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the process and resolves once its output holds every one of `readyWhen` (default: the
 * "ready in" line); rejects if it exits first. `env` adds to or overrides the test settings.
 */
export async function startProcess(
  database: TestDatabase,
  dataDir: string,
  options: { env?: Record<string, string>; readyWhen?: readonly string[] } = {},
): Promise<StartedProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "development",
      DATABASE_URL: database.url,
      APP_DATABASE_URL: database.appUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      ANALYTICS_SYNC_INTERVAL_SECONDS: "0",
      LOG_LEVEL: "warn",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const readyWhen = options.readyWhen ?? ["ready in"];
  let output = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (readyWhen.every((line) => output.includes(line))) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    exited.then(() => reject(new Error(`npm start exited before it was ready:\n${output}`)), reject);
  });
  return { child, baseUrl: `http://127.0.0.1:${port}`, output: () => output, exited };
}
