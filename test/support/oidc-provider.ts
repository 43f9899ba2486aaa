// A real OpenID Connect provider for the tests (the `oidc-provider` package) on a loopback port:
// one client for the app (and one other client), a few people (findAccount), the provider's own
// login page (its development interactions, consent pre-granted for the app), and a hook that
// rewrites the next ID token it issues, re-signed with the provider's own key, so a test can hand
// the app a token for another audience, an expired one or one with another nonce, that only the
// app's claim checks can refuse. `login()` drives the provider's login form with fetch, as a
// browser would, for tests without a browser.
import { createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration } from "oidc-provider";

export interface TestPerson {
  /** The provider's subject (and the login typed on its page). */
  sub: string;
  email: string;
  emailVerified?: boolean;
  name?: string;
  groups?: string[];
}

export const TEST_CLIENT_ID = "cme-board";
export const TEST_CLIENT_SECRET = "test-client-secret-0123456789abcdef";
export const OTHER_CLIENT_ID = "another-application";

export interface TestOidcProvider {
  issuer: string;
  /** People the provider knows, by subject; tests add more. */
  people: Map<string, TestPerson>;
  /** Rewrites the claims of the next ID token issued (once), then re-signs it with the provider's key. */
  tamperNextIdToken(edit: (claims: Record<string, unknown>) => Record<string, unknown>): void;
  /**
   * Follows an authorization URL through the provider's login page as `sub` and returns the URL
   * the provider sends the browser back to (the app's callback with code and state, or an error).
   */
  login(authorizationUrl: string, sub: string): Promise<URL>;
  close(): Promise<void>;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

export async function startTestOidcProvider(options: { port?: number; redirectUris: string[] }): Promise<TestOidcProvider> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `test-${randomBytes(4).toString("hex")}`;
  const jwk = { ...privateKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" };
  const people = new Map<string, TestPerson>();
  let tamper: ((claims: Record<string, unknown>) => Record<string, unknown>) | null = null;

  // Listen first: the issuer names the port.
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const configuration: Configuration = {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        client_secret: TEST_CLIENT_SECRET,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
      },
      {
        client_id: OTHER_CLIENT_ID,
        client_secret: "another-secret-0123456789abcdef0123",
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    scopes: ["openid", "email", "profile", "groups"],
    // The ID token carries the person's claims (as most enterprise providers issue it), not only userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const person = people.get(id);
      if (!person) return undefined;
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: person.email,
            email_verified: person.emailVerified ?? true,
            name: person.name ?? person.email,
            ...(person.groups ? { groups: person.groups } : {}),
          };
        },
      };
    },
    // Consent is pre-granted (a first-party application), so the login page is the only step.
    async loadExistingGrant(ctx) {
      const existing = ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope("openid email profile groups");
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.on("server_error", (_ctx, error) => console.error("test OpenID provider:", error));

  // The token endpoint's answer, rewritten when a test asked: the claims edited, signed again with the provider's key.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== "/token" || !tamper || ctx.status !== 200) return;
    const body = ctx.body as { id_token?: string } | undefined;
    if (!body?.id_token) return;
    const [header, payload] = body.id_token.split(".");
    const claims = tamper(JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Record<string, unknown>);
    tamper = null;
    const signingInput = `${header}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign("RSA-SHA256").update(signingInput).sign(privateKey);
    ctx.body = { ...body, id_token: `${signingInput}.${base64url(signature)}` };
  });

  server.on("request", provider.callback());

  async function login(authorizationUrl: string, sub: string): Promise<URL> {
    const jar = new Map<string, string>();
    const remember = (response: Response) => {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(";");
        const at = pair!.indexOf("=");
        const name = pair!.slice(0, at);
        const value = pair!.slice(at + 1);
        if (/expires=Thu, 01 Jan 1970/i.test(line) || value === "") jar.delete(name);
        else jar.set(name, value);
      }
    };
    const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    let url = new URL(authorizationUrl);
    let form: URLSearchParams | null = null;
    for (let hop = 0; hop < 10; hop++) {
      if (url.origin !== issuer) return url;
      const response = await fetch(url, {
        method: form ? "POST" : "GET",
        redirect: "manual",
        headers: { cookie: cookie(), ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
        body: form ?? undefined,
      });
      remember(response);
      form = null;
      const location = response.headers.get("location");
      if (location) {
        url = new URL(location, url);
        continue;
      }
      const html = await response.text();
      const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/.exec(html)?.[1];
      if (response.status !== 200 || !action) throw new Error(`the test provider answered ${response.status} at ${url.pathname}: ${html.slice(0, 300)}`);
      // Its login page: the login is the subject, any password.
      url = new URL(action.replace(/&amp;/g, "&"), url);
      form = new URLSearchParams({ prompt: "login", login: sub, password: "any" });
    }
    throw new Error("the test provider redirected too many times");
  }

  return {
    issuer,
    people,
    tamperNextIdToken(edit) {
      tamper = edit;
    },
    login,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
