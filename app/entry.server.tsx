// Server rendering: renders each page whole and answers it in one piece, and stamps the per-request
// CSP nonce on every script Remix emits.
import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext, HandleDataRequestFunction } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { renderToPipeableStream } from "react-dom/server";
import { NonceContext } from "./lib/nonce";
import { withRetryAfter } from "./lib/unavailable.server";

const ABORT_DELAY = 5_000;
export const streamTimeout = ABORT_DELAY;

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = loadContext.cspNonce;
  withRetryAfter(responseStatusCode, responseHeaders);
  // Every page renders whole, then leaves in one piece. The app defers nothing (loaders resolve
  // before rendering), so streaming the shell early gained nothing, while each of React's many small
  // chunks was passed through a web stream, compressed and written to the socket by itself: a
  // third of the server's time under load (issue 6).
  return new Promise<Response>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const body = new PassThrough();
    body.on("data", (chunk: Buffer) => chunks.push(chunk));
    body.on("end", () => {
      clearTimeout(timer);
      responseHeaders.set("Content-Type", "text/html; charset=utf-8");
      resolve(new Response(Buffer.concat(chunks), { headers: responseHeaders, status: responseStatusCode }));
    });
    const { pipe, abort } = renderToPipeableStream(
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
      </NonceContext.Provider>,
      {
        nonce,
        onAllReady() {
          pipe(body);
        },
        onShellError(error: unknown) {
          clearTimeout(timer);
          reject(error);
        },
        onError(error: unknown) {
          // Rendering failed after the shell: the page is answered whole, so it can still say 500.
          responseStatusCode = 500;
          console.error(error);
        },
      },
    );
    const timer = setTimeout(abort, ABORT_DELAY + 1_000);
  });
}

/** Data requests (single fetch): a 503 (database unreachable) tells the client when to try again. */
export const handleDataRequest: HandleDataRequestFunction = (response) => {
  withRetryAfter(response.status, response.headers);
  return response;
};
