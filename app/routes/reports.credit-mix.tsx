// Credit mix: credits by topic (state boards) or MOC credit type (certifying boards) on accepted
// records, overall and per month. Amounts of different types are never added up (not additive).
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { ReportLayout, ReportSection } from "~/components/ReportPage";
import { StatCard } from "~/components/StatCard";
import { formatCount, formatCredits } from "~/lib/format";
import { CREDIT_KIND_LABELS as KIND_LABELS } from "~/lib/reports";
import { loadReportPage } from "~/models/reports/index.server";

export const meta: MetaFunction = () => [{ title: "Credit mix · Reports · CME Credit Verification" }];
export const handle = { wide: true };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const page = await loadReportPage(context.services.analytics, user, "credit-mix", new URL(request.url).searchParams);
  return pageAnswer(page, page.errors);
}

const DESCRIPTION = "Credits on accepted records by topic (state boards) and by MOC credit type (certifying boards). One activity can award the same credits as several types, so types are not added together.";

export default function CreditMixReport() {
  const data = useLoaderData<typeof loader>();
  if (data.state !== "ready") return <ReportLayout id="credit-mix" data={data} description={DESCRIPTION} />;
  const { report } = data;
  const empty = report.types.rows.length === 0;
  // The chart draws the largest types (by credits in the period); the table has them all.
  const topSeries = [...report.series].sort((a, b) => b.credits - a.credits).slice(0, 8);
  return (
    <ReportLayout
      id="credit-mix"
      data={data}
      description={DESCRIPTION}
      summary={report.totals.map((t) => (
        <StatCard
          key={t.kind}
          label={`${KIND_LABELS[t.kind].total}${report.totals.length > 1 ? ` (${t.kind === "moc" ? "certifying" : "state"} boards)` : ""}`}
          value={formatCredits(t.credits)}
          hint={`${formatCount(t.records)} accepted records, ${formatCount(t.withTypes)} carrying a ${t.kind === "moc" ? "credit type" : "topic"}`}
          testId={`stat-credits-${t.kind}`}
        />
      ))}
    >
      <ReportSection
        id="credit-mix"
        table={report.types}
        empty={empty}
        chart={{
          title: report.types.title,
          summary: "Bars show the credits of each topic or credit type, most first.",
          rows: report.types.rows,
          category: { key: "type", label: report.kinds.length > 1 ? "Topic or credit type" : report.kinds[0] === "moc" ? "MOC credit type" : "Topic" },
          series: [{ key: "credits", label: "Credits", type: "bar" }],
          left: { label: "Credits", format: "credits" },
          horizontal: true,
        }}
      />
      <ReportSection
        id="credit-mix"
        table={report.monthly}
        empty={empty}
        description={report.series.length > topSeries.length ? `The chart draws the ${topSeries.length} largest types; the table and export have all ${report.series.length}.` : undefined}
        chart={{
          title: report.monthly.title,
          summary: "One line per topic or credit type: its credits each month (lines are not stacked: types overlap).",
          rows: report.monthly.rows,
          category: { key: "month", label: "Month of submission", format: "month" },
          series: topSeries.map((s) => ({ key: s.key, label: s.label, type: "line" as const })),
          left: { label: "Credits", format: "credits" },
          height: 380,
        }}
      />
    </ReportLayout>
  );
}
