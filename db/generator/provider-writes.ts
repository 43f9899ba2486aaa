// Simulates providers writing to the store over time: new accepted records, rejected records,
// soft deletes, and delete-and-resubmit corrections (PARS records are never edited in place).
// Every write bumps change_seq (inserts by column default, updates by trigger).
import pg from "pg";
import { STATE_TOPICS } from "../reference";
import { dayToIso, isoToDay, PARTICIPATING_STATE_BOARDS, quarter, REJECTION } from "./factories";
import { Rng } from "./random";

export interface ProviderWriteOptions {
  inserts: number;
  rejections: number;
  deletes: number;
  resubmissions: number;
  seed: number;
}

export interface ProviderWriteCounts {
  inserted: number;
  rejected: number;
  deleted: number;
  resubmitted: number;
}

interface ActivityInfo {
  id: string;
  startDay: number;
  endDay: number;
  max: number;
}

interface Sampled {
  id: string;
  activity_id: string;
  learner_id: string;
  board_code: string;
  board_learner_id: string | null;
  completion_date: string;
  credits: string;
  credit_types: Record<string, number>;
}

const INSERT_COLUMNS = ["activity_id", "learner_id", "board_code", "board_learner_id", "completion_date", "submitted_at", "entry_method", "status", "rejection_reason", "credits", "credit_types"];

export async function applyProviderWrites(ownerUrl: string, options: ProviderWriteOptions): Promise<ProviderWriteCounts> {
  const rng = new Rng(options.seed);
  const today = isoToDay(new Date().toISOString().slice(0, 10));
  const client = new pg.Client({ connectionString: ownerUrl, application_name: "cme-provider-writes" });
  await client.connect();
  try {
    await client.query("begin");
    const activityRows = await client.query<{ id: string; start_date: string; end_date: string; max: string }>(
      `select id, start_date::text, end_date::text, max_cme_credits::text as max from learner.activity where start_date < current_date order by id`);
    const activities: ActivityInfo[] = activityRows.rows.map((a) => ({ id: a.id, startDay: isoToDay(a.start_date), endDay: isoToDay(a.end_date), max: Number(a.max) }));
    const byId = new Map(activities.map((a) => [a.id, a]));
    const registrations = await client.query<{ board_code: string; activity_id: string; credit_types: string[] }>(
      `select m.board_code, m.activity_id, m.credit_types from learner.activity_moc m join learner.activity a on a.id = m.activity_id
       where a.start_date < current_date order by m.board_code, m.activity_id`);
    const registeredFor = new Map<string, Array<{ activity: ActivityInfo; types: string[] }>>();
    for (const r of registrations.rows) {
      const list = registeredFor.get(r.board_code) ?? [];
      list.push({ activity: byId.get(r.activity_id)!, types: r.credit_types });
      registeredFor.set(r.board_code, list);
    }

    // Sample existing accepted records: their learners and boards are who new credit is reported for.
    const wanted = options.inserts + options.rejections + options.deletes + options.resubmissions;
    const bounds = await client.query<{ lo: string | null; hi: string | null }>(`select min(id)::text as lo, max(id)::text as hi from learner.credit_report`);
    const lo = Number(bounds.rows[0]?.lo ?? 0);
    const hi = Number(bounds.rows[0]?.hi ?? 0);
    if (hi === 0) throw new Error("the learner store is empty: seed it first (npm run seed)");
    const ids = Array.from({ length: Math.ceil(wanted * 1.6) + 20 }, () => rng.int(lo, hi));
    const sampled = (
      await client.query<Sampled>(
        `select id::text, activity_id, learner_id::text, board_code, board_learner_id, completion_date::text, credits::text, credit_types
         from learner.credit_report where id = any($1::bigint[]) and deleted_at is null and status = 'accepted' order by id`,
        [ids],
      )
    ).rows;
    let cursor = 0;
    const next = (): Sampled | undefined => sampled[cursor++];

    const rows: unknown[][] = [];
    const newRecord = (base: Sampled, status: "accepted" | "rejected", reason: string | null): unknown[] | null => {
      const isState = PARTICIPATING_STATE_BOARDS.has(base.board_code);
      const choice = isState
        ? { activity: rng.pick(activities), types: [] as string[] }
        : registeredFor.get(base.board_code)?.length
          ? rng.pick(registeredFor.get(base.board_code)!)
          : null;
      if (!choice) return null;
      const { activity } = choice;
      const completion = reason === REJECTION.future
        ? today + rng.int(1, 30)
        : rng.int(activity.startDay, Math.max(activity.startDay, Math.min(activity.endDay, today - 1)));
      const credits = rng.chance(0.7) ? activity.max : Math.min(activity.max, quarter(activity.max * rng.next()));
      const types: Record<string, number> = {};
      if (isState && rng.chance(0.18)) types[rng.pick(STATE_TOPICS)] = Math.min(credits, 1);
      for (const t of choice.types) types[t] = credits;
      return [activity.id, base.learner_id, base.board_code, base.board_learner_id, dayToIso(completion), new Date(Date.now() - rng.int(0, 60_000)).toISOString(),
        rng.pick(["web_service", "excel_batch", "xml_batch", "manual"]), status, reason, credits, JSON.stringify(types)];
    };

    const counts: ProviderWriteCounts = { inserted: 0, rejected: 0, deleted: 0, resubmitted: 0 };
    for (let i = 0; i < options.inserts; i++) {
      const base = next();
      const row = base && newRecord(base, "accepted", null);
      if (row) { rows.push(row); counts.inserted++; }
    }
    for (let i = 0; i < options.rejections; i++) {
      const base = next();
      const row = base && newRecord(base, "rejected", rng.pick([REJECTION.notMatched, REJECTION.future]));
      if (row) { rows.push(row); counts.rejected++; }
    }
    // New accepted records must not repeat an accepted (activity, learner, board): drop any that would.
    const accepted = rows.filter((r) => r[7] === "accepted");
    if (accepted.length) {
      const clash = await client.query<{ key: string }>(
        `select cr.activity_id || '|' || cr.learner_id || '|' || cr.board_code as key from learner.credit_report cr
         join unnest($1::text[], $2::bigint[], $3::text[]) as n(activity_id, learner_id, board_code)
           on n.activity_id = cr.activity_id and n.learner_id = cr.learner_id and n.board_code = cr.board_code
         where cr.deleted_at is null and cr.status = 'accepted'`,
        [accepted.map((r) => r[0]), accepted.map((r) => r[1]), accepted.map((r) => r[2])],
      );
      const clashes = new Set(clash.rows.map((r) => r.key));
      const seen = new Set<string>();
      for (let i = rows.length - 1; i >= 0; i--) {
        const r = rows[i]!;
        if (r[7] !== "accepted") continue;
        const key = `${r[0]}|${r[1]}|${r[2]}`;
        if (clashes.has(key) || seen.has(key)) { rows.splice(i, 1); counts.inserted--; }
        seen.add(key);
      }
    }

    const toDelete: string[] = [];
    for (let i = 0; i < options.deletes; i++) {
      const base = next();
      if (base) toDelete.push(base.id);
    }
    const toResubmit: Sampled[] = [];
    for (let i = 0; i < options.resubmissions; i++) {
      const base = next();
      if (base) toResubmit.push(base);
    }
    for (const base of toResubmit) {
      const credits = Math.max(0.25, Number(base.credits) - 0.25);
      const types = Object.fromEntries(Object.entries(base.credit_types).map(([k, v]) => [k, Math.min(v, credits)]));
      rows.push([base.activity_id, base.learner_id, base.board_code, base.board_learner_id, base.completion_date, new Date().toISOString(),
        "web_service", "accepted", null, credits, JSON.stringify(types)]);
    }
    const deleted = await client.query(`update learner.credit_report set deleted_at = now() where id = any($1::bigint[]) and deleted_at is null`,
      [[...toDelete, ...toResubmit.map((r) => r.id)]]);
    counts.deleted = toDelete.length;
    counts.resubmitted = toResubmit.length;
    if ((deleted.rowCount ?? 0) !== toDelete.length + toResubmit.length) throw new Error("a sampled record changed under the simulator");

    for (let start = 0; start < rows.length; start += 1000) {
      const batch = rows.slice(start, start + 1000);
      const params: unknown[] = [];
      const tuples = batch.map((row) => `(${row.map((value) => { params.push(value); return `$${params.length}`; }).join(", ")})`);
      await client.query(`insert into learner.credit_report (${INSERT_COLUMNS.join(", ")}) values ${tuples.join(", ")}`, params);
    }
    await client.query("commit");
    return counts;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

