// Recorded decisions on a licensee's cycle (append-only; a supervisor supersedes one with a reason),
// the bulk "every licensee who meets the requirement is compliant", and random audit samples drawn
// with a recorded seed. Each write and its audit entry commit together, before the page says so.
// Every decision re-checks the credit live in its own transaction: one that contradicts the check
// is an override and needs a reason, and one made on figures that have changed since the page was
// shown is refused.
import { createHash } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { OrgWords } from "../../domain/org-words";
import { organisationToday, type StaffRole } from "../../domain/reference";
import { formatRuleCredits } from "../../domain/requirement-rules";
import { contradiction, extensionProblem, overrideReason, type Evidence } from "../lib/decision-evidence";
import { STATUS_LABELS, type DecisionOutcomeId } from "../lib/renewal-search";
import { can } from "../auth/permissions.server";
import { recordAudit } from "./audit.server";
import { renewalConditions, type RenewalFilters } from "./renewal-queue.server";
import { ruleVersions, versionInForce } from "./rules.server";
import { decisionBasis, evaluateEntriesUnderVersions, evaluateEntryNow, type EntryDetail, type EntryForEvaluation, type LiveEvaluation } from "./renewals.server";

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
  /** The outcome contradicted the check when it was recorded; `overrideReason` says why it was recorded anyway. */
  override: boolean;
  overrideReason: string | null;
  /** The new deadline of an extension (carried by later decisions of the chain), YYYY-MM-DD. */
  extendedTo: string | null;
  /** Another decision supersedes this one. */
  superseded: boolean;
  cycleEnd: string;
  entryId: string;
}

interface Actor {
  id: string;
  role: StaffRole;
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
  "d.override",
  "d.override_reason",
  "d.extended_to",
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
  override: boolean;
  override_reason: string | null;
  extended_to: string | null;
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
    override: r.override,
    overrideReason: r.override_reason,
    extendedTo: r.extended_to,
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

export type DecisionField = "form" | "overrideReason" | "extendedTo";
export type DecisionResult = { ok: true; id: string } | { ok: false; message: string; field: DecisionField; status: 400 | 403 | 409 };

export interface DecisionInput {
  outcome: DecisionOutcomeId;
  note: string;
  /** The reason for an override; ignored when the outcome agrees with the check. */
  overrideReason: string | null;
  /** The new deadline, for "Extension granted" (YYYY-MM-DD). */
  extendedTo: string | null;
  /** `evidenceFingerprint` of what the reviewer was shown; null when no page was shown (nothing to compare). */
  shown: string | null;
  words: OrgWords;
}

/** The live check as the evidence a decision is weighed against. */
export function evidenceOf(live: LiveEvaluation): Evidence {
  return live.kind === "evaluated" ? { kind: "evaluated", status: live.evaluation.status, requirementsMet: live.evaluation.requirementsMet } : { kind: live.kind };
}

/**
 * A short fingerprint of the figures a reviewer is shown: status, extension, rule version and every
 * requirement's counted and required amounts. Put in the decision form, it tells at commit whether
 * the credit changed while the reviewer was deciding.
 */
export function evidenceFingerprint(live: LiveEvaluation): string {
  const figures =
    live.kind === "evaluated"
      ? {
          status: live.evaluation.status,
          extendedTo: live.extendedTo,
          ruleVersion: live.ruleVersion,
          requirements: live.evaluation.requirements.map((o) => [o.id, o.applies, o.counted, o.required]),
        }
      : { status: live.kind };
  return createHash("sha256").update(JSON.stringify(figures)).digest("hex").slice(0, 20);
}

/** The check in a few words: "Short, total 34 of 50". */
export function evidenceText(live: LiveEvaluation): string {
  if (live.kind !== "evaluated") return live.kind === "unmatched" ? "not matched to anyone in the learner store" : live.kind === "no_cycle" ? "the cycle cannot be placed" : "no requirement rules";
  const total = live.evaluation.requirements[0];
  const status = STATUS_LABELS[live.evaluation.status];
  return total ? `${status}, total ${formatRuleCredits(total.counted)} of ${formatRuleCredits(total.required)}` : status;
}

type PriorDecision = { id: string; extended_to: string | null } | null;

/**
 * The shared part of a first decision and a supersession, inside the transaction that inserts it
 * (the entry's row is locked by the caller): the live check, the refusal when it moved since the
 * page was shown, the override rule, the extension's deadline (a later decision keeps the one in
 * force unless it grants a new one).
 */
async function weigh(
  trx: Kysely<Database>,
  entry: EntryDetail,
  input: DecisionInput,
  prior: PriorDecision,
): Promise<
  | { ok: true; live: LiveEvaluation; basis: Record<string, unknown>; override: string | null; overrideReason: string | null; extendedTo: string | null }
  | { ok: false; message: string; field: DecisionField; status: 400 | 409 }
> {
  const live = await evaluateEntryNow(trx, entry);
  if (input.shown !== null && input.shown !== evidenceFingerprint(live)) {
    return { ok: false, status: 409, field: "form", message: `The credit changed while you were deciding: now ${evidenceText(live)}. Review it and submit again.` };
  }
  const against = contradiction(input.outcome, evidenceOf(live), input.words);
  let reason: string | null = null;
  if (against) {
    const parsed = overrideReason.safeParse(input.overrideReason ?? "");
    if (!parsed.success) return { ok: false, status: 400, field: "overrideReason", message: `${against} ${parsed.error.issues[0]?.message ?? ""}`.trim() };
    reason = parsed.data;
  }
  let extendedTo = prior?.extended_to ?? null;
  if (input.outcome === "extension_granted") {
    const problem = input.extendedTo ? extensionProblem(input.extendedTo, entry.cycleEnd, input.words) : "Give the new deadline the extension allows.";
    if (problem) return { ok: false, status: 400, field: "extendedTo", message: problem };
    extendedTo = input.extendedTo;
  }
  return { ok: true, live, basis: decisionBasis(live), override: against, overrideReason: reason, extendedTo };
}

/** A new deadline changes what counts: the stored status is recomputed on the next refresh. */
async function markPendingIfExtended(trx: Kysely<Database>, entryId: string, before: string | null, after: string | null) {
  if (before === after) return;
  await trx.updateTable("board.roster_entry").set({ status: "pending" }).where("id", "=", entryId).execute();
}

/** The first decision on a cycle. A cycle with a decision already needs a supervisor to supersede it. */
export async function recordDecision(db: Kysely<Database>, actor: Actor, entry: EntryDetail, input: DecisionInput): Promise<DecisionResult> {
  return db.transaction().execute(async (trx) => {
    // Serialise decisions on this entry; the unique index on first decisions is the last word.
    await trx.selectFrom("board.roster_entry").select("id").where("id", "=", entry.id).forUpdate().execute();
    const existing = await trx.selectFrom("board.decision").select("id").where("entry_id", "=", entry.id).executeTakeFirst();
    if (existing) return { ok: false as const, status: 409 as const, field: "form" as const, message: "This cycle already has a decision. A supervisor can supersede it with a reason." };
    const weighed = await weigh(trx, entry, input, null);
    if (!weighed.ok) return weighed;
    const { live, basis } = weighed;
    const row = await trx
      .insertInto("board.decision")
      .values({
        org_code: actor.orgCode,
        entry_id: entry.id,
        learner_id: entry.learnerId,
        cycle_start: live.kind === "evaluated" ? live.cycle.start : null,
        cycle_end: entry.cycleEnd,
        outcome: input.outcome,
        note: input.note,
        basis: JSON.stringify(basis),
        decided_by: actor.id,
        override: weighed.override !== null,
        override_reason: weighed.overrideReason,
        extended_to: weighed.extendedTo,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await markPendingIfExtended(trx, entry.id, null, weighed.extendedTo);
    await recordAudit(trx, {
      action: "decision.record",
      userId: actor.id,
      orgCode: actor.orgCode,
      target: `entry:${entry.id}`,
      detail: {
        decision: row.id,
        outcome: input.outcome,
        learnerId: entry.learnerId,
        status: basis.status,
        ...(weighed.overrideReason ? { override: weighed.overrideReason } : {}),
        ...(weighed.extendedTo ? { extendedTo: weighed.extendedTo } : {}),
      },
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
  input: DecisionInput & { supersedes: string; reason: string },
): Promise<DecisionResult> {
  if (!can(actor, "manage")) return { ok: false, status: 403, field: "form", message: "Only a supervisor can supersede a decision." };
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom("board.roster_entry").select("id").where("id", "=", entry.id).forUpdate().execute();
    const prior = await trx
      .selectFrom("board.decision as d")
      .select(["d.id", "d.extended_to", sql<boolean>`exists (select 1 from board.decision s where s.supersedes = d.id)`.as("superseded")])
      .where("d.id", "=", input.supersedes)
      .where("d.entry_id", "=", entry.id)
      .where("d.org_code", "=", actor.orgCode)
      .executeTakeFirst();
    if (!prior) return { ok: false as const, status: 409 as const, field: "form" as const, message: "That decision is not one of this cycle's." };
    if (prior.superseded) return { ok: false as const, status: 409 as const, field: "form" as const, message: "That decision has already been superseded; reload to see the one in force." };
    const weighed = await weigh(trx, entry, input, prior);
    if (!weighed.ok) return weighed;
    const { live, basis } = weighed;
    const row = await trx
      .insertInto("board.decision")
      .values({
        org_code: actor.orgCode,
        entry_id: entry.id,
        learner_id: entry.learnerId,
        cycle_start: live.kind === "evaluated" ? live.cycle.start : null,
        cycle_end: entry.cycleEnd,
        outcome: input.outcome,
        note: input.note,
        basis: JSON.stringify(basis),
        decided_by: actor.id,
        supersedes: input.supersedes,
        supersede_reason: input.reason,
        override: weighed.override !== null,
        override_reason: weighed.overrideReason,
        extended_to: weighed.extendedTo,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await markPendingIfExtended(trx, entry.id, prior.extended_to, weighed.extendedTo);
    await recordAudit(trx, {
      action: "decision.supersede",
      userId: actor.id,
      orgCode: actor.orgCode,
      target: `entry:${entry.id}`,
      detail: {
        decision: row.id,
        supersedes: input.supersedes,
        outcome: input.outcome,
        reason: input.reason,
        status: basis.status,
        ...(weighed.overrideReason ? { override: weighed.overrideReason } : {}),
        ...(weighed.extendedTo ? { extendedTo: weighed.extendedTo } : {}),
      },
      ip: actor.ip,
    });
    return { ok: true as const, id: row.id };
  });
}

/** At most this many decisions are recorded by one bulk confirmation (each listed on the page first). */
export const BULK_LIMIT = 500;

/** Entries the bulk action would mark compliant: in the window and filters, stored status "meets", matched, undecided. */
function bulkCandidates(orgCode: string, window: { from: string; to: string }, filters: RenewalFilters) {
  const conditions = renewalConditions(orgCode, window, filters);
  conditions.push(sql`e.status = 'meets'`);
  conditions.push(sql`e.learner_id is not null`);
  // Only entries on the current roster, whatever the queue's roster filter says.
  conditions.push(sql`e.retired_at is null`);
  conditions.push(sql`not exists (select 1 from board.decision d where d.entry_id = e.id)`);
  return sql.join(conditions, sql` and `);
}

export async function countBulkCompliant(db: Kysely<Database>, orgCode: string, window: { from: string; to: string }, filters: RenewalFilters): Promise<number> {
  const result = await sql<{ n: string }>`select count(*)::text as n from board.roster_entry e where ${bulkCandidates(orgCode, window, filters)}`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

export interface BulkCandidate {
  id: string;
  rosterKey: string;
  firstName: string;
  lastName: string;
  cycleEnd: string;
  status: string;
  creditsCounted: number | null;
  creditsRequired: number | null;
}

/**
 * What a bulk "Compliant" would record: how many entries qualify, and the first BULK_LIMIT of them
 * (by cycle end, then entry) — exactly the ones a confirmation records.
 */
export async function bulkPreview(
  db: Kysely<Database>,
  orgCode: string,
  window: { from: string; to: string },
  filters: RenewalFilters,
): Promise<{ count: number; entries: BulkCandidate[] }> {
  const where = bulkCandidates(orgCode, window, filters);
  const [count, rows] = await Promise.all([
    countBulkCompliant(db, orgCode, window, filters),
    sql<{ id: string; roster_key: string; first_name: string; last_name: string; cycle_end: string; status: string; credits_counted: string | null; credits_required: string | null }>`
      select e.id::text, e.roster_key, e.first_name, e.last_name, e.cycle_end::text, e.status, e.credits_counted::text, e.credits_required::text
        from board.roster_entry e where ${where} order by e.cycle_end, e.id limit ${BULK_LIMIT}`.execute(db),
  ]);
  const num = (v: string | null) => (v === null ? null : Number(v));
  return {
    count,
    entries: rows.rows.map((r) => ({
      id: r.id,
      rosterKey: r.roster_key,
      firstName: r.first_name,
      lastName: r.last_name,
      cycleEnd: r.cycle_end,
      status: r.status,
      creditsCounted: num(r.credits_counted),
      creditsRequired: num(r.credits_required),
    })),
  };
}

export interface BulkLeftOut {
  id: string;
  name: string;
  rosterKey: string;
  why: string;
}

export type BulkResult = { ok: true; recorded: number; leftOut: BulkLeftOut[] } | { ok: false; message: string };

/**
 * Marks the confirmed entries compliant, in one transaction. Each is taken only if it is still
 * matched, undecided and "meets" in its stored status and in a live check made now, inside the
 * transaction; the others are left out and returned with the reason. Never an override.
 */
export async function bulkMarkCompliant(
  db: Kysely<Database>,
  actor: Actor,
  request: { entryIds: readonly string[]; note: string },
): Promise<BulkResult> {
  const ids = [...new Set(request.entryIds)];
  if (ids.length === 0) return { ok: false, message: "No entry was confirmed." };
  if (ids.length > BULK_LIMIT) return { ok: false, message: `At most ${BULK_LIMIT} decisions can be confirmed at once.` };
  return db.transaction().execute(async (trx) => {
    // The same lock as the status refresh: statuses do not move under the check.
    await sql`select pg_advisory_xact_lock(hashtext(${`roster:${actor.orgCode}`}))`.execute(trx);
    const rows = await sql<EntryForEvaluation & { roster_key: string; first_name: string; status: string; decided: boolean }>`
      select e.id::text, e.learner_id::text, e.last_name, e.first_name, e.birth_month, e.birth_day, e.cycle_end::text, e.roster_key, e.status,
             exists (select 1 from board.decision d where d.entry_id = e.id) as decided
        from board.roster_entry e
       where e.org_code = ${actor.orgCode} and e.id = any(${ids}::bigint[]) and e.retired_at is null
       order by e.id
         for update of e`.execute(trx);
    if (rows.rows.length !== ids.length) return { ok: false as const, message: "Some of the confirmed entries are not on your roster any more. Nothing was recorded; reload the page." };
    const leftOut: BulkLeftOut[] = [];
    const leave = (r: (typeof rows.rows)[number], why: string) => leftOut.push({ id: r.id, name: `${r.last_name}, ${r.first_name}`, rosterKey: r.roster_key, why });
    const eligible: typeof rows.rows = [];
    for (const r of rows.rows) {
      if (r.decided) leave(r, "a decision was recorded meanwhile");
      else if (r.learner_id === null || r.status !== "meets") leave(r, `their credit changed: now ${STATUS_LABELS[r.status as keyof typeof STATUS_LABELS] ?? r.status}`);
      else eligible.push(r);
    }
    // Each cycle under the rule version in force at its end (decision 021).
    const versions = await ruleVersions(trx, actor.orgCode);
    if (versions.length === 0) return { ok: false as const, message: "Your organization has no requirement rules. Nothing was recorded." };
    const live = await evaluateEntriesUnderVersions(trx, actor.orgCode, versions, eligible, organisationToday(actor.orgCode));
    const taken: Array<{ row: (typeof rows.rows)[number]; cycleStart: string | null; counted: number | null; required: number | null; ruleVersion: number }> = [];
    for (const r of eligible) {
      const figures = live.get(r.id);
      if (!figures || figures.status !== "meets") leave(r, `their credit changed: now ${figures ? STATUS_LABELS[figures.status] : "not evaluated"}`);
      else {
        const ruleVersion = (versionInForce(versions, r.cycle_end) ?? versions[0]!).version;
        taken.push({ row: r, cycleStart: figures.cycleStart, counted: figures.creditsCounted, required: figures.creditsRequired, ruleVersion });
      }
    }
    let recorded = 0;
    if (taken.length > 0) {
      const inserted = await sql<{ n: string }>`
        with added as (
          insert into board.decision (org_code, entry_id, learner_id, cycle_start, cycle_end, outcome, note, basis, decided_by, bulk)
          select ${actor.orgCode}, v.entry_id, v.learner_id, v.cycle_start, v.cycle_end, 'compliant', ${request.note},
                 jsonb_build_object('status', 'meets', 'creditsCounted', v.counted, 'creditsRequired', v.required, 'ruleVersion', v.rule_version,
                                    'source', 'live check at bulk decision'),
                 ${actor.id}, true
            from unnest(${taken.map((t) => t.row.id)}::bigint[], ${taken.map((t) => t.row.learner_id)}::bigint[], ${taken.map((t) => t.cycleStart)}::date[],
                        ${taken.map((t) => t.row.cycle_end)}::date[], ${taken.map((t) => t.counted)}::numeric[], ${taken.map((t) => t.required)}::numeric[],
                        ${taken.map((t) => t.ruleVersion)}::int[])
                 as v(entry_id, learner_id, cycle_start, cycle_end, counted, required, rule_version)
          returning 1)
        select count(*)::text as n from added`.execute(trx);
      recorded = Number(inserted.rows[0]?.n ?? 0);
    }
    await recordAudit(trx, {
      action: "decision.bulk",
      userId: actor.id,
      orgCode: actor.orgCode,
      target: `renewals:bulk`,
      detail: { outcome: "compliant", recorded, entries: taken.map((t) => t.row.id), leftOut: leftOut.map((l) => ({ id: l.id, why: l.why })) },
      ip: actor.ip,
    });
    return { ok: true as const, recorded, leftOut };
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
