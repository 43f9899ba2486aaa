// Credit mix of accepted records: topic credits reported to state boards (Pain Management,
// Controlled Substance, …) and MOC credit types reported to certifying boards (Medical Knowledge,
// Patient Safety, …), beside the records' total credits. Credit-type amounts are not additive (one
// activity can award the same 2.25 credits as two types), so they are never summed across types.
import { z } from "zod";
import { CERTIFYING_BOARDS } from "../../../domain/reference";
import { duckCount, duckNumber, type SnapshotQuery } from "../../../db/analytics/reader";
import { dsql, list, raw, type DuckSql } from "../../../db/analytics/sql";
import type { Scope } from "../../auth/scope.server";
import { CREDIT_KIND_LABELS as KIND_LABELS, monthsBetween, share, type CreditKind, type ReportColumn, type ReportFilters, type ReportTable } from "../../lib/reports";
import { reportConditions } from "./common.server";


export interface CreditMixReport {
  /** The kinds present in the scope and filters (a board sees its own kind only). */
  kinds: CreditKind[];
  totals: Array<{ kind: CreditKind; records: number; credits: number; withTypes: number }>;
  types: ReportTable;
  monthly: ReportTable;
  /** Keys of the monthly table's type columns, biggest first (for the chart's series). */
  series: Array<{ key: string; label: string; kind: CreditKind; credits: number }>;
}

const CERTIFYING = CERTIFYING_BOARDS.map((b) => b.code);
/** Topic (state board) or MOC credit type (certifying board), decided after grouping by board: a handful of rows, not millions. */
const byKind = (inner: DuckSql, keys: string): DuckSql =>
  dsql`select case when board_code in ${list(CERTIFYING)} then 'moc' else 'topic' end as kind, ${raw(keys)} from (${inner}) per_board`;

export async function creditMixReport(q: SnapshotQuery, scope: Scope, filters: ReportFilters): Promise<CreditMixReport> {
  const reports = reportConditions(scope, filters, "r");
  const amounts = reportConditions(scope, filters, "t");
  const perBoard = await q.rows(
    byKind(
      dsql`select r.board_code, count(*) as records, coalesce(sum(r.credits), 0) as credits, count(*) filter (where r.has_credit_types) as carrying
           from report r where ${reports} and r.status = 'accepted' group by r.board_code`,
      "records, credits, carrying",
    ),
    z.object({ kind: z.enum(["topic", "moc"]), records: duckCount, credits: duckNumber, carrying: duckCount }),
  );
  const sumBy = <T extends { kind: CreditKind }>(rows: T[], key: (row: T) => string, fields: Array<keyof T>) => {
    const out = new Map<string, T>();
    for (const row of rows) {
      const k = key(row);
      const seen = out.get(k);
      if (!seen) out.set(k, { ...row });
      else for (const f of fields) (seen[f] as number) += row[f] as number;
    }
    return [...out.values()];
  };
  const totalsRows = sumBy(perBoard, (r) => r.kind, ["records", "credits", "carrying"]);
  const carrying = totalsRows.map((t) => ({ kind: t.kind, records: t.carrying }));
  // One scan of the amounts: per month, board and type; the per-type table is its sum over months.
  const monthlyRows = sumBy(
    await q.rows(
      byKind(
        dsql`select strftime(t.submitted_month, '%Y-%m') as month, t.board_code, t.credit_type, count(*) as records, sum(t.amount) as credits
             from report_credit_type t where ${amounts} group by t.submitted_month, t.board_code, t.credit_type`,
        "month, credit_type, records, credits",
      ),
      z.object({ kind: z.enum(["topic", "moc"]), month: z.string(), credit_type: z.string(), records: duckCount, credits: duckNumber }),
    ),
    (r) => `${r.month}|${r.kind}:${r.credit_type}`,
    ["records", "credits"],
  );
  const byType = sumBy(
    monthlyRows.map(({ kind, credit_type, records, credits }) => ({ kind, credit_type, records, credits })),
    (r) => `${r.kind}:${r.credit_type}`,
    ["records", "credits"],
  );
  const kinds = (["topic", "moc"] as const).filter((k) => totalsRows.some((t) => t.kind === k) || byType.some((t) => t.kind === k));
  const shown: CreditKind[] = kinds.length ? [...kinds] : [scope.kind === "certifying_board" ? "moc" : "topic"];
  const accepted = new Map(totalsRows.map((t) => [t.kind, t.records]));
  const both = shown.length > 1;
  byType.sort((a, b) => (a.kind === b.kind ? b.credits - a.credits || a.credit_type.localeCompare(b.credit_type) : a.kind === "topic" ? -1 : 1));

  const typeColumns: ReportColumn[] = [
    ...(both ? [{ key: "kind", label: "Reported to", kind: "text" as const }] : []),
    { key: "type", label: both ? "Topic or credit type" : KIND_LABELS[shown[0]!].type, kind: "text" },
    { key: "records", label: "Records carrying it", kind: "count" },
    { key: "share", label: "Share of accepted records", kind: "percent" },
    { key: "credits", label: "Credits", kind: "credits" },
  ];
  const types: ReportTable = {
    id: "types",
    title: both ? "Credits by topic and MOC credit type" : shown[0] === "moc" ? "Credits by MOC credit type" : "Credits by topic",
    sheet: both ? "Credits by topic and MOC type" : undefined,
    columns: typeColumns,
    rows: byType.map((t) => ({
      kind: t.kind === "moc" ? "Certifying boards" : "State boards",
      type: t.credit_type,
      records: t.records,
      share: share(t.records, accepted.get(t.kind) ?? 0),
      credits: exact(t.credits),
    })),
    note: "Amounts of different types are not added up: one activity can award the same credits as several types.",
  };

  const series = byType.map((t) => ({ key: `${t.kind}:${t.credit_type}`, label: t.credit_type, kind: t.kind, credits: exact(t.credits) }));
  const cells = new Map(monthlyRows.map((r) => [`${r.month}|${r.kind}:${r.credit_type}`, r.credits]));
  const monthly: ReportTable = {
    id: "monthly",
    title: both ? "Credits by topic and MOC credit type, per month" : shown[0] === "moc" ? "Credits by MOC credit type, per month" : "Credits by topic, per month",
    sheet: both ? "Topic and MOC credits by month" : shown[0] === "moc" ? "MOC credit types per month" : "Credits by topic per month",
    columns: [{ key: "month", label: "Month", kind: "month" }, ...series.map((s) => ({ key: s.key, label: s.label, kind: "credits" as const }))],
    rows: monthsBetween(filters.from, filters.to).map((month) => ({
      month,
      ...Object.fromEntries(series.map((s) => [s.key, exact(cells.get(`${month}|${s.key}`) ?? 0)])),
    })),
  };

  return {
    kinds: shown,
    totals: shown.map((kind) => {
      const row = totalsRows.find((t) => t.kind === kind);
      return { kind, records: row?.records ?? 0, credits: exact(row?.credits ?? 0), withTypes: carrying.find((c) => c.kind === kind)?.records ?? 0 };
    }),
    types,
    monthly,
    series,
  };
}

/** Amounts are in quarter hours (at most four decimals): this only removes float noise from sums. */
function exact(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
