// Simulates providers writing to the store over time: new accepted records, rejected records,
// soft deletes, and delete-and-resubmit corrections (PARS records are never edited in place).
// Every write bumps change_seq (inserts by column default, updates by trigger).
import { CompiledQuery, type Kysely } from "kysely";
import pg from "pg";
import { dayNumberToIso, fromDayNumber, toDayNumber } from "../../domain/calendar";
import type { ActivityFormat, EntryMethod } from "../../domain/reference";
import type { Database } from "../schema";
import {
  CERTIFYING_BOARD_CODES,
  correctedResubmission,
  DAY_MS,
  earnedCredits,
  isoToDay,
  rejectRecord,
  reportForBoard,
  submissionLagDays,
  type ActivityRow,
  type Completion,
  type CreditReportRow,
  type LearnerRow,
  type ReportTarget,
} from "./factories";
import { TITLE_SUBJECTS } from "./names";
import { Rng, WeightedPicker } from "./random";

export interface ProviderWriteOptions {
  /** New accepted records (completions of the last weeks, submitted now). */
  inserts: number;
  /** New records the programme rejects, each with the reason that is true of it. */
  rejections: number;
  /** Accepted records soft-deleted (deleted_at set). */
  deletes: number;
  /** Accepted records deleted and resubmitted corrected (a soft delete plus a new record). */
  updates: number;
  seed: number;
  /** The moment of the writes; default now. Completions fall before its UTC day. */
  now?: Date;
}

export interface ProviderWriteCounts {
  inserted: number;
  rejected: number;
  deleted: number;
  /** Records deleted and resubmitted (each also adds one new accepted record). */
  updated: number;
}

/** What the simulator needs of a database: parameterised queries inside one transaction. */
interface Tx {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number }>;
}

async function inTransaction<T>(target: string | Kysely<Database>, work: (tx: Tx) => Promise<T>): Promise<T> {
  if (typeof target !== "string") {
    return target.transaction().execute((trx) =>
      work({
        async query<R>(text: string, params: unknown[] = []) {
          const result = await trx.executeQuery<R>(CompiledQuery.raw(text, params));
          return { rows: result.rows, rowCount: Number(result.numAffectedRows ?? result.rows.length) };
        },
      }),
    );
  }
  const client = new pg.Client({ connectionString: target, application_name: "cme-provider-writes" });
  await client.connect();
  try {
    await client.query("begin");
    const result = await work({
      async query<R>(text: string, params: unknown[] = []) {
        const r = await client.query(text, params);
        return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
      },
    });
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

interface ActivityDbRow {
  id: string;
  provider_id: string;
  title: string;
  format: string;
  start_date: string;
  end_date: string;
  credit_claim_date: string | null;
  max_cme: string;
  max_moc: string | null;
}

interface SampledDbRow {
  id: string;
  activity_id: string;
  learner_id: string;
  board_code: string;
  board_learner_id: string | null;
  completion_date: string;
  submitted_at: string;
  entry_method: EntryMethod;
  credits: string;
  credit_types: Record<string, number>;
}

const ACTIVITY_COLUMNS = `a.id, a.provider_id, a.title, a.format, a.start_date::text, a.end_date::text, a.credit_claim_date::text,
  a.max_cme_credits::text as max_cme, a.max_moc_credits::text as max_moc`;
const SAMPLE_COLUMNS = `id::text, activity_id, learner_id::text, board_code, board_learner_id, completion_date::text,
  to_char(submitted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as submitted_at, entry_method, credits::text, credit_types`;
const INSERT_COLUMNS = ["activity_id", "learner_id", "board_code", "board_learner_id", "completion_date", "submitted_at", "entry_method", "status", "rejection_reason", "credits", "credit_types"];

const entryMethods = WeightedPicker.of<EntryMethod>([["web_service", 40], ["excel_batch", 30], ["manual", 15], ["xml_batch", 12], ["tab_delimited", 3]]);

function toActivity(row: ActivityDbRow, registrations: ReadonlyMap<string, Array<{ boardCode: string; creditTypes: string[] }>>): ActivityRow {
  const mocBoards = registrations.get(row.id) ?? [];
  return {
    id: row.id,
    provider_id: row.provider_id,
    internal_id: "",
    title: row.title,
    format: row.format as ActivityFormat,
    startDay: isoToDay(row.start_date),
    endDay: isoToDay(row.end_date),
    creditClaimDay: row.credit_claim_date === null ? null : isoToDay(row.credit_claim_date),
    max_cme_credits: Number(row.max_cme),
    max_moc_credits: row.max_moc === null ? null : Number(row.max_moc),
    moc: mocBoards.length > 0,
    mips: false,
    rems: false,
    status: "active",
    // The store keeps no topics: an activity on a mandated subject awards that topic's credit.
    topics: TITLE_SUBJECTS.find((s) => row.title.includes(s.subject))?.topics ?? [],
    mocBoards,
  };
}

function toRecord(row: SampledDbRow): CreditReportRow {
  return {
    activity_id: row.activity_id,
    learner_id: Number(row.learner_id),
    board_code: row.board_code,
    board_learner_id: row.board_learner_id,
    completionDay: isoToDay(row.completion_date),
    submittedAt: Date.parse(row.submitted_at),
    entry_method: row.entry_method,
    status: "accepted",
    rejection_reason: null,
    credits: Number(row.credits),
    credit_types: row.credit_types,
    deletedAt: null,
  };
}

/** A learner known only by id: what reportForBoard needs of them. */
function learnerStub(id: number): LearnerRow {
  return { id, first_name: "", last_name: "", birth_month: 1, birth_day: 1, npi: null, createdAt: 0, licences: [], certifications: [] };
}

/**
 * One batch of provider writes in one transaction. New records go to learner-board pairs that
 * already have accepted records (learners providers know), for activities running in the last few
 * months; accepted ones obey every data rule and never repeat an accepted (activity, learner, board).
 */
export async function applyProviderWrites(target: string | Kysely<Database>, options: ProviderWriteOptions): Promise<ProviderWriteCounts> {
  for (const key of ["inserts", "rejections", "deletes", "updates"] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 0) throw new Error(`${key} must be a whole number, got ${options[key]}`);
  }
  const rng = new Rng(options.seed);
  const nowMs = (options.now ?? new Date()).getTime();
  const today = Math.floor(nowMs / DAY_MS);
  const submittedNow = () => new Date(nowMs - rng.int(0, 60_000)).toISOString();

  return inTransaction(target, async (tx) => {
    // Activities learners are completing now: running at some point in the last 120 days.
    const activityRows = await tx.query<ActivityDbRow>(
      `select ${ACTIVITY_COLUMNS} from learner.activity a
       where a.start_date <= $1::date and a.end_date >= $2::date and a.status = 'active' order by a.id`,
      [dayNumberToIso(today - 1), dayNumberToIso(today - 120)],
    );
    const registrationRows = await tx.query<{ activity_id: string; board_code: string; credit_types: string[] }>(
      `select m.activity_id, m.board_code, m.credit_types from learner.activity_moc m where m.activity_id = any($1::text[]) order by 1, 2`,
      [activityRows.rows.map((a) => a.id)],
    );
    const registrations = new Map<string, Array<{ boardCode: string; creditTypes: string[] }>>();
    for (const r of registrationRows.rows) {
      const list = registrations.get(r.activity_id) ?? [];
      list.push({ boardCode: r.board_code, creditTypes: r.credit_types });
      registrations.set(r.activity_id, list);
    }
    const recent = activityRows.rows.map((row) => toActivity(row, registrations));
    const registeredFor = new Map<string, ActivityRow[]>();
    for (const a of recent) for (const m of a.mocBoards) registeredFor.set(m.boardCode, [...(registeredFor.get(m.boardCode) ?? []), a]);

    // Sample accepted, live records at random ids: their learners and boards are who credit goes to.
    const bounds = await tx.query<{ lo: string | null; hi: string | null }>(`select min(id)::text as lo, max(id)::text as hi from learner.credit_report`);
    const lo = Number(bounds.rows[0]?.lo ?? 0);
    const hi = Number(bounds.rows[0]?.hi ?? 0);
    if (hi === 0) throw new Error("the learner store is empty: seed it first (npm run seed)");
    const sample = async (n: number, where: string, params: unknown[] = []): Promise<SampledDbRow[]> => {
      if (n === 0) return [];
      // Random ids until enough records qualify (a narrow `where` may need several rounds).
      const found = new Map<string, SampledDbRow>();
      for (let round = 0; round < 20 && found.size < n; round++) {
        const ids = Array.from({ length: Math.ceil(n * 2) + 20 }, () => rng.int(lo, hi));
        const rows = await tx.query<SampledDbRow>(
          `select ${SAMPLE_COLUMNS} from learner.credit_report
           where id = any($1::bigint[]) and deleted_at is null and status = 'accepted' ${where} order by id`,
          [ids, ...params],
        );
        for (const row of rows.rows) found.set(row.id, row);
      }
      return rng.shuffle([...found.values()]);
    };
    const wantedCandidates = options.inserts === 0 ? 0 : Math.ceil(options.inserts * 1.5) + 5;
    const bases = await sample(wantedCandidates + 2 * options.rejections + options.deletes, "");
    // A correction is resubmitted now, so only completions still within their reporting deadline:
    // those of last year, and of the year before until March 31.
    const year = fromDayNumber(today).year;
    const firstYear = toDayNumber({ year, month: 3, day: 31 }) >= today ? year - 2 : year - 1;
    const correctable = await sample(options.updates, "and completion_date >= $2::date", [`${firstYear}-01-01`]);
    let cursor = 0;
    const nextBase = () => bases[cursor++];

    const rows: unknown[][] = [];
    const rowOf = (r: CreditReportRow, submittedAt: string) => [
      r.activity_id, r.learner_id, r.board_code, r.board_learner_id, dayNumberToIso(r.completionDay),
      submittedAt, r.entry_method, r.status, r.rejection_reason, r.credits, JSON.stringify(r.credit_types),
    ];

    /** A new completion of a recent activity by the sampled record's learner, for its board. */
    const newCompletion = (base: SampledDbRow): { record: CreditReportRow; activity: ActivityRow; board: ReportTarget } | null => {
      const board: ReportTarget = { boardCode: base.board_code, boardLearnerId: base.board_learner_id };
      const pool = CERTIFYING_BOARD_CODES.has(base.board_code) ? registeredFor.get(base.board_code) ?? [] : recent;
      if (pool.length === 0) return null;
      const activity = rng.pick(pool);
      const last = Math.min(activity.endDay, today - 1);
      // Completed recently (a few chronically late providers report months-old completions).
      const wanted = today - Math.min(90, Math.max(1, submissionLagDays(rng, rng.chance(0.05))));
      const completionDay = Math.min(last, Math.max(activity.startDay, wanted));
      const completion: Completion = { activity, completionDay, submittedAt: nowMs, entryMethod: entryMethods.pick(rng), credits: earnedCredits(rng, activity) };
      return { record: reportForBoard(rng, completion, learnerStub(Number(base.learner_id)), board), activity, board };
    };

    const counts: ProviderWriteCounts = { inserted: 0, rejected: 0, deleted: 0, updated: 0 };
    // Candidates for new accepted records: a few more than asked, as some repeat an existing record.
    const candidates: CreditReportRow[] = [];
    while (candidates.length < wantedCandidates) {
      const base = nextBase();
      if (!base) break;
      const made = newCompletion(base);
      if (made) candidates.push(made.record);
    }
    // New accepted records must not repeat an accepted (activity, learner, board): drop any that would.
    const clashes = new Set<string>();
    if (candidates.length) {
      const clash = await tx.query<{ key: string }>(
        `select cr.activity_id || '|' || cr.learner_id || '|' || cr.board_code as key from learner.credit_report cr
         join unnest($1::text[], $2::bigint[], $3::text[]) as n(activity_id, learner_id, board_code)
           on n.activity_id = cr.activity_id and n.learner_id = cr.learner_id and n.board_code = cr.board_code
         where cr.deleted_at is null and cr.status = 'accepted'`,
        [candidates.map((r) => r.activity_id), candidates.map((r) => r.learner_id), candidates.map((r) => r.board_code)],
      );
      for (const r of clash.rows) clashes.add(r.key);
    }
    for (const record of candidates) {
      if (counts.inserted === options.inserts) break;
      const key = `${record.activity_id}|${record.learner_id}|${record.board_code}`;
      if (clashes.has(key)) continue;
      clashes.add(key);
      rows.push(rowOf(record, submittedNow()));
      counts.inserted++;
    }

    while (counts.rejected < options.rejections) {
      const base = nextBase();
      if (!base) break;
      const made = newCompletion(base);
      if (!made) continue;
      const other = CERTIFYING_BOARD_CODES.has(base.board_code) && recent.length ? rng.pick(recent) : undefined;
      const rejected = rejectRecord(rng, made.record, { activity: made.activity, board: made.board, today }, {
        previous: toRecord(base),
        unregistered: other && !other.mocBoards.some((m) => m.boardCode === base.board_code) ? other : undefined,
      });
      rows.push(rowOf(rejected, submittedNow()));
      counts.rejected++;
    }

    const toDelete: string[] = [];
    while (toDelete.length < options.deletes) {
      const base = nextBase();
      if (!base) break;
      toDelete.push(base.id);
    }
    const toUpdate: string[] = [];
    const updating = correctable.filter((b) => !toDelete.includes(b.id)).slice(0, options.updates);
    const theirActivities = new Map<string, ActivityRow>();
    if (updating.length) {
      const found = await tx.query<ActivityDbRow>(`select ${ACTIVITY_COLUMNS} from learner.activity a where a.id = any($1::text[])`, [updating.map((b) => b.activity_id)]);
      for (const row of found.rows) theirActivities.set(row.id, toActivity(row, registrations));
    }
    for (const base of updating) {
      const activity = theirActivities.get(base.activity_id);
      if (!activity) continue;
      const corrected = correctedResubmission(rng, toRecord(base), activity, today, today);
      rows.push(rowOf({ ...corrected, entry_method: base.entry_method }, submittedNow()));
      toUpdate.push(base.id);
    }
    const deleted = await tx.query(`update learner.credit_report set deleted_at = $2 where id = any($1::bigint[]) and deleted_at is null`,
      [[...toDelete, ...toUpdate], new Date(nowMs).toISOString()]);
    if (deleted.rowCount !== toDelete.length + toUpdate.length) throw new Error("a sampled record changed under the simulator");
    counts.deleted = toDelete.length;
    counts.updated = toUpdate.length;

    for (let start = 0; start < rows.length; start += 1000) {
      const batch = rows.slice(start, start + 1000);
      const params: unknown[] = [];
      const tuples = batch.map((row) => `(${row.map((value) => `$${params.push(value)}`).join(", ")})`);
      await tx.query(`insert into learner.credit_report (${INSERT_COLUMNS.join(", ")}) values ${tuples.join(", ")}`, params);
    }
    return counts;
  });
}

