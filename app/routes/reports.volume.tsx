// Volume: records and credits reported per month, by entry method and by activity format.
// Computed in DuckDB over the analytics snapshot.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { ReportLayout, ReportSection } from "~/components/ReportPage";
import { StatCard } from "~/components/StatCard";
import { formatCount, formatCredits } from "~/lib/format";
import { loadReportPage } from "~/models/reports/index.server";

export const meta: MetaFunction = () => [{ title: "Volume · Reports · CME Credit Verification" }];
export const handle = { wide: true };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const page = await loadReportPage(context.services.analytics, user, "volume", new URL(request.url).searchParams);
  return pageAnswer(page, page.errors);
}

const DESCRIPTION = "Records and credits reported per month of submission, by entry method and by activity format. Credits are those of accepted records.";

export default function VolumeReport() {
  const data = useLoaderData<typeof loader>();
  if (data.state !== "ready") return <ReportLayout id="volume" data={data} description={DESCRIPTION} />;
  const { report } = data;
  const empty = report.totals.records === 0;
  const methods = report.entryMethods.columns.filter((c) => c.key !== "month" && c.key !== "records");
  return (
    <ReportLayout
      id="volume"
      data={data}
      description={DESCRIPTION}
      summary={
        <>
          <StatCard label="Records reported" value={formatCount(report.totals.records)} testId="stat-records" />
          <StatCard label="Accepted" value={formatCount(report.totals.accepted)} hint={`${formatCount(report.totals.rejected)} rejected`} testId="stat-accepted" />
          <StatCard label="Credits (accepted)" value={formatCredits(report.totals.credits)} testId="stat-credits" />
          <StatCard label="Providers reporting" value={formatCount(report.totals.providers)} testId="stat-providers" />
        </>
      }
    >
      <ReportSection
        id="volume"
        table={report.monthly}
        empty={empty}
        chart={{
          title: "Records and credits reported per month",
          summary: "Bars count accepted and rejected records each month; the line is the credits of accepted records.",
          rows: report.monthly.rows,
          category: { key: "month", label: "Month of submission", format: "month" },
          series: [
            { key: "accepted", label: "Accepted records", type: "bar", stack: "records" },
            { key: "rejected", label: "Rejected records", type: "bar", stack: "records" },
            { key: "credits", label: "Credits (accepted)", type: "line", axis: "right" },
          ],
          left: { label: "Records", format: "count" },
          right: { label: "Credits", format: "credits" },
        }}
      />
      <ReportSection
        id="volume"
        table={report.entryMethods}
        empty={empty}
        chart={{
          title: "Records by entry method, per month",
          summary: "Stacked bars count each month's records by how the provider entered them.",
          rows: report.entryMethods.rows,
          category: { key: "month", label: "Month of submission", format: "month" },
          series: methods.map((c) => ({ key: c.key, label: c.label, type: "bar" as const, stack: "methods" })),
          left: { label: "Records", format: "count" },
        }}
      />
      <ReportSection
        id="volume"
        table={report.formats}
        empty={empty}
        chart={{
          title: "Records by activity format",
          summary: "Bars count records for each activity format, most first.",
          rows: report.formats.rows,
          category: { key: "format", label: "Activity format" },
          series: [{ key: "records", label: "Records", type: "bar" }],
          left: { label: "Records", format: "count" },
          horizontal: true,
        }}
      />
    </ReportLayout>
  );
}
