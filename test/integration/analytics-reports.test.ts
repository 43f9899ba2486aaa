// Every analytics report's numbers, read from the DuckDB snapshot, equal an independent plain-SQL
// computation on PostgreSQL over the same seeded store (test/support/reports-reference.ts), for a
// state board (CA-M), a certifying board (ABIM) and ACCME, over several filter sets.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scopeForOrganisation, type Scope } from "../../app/auth/scope.server";
import type { SessionUser } from "../../app/auth/session.server";
import { LAG_BANDS, monthsBetween, REPORTS, utcToday, type ReportFilters, type ReportRow, type ReportTable } from "../../app/lib/reports";
import { dashboardSections, loadDashboard, warmDashboards } from "../../app/models/dashboard.server";
import { loadReportPage, warmReportPages } from "../../app/models/reports/index.server";
import { creditMixReport } from "../../app/models/reports/credit-mix.server";
import { rejectionsReport } from "../../app/models/reports/rejections.server";
import { timelinessReport } from "../../app/models/reports/timeliness.server";
import { volumeReport } from "../../app/models/reports/volume.server";
import type { SnapshotQuery } from "../../db/analytics/reader";
import type { Analytics } from "../../db/analytics/service";
import { ENTRY_METHODS } from "../../domain/reference";
import { creditMixReference, rejectionsReference, timelinessReference, volumeReference, type ReferenceFilters } from "../support/reports-reference";
import { setUpSeededApp } from "../support/server";

const app = setUpSeededApp();
let owner: pg.Client;
beforeAll(async () => {
  owner = new pg.Client({ connectionString: app.database.url });
  await owner.connect();
});
afterAll(async () => {
  await owner?.end();
});

const ORGS: Array<[string, Scope]> = [
  ["a state board (CA-M)", scopeForOrganisation({ code: "CA-M", kind: "state_board" })],
  ["a certifying board (ABIM)", scopeForOrganisation({ code: "ABIM", kind: "certifying_board" })],
  ["ACCME (every board)", scopeForOrganisation({ code: "ACCME", kind: "accreditor" })],
];

const today = new Date().toISOString().slice(0, 10);
const yearAgo = `${Number(today.slice(0, 4)) - 1}${today.slice(4, 7)}-01`;

/** A provider with many records in the store (its id, 7 digits) and a format it uses. */
async function busyProvider(board: string | null): Promise<{ id: string; format: string }> {
  const { rows } = await owner.query<{ provider_id: string; format: string }>(
    `select a.provider_id, min(a.format) as format from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
     where cr.deleted_at is null and ($1::text is null or cr.board_code = $1) group by 1 order by count(*) desc, 1 limit 1`,
    [board],
  );
  return { id: rows[0]!.provider_id, format: rows[0]!.format };
}

interface Case {
  label: string;
  filters: ReportFilters;
}

async function casesFor(scope: Scope): Promise<Case[]> {
  const provider = await busyProvider(scope.boardCodes?.[0] ?? null);
  const cases: Case[] = [
    { label: "the last twelve months", filters: { from: yearAgo, to: today, formats: [], minRecords: 10 } },
    { label: "six years, every month", filters: { from: `${Number(today.slice(0, 4)) - 6}-01-01`, to: today, formats: [], minRecords: 25 } },
    { label: "one provider", filters: { from: `${Number(today.slice(0, 4)) - 6}-01-01`, to: today, formats: [], provider: { kind: "id", id: provider.id }, minRecords: 1 } },
    { label: "two formats, one quarter", filters: { from: `${Number(today.slice(0, 4)) - 1}-01-01`, to: `${Number(today.slice(0, 4)) - 1}-03-31`, formats: ["Enduring Material", "Course"], minRecords: 5 } },
  ];
  if (scope.boardCodes === null) cases.push({ label: "ACCME's board filter (MD-M)", filters: { from: yearAgo, to: today, formats: [], board: "MD-M", minRecords: 5 } });
  return cases;
}

function reference(scope: Scope, f: ReportFilters): ReferenceFilters {
  return {
    boards: f.board ? [f.board] : scope.boardCodes,
    from: f.from,
    to: f.to,
    provider: f.provider?.kind === "id" ? f.provider.id : undefined,
    formats: f.formats,
    minRecords: f.minRecords,
  };
}

async function read<T>(work: (q: SnapshotQuery) => Promise<T>): Promise<T> {
  const result = await app.server.analytics.reader.read(work);
  if (!result) throw new Error("no snapshot");
  return result.value;
}

const column = (table: ReportTable, key: string) => table.rows.map((r) => r[key] ?? null);
const byMonth = <T extends { month: string }>(rows: T[]) => new Map(rows.map((r) => [r.month, r]));
const cents = (v: unknown) => Math.round(Number(v) * 100);

describe.each(ORGS)("analytics reports for %s equal plain SQL on PostgreSQL", (_who, scope) => {
  let cases: Case[] = [];
  beforeAll(async () => {
    cases = await casesFor(scope);
  });

  it("timeliness: monthly on-time share, lag bands, providers ranked by late share with median lag", async () => {
    for (const { label, filters } of cases) {
      const report = await read((q) => timelinessReport(q, scope, filters, { allProviders: true }));
      const expected = await timelinessReference(owner, reference(scope, filters));
      expect(expected.totals.records, label).toBeGreaterThan(0);
      expect(report.totals.records, label).toBe(expected.totals.records);
      expect(report.totals.late, label).toBe(expected.totals.late);
      expect(report.totals.medianLag, label).toBeCloseTo(expected.totals.median!, 6);
      const months = byMonth(expected.monthly);
      expect(column(report.monthly, "month"), label).toEqual(monthsBetween(filters.from, filters.to));
      for (const row of report.monthly.rows) {
        const m = months.get(String(row.month)) ?? { records: 0, late: 0 };
        expect([row.month, row.records, row.late, row.onTime], label).toEqual([row.month, m.records, m.late, m.records - m.late]);
      }
      const bands = Object.fromEntries(report.lag.rows.map((r) => [r.band, r.records]));
      for (const band of LAG_BANDS) {
        if (band.id === "early" && !(band.label in bands)) expect(expected.bands.early ?? 0).toBe(0);
        else expect(bands[band.label], `${label}: ${band.label}`).toBe(expected.bands[band.id] ?? 0);
      }
      expect(
        report.providers.rows.map((r) => [r.providerId, r.provider, r.records, r.late, r.medianLag]),
        label,
      ).toEqual(expected.providers.map((p) => [p.id, p.name, p.records, p.late, p.median]));
    }
  });

  it("volume: records and credits per month, by entry method and by format", async () => {
    for (const { label, filters } of cases) {
      const report = await read((q) => volumeReport(q, scope, filters));
      const expected = await volumeReference(owner, reference(scope, filters));
      expect(report.totals.records, label).toBe(expected.totals.records);
      expect(report.totals.accepted, label).toBe(expected.totals.accepted);
      expect(cents(report.totals.credits), label).toBe(cents(expected.totals.credits));
      expect(report.totals.providers, label).toBe(expected.totals.providers);
      for (const row of report.monthly.rows) {
        const cells = expected.byMonthMethod.filter((c) => c.month === row.month);
        const sum = (k: "records" | "accepted" | "credits") => cells.reduce((a, c) => a + c[k], 0);
        expect([row.records, row.accepted, row.rejected, cents(row.credits)], `${label} ${row.month}`).toEqual([sum("records"), sum("accepted"), sum("records") - sum("accepted"), cents(sum("credits"))]);
      }
      for (const row of report.entryMethods.rows) {
        for (const method of ENTRY_METHODS) {
          const expectedCell = expected.byMonthMethod.find((c) => c.month === row.month && c.method === method)?.records ?? 0;
          expect(row[method] ?? 0, `${label} ${row.month} ${method}`).toBe(expectedCell);
        }
      }
      expect(
        [...report.formats.rows].map((r) => [r.format, r.records, cents(r.credits)]).sort(),
        label,
      ).toEqual(expected.byFormat.map((r) => [r.format, r.records, cents(r.credits)]).sort());
    }
  });

  it("credit mix: credits per topic or MOC credit type, overall and per month", async () => {
    for (const { label, filters } of cases) {
      const report = await read((q) => creditMixReport(q, scope, filters));
      const expected = await creditMixReference(owner, reference(scope, filters));
      for (const t of report.totals) {
        const e = expected.totals.find((x) => x.kind === t.kind) ?? { records: 0, credits: 0 };
        expect([t.kind, t.records, cents(t.credits), t.withTypes], label).toEqual([t.kind, e.records, cents(e.credits), expected.carrying[t.kind] ?? 0]);
      }
      expect(report.totals.filter((t) => t.records > 0).map((t) => t.kind).sort(), label).toEqual(expected.totals.map((t) => t.kind).sort());
      const kindOf = (row: ReportRow) => (row.kind === undefined ? report.kinds[0] : row.kind === "Certifying boards" ? "moc" : "topic");
      expect(
        report.types.rows.map((r) => [kindOf(r), r.type, r.records, Math.round(Number(r.credits) * 10_000)]).sort(),
        label,
      ).toEqual(expected.types.map((t) => [t.kind, t.type, t.records, Math.round(t.credits * 10_000)]).sort());
      for (const row of report.monthly.rows) {
        for (const s of report.series) {
          const e = expected.monthly.find((m) => m.month === row.month && m.key === s.key)?.credits ?? 0;
          expect(Math.round(Number(row[s.key]) * 10_000), `${label} ${row.month} ${s.key}`).toBe(Math.round(e * 10_000));
        }
      }
      expect(report.series.map((s) => s.key).sort(), label).toEqual([...new Set(expected.monthly.map((m) => m.key))].sort());
    }
  });

  it("rejections: rate and reasons per month, providers ranked by rejection rate with their most frequent reason", async () => {
    for (const { label, filters } of cases) {
      const report = await read((q) => rejectionsReport(q, scope, filters, { allProviders: true }));
      const expected = await rejectionsReference(owner, reference(scope, filters));
      const months = byMonth(expected.monthly);
      for (const row of report.monthly.rows) {
        const m = months.get(String(row.month)) ?? { records: 0, rejected: 0 };
        expect([row.month, row.records, row.rejected], label).toEqual([row.month, m.records, m.rejected]);
        for (const r of report.reasonKeys) {
          const e = expected.reasons.find((x) => x.month === row.month && x.reason === r.label)?.records ?? 0;
          expect(row[r.key], `${label} ${row.month} ${r.label}`).toBe(e);
        }
      }
      expect(report.reasonKeys.map((r) => r.label).sort(), label).toEqual([...new Set(expected.reasons.map((r) => r.reason))].sort());
      const totalRejected = expected.monthly.reduce((a, m) => a + m.rejected, 0);
      expect(report.totals.rejected, label).toBe(totalRejected);
      expect(report.reasons.rows.map((r) => [r.reason, r.rejected]).sort(), label).toEqual(
        [...new Set(expected.reasons.map((r) => r.reason))].map((reason) => [reason, expected.reasons.filter((r) => r.reason === reason).reduce((a, r) => a + r.records, 0)]).sort(),
      );
      expect(
        report.providers.rows.map((r) => [r.providerId, r.records, r.rejected, r.topReason]),
        label,
      ).toEqual(expected.providers.map((p) => [p.id, p.records, p.rejected, p.topReason]));
    }
  });
});

describe("pages computed ahead (scripts/start.ts after its first snapshot)", () => {
  it("are the pages reviewers open: each organisation's overview and reports as they open then compute nothing, and show the same numbers", async () => {
    const computed: string[] = [];
    const reader = app.server.analytics.reader;
    // The app's reader, with every computation of a kept answer written down.
    const read: Analytics["reader"]["read"] = (work) =>
      reader.read((q, info) =>
        work(
          {
            ...q,
            cached: (key, compute) =>
              q.cached(key, (inner) => {
                computed.push(key);
                return compute(inner);
              }),
          },
          info,
        ),
      );
    const analytics = { ...app.server.analytics, reader: { read, rebuilding: false } } as unknown as Analytics;
    const scopes = ORGS.map(([, scope]) => scope);
    await read((q) => warmDashboards(q, scopes, utcToday()));
    await read((q) => warmReportPages(q, scopes));
    expect(computed.filter((key) => key.startsWith("report-page:")).length).toBeGreaterThan(0);
    const warmed = computed.length;
    for (const scope of scopes) {
      await read((q) => loadDashboard(q, scope, dashboardSections(scope), utcToday()));
      for (const report of REPORTS) {
        const page = await loadReportPage(analytics, { scope } as SessionUser, report.id, new URLSearchParams());
        expect(page.state).toBe("ready");
        if (page.state !== "ready" || report.id !== "volume") continue;
        // The kept figures are the report's own, computed afresh here for the page's filters.
        const fresh = await read((q) => volumeReport(q, scope, page.filters));
        expect(page.report).toEqual(fresh!.value);
      }
    }
    expect(computed.slice(warmed)).toEqual([]);
  });
});
