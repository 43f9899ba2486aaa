// What the Express server hands every loader and action: the database, the analytics snapshot, the
// session cookie, the logger and the request's CSP nonce. Created once at start-up (scripts/server.ts).
import type { Cookie } from "@remix-run/node";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Analytics } from "../db/analytics/service";
import type { Database } from "../db/schema";
import type { ViewAudit } from "./models/view-audit.server";
import type { ExportServices } from "./models/export-limits.server";
import type { UploadGate } from "./models/upload-limits.server";
import type { RenewalStatusRunner } from "./models/status-runner.server";
import type { SsoServices } from "./auth/sso.server";
import type { SecondFactorServices } from "./auth/second-factor.server";

export interface AppServices {
  db: Kysely<Database>;
  /** The DuckDB analytics snapshot (reports, dashboard) and its sync. */
  analytics: Analytics;
  sessionCookie: Cookie;
  /** Marks browsers where an account has signed in (decision 018): the session cookie's secrets and Secure flag. */
  deviceCookie: Cookie;
  logger: Logger;
  /** The queue of `*.view` audit events; flushed by the services' shutdown before the pool closes. */
  viewAudit: ViewAudit;
  /** Exports' own small pool and their admission gate (app/models/export-limits.server.ts). */
  exports: ExportServices;
  /** Admission of roster uploads (app/models/upload-limits.server.ts). */
  uploads: UploadGate;
  /** The renewal statuses' background evaluation (app/models/status-runner.server.ts). */
  statuses: RenewalStatusRunner;
  /** Single sign-on (decision 032): the key for client secrets at rest, the environment's secrets, discovered providers. */
  sso: SsoServices;
  /** Second factors (decision 031): the half-signed-in cookie, the authenticator secrets' keys, the passkeys' origins. */
  secondFactor: SecondFactorServices;
}

declare module "@remix-run/node" {
  interface AppLoadContext {
    services: AppServices;
    cspNonce: string;
    clientIp: string | null;
  }
  interface Future {
    v3_singleFetch: true;
  }
}
