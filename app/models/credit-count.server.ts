// Exact counts of the credit search at any size (docs/decisions/027-exact-counts.md). A filter that
// pins one learner or one activity is counted in PostgreSQL from its index; any other is counted in
// the analytics snapshot (DuckDB, columnar: tens of milliseconds over 10 million records) for the
// records nothing has touched since the snapshot's watermark, plus, in PostgreSQL, the live records
// that changed since (or whose activity did), which match now. Both halves use the same filters, so
// the sum is the count of the store as PostgreSQL's one reading snapshot sees it.
import { sql, type Kysely, type RawBuilder, type SqlBool } from "kysely";
import { z } from "zod";
import type { AnalyticsReader, SnapshotQuery } from "../../db/analytics/reader";
import { duckCount } from "../../db/analytics/reader";
import { dsql, join, list, raw, type DuckSql } from "../../db/analytics/sql";
import type { Database } from "../../db/schema";
import { addDays, todayIn } from "../../domain/calendar";
import { creditReportsInScope, type Scope } from "../auth/scope.server";
import { foldC, startsWithFolded } from "./keyset.server";
import { ACTIVITY_FLAGS, filterConditions, type CreditFilters } from "./credits.server";

/** A count of matching records: always exact (an estimate is never shown as a count). */
export interface ExactCount {
  value: number;
  exact: true;
}

export interface CountOptions {
  /** The board codes whose records can match (the scope's, narrowed by the filters). */
  boards: readonly string[];
  /** The analytics snapshot; without one (still being built) PostgreSQL counts alone. */
  snapshot?: AnalyticsReader | null;
  /** The hard limit: past it the answer is null ("counting…"), never a guess. */
  timeoutMs?: number;
}

/** How a count was had (for the benchmark and the tests). */
export type CountRoute = "store" | "snapshot" | "store-fallback";

export interface CountAnswer {
  count: ExactCount | null;
  route: CountRoute;
  /** Records the live store added to (or took from) the snapshot's figure. */
  changed?: number;
}

export const COUNT_TIMEOUT_MS = 2_000;
/** Past this many changes since the snapshot, PostgreSQL counts alone (the next sync is due anyway). */
const MAX_CHANGES = 50_000;
/** Learners, activities or providers a name filter may match before it is counted in the store instead. */
const MAX_IDS = 20_000;

/** Filters that pin one learner or one activity: a few thousand records at most, read from an index. */
export function pinsFewRecords(filters: CreditFilters): boolean {
  return Boolean(filters.learnerId || filters.activityId || filters.activity?.kind === "id" || filters.npi || filters.licence || filters.boardId);
}

export async function countCreditReportsExactly(db: Kysely<Database>, scope: Scope, filters: CreditFilters, options: CountOptions): Promise<CountAnswer> {
  if (options.boards.length === 0) return { count: { value: 0, exact: true }, route: "store" };
  const timeoutMs = options.timeoutMs ?? COUNT_TIMEOUT_MS;
  if (!pinsFewRecords(filters) && options.snapshot) {
    const answer = await withTimeout(countWithSnapshot(db, scope, filters, options.boards, options.snapshot), timeoutMs);
    if (answer === TIMED_OUT) return { count: null, route: "snapshot" };
    if (answer) return answer;
  }
  const value = await countInStore(db, scope, filters, options.boards, timeoutMs);
  return { count: value === null ? null : { value, exact: true }, route: pinsFewRecords(filters) ? "store" : "store-fallback" };
}

// ---------------------------------------------------------------- PostgreSQL alone

/** Live records in scope matching the filters (and, for ACCME, on the boards named). */
function matchingInStore(db: Kysely<Database>, scope: Scope, filters: CreditFilters, boards: readonly string[]) {
  let matching = creditReportsInScope(db, scope);
  for (const condition of filterConditions(filters)) matching = matching.where(condition);
  // Naming every board (ACCME sees them all anyway) lets board-led indexes serve the count.
  return scope.boardCodes === null ? matching.where("cr.board_code", "in", boards) : matching;
}

/** count(*) under a statement timeout: null when it did not finish in time. */
async function countInStore(db: Kysely<Database>, scope: Scope, filters: CreditFilters, boards: readonly string[], timeoutMs: number): Promise<number | null> {
  try {
    return await db.transaction().execute(async (trx) => {
      await sql`select set_config('statement_timeout', ${String(Math.max(1, Math.round(timeoutMs)))}, true)`.execute(trx);
      const row = await matchingInStore(trx, scope, filters, boards)
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    });
  } catch (error) {
    if (isStatementTimeout(error)) return null;
    throw error;
  }
}

function isStatementTimeout(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "57014";
}

const TIMED_OUT = Symbol("timed out");

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- snapshot + live changes

const Ids = z.array(z.string().regex(/^\d{1,18}$/));
const LiveRow = z.object({
  delta: z.union([z.string(), z.number()]).transform(Number),
  changed: Ids,
  changed_activities: Ids,
  learners: Ids.nullable(),
  activities: Ids.nullable(),
  providers: Ids.nullable(),
});

/**
 * The snapshot's count of untouched records plus the store's count of touched ones, or null when the
 * snapshot cannot serve this count (none yet, too many changes since it, a name matching too many).
 */
async function countWithSnapshot(db: Kysely<Database>, scope: Scope, filters: CreditFilters, boards: readonly string[], reader: AnalyticsReader): Promise<CountAnswer | null> {
  const result = await reader.read(async (query) => {
    const watermark = await snapshotWatermark(query);
    const live = await liveChanges(db, scope, filters, boards, watermark);
    if (!live) return null;
    const duck = await query.one(snapshotCount(filters, boards, live), z.object({ n: duckCount }));
    return { count: { value: duck.n + live.delta, exact: true as const }, route: "snapshot" as const, changed: live.changed.length };
  });
  return result?.value ?? null;
}

async function snapshotWatermark(query: SnapshotQuery): Promise<string> {
  // A published file never changes: its watermark is read once per file.
  return query.cached("snapshot-watermark", async (q) => {
    const row = await q.one(dsql`select watermark::varchar as watermark from snapshot_meta`, z.object({ watermark: z.string().regex(/^\d+$/) }));
    return row.watermark;
  });
}

type Live = z.infer<typeof LiveRow>;

/**
 * In one statement (one reading snapshot of the store): the records changed since the watermark and
 * the activities changed since it (their records' filter columns may differ in the snapshot), the
 * count of live records among those that match now, and the learners, activities and providers the
 * name and title filters match now (the snapshot does not hold names).
 */
async function liveChanges(db: Kysely<Database>, scope: Scope, filters: CreditFilters, boards: readonly string[], watermark: string): Promise<Live | null> {
  // Two disjoint parts, each read from its own index: records changed since the watermark, and the
  // unchanged records of activities changed since (an OR of the two would scan the table).
  const changedActivities = sql`array(select a.id from learner.activity a where a.change_seq > ${watermark}::bigint)`;
  const changedRecords = matchingInStore(db, scope, filters, boards)
    .where(sql<SqlBool>`cr.change_seq > ${watermark}::bigint`)
    .select((eb) => eb.fn.countAll<string>().as("n"));
  const ofChangedActivities = matchingInStore(db, scope, filters, boards)
    .where(sql<SqlBool>`cr.change_seq <= ${watermark}::bigint and cr.activity_id = any(${changedActivities})`)
    .select((eb) => eb.fn.countAll<string>().as("n"));
  const idList = (condition: RawBuilder<SqlBool> | null, table: RawBuilder<unknown>) =>
    condition ? sql`array(select x.id::text from ${table} where ${condition} limit ${MAX_IDS + 1})` : sql`null::text[]`;
  const result = await sql<Record<string, unknown>>`
    select (${changedRecords}) + (${ofChangedActivities}) as delta,
           array(select cr.id::text from learner.credit_report cr where cr.change_seq > ${watermark}::bigint limit ${MAX_CHANGES + 1}) as changed,
           array(select a.id::text from learner.activity a where a.change_seq > ${watermark}::bigint limit ${MAX_CHANGES + 1}) as changed_activities,
           ${idList(learnerCondition(filters), sql`learner.learner x`)} as learners,
           ${idList(titleCondition(filters), sql`learner.activity x`)} as activities,
           ${idList(providerNameCondition(filters), sql`learner.provider x`)} as providers`.execute(db);
  const live = LiveRow.parse(result.rows[0]);
  const tooMany = (ids: readonly string[] | null, cap: number) => ids !== null && ids.length > cap;
  if (tooMany(live.changed, MAX_CHANGES) || tooMany(live.changed_activities, MAX_CHANGES)) return null;
  if (tooMany(live.learners, MAX_IDS) || tooMany(live.activities, MAX_IDS) || tooMany(live.providers, MAX_IDS)) return null;
  return live;
}

/** The learner filters, over `x` (learner): the same conditions the search applies. */
function learnerCondition(filters: CreditFilters): RawBuilder<SqlBool> | null {
  const parts: RawBuilder<SqlBool>[] = [];
  if (filters.last) parts.push(startsWithFolded(foldC("x.last_name"), filters.last));
  if (filters.first) parts.push(startsWithFolded(foldC("x.first_name"), filters.first));
  if (filters.dob) parts.push(sql`x.birth_month = ${filters.dob.month} and x.birth_day = ${filters.dob.day}`);
  return parts.length ? sql<SqlBool>`${sql.join(parts, sql` and `)}` : null;
}

function prefixQuery(words: readonly string[]): string {
  return words.map((w) => `${w}:*`).join(" & ");
}

function titleCondition(filters: CreditFilters): RawBuilder<SqlBool> | null {
  return filters.activity?.kind === "words" ? sql<SqlBool>`to_tsvector('simple', x.title) @@ to_tsquery('simple', ${prefixQuery(filters.activity.words)})` : null;
}

function providerNameCondition(filters: CreditFilters): RawBuilder<SqlBool> | null {
  return filters.provider?.kind === "words" ? sql<SqlBool>`to_tsvector('simple', x.name) @@ to_tsquery('simple', ${prefixQuery(filters.provider.words)})` : null;
}

/** Ids from the store (digits only, checked by the schema) as one text parameter, split in DuckDB. */
function idList(ids: readonly string[], type: "BIGINT" | "INTEGER"): DuckSql {
  return dsql`(select unnest(string_split(${ids.join(",")}, ','))::${raw(type)})`;
}

/** The snapshot's records that match and that nothing has changed since its watermark. */
function snapshotCount(filters: CreditFilters, boards: readonly string[], live: Live): DuckSql {
  const where: DuckSql[] = [dsql`board_code in ${list(boards)}`];
  if (live.changed.length) where.push(dsql`id not in ${idList(live.changed, "BIGINT")}`);
  if (live.changed_activities.length) where.push(dsql`activity_id not in ${idList(live.changed_activities, "INTEGER")}`);
  if (live.learners) where.push(live.learners.length ? dsql`learner_id in ${idList(live.learners, "BIGINT")}` : dsql`false`);
  if (live.activities) where.push(live.activities.length ? dsql`activity_id in ${idList(live.activities, "INTEGER")}` : dsql`false`);
  if (live.providers) where.push(live.providers.length ? dsql`provider_id in ${idList(live.providers, "INTEGER")}` : dsql`false`);
  if (filters.provider?.kind === "id") where.push(dsql`provider_id = ${Number(filters.provider.id)}`);
  if (filters.format?.length) where.push(dsql`format in ${list(filters.format)}`);
  for (const flag of ACTIVITY_FLAGS) {
    const wanted = filters[flag];
    if (wanted) where.push(dsql`${raw(flag)} = ${wanted === "yes"}`);
  }
  if (filters.completedFrom) where.push(dsql`completion_date >= ${filters.completedFrom}::date`);
  if (filters.completedTo) where.push(dsql`completion_date <= ${filters.completedTo}::date`);
  // submitted_at is UTC without a zone in the snapshot: a day's bounds are its UTC midnight.
  if (filters.submittedFrom) where.push(dsql`submitted_at >= ${filters.submittedFrom}::timestamp`);
  if (filters.submittedTo) where.push(dsql`submitted_at < ${addDays(filters.submittedTo, 1)}::timestamp`);
  if (filters.status) where.push(dsql`status = ${filters.status}`);
  if (filters.entry?.length) where.push(dsql`entry_method in ${list(filters.entry)}`);
  if (filters.creditType) where.push(dsql`list_contains(credit_type_keys, ${filters.creditType})`);
  if (filters.late) where.push(dsql`lag_days > 30 and completion_date <= ${addDays(todayIn("UTC"), -31)}::date`);
  return dsql`select count(*) as n from report where ${join(where, " and ")}`;
}
