// Credit reports as the reviewer's grid and exports read them: filters, keyset pages and counts in
// PostgreSQL, always from the scoped builder. Each sortable column orders by an indexed key, so a
// page is read in order from an index rather than sorted out of millions of rows
// (docs/decisions/007-search-access-paths.md).
import { sql, type Kysely, type RawBuilder, type SqlBool } from "kysely";
import { addDays, todayIn } from "../../domain/calendar";
import { CERTIFYING_BOARDS, MOC_CREDIT_TYPES, organisationToday, STATE_TOPICS } from "../../domain/reference";
import type { AnalyticsReader } from "../../db/analytics/reader";
import type { Database } from "../../db/schema";
import { boardCodesInScope, creditReportsInScope, type Scope } from "../auth/scope.server";
import type { CREDIT_FILTERS, CreditRow } from "../lib/credit-search";
import { recordFlags } from "../lib/data-rules";
import { countCreditReportsExactly, type ExactCount } from "./credit-count.server";
import { streamInSnapshot } from "./long-read.server";
import { decodeCursor, encodeCursor, foldC, key, startsWithFolded, keysetCondition, type KeyType, type SortKey } from "./keyset.server";
import type { FilterValues } from "../lib/grid";

/** The URL's filters, plus fixed ones a page adds (an activity's learners, a licensee's records). */
export type CreditFilters = FilterValues<typeof CREDIT_FILTERS> & { learnerId?: string; activityId?: string };

type Join = "learner" | "activity" | "provider";
interface SortDef {
  /** Ordering keys before the final tie-break on the record id. */
  keys: SortKey[];
  /** Tables the keys read besides credit_report. */
  joins: Join[];
  /** The first key is the board code, which queries also bind by equality (see keysetCondition). */
  boardFirst?: boolean;
}


/** Sort id → keys. Each matches an index (migration 0004) read in order within a board. */
const SORTS: Record<string, SortDef> = {
  completed: { keys: [key(sql`cr.completion_date`, "date")], joins: [] },
  submitted: { keys: [key(sql`cr.submitted_at`, "timestamptz")], joins: [] },
  credits: { keys: [key(sql`cr.credits`, "numeric")], joins: [] },
  lag: { keys: [key(sql`learner.lag_days(cr.completion_date, cr.submitted_at)`, "int")], joins: [] },
  learnerId: { keys: [key(sql`learner.board_learner_key(cr.board_learner_id)`, "text")], joins: [] },
  status: { keys: [key(sql`cr.status`, "text"), key(sql`cr.completion_date`, "date")], joins: [] },
  entry: { keys: [key(sql`cr.entry_method`, "text"), key(sql`cr.completion_date`, "date")], joins: [] },
  board: { keys: [key(sql`cr.board_code`, "text"), key(sql`cr.completion_date`, "date")], joins: [], boardFirst: true },
  activityId: { keys: [key(sql`cr.activity_id`, "bpchar")], joins: [] },
  licensee: {
    keys: [key(foldC("l.last_name"), "text"), key(foldC("l.first_name"), "text"), key(sql`l.id`, "bigint")],
    joins: ["learner"],
  },
  dob: { keys: [key(sql`l.birth_month`, "int"), key(sql`l.birth_day`, "int"), key(sql`l.id`, "bigint")], joins: ["learner"] },
  npi: { keys: [key(sql`coalesce(l.npi, '')`, "text"), key(sql`l.id`, "bigint")], joins: ["learner"] },
  activity: { keys: [key(foldC("a.title"), "text"), key(sql`a.id`, "bpchar")], joins: ["activity"] },
  format: { keys: [key(sql`a.format`, "text"), key(sql`a.id`, "bpchar")], joins: ["activity"] },
  provider: {
    keys: [key(foldC("p.name"), "text"), key(sql`p.id`, "bpchar"), key(sql`a.id`, "bpchar")],
    joins: ["activity", "provider"],
  },
};

export const CREDIT_SORT_IDS = Object.keys(SORTS);

export interface CreditSort {
  id: string;
  desc: boolean;
}

// ---------------------------------------------------------------- filters

/** Timestamp bounds (UTC) of a submission date range. */
function dayStart(date: string): string {
  return `${date}T00:00:00Z`;
}
function nextDayStart(date: string): string {
  return `${addDays(date, 1)}T00:00:00.000Z`;
}

/** A full-text prefix query over the 'simple' configuration: every word must start a word. */
function prefixQuery(words: readonly string[]): string {
  // searchWords() leaves letters and digits only, so nothing here is tsquery syntax.
  return words.map((w) => `${w}:*`).join(" & ");
}

/**
 * The WHERE conditions of the filters. Learner and activity filters are semi-joins, so the planner
 * can start from the few matching learners or activities and reach their records by index; with
 * `hashed`, they are kept as sub-plans (their ids hashed once) for plans that walk a board's index
 * in order and test each record, which is right when they match many records.
 */
export function filterConditions(filters: CreditFilters, options: { hashed?: boolean } = {}): RawBuilder<SqlBool>[] {
  const conditions: RawBuilder<SqlBool>[] = [];
  // "(x in (subquery)) is true" is the same test, but the planner does not turn it into a join.
  const member = (test: RawBuilder<SqlBool>) => (options.hashed ? sql<SqlBool>`(${test}) is true` : test);

  const learner: RawBuilder<SqlBool>[] = [];
  if (filters.last) learner.push(startsWithFolded(foldC("l.last_name"), filters.last));
  if (filters.first) learner.push(startsWithFolded(foldC("l.first_name"), filters.first));
  if (filters.dob) learner.push(sql`l.birth_month = ${filters.dob.month} and l.birth_day = ${filters.dob.day}`);
  if (filters.npi) learner.push(sql`l.npi = ${filters.npi}`);
  if (learner.length) {
    conditions.push(member(sql`cr.learner_id in (select l.id from learner.learner l where ${sql.join(learner, sql` and `)})`));
  }

  const activity: RawBuilder<SqlBool>[] = [];
  if (filters.activity?.kind === "words") {
    activity.push(sql`to_tsvector('simple', a.title) @@ to_tsquery('simple', ${prefixQuery(filters.activity.words)})`);
  }
  const formats = filters.format ?? [];
  if (formats.length) activity.push(sql`a.format in (${sql.join(formats)})`);
  for (const flag of ACTIVITY_FLAGS) {
    const wanted = filters[flag];
    if (wanted) activity.push(sql`${sql.ref(`a.${flag}`)} = ${wanted === "yes"}`);
  }
  if (filters.provider) {
    activity.push(
      filters.provider.kind === "id"
        ? sql`a.provider_id = ${filters.provider.id}`
        : sql`a.provider_id in (select p.id from learner.provider p
            where to_tsvector('simple', p.name) @@ to_tsquery('simple', ${prefixQuery(filters.provider.words)}))`,
    );
  }
  if (activity.length) {
    conditions.push(member(sql`cr.activity_id in (select a.id from learner.activity a where ${sql.join(activity, sql` and `)})`));
  }
  if (filters.activity?.kind === "id") conditions.push(sql`cr.activity_id = ${filters.activity.id}`);
  if (filters.activityId) conditions.push(sql`cr.activity_id = ${filters.activityId}`);
  if (filters.learnerId) conditions.push(sql`cr.learner_id = ${filters.learnerId}`);

  if (filters.licence) {
    conditions.push(sql`learner.board_learner_key(cr.board_learner_id) = ${filters.licence} and cr.board_code not in (${sql.join(CERTIFYING_CODES)})`);
  }
  if (filters.boardId) {
    conditions.push(sql`learner.board_learner_key(cr.board_learner_id) = ${filters.boardId} and cr.board_code in (${sql.join(CERTIFYING_CODES)})`);
  }
  if (filters.completedFrom) conditions.push(sql`cr.completion_date >= ${filters.completedFrom}::date`);
  if (filters.completedTo) conditions.push(sql`cr.completion_date <= ${filters.completedTo}::date`);
  if (filters.submittedFrom) conditions.push(sql`cr.submitted_at >= ${dayStart(filters.submittedFrom)}::timestamptz`);
  if (filters.submittedTo) conditions.push(sql`cr.submitted_at < ${nextDayStart(filters.submittedTo)}::timestamptz`);
  if (filters.status) conditions.push(sql`cr.status = ${filters.status}`);
  const entryMethods = filters.entry ?? [];
  if (entryMethods.length) conditions.push(sql`cr.entry_method in (${sql.join(entryMethods)})`);
  if (filters.creditType) conditions.push(sql`cr.credit_types ? ${filters.creditType}`);
  if (filters.late) {
    // Implied, and what lets an index on completion dates skip the last 30 days at once: nothing
    // completed in the last 30 days can have been submitted more than 30 days later, yet.
    conditions.push(sql`learner.lag_days(cr.completion_date, cr.submitted_at) > 30`);
    conditions.push(sql`cr.completion_date <= (now() at time zone 'UTC')::date - 31`);
  }
  if (filters.board?.length) conditions.push(sql`cr.board_code in (${sql.join(filters.board)})`);
  return conditions;
}

/** The activity's yes/no offers a search can ask for. */
export const ACTIVITY_FLAGS = ["moc", "mips", "rems"] as const;

const CERTIFYING_CODES = CERTIFYING_BOARDS.map((b) => b.code);

/**
 * Filters that usually match few records, found through another table or index (a learner, an
 * activity): then sorting the matches beats walking each board's index in order.
 */
function selectiveFilters(filters: CreditFilters): boolean {
  return Boolean(filters.activityId || filters.learnerId || filters.last || filters.first || filters.dob || filters.npi || filters.activity || filters.format?.length || filters.provider);
}

function keyTypes(sort: CreditSort): KeyType[] {
  return [...keysOf(sort).def.keys.map((k) => k.type), "bigint"];
}

function keysOf(sort: CreditSort): { def: SortDef; exprs: RawBuilder<unknown>[] } {
  const def = SORTS[sort.id] ?? (SORTS.completed as SortDef);
  return { def, exprs: [...def.keys.map((k) => k.expr), sql`cr.id`] };
}

interface PageQueryOptions {
  filters: CreditFilters;
  sort: CreditSort;
  /** Rows to read (page size + 1 to learn whether there is more). */
  limit: number | null;
  /** Keyset position and which side of it to read. */
  cursor: { values: string[]; backward: boolean } | null;
  /** Only this board (the lateral per-board form). */
  boardRef?: RawBuilder<unknown>;
  /** Only these boards: for an organisation over every board, naming them lets board-led indexes serve. */
  boards?: readonly string[];
}

/**
 * The records of a page (or a whole export, with no limit): their ids, the sort keys `k0..kn` and
 * the keys' text forms `c0..cn` for the next cursor. The records' columns are read afterwards, for
 * the rows that made the page only.
 */
function recordsQuery(db: Kysely<Database>, scope: Scope, options: PageQueryOptions) {
  const { def, exprs } = keysOf(options.sort);
  const descending = options.sort.desc !== (options.cursor?.backward ?? false);
  const direction = descending ? sql`desc` : sql`asc`;
  let filtered = creditReportsInScope(db, scope).selectAll("cr");
  for (const condition of filterConditions(options.filters, { hashed: options.boardRef !== undefined })) filtered = filtered.where(condition);
  if (options.boardRef) filtered = filtered.where(sql<SqlBool>`cr.board_code = ${options.boardRef}`);
  else if (options.boards && scope.boardCodes === null) filtered = filtered.where("cr.board_code", "in", options.boards);
  const plain = db.selectFrom(filtered.as("cr"));
  let source = plain;
  if (fencedByWindow(options.filters, options.sort)) {
    // Date sorts need only the dates: with them included in both date indexes, the window is read
    // from an index alone when no other filter needs the table.
    const window = DATE_SORTS.has(options.sort.id)
      ? filtered.clearSelect().select(["cr.id", "cr.board_code", "cr.completion_date", "cr.submitted_at"])
      : filtered;
    source = db.with((wb) => wb("filtered").materialized(), () => window).selectFrom("filtered as cr") as unknown as typeof plain;
  }
  let query = source
    .$if(def.joins.includes("learner"), (qb) => qb.innerJoin("learner.learner as l", (join) => join.on(sql<SqlBool>`l.id = cr.learner_id`)))
    .$if(def.joins.includes("activity"), (qb) => qb.innerJoin("learner.activity as a", (join) => join.on(sql<SqlBool>`a.id = cr.activity_id`)))
    .$if(def.joins.includes("provider"), (qb) => qb.innerJoin("learner.provider as p", (join) => join.on(sql<SqlBool>`p.id = a.provider_id`)))
    .select(sql<string>`cr.id`.as("id"))
    .select(exprs.flatMap((expr, i) => [expr.as(`k${i}`), sql<string>`(${expr})::text`.as(`c${i}`)]));
  if (options.cursor && options.cursor.values.length > 0) {
    query = query.where(keysetCondition(exprs, keyTypes(options.sort), options.cursor.values, descending, { expandFirst: def.boardFirst }));
  }
  for (const expr of exprs) query = query.orderBy(sql`${expr} ${direction}`);
  if (options.limit !== null) query = query.limit(options.limit);
  return query;
}

const DATE_SORTS = new Set(["completed", "submitted"]);
const DAY = 86_400_000;
/** How far back the store goes (the programme's six-year retention). */
const RETAINED_DAYS = 6 * 365;

/**
 * Whether to read a date window through its own index (materialized) and sort it, rather than walk
 * the sort's index and test every record. A window is dense near "now" in the order of the other
 * date, but far from it the walk skips every record reported (or completed) since: more rows than
 * the window holds. For sorts unrelated to dates, matches are spread evenly, so only a short window
 * (a month or less) is worth reading first. The planner cannot know either, so we decide here.
 */
function fencedByWindow(filters: CreditFilters, sort: CreditSort): boolean {
  const today = Date.parse(todayIn("UTC"));
  const worthReadingFirst = (from: string | undefined, to: string | undefined, otherDateSort: boolean) => {
    if (!from && !to) return false;
    const start = from ? Date.parse(from) : today - RETAINED_DAYS * DAY;
    const end = to ? Math.min(Date.parse(to), today) : today;
    const windowDays = Math.max(0, (end - start) / DAY);
    if (!otherDateSort) return windowDays <= 31;
    const skippedDays = sort.desc ? (today - end) / DAY : (start - (today - RETAINED_DAYS * DAY)) / DAY;
    return windowDays <= 366 && windowDays < skippedDays;
  };
  const dateSort = sort.id === "completed" || sort.id === "submitted";
  return (
    (sort.id !== "submitted" && worthReadingFirst(filters.submittedFrom, filters.submittedTo, dateSort)) ||
    (sort.id !== "completed" && worthReadingFirst(filters.completedFrom, filters.completedTo, dateSort))
  );
}

/** The records' columns and what the grid shows with them, for the ids in `x` (a page, or an export). */
function withDisplayColumns(db: Kysely<Database>, records: RawBuilder<unknown>, orderKeys: number, descending: boolean) {
  const direction = descending ? sql`desc` : sql`asc`;
  let query = db
    .selectFrom(records.as("x"))
    .innerJoin("learner.credit_report as r", (join) => join.on(sql<SqlBool>`r.id = x.id`))
    .innerJoin("learner.learner as l", "l.id", "r.learner_id")
    .innerJoin("learner.activity as a", "a.id", "r.activity_id")
    .innerJoin("learner.provider as p", "p.id", "a.provider_id")
    .select([
      "r.id",
      "r.board_code",
      "r.board_learner_id",
      "r.completion_date",
      "r.submitted_at",
      sql<number>`learner.lag_days(r.completion_date, r.submitted_at)`.as("lag_days"),
      "r.entry_method",
      "r.status",
      "r.rejection_reason",
      "r.credits",
      "r.credit_types",
      "l.id as learner_id",
      "l.first_name",
      "l.last_name",
      "l.birth_month",
      "l.birth_day",
      "l.npi",
      "a.id as activity_id",
      "a.title as activity_title",
      "a.format",
      "a.start_date",
      "a.end_date",
      "a.credit_claim_date",
      "a.max_cme_credits",
      "a.max_moc_credits",
      "p.id as provider_id",
      "p.name as provider_name",
      // Another live accepted record of the same activity, learner, board and day: counted from
      // the (learner, board, activity, day) index alone, this record itself excluded.
      sql<boolean>`(
        select count(*) from learner.credit_report o
        where o.learner_id = r.learner_id and o.board_code = r.board_code and o.activity_id = r.activity_id
          and o.completion_date = r.completion_date and o.status = 'accepted' and o.deleted_at is null
      ) > (case when r.status = 'accepted' then 1 else 0 end)`.as("duplicate"),
    ]);
  for (let i = 0; i < orderKeys; i++) query = query.orderBy(sql`${sql.ref(`x.k${i}`)} ${direction}`);
  return query;
}

type DisplayRow = Awaited<ReturnType<ReturnType<typeof withDisplayColumns>["execute"]>>[number];

const pad2 = (n: number) => String(n).padStart(2, "0");

export function toCreditRow(row: DisplayRow, today: string): CreditRow {
  const submittedAt = new Date(row.submitted_at).toISOString();
  const credits = Number(row.credits);
  return {
    id: String(row.id),
    boardCode: row.board_code,
    boardLearnerId: row.board_learner_id,
    completionDate: row.completion_date,
    submittedAt,
    lagDays: Number(row.lag_days),
    entryMethod: row.entry_method,
    status: row.status,
    rejectionReason: row.rejection_reason,
    credits,
    creditTypes: row.credit_types,
    learnerId: String(row.learner_id),
    firstName: row.first_name,
    lastName: row.last_name,
    birthDate: `${pad2(row.birth_month)}/${pad2(row.birth_day)}`,
    npi: row.npi,
    activityId: row.activity_id,
    activityTitle: row.activity_title,
    format: row.format,
    providerId: row.provider_id,
    providerName: row.provider_name,
    flags: recordFlags(
      {
        boardCode: row.board_code,
        format: row.format,
        completionDate: row.completion_date,
        submittedAt,
        credits,
        activityStart: row.start_date,
        activityEnd: row.end_date,
        creditClaimDate: row.credit_claim_date,
        maxCmeCredits: Number(row.max_cme_credits),
        maxMocCredits: row.max_moc_credits === null ? null : Number(row.max_moc_credits),
        duplicate: row.duplicate,
      },
      today,
    ),
  };
}

type PageCursor = { values: string[]; backward: boolean } | null;

interface PagePlan {
  filters: CreditFilters;
  sort: CreditSort;
  size: number;
  cursor: PageCursor;
  /** The board codes to read; more than one with `perBoard` reads each board's index and merges. */
  boards: string[];
  perBoard: boolean;
}

/** The query behind one page (exported for the benchmark's EXPLAIN). */
export function creditPageQuery(db: Kysely<Database>, scope: Scope, plan: PagePlan) {
  const { filters, sort, size, cursor, boards } = plan;
  const { exprs } = keysOf(sort);
  const descending = sort.desc !== (cursor?.backward ?? false);
  const options: PageQueryOptions = { filters, sort, limit: size + 1, cursor, boards };
  let records: RawBuilder<unknown>;
  if (plan.perBoard && boards.length > 1) {
    const direction = descending ? sql`desc` : sql`asc`;
    const inner = recordsQuery(db, scope, { ...options, boardRef: sql`b.code` });
    records = sql`(select x.* from unnest(${sql.val(boards)}::text[]) as b(code)
      cross join lateral (${inner}) as x
      order by ${sql.join(exprs.map((_, i) => sql`${sql.ref(`x.k${i}`)} ${direction}`))}
      limit ${size + 1})`;
  } else {
    records = sql`(${recordsQuery(db, scope, options)})`;
  }
  return withDisplayColumns(db, records, exprs.length, descending).select(exprs.map((_, i) => sql<string>`${sql.ref(`x.c${i}`)}`.as(`c${i}`)));
}

export interface CreditPage {
  rows: CreditRow[];
  /** Cursor for the page after / before this one (null at the ends). */
  next: string | null;
  previous: string | null;
  /** True when the cursor was unusable and the first page is shown instead. */
  cursorRejected: boolean;
}

/** The exact number of matching records; null while it could not be had in time ("counting…"). */
export type CreditCount = ExactCount | null;

export interface CreditSearchRequest {
  filters: CreditFilters;
  sort: CreditSort;
  size: number;
  after: string | null;
  before: string | null;
  /** Read the final page backwards from the end, `size` being the rows it holds (the cursors are ignored). */
  fromEnd?: boolean;
}

/**
 * One page of the grid and the exact count of all matches. `after` / `before` are cursors from an
 * earlier page of the same sort. The count reads the analytics snapshot when there is one
 * (credit-count.server.ts).
 *
 * Over several boards (ACCME), a sort on a credit_report column reads each board's index in order and
 * merges the heads, which is right unless a learner or activity filter matches few records; the
 * count says which, so there it runs first.
 */
export async function searchCreditReports(
  db: Kysely<Database>,
  scope: Scope,
  request: CreditSearchRequest,
  options: { snapshot?: AnalyticsReader | null; /** False: the page only (count null), for readers that walk every page. */ count?: boolean } = {},
): Promise<{ page: CreditPage; count: CreditCount }> {
  const { filters, sort, size } = request;
  const cursorText = request.after ?? request.before;
  const decoded = cursorText ? decodeCursor(cursorText, sort, keyTypes(sort)) : null;
  // The last page: backwards from the end, with no key to continue from.
  const cursor: PageCursor = request.fromEnd ? { values: [], backward: true } : decoded ? { values: decoded, backward: request.before !== null } : null;
  const boards = boardsToRead(filters, await boardCodesInScope(db, scope));
  if (boards.length === 0) {
    return { page: { rows: [], next: null, previous: null, cursorRejected: false }, count: { value: 0, exact: true } };
  }
  // Board order is the board index's own order: one query reads it, no merge needed.
  const { def } = keysOf(sort);
  const mergeable = boards.length > 1 && def.joins.length === 0 && !def.boardFirst && !fencedByWindow(filters, sort);
  const plan = { filters, sort, size, cursor, boards };
  const counting = () => countCreditReports(db, scope, filters, boards, options.snapshot);
  let page: CreditPage;
  let count: CreditCount;
  if (mergeable && selectiveFilters(filters)) {
    // Walking each board's index pays only when matches are dense; otherwise sort the matches.
    count = await counting();
    page = await readPage(db, scope, { ...plan, perBoard: count === null || count.value > DENSE_MATCHES });
  } else {
    [page, count] = await Promise.all([readPage(db, scope, { ...plan, perBoard: mergeable }), options.count === false ? Promise.resolve(null) : counting()]);
  }
  return { page: { ...page, cursorRejected: !request.fromEnd && cursorText !== null && decoded === null }, count };
}

/**
 * Above about this many matches, reading each board's index in order and testing every record beats
 * sorting all matches (16 boards x 26 rows / density against the number of matches: equal near 64,000
 * on 10 million records).
 */
const DENSE_MATCHES = 50_000;

/**
 * The boards whose records can match: the board filter, the scope's boards, and only boards that
 * can carry the filters' fields (a topic only state boards, an MOC credit type only its boards, a
 * licence id only state boards, a board id only certifying boards).
 */
function boardsToRead(filters: CreditFilters, inScope: readonly string[]): string[] {
  const named = filters.board;
  let boards = named?.length ? inScope.filter((b) => named.includes(b)) : [...inScope];
  const certifying = (b: string) => CERTIFYING_CODES.includes(b);
  if (filters.licence) boards = boards.filter((b) => !certifying(b));
  if (filters.boardId) boards = boards.filter(certifying);
  const type = filters.creditType;
  if (type) {
    boards = (STATE_TOPICS as readonly string[]).includes(type)
      ? boards.filter((b) => !certifying(b))
      : boards.filter((b) => (MOC_CREDIT_TYPES[b] ?? []).includes(type));
  }
  return boards;
}

async function readPage(db: Kysely<Database>, scope: Scope, plan: PagePlan): Promise<CreditPage> {
  const { sort, size, cursor } = plan;
  const { exprs } = keysOf(sort);
  const rows = await creditPageQuery(db, scope, plan).execute();
  const more = rows.length > size;
  const page = rows.slice(0, size);
  if (cursor?.backward) page.reverse();
  const today = organisationToday(scope.orgCode);
  const cursorFor = (row: (typeof rows)[number] | undefined) =>
    row ? encodeCursor({ sort: sort.id, desc: sort.desc, values: exprs.map((_, i) => (row as Record<string, unknown>)[`c${i}`] as string) }) : null;
  const hasPrevious = cursor ? (cursor.backward ? more : true) : false;
  const hasNext = cursor?.backward ? cursor.values.length > 0 : more;
  return {
    rows: page.map((row) => toCreditRow(row, today)),
    next: hasNext ? cursorFor(page[page.length - 1]) : null,
    previous: hasPrevious ? cursorFor(page[0]) : null,
    cursorRejected: false,
  };
}

/**
 * The exact number of live records in scope that match (on `boards`, the boards that can match;
 * all of the scope's when not given), or null when it could not be had within the hard limit.
 */
export async function countCreditReports(
  db: Kysely<Database>,
  scope: Scope,
  filters: CreditFilters,
  boards?: readonly string[],
  snapshot?: AnalyticsReader | null,
): Promise<CreditCount> {
  const readable = boards ?? boardsToRead(filters, await boardCodesInScope(db, scope));
  return (await countCreditReportsExactly(db, scope, filters, { boards: readable, snapshot })).count;
}

/**
 * Every record the filters match, in the grid's order, for exports: one query read through a
 * server-side cursor in chunks, so memory stays flat whatever the size.
 */
export async function* streamCreditReports(
  db: Kysely<Database>,
  scope: Scope,
  request: { filters: CreditFilters; sort: CreditSort },
  chunkSize = 5_000,
): AsyncGenerator<CreditRow> {
  const today = organisationToday(scope.orgCode);
  const boards = boardsToRead(request.filters, await boardCodesInScope(db, scope));
  if (boards.length === 0) return;
  for await (const row of streamInSnapshot(db, (trx) => creditExportQuery(trx, scope, { ...request, boards }).stream(chunkSize))) {
    yield toCreditRow(row, today);
  }
}

/** The query behind an export (exported for the benchmark, which runs it through COPY too). */
export function creditExportQuery(db: Kysely<Database>, scope: Scope, request: { filters: CreditFilters; sort: CreditSort; boards?: readonly string[] }) {
  const { exprs } = keysOf(request.sort);
  const records = sql`(${recordsQuery(db, scope, { filters: request.filters, sort: request.sort, limit: null, cursor: null, boards: request.boards })})`;
  return withDisplayColumns(db, records, exprs.length, request.sort.desc);
}
