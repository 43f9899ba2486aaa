// Renewal statuses: each roster entry's cycle evaluated by the compliance engine (app/lib/compliance.ts)
// against the licensee's credit reports for the organisation's board, and stored on the entry so the
// queue can filter, sort and page a cohort of tens of thousands in SQL. Statuses are refreshed when
// the entry is new or its rules changed ('pending'), when the licensee's records changed since the
// last refresh (the store's change_seq), and when the day changes (dates move "future" flags).
// "Today" is the organisation's own date, in its time zone (domain/reference.ts), not UTC's.
import { CompiledQuery, sql, type Kysely } from "kysely";
import type { Database, EntryStatus } from "../../db/schema";
import { cycleFor, earliestCompletionNeeded, evaluateCycle, type CycleEvaluation, type LicenseeCreditReport } from "../lib/compliance";
import { recordFlags } from "../lib/data-rules";
import { bindingMaximum } from "../lib/credit-totals";
import { organisationToday } from "../../domain/reference";
import { formatRuleCredits, type RequirementRuleSet } from "../../domain/requirement-rules";
import type { LicenseeAttributes } from "../../domain/licensee-attributes";
import { attributesForEntries } from "./licensee-attributes.server";
import { ruleVersions, versionInForce, type RuleVersion } from "./rules.server";
import { safeWatermark, storePosition, waitForWriters, WRITERS_IN_SNAPSHOT, type RunQuery } from "../../db/change-watermark";

interface RecordRow {
  id: string;
  learner_id: string;
  activity_id: string;
  completion_date: string;
  submitted_at: Date;
  status: string;
  credits: string;
  credit_types: Record<string, number>;
  deleted: boolean;
  format: string;
  start_date: string;
  end_date: string;
  credit_claim_date: string | null;
  max_cme_credits: string;
  max_moc_credits: string | null;
}

/** The live credit reports of these learners for the board, completed on or after `since`. */
async function loadRecords(
  db: Kysely<Database>,
  boardCode: string,
  learnerIds: readonly string[],
  since: string | null,
): Promise<Map<string, RecordRow[]>> {
  const byLearner = new Map<string, RecordRow[]>();
  if (learnerIds.length === 0) return byLearner;
  const rows = await sql<RecordRow>`
    select r.id::text, r.learner_id::text, r.activity_id, r.completion_date, r.submitted_at, r.status, r.credits,
           r.credit_types, r.deleted_at is not null as deleted,
           a.format, a.start_date, a.end_date, a.credit_claim_date, a.max_cme_credits, a.max_moc_credits
      from learner.credit_report r
      join learner.activity a on a.id = r.activity_id
     where r.learner_id = any(${learnerIds}::bigint[])
       and r.board_code = ${boardCode}
       and r.deleted_at is null
       ${since ? sql`and r.completion_date >= ${since}::date` : sql``}`.execute(db);
  for (const row of rows.rows) {
    const list = byLearner.get(row.learner_id);
    if (list) list.push(row);
    else byLearner.set(row.learner_id, [row]);
  }
  return byLearner;
}

function toEngineRecord(boardCode: string, row: RecordRow, today: string): LicenseeCreditReport {
  const credits = Number(row.credits);
  const flags = recordFlags(
    {
      boardCode,
      format: row.format,
      completionDate: row.completion_date,
      submittedAt: row.submitted_at.toISOString(),
      credits,
      activityStart: row.start_date,
      activityEnd: row.end_date,
      creditClaimDate: row.credit_claim_date,
      maxCmeCredits: Number(row.max_cme_credits),
      maxMocCredits: row.max_moc_credits === null ? null : Number(row.max_moc_credits),
      // The engine finds same-day duplicates itself and counts them once.
      duplicate: false,
    },
    today,
  );
  return {
    id: row.id,
    activityId: row.activity_id,
    completionDate: row.completion_date,
    status: row.status === "accepted" ? "accepted" : "rejected",
    deleted: row.deleted,
    credits,
    creditTypes: row.credit_types ?? {},
    flags,
    maximum: bindingMaximum({ boardCode, format: row.format, maxCmeCredits: Number(row.max_cme_credits), maxMocCredits: row.max_moc_credits === null ? null : Number(row.max_moc_credits) }),
  };
}

export interface EntryForEvaluation {
  id: string;
  learner_id: string | null;
  last_name: string;
  birth_month: number;
  birth_day: number;
  cycle_end: string;
}

export interface EntryStatusFigures {
  status: EntryStatus;
  cycleStart: string | null;
  creditsCounted: number | null;
  creditsRequired: number | null;
  shortBy: number | null;
  shortfall: string | null;
  /** Ids of the unmet requirements ("total" or the rule set's ids). */
  requirementsShort: string[];
  /** Ids of the requirements whose applicability rested on an unknown licensee attribute. */
  requirementsUnknown: string[];
  /** How far short of each unmet requirement, by the same ids (what the queue filters and sorts on). */
  shortfalls: Record<string, number>;
  problem: string | null;
}

/** What is short, compactly: "Total 16 · Pain Management and End-of-Life Care (one-time) 12". */
export function shortfallText(evaluation: CycleEvaluation): string | null {
  const short = evaluation.requirements.filter((o) => o.applies && !o.met);
  if (short.length === 0) return null;
  return short.map((o) => `${o.kind === "total" ? "Total" : o.label.replace(/ combined/, "")} ${formatRuleCredits(o.shortBy)}`).join(" · ");
}

function figuresOf(evaluation: CycleEvaluation): EntryStatusFigures {
  const total = evaluation.requirements[0]!;
  // An alternative that holds (Oregon: MOC participation) meets the requirement whatever the credit
  // shows: nothing is short, so the queue never lists the licensee as short in anything.
  const satisfied = evaluation.satisfiedBy !== null;
  return {
    status: evaluation.status,
    cycleStart: evaluation.cycle.start,
    creditsCounted: total.counted,
    creditsRequired: total.required,
    shortBy: satisfied ? 0 : evaluation.requirements.filter((o) => o.applies).reduce((most, o) => Math.max(most, o.shortBy), 0),
    shortfall: satisfied ? null : shortfallText(evaluation),
    requirementsShort: satisfied ? [] : evaluation.requirements.filter((o) => o.applies && !o.met).map((o) => o.id),
    requirementsUnknown: evaluation.requirements.filter((o) => o.unknownAttributes.length > 0).map((o) => o.id),
    shortfalls: satisfied ? {} : Object.fromEntries(evaluation.requirements.filter((o) => o.applies && !o.met).map((o) => [o.id, Math.round(o.shortBy * 100) / 100])),
    problem: null,
  };
}

/** Which cycle a roster entry is, under the rules (a problem when it cannot be placed). */
export function entryCycle(rule: RequirementRuleSet, entry: EntryForEvaluation, today: string) {
  return cycleFor(rule, { birthMonth: entry.birth_month, birthDay: entry.birth_day, lastName: entry.last_name, cycleEnd: entry.cycle_end }, { asOf: today });
}

/**
 * The deadline each entry's decision in force extended its cycle to ("Extension granted"), by entry
 * id: one query for a batch of entries.
 */
export async function extensionsOf(db: Kysely<Database>, entryIds: readonly string[]): Promise<Map<string, string>> {
  const byEntry = new Map<string, string>();
  if (entryIds.length === 0) return byEntry;
  const rows = await sql<{ entry_id: string; extended_to: string }>`
    select d.entry_id::text, d.extended_to::text from board.decision d
     where d.entry_id = any(${entryIds}::bigint[]) and d.extended_to is not null
       and not exists (select 1 from board.decision s where s.supersedes = d.id)`.execute(db);
  for (const row of rows.rows) byEntry.set(row.entry_id, row.extended_to);
  return byEntry;
}

/**
 * The dates whose completions count toward the cycle: the cycle itself, or, under an extension, from
 * the cycle's start to the new deadline (the cycle's own dates stay as they are; look-back windows
 * end at the deadline too, as if the cycle ended there).
 */
export function countingWindow(cycle: { start: string; end: string }, extendedTo: string | null | undefined): { start: string; end: string } {
  return extendedTo && extendedTo > cycle.end ? { start: cycle.start, end: extendedTo } : { start: cycle.start, end: cycle.end };
}

/** Evaluates entries (matched ones) and returns their figures by entry id. */
export async function evaluateEntries(
  db: Kysely<Database>,
  orgCode: string,
  rule: RequirementRuleSet,
  entries: readonly EntryForEvaluation[],
  today: string,
): Promise<Map<string, EntryStatusFigures>> {
  const figures = new Map<string, EntryStatusFigures>();
  const placed: Array<{ entry: EntryForEvaluation; cycle: { start: string; end: string } }> = [];
  let since: string | null = "9999-12-31";
  const extensions = await extensionsOf(db, entries.filter((e) => e.learner_id !== null).map((e) => e.id));
  for (const entry of entries) {
    if (entry.learner_id === null) {
      figures.set(entry.id, { status: "unmatched", cycleStart: null, creditsCounted: null, creditsRequired: null, shortBy: null, shortfall: null, requirementsShort: [], requirementsUnknown: [], shortfalls: {}, problem: null });
      continue;
    }
    const cycle = entryCycle(rule, entry, today);
    if (!cycle.ok) {
      figures.set(entry.id, { status: "no_cycle", cycleStart: null, creditsCounted: null, creditsRequired: null, shortBy: null, shortfall: null, requirementsShort: [], requirementsUnknown: [], shortfalls: {}, problem: cycle.problem });
      continue;
    }
    const counting = countingWindow(cycle.cycle, extensions.get(entry.id));
    placed.push({ entry, cycle: counting });
    const earliest = earliestCompletionNeeded(rule, counting);
    if (since !== null) since = earliest === null ? null : earliest < since ? earliest : since;
  }
  const records = await loadRecords(
    db,
    orgCode,
    placed.map((p) => p.entry.learner_id as string),
    since,
  );
  const attributes = await attributesForEntries(db, orgCode, placed.map((p) => p.entry.id));
  for (const { entry, cycle } of placed) {
    const rows = records.get(entry.learner_id as string) ?? [];
    const evaluation = evaluateCycle(
      rule,
      rows.map((r) => toEngineRecord(orgCode, r, today)),
      cycle,
      { attributes: attributes.get(entry.id) ?? {} },
    );
    figures.set(entry.id, figuresOf(evaluation));
  }
  return figures;
}

/**
 * Evaluates entries each under the rule version in force at its cycle end (decision 021): one
 * evaluateEntries per version. An entry ending before every version's date takes the first.
 */
export async function evaluateEntriesUnderVersions(
  db: Kysely<Database>,
  orgCode: string,
  versions: readonly RuleVersion[],
  entries: readonly EntryForEvaluation[],
  today: string,
): Promise<Map<string, EntryStatusFigures>> {
  const figures = new Map<string, EntryStatusFigures>();
  for (const version of versions) {
    const under = entries.filter((e) => (versionInForce(versions, e.cycle_end) ?? versions[0]) === version);
    if (under.length) for (const [id, f] of await evaluateEntries(db, orgCode, version.rule, under, today)) figures.set(id, f);
  }
  return figures;
}

/**
 * Writes the figures, each only over the pending mark the refresh read with its entry: an entry
 * marked pending again meanwhile (a rule version, an attribute, an extension) keeps its "pending" for
 * the next refresh rather than figures computed from what came before.
 */
async function writeFigures(db: Kysely<Database>, figures: Map<string, EntryStatusFigures>, marks: ReadonlyMap<string, string>): Promise<void> {
  if (figures.size === 0) return;
  const ids: string[] = [];
  const readMarks: string[] = [];
  const columns = {
    status: [] as string[],
    cycleStart: [] as (string | null)[],
    counted: [] as (number | null)[],
    required: [] as (number | null)[],
    shortBy: [] as (number | null)[],
    shortfall: [] as (string | null)[],
    short: [] as string[],
    unknown: [] as string[],
    shortfalls: [] as string[],
    problem: [] as (string | null)[],
  };
  for (const [id, f] of figures) {
    ids.push(id);
    readMarks.push(marks.get(id) ?? "0");
    columns.status.push(f.status);
    columns.cycleStart.push(f.cycleStart);
    columns.counted.push(f.creditsCounted);
    columns.required.push(f.creditsRequired);
    columns.shortBy.push(f.shortBy);
    columns.shortfall.push(f.shortfall);
    // A text[] per row travels as one text (a Postgres array literal): unnest cannot take an array of arrays.
    columns.short.push(`{${f.requirementsShort.map((id) => `"${id.replace(/["\\]/g, "")}"`).join(",")}}`);
    columns.unknown.push(`{${f.requirementsUnknown.map((id) => `"${id.replace(/["\\]/g, "")}"`).join(",")}}`);
    columns.shortfalls.push(JSON.stringify(f.shortfalls));
    columns.problem.push(f.problem);
  }
  // Rows locked in id order first, as every writer of many entries does (a rule save): two of them
  // never wait on each other in a cycle.
  await sql`select id from board.roster_entry where id = any(${ids}::bigint[]) order by id for update`.execute(db);
  await sql`
    update board.roster_entry e
       set status = v.status, cycle_start = v.cycle_start, credits_counted = v.counted, credits_required = v.required,
           short_by = v.short_by, shortfall = v.shortfall, requirements_short = v.short::text[], problem = v.problem, evaluated_at = now(),
           requirements_unknown = v.unknown::text[], shortfalls = v.shortfalls
      from unnest(${ids}::bigint[], ${columns.status}::text[], ${columns.cycleStart}::date[], ${columns.counted}::numeric[],
                  ${columns.required}::numeric[], ${columns.shortBy}::numeric[], ${columns.shortfall}::text[], ${columns.short}::text[], ${columns.problem}::text[],
                  ${columns.unknown}::text[], ${columns.shortfalls}::jsonb[], ${readMarks}::bigint[])
           as v(id, status, cycle_start, counted, required, short_by, shortfall, short, problem, unknown, shortfalls, mark)
     where e.id = v.id and e.pending_mark = v.mark`.execute(db);
}

const BATCH = 2_000;

/** Nothing to do: computed today, no pending entry, and no record written since (three index probes). */
async function upToDate(db: Kysely<Database>, orgCode: string, today: string): Promise<boolean> {
  const result = await sql<{ fresh: boolean }>`
    select coalesce(w.as_of = ${today}::date and w.through_seq >= (select coalesce(max(change_seq), 0) from learner.credit_report), false)
           and not exists (select 1 from board.roster_entry e where e.org_code = ${orgCode} and e.status = 'pending' and e.retired_at is null) as fresh
      from (select 1) one left join board.roster_watermark w on w.org_code = ${orgCode}`.execute(db);
  return result.rows[0]?.fresh === true;
}

/** The highest change of the organisation's credit reports (the refresh reads no other table of the store). */
const HIGHEST_REPORT_CHANGE = "select coalesce(max(change_seq), 0) from learner.credit_report";

export interface RefreshOptions {
  asOf?: string;
  /** How long to wait for provider transactions already under way before reading (ms; default 2 s). */
  writerWaitMs?: number;
}

/**
 * Brings the organisation's stored statuses up to date: pending entries, entries whose licensee's
 * records changed since the last refresh, and every entry when the day has changed. One refresh per
 * organisation at a time (an advisory lock); each batch is written in the same transaction. The
 * watermark it records is what it has surely read (db/change-watermark.ts): a provider's
 * transaction that drew a lower change_seq but commits later is read by the next refresh.
 * Retired entries (no longer on the board's roster) keep the figures they had.
 */
export async function refreshRosterStatuses(db: Kysely<Database>, orgCode: string, options: RefreshOptions = {}): Promise<{ evaluated: number }> {
  const versions = await ruleVersions(db, orgCode);
  if (versions.length === 0) return { evaluated: 0 };
  const today = options.asOf ?? organisationToday(orgCode);
  if (await upToDate(db, orgCode, today)) return { evaluated: 0 };
  const query: RunQuery = async <R>(text: string, values: unknown[] = []) => (await db.executeQuery<R>(CompiledQuery.raw(text, values))).rows;
  const before = await storePosition(query, HIGHEST_REPORT_CHANGE);
  const waited = await waitForWriters(query, before, { waitMs: options.writerWaitMs ?? 2_000 });
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`roster:${orgCode}`}))`.execute(trx);
    // The store's position as this refresh reads it (this transaction has written nothing yet, so the
    // writers counted are others').
    const head = await sql<{ seq: string; writers: number }>`select (${sql.raw(HIGHEST_REPORT_CHANGE)})::text as seq, ${sql.raw(WRITERS_IN_SNAPSHOT)} as writers`.execute(trx);
    const mark = await trx.selectFrom("board.roster_watermark").select(["through_seq", "as_of"]).where("org_code", "=", orgCode).executeTakeFirst();
    const watermark = safeWatermark({
      before,
      waited,
      writersWhileReading: head.rows[0]?.writers ?? 0,
      highestRead: BigInt(head.rows[0]?.seq ?? "0"),
      previous: mark ? BigInt(mark.through_seq) : null,
    }).toString();

    const entryColumns = ["e.id", "e.learner_id", "e.last_name", "e.birth_month", "e.birth_day", "e.cycle_end", "e.pending_mark"] as const;
    const everything = !mark || mark.as_of !== today;
    let entries: Array<EntryForEvaluation & { pending_mark: string }>;
    if (everything) {
      entries = await trx.selectFrom("board.roster_entry as e").select(entryColumns).where("e.org_code", "=", orgCode).where("e.retired_at", "is", null).orderBy("e.id").execute();
    } else {
      // Each through its own index: pending entries by status, changed licensees by change_seq.
      const pending = await trx.selectFrom("board.roster_entry as e").select(entryColumns).where("e.org_code", "=", orgCode).where("e.status", "=", "pending").where("e.retired_at", "is", null).execute();
      const changed = await sql<{ learner_id: string }>`select distinct r.learner_id::text from learner.credit_report r
        where r.change_seq > ${mark.through_seq}::bigint and r.board_code = ${orgCode}`.execute(trx);
      const touched = changed.rows.length
        ? await trx
            .selectFrom("board.roster_entry as e")
            .select(entryColumns)
            .where("e.org_code", "=", orgCode)
            .where("e.retired_at", "is", null)
            .where(sql<boolean>`e.learner_id = any(${changed.rows.map((r) => r.learner_id)}::bigint[])`)
            .execute()
        : [];
      const byId = new Map([...pending, ...touched].map((e) => [e.id, e]));
      entries = [...byId.values()];
    }
    // The rules as they are now, read after the entries and their marks: a version saved before this
    // read is used; one saved after it marks its entries again, so their figures are not written.
    const inForce = await ruleVersions(trx, orgCode);
    for (let i = 0; i < entries.length; i += BATCH) {
      const batch = entries.slice(i, i + BATCH);
      await writeFigures(trx, await evaluateEntriesUnderVersions(trx, orgCode, inForce, batch, today), new Map(batch.map((e) => [e.id, e.pending_mark])));
    }
    await trx
      .insertInto("board.roster_watermark")
      .values({ org_code: orgCode, through_seq: watermark, as_of: today, computed_at: sql`now()` })
      .onConflict((oc) => oc.column("org_code").doUpdateSet({ through_seq: watermark, as_of: today, computed_at: sql`now()` }))
      .execute();
    return { evaluated: entries.length };
  });
}

// ---------------------------------------------------------------- one entry in full

export interface EntryDetail {
  id: string;
  orgCode: string;
  rosterKey: string;
  firstName: string;
  lastName: string;
  birthMonth: number;
  birthDay: number;
  npi: string | null;
  cycleEnd: string;
  learnerId: string | null;
  matchQuality: string;
  matchNote: string | null;
  status: EntryStatus;
  uploadId: string;
  lineNo: number;
}

export async function getEntry(db: Kysely<Database>, orgCode: string, entryId: string): Promise<EntryDetail | null> {
  const row = await db
    .selectFrom("board.roster_entry")
    .selectAll()
    .where("id", "=", entryId)
    .where("org_code", "=", orgCode)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    orgCode: row.org_code,
    rosterKey: row.roster_key,
    firstName: row.first_name,
    lastName: row.last_name,
    birthMonth: row.birth_month,
    birthDay: row.birth_day,
    npi: row.npi,
    cycleEnd: row.cycle_end,
    learnerId: row.learner_id,
    matchQuality: row.match_quality,
    matchNote: row.match_note,
    status: row.status,
    uploadId: row.upload_id,
    lineNo: row.line_no,
  };
}

export type LiveEvaluation =
  | {
      kind: "evaluated";
      evaluation: CycleEvaluation;
      /** The cycle's own dates (under an extension the evaluation counts up to `extendedTo`). */
      cycle: { start: string; end: string };
      extendedTo: string | null;
      basis: string;
      caveats: string[];
      rule: RequirementRuleSet;
      ruleVersion: number;
      /** What the board knew of the licensee (the attributes the requirements read). */
      attributes: LicenseeAttributes;
    }
  | { kind: "unmatched" }
  | { kind: "no_cycle"; problem: string }
  | { kind: "no_rules" };

/** The entry's cycle evaluated now over the licensee's live records, record by record (what a decision is based on). */
export async function evaluateEntryNow(db: Kysely<Database>, entry: EntryDetail, today = organisationToday(entry.orgCode)): Promise<LiveEvaluation> {
  // The version in force at the cycle's end judges it (decision 021).
  const versions = await ruleVersions(db, entry.orgCode);
  const stored = versionInForce(versions, entry.cycleEnd) ?? versions[0];
  if (!stored) return { kind: "no_rules" };
  if (entry.learnerId === null) return { kind: "unmatched" };
  const forCycle: EntryForEvaluation = {
    id: entry.id,
    learner_id: entry.learnerId,
    last_name: entry.lastName,
    birth_month: entry.birthMonth,
    birth_day: entry.birthDay,
    cycle_end: entry.cycleEnd,
  };
  const cycle = entryCycle(stored.rule, forCycle, today);
  if (!cycle.ok) return { kind: "no_cycle", problem: cycle.problem };
  const extendedTo = (await extensionsOf(db, [entry.id])).get(entry.id) ?? null;
  const counting = countingWindow(cycle.cycle, extendedTo);
  const since = earliestCompletionNeeded(stored.rule, counting);
  // Live records only: deleted ones never count, and only live records are indexed by learner.
  const records = (await loadRecords(db, entry.orgCode, [entry.learnerId], since)).get(entry.learnerId) ?? [];
  const attributes = (await attributesForEntries(db, entry.orgCode, [entry.id])).get(entry.id) ?? {};
  const evaluation = evaluateCycle(
    stored.rule,
    records.map((r) => toEngineRecord(entry.orgCode, r, today)),
    counting,
    { attributes },
  );
  const own = { start: cycle.cycle.start, end: cycle.cycle.end };
  return { kind: "evaluated", evaluation, cycle: own, extendedTo: counting.end === own.end ? null : extendedTo, basis: cycle.cycle.basis, caveats: cycle.cycle.caveats, rule: stored.rule, ruleVersion: stored.version, attributes };
}

/** The figures a decision records as its basis. */
export function decisionBasis(live: LiveEvaluation): Record<string, unknown> {
  if (live.kind !== "evaluated") return { status: live.kind };
  const { evaluation } = live;
  return {
    status: evaluation.status,
    ruleVersion: live.ruleVersion,
    cycle: live.cycle,
    extendedTo: live.extendedTo,
    // What the board knew of the licensee when deciding: a later correction never rewrites why a
    // requirement applied or not.
    attributes: live.attributes,
    satisfiedBy: evaluation.satisfiedBy,
    requirements: evaluation.requirements.map((o) => ({ id: o.id, label: o.label, required: o.required, counted: o.counted, met: o.met, applies: o.applies, unknownAttributes: o.unknownAttributes })),
    recordsCounted: evaluation.records.filter((r) => r.countedInCycle > 0).map((r) => r.id),
  };
}
