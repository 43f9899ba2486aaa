// Verifying the audit trail's hash chains (migration 0025): each organization's rows in chain order,
// read in batches (constant memory, any length), each row's hash recomputed here in Node from the
// row's own fields (not by the database's function), each link checked against the row before it,
// and the end checked against the chain's head. The first broken row is named.
import { createHash } from "node:crypto";
import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Database } from "../../db/schema";

/** The fields a row's hash covers, as text (null where the column is null). */
export interface ChainedRow {
  chain: string;
  chainSeq: string;
  id: string;
  /** UTC, microseconds: 2026-12-05T09:14:03.123456Z. */
  occurredAt: string;
  userId: string | null;
  orgCode: string | null;
  action: string;
  target: string | null;
  /** jsonb's own text form of the detail. */
  detail: string;
  ip: string | null;
  prevId: string | null;
  prevHash: string | null;
}

/** The bytes hashed: every field length-prefixed ('N' for null), so no two rows serialize alike. */
export function canonicalAuditRow(row: ChainedRow): string {
  const fields = [row.chain, row.chainSeq, row.id, row.occurredAt, row.userId, row.orgCode, row.action, row.target, row.detail, row.ip, row.prevId, row.prevHash];
  return `audit-v1|${fields.map((f) => (f === null ? "N" : `S${Buffer.byteLength(f, "utf8")}:${f}`)).join("|")}`;
}

export function auditRowHash(row: ChainedRow): string {
  return createHash("sha256").update(canonicalAuditRow(row), "utf8").digest("hex");
}

export type ChainBreakKind = "edited" | "deleted" | "relinked" | "deleted-at-end" | "head-missing";

export interface ChainBreak {
  kind: ChainBreakKind;
  /** The row named: the edited one, the deleted one (when the chain says which), or the one after a gap. */
  rowId: string | null;
  /** Its place in the chain. */
  seq: string;
  /** When the named row was recorded (null when it is gone). */
  occurredAt: string | null;
  /** What is wrong, in words. */
  message: string;
}

export interface ChainReport {
  /** The organization's code; null for the chain of rows without one. */
  orgCode: string | null;
  rowsChecked: number;
  intact: boolean;
  broken: ChainBreak | null;
  /** The chain's last hash: recorded elsewhere, it lets a later check see a chain rewritten whole. */
  headHash: string | null;
}

const BATCH = 2_000;

interface RawRow {
  chain_seq: string;
  id: string;
  occurred_at: string;
  user_id: string | null;
  org_code: string | null;
  action: string;
  target: string | null;
  detail: string;
  ip: string | null;
  prev_id: string | null;
  prev_hash: string | null;
  row_hash: string;
}

const when = (r: { occurredAt: string | null }) => r.occurredAt;

/**
 * Checks one chain (`orgCode` null: the rows without an organization). `db` is the owner's client
 * (every chain) or the app's, scoped to the organization (row-level security shows it that chain
 * only). Reads `batchSize` rows at a time.
 */
export async function verifyAuditChain(db: Kysely<Database>, orgCode: string | null, options: { batchSize?: number } = {}): Promise<ChainReport> {
  const batchSize = options.batchSize ?? BATCH;
  const chain = orgCode ?? "";
  const inChain = orgCode === null ? sql`e.org_code is null` : sql`e.org_code = ${orgCode}`;
  let previous = null as { id: string; seq: bigint; hash: string; occurredAt: string } | null;
  let rowsChecked = 0;
  const report = (broken: ChainBreak | null, headHash: string | null): ChainReport => ({ orgCode, rowsChecked, intact: broken === null, broken, headHash });

  for (;;) {
    const after: RawBuilder<unknown> = previous ? sql`and e.chain_seq > ${previous.seq.toString()}::bigint` : sql``;
    const { rows }: { rows: RawRow[] } = await sql<RawRow>`
      select e.chain_seq::text, e.id::text, to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as occurred_at,
             e.user_id::text, e.org_code, e.action, e.target, e.detail::text as detail, e.ip, e.prev_id::text, e.prev_hash, e.row_hash
      from board.audit_event e where ${inChain} ${after}
      -- e.chain_seq, the number: the text column of the same name would sort 1, 10, 11, 2…
      order by e.chain_seq limit ${batchSize}`.execute(db);
    for (const r of rows) {
      rowsChecked++;
      const seq = BigInt(r.chain_seq);
      const expected: bigint = previous ? previous.seq + 1n : 1n;
      const at = { occurredAt: r.occurred_at };
      if (seq !== expected || r.prev_id !== (previous?.id ?? null)) {
        const missing = seq - expected;
        const one = missing === 1n && r.prev_id !== null;
        const message =
          missing > 0n
            ? `${one ? `Event ${r.prev_id} (place ${expected} in the chain) was deleted` : `${missing} events (places ${expected} to ${seq - 1n} in the chain) were deleted`}: event ${r.id} follows ${previous ? `event ${previous.id}` : "the start of the chain"}, but was chained to ${r.prev_id ? `event ${r.prev_id}` : "the start"}.`
            : `Event ${r.id} was chained to ${r.prev_id ? `event ${r.prev_id}` : "the start"}, but follows ${previous ? `event ${previous.id}` : "the start of the chain"}: its place in the chain was changed.`;
        return report({ kind: "deleted", rowId: one ? r.prev_id : r.id, seq: (one ? expected : seq).toString(), occurredAt: one ? null : when(at), message }, null);
      }
      const recomputed = auditRowHash({
        chain,
        chainSeq: r.chain_seq,
        id: r.id,
        occurredAt: r.occurred_at,
        userId: r.user_id,
        orgCode: r.org_code,
        action: r.action,
        target: r.target,
        detail: r.detail,
        ip: r.ip,
        prevId: r.prev_id,
        prevHash: r.prev_hash,
      });
      if (recomputed !== r.row_hash) {
        return report({ kind: "edited", rowId: r.id, seq: r.chain_seq, occurredAt: r.occurred_at, message: `Event ${r.id} was edited after it was recorded: its content no longer matches its hash.` }, null);
      }
      if (previous && r.prev_hash !== previous.hash) {
        return report(
          {
            kind: "relinked",
            rowId: previous.id,
            seq: previous.seq.toString(),
            occurredAt: previous.occurredAt,
            message: `Event ${previous.id} was changed or replaced and its hash recomputed: event ${r.id}, recorded after it, holds a different hash for it.`,
          },
          null,
        );
      }
      previous = { id: r.id, seq, hash: r.row_hash, occurredAt: r.occurred_at };
    }
    if (rows.length < batchSize) break;
  }

  const head = await db.selectFrom("board.audit_chain_head").select(["last_seq", "last_id", "last_hash"]).where("chain", "=", chain).executeTakeFirst();
  if (!head) {
    if (!previous) return report(null, null);
    return report({ kind: "head-missing", rowId: previous.id, seq: previous.seq.toString(), occurredAt: previous.occurredAt, message: "The record of where the chain ends is missing: it was removed by hand." }, null);
  }
  const headSeq = BigInt(head.last_seq);
  if (!previous || headSeq > previous.seq || String(head.last_id) !== previous.id || head.last_hash !== previous.hash) {
    const from = previous ? previous.seq + 1n : 1n;
    const count = headSeq - from + 1n;
    const message =
      count > 0n
        ? `${count === 1n ? `The last event of the chain, event ${head.last_id} (place ${headSeq}), was deleted` : `The last ${count} events of the chain (places ${from} to ${headSeq}, the last being event ${head.last_id}) were deleted`}.`
        : `The end of the chain does not match its last event${previous ? ` (event ${previous.id})` : ""}: it was changed by hand.`;
    return report({ kind: "deleted-at-end", rowId: String(head.last_id), seq: headSeq.toString(), occurredAt: null, message }, head.last_hash);
  }
  return report(null, head.last_hash);
}

/** Every chain there is: each organization's, and the one of rows without an organization. */
export async function auditChains(db: Kysely<Database>): Promise<(string | null)[]> {
  const { rows } = await sql<{ chain: string }>`
    select chain from board.audit_chain_head
    union select code from board.organisation
    order by 1`.execute(db);
  return rows.map((r) => (r.chain === "" ? null : r.chain));
}
