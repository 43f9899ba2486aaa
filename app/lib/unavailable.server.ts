// "PostgreSQL cannot be reached" as an answer, not a crash: recognises the errors of a database that is
// down, restarting or refusing connections, and turns them into a 503 with Retry-After wherever a
// route's loader or action meets them (pages, single-fetch data requests, resource routes).
import type { ServerBuild } from "@remix-run/node";
import type { AppLoadContext } from "@remix-run/node";

/** Seconds a client is asked to wait before trying again. */
export const RETRY_AFTER_SECONDS = 5;

// Socket errors of a server that is down or went away while we talked to it.
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
// SQLSTATE: admin_shutdown, crash_shutdown, cannot_connect_now (starting up / shutting down),
// connection_exception class 08, too_many_connections.
const SQLSTATES = new Set(["57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006", "53300"]);
// node-postgres and pg-pool say these in words only.
const MESSAGES = [
  /^Connection terminated/i, // "Connection terminated unexpectedly", "... due to connection timeout"
  /timeout exceeded when trying to connect/i, // the pool's connectionTimeoutMillis
  /Client has encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

/** Whether `error` (or what caused it) says the database cannot be reached right now. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 4 || error === null || typeof error !== "object") return false;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === "string" && (NETWORK_CODES.has(e.code) || SQLSTATES.has(e.code))) return true;
  if (typeof e.message === "string" && MESSAGES.some((m) => m.test(e.message as string))) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true; // AggregateError
  return e.cause !== undefined && isDatabaseUnavailable(e.cause, depth + 1);
}

/** The answer while the database is away: 503, Retry-After, plain words, never a stack trace. */
export function unavailableResponse(): Response {
  return new Response("Temporarily unavailable: the database cannot be reached just now. Try again in a few seconds.", {
    status: 503,
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Retry-After": String(RETRY_AFTER_SECONDS),
      "Cache-Control": "no-store",
    },
  });
}

/** Sets Retry-After on a 503 (Remix does not carry a thrown Response's headers onto a page). */
export function withRetryAfter(status: number, headers: Headers): void {
  if (status === 503 && !headers.has("Retry-After")) headers.set("Retry-After", String(RETRY_AFTER_SECONDS));
}

type Handler = (args: { context: AppLoadContext; request: Request }) => unknown;

function guard<H extends Handler>(handler: H): H {
  return (async (args: Parameters<H>[0]) => {
    try {
      return await handler(args);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      const e = error as { code?: string; message?: string };
      args.context?.services?.logger.warn({ code: e.code, error: e.message, url: args.request.url.slice(0, 300) }, "database unavailable: answered 503");
      throw unavailableResponse();
    }
  }) as H;
}

/**
 * The build with every route's loader and action guarded: an unreachable database becomes a thrown
 * 503 Response, which Remix renders as the ErrorBoundary's "Temporarily unavailable" page (status
 * 503), encodes as a 503 for a data request, and returns as-is from a resource route.
 */
export function withUnavailableAnswers(build: ServerBuild): ServerBuild {
  const routes: ServerBuild["routes"] = {};
  for (const [id, route] of Object.entries(build.routes)) {
    if (!route) continue;
    const module = { ...route.module };
    if (module.loader) module.loader = guard(module.loader as Handler) as typeof module.loader;
    if (module.action) module.action = guard(module.action as Handler) as typeof module.action;
    routes[id] = { ...route, module };
  }
  return { ...build, routes };
}
