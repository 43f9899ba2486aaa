import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "../../app/env.server";

describe("environment parsing", () => {
  it("applies defaults for a bare environment", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.SEED_REPORTS).toBe(200_000);
    expect(env.DATA_DIR).toBe(".data");
  });

  it("splits SESSION_SECRET into a rotation list", () => {
    const a = "a".repeat(32);
    const b = "b".repeat(40);
    expect(parseEnv({ SESSION_SECRET: `${a}, ${b}` }).SESSION_SECRET).toEqual([a, b]);
  });

  it.each([
    [{ PORT: "eighty" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ SESSION_SECRET: "short" }, "SESSION_SECRET"],
    [{ NODE_ENV: "staging" }, "NODE_ENV"],
    [{ SEED_REPORTS: "-5" }, "SEED_REPORTS"],
    [{ NODE_ENV: "production" }, "SESSION_SECRET"],
  ])("refuses %o with a message naming %s", (source, name) => {
    expect(() => parseEnv(source)).toThrow(EnvError);
    expect(() => parseEnv(source)).toThrow(new RegExp(`\\b${name}\\b`));
  });
});
