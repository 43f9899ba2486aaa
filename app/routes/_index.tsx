import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/session.server";
import { PageHeader } from "~/components/PageHeader";
import { StatCard } from "~/components/StatCard";
import { formatCount } from "~/lib/format";
import { getScopeSummary } from "~/models/scope-summary.server";

export const meta: MetaFunction = () => [{ title: "Overview · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const summary = await getScopeSummary(context.services.db, user.scope);
  return { org: user.org, boardCodes: user.scope.boardCodes, summary };
}

const KIND_LABEL: Record<string, string> = {
  state_board: "State medical licensing board",
  certifying_board: "Certifying board",
  accreditor: "Accreditor",
};

export default function Overview() {
  const { org, boardCodes, summary } = useLoaderData<typeof loader>();
  const scopeText =
    boardCodes === null
      ? "Credit reported to every board (all providers, all learners)."
      : `Credit reported to board ${boardCodes.join(", ")} only.`;
  return (
    <>
      <PageHeader eyebrow={KIND_LABEL[org.kind] ?? org.kind} title={org.name} description={scopeText} />
      <section aria-labelledby="scope-figures" className="stack">
        <h2 id="scope-figures" className="section-title">
          In your scope
        </h2>
        <div className="stat-grid">
          <StatCard label="Credit reports" value={formatCount(summary.creditReports)} testId="stat-credit-reports" />
          <StatCard label="Licensees" value={formatCount(summary.licensees)} testId="stat-licensees" hint="Physicians with credit reported to you" />
          <StatCard label="Accepted" value={formatCount(summary.accepted)} testId="stat-accepted" />
          <StatCard label="Rejected" value={formatCount(summary.rejected)} testId="stat-rejected" tone={summary.rejected > 0 ? "warn" : undefined} />
        </div>
        {summary.creditReports === 0 ? (
          <p className="empty-state">No credit has been reported to your organisation yet.</p>
        ) : null}
      </section>
    </>
  );
}
