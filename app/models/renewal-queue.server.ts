// The renewal queue: the organisation's roster entries whose cycle ends in a window, with their stored
// status, filtered, sorted and keyset-paged in PostgreSQL (indexes of migration 0006), and exported.
import { sql, type Kysely, type RawBuilder, type SqlBool } from "kysely";
import type { Database } from "../../db/schema";
import type { FilterValues } from "../lib/grid";
import type { DecisionOutcomeId, QueueStatus, RENEWAL_FILTERS, RenewalRow } from "../lib/renewal-search";
import { decodeCursor, encodeCursor, foldC, key, keysetCondition, startsWithFolded, type KeyType, type SortKey } from "./keyset.server";
import { requirementLabel } from "../../domain/requirement-rules";
import { getRuleSet } from "./rules.server";

export type RenewalFilters = FilterValues<typeof RENEWAL_FILTERS>;

/** Sort id → keys before the final tie-break on the entry id. */
const SORTS: Record<string, SortKey[]> = {
  cycleEnd: [key(sql`e.cycle_end`, "date")],
  name: [key(foldC("e.last_name"), "text"), key(foldC("e.first_name"), "text")],
  key: [key(sql`e.roster_key`, "text")],
  status: [key(sql`e.status`, "text")],
  // Whole percent of the required total; entries with nothing to count first.
  progress: [key(sql`coalesce(floor(100 * e.credits_counted / nullif(e.credits_required, 0))::int, -1)`, "int")],
  shortBy: [key(sql`coalesce(e.short_by, -1)`, "numeric")],
};

/** How short in one measure (entries not short in it last when most short come first). */
const shortInKey = (measure: string): SortKey => key(sql`coalesce((e.shortfalls ->> ${measure})::numeric, -1)`, "numeric");

function keysOf(sortId: string, shortIn?: string): { exprs: RawBuilder<unknown>[]; types: KeyType[] } {
  const keys = sortId === "shortBy" && shortIn ? [shortInKey(shortIn)] : (SORTS[sortId] ?? (SORTS.cycleEnd as SortKey[]));
  return { exprs: [...keys.map((k) => k.expr), sql`e.id`], types: [...keys.map((k) => k.type), "bigint"] };
}

/** The entry's decision in force: the end of its chain (the one no other decision supersedes). */
const currentDecision = sql`(select d.outcome from board.decision d
   where d.entry_id = e.id and not exists (select 1 from board.decision s where s.supersedes = d.id))`;

export function renewalConditions(orgCode: string, window: { from: string; to: string }, filters: RenewalFilters): RawBuilder<SqlBool>[] {
  const conditions: RawBuilder<SqlBool>[] = [
    sql`e.org_code = ${orgCode}`,
    sql`e.cycle_end between ${window.from}::date and ${window.to}::date`,
  ];
  // Retired entries (no longer on the board's roster) are kept, and shown only when asked for.
  if (filters.roster === "retired") conditions.push(sql<SqlBool>`e.retired_at is not null`);
  else if (filters.roster !== "all") conditions.push(sql<SqlBool>`e.retired_at is null`);
  if (filters.status?.length) conditions.push(sql`e.status in (${sql.join(filters.status)})`);
  if (filters.match?.length) conditions.push(sql`e.match_quality in (${sql.join(filters.match)})`);
  // A byte range on the folded name (roster_entry_org_name_idx), as the credit search does: LIKE
  // folded the name of every entry in the window (260 ms for CA-M's 20,000 on the bench store).
  if (filters.lastName) conditions.push(startsWithFolded(foldC("e.last_name"), filters.lastName));
  if (filters.key) conditions.push(sql`upper(e.roster_key) = ${filters.key}`);
  const decided = sql<SqlBool>`exists (select 1 from board.decision d where d.entry_id = e.id)`;
  if (filters.decision === "undecided") conditions.push(sql<SqlBool>`not ${decided}`);
  else if (filters.decision === "decided") conditions.push(decided);
  else if (filters.decision) conditions.push(sql<SqlBool>`${currentDecision} = ${filters.decision}`);
  // Applicability not known: any requirement, or the one named.
  if (filters.unknown === "any") conditions.push(sql<SqlBool>`cardinality(e.requirements_unknown) > 0`);
  else if (filters.unknown) conditions.push(sql<SqlBool>`${filters.unknown}::text = any(e.requirements_unknown)`);
  // Short in one measure of the rule set: the refresh stores each unmet one's amount by its id.
  if (filters.short) conditions.push(sql<SqlBool>`e.shortfalls ? ${filters.short}`);
  return conditions;
}

interface QueueRow {
  id: string;
  roster_key: string;
  first_name: string;
  last_name: string;
  birth_month: number;
  birth_day: number;
  cycle_start: string | null;
  cycle_end: string;
  learner_id: string | null;
  match_quality: RenewalRow["matchQuality"];
  status: QueueStatus;
  credits_counted: string | null;
  credits_required: string | null;
  short_by: string | null;
  shortfall: string | null;
  problem: string | null;
  decision: DecisionOutcomeId | null;
  decided_at: Date | null;
  override_reason: string | null;
  extended_to: string | null;
  requirements_unknown: string[];
  cycle_open: boolean;
  shortfalls: Record<string, number>;
}

function toRow(r: QueueRow, names: ReadonlyMap<string, string>): RenewalRow {
  const num = (v: string | null) => (v === null ? null : Number(v));
  return {
    id: r.id,
    rosterKey: r.roster_key,
    firstName: r.first_name,
    lastName: r.last_name,
    birthMonth: r.birth_month,
    birthDay: r.birth_day,
    cycleStart: r.cycle_start,
    cycleEnd: r.cycle_end,
    learnerId: r.learner_id,
    matchQuality: r.match_quality,
    status: r.status,
    creditsCounted: num(r.credits_counted),
    creditsRequired: num(r.credits_required),
    shortBy: num(r.short_by),
    shortfall: r.shortfall,
    problem: r.problem,
    decision: r.decision,
    decidedAt: r.decided_at ? r.decided_at.toISOString() : null,
    overrideReason: r.override_reason,
    extendedTo: r.extended_to,
    notKnown: r.requirements_unknown.map((id) => names.get(id) ?? "a requirement no longer in the rules"),
    cycleOpen: r.cycle_open,
    shortfalls: r.shortfalls ?? {},
  };
}

/** The organisation's requirement names by id (read only when a row has an applicability not known). */
async function requirementNames(db: Kysely<Database>, orgCode: string, rows: readonly QueueRow[]): Promise<Map<string, string>> {
  if (!rows.some((r) => r.requirements_unknown.length > 0)) return new Map();
  const stored = await getRuleSet(db, orgCode);
  return new Map((stored?.rule.requirements ?? []).map((r) => [r.id, requirementLabel(r)]));
}

export interface RenewalPage {
  rows: RenewalRow[];
  next: string | null;
  previous: string | null;
  cursorRejected: boolean;
  count: number;
}

export interface RenewalRequest {
  filters: RenewalFilters;
  window: { from: string; to: string };
  sort: { id: string; desc: boolean };
  size: number;
  after: string | null;
  before: string | null;
  /** Read the final page backwards from the end, `size` being the rows it holds. */
  fromEnd?: boolean;
  /** The evaluation's today: a cycle ending on it or later is still open. */
  today: string;
}

export async function listRenewals(db: Kysely<Database>, orgCode: string, request: RenewalRequest, options: { count?: boolean } = {}): Promise<RenewalPage> {
  const { sort, size } = request;
  const { exprs, types } = keysOf(sort.id, request.filters.short);
  const cursorText = request.fromEnd ? null : (request.after ?? request.before);
  const values = cursorText ? decodeCursor(cursorText, sort, types) : null;
  const fromEnd = request.fromEnd === true;
  const backward = fromEnd || (values !== null && request.before !== null);
  const descending = sort.desc !== backward;
  const direction = descending ? sql`desc` : sql`asc`;
  const conditions = renewalConditions(orgCode, request.window, request.filters);
  if (values) conditions.push(keysetCondition(exprs, types, values, descending));

  const rows = await sql<QueueRow & Record<string, string>>`
    select e.id::text, e.roster_key, e.first_name, e.last_name, e.birth_month, e.birth_day, e.cycle_start, e.cycle_end,
           e.learner_id::text, e.match_quality, e.status, e.credits_counted, e.credits_required, e.short_by, e.shortfall, e.problem,
           cd.outcome as decision, cd.decided_at, cd.override_reason, cd.extended_to::text, e.requirements_unknown,
           e.cycle_end >= ${request.today}::date as cycle_open, e.shortfalls,
           ${sql.join(exprs.map((expr, i) => sql`(${expr})::text as ${sql.ref(`c${i}`)}`))}
      from board.roster_entry e
      left join lateral (
        select d.outcome, d.decided_at, d.override_reason, d.extended_to from board.decision d
         where d.entry_id = e.id and not exists (select 1 from board.decision s where s.supersedes = d.id)
      ) cd on true
     where ${sql.join(conditions, sql` and `)}
     order by ${sql.join(exprs.map((expr) => sql`${expr} ${direction}`))}
     limit ${size + 1}`.execute(db);

  const more = rows.rows.length > size;
  const shown = rows.rows.slice(0, size);
  if (backward) shown.reverse();
  const cursorFor = (row: (typeof shown)[number] | undefined) =>
    row ? encodeCursor({ sort: sort.id, desc: sort.desc, values: exprs.map((_, i) => row[`c${i}`] as string) }) : null;
  const count = options.count === false ? 0 : await countRenewals(db, orgCode, request.window, request.filters);
  const names = await requirementNames(db, orgCode, shown);
  return {
    rows: shown.map((r) => toRow(r, names)),
    next: (backward ? !fromEnd : more) ? cursorFor(shown[shown.length - 1]) : null,
    previous: values || fromEnd ? (backward ? (more ? cursorFor(shown[0]) : null) : cursorFor(shown[0])) : null,
    cursorRejected: cursorText !== null && values === null,
    count,
  };
}

export async function countRenewals(db: Kysely<Database>, orgCode: string, window: { from: string; to: string }, filters: RenewalFilters): Promise<number> {
  const result = await sql<{ n: string }>`select count(*)::text as n from board.roster_entry e
    where ${sql.join(renewalConditions(orgCode, window, filters), sql` and `)}`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

/** How many entries in the window have each status (the queue's summary, before other filters). */
export async function statusSummary(db: Kysely<Database>, orgCode: string, window: { from: string; to: string }): Promise<Record<QueueStatus, number>> {
  const result = await sql<{ status: QueueStatus; n: string }>`select e.status, count(*)::text as n from board.roster_entry e
    where e.org_code = ${orgCode} and e.cycle_end between ${window.from}::date and ${window.to}::date and e.retired_at is null group by e.status`.execute(db);
  const summary = { meets: 0, short: 0, nothing: 0, needs_review: 0, unmatched: 0, no_cycle: 0, pending: 0 } as Record<QueueStatus, number>;
  for (const row of result.rows) summary[row.status] = Number(row.n);
  return summary;
}

/** Every entry the filters match, in the queue's order (keyset pages of 1,000: bounded memory). */
export async function* streamRenewals(db: Kysely<Database>, orgCode: string, request: Omit<RenewalRequest, "size" | "after" | "before">): AsyncGenerator<RenewalRow> {
  let after: string | null = null;
  for (;;) {
    const page = await listRenewals(db, orgCode, { ...request, size: 1_000, after, before: null }, { count: false });
    yield* page.rows;
    if (!page.next) return;
    after = page.next;
  }
}
