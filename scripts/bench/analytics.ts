// Analytics: the DuckDB snapshot of the 10-million-report store. One full sync (COPY out of
// PostgreSQL, bulk load, sorted build), one incremental sync of 10,000 provider changes, and each
// report's median time in DuckDB beside the same aggregates in plain SQL on PostgreSQL (the
// reference the integration tests check the reports against), for a state board, a certifying
// board and ACCME, plus each report page through the app. The provider changes are undone in
// PostgreSQL afterwards, so the store stays as it was for the other sections.
import { stat } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { scopeForOrganisation, type Scope } from "../../app/auth/scope.server";
import { monthStart, utcToday, type ReportFilters } from "../../app/lib/reports";
import { creditMixReport } from "../../app/models/reports/credit-mix.server";
import { rejectionsReport } from "../../app/models/reports/rejections.server";
import { timelinessReport } from "../../app/models/reports/timeliness.server";
import { volumeReport } from "../../app/models/reports/volume.server";
import type { SnapshotQuery } from "../../db/analytics/reader";
import { readManifest } from "../../db/analytics/snapshot";
import type { SyncResult } from "../../db/analytics/sync";
import { applyProviderWrites } from "../../db/generator/provider-writes";
import {
  creditMixReference,
  rejectionsReference,
  timelinessReference,
  volumeReference,
  type ReferenceFilters,
} from "../../test/support/reports-reference";
import { checkAim, expectWork, getOk, median, tableRows, timeRuns, type AimCheck, type BenchContext, type SectionResult, type Timing } from "./context";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Rows of a report: the elements of every list in it (months, providers, reasons, …). */
function reportRows(value: unknown): number {
  if (Array.isArray(value)) return value.length + value.reduce((n: number, v) => n + reportRows(v), 0);
  if (value && typeof value === "object") return Object.values(value).reduce((n: number, v) => n + reportRows(v), 0);
  return 0;
}

function describeSync(result: SyncResult): string {
  if (result.outcome !== "succeeded") throw new Error(`bench: the sync ${result.outcome}: ${JSON.stringify(result)}`);
  const steps = Object.entries(result.steps)
    .map(([name, ms]) => `${name} ${seconds(ms)}`)
    .join(", ");
  return `${result.rowsChanged.toLocaleString("en-US")} rows read; ${steps}`;
}

interface ReportCase {
  id: string;
  duck: (q: SnapshotQuery, scope: Scope, filters: ReportFilters) => Promise<unknown>;
  postgres: (db: pg.Client, filters: ReferenceFilters) => Promise<unknown>;
}

const REPORTS: ReportCase[] = [
  { id: "timeliness", duck: (q, s, f) => timelinessReport(q, s, f), postgres: timelinessReference },
  { id: "volume", duck: (q, s, f) => volumeReport(q, s, f), postgres: volumeReference },
  { id: "credit-mix", duck: (q, s, f) => creditMixReport(q, s, f), postgres: creditMixReference },
  { id: "rejections", duck: (q, s, f) => rejectionsReport(q, s, f), postgres: rejectionsReference },
];

const ORGS = [
  { label: "CA-M", scope: scopeForOrganisation({ code: "CA-M", kind: "state_board" }) },
  { label: "ABIM", scope: scopeForOrganisation({ code: "ABIM", kind: "certifying_board" }) },
  { label: "ACCME", scope: scopeForOrganisation({ code: "ACCME", kind: "accreditor" }) },
];

export async function run(ctx: BenchContext): Promise<SectionResult> {
  const timings: Timing[] = [];
  const notes: string[] = [];
  const aims: AimCheck[] = [];
  const owner = new pg.Client({ connectionString: ctx.ownerUrl, application_name: "cme-bench-analytics" });
  await owner.connect();
  try {
    // ---------------------------------------------------------------- full sync
    ctx.log("analytics: full sync of the store into a new DuckDB snapshot…");
    const full = await ctx.analytics.syncNow({ mode: "full", trigger: "command" });
    timings.push({ label: "full sync (new snapshot file, swap)", samples: [full.outcome === "succeeded" ? full.durationMs : Number.NaN], note: describeSync(full) });
    if (full.outcome !== "succeeded") throw new Error("bench: the full sync did not succeed");
    expectWork("rows the full sync read", full.rowsChanged, 1_000_000);
    aims.push(checkAim("full sync < 90 s (10 M reports)", "issue 5", seconds(full.durationMs), full.durationMs < 90_000));
    const manifest = await readManifest(ctx.analytics.dir);
    if (manifest) notes.push(`snapshot file: ${((await stat(path.join(ctx.analytics.dir, manifest.file))).size / 1024 / 1024).toFixed(0)} MiB`);

    // ---------------------------------------------------------------- 10,000 changes, incremental
    const before = (await owner.query<{ id: string; seq: string }>(`select max(id)::text as id, (select last_value from learner.change_seq)::text as seq from learner.credit_report`)).rows[0]!;
    ctx.log("analytics: 10,000 provider changes (7,000 new, 1,000 rejected, 1,000 deleted, 500 deleted and resubmitted)…");
    const counts = await applyProviderWrites(ctx.ownerUrl, { inserts: 7_000, rejections: 1_000, deletes: 1_000, updates: 500, seed: 20261123 });
    let changes = counts.inserted + counts.rejected + counts.deleted + 2 * counts.updated;
    // The simulator skips a candidate that would duplicate an accepted record: top up to 10,000.
    for (let seed = 20261124; changes < 10_000 && seed < 20261134; seed++) {
      const more = await applyProviderWrites(ctx.ownerUrl, { inserts: 10_000 - changes, rejections: 0, deletes: 0, updates: 0, seed });
      changes += more.inserted;
    }
    try {
      const incremental = await ctx.analytics.syncNow({ mode: "incremental", trigger: "command" });
      if (incremental.outcome !== "succeeded") throw new Error("bench: the incremental sync did not succeed");
      expectWork("rows the incremental sync read", incremental.rowsChanged, changes * 0.9);
      aims.push(checkAim("incremental sync of 10,000 changes < 3 s", "issue 5", seconds(incremental.durationMs), incremental.durationMs < 3_000));
      timings.push({
        label: `incremental sync (${changes.toLocaleString("en-US")} changed records)`,
        samples: [incremental.outcome === "succeeded" ? incremental.durationMs : Number.NaN],
        note: describeSync(incremental),
      });
      const idle = await ctx.analytics.syncNow({ mode: "incremental", trigger: "command" });
      timings.push({ label: "incremental sync, nothing changed", samples: [idle.outcome === "succeeded" ? idle.durationMs : Number.NaN] });

      // ---------------------------------------------------------------- reports: DuckDB beside PostgreSQL
      const today = utcToday();
      const filters: ReportFilters = { from: monthStart(today, 11), to: today, formats: [], minRecords: 25 };
      notes.push(`reports over ${filters.from} – ${filters.to} (the default twelve months); PostgreSQL: the same aggregates in plain SQL (test/support/reports-reference.ts), owner login, parallel workers allowed`);
      const pgRuns = Math.min(ctx.runs, 3);
      let slowest = 0;
      let weakest = Number.POSITIVE_INFINITY;
      for (const org of ORGS) {
        for (const report of REPORTS) {
          ctx.log(`analytics: ${report.id} for ${org.label}…`);
          let rows = 0;
          const duck = await timeRuns(ctx.runs, async () => {
            const result = await ctx.analytics.reader.read((q) => report.duck(q, org.scope, filters));
            if (!result) throw new Error("bench: no analytics snapshot");
            rows = reportRows(result.value);
          });
          expectWork(`${report.id} for ${org.label} in DuckDB: report rows`, rows);
          const reference: ReferenceFilters = { boards: org.scope.boardCodes, from: filters.from, to: filters.to, formats: [], minRecords: filters.minRecords };
          let referenceRows = 0;
          const postgres = await timeRuns(pgRuns, async () => (referenceRows = reportRows(await report.postgres(owner, reference))), 1);
          expectWork(`${report.id} for ${org.label} on PostgreSQL: report rows`, referenceRows);
          const ratio = median(postgres) / median(duck);
          slowest = Math.max(slowest, median(duck));
          weakest = Math.min(weakest, ratio);
          timings.push({ label: `${report.id} · ${org.label} · DuckDB`, samples: duck, note: `PostgreSQL ${median(postgres).toFixed(0)} ms → ${ratio.toFixed(0)}x faster` });
          timings.push({ label: `${report.id} · ${org.label} · PostgreSQL (same aggregates)`, samples: postgres, note: `${pgRuns} runs` });
        }
      }
      notes.push(`slowest report median in DuckDB: ${slowest.toFixed(1)} ms; smallest speed-up over PostgreSQL: ${weakest.toFixed(0)}x`);
      aims.push(checkAim("every report < 200 ms in DuckDB (median)", "issue 5", `slowest ${slowest.toFixed(1)} ms`, slowest < 200));
      aims.push(checkAim("every report ≥ 10× faster than the same SQL on PostgreSQL", "issue 5", `smallest ${weakest.toFixed(0)}×`, weakest >= 10));

      // ---------------------------------------------------------------- the pages, through the app
      const cookie = await ctx.cookie("ACCME");
      for (const report of REPORTS) {
        let rows = 0;
        const samples = await timeRuns(ctx.runs, async () => (rows = tableRows(await getOk(ctx.baseUrl, `/reports/${report.id}`, cookie))));
        expectWork(`/reports/${report.id} page: table rows`, rows);
        timings.push({ label: `/reports/${report.id} page · ACCME (HTTP, server render)`, samples, note: `${rows} table rows` });
      }
      let bytes = 0;
      const home = await timeRuns(ctx.runs, async () => (bytes = (await getOk(ctx.baseUrl, "/", cookie)).length));
      expectWork("/ dashboard: characters of HTML", bytes, 2000);
      timings.push({ label: "/ dashboard · ACCME (HTTP, server render)", samples: home });
    } finally {
      // Undo the provider changes so the store is as it was (new rows removed, deleted ones live again).
      const removed = await owner.query(`delete from learner.credit_report where id > $1::bigint`, [before.id]);
      const restored = await owner.query(
        `update learner.credit_report set deleted_at = null where id <= $1::bigint and deleted_at is not null and change_seq > $2::bigint`,
        [before.id, before.seq],
      );
      notes.push(`provider changes undone in PostgreSQL afterwards: ${removed.rowCount} new records removed, ${restored.rowCount} deletions reverted (the snapshot is rebuilt on the next full sync)`);
    }
  } finally {
    await owner.end();
  }
  return { title: "Analytics: DuckDB snapshot sync and reports (medians; report ratios are PostgreSQL ÷ DuckDB)", timings, notes, aims };
}
