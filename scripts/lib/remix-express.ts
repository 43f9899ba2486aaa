// The Remix request handler for Express, with the one thing @remix-run/express (2.17) lacks for
// large responses: back-pressure. Its sendRemixResponse writes each chunk of the body without
// waiting for the socket (writeReadableStreamToWritable ignores write()'s return value), so a client
// that reads slowly or not at all makes the server read the whole export into memory; and it never
// cancels the body when the client goes away. Here a body chunk is read only when the response
// (through the compression middleware, whose write() and 'drain' follow its zlib stream) has room;
// a client that goes away cancels the body at once; and one that takes nothing for `stallMs` while
// bytes wait for it is cut, its body cancelled with a reason the export records.
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import { createReadableStreamFromReadable, createRequestHandler } from "@remix-run/node";
import type { Request as ExpressRequest, Response as ExpressResponse } from "express";
import type { Logger } from "pino";
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from "../../app/lib/unavailable.server";

export interface RemixHandlerOptions {
  build: ServerBuild;
  mode?: string;
  getLoadContext(req: ExpressRequest, res: ExpressResponse): AppLoadContext;
  /** A response whose client takes nothing for this long while bytes wait is cut (exports' stall timeout). */
  stallMs: number;
  logger: Logger;
}

/** Why the server cancelled a body: a code (not a class), read by app/models/exports.server.ts. */
export type CutReason = Error & { code: "EXPORT_STALLED" | "CLIENT_GONE" };

function cutReason(code: CutReason["code"], message: string): CutReason {
  return Object.assign(new Error(message), { code });
}

export function createRemixHandler({ build, mode = "production", getLoadContext, stallMs, logger }: RemixHandlerOptions) {
  const handle = createRequestHandler(build, mode);
  return async (req: ExpressRequest, res: ExpressResponse): Promise<void> => {
    const request = remixRequest(req, res);
    const response = await handle(request, getLoadContext(req, res));
    if (request.signal.aborted) {
      // The client left while the loader ran: nothing to send, and the body must not wait for a reader.
      await response.body?.cancel(Object.assign(new Error("the client went away"), { code: "CLIENT_GONE" }));
      return;
    }
    await sendResponse(res, response, { stallMs, logger, url: req.originalUrl.slice(0, 300) });
  };
}

/** The Fetch API request for an Express request, as @remix-run/express builds it. */
function remixRequest(req: ExpressRequest, res: ExpressResponse): Request {
  const [, forwardedPort] = req.get("X-Forwarded-Host")?.split(":") ?? [];
  const [, hostPort] = req.get("host")?.split(":") ?? [];
  const a = Number.parseInt(forwardedPort ?? "", 10);
  const b = Number.parseInt(hostPort ?? "", 10);
  const port = Number.isSafeInteger(a) ? a : Number.isSafeInteger(b) ? b : "";
  const url = new URL(`${req.protocol}://${req.hostname}${port ? `:${port}` : ""}${req.originalUrl}`);
  const headers = new Headers();
  for (const [key, values] of Object.entries(req.headers)) {
    if (!values) continue;
    if (Array.isArray(values)) for (const value of values) headers.append(key, value);
    else headers.set(key, values);
  }
  // Loaders and actions are aborted once nothing can be written any more (close without finish).
  let controller: AbortController | null = new AbortController();
  res.on("finish", () => (controller = null));
  res.on("close", () => controller?.abort());
  const init: RequestInit & { duplex?: "half" } = { method: req.method, headers, signal: controller.signal };
  if (req.method !== "GET" && req.method !== "HEAD") {
    init.body = createReadableStreamFromReadable(req);
    init.duplex = "half";
  }
  return new Request(url.href, init);
}

async function sendResponse(res: ExpressResponse, response: Response, options: { stallMs: number; logger: Logger; url: string }): Promise<void> {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [key, value] of response.headers.entries()) res.append(key, value);
  if (/text\/event-stream/i.test(response.headers.get("Content-Type") ?? "")) res.flushHeaders();
  if (!response.body) {
    res.end();
    return;
  }
  await writeBody(response.body, res, response.headers, options);
}

/**
 * Writes `body` to `res` one chunk at a time, reading the next only once `res` has room. Never
 * rejects for the client's sake (gone, stalled) nor for the body's (a failing source): the first
 * two cancel the body, the last is logged and cuts the download (no valid-looking end).
 */
async function writeBody(body: ReadableStream<Uint8Array>, res: ExpressResponse, headers: Headers, options: { stallMs: number; logger: Logger; url: string }): Promise<void> {
  const reader = body.getReader();
  let cut: CutReason | null = null;
  const cutWith = (reason: CutReason) => {
    if (cut) return;
    cut = reason;
    reader.cancel(reason).catch((error: unknown) => options.logger.warn({ err: error, url: options.url }, "cancelling a response body failed"));
  };
  let wake: ((how: "drain" | "close") => void) | null = null;
  // One listener each for the whole response (the compression middleware moves 'drain' listeners to
  // its zlib stream, where removing them through `res` would not work).
  res.on("drain", () => wake?.("drain"));
  res.on("close", () => {
    if (!res.writableFinished) cutWith(cutReason("CLIENT_GONE", "the client went away"));
    wake?.("close");
  });
  const flush = () => (res as ExpressResponse & { flush?: () => void }).flush?.();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (cut) return;
      if (done) {
        res.end();
        return;
      }
      const room = res.write(value);
      // Streamed pages (deferred data) must not wait in the compression buffer.
      flush();
      if (room) continue;
      const how = await new Promise<"drain" | "close" | "stalled">((resolve) => {
        const timer = setTimeout(() => resolve("stalled"), options.stallMs);
        wake = (h) => {
          clearTimeout(timer);
          resolve(h);
        };
      });
      wake = null;
      if (how === "stalled") {
        cutWith(cutReason("EXPORT_STALLED", `the client took nothing for ${options.stallMs} ms`));
        options.logger.warn({ url: options.url, stallMs: options.stallMs }, "response cut: the client stopped reading");
        res.destroy();
        return;
      }
      if (how === "close") return;
    }
  } catch (error) {
    if (cut) return;
    options.logger.error({ err: error, url: options.url, headersSent: res.headersSent }, "response body failed");
    if (!res.headersSent) {
      // Nothing sent yet: a plain answer instead of the file's headers.
      for (const key of headers.keys()) res.removeHeader(key);
      const unavailable = isDatabaseUnavailable(error);
      res.status(unavailable ? 503 : 500).set("Cache-Control", "no-store").type("text/plain");
      if (unavailable) res.set("Retry-After", String(RETRY_AFTER_SECONDS));
      res.send(unavailable ? "Temporarily unavailable: the database cannot be reached just now. Try again in a few seconds." : "Something went wrong. Try again.");
      return;
    }
    // Bytes were sent: end the connection without the final chunk, so the download fails visibly.
    res.destroy();
  }
}
