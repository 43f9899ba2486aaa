// The app's services, assembled in one place for every server that serves the app (`npm start`, the
// benchmark, the browser tests' server and the integration tests' server), so each one runs what
// production runs and a new service is added once.
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Analytics } from "../db/analytics/service";
import type { Database } from "../db/schema";
import { createSecondFactorServices } from "./auth/second-factor.server";
import { createDeviceCookie, createSessionCookie } from "./auth/session.server";
import { createSsoServices } from "./auth/sso.server";
import type { AppServices } from "./context.server";
import { createExportServices, type ExportGate } from "./models/export-limits.server";
import { UploadGate, type UploadLimits } from "./models/upload-limits.server";
import { RenewalStatusRunner } from "./models/status-runner.server";
import { createViewAudit, type ViewAuditOptions } from "./models/view-audit.server";

export interface AppServiceOptions {
  /** The pages' pool. */
  db: Kysely<Database>;
  /** The exports' own pool: `createAppDb(…, EXPORT_LIMITS.connections, EXPORT_POOL_NAME)`. */
  exportDb: Kysely<Database>;
  /** The renewal statuses' background evaluation's own pool: `createAppDb(…, STATUS_POOL.connections, STATUS_POOL.name)`. */
  statusDb: Kysely<Database>;
  /** Evaluate again at each day's turn (npm start); without it, only when something asks. */
  statusSchedule?: boolean;
  analytics: Analytics;
  /** Cookie signing secrets: the first signs, every one verifies (rotation). */
  secrets: string[];
  /** Mark the session and device cookies Secure. */
  secureCookies: boolean;
  logger: Logger;
  /** The page-view audit queue's timing (defaults: written every second). */
  viewAudit?: Pick<ViewAuditOptions, "intervalMs" | "schedule">;
  exportLimits?: ExportGate["limits"];
  uploadLimits?: UploadLimits;
  /** Single sign-on client secrets the server's environment sets, by organization code (environmentSecrets in app/auth/sso.server.ts). */
  ssoClientSecrets?: Record<string, string>;
  /** Keys for the authenticator apps' secrets (SECOND_FACTOR_KEY); default: the cookie secrets. */
  secondFactorKeys?: string[];
  /** The origins users open the app at (APP_ORIGIN), for passkeys; default: http://localhost:<port> only. */
  appOrigins?: string[];
}

export function createAppServices(options: AppServiceOptions): AppServices {
  const { db, analytics, logger } = options;
  const statuses = new RenewalStatusRunner({ db: options.statusDb, logger: logger.child({ module: "renewal-statuses" }), schedule: options.statusSchedule });
  // Each new snapshot means new records in the store: every board's statuses are brought up to date.
  analytics.afterEachSync(() => statuses.requestAll("sync"));
  return {
    db,
    analytics,
    logger,
    sessionCookie: createSessionCookie(options.secrets, options.secureCookies),
    deviceCookie: createDeviceCookie(options.secrets, options.secureCookies),
    viewAudit: createViewAudit({ db, logger: logger.child({ module: "audit" }), ...options.viewAudit }),
    exports: createExportServices(options.exportDb, options.exportLimits),
    uploads: new UploadGate(options.uploadLimits),
    statuses,
    sso: createSsoServices(options.secrets, options.secureCookies, options.ssoClientSecrets),
    secondFactor: createSecondFactorServices({
      keySecrets: options.secondFactorKeys ?? options.secrets,
      secureCookies: options.secureCookies,
      origins: options.appOrigins,
    }),
  };
}
