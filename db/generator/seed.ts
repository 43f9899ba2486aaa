// Seeds an empty learner store with a deterministic, realistic dataset, streamed through COPY.
// Secondary indexes and foreign keys of credit_report are dropped for the load and rebuilt after,
// all in one transaction, so a failure leaves the store exactly as it was.
import { once } from "node:events";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { ORGANISATIONS } from "../reference";
import {
  DAY_MS,
  dayToIso,
  makeAcceptedReport,
  makeActivity,
  makeLearner,
  makeProvider,
  makeRejectedReport,
  PARTICIPATING_STATE_BOARDS,
  reportableBoards,
  type ActivityRow,
  type CreditReportRow,
  type ProviderRow,
} from "./factories";
import { Rng } from "./random";

export interface SeedOptions {
  reports: number;
  seed: number;
  /** Reference day (YYYY-MM-DD): completions fall before it. Default: today (UTC). */
  today?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface SeedCounts {
  providers: number;
  activities: number;
  learners: number;
  reports: number;
}

/** Sizes that keep the programme's proportions: ~10 reports per learner, ~40 per activity. */
export function seedSizes(reports: number) {
  return {
    providers: Math.min(1620, Math.max(5, Math.round(reports / 150))),
    activities: Math.max(20, Math.round(reports / 40)),
    learners: Math.max(50, Math.round(reports / 10)),
  };
}

export const REJECTED_SHARE = 0.04;
export const DELETED_SHARE = 0.01;

function copyText(value: string | number | boolean | null): string {
  if (value === null) return "\\N";
  if (typeof value !== "string") return String(value);
  return value.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

function line(values: Array<string | number | boolean | null>): string {
  return values.map(copyText).join("\t") + "\n";
}

/** Streams rows into `COPY table (columns) FROM STDIN`, honouring back-pressure. */
async function copyRows(client: pg.PoolClient | pg.Client, table: string, columns: string[], rows: Iterable<string>, chunkRows = 4000): Promise<void> {
  const stream: Writable = client.query(copyFrom(`copy ${table} (${columns.join(", ")}) from stdin`));
  let buffer = "";
  let n = 0;
  for (const row of rows) {
    buffer += row;
    if (++n % chunkRows === 0) {
      if (!stream.write(buffer)) await once(stream, "drain");
      buffer = "";
    }
  }
  if (buffer) stream.write(buffer);
  stream.end();
  await finished(stream);
}

async function secondaryDefinitions(client: pg.Client) {
  const indexes = await client.query<{ name: string; def: string }>(`
    select i.indexname as name, i.indexdef as def from pg_indexes i
    where i.schemaname = 'learner' and i.tablename = 'credit_report'
      and i.indexname not in (select conname from pg_constraint where conrelid = 'learner.credit_report'::regclass)`);
  const foreignKeys = await client.query<{ name: string; def: string }>(`
    select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
    where conrelid = 'learner.credit_report'::regclass and contype = 'f'`);
  return { indexes: indexes.rows, foreignKeys: foreignKeys.rows };
}

export async function seedLearnerStore(ownerUrl: string, options: SeedOptions): Promise<SeedCounts> {
  const total = options.reports;
  if (!Number.isInteger(total) || total < 0) throw new Error(`reports must be a whole number, got ${total}`);
  const today = Math.floor(Date.parse(`${options.today ?? new Date().toISOString().slice(0, 10)}T00:00:00Z`) / DAY_MS);
  const sizes = seedSizes(total);
  const rng = new Rng(options.seed);

  const client = new pg.Client({ connectionString: ownerUrl, application_name: "cme-seed" });
  await client.connect();
  try {
    const existing = await client.query("select 1 from learner.credit_report limit 1");
    if (existing.rowCount) throw new Error("the learner store already has credit reports: seed only an empty store");
    await client.query("begin");
    await client.query("set local synchronous_commit = off");
    await client.query("set local maintenance_work_mem = '512MB'");
    const { indexes, foreignKeys } = await secondaryDefinitions(client);
    for (const fk of foreignKeys) await client.query(`alter table learner.credit_report drop constraint ${fk.name}`);
    for (const index of indexes) await client.query(`drop index learner.${index.name}`);

    // Providers and activities.
    const providers: ProviderRow[] = Array.from({ length: sizes.providers }, (_, i) => makeProvider(rng, i));
    await copyRows(client, "learner.provider", ["id", "name", "city", "state", "country"],
      providers.map((p) => line([p.id, p.name, p.city, p.state, p.country])));
    const activities: ActivityRow[] = Array.from({ length: sizes.activities }, (_, i) =>
      makeActivity(rng, i, providers[Math.floor(Math.pow(rng.next(), 1.6) * providers.length)] as ProviderRow, today));
    const providerOf = new Map(providers.map((p) => [p.id, p]));
    await copyRows(client, "learner.activity",
      ["id", "provider_id", "internal_id", "title", "format", "start_date", "end_date", "credit_claim_date", "max_cme_credits", "max_moc_credits", "moc", "mips", "rems"],
      activities.map((a) => line([a.id, a.provider_id, a.internal_id, a.title, a.format, dayToIso(a.startDay), dayToIso(a.endDay),
        a.creditClaimDay === null ? null : dayToIso(a.creditClaimDay), a.max_cme_credits, a.max_moc_credits, a.moc, a.mips, a.rems])));
    await copyRows(client, "learner.activity_moc", ["activity_id", "board_code", "credit_types"],
      activities.flatMap((a) => a.mocBoards.map((m) => line([a.id, m.boardCode, `{${m.creditTypes.map((t) => `"${t}"`).join(",")}}`]))));
    const registeredFor = new Map<string, ActivityRow[]>();
    for (const a of activities) for (const m of a.mocBoards) {
      const list = registeredFor.get(m.boardCode) ?? [];
      list.push(a);
      registeredFor.set(m.boardCode, list);
    }

    // Learners, licences, certifications. Learner i < number of boards is guaranteed board i.
    const boardCodes = ORGANISATIONS.filter((o) => o.kind !== "accreditor").map((o) => o.code);
    const learners = Array.from({ length: sizes.learners }, (_, i) => makeLearner(rng, i + 1, boardCodes[i]));
    await copyRows(client, "learner.learner", ["id", "first_name", "last_name", "birth_month", "birth_day", "npi"],
      learners.map((l) => line([l.id, l.first_name, l.last_name, l.birth_month, l.birth_day, l.npi])));
    await copyRows(client, "learner.licence", ["learner_id", "board_code", "licence_id"],
      dedupe(learners.flatMap((l) => l.licences.map((x) => ({ key: `${x.board_code}|${x.licence_id}`, row: line([l.id, x.board_code, x.licence_id]) })))));
    await copyRows(client, "learner.certification", ["learner_id", "board_code", "board_id"],
      learners.flatMap((l) => l.certifications.map((c) => line([l.id, c.board_code, c.board_id]))));

    // How many reports each learner gets: log-normal weights over learners with a reportable board.
    // A certifying board needs activities registered for it before credit can be reported to it.
    const canReport = (boardCode: string) => PARTICIPATING_STATE_BOARDS.has(boardCode) || (registeredFor.get(boardCode)?.length ?? 0) > 0;
    const eligible = learners
      .map((learner) => ({ learner, boards: reportableBoards(learner).filter((b) => canReport(b.boardCode)) }))
      .filter((e) => e.boards.length > 0);
    const quotas = allocate(rng, eligible.length, total, Math.min(3, Math.floor(total / Math.max(1, eligible.length))));

    let done = 0;
    let id = 0;
    const todayMs = today * DAY_MS;
    const reportRows = function* (): Generator<string> {
      for (let e = 0; e < eligible.length; e++) {
        const { learner, boards } = eligible[e]!;
        const used = new Set<string>();
        let lastAccepted: CreditReportRow | undefined;
        let quota = quotas[e]!;
        while (quota > 0) {
          const board = rng.pick(boards);
          const isState = PARTICIPATING_STATE_BOARDS.has(board.boardCode);
          const pool = isState ? activities : (registeredFor.get(board.boardCode) as ActivityRow[]);
          let activity = rng.pick(pool);
          for (let tries = 0; tries < 4 && used.has(`${activity.id}|${board.boardCode}`); tries++) activity = rng.pick(pool);
          const context = { learner, board, activity, provider: providerOf.get(activity.provider_id)!, today };
          let report: CreditReportRow;
          if (rng.chance(REJECTED_SHARE)) {
            const unregistered = isState ? undefined : rng.pick(activities);
            report = makeRejectedReport(rng, context, {
              previous: lastAccepted?.board_code === board.boardCode ? lastAccepted : undefined,
              unregistered: unregistered && !unregistered.mocBoards.some((m) => m.boardCode === board.boardCode) ? unregistered : undefined,
            });
          } else if (used.has(`${activity.id}|${board.boardCode}`)) {
            continue; // one accepted record per activity, learner and board
          } else {
            report = makeAcceptedReport(rng, context);
            used.add(`${activity.id}|${board.boardCode}`);
            lastAccepted = report;
          }
          if (rng.chance(DELETED_SHARE) && quota > 1 && report.status === "accepted") {
            // Records are never edited: a provider deletes one and, often, resubmits it corrected.
            const deletedAt = Math.max(report.submittedAt + 60_000, Math.min(report.submittedAt + rng.int(1, 30) * DAY_MS, todayMs - rng.int(60_000, 6 * 3_600_000)));
            yield reportLine(++id, { ...report, deletedAt });
            quota--;
            done++;
            report = { ...report, submittedAt: deletedAt, credits: Math.max(0.25, report.credits - 0.25) };
            for (const type of Object.keys(report.credit_types)) report.credit_types[type] = Math.min(report.credit_types[type]!, report.credits);
          }
          yield reportLine(++id, report);
          quota--;
          if (++done % 20_000 === 0) options.onProgress?.(done, total);
        }
      }
    };
    await copyRows(client, "learner.credit_report",
      ["id", "activity_id", "learner_id", "board_code", "board_learner_id", "completion_date", "submitted_at", "entry_method", "status", "rejection_reason", "credits", "credit_types", "deleted_at"],
      reportRows(), 5000);
    options.onProgress?.(done, total);

    for (const index of indexes) await client.query(index.def);
    for (const fk of foreignKeys) await client.query(`alter table learner.credit_report add constraint ${fk.name} ${fk.def}`);
    await client.query(`select setval(pg_get_serial_sequence('learner.credit_report', 'id'), greatest(1, (select max(id) from learner.credit_report)))`);
    await client.query(`select setval(pg_get_serial_sequence('learner.learner', 'id'), greatest(1, (select max(id) from learner.learner)))`);
    await client.query("commit");
    await client.query("analyze learner.provider, learner.activity, learner.activity_moc, learner.learner, learner.licence, learner.certification, learner.credit_report");
    return { providers: providers.length, activities: activities.length, learners: learners.length, reports: id };
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

function reportLine(id: number, r: CreditReportRow): string {
  return line([
    id, r.activity_id, r.learner_id, r.board_code, r.board_learner_id, dayToIso(r.completionDay),
    new Date(r.submittedAt).toISOString(), r.entry_method, r.status, r.rejection_reason, r.credits,
    JSON.stringify(r.credit_types), r.deletedAt === null ? null : new Date(r.deletedAt).toISOString(),
  ]);
}

/** Licence numbers are unique per board: a rare random collision keeps the first holder. */
function dedupe(rows: Array<{ key: string; row: string }>): string[] {
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.key) && seen.add(r.key)).map((r) => r.row);
}

/** Splits `total` across `n` learners in proportion to log-normal weights, each at least `floor`. */
function allocate(rng: Rng, n: number, total: number, floor: number): Int32Array {
  const quotas = new Int32Array(n);
  if (n === 0 || total === 0) return quotas;
  const weights = Array.from({ length: n }, () => rng.logNormal(1, 0.7));
  const spread = total - floor * n;
  const sum = weights.reduce((a, b) => a + b, 0);
  let assigned = 0;
  for (let i = 0; i < n; i++) {
    quotas[i] = floor + Math.floor((weights[i]! / sum) * spread);
    assigned += quotas[i]!;
  }
  for (let i = 0; assigned < total; i = (i + 1) % n) {
    quotas[i]!++;
    assigned++;
  }
  return quotas;
}
