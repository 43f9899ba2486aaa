// The renewal queue for a 20,000-licensee cohort of CA-M on the 10-million-report store: the time to
// evaluate the whole cohort with the compliance engine, to refresh after a few provider writes, and
// the queue's pages (default, sorted by progress, filtered, page 2, a licensee's entry) over HTTP.
import pg from "pg";
import { refreshRosterStatuses } from "../../app/models/renewals.server";
import { getOk, percentile, timeRuns, type BenchContext, type SectionResult, type Timing } from "./context";

const COHORT = 20_000;
const BENCH_FILE = "bench-cohort-20000.csv";

/**
 * A 20,000-licensee CA-M roster (cycle ends spread over the next 90 days), made once and reused; a
 * smaller store gets every seventh CA-M licensee it has (fewer than 20,000), also made once.
 */
export async function ensureCohort(ownerUrl: string): Promise<{ created: boolean }> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const existing = await client.query<{ n: string }>(
      `select count(*)::text as n from board.roster_entry e join board.roster_upload u on u.id = e.upload_id
        where u.org_code = 'CA-M' and u.file_name = $1`,
      [BENCH_FILE],
    );
    if (Number(existing.rows[0]?.n) > 0) {
      // Keep the window "the next 90 days" whatever day the bench runs on.
      await client.query(
        `update board.roster_entry e set cycle_end = current_date + 1 + (e.line_no % 89), status = 'pending'
          from board.roster_upload u where u.id = e.upload_id and u.file_name = $1`,
        [BENCH_FILE],
      );
      return { created: false };
    }
    await client.query("begin");
    const upload = await client.query<{ id: string }>(
      `insert into board.roster_upload (org_code, file_name, sha256, total_rows, accepted_rows, rejected_rows, new_rows, changed_rows)
       values ('CA-M', $1, repeat('b', 64), $2, $2, 0, $2, 0) returning id::text`,
      [BENCH_FILE, COHORT],
    );
    await client.query(
      `insert into board.roster_entry (org_code, roster_key, first_name, last_name, birth_month, birth_day, npi, cycle_end, upload_id, line_no, learner_id, match_quality)
       select 'CA-M', k.licence_id, l.first_name, l.last_name, l.birth_month, l.birth_day, l.npi,
              current_date + 1 + ((row_number() over (order by l.id))::int % 89), $1, 1 + row_number() over (order by l.id), l.id, 'id'
         from learner.licence k join learner.learner l on l.id = k.learner_id
        where k.board_code = 'CA-M' and l.deleted_at is null and l.id % 7 = 3
        order by l.id limit $2
       on conflict (org_code, roster_key, cycle_end) do nothing`,
      [upload.rows[0]!.id, COHORT],
    );
    await client.query("commit");
    await client.query("analyze board.roster_entry");
    return { created: true };
  } finally {
    await client.end();
  }
}

async function touchRecords(ownerUrl: string, n: number): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    // A provider correcting n records of cohort licensees (an update bumps change_seq).
    await client.query(
      `update learner.credit_report r set credits = r.credits where r.id in (
         select r2.id from learner.credit_report r2 join board.roster_entry e on e.learner_id = r2.learner_id and e.org_code = 'CA-M'
          where r2.board_code = 'CA-M' order by r2.id desc limit $1)`,
      [n],
    );
  } finally {
    await client.end();
  }
}

export async function run(ctx: BenchContext): Promise<SectionResult> {
  const timings: Timing[] = [];
  const notes: string[] = [];
  const { created } = await ensureCohort(ctx.ownerUrl);
  notes.push(`cohort: ${COHORT.toLocaleString("en-US")} CA-M licensees, cycles ending in the next 90 days (${created ? "created now" : "reused"})`);

  // Evaluating every entry: the compliance engine over each licensee's CA-M records.
  const full: number[] = [];
  for (let i = 0; i < Math.min(3, ctx.runs); i++) {
    const client = new pg.Client({ connectionString: ctx.ownerUrl });
    await client.connect();
    await client.query(`update board.roster_entry set status = 'pending' where org_code = 'CA-M'`);
    await client.end();
    const started = performance.now();
    const { evaluated } = await refreshRosterStatuses(ctx.appDb, "CA-M");
    full.push(performance.now() - started);
    if (i === 0) notes.push(`full evaluation: ${evaluated.toLocaleString("en-US")} entries`);
  }
  timings.push({ label: "evaluate the whole cohort (compliance engine)", samples: full });

  const incremental = await timeRuns(
    ctx.runs,
    async () => {
      await touchRecords(ctx.ownerUrl, 100);
      const started = performance.now();
      await refreshRosterStatuses(ctx.appDb, "CA-M");
      return performance.now() - started;
    },
    1,
  );
  timings.push({ label: "refresh after 100 records changed (incl. the UPDATE)", samples: incremental });

  const cookie = await ctx.cookie("CA-M");
  const first = await getOk(ctx.baseUrl, "/renewals?sort=progress", cookie);
  const after = first.match(/<a [^>]*rel="next"[^>]*>/)?.[0]?.match(/href="([^"]*)"/)?.[1]?.replace(/&amp;/g, "&");
  const entry = first.match(/href="\/renewals\/(\d+)"/)?.[1];
  const pages: Array<[string, string]> = [
    ["queue: default (cycle end, 25 rows + counts)", "/renewals"],
    ["queue: sorted by progress", "/renewals?sort=progress"],
    ["queue: status short, sorted by shortfall", "/renewals?status=short&sort=shortBy&dir=desc"],
    ["queue: undecided, last name prefix", "/renewals?decision=undecided&lastName=Sm"],
    ["queue: 100 rows", "/renewals?size=100"],
  ];
  if (after) pages.push(["queue: page 2 (keyset)", after]);
  if (entry) pages.push(["entry page (live evaluation, records, history)", `/renewals/${entry}`]);
  for (const [label, path] of pages) {
    timings.push({ label, samples: await timeRuns(ctx.runs, () => getOk(ctx.baseUrl, path, cookie)) });
  }
  const queue = timings.filter((t) => t.label.startsWith("queue:"));
  notes.push(`queue pages: median ${percentile(queue.flatMap((t) => t.samples), 50).toFixed(1)} ms, p95 ${percentile(queue.flatMap((t) => t.samples), 95).toFixed(1)} ms`);
  return { title: "Renewal queue (CA-M, 20,000-licensee cohort; full page render over HTTP)", timings, notes };
}
