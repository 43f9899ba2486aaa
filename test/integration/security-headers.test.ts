// The security headers on every kind of answer (a page, the 404 page, a redirect, streamed CSV and
// XLSX exports, and the answers the server gives before Remix runs: a refused cross-site POST, an
// undecodable path, an address too long), from the app as tests run it and as built for production
// (HSTS and upgrade-insecure-requests only there).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, post, postLogin, setUpSeededApp, signIn, startTestServer, type TestServer } from "../support/server";

const app = setUpSeededApp();

/** The same app built with `production: true`, over the same database. */
let production: TestServer;
beforeAll(async () => {
  production = await startTestServer(app.database, { sync: false, production: true });
});
afterAll(() => production?.close());

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!.toLowerCase(), values]),
  );
}

/** What every answer carries, whatever produced it. */
async function expectHardened(response: Response, what: string, { hsts }: { hsts: boolean }) {
  const h = response.headers;
  const csp = h.get("content-security-policy");
  expect(csp, what).toBeTruthy();
  const d = directives(csp!);
  const scriptSrc = d.get("script-src") ?? [];
  expect(scriptSrc.some((s) => /^'nonce-[A-Za-z0-9+/]{22}==?'$/.test(s)), `${what}: script-src ${scriptSrc.join(" ")}`).toBe(true);
  expect(scriptSrc, what).not.toContain("'unsafe-inline'");
  expect(scriptSrc, what).not.toContain("'unsafe-eval'");
  expect(d.get("default-src"), what).toEqual(["'self'"]);
  expect(d.get("frame-ancestors"), what).toEqual(["'none'"]);
  expect(d.get("object-src"), what).toEqual(["'none'"]);
  expect(d.get("base-uri"), what).toEqual(["'self'"]);
  expect(d.get("form-action"), what).toEqual(["'self'"]);
  expect(d.has("upgrade-insecure-requests"), what).toBe(hsts);
  expect(h.get("x-content-type-options"), what).toBe("nosniff");
  expect(h.get("referrer-policy"), what).toBe("same-origin");
  expect(h.get("x-frame-options"), what).toBe("SAMEORIGIN");
  expect(h.get("x-powered-by"), what).toBeNull();
  const sts = h.get("strict-transport-security");
  if (hsts) {
    expect(sts, what).toMatch(/^max-age=(\d+); includeSubDomains$/);
    expect(Number(sts!.match(/max-age=(\d+)/)![1]), what).toBeGreaterThanOrEqual(31_536_000);
  } else {
    expect(sts, what).toBeNull();
  }
  // HTML answers: every script carries this answer's nonce.
  if ((h.get("content-type") ?? "").startsWith("text/html")) {
    const nonce = scriptSrc.find((s) => s.startsWith("'nonce-"))!.slice(7, -1);
    const html = await response.clone().text();
    const tags = html.match(/<script\b[^>]*>/g) ?? [];
    expect(tags.length, what).toBeGreaterThan(0);
    for (const tag of tags) expect(tag, what).toContain(`nonce="${nonce}"`);
  }
}

/** One of each kind of answer, from the app at `baseUrl`. */
async function answers(baseUrl: string): Promise<[string, Response][]> {
  const cookie = await signIn(baseUrl, "reviewer@ca-m.demo.test");

  const list: [string, Promise<Response>][] = [
    ["the sign-in page", get(baseUrl, "/login")],
    ["a redirect to sign in", get(baseUrl, "/credits")],
    ["the 404 page", get(baseUrl, "/no-such-page", cookie)],
    ["a 404 for a record out of scope", get(baseUrl, "/licensees/999999999999", cookie)],
    ["a CSV export", get(baseUrl, "/credits/export?download=csv&completedFrom=2024-01-01&completedTo=2024-01-31", cookie)],
    ["an XLSX export", get(baseUrl, "/credits/export?download=xlsx&completedFrom=2024-01-01&completedTo=2024-01-31", cookie)],
    ["a refused cross-site POST", post(baseUrl, "/logout", cookie, undefined, { origin: "https://evil.example" })],
    ["a path that is not UTF-8", get(baseUrl, "/licensees/%FF", cookie)],
    ["an address too long", get(baseUrl, `/credits?q=${"x".repeat(5000)}`, cookie)],
    ["a static file", get(baseUrl, "/favicon.svg")],
  ];
  return Promise.all(list.map(async ([what, response]) => [what, await response] as [string, Response]));
}

/** The status each of those answers must have, in either build. */
const STATUSES = {
  "the sign-in page": 200,
  "a redirect to sign in": 302,
  "the 404 page": 404,
  "a 404 for a record out of scope": 404,
  "a CSV export": 200,
  "an XLSX export": 200,
  "a refused cross-site POST": 403,
  "a path that is not UTF-8": 400,
  "an address too long": 414,
  "a static file": 200,
};

describe("security headers", () => {
  it("are on every kind of answer; no HSTS when not built for production", async () => {
    const all = await answers(app.server.baseUrl);
    expect(Object.fromEntries(all.map(([what, r]) => [what, r.status]))).toEqual(STATUSES);
    for (const [what, response] of all) await expectHardened(response, what, { hsts: false });
    const byName = new Map(all);
    expect(byName.get("a CSV export")!.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(byName.get("an XLSX export")!.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    await Promise.all(all.map(([, r]) => r.body?.cancel()));
  });

  it("built for production: the same, plus HSTS for a year with subdomains and upgrade-insecure-requests", async () => {
    const all = await answers(production.baseUrl);
    expect(Object.fromEntries(all.map(([what, r]) => [what, r.status]))).toEqual(STATUSES);
    for (const [what, response] of all) await expectHardened(response, what, { hsts: true });
    // The session cookie is Secure there.
    const signedIn = await postLogin(production.baseUrl, "reviewer@ca-m.demo.test", "demo-password");
    expect(signedIn.headers.get("set-cookie")).toMatch(/__session=[^;]+;.*\bSecure\b/i);
    await Promise.all(all.map(([, r]) => r.body?.cancel()));
  });

  it("uses a fresh nonce for each answer, also on error pages", async () => {
    const nonces = await Promise.all(
      ["/login", "/login", "/no-such-page", "/no-such-page"].map(async (p) => (await get(app.server.baseUrl, p)).headers.get("content-security-policy")?.match(/'nonce-([^']+)'/)?.[1]),
    );
    expect(new Set(nonces).size).toBe(4);
  });
});
