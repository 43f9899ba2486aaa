// What every response carries: security headers, nonce-only scripts, helpful error pages, and
// refusal of state-changing requests from another site.
import { describe, expect, it } from "vitest";
import { get, postLogin, sessionCookieFrom, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();

describe("HTTP hardening", () => {
  it("sends a CSP whose nonce is on every script the page renders, and no inline script without it", async () => {
    const response = await get(app.server.baseUrl, "/login");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    const nonce = csp.match(/'nonce-([^']+)'/)?.[1];
    expect(nonce).toBeTruthy();
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
    expect(response.headers.get("x-powered-by")).toBeNull();
  });

  it("uses a fresh nonce for each response", async () => {
    const a = (await get(app.server.baseUrl, "/login")).headers.get("content-security-policy");
    const b = (await get(app.server.baseUrl, "/login")).headers.get("content-security-policy");
    expect(a).not.toBe(b);
  });

  it("refuses a sign-in posted from another site", async () => {
    const response = await fetch(`${app.server.baseUrl}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      body: new URLSearchParams({ email: "reviewer@ca-m.demo.test", password: "demo-password" }),
    });
    expect(response.status).toBe(403);
    expect(sessionCookieFrom(response)).toBeNull();
  });

  it("refuses a sign-out posted from another site, and the session survives", async () => {
    const cookie = await signIn(app.server.baseUrl, "reviewer@or-m.demo.test");
    const response = await fetch(`${app.server.baseUrl}/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, origin: "https://evil.example" },
    });
    expect(response.status).toBe(403);
    expect((await get(app.server.baseUrl, "/", cookie)).status).toBe(200);
  });

  it("answers an unknown page with a helpful 404, never a stack trace", async () => {
    const cookie = await signIn(app.server.baseUrl, "reviewer@abp.demo.test");
    const response = await get(app.server.baseUrl, "/licensees/../../etc/passwd", cookie);
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain("Not found");
    // No stack frames and no server file paths (the route-not-found message itself is harmless).
    expect(html).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\.tsx?:\d+/);
    expect(html).not.toContain(process.cwd());
  });

  it("answers a malformed sign-in body with a 400 and field messages", async () => {
    const response = await postLogin(app.server.baseUrl, "x".repeat(5000), "y".repeat(5000));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("That email address is too long");
  });
});
