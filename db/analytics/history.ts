// Sync history, kept beside the snapshots in the analytics directory (sync-history.jsonl): one
// "started" line when a sync begins and one "finished" line when it ends. A sync that has a start
// and no end was cut off (killed, machine lost); the next sync, holding the lock, records it as
// interrupted. Only the sync holding the lock writes; appends are single small writes.
import { randomUUID } from "node:crypto";
import { appendFile, open, readFile, rename } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

export const HISTORY_FILE = "sync-history.jsonl";
/** Syncs kept (about a day and a half at the default 20-second interval). */
const KEEP = 6_000;

const Counts = z.record(z.string(), z.number());

const Started = z.object({
  event: z.literal("started"),
  id: z.string(),
  kind: z.enum(["full", "incremental"]),
  trigger: z.enum(["scheduler", "start-up", "command", "admin", "test"]),
  startedAt: z.iso.datetime(),
  host: z.string(),
  pid: z.number(),
});

const Finished = z.object({
  event: z.literal("finished"),
  id: z.string(),
  outcome: z.enum(["succeeded", "failed", "interrupted"]),
  finishedAt: z.iso.datetime(),
  /** An incremental sync that turned into a full rebuild says so here. */
  kind: z.enum(["full", "incremental"]).optional(),
  asOf: z.iso.datetime().nullable(),
  rowsTotal: z.number().nullable(),
  rowsByBoard: Counts.nullable(),
  rowsChanged: z.number().nullable(),
  changesByBoard: Counts.nullable(),
  durationMs: z.number(),
  error: z.string().nullable(),
});

const Line = z.discriminatedUnion("event", [Started, Finished]);

export interface SyncRecord {
  id: string;
  kind: "full" | "incremental";
  trigger: z.infer<typeof Started>["trigger"];
  startedAt: string;
  finishedAt: string | null;
  outcome: "running" | "succeeded" | "failed" | "interrupted";
  /** The store's state the snapshot reflects after the sync. */
  asOf: string | null;
  /** Live credit reports in the snapshot after the sync, in all and per board. */
  rowsTotal: number | null;
  rowsByBoard: Record<string, number> | null;
  /** Credit reports read and applied: all (full) or those changed since the last sync. */
  rowsChanged: number | null;
  changesByBoard: Record<string, number> | null;
  durationMs: number | null;
  error: string | null;
  host: string;
  pid: number;
}

async function readLines(dir: string): Promise<Array<z.infer<typeof Line>>> {
  let text: string;
  try {
    text = await readFile(path.join(dir, HISTORY_FILE), "utf8");
  } catch {
    return [];
  }
  const lines: Array<z.infer<typeof Line>> = [];
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    try {
      const parsed = Line.safeParse(JSON.parse(raw));
      if (parsed.success) lines.push(parsed.data);
    } catch {
      // A torn last line (the process died mid-write) is skipped.
    }
  }
  return lines;
}

/** Every recorded sync, newest first. */
export async function readHistory(dir: string, limit = 200): Promise<SyncRecord[]> {
  const records = new Map<string, SyncRecord>();
  for (const line of await readLines(dir)) {
    if (line.event === "started") {
      records.set(line.id, {
        id: line.id,
        kind: line.kind,
        trigger: line.trigger,
        startedAt: line.startedAt,
        finishedAt: null,
        outcome: "running",
        asOf: null,
        rowsTotal: null,
        rowsByBoard: null,
        rowsChanged: null,
        changesByBoard: null,
        durationMs: null,
        error: null,
        host: line.host,
        pid: line.pid,
      });
    } else {
      const record = records.get(line.id);
      if (!record) continue;
      Object.assign(record, {
        finishedAt: line.finishedAt,
        outcome: line.outcome,
        kind: line.kind ?? record.kind,
        asOf: line.asOf,
        rowsTotal: line.rowsTotal,
        rowsByBoard: line.rowsByBoard,
        rowsChanged: line.rowsChanged,
        changesByBoard: line.changesByBoard,
        durationMs: line.durationMs,
        error: line.error,
      });
    }
  }
  return [...records.values()].reverse().slice(0, limit);
}

async function append(dir: string, line: z.infer<typeof Line>): Promise<void> {
  await appendFile(path.join(dir, HISTORY_FILE), `${JSON.stringify(line)}\n`);
}

export async function recordStart(dir: string, entry: Omit<z.infer<typeof Started>, "event" | "id" | "startedAt">): Promise<string> {
  const id = randomUUID();
  await append(dir, { event: "started", id, startedAt: new Date().toISOString(), ...entry });
  return id;
}

export async function recordFinish(dir: string, id: string, entry: Omit<z.infer<typeof Finished>, "event" | "id" | "finishedAt">): Promise<void> {
  await append(dir, { event: "finished", id, finishedAt: new Date().toISOString(), ...entry });
}

/**
 * Called by the sync holding the lock: a sync still open in the history was cut off, so it is
 * recorded as interrupted; and the history is trimmed to the newest syncs.
 */
export async function closeInterrupted(dir: string): Promise<number> {
  const open_ = (await readHistory(dir, Number.MAX_SAFE_INTEGER)).filter((r) => r.outcome === "running");
  for (const record of open_) {
    await recordFinish(dir, record.id, {
      outcome: "interrupted",
      asOf: null,
      rowsTotal: null,
      rowsByBoard: null,
      rowsChanged: null,
      changesByBoard: null,
      durationMs: Math.max(0, Date.now() - Date.parse(record.startedAt)),
      error: "The sync stopped before finishing (its process ended); the previous snapshot kept serving.",
    });
  }
  const lines = await readLines(dir);
  if (lines.length > 2 * KEEP * 2) {
    const keepIds = new Set(lines.filter((l) => l.event === "started").slice(-KEEP).map((l) => l.id));
    const kept = lines.filter((l) => keepIds.has(l.id));
    const temp = path.join(dir, `${HISTORY_FILE}.tmp`);
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(kept.map((l) => JSON.stringify(l)).join("\n") + "\n");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path.join(dir, HISTORY_FILE));
  }
  return open_.length;
}
