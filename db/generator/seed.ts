// Seeds an empty learner store with a deterministic, realistic dataset, generated and streamed
// through COPY. The store's secondary indexes and foreign keys are dropped for the load and rebuilt
// after, all in one transaction, so a failure leaves the store exactly as it was.
import { once } from "node:events";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { parseDate, toDayNumber, todayIn } from "../../domain/calendar";
import { CERTIFYING_BOARDS, MOC_CREDIT_TYPES, STATE_BOARDS } from "../../domain/reference";
import {
  CERTIFYING_BOARD_CODES,
  correctedResubmission,
  DAY_MS,
  dayToIso,
  IdIssuer,
  makeActivity,
  makeLearner,
  makeProvider,
  PARTICIPATING_STATE_BOARDS,
  rejectRecord,
  reportableBoards,
  reportForBoard,
  reportingDeadlineDay,
  REJECTION,
  completionOn,
  type ActivityRow,
  type ReportOptions,
  type CreditReportRow,
  type LearnerRow,
  type ProviderRow,
  type ReportTarget,
} from "./factories";
import { buildBehaviourPools, physicianProfile, planCompletions, type BehaviourPools, type PhysicianProfile, type PlannedCompletion } from "./behaviour";
import { FORMULA_LIKE_JOINT_PROVIDER, JOINT_PROVIDER_NAMES } from "./names";
import { hash32, Rng } from "./random";

export interface SeedOptions {
  /** How many physicians (learners) the store holds; their records follow from their behaviour. */
  physicians?: number;
  /** Instead of `physicians`: about how many credit reports (the number of physicians is chosen to reach it). */
  reports?: number;
  seed: number;
  /**
   * Reference day (YYYY-MM-DD, UTC): completions fall before it and submissions before its midnight.
   * Default: the current UTC date. Pass a fixed day for byte-identical stores across days.
   */
  today?: string;
  onProgress?: (done: number, total: number) => void;
  /** Called when a new phase starts (e.g. "building indexes"), for progress displays. */
  onPhase?: (phase: string) => void;
}

export interface SeedCounts {
  providers: number;
  activities: number;
  learners: number;
  reports: number;
}

/**
 * Sizes for a number of physicians, in the programme's proportions: about 40 records per activity
 * (a physician's ~55 records over six years, averaged over all learners, some of whom no
 * participating board receives credit for), one provider per 20 physicians up to the 1,620
 * accredited providers of 2022.
 */
export function seedSizes(physicians: number): { providers: number; activities: number; learners: number } {
  return {
    providers: Math.min(1620, Math.max(20, Math.round(physicians / 20))),
    activities: Math.max(60, Math.round(physicians * 1.4)),
    learners: Math.max(20, physicians),
  };
}

/** Shares of credit-report rows: rejected (with a reason), and soft-deleted accepted ones. */
export const REJECTED_SHARE = 0.04;
export const DELETED_SHARE = 0.01;
/** Of deleted records, the share resubmitted corrected right after (records are never edited). */
const RESUBMITTED_SHARE = 0.6;
/** Of rejected records, the share the provider fixes and sends again (accepted then). */
const CORRECTED_SHARE = 0.5;

/** Independent random streams of a run (Rng.derive keys). */
const STREAM = { providers: 1, activities: 2, learner: 3, reports: 4, weights: 5, npi: 6, plan: 8, jointProviders: 9 } as const;

const LEARNER_TABLES = ["provider", "activity", "activity_moc", "learner", "licence", "certification", "credit_report"] as const;

// ---------------------------------------------------------------- COPY text format

function copyText(value: string | number | boolean | null): string {
  if (value === null) return "\\N";
  if (typeof value !== "string") return String(value);
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ({ "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" })[c] ?? c) : value;
}

function line(values: Array<string | number | boolean | null>): string {
  return values.map(copyText).join("\t") + "\n";
}

/** Streams rows into `COPY table (columns) FROM STDIN`, honouring back-pressure. */
async function copyRows(client: pg.Client, table: string, columns: readonly string[], rows: Iterable<string>, freeze: boolean): Promise<number> {
  const stream: Writable = client.query(copyFrom(`copy ${table} (${columns.join(", ")}) from stdin${freeze ? " with (freeze)" : ""}`));
  const failed = new Promise<never>((_, reject) => stream.once("error", reject));
  failed.catch(() => {});
  let buffer = "";
  let n = 0;
  try {
    for (const row of rows) {
      buffer += row;
      if (++n % 2000 === 0) {
        if (!stream.write(buffer)) await Promise.race([once(stream, "drain"), failed]);
        buffer = "";
        // "drain" can come on the next tick (the socket took it all): let timers and signals run.
        await yieldToEventLoop();
      }
    }
  } catch (error) {
    // Abort the COPY (CopyFail) and wait for the server, so the connection can roll back.
    stream.destroy(error instanceof Error ? error : new Error(String(error)));
    await finished(stream).catch(() => {});
    throw error;
  }
  if (buffer) stream.write(buffer);
  stream.end();
  await Promise.race([finished(stream), failed]);
  return n;
}

/** Dates and timestamps as COPY text, cached per day (the same few thousand days recur millions of times). */
class DateText {
  private readonly cache = new Map<number, string>();
  day(day: number): string {
    let text = this.cache.get(day);
    if (text === undefined) {
      text = dayToIso(day);
      this.cache.set(day, text);
    }
    return text;
  }
  timestamp(ms: number): string {
    const day = Math.floor(ms / DAY_MS);
    let rest = ms - day * DAY_MS;
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = Math.floor(rest / 1000);
    const milli = rest - s * 1000;
    return `${this.day(day)} ${h < 10 ? "0" : ""}${h}:${m < 10 ? "0" : ""}${m}:${s < 10 ? "0" : ""}${s}.${String(milli).padStart(3, "0")}+00`;
  }
}

function creditTypesJson(types: Record<string, number>): string {
  let out = "{";
  let first = true;
  for (const key in types) {
    out += `${first ? "" : ", "}${JSON.stringify(key)}: ${types[key]}`;
    first = false;
  }
  return out + "}";
}

// ---------------------------------------------------------------- catalogue

/**
 * The secondary indexes (those not backing a primary key or unique constraint) and foreign keys of
 * the seeded tables, as the catalogue has them now: whatever later migrations add is handled too.
 */
async function secondaryDefinitions(client: pg.Client) {
  const tables = LEARNER_TABLES.map((t) => `'learner.${t}'::regclass`).join(", ");
  const indexes = await client.query<{ name: string; def: string }>(`
    select format('%I.%I', n.nspname, c.relname) as name, pg_get_indexdef(i.indexrelid) as def
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
    where i.indrelid in (${tables}) and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
    order by 1`);
  const foreignKeys = await client.query<{ table: string; name: string; def: string }>(`
    select conrelid::regclass::text as table, quote_ident(conname) as name, pg_get_constraintdef(oid) as def from pg_constraint
    where conrelid in (${tables}) and contype = 'f' order by 1, 2`);
  return { indexes: indexes.rows, foreignKeys: foreignKeys.rows };
}

/** The store's tables that have rows (looks at one row per table at most). */
async function nonEmptyTables(client: pg.Client): Promise<string[]> {
  const result = await client.query<{ t: string }>(
    LEARNER_TABLES.map((t) => `select '${t}' as t where exists (select 1 from learner.${t})`).join(" union all "),
  );
  return result.rows.map((r) => r.t);
}

/**
 * TRUNCATE (of the empty tables) lets COPY write frozen, all-visible rows: no hint-bit rewrite or
 * anti-wraparound vacuum of millions of rows later, and index-only scans at once. Only possible when
 * no table outside the seven references them.
 */
async function canTruncate(client: pg.Client): Promise<boolean> {
  const tables = LEARNER_TABLES.map((t) => `'learner.${t}'::regclass`).join(", ");
  const result = await client.query<{ n: string }>(
    `select count(*)::text as n from pg_constraint where contype = 'f' and confrelid in (${tables}) and conrelid not in (${tables})`,
  );
  return result.rows[0]?.n === "0";
}

// ---------------------------------------------------------------- seed

/** The store's fixed parts for a number of physicians: providers, activities and the pools drawn from. */
interface World {
  sizes: ReturnType<typeof seedSizes>;
  providers: ProviderRow[];
  activities: ActivityRow[];
  pools: ReportPools;
  learnersInOrder(): Generator<LearnerRow>;
  targetsOf(learner: LearnerRow): ReportTarget[];
  planOf(learner: LearnerRow): { plan: PlannedCompletion[]; profile: PhysicianProfile };
}

function buildWorld(seed: number, physicians: number, today: number): World {
  const sizes = seedSizes(physicians);
  const providerRng = Rng.derive(seed, STREAM.providers);
  const providers: ProviderRow[] = Array.from({ length: sizes.providers }, (_, i) => makeProvider(providerRng, i));
  const activityRng = Rng.derive(seed, STREAM.activities);
  // Providers differ in size: a few large ones register most activities.
  const activities: ActivityRow[] = Array.from({ length: sizes.activities }, (_, i) =>
    makeActivity(activityRng, i, providers[activityRng.skewedIndex(providers.length, 1.8)] as ProviderRow, today));
  ensureEveryBoardRegistered(activityRng, activities);
  // From a stream of its own, so every other draw (and the store it makes) stays what it was.
  assignJointProviders(Rng.derive(seed, STREAM.jointProviders), activities);
  const behaviour = buildBehaviourPools(activities, today);
  const pools: ReportPools = { activities, providerOf: new Map(providers.map((p) => [p.id, p])), behaviour, today };
  // The first learners are guaranteed a board each, in turn, so every board has data and even the
  // smallest has a cohort to look at (up to 30 each; a demo of 5,000 physicians would otherwise give
  // Maine's osteopathic board 6 licensees and the Virgin Islands 2).
  const boardCodes = [...STATE_BOARDS, ...CERTIFYING_BOARDS].map((b) => b.code);
  const perBoard = Math.max(1, Math.min(30, Math.floor(physicians / 150)));
  const forcedBoards = Array.from({ length: boardCodes.length * perBoard }, (_, i) => boardCodes[i % boardCodes.length] as string);
  const npiSalt = hash32(seed, STREAM.npi);
  return {
    sizes,
    providers,
    activities,
    pools,
    // Learners are never all in memory: each is re-created from its own stream in every pass, with
    // a fresh id issuer replaying the same order.
    *learnersInOrder() {
      const issuer = new IdIssuer();
      for (let id = 1; id <= sizes.learners; id++) {
        yield makeLearner(Rng.derive(seed, STREAM.learner, id), { id, issuer, today, forceBoard: forcedBoards[id - 1], npiSalt });
      }
    },
    targetsOf: (learner) => reportableBoards(learner).filter((t) => PARTICIPATING_STATE_BOARDS.has(t.boardCode) || behaviour.registered.has(t.boardCode)),
    planOf(learner) {
      const profile = physicianProfile(Rng.derive(seed, STREAM.weights, learner.id));
      const plan = planCompletions(Rng.derive(seed, STREAM.plan, learner.id), learner, this.targetsOf(learner), behaviour, profile);
      return { plan, profile };
    },
  };
}

/**
 * The records a store will hold, from those of `sample` physicians spread evenly over it (the first
 * learners are each guaranteed a board, so they are not typical).
 */
function estimateReports(world: World, seed: number, sample: number): number {
  const every = Math.max(1, Math.floor(world.sizes.learners / sample));
  let rows = 0;
  let planned = 0;
  let n = 0;
  for (const learner of world.learnersInOrder()) {
    if (n++ % every !== 0) continue;
    planned++;
    const { plan, profile } = world.planOf(learner);
    for (const _row of learnerReports(Rng.derive(seed, STREAM.reports, learner.id), learner, plan, world.pools, profile)) rows++;
  }
  return Math.round((rows / Math.max(1, planned)) * world.sizes.learners);
}

/**
 * The number of physicians that gives about `reports` credit reports: the records of a sample of
 * physicians (2,000 spread over a store of the estimated size) tell the average per physician.
 */
function physiciansForReports(reports: number, seed: number, today: number): number {
  let physicians = Math.max(20, Math.round(reports / 70));
  for (let round = 0; round < 2; round++) {
    const world = buildWorld(seed, physicians, today);
    const perPhysician = Math.max(1, estimateReports(world, seed, 2000) / physicians);
    physicians = Math.max(20, Math.round(reports / perPhysician));
  }
  return physicians;
}

export async function seedLearnerStore(ownerUrl: string, options: SeedOptions): Promise<SeedCounts> {
  if (!Number.isInteger(options.seed)) throw new Error(`seed must be a whole number, got ${options.seed}`);
  if ((options.physicians === undefined) === (options.reports === undefined)) throw new Error("give either physicians or reports");
  for (const [name, value] of [["physicians", options.physicians], ["reports", options.reports]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new Error(`${name} must be a whole number, got ${value}`);
  }
  const todayIso = options.today ?? todayIn("UTC");
  if (parseDate(todayIso) === null) throw new Error(`today must be YYYY-MM-DD, got ${todayIso}`);
  const today = toDayNumber(todayIso);
  const seed = options.seed >>> 0;
  const phase = options.onPhase ?? (() => {});
  const physicians = options.physicians ?? (options.reports === 0 ? 0 : physiciansForReports(options.reports as number, seed, today));

  const client = new pg.Client({ connectionString: ownerUrl, application_name: "cme-seed" });
  await client.connect();
  let open = false;
  try {
    await client.query("begin");
    open = true;
    // Locked before looking, so nothing can arrive between the check and the load (or the TRUNCATE).
    await client.query(`lock table ${LEARNER_TABLES.map((t) => `learner.${t}`).join(", ")} in exclusive mode`);
    const filled = await nonEmptyTables(client);
    if (filled.includes("credit_report")) throw new Error("the learner store already has credit reports: seed only an empty store");
    if (filled.length) throw new Error(`the learner store is not empty (${filled.map((t) => `learner.${t}`).join(", ")} have rows): seed only an empty store`);
    await client.query("set local synchronous_commit = off");
    await client.query("set local maintenance_work_mem = '512MB'");
    // Bulk-building indexes and checking foreign keys once after the load is far cheaper than row by row.
    const { indexes, foreignKeys } = await secondaryDefinitions(client);
    for (const fk of foreignKeys) await client.query(`alter table ${fk.table} drop constraint ${fk.name}`);
    for (const index of indexes) await client.query(`drop index ${index.name}`);
    const freeze = await canTruncate(client);
    if (freeze) await client.query(`truncate ${LEARNER_TABLES.map((t) => `learner.${t}`).join(", ")}`);
    const dates = new DateText();
    if (physicians === 0) {
      await client.query("commit");
      open = false;
      return { providers: 0, activities: 0, learners: 0, reports: 0 };
    }
    const world = buildWorld(seed, physicians, today);
    const { providers, activities } = world;

    phase("providers and activities");
    await copyRows(client, "learner.provider", ["id", "name", "city", "state", "country"],
      providers.map((p) => line([p.id, p.name, p.city, p.state, p.country])), freeze);
    await copyRows(client, "learner.activity",
      ["id", "provider_id", "internal_id", "title", "format", "start_date", "end_date", "credit_claim_date", "max_cme_credits", "max_moc_credits", "moc", "mips", "rems", "status", "joint_provider_name"],
      activities.map((a) => line([a.id, a.provider_id, a.internal_id, a.title, a.format, dates.day(a.startDay), dates.day(a.endDay),
        a.creditClaimDay === null ? null : dates.day(a.creditClaimDay), a.max_cme_credits, a.max_moc_credits, a.moc, a.mips, a.rems, a.status, a.joint_provider_name ?? null])), freeze);
    await copyRows(client, "learner.activity_moc", ["activity_id", "board_code", "credit_types"],
      activities.flatMap((a) => a.mocBoards.map((m) => line([a.id, m.boardCode, `{${m.creditTypes.map((t) => `"${t}"`).join(",")}}`]))), freeze);

    phase("learners");
    await copyRows(client, "learner.learner", ["id", "first_name", "last_name", "birth_month", "birth_day", "npi", "created_at"], (function* () {
      for (const l of world.learnersInOrder()) yield line([l.id, l.first_name, l.last_name, l.birth_month, l.birth_day, l.npi, dates.timestamp(l.createdAt)]);
    })(), freeze);
    await copyRows(client, "learner.licence", ["learner_id", "board_code", "licence_id"], (function* () {
      for (const l of world.learnersInOrder()) for (const x of l.licences) yield line([l.id, x.board_code, x.licence_id]);
    })(), freeze);
    await copyRows(client, "learner.certification", ["learner_id", "board_code", "board_id"], (function* () {
      for (const l of world.learnersInOrder()) for (const c of l.certifications) yield line([l.id, c.board_code, c.board_id]);
    })(), freeze);

    phase("credit reports");
    let done = 0;
    const expected = options.reports ?? estimateReports(world, seed, 500);
    const reportRows = function* (): Generator<string> {
      for (const learner of world.learnersInOrder()) {
        const { plan, profile } = world.planOf(learner);
        if (plan.length === 0) continue;
        for (const row of learnerReports(Rng.derive(seed, STREAM.reports, learner.id), learner, plan, world.pools, profile)) {
          yield reportLine(dates, done + 1, row);
          if (++done % 20_000 === 0) options.onProgress?.(done, Math.max(expected, done));
        }
      }
    };
    await copyRows(client, "learner.credit_report",
      ["id", "activity_id", "learner_id", "board_code", "board_learner_id", "completion_date", "submitted_at", "entry_method", "status", "rejection_reason", "credits", "credit_types", "deleted_at"],
      reportRows(), freeze);
    options.onProgress?.(done, done);

    phase("building indexes");
    for (const index of indexes) await client.query(index.def);
    phase("checking foreign keys");
    for (const fk of foreignKeys) await client.query(`alter table ${fk.table} add constraint ${fk.name} ${fk.def}`);
    // Later inserts (provider writes) take ids from the identity sequences: start them after ours.
    await client.query(`select setval(pg_get_serial_sequence('learner.credit_report', 'id'), greatest(1, (select max(id) from learner.credit_report)))`);
    await client.query(`select setval(pg_get_serial_sequence('learner.learner', 'id'), greatest(1, (select max(id) from learner.learner)))`);
    await client.query("commit");
    open = false;
    phase("analysing");
    await client.query(`analyze ${LEARNER_TABLES.map((t) => `learner.${t}`).join(", ")}`);
    return { providers: providers.length, activities: activities.length, learners: world.sizes.learners, reports: done };
  } catch (error) {
    if (open) await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Joint providership: about a fifth of activities are planned and presented with another
 * organization (ACCME's annual data: roughly 20 to 25%), live courses and series more often than
 * enduring materials. One in 500 of those names a partner that reads like a formula.
 */
const JOINT_SHARE: Partial<Record<string, number>> = { Course: 0.3, "Regularly Scheduled Series": 0.35, "Internet Live Course": 0.2, "Performance Improvement": 0.25 };
function assignJointProviders(rng: Rng, activities: ActivityRow[]): void {
  let joint = 0;
  for (const activity of activities) {
    if (!rng.chance(JOINT_SHARE[activity.format] ?? 0.12)) continue;
    activity.joint_provider_name = joint++ % 500 === 7 ? FORMULA_LIKE_JOINT_PROVIDER : rng.pick(JOINT_PROVIDER_NAMES);
  }
}

/** Every certifying board needs registered activities before credit can be reported to it. */
function ensureEveryBoardRegistered(rng: Rng, activities: ActivityRow[]): void {
  for (const board of CERTIFYING_BOARDS) {
    if (activities.some((a) => a.mocBoards.some((m) => m.boardCode === board.code))) continue;
    const activity = activities[rng.int(0, activities.length - 1)] as ActivityRow;
    activity.mocBoards.push({ boardCode: board.code, creditTypes: [rng.pick(MOC_CREDIT_TYPES[board.code] ?? ["Lifelong Learning"])] });
    if (!activity.moc) {
      activity.moc = true;
      activity.creditClaimDay = activity.endDay;
      activity.max_moc_credits = activity.max_cme_credits;
    }
  }
}

/** What a learner's records are drawn from (built once per seed). */
export interface ReportPools {
  activities: readonly ActivityRow[];
  providerOf: ReadonlyMap<string, ProviderRow>;
  behaviour: BehaviourPools;
  today: number;
}

/**
 * One physician's records: each planned completion is reported to each of its boards, one row per
 * (activity, learner, board). Some rows are rejected (some of those fixed and resent), some deleted
 * (most resubmitted corrected), as providers do.
 */
export function* learnerReports(rng: Rng, learner: LearnerRow, plan: readonly PlannedCompletion[], pools: ReportPools, profile?: PhysicianProfile): Generator<CreditReportRow> {
  const { activities, providerOf, today } = pools;
  const todayMs = today * DAY_MS;
  const lastAccepted = new Map<string, CreditReportRow>();
  const options: ReportOptions = { osteopathicShare: profile?.osteopathicShare };
  for (const planned of plan) {
    const { activity } = planned;
    const provider = providerOf.get(activity.provider_id) as ProviderRow;
    const completion = completionOn(rng, activity, provider, planned.day, planned.credits, today, { keepLate: true });
    // Completed, but the provider has not reported it yet (it arrives after the reference day).
    if (completion.submittedAt >= todayMs) continue;
    const deadlineEnd = (reportingDeadlineDay(completion.completionDay) + 1) * DAY_MS;
    for (const target of planned.boards) {
      const accepted = reportForBoard(rng, completion, learner, target, { ...options, focus: planned.focus });
      if (rng.chance(REJECTED_SHARE)) {
        const certifying = CERTIFYING_BOARD_CODES.has(target.boardCode);
        const other = certifying ? activities[rng.int(0, activities.length - 1)] : undefined;
        const rejected = rejectRecord(rng, accepted, { activity, board: target, today }, {
          previous: lastAccepted.get(target.boardCode),
          unregistered: other && !other.mocBoards.some((m) => m.boardCode === target.boardCode) ? other : undefined,
        });
        yield rejected;
        // The provider downloads the rejection file, fixes the record and sends it again.
        const fixable = rejected.rejection_reason !== REJECTION.duplicate && rejected.rejection_reason !== REJECTION.afterDeadline && rejected.rejection_reason !== REJECTION.notRegistered;
        const resentAt = Math.max(rejected.submittedAt, accepted.submittedAt) + rng.int(1, 10) * DAY_MS;
        if (fixable && rng.chance(CORRECTED_SHARE) && resentAt < todayMs && resentAt < deadlineEnd) {
          const resent = { ...accepted, submittedAt: resentAt };
          yield resent;
          lastAccepted.set(target.boardCode, resent);
        }
        continue;
      }
      if (rng.chance(DELETED_SHARE) && accepted.submittedAt < todayMs - 10 * 60_000) {
        // Records are never edited: a provider deletes one and, usually, resubmits it corrected.
        const room = todayMs - accepted.submittedAt;
        const deletedAt = accepted.submittedAt + Math.min(rng.int(60_000, 30 * DAY_MS), Math.floor(room / 2));
        yield { ...accepted, deletedAt };
        const resubmittedAt = deletedAt + Math.min(rng.int(60_000, 2 * 3_600_000), Math.floor((todayMs - deletedAt) / 2));
        if (rng.chance(RESUBMITTED_SHARE) && resubmittedAt < deadlineEnd) {
          const corrected = { ...correctedResubmission(rng, accepted, activity, today, Math.floor(resubmittedAt / DAY_MS)), submittedAt: resubmittedAt };
          yield corrected;
          lastAccepted.set(target.boardCode, corrected);
        }
        continue;
      }
      yield accepted;
      lastAccepted.set(target.boardCode, accepted);
    }
  }
}

function reportLine(dates: DateText, id: number, r: CreditReportRow): string {
  return (
    `${id}\t${r.activity_id}\t${r.learner_id}\t${r.board_code}\t${r.board_learner_id === null ? "\\N" : copyText(r.board_learner_id)}\t` +
    `${dates.day(r.completionDay)}\t${dates.timestamp(r.submittedAt)}\t${r.entry_method}\t${r.status}\t` +
    `${r.rejection_reason ?? "\\N"}\t${r.credits}\t${creditTypesJson(r.credit_types)}\t` +
    `${r.deletedAt === null ? "\\N" : dates.timestamp(r.deletedAt)}\n`
  );
}
