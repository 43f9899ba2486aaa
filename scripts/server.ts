// The HTTP server: security headers (CSP with a per-request nonce), same-origin checks for
// state-changing requests, static assets, request logging, and the Remix handler.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express, { type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import type { AppServices } from "../app/context.server";
import { withUnavailableAnswers } from "../app/lib/unavailable.server";

export interface HttpAppOptions {
  build: ServerBuild;
  services: AppServices;
  production: boolean;
  publicDir?: string;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Refuse a state-changing request whose Origin (or Referer) names another site. */
function sameOriginOnly(req: Request, res: Response, next: NextFunction) {
  if (SAFE_METHODS.has(req.method)) return next();
  const source = req.get("origin") ?? req.get("referer");
  if (source) {
    let host: string | null = null;
    try {
      host = new URL(source).host;
    } catch {
      host = null;
    }
    if (host !== req.get("host")) {
      res.status(403).type("text/plain").send("Cross-site request refused.");
      return;
    }
  }
  next();
}

export function createHttpApp({ build, services, production, publicDir = "public" }: HttpAppOptions) {
  const app = express();
  app.disable("x-powered-by");

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
  app.use(sameOriginOnly);
  app.use(compression());

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      services.logger.info({ method: req.method, url: req.originalUrl.slice(0, 300), status: res.statusCode, ms: Math.round(ms) }, "request");
    });
    next();
  });

  app.use("/build", express.static(path.join(publicDir, "build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(publicDir, { maxAge: "1h" }));

  app.all(
    "*",
    createRequestHandler({
      // A database that is down answers 503 "temporarily unavailable", not 500.
      build: withUnavailableAnswers(build),
      // Always production mode: we serve a production build, and development mode would send
      // server stack traces to the browser.
      mode: "production",
      getLoadContext: (req, res) => ({
        services,
        cspNonce: res.locals.cspNonce as string,
        clientIp: req.socket.remoteAddress ?? null,
      }),
    }),
  );
  return app;
}
