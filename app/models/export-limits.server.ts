// What exports may take from the server, in one place (decision 018, "Exports"). An export holds a
// database connection and a cursor for as long as its client keeps reading, which can be minutes;
// pages hold theirs for milliseconds. So exports draw from a small pool of their own, each user may
// run only a few at once, and a client that stops reading is cut: whatever one user's downloads
// do, other reviewers' pages keep the main pool.
import { EventEmitter } from "node:events";
import { overLimit, type AdmissionLimits } from "./admission.server";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";

/** The exports pool's application_name (pg_stat_activity shows which connections are exports'). */
export const EXPORT_POOL_NAME = "cme-board-export";

export const EXPORT_LIMITS = {
  /**
   * Connections of the exports' own pool (beside the pages' 10). Three full-speed exports already
   * keep both cores busy (an export is bound by the server's CPU, not PostgreSQL's): a fourth would
   * only slow the other three, so it is refused rather than queued.
   */
  connections: 3,
  /**
   * Exports one user may have running at once. A reviewer downloading a CSV and an XLSX of the same
   * search (or re-clicking once) is normal; ten at once is a script or a stuck browser, and with a
   * global limit of 3 one user could otherwise take every export slot from every other board.
   */
  perUser: 2,
  /** Database-reading exports at once for everyone: one per connection of the pool, so an admitted export never waits for one. */
  global: 3,
  /**
   * Seconds a client may take nothing while the server has bytes waiting for it before the
   * download is cut and its connection and cursor released (EXPORT_STALL_SECONDS overrides).
   * A browser saving to disk never pauses that long; a client that does is holding a connection
   * hostage.
   */
  stallSeconds: 60,
  /** What a refused export is told to wait (Retry-After): about the time a typical export takes. */
  retryAfterSeconds: 30,
} as const;

export type ExportAbort = "client-gone" | "stalled" | "failed";

export interface ExportOutcome {
  /**
   * Rows whose bytes were handed to the HTTP response, whole (a completed export: every row). For
   * XLSX, counted in the sheet XML of the part of the file handed on (exports.server.ts, SentSheetRows).
   */
  rows: number;
  /**
   * Rows written into the file, sent or not (CSV: formatted into a piece; XLSX: committed to the
   * sheet, some of which may still have been in the zip's buffers when the export was cut).
   */
  rowsWritten: number;
  /** True only when the whole file was handed to the response. */
  completed: boolean;
  /** Why it ended early: the client went away, stopped reading past the stall timeout, or the source (the database) failed. */
  aborted: ExportAbort | null;
}

/** An export in flight, as the gate sees it (tests and operators read these). */
export interface ExportProgress {
  readonly id: number;
  readonly userId: string;
  readonly readsDatabase: boolean;
  /** Rows taken from the source so far (from the database cursor). */
  rowsRead: number;
}

export interface ExportTicket extends ExportProgress {
  /** Frees the slot (idempotent) and announces the outcome on the gate's `finished` event. */
  release(outcome: ExportOutcome): void;
}

export interface FinishedExport {
  id: number;
  userId: string;
  rowsRead: number;
  outcome: ExportOutcome;
}

/**
 * The answer to an export over a limit: 429 with Retry-After, for one user's limit and for the
 * global one alike. (Not 503 for the global one: the server is up and answering everything else,
 * and a 5xx would read as a failure to monitoring and to the hostile-input tests, which hold every
 * answer to a request below 500.)
 */
function refusal(status: 429, message: string, retryAfter: number): Response {
  return new Response(message, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Retry-After": String(retryAfter), "Cache-Control": "no-store" },
  });
}

/**
 * Admission of exports: a per-user and a global count of exports in flight. Refuses at once
 * (a thrown 429 Response), never queues: a queued export would hold the browser's request open with
 * nothing to show. `finished` events carry each export's outcome after its audit was written.
 */
export class ExportGate extends EventEmitter {
  readonly #active = new Set<ExportProgress>();
  #next = 1;

  constructor(readonly limits: AdmissionLimits = EXPORT_LIMITS) {
    super();
  }

  get active(): readonly ExportProgress[] {
    return [...this.#active];
  }

  /** A slot for `userId`'s export, or a thrown 429 Response. */
  admit(userId: string, readsDatabase: boolean): ExportTicket {
    const over = overLimit(this.#active, userId, this.limits, (t) => t.readsDatabase, readsDatabase);
    if (over?.limit === "perUser") {
      throw refusal(429, `You already have ${over.mine} downloads running; wait for one to finish, then try again.`, this.limits.retryAfterSeconds);
    }
    if (over?.limit === "global") {
      throw refusal(429, "Every download slot is busy just now (too many downloads at once); try again in a minute.", this.limits.retryAfterSeconds);
    }
    let released = false;
    const ticket: ExportTicket = {
      id: this.#next++,
      userId,
      readsDatabase,
      rowsRead: 0,
      release: (outcome) => {
        if (released) return;
        released = true;
        this.#active.delete(ticket);
        this.emit("finished", { id: ticket.id, userId, rowsRead: ticket.rowsRead, outcome } satisfies FinishedExport);
      },
    };
    this.#active.add(ticket);
    return ticket;
  }
}

/** What exports read with: their own pool (created by the caller with `connections`) and the gate. */
export interface ExportServices {
  db: Kysely<Database>;
  gate: ExportGate;
}

export function createExportServices(db: Kysely<Database>, limits?: AdmissionLimits): ExportServices {
  return { db, gate: new ExportGate(limits) };
}
