// The licensee page (identity, totals, the records grid) and the printable transcript, for
// licensees with many records, through the real HTTP app.
import pg from "pg";
import { getOk, percentile, timeRuns, type BenchContext, type SectionResult, type Timing } from "./context";

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

export async function run(ctx: BenchContext): Promise<SectionResult> {
  const timings: Timing[] = [];
  const notes: string[] = [];
  for (const [org, board] of [["CA-M", "CA-M"], ["ABIM", "ABIM"], ["ACCME", "CA-M"]] as const) {
    const cookie = await ctx.cookie(org);
    const learners = await busyLicensees(ctx.ownerUrl, board, 10);
    for (const [label, path] of [
      ["licensee page", (id: string) => `/licensees/${id}`],
      ["licensee page, one year", (id: string) => `/licensees/${id}?completedFrom=2025-01-01&completedTo=2025-12-31`],
      ["transcript", (id: string) => `/licensees/${id}/transcript`],
    ] as const) {
      // Each run opens the next of ten busy licensees (cold for that licensee, like a reviewer).
      const samples = await timeRuns(ctx.runs, (run) => getOk(ctx.baseUrl, path(learners[Math.abs(run) % learners.length]!), cookie));
      timings.push({ label: `${org}: ${label}`, samples });
    }
  }
  const pages = timings.filter((t) => t.label.includes("licensee page"));
  notes.push(`licensee pages: p95 ${percentile(pages.flatMap((t) => t.samples), 95).toFixed(1)} ms (aim: under 50 ms)`);
  return { title: "Licensee page and transcript (full page render over HTTP; busiest licensees; every view audited)", timings, notes };
}
