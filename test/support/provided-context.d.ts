// What the integration global setup provides to test files (inject('pgServerUrl')).
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    pgServerUrl: string;
    templateDb: string;
  }
}
