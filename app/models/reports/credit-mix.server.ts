// Credit mix of accepted records: topic credits reported to state boards (Pain Management,
// Controlled Substance, …) and MOC credit types reported to certifying boards (Medical Knowledge,
// Patient Safety, …), beside the records' total credits. Credit-type amounts are not additive (one
// activity can award the same 2.25 credits as two types), so they are never summed across types.
import { z } from "zod";
import { CERTIFYING_BOARDS } from "../../../db/reference";
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
const kindOf = (alias: "r" | "t"): DuckSql => dsql`case when ${raw(`${alias}.board_code`)} in ${list(CERTIFYING)} then 'moc' else 'topic' end`;

export async function creditMixReport(q: SnapshotQuery, scope: Scope, filters: ReportFilters): Promise<CreditMixReport> {
  const reports = reportConditions(scope, filters, "r");
  const amounts = reportConditions(scope, filters, "t");
  const totalsRows = await q.rows(
    dsql`select ${kindOf("r")} as kind, count(*) as records, coalesce(sum(r.credits), 0) as credits
         from report r where ${reports} and r.status = 'accepted' group by 1`,
    z.object({ kind: z.enum(["topic", "moc"]), records: duckCount, credits: duckNumber }),
  );
  const carrying = await q.rows(
    dsql`select ${kindOf("t")} as kind, count(distinct t.report_id) as records from report_credit_type t where ${amounts} group by 1`,
    z.object({ kind: z.enum(["topic", "moc"]), records: duckCount }),
  );
  const byType = await q.rows(
    dsql`select ${kindOf("t")} as kind, t.credit_type, count(*) as records, sum(t.amount) as credits
         from report_credit_type t where ${amounts} group by 1, 2`,
    z.object({ kind: z.enum(["topic", "moc"]), credit_type: z.string(), records: duckCount, credits: duckNumber }),
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
  const monthlyRows = await q.rows(
    dsql`select strftime(t.submitted_at, '%Y-%m') as month, ${kindOf("t")} as kind, t.credit_type, sum(t.amount) as credits
         from report_credit_type t where ${amounts} group by 1, 2, 3`,
    z.object({ month: z.string(), kind: z.enum(["topic", "moc"]), credit_type: z.string(), credits: duckNumber }),
  );
  const cells = new Map(monthlyRows.map((r) => [`${r.month}|${r.kind}:${r.credit_type}`, r.credits]));
  const monthly: ReportTable = {
    id: "monthly",
    title: both ? "Credits by topic and MOC credit type, per month" : shown[0] === "moc" ? "Credits by MOC credit type, per month" : "Credits by topic, per month",
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
