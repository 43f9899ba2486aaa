// The renewal queue on the 10-million-report store, for a state board (CA-M) and a certifying board
// (ABIM), each with a cohort of up to 20,000 licensees: the time to evaluate the whole cohort with the
// compliance engine (as the organisation, under row-level security, as the app runs it), to refresh
// after a few provider writes, and the queue's pages (default, sorted by progress, filtered, page 2,
// a licensee's entry) over HTTP.
import pg from "pg";
import { rowScopeFor, scopeForOrganisation } from "../../app/auth/scope.server";
import { evaluateEntries, refreshRosterStatuses } from "../../app/models/renewals.server";
import { getRuleSet, previewRuleVersion, updateRuleSet } from "../../app/models/rules.server";
import { organisationToday } from "../../domain/reference";
import { runWithRowScope } from "../../db/row-scope";
import { expectWork, getOk, percentile, tableRows, timeRuns, type BenchContext, type SectionResult, type Timing } from "./context";

const COHORT = 20_000;
const BENCH_FILE = "bench-cohort-20000.csv";

export interface Org {
  code: string;
  kind: "state_board" | "certifying_board";
  /** Where its licensees' ids come from: licences (state boards) or certifications (certifying boards). */
  ids: { table: "learner.licence"; column: "licence_id" } | { table: "learner.certification"; column: "board_id" };
}

export const ORGS: Org[] = [
  { code: "CA-M", kind: "state_board", ids: { table: "learner.licence", column: "licence_id" } },
  { code: "ABIM", kind: "certifying_board", ids: { table: "learner.certification", column: "board_id" } },
];

async function withOwner<T>(ownerUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A roster of up to 20,000 of the organisation's licensees (cycle ends spread over the next 90 days),
 * made once and reused (also on a store with fewer licensees: the upload, not its entries, says it
 * was made).
 */
export async function ensureCohort(ownerUrl: string, org: Org = ORGS[0] as Org): Promise<{ created: boolean; size: number }> {
  return withOwner(ownerUrl, async (client) => {
    const count = async () =>
      Number(
        (
          await client.query<{ n: string }>(
            `select count(*)::text as n from board.roster_entry e join board.roster_upload u on u.id = e.upload_id
              where u.org_code = $1 and u.file_name = $2`,
            [org.code, BENCH_FILE],
          )
        ).rows[0]?.n,
      );
    const made = await client.query(`select 1 from board.roster_upload where org_code = $1 and file_name = $2`, [org.code, BENCH_FILE]);
    if (made.rows.length > 0) {
      const existing = await count();
      // Keep the window "the next 90 days" whatever day the bench runs on.
      await client.query(
        `update board.roster_entry e set cycle_end = current_date + 1 + (e.line_no % 89), status = 'pending'
          from board.roster_upload u where u.id = e.upload_id and u.org_code = $1 and u.file_name = $2`,
        [org.code, BENCH_FILE],
      );
      return { created: false, size: existing };
    }
    await client.query("begin");
    const upload = await client.query<{ id: string }>(
      `insert into board.roster_upload (org_code, file_name, sha256, total_rows, accepted_rows, rejected_rows, new_rows, changed_rows)
       values ($1, $2, repeat('b', 64), $3, $3, 0, $3, 0) returning id::text`,
      [org.code, BENCH_FILE, COHORT],
    );
    // Table and column names come from ORGS above, never from input.
    await client.query(
      `insert into board.roster_entry (org_code, roster_key, first_name, last_name, birth_month, birth_day, npi, cycle_end, upload_id, line_no, learner_id, match_quality)
       select $1, k.${org.ids.column}, l.first_name, l.last_name, l.birth_month, l.birth_day, l.npi,
              current_date + 1 + ((row_number() over (order by l.id))::int % 89), $2, 1 + row_number() over (order by l.id), l.id, 'id'
         from ${org.ids.table} k join learner.learner l on l.id = k.learner_id
        where k.board_code = $1 and l.deleted_at is null
        order by l.id limit $3
       on conflict (org_code, roster_key, cycle_end) do nothing`,
      [org.code, upload.rows[0]!.id, COHORT],
    );
    await client.query("commit");
    await client.query("analyze board.roster_entry");
    return { created: true, size: await count() };
  });
}

/**
 * What a state board knows of its cohort, as a roster with attribute columns would supply it: the
 * initial license date for every second licensee (half of them first licensed within the cycle),
 * specialty and share of older patients for every fifth. Certifying boards' rules read none.
 */
async function recordCohortAttributes(ownerUrl: string, org: Org): Promise<number> {
  if (org.kind !== "state_board") return 0;
  return withOwner(ownerUrl, async (client) => {
    const put = (key: string, value: string, every: number) =>
      client.query(
        `insert into board.licensee_attribute (org_code, roster_key, key, value, source)
         select e.org_code, e.roster_key, $2, ${value}, 'staff'
           from board.roster_entry e join board.roster_upload u on u.id = e.upload_id
          where u.org_code = $1 and u.file_name = $3 and e.line_no % ${every} = 0
         on conflict (org_code, roster_key, key) do nothing`,
        [org.code, key, BENCH_FILE],
      );
    await put("initialLicenseDate", `to_jsonb(case when e.line_no % 4 = 0 then (e.cycle_end - 300)::text else '2005-07-01' end)`, 2);
    await put("specialty", `to_jsonb(case when e.line_no % 3 = 0 then 'Internal Medicine' else 'General Surgery' end)`, 5);
    await put("patients65Percent", `to_jsonb(20 + e.line_no % 40)`, 5);
    return Number((await client.query<{ n: string }>(`select count(*)::text as n from board.licensee_attribute where org_code = $1`, [org.code])).rows[0]?.n ?? 0);
  });
}

async function touchRecords(ownerUrl: string, orgCode: string, n: number): Promise<void> {
  await withOwner(ownerUrl, async (client) => {
    // A provider correcting n records of cohort licensees (an update bumps change_seq).
    await client.query(
      `update learner.credit_report r set credits = r.credits where r.id in (
         select r2.id from learner.credit_report r2 join board.roster_entry e on e.learner_id = r2.learner_id and e.org_code = $1
          where r2.board_code = $1 order by r2.id desc limit $2)`,
      [orgCode, n],
    );
  });
}

export async function run(ctx: BenchContext): Promise<SectionResult> {
  const timings: Timing[] = [];
  const notes: string[] = [];
  // An evaluation the served app started in the background (after a sync of another section) would
  // race the refreshes timed here: let it finish first. Nothing below triggers one.
  await ctx.statuses.idle();
  for (const org of ORGS) {
    const { created, size } = await ensureCohort(ctx.ownerUrl, org);
    expectWork(`${org.code}: roster entries in the bench cohort`, size, 1000);
    notes.push(`${org.code} cohort: ${size.toLocaleString("en-US")} licensees, cycles ending in the next 90 days (${created ? "created now" : "reused"})`);
    const attributes = await recordCohortAttributes(ctx.ownerUrl, org);
    if (org.kind === "state_board") {
      expectWork(`${org.code}: licensee attributes recorded for the cohort`, attributes, size / 4);
      notes.push(`${org.code}: ${attributes.toLocaleString("en-US")} attribute values recorded for the cohort (half know the initial license date, a fifth the specialty and share of older patients)`);
    }
    // What the app does: the refresh runs as the organisation, so row-level security shows it its own
    // rules, roster and records (without a scope it would see none and evaluate nothing).
    const scope = scopeForOrganisation(org);
    // No wait for writers: the section times the evaluation (nothing else writes while it runs).
    const refresh = () => runWithRowScope(rowScopeFor(scope), () => refreshRosterStatuses(ctx.appDb, org.code, { writerWaitMs: 0 }));

    // Evaluating every entry, as on the first refresh of a day: the compliance engine over each
    // licensee's records for the board.
    const full: number[] = [];
    for (let i = 0; i < Math.min(3, ctx.runs); i++) {
      await withOwner(ctx.ownerUrl, async (client) => {
        await client.query(`update board.roster_entry set status = 'pending' where org_code = $1`, [org.code]);
        await client.query(`update board.roster_watermark set as_of = as_of - 1 where org_code = $1`, [org.code]);
      });
      const started = performance.now();
      const { evaluated } = await refresh();
      full.push(performance.now() - started);
      expectWork(`${org.code}: entries evaluated by the whole-cohort refresh`, evaluated, size);
    }
    const statuses = await withOwner(ctx.ownerUrl, async (client) =>
      (await client.query<{ status: string; n: string }>(`select status, count(*)::text as n from board.roster_entry where org_code = $1 group by 1 order by 2 desc`, [org.code])).rows,
    );
    const pending = Number(statuses.find((s) => s.status === "pending")?.n ?? 0);
    if (pending > 0) throw new Error(`bench: ${org.code}: ${pending} entries still pending after the whole-cohort refresh`);
    timings.push({ label: `${org.code}: evaluate the whole cohort (compliance engine)`, samples: full, note: `${size.toLocaleString("en-US")} entries` });
    notes.push(`${org.code} statuses after evaluation: ${statuses.map((s) => `${s.status} ${Number(s.n).toLocaleString("en-US")}`).join(", ")}`);

    // A rule change: the preview a supervisor sees before saving (10 more credits in the total, in
    // force for every stored cycle), then the save and the re-evaluation of every entry it judges;
    // then the old rules again as a newer version, evaluated too, so the store ends as it began.
    const today = organisationToday(org.code);
    const asOrg = <T>(fn: () => Promise<T>) => runWithRowScope(rowScopeFor(scope), fn);
    const stored = await asOrg(() => getRuleSet(ctx.appDb, org.code));
    if (!stored) throw new Error(`bench: ${org.code} has no rules`);
    const draft = { ...stored.rule, total: { ...stored.rule.total, minimum: stored.rule.total.minimum + 10 } };
    let judged = 0;
    const previews = await timeRuns(Math.min(3, ctx.runs), async () => {
      const started = performance.now();
      const preview = await asOrg(() => previewRuleVersion(ctx.appDb, org.code, draft, "2000-01-01", (rule, entries) => evaluateEntries(ctx.appDb, org.code, rule, entries, today), today));
      judged = preview.evaluated;
      return performance.now() - started;
    }, 0);
    expectWork(`${org.code}: entries the rule preview evaluated`, judged, 1000);
    timings.push({ label: `${org.code}: preview a rule change before saving`, samples: previews, note: `${judged.toLocaleString("en-US")} entries evaluated under the draft (the preview's bound)` });
    const supervisor = await withOwner(ctx.ownerUrl, async (client) =>
      (await client.query<{ id: string }>(`select id from board.staff_user where org_code = $1 and role in ('supervisor', 'admin') order by role desc limit 1`, [org.code])).rows[0]?.id,
    );
    if (!supervisor) throw new Error(`bench: ${org.code} has no supervisor to save rules`);
    const ruleChange: number[] = [];
    for (const [rule, reason] of [
      [draft, "Bench: 10 more credits in the total"],
      [stored.rule, "Bench: the rules as they were"],
    ] as const) {
      const head = await asOrg(() => getRuleSet(ctx.appDb, org.code));
      const saved = await asOrg(() => updateRuleSet(ctx.appDb, { id: supervisor, orgCode: org.code }, rule, { expectedVersion: head!.latestVersion, effectiveFrom: "2000-01-01", reason, ip: null }));
      if (!saved.ok) throw new Error(`bench: ${org.code}: the rule change was refused: ${saved.message}`);
      expectWork(`${org.code}: entries a rule change marked for re-evaluation`, saved.markedPending, size / 2);
      const started = performance.now();
      const { evaluated } = await refresh();
      ruleChange.push(performance.now() - started);
      expectWork(`${org.code}: entries re-evaluated after a rule change`, evaluated, saved.markedPending);
    }
    timings.push({ label: `${org.code}: re-evaluate the cohort after a rule change`, samples: ruleChange, note: `every entry the new version judges` });

    const reEvaluated: number[] = [];
    const incremental = await timeRuns(
      ctx.runs,
      async () => {
        await touchRecords(ctx.ownerUrl, org.code, 100);
        const started = performance.now();
        const { evaluated } = await refresh();
        reEvaluated.push(evaluated);
        return performance.now() - started;
      },
      1,
    );
    const touched = expectWork(`${org.code}: entries re-evaluated after 100 records changed (fewest in a run)`, Math.min(...reEvaluated));
    timings.push({ label: `${org.code}: refresh after 100 records changed`, samples: incremental, note: `at least ${touched} entries re-evaluated` });

    const cookie = await ctx.cookie(org.code);
    const first = await getOk(ctx.baseUrl, "/renewals?sort=progress", cookie);
    const after = first.match(/<a [^>]*rel="next"[^>]*>/)?.[0]?.match(/href="([^"]*)"/)?.[1]?.replace(/&amp;/g, "&");
    const entry = first.match(/href="\/renewals\/(\d+)"/)?.[1];
    if (!after || !entry) throw new Error(`bench: ${org.code}'s renewal queue has no next page or no entry link`);
    // A last-name prefix that is in the cohort.
    const prefix = await withOwner(ctx.ownerUrl, async (client) =>
      (await client.query<{ p: string }>(`select left(last_name, 2) as p from board.roster_entry where org_code = $1 and last_name ~ '^[A-Za-z]{2}' order by id limit 1`, [org.code])).rows[0]?.p,
    );
    // The requirement most entries are short in (other than the total when there is one): the queue's "short in" filter.
    const measure = await withOwner(ctx.ownerUrl, async (client) =>
      (
        await client.query<{ id: string }>(
          `select k.id from board.roster_entry e cross join lateral jsonb_object_keys(e.shortfalls) as k(id)
            where e.org_code = $1 group by k.id order by (k.id = 'total'), count(*) desc limit 1`,
          [org.code],
        )
      ).rows[0]?.id,
    );
    if (!measure) throw new Error(`bench: ${org.code}: no entry is short in any requirement`);
    const pages: Array<[string, string]> = [
      ["queue: default (cycle end, 25 rows + counts)", "/renewals"],
      ["queue: sorted by progress", "/renewals?sort=progress"],
      ["queue: status short, sorted by shortfall", "/renewals?status=short&sort=shortBy&dir=desc"],
      ["queue: undecided, last name prefix", `/renewals?decision=undecided&lastName=${encodeURIComponent(prefix ?? "Sm")}`],
      ["queue: 100 rows", "/renewals?size=100"],
      [`queue: short in ${measure}, most short first`, `/renewals?short=${encodeURIComponent(measure)}`],
      [`queue: short in ${measure}, next 180 days`, `/renewals?short=${encodeURIComponent(measure)}&endFrom=${new Date().toISOString().slice(0, 10)}&endTo=${new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10)}`],
      ...(org.kind === "state_board"
        ? ([
            ["queue: applicability not known (any requirement)", "/renewals?unknown=any"],
            ["queue: applicability not known, status short", "/renewals?unknown=any&status=short"],
          ] as Array<[string, string]>)
        : []),
      ["queue: page 2 (keyset)", after],
      ["entry page (live evaluation, records, history)", `/renewals/${entry}`],
    ];
    for (const [label, path] of pages) {
      let rows = 0;
      const samples = await timeRuns(ctx.runs, async () => {
        rows = tableRows(await getOk(ctx.baseUrl, path, cookie));
      });
      expectWork(`${org.code} ${label}: table rows`, rows);
      timings.push({ label: `${org.code}: ${label}`, samples, note: `${rows} table rows` });
    }
    const queue = timings.filter((t) => t.label.startsWith(`${org.code}: queue:`));
    notes.push(`${org.code} queue pages: median ${percentile(queue.flatMap((t) => t.samples), 50).toFixed(1)} ms, p95 ${percentile(queue.flatMap((t) => t.samples), 95).toFixed(1)} ms`);
  }
  return { title: "Renewal queue (CA-M and ABIM, cohorts of up to 20,000 licensees; full page render over HTTP)", timings, notes, aims: [] };
}
