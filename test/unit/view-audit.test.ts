// The queue of page-view audit events (app/models/view-audit.server.ts) over a stand-in database that
// records each INSERT and the row scope it ran under: batching per organisation, the timer and the
// size trigger, the bound, failed writes (logged, retried, given up) and close.
import type { Kysely } from "kysely";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createViewAudit, VIEW_FILTER_BUDGET, viewFilters, type ViewAuditEntry } from "../../app/models/view-audit.server";
import { currentRowScope, runWithRowScope, type RowScope } from "../../db/row-scope";
import type { Database } from "../../db/schema";

interface Insert {
  table: string;
  rows: Record<string, unknown>[];
  scope: RowScope;
}

/** A database whose INSERTs run `write` (resolve, fail, or hang) and are recorded with their scope. */
function standIn(write: (insert: Insert) => Promise<void> = () => Promise.resolve()) {
  const inserts: Insert[] = [];
  const listeners: (() => void)[] = [];
  const db = {
    insertInto: (table: string) => ({
      values: (rows: Record<string, unknown>[]) => ({
        execute: async () => {
          const insert = { table, rows, scope: currentRowScope() };
          inserts.push(insert);
          for (const l of listeners.splice(0)) l();
          await write(insert);
          return [];
        },
      }),
    }),
  } as unknown as Kysely<Database>;
  /** Resolves at the next INSERT (an event, not a delay). */
  const nextInsert = () => new Promise<void>((resolve) => listeners.push(resolve));
  return { db, inserts, nextInsert };
}

function logger() {
  const lines: { level: string; object: Record<string, unknown>; message: string }[] = [];
  return {
    lines,
    error: (object: Record<string, unknown>, message: string) => lines.push({ level: "error", object, message }),
    warn: (object: Record<string, unknown>, message: string) => lines.push({ level: "warn", object, message }),
  };
}

const view = (orgCode: string, n = 1): ViewAuditEntry => ({ action: "credits.view", userId: `user-${orgCode}-${n}`, orgCode, ip: "192.0.2.7", detail: { filters: { last: "Smith" } }, rows: n });

afterEach(() => {
  vi.useRealTimers();
});

describe("the queue of view audits", () => {
  it("writes nothing while recording; a flush writes one INSERT per organisation, under that organisation's row scope", async () => {
    const { db, inserts } = standIn();
    const audit = createViewAudit({ db, logger: logger(), schedule: false });
    const before = Date.now();
    // Recorded inside a request of another organisation: the write must not inherit its scope.
    runWithRowScope({ boards: "CA-M", org: "CA-M" }, () => {
      audit.record(view("CA-M", 1));
      audit.record(view("ABIM", 2));
      audit.record(view("CA-M", 3));
    });
    expect(inserts).toHaveLength(0);
    expect(audit.stats().queued).toBe(3);
    await audit.flush();
    expect(inserts.map((i) => [i.rows.length, i.scope.org, i.scope.boards])).toEqual([
      [2, "CA-M", ""],
      [1, "ABIM", ""],
    ]);
    const row = inserts[0]!.rows[0]!;
    expect(row).toMatchObject({ action: "credits.view", user_id: "user-CA-M-1", org_code: "CA-M", ip: "192.0.2.7", target: null });
    expect(JSON.parse(row.detail as string)).toEqual({ filters: { last: "Smith" }, rows: 1 });
    expect((row.occurred_at as Date).getTime()).toBeGreaterThanOrEqual(before);
    expect(inserts[1]!.rows[0]).toMatchObject({ org_code: "ABIM", user_id: "user-ABIM-2" });
    expect(audit.stats()).toMatchObject({ queued: 0, written: 3 });
  });

  it("writes by itself every intervalMs", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const { db, inserts, nextInsert } = standIn();
    const audit = createViewAudit({ db, logger: logger(), intervalMs: 1_000 });
    audit.record(view("CA-M"));
    vi.advanceTimersByTime(999);
    expect(inserts).toHaveLength(0);
    const inserted = nextInsert();
    vi.advanceTimersByTime(1);
    await inserted;
    expect(inserts).toHaveLength(1);
    await audit.close();
  });

  it("writes at once when batchRows events wait, without waiting for the timer", async () => {
    const { db, inserts, nextInsert } = standIn();
    const audit = createViewAudit({ db, logger: logger(), schedule: false, batchRows: 3 });
    audit.record(view("CA-M", 1));
    audit.record(view("CA-M", 2));
    const inserted = nextInsert();
    audit.record(view("CA-M", 3));
    await inserted;
    expect(inserts[0]!.rows).toHaveLength(3);
    await audit.close();
  });

  it("holds at most maxQueued events: beyond that an event is logged whole instead of kept", async () => {
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    const { db, inserts, nextInsert } = standIn(() => hung); // the database does not answer
    const log = logger();
    const audit = createViewAudit({ db, logger: log, schedule: false, batchRows: 2, maxQueued: 3 });
    const inserted = nextInsert();
    audit.record(view("CA-M", 1));
    audit.record(view("CA-M", 2)); // starts a write that hangs
    await inserted;
    audit.record(view("CA-M", 3));
    audit.record(view("CA-M", 4)); // 2 in flight + 1 waiting = 3: refused
    audit.record(view("CA-M", 5));
    expect(audit.stats()).toMatchObject({ queued: 3, overflowed: 2 });
    const refused = log.lines.filter((l) => l.message.includes("queue full"));
    expect(refused.map((l) => (l.object.audit as { user_id: string }).user_id)).toEqual(["user-CA-M-4", "user-CA-M-5"]);
    release();
    await audit.close();
    expect(audit.stats()).toMatchObject({ queued: 0, written: 3, overflowed: 2 });
    expect(inserts.flatMap((i) => i.rows.map((r) => r.user_id))).toEqual(["user-CA-M-1", "user-CA-M-2", "user-CA-M-3"]);
  });

  it("a failed write is logged and retried at the next flush; flush never rejects", async () => {
    let failures = 1;
    const { db, inserts } = standIn(() => (failures-- > 0 ? Promise.reject(new Error("connection terminated")) : Promise.resolve()));
    const log = logger();
    const audit = createViewAudit({ db, logger: log, schedule: false });
    audit.record(view("CA-M"));
    await expect(audit.flush()).resolves.toBeUndefined();
    expect(audit.stats()).toMatchObject({ queued: 1, written: 0, failedWrites: 1 });
    expect(log.lines.some((l) => l.level === "error" && l.message.includes("tried again in 1 s"))).toBe(true);
    await audit.flush();
    expect(audit.stats()).toMatchObject({ queued: 0, written: 1 });
    expect(inserts).toHaveLength(2);
  });

  it("the timer retries a failed write after a growing back-off (1 s, then 2 s)", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    let failures = 2;
    const { db, inserts } = standIn(() => (failures-- > 0 ? Promise.reject(new Error("the database is restarting")) : Promise.resolve()));
    const audit = createViewAudit({ db, logger: logger(), intervalMs: 1_000 });
    audit.record(view("CA-M"));
    /** Advances one tick; true if it tried a write. The stand-in answers at once, so every promise the
     * tick started has settled by the next turn of the event loop (setImmediate is not faked). */
    const tick = async () => {
      const before = inserts.length;
      vi.advanceTimersByTime(1_000);
      await new Promise((resolve) => setImmediate(resolve));
      return inserts.length > before;
    };
    expect(await tick()).toBe(true); // t=1 s: first attempt fails, retry after 1 s
    expect(audit.stats()).toMatchObject({ failedWrites: 1, queued: 1 });
    expect(await tick()).toBe(true); // t=2 s: second attempt fails, retry after 2 s
    expect(audit.stats()).toMatchObject({ failedWrites: 2, queued: 1 });
    expect(await tick()).toBe(false); // t=3 s: still backing off
    expect(audit.stats()).toMatchObject({ failedWrites: 2, queued: 1 });
    expect(await tick()).toBe(true); // t=4 s: written
    expect(audit.stats()).toMatchObject({ written: 1, queued: 0 });
    await audit.close();
  });

  it("gives a batch up after maxAttempts failed writes, logging each event, and keeps the other organisations' rows", async () => {
    const { db } = standIn((insert) => (insert.scope.org === "ABIM" ? Promise.reject(new Error("permission denied")) : Promise.resolve()));
    const log = logger();
    const audit = createViewAudit({ db, logger: log, schedule: false, maxAttempts: 3 });
    audit.record(view("ABIM", 1));
    audit.record(view("CA-M", 2));
    await audit.flush();
    expect(audit.stats()).toMatchObject({ queued: 1, written: 1 });
    await audit.flush();
    await audit.flush();
    expect(audit.stats()).toMatchObject({ queued: 0, written: 1, abandoned: 1, failedWrites: 3 });
    const lost = log.lines.filter((l) => l.message === "audit of views: event not written");
    expect(lost.map((l) => (l.object.audit as { user_id: string }).user_id)).toEqual(["user-ABIM-1"]);
  });

  it("close writes what is left (retrying a failed write), and an event recorded after close is logged", async () => {
    let failures = 2;
    const { db } = standIn(() => (failures-- > 0 ? Promise.reject(new Error("the database is restarting")) : Promise.resolve()));
    const log = logger();
    const audit = createViewAudit({ db, logger: log, intervalMs: 60_000 });
    audit.record(view("CA-M"));
    await audit.close();
    expect(audit.stats()).toMatchObject({ queued: 0, written: 1, failedWrites: 2 });
    audit.record(view("CA-M", 9));
    expect(audit.stats()).toMatchObject({ queued: 0, abandoned: 1 });
    expect(log.lines.at(-1)!.message).toContain("after shutdown");
  });

  it("keeps a view's filters compact", () => {
    const search = new URLSearchParams([["last", "x".repeat(500)], ...Array.from({ length: 40 }, (_, i) => [`f${i}`, String(i)] as [string, string]), ["board", "CA-M"], ["board", "ABIM"]]);
    const filters = viewFilters(search);
    expect((filters.last as string).length).toBe(200);
    expect(Object.keys(filters)).toHaveLength(31);
    expect(filters["…"]).toBe("12 more not recorded");
    // However many long values come, an event keeps at most VIEW_FILTER_BUDGET characters of them.
    const flood = new URLSearchParams(Array.from({ length: 29 }, (_, i) => [`n${i}`, "y".repeat(200)] as [string, string]));
    expect(JSON.stringify(viewFilters(flood)).length).toBeLessThan(VIEW_FILTER_BUDGET + 200);
    expect(viewFilters(new URLSearchParams("board=CA-M&board=ABIM"))).toEqual({ board: ["CA-M", "ABIM"] });
  });
});
