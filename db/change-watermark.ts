// How far a reader of the learner store may say it has read, by `change_seq`: shared by the analytics
// sync (db/analytics/sync.ts) and the renewal refresh (app/models/renewals.server.ts). Changes take
// their number from one sequence when a row is written, but are visible only when the transaction
// commits: a transaction still open when we read may commit a lower number later, and a reader that
// recorded the highest number it saw as its watermark would never read that change.
//
// So, in one statement, note the highest number already committed (M0) and the write transactions
// open at that moment, and wait (bounded) for those to end: any transaction that starts after that
// statement takes numbers above M0. Then read, and in the reading snapshot count the write
// transactions still open. The watermark is the highest number read when none was open; M0 when some
// were (they started after the first statement, so their numbers are above M0); and, when a writer
// outlasted the wait, the previous watermark (nothing newer is known to be safe). Reading again what
// lies above the watermark next time is harmless for both readers.

/** Runs one statement and returns its rows (a pg client's or a Kysely transaction's). */
export type RunQuery = <R>(text: string, values?: unknown[]) => Promise<R[]>;

/** The store's position before reading: the highest committed change and the writers then open. */
export interface StorePosition {
  highest: bigint;
  writers: string[];
}

/** The write transactions open in the current snapshot (our own, if it has written, included). */
export const WRITERS_IN_SNAPSHOT = "cardinality(array(select pg_snapshot_xip(pg_current_snapshot())))::int";

/** `highestSql`: an expression for the highest change number over the tables the reader reads. */
export async function storePosition(run: RunQuery, highestSql: string): Promise<StorePosition> {
  const rows = await run<{ m0: string | null; xids: string[] | null }>(
    `select (${highestSql})::text as m0, coalesce((select array_agg(x::text) from pg_snapshot_xip(pg_current_snapshot()) as x), '{}') as xids`,
  );
  return { highest: BigInt(rows[0]?.m0 ?? "0"), writers: rows[0]?.xids ?? [] };
}

/**
 * Waits until the writers of `position` have ended, at most `waitMs`. True when they all did (or
 * there were none). `checkpoint` runs between polls (the sync stops there when asked to).
 */
export async function waitForWriters(run: RunQuery, position: StorePosition, options: { waitMs: number; checkpoint?: () => void }): Promise<boolean> {
  if (position.writers.length === 0) return true;
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    options.checkpoint?.();
    const still = await run<{ n: number }>(`select count(*)::int as n from unnest($1::xid8[]) as x where pg_xact_status(x) = 'in progress'`, [position.writers]);
    if ((still[0]?.n ?? 0) === 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The watermark a reader may record once it has read (see the module's comment). */
export function safeWatermark(read: {
  before: StorePosition;
  /** What waitForWriters answered. */
  waited: boolean;
  /** WRITERS_IN_SNAPSHOT in the snapshot the reader read from (not counting its own transaction). */
  writersWhileReading: number;
  /** The highest change number in that snapshot. */
  highestRead: bigint;
  /** The previous watermark (null: none). */
  previous: bigint | null;
}): bigint {
  const fallback = read.previous ?? 0n;
  let watermark: bigint;
  if (!read.waited) watermark = fallback;
  else if (read.writersWhileReading === 0) watermark = read.highestRead;
  else watermark = read.before.highest;
  return read.previous !== null && watermark < read.previous ? read.previous : watermark;
}
