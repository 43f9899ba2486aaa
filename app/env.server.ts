// Environment, parsed once with zod at start-up: a wrong variable stops the process with a message naming it.
import path from "node:path";
import { z } from "zod";

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL");

/** The demo store's size: seeded, built and synced within a few seconds of `npm start` (README). */
export const DEMO_PHYSICIANS = 5_000;

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  /** Owner connection (migrations, seed). Unset: an embedded PostgreSQL is started in DATA_DIR. */
  DATABASE_URL: postgresUrl.optional(),
  /** Optional dedicated login for the app's restricted role; else DATABASE_URL assuming role cme_app. */
  APP_DATABASE_URL: postgresUrl.optional(),
  /** Comma-separated; the first signs new cookies, the rest are still accepted (rotation). */
  SESSION_SECRET: z
    .string()
    .optional()
    .transform((value) => value?.split(",").map((s) => s.trim()).filter(Boolean))
    .refine((list) => !list || list.every((s) => s.length >= 32), "each secret must be at least 32 characters"),
  /**
   * Comma-separated; the first encrypts the authenticator apps' secrets, every one decrypts
   * (rotation). Unset: keys derived from SESSION_SECRET (decision 031).
   */
  SECOND_FACTOR_KEY: z
    .string()
    .optional()
    .transform((value) => value?.split(",").map((s) => s.trim()).filter(Boolean))
    .refine((list) => !list || list.every((s) => s.length >= 32), "each key must be at least 32 characters"),
  /**
   * Comma-separated origins users open the app at (e.g. https://cme.board.example): passkeys are
   * bound to their host names. Unset: only http://localhost:<port>.
   */
  APP_ORIGIN: z
    .string()
    .optional()
    .transform((value) => value?.split(",").map((s) => s.trim()).filter(Boolean))
    .refine((list) => !list || list.every((s) => { try { return new URL(s).origin === s; } catch { return false; } }), "each must be an origin such as https://cme.board.example (scheme, host and port only, no path or trailing slash)"),
  DATA_DIR: z.string().min(1).default(".data"),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  /** Size of the demo store seeded on first start, in physicians (their records follow from their behaviour). */
  SEED_PHYSICIANS: z.coerce.number().int().min(0).max(1_000_000).default(DEMO_PHYSICIANS),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Milliseconds between writes of the queued page-view audit events (decision 018). */
  AUDIT_FLUSH_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
  SECURE_COOKIES: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === "true")),
  /**
   * Reverse proxies in front of the server whose X-Forwarded-For / X-Forwarded-Proto to believe: 0
   * (default) uses the socket's address and scheme; N takes the client address N hops back.
   */
  TRUST_PROXY: z.coerce.number({ message: "must be a whole number of proxy hops (0 = none)" }).int("must be a whole number of proxy hops (0 = none)").min(0, "must be 0 or more").max(10, "more than 10 proxy hops is not a real deployment").default(0),
  /** Where the DuckDB analytics snapshots live; default DATA_DIR/analytics. */
  ANALYTICS_DIR: z.string().min(1).optional(),
  /** Seconds between incremental syncs of the analytics snapshot in the server; 0 turns the scheduler off. */
  ANALYTICS_SYNC_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(20),
  /** Hours between full rebuilds of the snapshot (they re-sort it and catch anything incremental sync cannot); 0 never. */
  ANALYTICS_FULL_REBUILD_HOURS: z.coerce.number().min(0).max(24 * 90).default(24),
  /** DuckDB memory ceiling for the analytics snapshot, in MiB (the reports and the sync each). */
  ANALYTICS_MEMORY_MB: z.coerce.number().int().min(128).max(1_048_576).default(2048),
  /** Seconds a download's client may take nothing before it is cut and its connection released (decision 018). */
  EXPORT_STALL_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  /** Seconds in-flight requests get after SIGTERM before their connections are cut (the rest of the stop gets 8 more). */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(1).max(600).default(20),
});

export type Env = z.infer<typeof EnvSchema>;

/** The analytics snapshot directory the environment names. */
export function analyticsDir(env: Pick<Env, "ANALYTICS_DIR" | "DATA_DIR">): string {
  return env.ANALYTICS_DIR ?? path.join(env.DATA_DIR, "analytics");
}

export class EnvError extends Error {}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new EnvError(`Invalid environment:\n${lines.join("\n")}`);
  }
  const env = result.data;
  if (env.NODE_ENV === "production" && !env.SESSION_SECRET) {
    throw new EnvError("Invalid environment:\n  SESSION_SECRET: required in production");
  }
  return env;
}

/** Parse process.env, or print the problem and exit: for command-line entry points. */
export function loadEnv(): Env {
  try {
    return parseEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}
