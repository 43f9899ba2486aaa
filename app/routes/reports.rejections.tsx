// Rejections: the rejection rate and reasons by month of submission, the reasons overall, and
// providers ranked by rejection rate with a drill into their rejected records in the credit search.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { ReportLayout, ReportSection } from "~/components/ReportPage";
import { StatCard } from "~/components/StatCard";
import { formatCount } from "~/lib/format";
import { loadReportPage } from "~/models/reports/index.server";

export const meta: MetaFunction = () => [{ title: "Rejections · Reports · CME Credit Verification" }];
export const handle = { wide: true };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const page = await loadReportPage(context.services.analytics, user, "rejections", new URL(request.url).searchParams);
  return pageAnswer(page, page.errors);
}

const DESCRIPTION = "How many records the program rejected and why, by month of submission and by provider.";
const pct = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);

export default function RejectionsReport() {
  const data = useLoaderData<typeof loader>();
  if (data.state !== "ready") return <ReportLayout id="rejections" data={data} description={DESCRIPTION} rankings />;
  const { report } = data;
  const empty = report.totals.records === 0;
  const topProviders = report.providers.rows.slice(0, 15);
  return (
    <ReportLayout
      id="rejections"
      data={data}
      description={DESCRIPTION}
      rankings
      summary={
        <>
          <StatCard label="Records submitted" value={formatCount(report.totals.records)} testId="stat-records" />
          <StatCard label="Rejected" value={formatCount(report.totals.rejected)} tone={report.totals.rejected > 0 ? "warn" : undefined} testId="stat-rejected" />
          <StatCard label="Rejection rate" value={pct(report.totals.rate)} testId="stat-rejection-rate" />
          <StatCard label="Most frequent reason" value={report.totals.topReason ?? "—"} testId="stat-top-reason" small />
        </>
      }
    >
      <ReportSection
        id="rejections"
        table={report.monthly}
        empty={empty}
        chart={{
          title: "Rejected records by reason, and the rejection rate, per month",
          summary: "Stacked bars count each month's rejected records by reason; the line is the share of that month's records rejected.",
          rows: report.monthly.rows,
          category: { key: "month", label: "Month of submission", format: "month" },
          series: [
            ...report.reasonKeys.map((r) => ({ key: r.key, label: r.label, type: "bar" as const, stack: "reasons" })),
            { key: "rate", label: "Rejection rate", type: "line" as const, axis: "right" as const },
          ],
          left: { label: "Rejected records", format: "count" },
          right: { label: "Rejection rate", format: "percent" },
          height: 360,
        }}
      />
      <ReportSection
        id="rejections"
        table={report.reasons}
        empty={report.reasons.rows.length === 0}
        chart={{
          title: "Rejected records by reason",
          summary: "Bars count rejected records for each reason, most first.",
          rows: report.reasons.rows,
          category: { key: "reason", label: "Reason" },
          series: [{ key: "rejected", label: "Rejected records", type: "bar" }],
          left: { label: "Rejected records", format: "count" },
          horizontal: true,
        }}
      />
      <ReportSection
        id="rejections"
        table={report.providers}
        empty={report.providers.rows.length === 0}
        description="Open a provider's rejected records in the credit search, filtered to this period."
        chart={{
          title: `Rejection rate of the ${topProviders.length} providers ranked highest`,
          summary: "Bars show each provider's share of records rejected, highest first.",
          rows: topProviders,
          category: { key: "provider", label: "Provider" },
          series: [{ key: "rate", label: "Rejection rate", type: "bar" }],
          left: { label: "Share of records rejected", format: "percent" },
          horizontal: true,
        }}
      />
    </ReportLayout>
  );
}
