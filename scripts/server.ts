// The HTTP server: security headers (CSP with a per-request nonce), same-origin checks for
// state-changing requests, static assets, request logging, and the Remix handler.
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { STATUS_CODES } from "node:http";
import path from "node:path";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import type { AppServices } from "../app/context.server";
import { withUnavailableAnswers } from "../app/lib/unavailable.server";
import { EXPORT_LIMITS } from "../app/models/export-limits.server";
import { NO_ROWS, runWithRowScope } from "../db/row-scope";
import { createRemixHandler } from "./lib/remix-express";

/** Paths that answer with a file download (every export, a roster's bad rows). */
const DOWNLOAD_PATH = /\/(export|errors)$/;

export interface HttpAppOptions {
  build: ServerBuild;
  services: AppServices;
  production: boolean;
  publicDir?: string;
  /**
   * How many reverse proxies in front of this server to trust (TRUST_PROXY): 0 takes the client's
   * address from the socket and ignores X-Forwarded-For / X-Forwarded-Proto; N takes the address N
   * hops back in X-Forwarded-For (Express's `trust proxy` hop count), so a client cannot name its
   * own address by adding entries in front.
   */
  trustProxy?: number;
  /** Seconds a client may take nothing of a response waiting for it before it is cut (EXPORT_STALL_SECONDS). */
  stallSeconds?: number;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** This request's own origin: its scheme (`req.protocol`, which honours trust proxy), host and port. */
function ownOrigin(req: Request): string | null {
  const host = req.get("host");
  // A Host header with a path, credentials, a query or spaces in it names no origin.
  if (!host || /[\s/\\?#@]/.test(host)) return null;
  try {
    return new URL(`${req.protocol}://${host}`).origin;
  } catch {
    return null;
  }
}

/**
 * Refuse a state-changing request unless its Origin (or, without one, its Referer) has this
 * request's origin: the same scheme, host and port. A request with neither is refused too:
 * browsers send Origin on every POST, so only a stripped or forged request lacks both (OWASP's
 * CSRF cheat sheet recommends blocking it), and "Origin: null" (a sandboxed frame, a privacy
 * redirect) is not this origin either.
 */
function sameOriginOnly(req: Request, res: Response, next: NextFunction) {
  if (SAFE_METHODS.has(req.method)) return next();
  const source = req.get("origin") ?? req.get("referer");
  let origin: string | null = null;
  try {
    origin = source ? new URL(source).origin : null;
  } catch {
    origin = null;
  }
  const own = ownOrigin(req);
  if (origin === null || origin === "null" || own === null || origin !== own) {
    res.status(403).type("text/plain").send("Cross-site request refused.");
    return;
  }
  next();
}

/**
 * Longest request target (path and query) served. The app's own links stay far below it (a grid's
 * cursor is at most 600 characters); a longer one would be echoed, percent-encoded up to three
 * times over, into the sign-in redirect's Location header, past what proxies and clients accept.
 */
export const MAX_URL_LENGTH = 4096;

function boundedUrl(req: Request, res: Response, next: NextFunction) {
  if (req.originalUrl.length <= MAX_URL_LENGTH) return next();
  res.status(414).type("text/plain").send("That address is too long.");
}

/**
 * `Cache-Control: no-store` on every answer that reaches it. A route that sets its own Cache-Control
 * replaces it rather than adding to it (Remix's Express adapter appends each header of the route's
 * Response): the lazy route manifest, which holds no personal data, stays cacheable.
 */
function noStoreByDefault(_req: Request, res: Response, next: NextFunction) {
  res.setHeader("Cache-Control", "no-store");
  const append = res.append.bind(res);
  res.append = (field: string, value?: string | string[]) => (field.toLowerCase() === "cache-control" && value !== undefined ? res.set(field, value) : append(field, value));
  next();
}

export function createHttpApp({ build, services, production, publicDir = "public", trustProxy = 0, stallSeconds = EXPORT_LIMITS.stallSeconds }: HttpAppOptions) {
  const app = express();
  app.disable("x-powered-by");
  // 0: the socket's address and scheme, whatever X-Forwarded-* say. N: N proxy hops back.
  app.set("trust proxy", trustProxy > 0 ? trustProxy : false);

  // Each request starts with no organisation: row-level security shows nothing until the session
  // check (app/auth/session.server.ts) names the signed-in user's organisation.
  app.use((_req, _res, next) => runWithRowScope({ ...NO_ROWS }, next));
  app.use((_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString("base64");
    next();
  });
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", (_req, res) => `'nonce-${(res as Response).locals.cspNonce as string}'`],
          // Charts and tables set style attributes; scripts stay nonce-only.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", "data:"],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          ...(production ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      referrerPolicy: { policy: "same-origin" },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(boundedUrl);
  app.use(sameOriginOnly);
  // Pages at zlib's default level; downloads (CSV of up to millions of rows, the bad rows of a
  // roster) at level 1: a third of the CPU for about 15% more bytes, and the server's two cores are
  // what every other reviewer shares while a big export runs (decision 018).
  const pageCompression = compression();
  const downloadCompression = compression({ level: 1 });
  app.use((req, res, next) => (DOWNLOAD_PATH.test(req.path) ? downloadCompression : pageCompression)(req, res, next));

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      services.logger.info({ method: req.method, url: req.originalUrl.slice(0, 300), status: res.statusCode, ms: Math.round(ms) }, "request");
    });
    next();
  });

  app.use("/build", express.static(path.join(publicDir, "build"), { immutable: true, maxAge: "1y" }));
  // The other public files (the favicon) by name, listed once: a page's URL costs no file lookup.
  const publicFiles = new Set(existsSync(publicDir) ? readdirSync(publicDir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => `/${e.name}`) : []);
  const publicStatic = express.static(publicDir, { maxAge: "1h" });
  app.use((req, res, next) => (publicFiles.has(req.path) ? publicStatic(req, res, next) : next()));

  // Everything past the static files is answered per user (pages, single-fetch `.data`, exports,
  // errors) and may carry personal data: no browser or proxy may keep a copy.
  app.use(noStoreByDefault);

  // Remix's handler with back-pressure (scripts/lib/remix-express.ts): a response is read only as
  // fast as its client takes it, and cut when the client goes away or stalls.
  const remixHandler = createRemixHandler({
    // A database that is down answers 503 "temporarily unavailable", not 500.
    build: withUnavailableAnswers(build),
    // Always production mode: we serve a production build, and development mode would send
    // server stack traces to the browser.
    mode: "production",
    getLoadContext: (req, res) => ({
      services,
      cspNonce: res.locals.cspNonce as string,
      // The socket's address, or with TRUST_PROXY the one the nearest trusted proxy saw.
      clientIp: req.ip ?? req.socket.remoteAddress ?? null,
    }),
    stallMs: stallSeconds * 1000,
    logger: services.logger,
  });
  // Express 4 does not look at the promise a handler returns: a rejection is handed to the error
  // handler below instead of becoming an unhandled rejection (which would end the process).
  app.all("*", (req, res, next) => {
    remixHandler(req, res).catch(next);
  });

  // Last: errors Express itself raises before Remix runs (a path whose percent-encoding is not
  // UTF-8, a static file it cannot read) get a short plain answer. Express's own error page would
  // show the stack trace whenever NODE_ENV is not "production".
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const raw = typeof error === "object" && error !== null ? ((error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode) : undefined;
    const status = typeof raw === "number" && raw >= 400 && raw < 600 ? raw : 500;
    if (status >= 500) services.logger.error({ err: error, method: req.method, url: req.originalUrl.slice(0, 300) }, "request failed before the app");
    const message = status === 400 ? "That address could not be understood." : status < 500 ? (STATUS_CODES[status] ?? "Request refused.") : "Something went wrong. Try again.";
    res.status(status).type("text/plain").send(message);
  });
  return app;
}
