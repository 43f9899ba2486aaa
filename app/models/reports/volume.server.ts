// Volume: records and credits reported per month, by activity format and by entry method. Records
// count everything providers reported (accepted and rejected); credits are those of accepted records
// (AMA PRA Category 1 for state boards, total board credits for certifying boards).
import { z } from "zod";
import { ACTIVITY_FORMATS, ENTRY_METHOD_LABELS, ENTRY_METHODS } from "../../../domain/reference";
import { duckCount, duckNumber, type SnapshotQuery } from "../../../db/analytics/reader";
import { dsql } from "../../../db/analytics/sql";
import type { Scope } from "../../auth/scope.server";
import { monthsBetween, share, type ReportFilters, type ReportTable } from "../../lib/reports";
import { reportConditions } from "./common.server";

export interface VolumeReport {
  totals: { records: number; accepted: number; rejected: number; credits: number; providers: number };
  monthly: ReportTable;
  formats: ReportTable;
  entryMethods: ReportTable;
}

export async function volumeReport(q: SnapshotQuery, scope: Scope, filters: ReportFilters): Promise<VolumeReport> {
  const where = reportConditions(scope, filters);

  const byMonth = await q.rows(
    dsql`select strftime(r.submitted_month, '%Y-%m') as month, r.entry_method, count(*) as records,
                count(*) filter (where r.status = 'accepted') as accepted,
                coalesce(sum(r.credits) filter (where r.status = 'accepted'), 0) as credits
         from report r where ${where} group by r.submitted_month, r.entry_method`,
    z.object({ month: z.string(), entry_method: z.string(), records: duckCount, accepted: duckCount, credits: duckNumber }),
  );
  const months = monthsBetween(filters.from, filters.to);
  const cell = new Map<string, { records: number; accepted: number; credits: number }>();
  const methods = new Map<string, number>();
  for (const row of byMonth) {
    const m = cell.get(row.month) ?? { records: 0, accepted: 0, credits: 0 };
    m.records += row.records;
    m.accepted += row.accepted;
    m.credits += row.credits;
    cell.set(row.month, m);
    cell.set(`${row.month}|${row.entry_method}`, { records: row.records, accepted: row.accepted, credits: row.credits });
    methods.set(row.entry_method, (methods.get(row.entry_method) ?? 0) + row.records);
  }
  const totals = byMonth.reduce(
    (t, r) => ({ records: t.records + r.records, accepted: t.accepted + r.accepted, credits: t.credits + r.credits }),
    { records: 0, accepted: 0, credits: 0 },
  );
  const monthly: ReportTable = {
    id: "monthly",
    title: "Records and credits reported per month",
    sheet: "Records and credits per month",
    columns: [
      { key: "month", label: "Month", kind: "month" },
      { key: "records", label: "Records", kind: "count" },
      { key: "accepted", label: "Accepted", kind: "count" },
      { key: "rejected", label: "Rejected", kind: "count" },
      { key: "credits", label: "Credits (accepted)", kind: "credits" },
    ],
    rows: months.map((month) => {
      const m = cell.get(month) ?? { records: 0, accepted: 0, credits: 0 };
      return { month, records: m.records, accepted: m.accepted, rejected: m.records - m.accepted, credits: round2(m.credits) };
    }),
    total: { month: "All months", records: totals.records, accepted: totals.accepted, rejected: totals.records - totals.accepted, credits: round2(totals.credits) },
  };

  // Entry methods in the programme's order, plus any other a provider used.
  const methodKeys = [...ENTRY_METHODS.filter((m) => methods.has(m)), ...[...methods.keys()].filter((m) => !(ENTRY_METHODS as readonly string[]).includes(m)).sort()];
  const label = (m: string) => ENTRY_METHOD_LABELS[m as keyof typeof ENTRY_METHOD_LABELS] ?? m;
  const entryMethods: ReportTable = {
    id: "entry-methods",
    title: "Records by entry method, per month",
    sheet: "Entry methods per month",
    columns: [
      { key: "month", label: "Month", kind: "month" },
      ...methodKeys.map((m) => ({ key: m, label: label(m), kind: "count" as const })),
      { key: "records", label: "All methods", kind: "count" },
    ],
    rows: months.map((month) => ({
      month,
      ...Object.fromEntries(methodKeys.map((m) => [m, cell.get(`${month}|${m}`)?.records ?? 0])),
      records: cell.get(month)?.records ?? 0,
    })),
    total: { month: "All months", ...Object.fromEntries(methodKeys.map((m) => [m, methods.get(m) ?? 0])), records: totals.records },
  };

  // The same scan gives the formats and (the grouping set of everything) the distinct providers.
  const perFormat = await q.rows(
    dsql`select r.format, count(*) as records, coalesce(sum(r.credits) filter (where r.status = 'accepted'), 0) as credits,
                count(distinct r.provider_id) as providers
         from report r where ${where} group by grouping sets ((r.format), ())`,
    z.object({ format: z.string().nullable(), records: duckCount, credits: duckNumber, providers: duckCount }),
  );
  const byFormat = perFormat.filter((f): f is typeof f & { format: string } => f.format !== null);
  const providers = perFormat.find((f) => f.format === null)?.providers ?? 0;
  const formatOrder = (f: string) => {
    const i = (ACTIVITY_FORMATS as readonly string[]).indexOf(f);
    return i === -1 ? ACTIVITY_FORMATS.length : i;
  };
  const formats: ReportTable = {
    id: "formats",
    title: "Records by activity format",
    columns: [
      { key: "format", label: "Activity format", kind: "text" },
      { key: "records", label: "Records", kind: "count" },
      { key: "share", label: "Share of records", kind: "percent" },
      { key: "credits", label: "Credits (accepted)", kind: "credits" },
    ],
    rows: byFormat
      .sort((a, b) => b.records - a.records || formatOrder(a.format) - formatOrder(b.format))
      .map((f) => ({ format: f.format, records: f.records, share: share(f.records, totals.records), credits: round2(f.credits) })),
  };

  return {
    totals: { records: totals.records, accepted: totals.accepted, rejected: totals.records - totals.accepted, credits: round2(totals.credits), providers },
    monthly,
    formats,
    entryMethods,
  };
}

/** Credits are quarter hours: sums are exact to the cent; this only removes float noise. */
function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
