// Licensees as a board knows them: identity (name, MM/DD birth date, NPI, the board's licence or
// board id), credit totals for a date range, and the lookup that answers like the programme's
// learner validation tool. A licensee is in scope when credit was reported for them to the board.
import { sql, type Kysely, type SqlBool } from "kysely";
import type { Database } from "../../db/schema";
import { boardCodesInScope, creditReportsInScope, learnerInScope, type Scope } from "../auth/scope.server";
import { idParam } from "../auth/permissions.server";
import { isCertifyingBoard } from "../lib/data-rules";
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

export interface BoardTotals {
  boardCode: string;
  /** Accepted credits: AMA PRA Category 1 (state board) or board credits (certifying board). */
  credits: number;
  accepted: number;
  rejected: number;
  /** Accepted amounts per topic or MOC credit type; not additive to each other or to credits. */
  byType: Array<{ type: string; credits: number }>;
  certifying: boolean;
}

/** Totals per board of the licensee's live records completed in the range. */
export async function licenseeTotals(
  db: Kysely<Database>,
  scope: Scope,
  learnerId: string,
  range: { from?: string; to?: string },
): Promise<BoardTotals[]> {
  let records = creditReportsInScope(db, scope).where("cr.learner_id", "=", learnerId);
  if (range.from) records = records.where("cr.completion_date", ">=", range.from);
  if (range.to) records = records.where("cr.completion_date", "<=", range.to);
  const [boards, types] = await Promise.all([
    records
      .select((eb) => [
        "cr.board_code",
        eb.fn.count<string>("cr.id").filterWhere("cr.status", "=", "accepted").as("accepted"),
        eb.fn.count<string>("cr.id").filterWhere("cr.status", "=", "rejected").as("rejected"),
        sql<string | null>`sum(cr.credits) filter (where cr.status = 'accepted')`.as("credits"),
      ])
      .groupBy("cr.board_code")
      .orderBy("cr.board_code")
      .execute(),
    records
      .innerJoin(sql<{ key: string; value: string }>`jsonb_each_text(cr.credit_types)`.as("t"), (join) => join.on(sql<SqlBool>`true`))
      .where("cr.status", "=", "accepted")
      .select(["cr.board_code", sql<string>`t.key`.as("type"), sql<string>`sum(t.value::numeric)`.as("credits")])
      .groupBy(["cr.board_code", sql`t.key`])
      .orderBy(sql`t.key`)
      .execute(),
  ]);
  return boards.map((b) => ({
    boardCode: b.board_code,
    credits: Number(b.credits ?? 0),
    accepted: Number(b.accepted),
    rejected: Number(b.rejected),
    byType: types.filter((t) => t.board_code === b.board_code).map((t) => ({ type: t.type, credits: Number(t.credits) })),
    certifying: isCertifyingBoard(b.board_code),
  }));
}

// ---------------------------------------------------------------- find a licensee

export interface LicenseeQuery {
  first: string;
  last: string;
  dob?: { month: number; day: number };
  licence?: string;
  boardId?: string;
  npi?: string;
}

export type MatchedField = "name" | "dob" | "licence" | "boardId" | "npi";

export interface Candidate extends Licensee {
  /** Each detail given in the query, and whether this licensee has it. */
  checks: Array<{ field: MatchedField; matched: boolean }>;
}

export interface LookupResult {
  outcome: "one" | "several" | "none";
  /** Licensees matching the name and every other detail given. */
  matches: Candidate[];
  /** Licensees with the name who differ in another detail (shown when nothing matched fully). */
  nearMatches: Candidate[];
  /** More candidates exist than are listed. */
  truncated: boolean;
}

const CANDIDATE_LIMIT = 50;

/**
 * The learner validation tool, for the board's own licensees: the folded last name exactly and the
 * first name as a prefix (Rob finds Robert), and every other detail given must match. When none
 * matches fully, the licensees with the name are listed with which details differ.
 */
export async function findLicensees(db: Kysely<Database>, scope: Scope, query: LicenseeQuery): Promise<LookupResult> {
  const boards = await boardCodesInScope(db, scope);
  const named = () =>
    db
      .selectFrom("learner.learner as l")
      .select(["l.id", "l.first_name", "l.last_name", "l.birth_month", "l.birth_day", "l.npi"])
      .where(sql<SqlBool>`(learner.fold(l.last_name) collate "C") = learner.fold(${query.last})`)
      .where(startsWithFolded(foldC("l.first_name"), query.first))
      .where(({ exists }) => exists(creditReportsInScope(db, scope).select(sql`1`.as("one")).where(sql<SqlBool>`cr.learner_id = l.id`)))
      .orderBy(sql`learner.fold(l.first_name) collate "C"`)
      .orderBy("l.id")
      .limit(CANDIDATE_LIMIT + 1);
  let full = named();
  if (query.dob) full = full.where("l.birth_month", "=", query.dob.month).where("l.birth_day", "=", query.dob.day);
  if (query.npi) full = full.where("l.npi", "=", query.npi);
  if (query.licence && boards.length) {
    const licence = query.licence;
    full = full.where(({ exists, selectFrom }) =>
      exists(selectFrom("learner.licence as x").select("x.learner_id").where(sql<SqlBool>`x.learner_id = l.id`).where("x.board_code", "in", boards).where(sql<SqlBool>`upper(x.licence_id) = ${licence}`)),
    );
  }
  if (query.boardId && boards.length) {
    const boardId = query.boardId;
    full = full.where(({ exists, selectFrom }) =>
      exists(selectFrom("learner.certification as x").select("x.learner_id").where(sql<SqlBool>`x.learner_id = l.id`).where("x.board_code", "in", boards).where(sql<SqlBool>`upper(x.board_id) = ${boardId}`)),
    );
  }
  const fullRows = await full.execute();
  const rows = fullRows.length > 0 ? fullRows : await named().execute();
  const truncated = rows.length > CANDIDATE_LIMIT;
  const listed = rows.slice(0, CANDIDATE_LIMIT);
  const identifiers = await identifiersOf(db, scope, listed.map((r) => String(r.id)));
  const candidates: Candidate[] = listed.map((r) => {
    const ids = identifiers.get(String(r.id)) ?? [];
    const checks: Candidate["checks"] = [{ field: "name", matched: true }];
    if (query.dob) checks.push({ field: "dob", matched: r.birth_month === query.dob.month && r.birth_day === query.dob.day });
    if (query.licence) checks.push({ field: "licence", matched: ids.some((i) => i.kind === "licence" && i.value.toUpperCase() === query.licence) });
    if (query.boardId) checks.push({ field: "boardId", matched: ids.some((i) => i.kind === "board id" && i.value.toUpperCase() === query.boardId) });
    if (query.npi) checks.push({ field: "npi", matched: r.npi === query.npi });
    return {
      id: String(r.id),
      firstName: r.first_name,
      lastName: r.last_name,
      birthDate: `${pad2(r.birth_month)}/${pad2(r.birth_day)}`,
      npi: r.npi,
      identifiers: ids,
      checks,
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
