// What the integration global setup provides to test files (inject('pgServerUrl')).
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    pgServerUrl: string;
    templateDb: string;
    /** Log in as the app's role (cme_app) on the suite's server; swap the database name per test. */
    pgAppUrl: string;
  }
}
