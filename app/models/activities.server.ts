// Activities as a board sees them: those with credit reported to it (PARS's "Learner Summary by
// Activity"), with counts of its accepted, rejected and late records, and one activity's details.
import { sql, type Kysely, type RawBuilder, type SqlBool } from "kysely";
import type { Database } from "../../db/schema";
import { activityInScope, creditReportsInScope, type Scope } from "../auth/scope.server";
import type { ACTIVITY_FILTERS, ActivityRow } from "../lib/activity-search";
import { REPORTING_WINDOW_DAYS } from "../../domain/reference";
import type { FilterValues } from "../lib/grid";
import { decodeCursor, encodeCursor, foldC, key, keysetCondition, startsWithFolded, type KeyType, type SortKey } from "./keyset.server";

export type ActivityFilters = FilterValues<typeof ACTIVITY_FILTERS>;

/**
 * Learners accepted for the activity in the scope (and, for ACCME's board filter, that board): the
 * figure the "Accepted" column shows and PARS's default order ("Sort by: Learners Accepted").
 * Computed per activity from the (activity, board) index, so this order reads every matching
 * activity's count before its first page.
 */
function acceptedOf(scope: Scope, board: string | undefined): RawBuilder<unknown> {
  const boards = board ? [board] : scope.boardCodes;
  return sql`(select count(*)::int from learner.credit_report cr
    where cr.activity_id = a.id and cr.deleted_at is null and cr.status = 'accepted'${boards === null ? sql`` : sql` and cr.board_code in (${sql.join(boards)})`})`;
}

/** Sort id → keys before the final tie-break on the activity id. */
const SORTS: Record<string, SortKey[]> = {
  title: [key(foldC("a.title"), "text")],
  id: [],
  provider: [key(foldC("p.name"), "text"), key(sql`p.id`, "bpchar")],
  format: [key(sql`a.format`, "text")],
  start: [key(sql`a.start_date`, "date")],
  end: [key(sql`a.end_date`, "date")],
};

function keysOf(sortId: string, scope: Scope, board: string | undefined): { exprs: RawBuilder<unknown>[]; types: KeyType[] } {
  const keys = sortId === "accepted" ? [key(acceptedOf(scope, board), "int")] : (SORTS[sortId] ?? (SORTS.start as SortKey[]));
  return { exprs: [...keys.map((k) => k.expr), sql`a.id`], types: [...keys.map((k) => k.type), "bpchar"] };
}

function prefixQuery(words: readonly string[]): string {
  return words.map((w) => `${w}:*`).join(" & ");
}

/** Credit reports of the activity `a` in scope (and, for ACCME's board filter, that board). */
function reportsOfActivity(db: Kysely<Database>, scope: Scope, board: string | undefined) {
  let reports = creditReportsInScope(db, scope).where(sql<SqlBool>`cr.activity_id = a.id`);
  if (board) reports = reports.where("cr.board_code", "=", board);
  return reports;
}

function activityConditions(db: Kysely<Database>, scope: Scope, filters: ActivityFilters): RawBuilder<SqlBool>[] {
  const conditions: RawBuilder<SqlBool>[] = [sql<SqlBool>`exists (${reportsOfActivity(db, scope, filters.board).select(sql`1`.as("one"))})`];
  if (filters.activity?.kind === "id") conditions.push(sql`a.id = ${filters.activity.id}`);
  if (filters.activity?.kind === "words") {
    conditions.push(sql`to_tsvector('simple', a.title) @@ to_tsquery('simple', ${prefixQuery(filters.activity.words)})`);
  }
  if (filters.provider?.kind === "id") conditions.push(sql`a.provider_id = ${filters.provider.id}`);
  if (filters.provider?.kind === "words") {
    conditions.push(sql`a.provider_id in (select p2.id from learner.provider p2
      where to_tsvector('simple', p2.name) @@ to_tsquery('simple', ${prefixQuery(filters.provider.words)}))`);
  }
  const formats = filters.format ?? [];
  if (formats.length) conditions.push(sql`a.format in (${sql.join(formats)})`);
  if (filters.from) conditions.push(sql`a.end_date >= ${filters.from}::date`);
  if (filters.to) conditions.push(sql`a.start_date <= ${filters.to}::date`);
  if (filters.moc) conditions.push(sql`a.moc`);
  if (filters.status) conditions.push(sql`a.status = ${filters.status}`);
  if (filters.providership === "joint") conditions.push(sql`a.joint_provider_name is not null`);
  if (filters.providership === "direct") conditions.push(sql`a.joint_provider_name is null`);
  if (filters.jointProvider) {
    conditions.push(sql`to_tsvector('simple', coalesce(a.joint_provider_name, '')) @@ to_tsquery('simple', ${prefixQuery(filters.jointProvider)})`);
  }
  // Where the provider is: its state and country as given, its city by its first letters (any case or accent).
  const place: RawBuilder<SqlBool>[] = [];
  if (filters.providerState) place.push(sql`p3.state = ${filters.providerState}`);
  if (filters.providerCountry) place.push(sql`p3.country = ${filters.providerCountry}`);
  if (filters.providerCity) place.push(startsWithFolded(sql`(learner.fold(p3.city) collate "C")`, filters.providerCity));
  if (place.length) conditions.push(sql`a.provider_id in (select p3.id from learner.provider p3 where ${sql.join(place, sql` and `)})`);
  return conditions;
}

export interface ActivityPage {
  rows: ActivityRow[];
  next: string | null;
  previous: string | null;
  cursorRejected: boolean;
  /** Exact, or null when it could not be had within the hard limit ("counting…"): never an estimate. */
  count: { value: number; exact: true } | null;
}

/** The hard limit of the count (ms). */
const COUNT_TIMEOUT_MS = 2_000;

export async function listActivities(
  db: Kysely<Database>,
  scope: Scope,
  request: {
    filters: ActivityFilters;
    sort: { id: string; desc: boolean };
    size: number;
    after: string | null;
    before: string | null;
    count?: boolean;
    /** Read the final page backwards from the end, `size` being the rows it holds. */
    fromEnd?: boolean;
  },
): Promise<ActivityPage> {
  const { filters, sort, size } = request;
  const { exprs, types } = keysOf(sort.id, scope, filters.board);
  const cursorText = request.fromEnd ? null : (request.after ?? request.before);
  const values = cursorText ? decodeCursor(cursorText, sort, types) : null;
  const fromEnd = request.fromEnd === true;
  const backward = fromEnd || (values !== null && request.before !== null);
  const descending = sort.desc !== backward;
  const direction = descending ? sql`desc` : sql`asc`;
  const conditions = activityConditions(db, scope, filters);

  let page = db
    .selectFrom("learner.activity as a")
    .innerJoin("learner.provider as p", "p.id", "a.provider_id")
    .select(["a.id", "a.title", "a.provider_id", "p.name as provider_name", "p.city as provider_city", "p.state as provider_state", "p.country as provider_country", "a.joint_provider_name", "a.format", "a.start_date", "a.end_date", "a.credit_claim_date", "a.max_cme_credits", "a.max_moc_credits", "a.moc", "a.status"])
    .select(exprs.map((expr, i) => sql<string>`(${expr})::text`.as(`c${i}`)));
  for (const condition of conditions) page = page.where(condition);
  if (values) page = page.where(keysetCondition(exprs, types, values, descending));
  for (const expr of exprs) page = page.orderBy(sql`${expr} ${direction}`);
  page = page.limit(size + 1);

  // Counts for the page's activities only: each from the (activity, board) index.
  const counted = db
    .selectFrom(page.as("a"))
    .select((eb) => [
      eb.selectFrom(reportsOfActivity(db, scope, filters.board).where("cr.status", "=", "accepted").select(sql<string>`count(*)`.as("n")).as("x")).select("x.n").as("accepted"),
      eb.selectFrom(reportsOfActivity(db, scope, filters.board).where("cr.status", "=", "rejected").select(sql<string>`count(*)`.as("n")).as("x")).select("x.n").as("rejected"),
      eb
        .selectFrom(
          reportsOfActivity(db, scope, filters.board)
            .where(sql<SqlBool>`learner.lag_days(cr.completion_date, cr.submitted_at) > ${REPORTING_WINDOW_DAYS}`)
            .select(sql<string>`count(*)`.as("n"))
            .as("x"),
        )
        .select("x.n")
        .as("late"),
    ])
    .selectAll("a");

  const [rows, count] = await Promise.all([
    counted.execute(),
    request.count === false ? Promise.resolve(null) : countActivities(db, scope, conditions),
  ]);
  const more = rows.length > size;
  const shown = rows.slice(0, size);
  // The outer query does not promise the inner order: put the page in its order again.
  shown.sort((x, y) => compareKeys(x, y, types) * (descending ? -1 : 1));
  if (backward) shown.reverse();
  const cursorFor = (row: (typeof rows)[number] | undefined) =>
    row ? encodeCursor({ sort: sort.id, desc: sort.desc, values: exprs.map((_, i) => (row as Record<string, unknown>)[`c${i}`] as string) }) : null;
  return {
    rows: shown.map((r) => ({
      id: r.id,
      title: r.title,
      providerId: r.provider_id,
      providerName: r.provider_name,
      providerCity: r.provider_city,
      providerState: r.provider_state,
      providerCountry: r.provider_country,
      jointProviderName: r.joint_provider_name,
      format: r.format,
      startDate: r.start_date,
      endDate: r.end_date,
      creditClaimDate: r.credit_claim_date,
      maxCmeCredits: Number(r.max_cme_credits),
      maxMocCredits: r.max_moc_credits === null ? null : Number(r.max_moc_credits),
      moc: r.moc,
      status: r.status,
      accepted: Number(r.accepted ?? 0),
      rejected: Number(r.rejected ?? 0),
      late: Number(r.late ?? 0),
    })),
    next: (backward ? !fromEnd : more) ? cursorFor(shown[shown.length - 1]) : null,
    previous: values || fromEnd ? (backward ? (more ? cursorFor(shown[0]) : null) : cursorFor(shown[0])) : null,
    cursorRejected: cursorText !== null && values === null,
    count,
  };
}

/** Orders rows by their keys' text forms as PostgreSQL did: counts as numbers, the rest as text (which sorts like the keys). */
function compareKeys(x: object, y: object, types: readonly KeyType[]): number {
  for (let i = 0; i < types.length; i++) {
    const a = (x as Record<string, string>)[`c${i}`] ?? "";
    const b = (y as Record<string, string>)[`c${i}`] ?? "";
    if (a === b) continue;
    if (types[i] === "int") return Number(a) - Number(b);
    return a < b ? -1 : 1;
  }
  return 0;
}

/** How many activities the filters match, exactly (null past the hard time limit). */
export function countActivityList(db: Kysely<Database>, scope: Scope, filters: ActivityFilters) {
  return countActivities(db, scope, activityConditions(db, scope, filters));
}

/**
 * The exact number of activities that match, each with a live record in the scope (and on the board
 * asked for): the same conditions as the rows, so an organisation counts only its own activities.
 * Null when the count outlasts the hard limit.
 */
async function countActivities(db: Kysely<Database>, scope: Scope, conditions: RawBuilder<SqlBool>[]): Promise<{ value: number; exact: true } | null> {
  try {
    return await db.transaction().execute(async (trx) => {
      await sql`select set_config('statement_timeout', ${String(COUNT_TIMEOUT_MS)}, true)`.execute(trx);
      let matching = trx.selectFrom("learner.activity as a").select((eb) => eb.fn.countAll<string>().as("n"));
      for (const condition of conditions) matching = matching.where(condition);
      const row = await matching.executeTakeFirstOrThrow();
      return { value: Number(row.n), exact: true as const };
    });
  } catch (error) {
    if (typeof error === "object" && error !== null && (error as { code?: string }).code === "57014") return null;
    throw error;
  }
}

export interface ActivityDetail {
  id: string;
  internalId: string | null;
  title: string;
  providerId: string;
  providerName: string;
  providerPlace: string;
  format: string;
  startDate: string;
  endDate: string;
  creditClaimDate: string | null;
  maxCmeCredits: number;
  maxMocCredits: number | null;
  moc: boolean;
  mips: boolean;
  rems: boolean;
  status: string;
  /** Certifying boards the activity is registered with for MOC, and their credit types. */
  mocBoards: Array<{ boardCode: string; creditTypes: string[] }>;
}

/** The activity, if credit for it was reported in the scope; otherwise null (the page is a 404). */
export async function getActivity(db: Kysely<Database>, scope: Scope, activityId: string): Promise<ActivityDetail | null> {
  if (!(await activityInScope(db, scope, activityId))) return null;
  const [row, moc] = await Promise.all([
    db
      .selectFrom("learner.activity as a")
      .innerJoin("learner.provider as p", "p.id", "a.provider_id")
      .select(["a.id", "a.internal_id", "a.title", "a.provider_id", "p.name as provider_name", "p.city", "p.state", "a.format", "a.start_date", "a.end_date", "a.credit_claim_date", "a.max_cme_credits", "a.max_moc_credits", "a.moc", "a.mips", "a.rems", "a.status"])
      .where("a.id", "=", activityId)
      .executeTakeFirst(),
    db.selectFrom("learner.activity_moc").select(["board_code", "credit_types"]).where("activity_id", "=", activityId).orderBy("board_code").execute(),
  ]);
  if (!row) return null;
  return {
    id: row.id,
    internalId: row.internal_id,
    title: row.title,
    providerId: row.provider_id,
    providerName: row.provider_name,
    providerPlace: [row.city, row.state].filter(Boolean).join(", "),
    format: row.format,
    startDate: row.start_date,
    endDate: row.end_date,
    creditClaimDate: row.credit_claim_date,
    maxCmeCredits: Number(row.max_cme_credits),
    maxMocCredits: row.max_moc_credits === null ? null : Number(row.max_moc_credits),
    moc: row.moc,
    mips: row.mips,
    rems: row.rems,
    status: row.status,
    mocBoards: moc.map((m) => ({ boardCode: m.board_code, creditTypes: m.credit_types })),
  };
}

/** Every activity the filters match, for exports (one query through a cursor). */
export async function* streamActivities(
  db: Kysely<Database>,
  scope: Scope,
  request: { filters: ActivityFilters; sort: { id: string; desc: boolean } },
): AsyncGenerator<ActivityRow> {
  let after: string | null = null;
  // Pages of 1,000 through the same keyset query the screen uses: bounded memory, same rows.
  for (;;) {
    const page = await listActivities(db, scope, { ...request, size: 1_000, after, before: null, count: false });
    yield* page.rows;
    if (!page.next) return;
    after = page.next;
  }
}
