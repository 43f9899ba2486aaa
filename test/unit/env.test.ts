import { describe, expect, it } from "vitest";
import path from "node:path";
import { analyticsDir, DEMO_PHYSICIANS, EnvError, parseEnv } from "../../app/env.server";

describe("environment parsing", () => {
  it("applies defaults for a bare environment", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.SEED_PHYSICIANS).toBe(DEMO_PHYSICIANS);
    expect(env.DATA_DIR).toBe(".data");
    expect(env.ANALYTICS_SYNC_INTERVAL_SECONDS).toBe(20);
    expect(env.ANALYTICS_FULL_REBUILD_HOURS).toBe(24);
    expect(env.TRUST_PROXY).toBe(0);
    expect(parseEnv({ TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(analyticsDir(env)).toBe(path.join(".data", "analytics"));
    expect(analyticsDir(parseEnv({ ANALYTICS_DIR: "/var/lib/cme/analytics" }))).toBe("/var/lib/cme/analytics");
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
    [{ SEED_PHYSICIANS: "-5" }, "SEED_PHYSICIANS"],
    [{ ANALYTICS_SYNC_INTERVAL_SECONDS: "-1" }, "ANALYTICS_SYNC_INTERVAL_SECONDS"],
    [{ ANALYTICS_SYNC_INTERVAL_SECONDS: "soon" }, "ANALYTICS_SYNC_INTERVAL_SECONDS"],
    [{ ANALYTICS_FULL_REBUILD_HOURS: "-2" }, "ANALYTICS_FULL_REBUILD_HOURS"],
    [{ ANALYTICS_MEMORY_MB: "64" }, "ANALYTICS_MEMORY_MB"],
    [{ ANALYTICS_DIR: "" }, "ANALYTICS_DIR"],
    [{ NODE_ENV: "production" }, "SESSION_SECRET"],
    // Express also takes "true" (trust every hop), which lets any client name its own address.
    [{ TRUST_PROXY: "true" }, "TRUST_PROXY"],
    [{ TRUST_PROXY: "-1" }, "TRUST_PROXY"],
    [{ TRUST_PROXY: "1.5" }, "TRUST_PROXY"],
    [{ TRUST_PROXY: "loopback" }, "TRUST_PROXY"],
  ])("refuses %o with a message naming %s", (source, name) => {
    expect(() => parseEnv(source)).toThrow(EnvError);
    expect(() => parseEnv(source)).toThrow(new RegExp(`\\b${name}\\b`));
  });
});
