// Submission timeliness: how quickly providers report after completion (ACCME expects 30 days), by
// month, as a lag distribution, and providers ranked by late share with a drill into their late
// records in the credit search. Computed in DuckDB over the analytics snapshot.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { REPORTING_WINDOW_DAYS } from "../../domain/reference";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { ReportLayout, ReportSection } from "~/components/ReportPage";
import { StatCard } from "~/components/StatCard";
import { formatCount } from "~/lib/format";
import { loadReportPage } from "~/models/reports/index.server";

export const meta: MetaFunction = () => [{ title: "Submission timeliness · Reports · CME Credit Verification" }];
export const handle = { wide: true };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const page = await loadReportPage(context.services.analytics, user, "timeliness", new URL(request.url).searchParams);
  return pageAnswer(page, page.errors);
}

const W = REPORTING_WINDOW_DAYS;
const pct = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);

export default function TimelinessReport() {
  const data = useLoaderData<typeof loader>();
  const description = `Share of records submitted within ${W} days of completion, by month of submission; the lag distribution; providers ranked by late share.`;
  if (data.state !== "ready") return <ReportLayout id="timeliness" data={data} description={description} rankings />;
  const { report } = data;
  const empty = report.totals.records === 0;
  const topProviders = report.providers.rows.slice(0, 15);
  return (
    <ReportLayout
      id="timeliness"
      data={data}
      description={description}
      rankings
      summary={
        <>
          <StatCard label="Records submitted" value={formatCount(report.totals.records)} testId="stat-records" />
          <StatCard label={`Within ${W} days`} value={pct(report.totals.records ? report.totals.onTime / report.totals.records : null)} testId="stat-on-time-share" />
          <StatCard
            label="Reported late"
            value={formatCount(report.totals.late)}
            hint={`${pct(report.totals.lateShare)} of records, more than ${W} days after completion`}
            tone={(report.totals.lateShare ?? 0) > 0.2 ? "warn" : undefined}
            testId="stat-late"
          />
          <StatCard label="Median lag" value={report.totals.medianLag === null ? "—" : `${report.totals.medianLag.toFixed(1)} days`} testId="stat-median-lag" />
        </>
      }
    >
      <ReportSection
        id="timeliness"
        table={report.monthly}
        empty={empty}
        chart={{
          title: `Records within ${W} days and late, by month of submission`,
          summary: `Bars count records submitted each month, split into those within ${W} days of completion and those later; the line is the share within ${W} days.`,
          rows: report.monthly.rows,
          category: { key: "month", label: "Month of submission", format: "month" },
          series: [
            { key: "onTime", label: `Within ${W} days`, type: "bar", stack: "records" },
            { key: "late", label: "Late", type: "bar", stack: "records" },
            { key: "onTimeShare", label: `Share within ${W} days`, type: "line", axis: "right" },
          ],
          left: { label: "Records", format: "count" },
          right: { label: `Share within ${W} days`, format: "percent" },
        }}
      />
      <ReportSection
        id="timeliness"
        table={report.lag}
        empty={empty}
        chart={{
          title: "Days from completion to submission",
          summary: "Bars count records in each lag band.",
          rows: report.lag.rows,
          category: { key: "band", label: "Lag (days from completion to submission)" },
          series: [{ key: "records", label: "Records", type: "bar" }],
          left: { label: "Records", format: "count" },
        }}
      />
      <ReportSection
        id="timeliness"
        table={report.providers}
        empty={report.providers.rows.length === 0}
        description="Open a provider's late records in the credit search, filtered to this period."
        chart={{
          title: `Late share of the ${topProviders.length} providers ranked highest`,
          summary: "Bars show each provider's share of records reported late, highest first.",
          rows: topProviders,
          category: { key: "provider", label: "Provider" },
          series: [{ key: "lateShare", label: "Late share", type: "bar" }],
          left: { label: "Share of records reported late", format: "percent" },
          horizontal: true,
        }}
      />
    </ReportLayout>
  );
}
