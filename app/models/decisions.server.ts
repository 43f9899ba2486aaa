// Recorded decisions on a licensee's cycle (append-only; a supervisor supersedes one with a reason),
// the bulk "every licensee who meets the requirement is compliant", and random audit samples drawn
// with a recorded seed. Each write and its audit entry commit together, before the page says so.
import { createHash } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { DecisionOutcomeId } from "../lib/renewal-search";
import { recordAudit } from "./audit.server";
import { renewalConditions, type RenewalFilters } from "./renewal-queue.server";
import { decisionBasis, evaluateEntryNow, type EntryDetail } from "./renewals.server";

export interface DecisionRecord {
  id: string;
  outcome: DecisionOutcomeId;
  note: string;
  basis: Record<string, unknown>;
  decidedBy: string;
  decidedAt: Date;
  bulk: boolean;
  supersedes: string | null;
  supersedeReason: string | null;
  /** Another decision supersedes this one. */
  superseded: boolean;
  cycleEnd: string;
  entryId: string;
}

interface Actor {
  id: string;
  role: string;
  orgCode: string;
  ip: string | null;
}

const decisionColumns = [
  "d.id",
  "d.outcome",
  "d.note",
  "d.basis",
  "d.decided_at",
  "d.bulk",
  "d.supersedes",
  "d.supersede_reason",
  "d.cycle_end",
  "d.entry_id",
  "u.display_name",
] as const;

function toRecord(r: {
  id: string;
  outcome: DecisionOutcomeId;
  note: string;
  basis: Record<string, unknown>;
  decided_at: Date;
  bulk: boolean;
  supersedes: string | null;
  supersede_reason: string | null;
  cycle_end: string;
  entry_id: string;
  display_name: string;
  superseded: boolean;
}): DecisionRecord {
  return {
    id: r.id,
    outcome: r.outcome,
    note: r.note,
    basis: r.basis,
    decidedBy: r.display_name,
    decidedAt: r.decided_at,
    bulk: r.bulk,
    supersedes: r.supersedes,
    supersedeReason: r.supersede_reason,
    superseded: r.superseded,
    cycleEnd: r.cycle_end,
    entryId: r.entry_id,
  };
}

/** Decisions of the organisation matching `where`, newest first. */
async function decisionsWhere(db: Kysely<Database>, orgCode: string, column: "d.entry_id" | "d.learner_id", value: string): Promise<DecisionRecord[]> {
  const rows = await db
    .selectFrom("board.decision as d")
    .innerJoin("board.staff_user as u", "u.id", "d.decided_by")
    .select(decisionColumns)
    .select(sql<boolean>`exists (select 1 from board.decision s where s.supersedes = d.id)`.as("superseded"))
    .where("d.org_code", "=", orgCode)
    .where(column, "=", value)
    .orderBy("d.decided_at", "desc")
    .orderBy("d.id", "desc")
    .execute();
  return rows.map(toRecord);
}

export const decisionsForEntry = (db: Kysely<Database>, orgCode: string, entryId: string) => decisionsWhere(db, orgCode, "d.entry_id", entryId);
export const decisionsForLearner = (db: Kysely<Database>, orgCode: string, learnerId: string) => decisionsWhere(db, orgCode, "d.learner_id", learnerId);

export type DecisionResult = { ok: true; id: string } | { ok: false; message: string };

/** The first decision on a cycle. A cycle with a decision already needs a supervisor to supersede it. */
export async function recordDecision(
  db: Kysely<Database>,
  actor: Actor,
  entry: EntryDetail,
  input: { outcome: DecisionOutcomeId; note: string },
): Promise<DecisionResult> {
  const live = await evaluateEntryNow(db, entry);
  const basis = decisionBasis(live);
  return db.transaction().execute(async (trx) => {
    // Serialise decisions on this entry; the unique index on first decisions is the last word.
    await trx.selectFrom("board.roster_entry").select("id").where("id", "=", entry.id).forUpdate().execute();
    const existing = await trx.selectFrom("board.decision").select("id").where("entry_id", "=", entry.id).executeTakeFirst();
    if (existing) return { ok: false as const, message: "This cycle already has a decision. A supervisor can supersede it with a reason." };
    const row = await trx
      .insertInto("board.decision")
      .values({
        org_code: actor.orgCode,
        entry_id: entry.id,
        learner_id: entry.learnerId,
        cycle_start: live.kind === "evaluated" ? live.evaluation.cycle.start : null,
        cycle_end: entry.cycleEnd,
        outcome: input.outcome,
        note: input.note,
        basis: JSON.stringify(basis),
        decided_by: actor.id,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      action: "decision.record",
      userId: actor.id,
      orgCode: actor.orgCode,
      target: `entry:${entry.id}`,
      detail: { decision: row.id, outcome: input.outcome, learnerId: entry.learnerId, status: basis.status },
      ip: actor.ip,
    });
    return { ok: true as const, id: row.id };
  });
}

/** A supervisor's correction: a new decision that supersedes the one in force, with the reason. */
export async function supersedeDecision(
  db: Kysely<Database>,
  actor: Actor,
  entry: EntryDetail,
  input: { supersedes: string; outcome: DecisionOutcomeId; note: string; reason: string },
): Promise<DecisionResult> {
  if (actor.role !== "supervisor" && actor.role !== "admin") return { ok: false, message: "Only a supervisor can supersede a decision." };
  const live = await evaluateEntryNow(db, entry);
  const basis = decisionBasis(live);
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom("board.roster_entry").select("id").where("id", "=", entry.id).forUpdate().execute();
    const prior = await trx
      .selectFrom("board.decision as d")
      .select(["d.id", sql<boolean>`exists (select 1 from board.decision s where s.supersedes = d.id)`.as("superseded")])
      .where("d.id", "=", input.supersedes)
      .where("d.entry_id", "=", entry.id)
      .where("d.org_code", "=", actor.orgCode)
      .executeTakeFirst();
    if (!prior) return { ok: false as const, message: "That decision is not one of this cycle's." };
    if (prior.superseded) return { ok: false as const, message: "That decision has already been superseded; reload to see the one in force." };
    const row = await trx
      .insertInto("board.decision")
      .values({
        org_code: actor.orgCode,
        entry_id: entry.id,
        learner_id: entry.learnerId,
        cycle_start: live.kind === "evaluated" ? live.evaluation.cycle.start : null,
        cycle_end: entry.cycleEnd,
        outcome: input.outcome,
        note: input.note,
        basis: JSON.stringify(basis),
        decided_by: actor.id,
        supersedes: input.supersedes,
        supersede_reason: input.reason,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      action: "decision.supersede",
      userId: actor.id,
      orgCode: actor.orgCode,
      target: `entry:${entry.id}`,
      detail: { decision: row.id, supersedes: input.supersedes, outcome: input.outcome, reason: input.reason },
      ip: actor.ip,
    });
    return { ok: true as const, id: row.id };
  });
}

/** Entries the bulk action would mark compliant: in the window and filters, status "meets", undecided. */
function bulkCandidates(orgCode: string, window: { from: string; to: string }, filters: RenewalFilters) {
  const conditions = renewalConditions(orgCode, window, filters);
  conditions.push(sql`e.status = 'meets'`);
  conditions.push(sql`e.learner_id is not null`);
  conditions.push(sql`not exists (select 1 from board.decision d where d.entry_id = e.id)`);
  return sql.join(conditions, sql` and `);
}

export async function countBulkCompliant(db: Kysely<Database>, orgCode: string, window: { from: string; to: string }, filters: RenewalFilters): Promise<number> {
  const result = await sql<{ n: string }>`select count(*)::text as n from board.roster_entry e where ${bulkCandidates(orgCode, window, filters)}`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

export type BulkResult = { ok: true; recorded: number } | { ok: false; message: string; count: number };

/**
 * Marks every undecided entry that meets the requirement as compliant, in one transaction. The
 * reviewer confirmed `expected` entries: if the number is different now (statuses changed, or
 * someone decided some), nothing is written and the new number is shown for a fresh confirmation.
 */
export async function bulkMarkCompliant(
  db: Kysely<Database>,
  actor: Actor,
  request: { window: { from: string; to: string }; filters: RenewalFilters; expected: number; note: string },
): Promise<BulkResult> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`roster:${actor.orgCode}`}))`.execute(trx);
    const candidates = await sql<{ id: string; learner_id: string; cycle_start: string | null; cycle_end: string; credits_counted: string; credits_required: string }>`
      select e.id::text, e.learner_id::text, e.cycle_start, e.cycle_end, e.credits_counted, e.credits_required
        from board.roster_entry e where ${bulkCandidates(actor.orgCode, request.window, request.filters)}
        for update of e`.execute(trx);
    if (candidates.rows.length !== request.expected) {
      return { ok: false as const, message: `The number of licensees who meet the requirement and have no decision is now ${candidates.rows.length}, not ${request.expected}. Nothing was recorded; confirm again.`, count: candidates.rows.length };
    }
    if (candidates.rows.length === 0) return { ok: true as const, recorded: 0 };
    const rows = candidates.rows;
    const inserted = await sql<{ n: string }>`
      with added as (
        insert into board.decision (org_code, entry_id, learner_id, cycle_start, cycle_end, outcome, note, basis, decided_by, bulk)
        select ${actor.orgCode}, v.entry_id, v.learner_id, v.cycle_start, v.cycle_end, 'compliant', ${request.note},
               jsonb_build_object('status', 'meets', 'creditsCounted', v.counted, 'creditsRequired', v.required, 'source', 'stored status at bulk decision'),
               ${actor.id}, true
          from unnest(${rows.map((r) => r.id)}::bigint[], ${rows.map((r) => r.learner_id)}::bigint[], ${rows.map((r) => r.cycle_start)}::date[],
                      ${rows.map((r) => r.cycle_end)}::date[], ${rows.map((r) => Number(r.credits_counted))}::numeric[], ${rows.map((r) => Number(r.credits_required))}::numeric[])
               as v(entry_id, learner_id, cycle_start, cycle_end, counted, required)
        returning 1)
      select count(*)::text as n from added`.execute(trx);
    const recorded = Number(inserted.rows[0]?.n ?? 0);
    await recordAudit(trx, {
      action: "decision.bulk",
      userId: actor.id,
      orgCode: actor.orgCode,
      target: `renewals:${request.window.from}..${request.window.to}`,
      detail: { outcome: "compliant", recorded, window: request.window, filters: request.filters, entries: rows.map((r) => r.id) },
      ip: actor.ip,
    });
    return { ok: true as const, recorded };
  });
}

// ---------------------------------------------------------------- audit samples

/**
 * A reproducible draw: every entry of the cohort gets the SHA-256 of `seed:entryId`, and the sample
 * is the `n` smallest. The same seed and cohort always draw the same entries, whoever repeats it,
 * and anyone can check the draw with plain SQL or a spreadsheet.
 */
export function drawOrder(seed: string, entryIds: readonly string[]): string[] {
  return entryIds
    .map((id) => ({ id, rank: createHash("sha256").update(`${seed}:${id}`).digest("hex") }))
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
    .map((x) => x.id);
}

export type SampleSize = { kind: "count"; n: number } | { kind: "percent"; percent: number };

export function sampleCount(size: SampleSize, cohort: number): number {
  if (size.kind === "count") return Math.min(size.n, cohort);
  return Math.min(cohort, Math.ceil((cohort * size.percent) / 100));
}

export interface AuditSample {
  id: string;
  seed: string;
  drawnAt: Date;
  drawnBy: string;
  cycleFrom: string;
  cycleTo: string;
  requested: string;
  cohortSize: number;
  entryIds: string[];
}

/** Draws and records a sample of the cohort whose cycle ends in the window (the whole cohort, every status). */
export async function drawAuditSample(
  db: Kysely<Database>,
  actor: Actor,
  request: { window: { from: string; to: string }; size: SampleSize; seed: string },
): Promise<AuditSample> {
  return db.transaction().execute(async (trx) => {
    const cohort = await trx
      .selectFrom("board.roster_entry")
      .select(sql<string>`id::text`.as("id"))
      .where("org_code", "=", actor.orgCode)
      .where("cycle_end", ">=", request.window.from)
      .where("cycle_end", "<=", request.window.to)
      .execute();
    const ids = cohort.map((c) => c.id);
    const drawn = drawOrder(request.seed, ids).slice(0, sampleCount(request.size, ids.length));
    const requested = request.size.kind === "count" ? String(request.size.n) : `${request.size.percent}%`;
    const row = await trx
      .insertInto("board.audit_sample")
      .values({
        org_code: actor.orgCode,
        drawn_by: actor.id,
        seed: request.seed,
        cycle_from: request.window.from,
        cycle_to: request.window.to,
        requested,
        cohort_size: ids.length,
        entry_ids: drawn,
      })
      .returning(["id", "drawn_at"])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      action: "renewals.sample",
      userId: actor.id,
      orgCode: actor.orgCode,
      target: `sample:${row.id}`,
      detail: { seed: request.seed, window: request.window, requested, cohort: ids.length, drawn: drawn.length },
      ip: actor.ip,
    });
    return {
      id: row.id,
      seed: request.seed,
      drawnAt: row.drawn_at,
      drawnBy: actor.id,
      cycleFrom: request.window.from,
      cycleTo: request.window.to,
      requested,
      cohortSize: ids.length,
      entryIds: drawn,
    };
  });
}

export async function listAuditSamples(db: Kysely<Database>, orgCode: string): Promise<AuditSample[]> {
  const rows = await db
    .selectFrom("board.audit_sample as s")
    .innerJoin("board.staff_user as u", "u.id", "s.drawn_by")
    .select(["s.id", "s.seed", "s.drawn_at", "u.display_name", "s.cycle_from", "s.cycle_to", "s.requested", "s.cohort_size", "s.entry_ids"])
    .where("s.org_code", "=", orgCode)
    .orderBy("s.drawn_at", "desc")
    .limit(50)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    seed: r.seed,
    drawnAt: r.drawn_at,
    drawnBy: r.display_name,
    cycleFrom: r.cycle_from,
    cycleTo: r.cycle_to,
    requested: r.requested,
    cohortSize: r.cohort_size,
    entryIds: r.entry_ids.map(String),
  }));
}

export async function getAuditSample(db: Kysely<Database>, orgCode: string, sampleId: string): Promise<AuditSample | null> {
  const all = await db
    .selectFrom("board.audit_sample as s")
    .innerJoin("board.staff_user as u", "u.id", "s.drawn_by")
    .select(["s.id", "s.seed", "s.drawn_at", "u.display_name", "s.cycle_from", "s.cycle_to", "s.requested", "s.cohort_size", "s.entry_ids"])
    .where("s.org_code", "=", orgCode)
    .where("s.id", "=", sampleId)
    .executeTakeFirst();
  if (!all) return null;
  return {
    id: all.id,
    seed: all.seed,
    drawnAt: all.drawn_at,
    drawnBy: all.display_name,
    cycleFrom: all.cycle_from,
    cycleTo: all.cycle_to,
    requested: all.requested,
    cohortSize: all.cohort_size,
    entryIds: all.entry_ids.map(String),
  };
}
