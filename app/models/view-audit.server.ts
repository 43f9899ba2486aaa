// The audit of views: every page that shows learners (names, birth dates, licence or board ids, NPIs)
// records one compact `*.view` event. A page does not wait for it: the event joins an in-memory queue
// that is written about once a second (or as soon as BATCH_ROWS are waiting) with one multi-row
// INSERT per organisation. The queue is bounded; what happens at the bound, on a failed write and
// at shutdown is in docs/decisions/018-limits-per-user.md ("Audit of views").
import type { AppLoadContext } from "@remix-run/node";
import type { Kysely } from "kysely";
import type { Database, NewAuditEvent } from "../../db/schema";
import { runWithRowScope } from "../../db/row-scope";
import { auditDetailJson, type ViewAction } from "./audit.server";

/** What a page records: who, for which organisation, from where, what it showed and how many rows. */
export interface ViewAuditEntry {
  action: ViewAction;
  userId: string;
  orgCode: string;
  ip: string | null;
  /** What was shown: `learner:12`, `activity:123456789`, `roster_entry:5`…; null for a list. */
  target?: string | null;
  /** The filters (compacted with `viewFilters`) and anything else the page needs to say. */
  detail?: Record<string, unknown>;
  /** How many learners (rows) the page showed. */
  rows: number;
}

/** Where the queue reports what it could not write (the app's pino logger fits). */
export interface ViewAuditLogger {
  error(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
}

export interface ViewAuditOptions {
  db: Kysely<Database>;
  logger: ViewAuditLogger;
  /** Written at least this often while events wait (ms). */
  intervalMs?: number;
  /** false: no timer (tests flush by hand); the size trigger and close still write. */
  schedule?: boolean;
  /** Written at once when this many events wait. */
  batchRows?: number;
  /** At most this many events held in memory (waiting or being written); see `record`. */
  maxQueued?: number;
  /** A batch whose INSERT failed this many times is given up (logged whole, not kept). */
  maxAttempts?: number;
}

export interface ViewAuditStats {
  /** Events waiting or being written. */
  queued: number;
  written: number;
  /** Events refused because the queue was full (logged instead). */
  overflowed: number;
  /** Events given up after `maxAttempts` failed writes, or recorded after close (logged instead). */
  abandoned: number;
  failedWrites: number;
}

export interface ViewAudit {
  /** Queues one view; never waits, never throws. */
  record(entry: ViewAuditEntry): void;
  /** Writes every event recorded before the call (a failed write stays queued for a retry); never rejects. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left, retrying a failed write up to `maxAttempts` times; never rejects. */
  close(): Promise<void>;
  stats(): ViewAuditStats;
}

export const VIEW_AUDIT_DEFAULTS = { intervalMs: 1_000, batchRows: 200, maxQueued: 10_000, maxAttempts: 5 } as const;

/** The first retry of a failed write waits this long (then twice as long each time). */
const RETRY_BASE_MS = 1_000;

/** Rows in one INSERT: 7 parameters each, far below PostgreSQL's 65,535. */
const INSERT_ROWS = 500;

interface Pending {
  row: {
    occurred_at: Date;
    user_id: string;
    org_code: string;
    action: string;
    target: string | null;
    detail: string;
    ip: string | null;
  };
  attempts: number;
  /** After a failed write: not tried again by the timer before this time (ms since the epoch). */
  retryAt: number;
}

/** The log line of an event that is not written to the table: enough to restore it by hand. */
function logged(p: Pending): Record<string, unknown> {
  return { ...p.row, occurred_at: p.row.occurred_at.toISOString(), detail: p.row.detail };
}

export function createViewAudit(options: ViewAuditOptions): ViewAudit {
  const { db, logger } = options;
  const intervalMs = options.intervalMs ?? VIEW_AUDIT_DEFAULTS.intervalMs;
  const batchRows = options.batchRows ?? VIEW_AUDIT_DEFAULTS.batchRows;
  const maxQueued = options.maxQueued ?? VIEW_AUDIT_DEFAULTS.maxQueued;
  const maxAttempts = options.maxAttempts ?? VIEW_AUDIT_DEFAULTS.maxAttempts;

  let waiting: Pending[] = [];
  let inFlight = 0;
  let closed = false;
  /** Each flush runs after the one before it: one INSERT stream at a time, in order. */
  let chain: Promise<void> = Promise.resolve();
  /** A flush is queued on the chain and has not started: another record need not ask for one. */
  let flushAsked = false;
  const stats = { written: 0, overflowed: 0, abandoned: 0, failedWrites: 0 };

  async function writeGroup(orgCode: string, group: Pending[]): Promise<void> {
    // Row-level security: each organisation's events are written under that organisation's scope
    // (audit_write accepts any insert today; a policy that checks org_code would still pass).
    await runWithRowScope({ boards: "", org: orgCode }, () =>
      // occurred_at is the moment of the view, not of the write (the schema types it as generated only).
      db.insertInto("board.audit_event").values(group.map((p) => ({ ...p.row, occurred_at: p.row.occurred_at as unknown as NewAuditEvent["occurred_at"] }))).execute(),
    );
  }

  /** Writes what is waiting now; a failed group goes back to the front of the queue, or is given up. */
  async function drain(force: boolean): Promise<void> {
    flushAsked = false;
    // The timer leaves a failed batch alone until its back-off has passed; flush() and close() do not.
    const now = Date.now();
    const batch = force ? waiting : waiting.filter((p) => p.retryAt <= now);
    waiting = force ? [] : waiting.filter((p) => p.retryAt > now);
    inFlight += batch.length;
    const byOrg = new Map<string, Pending[]>();
    for (const p of batch) {
      const group = byOrg.get(p.row.org_code);
      if (group) group.push(p);
      else byOrg.set(p.row.org_code, [p]);
    }
    const retry: Pending[] = [];
    for (const [orgCode, group] of byOrg) {
      for (let i = 0; i < group.length; i += INSERT_ROWS) {
        const part = group.slice(i, i + INSERT_ROWS);
        try {
          await writeGroup(orgCode, part);
          stats.written += part.length;
        } catch (error) {
          stats.failedWrites++;
          const attempts = part[0]!.attempts + 1;
          const giveUp = attempts >= maxAttempts;
          // Back-off 1, 2, 4, 8 s: five attempts span about a quarter of a minute (a database restart).
          const delayMs = RETRY_BASE_MS * 2 ** (attempts - 1);
          logger.error(
            { err: error, rows: part.length, orgCode, attempt: attempts, maxAttempts },
            giveUp ? "audit of views: a batch could not be written and is given up (its events follow in the log)" : `audit of views: a batch could not be written; it is tried again in ${delayMs / 1000} s`,
          );
          if (giveUp) {
            stats.abandoned += part.length;
            for (const p of part) logger.error({ audit: logged(p) }, "audit of views: event not written");
          } else {
            for (const p of part) retry.push({ row: p.row, attempts, retryAt: Date.now() + delayMs });
          }
        }
      }
    }
    inFlight -= batch.length;
    if (retry.length) waiting = [...retry, ...waiting];
  }

  function flush(force = true): Promise<void> {
    flushAsked = true;
    // drain() never rejects; the catch is a second fence so the chain can never carry a rejection.
    chain = chain.then(() => drain(force)).catch((error: unknown) => logger.error({ err: error }, "audit of views: flush failed"));
    return chain;
  }

  const timer =
    options.schedule === false
      ? undefined
      : setInterval(() => {
          if (waiting.length > 0 && !flushAsked) void flush(false);
        }, intervalMs);
  timer?.unref();

  return {
    record(entry: ViewAuditEntry) {
      const pending: Pending = {
        row: {
          occurred_at: new Date(),
          user_id: entry.userId,
          org_code: entry.orgCode,
          action: entry.action,
          target: entry.target ?? null,
          detail: auditDetailJson({ ...entry.detail, rows: entry.rows }),
          ip: entry.ip,
        },
        attempts: 0,
        retryAt: 0,
      };
      if (closed) {
        stats.abandoned++;
        logger.error({ audit: logged(pending) }, "audit of views: event recorded after shutdown, not written");
        return;
      }
      if (waiting.length + inFlight >= maxQueued) {
        stats.overflowed++;
        logger.error({ audit: logged(pending), maxQueued }, "audit of views: queue full, event not written");
        if (!flushAsked) void flush(false);
        return;
      }
      waiting.push(pending);
      if (waiting.length >= batchRows && !flushAsked) void flush(false);
    },
    flush: () => flush(true),
    async close() {
      if (closed) return chain;
      closed = true;
      clearInterval(timer);
      // Each pass writes what is left; a failed batch counts an attempt, so this ends within maxAttempts passes.
      for (let pass = 0; pass < maxAttempts && waiting.length + inFlight > 0; pass++) await flush();
      await chain;
    },
    stats: () => ({ queued: waiting.length + inFlight, ...stats }),
  };
}

/** Characters of filter values one event keeps in all (the bound on its size: decision 018). */
export const VIEW_FILTER_BUDGET = 2_000;

/**
 * The query string as a compact record: at most 30 names and 10 values a name, each cut to 200
 * characters, and VIEW_FILTER_BUDGET characters in all; what did not fit is named in `…`.
 */
export function viewFilters(search: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  let budget = VIEW_FILTER_BUDGET;
  let left = 0;
  let names = 0;
  for (const name of new Set(search.keys())) {
    const key = name.slice(0, 100);
    const values = search.getAll(name).slice(0, 10).map((v) => v.slice(0, 200));
    const size = key.length + values.reduce((n, v) => n + v.length, 0);
    if (names === 30 || size > budget) {
      left++;
      continue;
    }
    names++;
    budget -= size;
    out[key] = values.length === 1 ? values[0]! : values;
  }
  if (left > 0) out["…"] = `${left} more not recorded`;
  return out;
}

/**
 * Records that this request showed learners: one `*.view` event for the signed-in user, their
 * organisation and the request's client address, queued (the page does not wait for the write).
 */
export function auditView(
  context: AppLoadContext,
  user: { id: string; org: { code: string } },
  view: { action: ViewAction; target?: string | null; detail?: Record<string, unknown>; rows: number },
): void {
  context.services.viewAudit.record({ ...view, userId: user.id, orgCode: user.org.code, ip: context.clientIp });
}
