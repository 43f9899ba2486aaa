// Rejections: the rejection rate and reasons by month of submission, the reasons overall, and
// providers ranked by rejection rate (with their most frequent reason).
import { z } from "zod";
import { REJECTION_REASONS } from "../../../domain/reference";
import { duckCount, type SnapshotQuery } from "../../../db/analytics/reader";
import { dsql } from "../../../db/analytics/sql";
import type { Scope } from "../../auth/scope.server";
import { creditSearchHref, monthsBetween, share, type ReportFilters, type ReportTable } from "../../lib/reports";
import { providerCode, reportConditions } from "./common.server";

export interface RejectionsReport {
  totals: { records: number; rejected: number; rate: number | null; topReason: string | null };
  monthly: ReportTable;
  reasons: ReportTable;
  providers: ReportTable;
  /** Reasons present, most frequent first: the monthly table's reason columns. */
  reasonKeys: Array<{ key: string; label: string }>;
}

export const PROVIDERS_SHOWN = 25;

export async function rejectionsReport(q: SnapshotQuery, scope: Scope, filters: ReportFilters, options: { allProviders?: boolean } = {}): Promise<RejectionsReport> {
  const where = reportConditions(scope, filters);
  const byMonth = await q.rows(
    dsql`select strftime(r.submitted_month, '%Y-%m') as month, coalesce(r.rejection_reason, '') as reason, count(*) as records
         from report r where ${where} group by r.submitted_month, r.rejection_reason`,
    z.object({ month: z.string(), reason: z.string(), records: duckCount }),
  );
  const months = new Map<string, { records: number; rejected: number; reasons: Map<string, number> }>();
  const reasonTotals = new Map<string, number>();
  let records = 0;
  for (const row of byMonth) {
    const m = months.get(row.month) ?? { records: 0, rejected: 0, reasons: new Map() };
    m.records += row.records;
    records += row.records;
    // Rejected records carry a reason (the store's check constraint); accepted ones none.
    if (row.reason !== "") {
      m.rejected += row.records;
      m.reasons.set(row.reason, row.records);
      reasonTotals.set(row.reason, (reasonTotals.get(row.reason) ?? 0) + row.records);
    }
    months.set(row.month, m);
  }
  const rejected = [...reasonTotals.values()].reduce((a, b) => a + b, 0);
  const known = REJECTION_REASONS as readonly string[];
  const reasonOrder = [...reasonTotals.entries()].sort((a, b) => b[1] - a[1] || known.indexOf(a[0]) - known.indexOf(b[0]) || a[0].localeCompare(b[0]));
  const reasonKeys = reasonOrder.map(([reason], i) => ({ key: `reason${i + 1}`, label: reason }));

  const monthly: ReportTable = {
    id: "monthly",
    title: "Rejections by reason, per month of submission",
    sheet: "Rejections per month",
    columns: [
      { key: "month", label: "Month", kind: "month" },
      { key: "records", label: "Records", kind: "count" },
      { key: "rejected", label: "Rejected", kind: "count" },
      { key: "rate", label: "Rejection rate", kind: "percent" },
      ...reasonKeys.map((r) => ({ key: r.key, label: r.label, kind: "count" as const })),
    ],
    rows: monthsBetween(filters.from, filters.to).map((month) => {
      const m = months.get(month) ?? { records: 0, rejected: 0, reasons: new Map<string, number>() };
      return {
        month,
        records: m.records,
        rejected: m.rejected,
        rate: share(m.rejected, m.records),
        ...Object.fromEntries(reasonKeys.map((r) => [r.key, m.reasons.get(r.label) ?? 0])),
      };
    }),
    total: {
      month: "All months",
      records,
      rejected,
      rate: share(rejected, records),
      ...Object.fromEntries(reasonKeys.map((r) => [r.key, reasonTotals.get(r.label) ?? 0])),
    },
  };

  const reasons: ReportTable = {
    id: "reasons",
    title: "Rejections by reason",
    columns: [
      { key: "reason", label: "Reason", kind: "text" },
      { key: "rejected", label: "Rejected records", kind: "count" },
      { key: "share", label: "Share of rejections", kind: "percent" },
    ],
    rows: reasonOrder.map(([reason, n]) => ({ reason, rejected: n, share: share(n, rejected) })),
  };

  const ranked = await q.rows(
    dsql`with per_provider as (
           select r.provider_id, count(*) as records, count(*) filter (where r.status = 'rejected') as rejected
           from report r where ${where} group by r.provider_id having count(*) >= ${filters.minRecords}::integer
         ),
         top_reason as (
           select provider_id, rejection_reason, row_number() over (partition by provider_id order by n desc, rejection_reason) as pick
           from (select r.provider_id, r.rejection_reason, count(*) as n from report r
                 where ${where} and r.status = 'rejected' group by 1, 2)
         )
         select pp.provider_id, p.name, pp.records, pp.rejected, tr.rejection_reason as top_reason, count(*) over () as ranked
         from per_provider pp join provider p on p.id = pp.provider_id
         left join top_reason tr on tr.provider_id = pp.provider_id and tr.pick = 1
         order by pp.rejected / pp.records desc, pp.rejected desc, pp.records desc, pp.provider_id
         ${options.allProviders ? dsql`` : dsql`limit ${PROVIDERS_SHOWN}::integer`}`,
    z.object({ provider_id: z.number().int(), name: z.string(), records: duckCount, rejected: duckCount, top_reason: z.string().nullable(), ranked: duckCount }),
  );
  const rankedCount = ranked[0]?.ranked ?? 0;
  const providers: ReportTable = {
    id: "providers",
    title: "Providers ranked by rejection rate",
    sheet: "Providers by rejection rate",
    columns: [
      { key: "rank", label: "Rank", kind: "count" },
      { key: "provider", label: "Provider", kind: "text" },
      { key: "providerId", label: "Provider id", kind: "code" },
      { key: "records", label: "Records", kind: "count" },
      { key: "rejected", label: "Rejected", kind: "count", linkKey: "rejectedRecords", linkLabel: "rejected records" },
      { key: "rate", label: "Rejection rate", kind: "percent" },
      { key: "topReason", label: "Most frequent reason", kind: "text" },
    ],
    rows: ranked.map((p, i) => ({
      rank: i + 1,
      provider: p.name,
      providerId: providerCode(p.provider_id),
      records: p.records,
      rejected: p.rejected,
      rate: share(p.rejected, p.records),
      topReason: p.top_reason,
      rejectedRecords: p.rejected > 0 ? creditSearchHref(filters, { provider: providerCode(p.provider_id), status: "rejected" }) : null,
    })),
    note:
      rankedCount === 0
        ? `No provider has ${filters.minRecords} or more records here.`
        : `${options.allProviders || rankedCount <= PROVIDERS_SHOWN ? `All ${rankedCount}` : `Top ${PROVIDERS_SHOWN} of ${rankedCount}`} providers with at least ${filters.minRecords} records; ties are ordered by rejected records, then volume. The export lists them all.`,
  };

  return {
    totals: { records, rejected, rate: share(rejected, records), topReason: reasonOrder[0]?.[0] ?? null },
    monthly,
    reasons,
    providers,
    reasonKeys,
  };
}
