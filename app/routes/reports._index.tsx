// The reports: what each one answers, and how fresh the analytics snapshot is.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { AnalyticsBehind } from "~/components/AnalyticsBehind";
import { PageHeader } from "~/components/PageHeader";
import { DataAsOf, ReportTabs } from "~/components/ReportPage";
import { REPORTS } from "~/lib/reports";

export const meta: MetaFunction = () => [{ title: "Reports · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const { analytics } = context.services;
  const snapshot = await analytics.reader.info();
  return { asOf: snapshot?.asOf, freshness: snapshot ? analytics.freshness(snapshot.asOf) : null, admin: user.role === "admin", multiBoard: user.scope.boardCodes === null, org: user.org };
}

export default function Reports() {
  const { asOf, freshness, admin, multiBoard, org } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader
        eyebrow="Reports"
        title="Reports"
        description={`Aggregates over ${multiBoard ? "every board's" : `${org.code}'s`} credit reports, as reported by accredited providers and brought up to date every few minutes. Each report has filters, a chart, its table and a CSV export.`}
        actions={<DataAsOf asOf={asOf} />}
      />
      <ReportTabs />
      <AnalyticsBehind freshness={freshness} />
      <ul className="report-cards">
        {REPORTS.map((r) => (
          <li key={r.id} className="report-card">
            <h2>
              <Link to={`/reports/${r.id}`}>{r.title}</Link>
            </h2>
            <p>{r.summary}</p>
          </li>
        ))}
        {!multiBoard ? (
          <li className="report-card">
            <h2>
              <Link to="/reports/compliance">Compliance overview</Link>
            </h2>
            <p>Share of each renewal cohort meeting its requirement, and how far short the rest are (from the renewal queue).</p>
          </li>
        ) : null}
      </ul>
      {!asOf ? (
        <p className="notice notice--info" role="status">
          Analytics are being prepared: the first figures are being computed from the reported credit.
        </p>
      ) : null}
      {admin ? (
        <p className="muted small">
          Analytics are brought up to date automatically every few minutes. <Link to="/admin/analytics">Update history</Link>
        </p>
      ) : null}
    </>
  );
}
