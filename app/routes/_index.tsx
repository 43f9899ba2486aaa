import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/session.server";
import { PageHeader } from "~/components/PageHeader";
import { StatCard } from "~/components/StatCard";
import { formatCount, formatPercent, formatTimestamp } from "~/lib/format";
import { getScopeSummary } from "~/models/scope-summary.server";

export const meta: MetaFunction = () => [{ title: "Overview · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const summary = await getScopeSummary(context.services.db, user.scope);
  const boards = await context.services.db.selectFrom("board.organisation").select(["code", "name"]).execute();
  const boardNames = Object.fromEntries(boards.map((b) => [b.code, b.name]));
  return { org: user.org, boardCodes: user.scope.boardCodes, summary, boardNames };
}

const KIND_LABEL: Record<string, string> = {
  state_board: "State medical licensing board",
  certifying_board: "Certifying board",
  accreditor: "Accreditor",
};

export default function Overview() {
  const { org, boardCodes, summary, boardNames } = useLoaderData<typeof loader>();
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
        <p className="muted small">Latest submission received: {formatTimestamp(summary.latestSubmission)}</p>
        {summary.creditReports === 0 ? (
          <p className="empty-state">No credit has been reported to your organisation yet.</p>
        ) : null}
      </section>
      {boardCodes === null && summary.byBoard.length > 0 ? (
        <section aria-labelledby="by-board" className="stack section">
          <h2 id="by-board" className="section-title">
            By board
          </h2>
          <div className="table-wrap">
            <table className="data-table" data-testid="by-board">
              <caption className="visually-hidden">Credit reports and licensees per board</caption>
              <thead>
                <tr>
                  <th scope="col">Board</th>
                  <th scope="col" className="num">Credit reports</th>
                  <th scope="col" className="num">Licensees</th>
                  <th scope="col" className="num">Rejected</th>
                  <th scope="col" className="num">Rejection rate</th>
                  <th scope="col">Latest submission</th>
                </tr>
              </thead>
              <tbody>
                {summary.byBoard.map((row) => (
                  <tr key={row.boardCode} data-board={row.boardCode}>
                    <th scope="row">
                      <span className="code">{row.boardCode}</span> {boardNames[row.boardCode] ?? ""}
                    </th>
                    <td className="num" data-col="reports">{formatCount(row.creditReports)}</td>
                    <td className="num" data-col="licensees">{formatCount(row.licensees)}</td>
                    <td className="num">{formatCount(row.rejected)}</td>
                    <td className="num">{formatPercent(row.rejected, row.creditReports)}</td>
                    <td>{formatTimestamp(row.latestSubmission)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}
