// The status of a page whose address carried values it could not use (decision 014): the page
// still renders, with each message beside its field or above the grid, and the rest of the page
// working, but the answer is a 400 so that a client, a proxy or a log sees the request was refused
// in part. Exports refuse outright (400 with a plain message) before their stream starts.
import { data } from "@remix-run/node";

/** The loader's data, as a 400 when `problems` (messages about the address) is not empty. */
export function pageAnswer<T>(payload: T, problems: number | readonly unknown[] | Record<string, unknown>) {
  const count = typeof problems === "number" ? problems : Array.isArray(problems) ? problems.length : Object.values(problems).filter(Boolean).length;
  return data(payload, { status: count > 0 ? 400 : 200 });
}
