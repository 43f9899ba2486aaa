// The licensee page (identity, totals, the records grid) and the printable transcript, for
// licensees with many records, through the real HTTP app.
import pg from "pg";
import { checkAim, expectWork, getOk, percentile, tableRows, timeRuns, type BenchContext, type SectionResult, type Timing } from "./context";

export async function busyLicensees(ownerUrl: string, board: string, n: number): Promise<string[]> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    // Learners with the most records for the board among a deterministic slice of the store.
    const result = await client.query<{ learner_id: string }>(
      `select learner_id::text from learner.credit_report where board_code = $1 and deleted_at is null and learner_id % 97 = 5
       group by learner_id order by count(*) desc, learner_id limit $2`,
      [board, n],
    );
    return result.rows.map((r) => r.learner_id);
  } finally {
    await client.end();
  }
}

/** The README's aim for the licensee page (issue 3). */
const AIM_MS = 50;

export async function run(ctx: BenchContext): Promise<SectionResult> {
  const timings: Timing[] = [];
  const notes: string[] = [];
  for (const [org, board] of [["CA-M", "CA-M"], ["ABIM", "ABIM"], ["ACCME", "CA-M"]] as const) {
    const cookie = await ctx.cookie(org);
    const learners = await busyLicensees(ctx.ownerUrl, board, 10);
    expectWork(`${org}: busy licensees found`, learners.length, 10);
    for (const [label, path] of [
      ["licensee page", (id: string) => `/licensees/${id}`],
      ["licensee page, one year", (id: string) => `/licensees/${id}?completedFrom=2025-01-01&completedTo=2025-12-31`],
      ["transcript", (id: string) => `/licensees/${id}/transcript`],
    ] as const) {
      // Each run opens the next of ten busy licensees (cold for that licensee, like a reviewer).
      const rows: number[] = [];
      const samples = await timeRuns(ctx.runs, async (run) => {
        rows.push(tableRows(await getOk(ctx.baseUrl, path(learners[Math.abs(run) % learners.length]!), cookie)));
      });
      // Every page shows the licensee's records (or, for one year, totals at least).
      expectWork(`${org} ${label}: table rows on the emptiest page`, Math.min(...rows));
      timings.push({ label: `${org}: ${label}`, samples, note: `${Math.min(...rows)}–${Math.max(...rows)} table rows` });
    }
  }
  const pages = percentile(timings.filter((t) => t.label.includes("licensee page")).flatMap((t) => t.samples), 95);
  notes.push(`licensee pages: p95 ${pages.toFixed(1)} ms`);
  const aims = [checkAim(`licensee page p95 < ${AIM_MS} ms (busiest licensees)`, "issue 3", `${pages.toFixed(1)} ms`, pages < AIM_MS)];
  return { title: "Licensee page and transcript (full page render over HTTP; busiest licensees; every view audited)", timings, notes, aims };
}
