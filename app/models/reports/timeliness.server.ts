// Submission timeliness (ACCME expects credit within 30 days of completion): by month of submission,
// the lag distribution, and providers ranked by late share. "Late" is lag_days > 30, the same rule
// as the credit search's "reported late" filter, so a provider's late count is what its drill-down lists.
import { z } from "zod";
import { REPORTING_WINDOW_DAYS } from "../../../domain/reference";
import { duckCount, duckNullableNumber, type SnapshotQuery } from "../../../db/analytics/reader";
import { dsql } from "../../../db/analytics/sql";
import type { Scope } from "../../auth/scope.server";
import { creditSearchHref, LAG_BANDS, medianOfCounts, monthsBetween, share, type ReportFilters, type ReportTable } from "../../lib/reports";
import { providerCode, reportConditions } from "./common.server";

export interface TimelinessReport {
  totals: { records: number; onTime: number; late: number; lateShare: number | null; medianLag: number | null };
  monthly: ReportTable;
  lag: ReportTable;
  providers: ReportTable;
}

const W = REPORTING_WINDOW_DAYS;
/** Providers listed on the page; the export has them all. */
export const PROVIDERS_SHOWN = 25;

export async function timelinessReport(q: SnapshotQuery, scope: Scope, filters: ReportFilters, options: { allProviders?: boolean } = {}): Promise<TimelinessReport> {
  const where = reportConditions(scope, filters);
  // One scan: records per month of submission and lag in days. Totals, the monthly table, the lag
  // bands and the median all follow from it (lags are whole days: a few hundred values).
  const histogram = await q.rows(
    dsql`select strftime(r.submitted_month, '%Y-%m') as month, r.lag_days as lag, count(*) as records
         from report r where ${where} group by r.submitted_month, r.lag_days`,
    z.object({ month: z.string(), lag: z.number().int(), records: duckCount }),
  );
  const months = new Map<string, { records: number; late: number }>();
  const lags = new Map<number, number>();
  let records = 0;
  let late = 0;
  for (const h of histogram) {
    const m = months.get(h.month) ?? { records: 0, late: 0 };
    m.records += h.records;
    if (h.lag > W) m.late += h.records;
    months.set(h.month, m);
    lags.set(h.lag, (lags.get(h.lag) ?? 0) + h.records);
    records += h.records;
    if (h.lag > W) late += h.records;
  }
  const medianLag = medianOfCounts([...lags.entries()]);

  const monthly: ReportTable = {
    id: "monthly",
    title: `Share submitted within ${W} days, by month of submission`,
    sheet: "On-time share per month",
    columns: [
      { key: "month", label: "Month", kind: "month" },
      { key: "records", label: "Records", kind: "count" },
      { key: "onTime", label: `Within ${W} days`, kind: "count" },
      { key: "late", label: "Late", kind: "count" },
      { key: "onTimeShare", label: `Share within ${W} days`, kind: "percent" },
    ],
    rows: monthsBetween(filters.from, filters.to).map((month) => {
      const m = months.get(month) ?? { records: 0, late: 0 };
      return { month, records: m.records, onTime: m.records - m.late, late: m.late, onTimeShare: share(m.records - m.late, m.records) };
    }),
    total: { month: "All months", records, onTime: records - late, late, onTimeShare: share(records - late, records) },
  };

  const bandOf = (lag: number) => LAG_BANDS.find((b) => (b.min === null || lag >= b.min) && (b.max === null || lag <= b.max))!.id;
  const bands = new Map<string, number>();
  for (const [lag, n] of lags) bands.set(bandOf(lag), (bands.get(bandOf(lag)) ?? 0) + n);
  const lag: ReportTable = {
    id: "lag",
    title: "Days from completion to submission",
    sheet: "Days to submission",
    columns: [
      { key: "band", label: "Lag", kind: "text" },
      { key: "records", label: "Records", kind: "count" },
      { key: "share", label: "Share of records", kind: "percent" },
    ],
    // The data-error band only when there is something in it.
    rows: LAG_BANDS.filter((b) => b.id !== "early" || (bands.get(b.id) ?? 0) > 0).map((b) => ({
      band: b.label,
      records: bands.get(b.id) ?? 0,
      share: share(bands.get(b.id) ?? 0, records),
    })),
    note: (bands.get("early") ?? 0) > 0 ? LAG_BANDS[0].note : undefined,
  };

  const providers = await lateProviderRanking(q, scope, filters, options.allProviders ? null : PROVIDERS_SHOWN);

  return {
    totals: { records, onTime: records - late, late, lateShare: share(late, records), medianLag },
    monthly,
    lag,
    providers,
  };
}

/** Providers with at least `minRecords` records, ranked by late share (then late records, volume, id). */
export async function lateProviderRanking(q: SnapshotQuery, scope: Scope, filters: ReportFilters, limit: number | null): Promise<ReportTable> {
  const where = reportConditions(scope, filters);
  const ranked = await q.rows(
    dsql`with per_provider as (
           select r.provider_id, count(*) as records, count(*) filter (where r.lag_days > ${W}) as late,
                  quantile_cont(r.lag_days, 0.5) as median_lag
           from report r where ${where} group by r.provider_id having count(*) >= ${filters.minRecords}::integer
         )
         select pp.provider_id, p.name, pp.records, pp.late, pp.median_lag, count(*) over () as ranked
         from per_provider pp join provider p on p.id = pp.provider_id
         order by pp.late / pp.records desc, pp.late desc, pp.records desc, pp.provider_id
         ${limit === null ? dsql`` : dsql`limit ${limit}::integer`}`,
    z.object({ provider_id: z.number().int(), name: z.string(), records: duckCount, late: duckCount, median_lag: duckNullableNumber, ranked: duckCount }),
  );
  const rankedCount = ranked[0]?.ranked ?? 0;
  return {
    id: "providers",
    title: "Providers ranked by late share",
    columns: [
      { key: "rank", label: "Rank", kind: "count" },
      { key: "provider", label: "Provider", kind: "text" },
      { key: "providerId", label: "Provider id", kind: "code" },
      { key: "records", label: "Records", kind: "count" },
      { key: "late", label: "Late", kind: "count", linkKey: "lateRecords", linkLabel: "late records" },
      { key: "lateShare", label: "Late share", kind: "percent" },
      { key: "medianLag", label: "Median lag", kind: "days", exportLabel: "Median lag (days)" },
    ],
    rows: ranked.map((p, i) => ({
      rank: i + 1,
      provider: p.name,
      providerId: providerCode(p.provider_id),
      records: p.records,
      late: p.late,
      lateShare: share(p.late, p.records),
      medianLag: p.median_lag,
      lateRecords: p.late > 0 ? creditSearchHref(filters, { provider: providerCode(p.provider_id), late: "1" }) : null,
    })),
    note:
      rankedCount === 0
        ? `No provider has ${filters.minRecords} or more records here.`
        : `${limit === null || rankedCount <= limit ? `All ${rankedCount}` : `Top ${limit} of ${rankedCount}`} providers with at least ${filters.minRecords} records; ties are ordered by late records, then volume. The export lists them all.`,
  };
}
