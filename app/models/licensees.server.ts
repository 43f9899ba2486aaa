// Licensees as a board knows them: identity (name, MM/DD birth date, NPI, the board's licence or
// board id), their records and credit totals for a date range (counted by the one definition of
// app/lib/credit-totals.ts), the current cycle on the board's roster, and the lookup that answers
// like the program's learner validation tool. A licensee is in scope when credit was reported
// for them to the board.
import { sql, type Kysely, type RawBuilder, type SqlBool } from "kysely";
import type { Database } from "../../db/schema";
import { boardCodesInScope, creditReportsInScope, learnerInScope, type Scope } from "../auth/scope.server";
import { idParam } from "../auth/permissions.server";
import { isCertifyingBoard } from "../lib/data-rules";
import { bindingMaximum, countRecords, creditTotals, type CreditRecord, type CreditTotals, type RecordCount } from "../lib/credit-totals";
import { organisationToday } from "../../domain/reference";
import { evaluateEntryNow, getEntry } from "./renewals.server";
import { foldC, startsWithFolded } from "./keyset.server";

export interface LicenseeIdentifier {
  boardCode: string;
  kind: "licence" | "board id";
  value: string;
}

export interface Licensee {
  id: string;
  firstName: string;
  lastName: string;
  /** MM/DD: the store never holds the year. */
  birthDate: string;
  npi: string | null;
  /** Licence ids (state boards) and board ids (certifying boards) for the boards in scope. */
  identifiers: LicenseeIdentifier[];
}

const pad2 = (n: number) => String(n).padStart(2, "0");

async function identifiersOf(db: Kysely<Database>, scope: Scope, learnerIds: string[]): Promise<Map<string, LicenseeIdentifier[]>> {
  const result = new Map<string, LicenseeIdentifier[]>();
  if (learnerIds.length === 0) return result;
  const boards = await boardCodesInScope(db, scope);
  if (boards.length === 0) return result;
  const rows = await db
    .selectFrom("learner.licence")
    .select(["learner_id", "board_code", "licence_id as value", sql<string>`'licence'`.as("kind")])
    .where("learner_id", "in", learnerIds)
    .where("board_code", "in", boards)
    .unionAll(
      db
        .selectFrom("learner.certification")
        .select(["learner_id", "board_code", "board_id as value", sql<string>`'board id'`.as("kind")])
        .where("learner_id", "in", learnerIds)
        .where("board_code", "in", boards),
    )
    .orderBy("board_code")
    .execute();
  for (const row of rows) {
    const list = result.get(String(row.learner_id)) ?? [];
    list.push({ boardCode: row.board_code, kind: row.kind === "licence" ? "licence" : "board id", value: row.value });
    result.set(String(row.learner_id), list);
  }
  return result;
}

/** A licensee id in a URL (the store's learner number); anything else is a 404. */
export function licenseeIdFrom(params: { licenseeId?: string }): string {
  return idParam(params.licenseeId);
}

/** The licensee, if credit was reported for them in the scope; otherwise null (the page is a 404). */
export async function getLicensee(db: Kysely<Database>, scope: Scope, learnerId: string): Promise<Licensee | null> {
  // Asked together (each scoped on its own); nothing of them is used unless the first says yes.
  const [inScope, row, identifiers] = await Promise.all([
    learnerInScope(db, scope, learnerId),
    db
      .selectFrom("learner.learner")
      .select(["id", "first_name", "last_name", "birth_month", "birth_day", "npi"])
      .where(sql<SqlBool>`id = ${learnerId}`)
      .executeTakeFirst(),
    identifiersOf(db, scope, [learnerId]),
  ]);
  if (!inScope || !row) return null;
  return {
    id: String(row.id),
    firstName: row.first_name,
    lastName: row.last_name,
    birthDate: `${pad2(row.birth_month)}/${pad2(row.birth_day)}`,
    npi: row.npi,
    identifiers: identifiers.get(String(row.id)) ?? [],
  };
}

// ---------------------------------------------------------------- records and totals

/** One credit report of the licensee, with what the transcript prints and what counting needs. */
export interface LicenseeRecord extends CreditRecord {
  activityTitle: string;
  format: string;
  providerName: string;
  submittedAt: string;
}

/** The licensee's live records in the scope, completed in the range, newest completion first. */
export async function licenseeRecords(
  db: Kysely<Database>,
  scope: Scope,
  learnerId: string,
  range: { from?: string | null; to?: string | null },
): Promise<LicenseeRecord[]> {
  let query = creditReportsInScope(db, scope)
    .innerJoin("learner.activity as a", "a.id", "cr.activity_id")
    .innerJoin("learner.provider as p", "p.id", "a.provider_id")
    .where("cr.learner_id", "=", learnerId);
  if (range.from) query = query.where("cr.completion_date", ">=", range.from);
  if (range.to) query = query.where("cr.completion_date", "<=", range.to);
  const rows = await query
    .select([
      sql<string>`cr.id::text`.as("id"),
      "cr.board_code",
      "cr.activity_id",
      "cr.completion_date",
      "cr.submitted_at",
      "cr.status",
      "cr.credits",
      "cr.credit_types",
      "a.title",
      "a.format",
      "a.max_cme_credits",
      "a.max_moc_credits",
      "p.name as provider_name",
    ])
    .orderBy("cr.completion_date", "desc")
    .orderBy("cr.id", "desc")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    boardCode: r.board_code,
    activityId: r.activity_id,
    completionDate: r.completion_date,
    status: r.status,
    // The scope reads live records only (decision 005): a deleted record is no longer reported.
    deleted: false,
    credits: Number(r.credits),
    creditTypes: r.credit_types ?? {},
    maximum: bindingMaximum({ boardCode: r.board_code, format: r.format, maxCmeCredits: Number(r.max_cme_credits), maxMocCredits: r.max_moc_credits === null ? null : Number(r.max_moc_credits) }),
    activityTitle: r.title,
    format: r.format,
    providerName: r.provider_name,
    submittedAt: new Date(r.submitted_at).toISOString(),
  }));
}

export interface BoardTotals extends CreditTotals {
  certifying: boolean;
}

export interface LicenseeCount {
  records: LicenseeRecord[];
  counts: RecordCount[];
  totals: BoardTotals[];
}

/** The licensee's records in the range, each counted, and the totals per board (reported and counted). */
export async function licenseeCount(db: Kysely<Database>, scope: Scope, learnerId: string, range: { from?: string | null; to?: string | null }): Promise<LicenseeCount> {
  const records = await licenseeRecords(db, scope, learnerId, range);
  const counts = countRecords(records);
  const totals = creditTotals(records, counts).map((t) => ({ ...t, certifying: isCertifyingBoard(t.boardCode) }));
  return { records, counts, totals };
}

/** Totals per board of the licensee's live records completed in the range. */
export async function licenseeTotals(db: Kysely<Database>, scope: Scope, learnerId: string, range: { from?: string | null; to?: string | null }): Promise<BoardTotals[]> {
  return (await licenseeCount(db, scope, learnerId, range)).totals;
}

// ---------------------------------------------------------------- the current cycle

export interface OpenEntry {
  id: string;
  cycleEnd: string;
  /** Stored by the status refresh; null until the entry was first evaluated. */
  cycleStart: string | null;
  status: string;
  creditsCounted: number | null;
  creditsRequired: number | null;
}

/**
 * The licensee's current cycle on the organization's roster: the earliest entry not retired whose
 * cycle has not ended (the organization's today), else the one that ended last. Null when the
 * roster does not list them (or the organization keeps no roster).
 */
export async function openRosterEntry(db: Kysely<Database>, orgCode: string, learnerId: string, today = organisationToday(orgCode)): Promise<OpenEntry | null> {
  const row = await db
    .selectFrom("board.roster_entry")
    .select(["id", "cycle_end", "cycle_start", "status", "credits_counted", "credits_required"])
    .where("org_code", "=", orgCode)
    .where("learner_id", "=", learnerId)
    .where("retired_at", "is", null)
    .orderBy(sql`cycle_end >= ${today}::date`, "desc")
    .orderBy(sql`case when cycle_end >= ${today}::date then cycle_end end`, "asc")
    .orderBy("cycle_end", "desc")
    .orderBy("id")
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: String(row.id),
    cycleEnd: row.cycle_end,
    cycleStart: row.cycle_start,
    status: row.status,
    creditsCounted: row.credits_counted === null ? null : Number(row.credits_counted),
    creditsRequired: row.credits_required === null ? null : Number(row.credits_required),
  };
}

export interface CurrentCycle {
  entryId: string;
  /** As stored by the background refresh (the renewal queue's status). */
  status: string;
  /** The cycle's dates; start null when the rules cannot place it (then `problem` says why). */
  start: string | null;
  end: string;
  /** The last completion date that counts: the cycle end, or an extension's new deadline. */
  countingEnd: string;
  extendedTo: string | null;
  cycleOpen: boolean;
  /** The renewal check's figures now (the engine over the same records), when it could run. */
  required: number | null;
  checkCounted: number | null;
  /** Credit the board's daily or yearly caps left out of the check's total. */
  removedByCaps: number;
  creditLabel: string | null;
  problem: string | null;
}

/** The licensee's current cycle for the organization: its open roster entry, placed and checked now. */
export async function currentCycle(db: Kysely<Database>, orgCode: string, learnerId: string): Promise<CurrentCycle | null> {
  const today = organisationToday(orgCode);
  const open = await openRosterEntry(db, orgCode, learnerId, today);
  if (!open) return null;
  const entry = await getEntry(db, orgCode, open.id);
  if (!entry) return null;
  const live = await evaluateEntryNow(db, entry, today);
  const base = { entryId: open.id, status: open.status, end: open.cycleEnd, cycleOpen: open.cycleEnd >= today };
  if (live.kind !== "evaluated") {
    const problem = live.kind === "no_cycle" ? live.problem : live.kind === "no_rules" ? "The organization has no requirement rules yet." : null;
    return { ...base, start: open.cycleStart, countingEnd: open.cycleEnd, extendedTo: null, required: open.creditsRequired, checkCounted: open.creditsCounted, removedByCaps: 0, creditLabel: null, problem };
  }
  const total = live.evaluation.requirements[0]!;
  return {
    ...base,
    start: live.cycle.start,
    end: live.cycle.end,
    countingEnd: live.extendedTo ?? live.cycle.end,
    extendedTo: live.extendedTo,
    cycleOpen: live.cycle.end >= today,
    required: total.required,
    checkCounted: total.counted,
    removedByCaps: total.removedByCaps,
    creditLabel: live.rule.creditLabel,
    problem: null,
  };
}

// ---------------------------------------------------------------- find a licensee

/** A license number (state board) or board id (certifying board) on one board's list. */
export interface BoardNumber {
  boardCode: string;
  value: string;
}

export interface LicenseeQuery {
  /** Prefix of the first name (Rob finds Robert). */
  first?: string;
  last?: string;
  dob?: { month: number; day: number };
  licence?: BoardNumber;
  boardId?: BoardNumber;
  npi?: string;
}

export type MatchedField = "name" | "dob" | "licence" | "boardId" | "npi";

export interface Candidate extends Licensee {
  /** Each detail given in the query, and whether this licensee has it. */
  checks: Array<{ field: MatchedField; matched: boolean }>;
}

export interface LookupResult {
  outcome: "one" | "several" | "none";
  /** Licensees matching every detail given. */
  matches: Candidate[];
  /** Licensees found by the name or by an identifier who differ in another detail (shown when nothing matched fully). */
  nearMatches: Candidate[];
  /** More candidates exist than are listed. */
  truncated: boolean;
}

const CANDIDATE_LIMIT = 50;

/**
 * The learner validation tool, for the organization's own licensees: any one identifier (a license
 * number of a board in scope, a board id, the NPI) finds a licensee without a name; the folded last
 * name exactly and the first name as a prefix narrow (and find on their own when both are given).
 * Every detail given must match. When none matches fully, the licensees found by the name or by any
 * one identifier are listed with which details differ. Only licensees in scope are
 * ever found, so another organization's number answers exactly like one that does not exist.
 */
export async function findLicensees(db: Kysely<Database>, scope: Scope, query: LicenseeQuery): Promise<LookupResult> {
  const inScopeBoard = (board: string) => scope.boardCodes === null || scope.boardCodes.includes(board);
  const conditions: Array<{ field: MatchedField; where: RawBuilder<SqlBool> }> = [];
  if (query.first || query.last) {
    const parts: RawBuilder<SqlBool>[] = [];
    if (query.last) parts.push(sql<SqlBool>`(learner.fold(l.last_name) collate "C") = learner.fold(${query.last})`);
    if (query.first) parts.push(startsWithFolded(foldC("l.first_name"), query.first));
    conditions.push({ field: "name", where: sql<SqlBool>`(${sql.join(parts, sql` and `)})` });
  }
  if (query.dob) conditions.push({ field: "dob", where: sql<SqlBool>`(l.birth_month = ${query.dob.month} and l.birth_day = ${query.dob.day})` });
  if (query.licence) {
    const { boardCode, value } = query.licence;
    conditions.push({
      field: "licence",
      where: inScopeBoard(boardCode)
        ? sql<SqlBool>`exists (select 1 from learner.licence x where x.learner_id = l.id and x.board_code = ${boardCode} and upper(x.licence_id) = ${value.toUpperCase()})`
        : sql<SqlBool>`false`,
    });
  }
  if (query.boardId) {
    const { boardCode, value } = query.boardId;
    conditions.push({
      field: "boardId",
      where: inScopeBoard(boardCode)
        ? sql<SqlBool>`exists (select 1 from learner.certification x where x.learner_id = l.id and x.board_code = ${boardCode} and upper(x.board_id) = ${value.toUpperCase()})`
        : sql<SqlBool>`false`,
    });
  }
  if (query.npi) conditions.push({ field: "npi", where: sql<SqlBool>`(l.npi = ${query.npi})` });
  if (conditions.length === 0) return { outcome: "none", matches: [], nearMatches: [], truncated: false };

  // What finds candidates when not every detail matches: the name or any one identifier.
  const anchors = conditions.filter((c) => c.field !== "dob");
  const anchor = sql<SqlBool>`(${sql.join(anchors.map((c) => c.where), sql` or `)})`;
  const select = (where: RawBuilder<SqlBool>) =>
    db
      .selectFrom("learner.learner as l")
      .select(["l.id", "l.first_name", "l.last_name", "l.birth_month", "l.birth_day", "l.npi"])
      .select(conditions.map((c) => sql<boolean>`coalesce(${c.where}, false)`.as(`m_${c.field}`)))
      .where(where)
      .where(({ exists }) => exists(creditReportsInScope(db, scope).select(sql`1`.as("one")).where(sql<SqlBool>`cr.learner_id = l.id`)))
      .orderBy(sql`learner.fold(l.last_name) collate "C"`)
      .orderBy(sql`learner.fold(l.first_name) collate "C"`)
      .orderBy("l.id")
      .limit(CANDIDATE_LIMIT + 1)
      .execute();
  const fullRows = await select(sql<SqlBool>`(${sql.join(conditions.map((c) => c.where), sql` and `)})`);
  // With a birth date alone there is nothing to anchor on: no near matches.
  const anchorUsable = anchors.length > 0;
  const rows = fullRows.length > 0 || !anchorUsable ? fullRows : await select(anchor);
  const truncated = rows.length > CANDIDATE_LIMIT;
  const listed = rows.slice(0, CANDIDATE_LIMIT);
  const identifiers = await identifiersOf(db, scope, listed.map((r) => String(r.id)));
  const candidates: Candidate[] = listed.map((r) => {
    const flags = r as unknown as Record<string, boolean>;
    return {
      id: String(r.id),
      firstName: r.first_name,
      lastName: r.last_name,
      birthDate: `${pad2(r.birth_month)}/${pad2(r.birth_day)}`,
      npi: r.npi,
      identifiers: identifiers.get(String(r.id)) ?? [],
      checks: conditions.map((c) => ({ field: c.field, matched: flags[`m_${c.field}`] === true })),
    };
  });
  const matches = fullRows.length > 0 ? candidates : [];
  return {
    outcome: matches.length === 0 ? "none" : matches.length === 1 ? "one" : "several",
    matches,
    nearMatches: fullRows.length > 0 ? [] : candidates,
    truncated,
  };
}
