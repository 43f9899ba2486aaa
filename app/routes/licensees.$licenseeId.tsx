// A licensee as the board knows them: identity, totals by credit type and topic, and every credit
// report for the board, flagged where a record breaks a data rule. Every view is audited.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useLocation } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { CreditGrid, type CreditFilterField } from "~/components/CreditGrid";
import { PageHeader } from "~/components/PageHeader";
import { StatCard } from "~/components/StatCard";
import { LICENSEE_RECORD_COLUMNS, parseCreditSearch } from "~/lib/credit-search";
import { formatCount, formatCredits, formatDate } from "~/lib/format";
import { loadCreditGrid } from "~/models/credit-grid.server";
import { getLicensee, licenseeIdFrom, licenseeTotals } from "~/models/licensees.server";
import { decisionsForLearner } from "~/models/decisions.server";
import { DecisionBadge, DecisionFacts } from "~/components/RenewalCells";
import { orgWords } from "../../domain/org-words";
import type { OrganisationKind } from "../../domain/reference";
import { auditView, viewFilters } from "~/models/view-audit.server";
import { can } from "~/auth/permissions.server";
import { recordViewers } from "~/models/audit-trail.server";
import { RecordViewersPanel } from "~/components/RecordViewersPanel";
import { DateTime } from "~/components/DateTime";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.licensee.lastName}, ${data.licensee.firstName} · CME Credit Verification` : "Licensee · CME Credit Verification" },
];
export const handle = { wide: true };

const FIELDS: CreditFilterField[] = ["board", "completed", "submitted", "status", "creditType", "activity", "provider", "late"];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const learnerId = licenseeIdFrom(params);
  const { db } = context.services;
  const search = new URL(request.url).searchParams;
  const range = parseCreditSearch(search, { multiBoard: user.scope.boardCodes === null }).filters;
  // The page's parts are read alongside the licensee (every one of them scoped); a licensee out of
  // scope is a 404 whatever the parts did, and nothing of them is used.
  const parts = Promise.all([
    loadCreditGrid(db, user, search, { columns: LICENSEE_RECORD_COLUMNS, fixed: { learnerId } }),
    licenseeTotals(db, user.scope, learnerId, { from: range.completedFrom, to: range.completedTo }),
    decisionsForLearner(db, user.org.code, learnerId),
  ]);
  parts.catch(() => undefined); // awaited below, unless the 404 comes first
  const viewersPart = can(user, "oversee") ? recordViewers(db, user, learnerId) : Promise.resolve(null);
  viewersPart.catch(() => undefined);
  const licensee = await getLicensee(db, user.scope, learnerId);
  if (!licensee) throw new Response("Not found", { status: 404 });
  const [grid, totals, decisions] = await parts;
  const viewers = await viewersPart;
  auditView(context, user, { action: "licensee.view", target: `learner:${learnerId}`, detail: { page: "licensee", query: viewFilters(search), records: grid.rows.length }, rows: 1 });
  return pageAnswer({
    org: user.org,
    licensee,
    grid,
    totals,
    range: { from: range.completedFrom ?? null, to: range.completedTo ?? null },
    viewers,
    decisions: decisions.map((d) => ({ id: d.id, entryId: d.entryId, outcome: d.outcome, note: d.note, cycleEnd: d.cycleEnd, decidedBy: d.decidedBy, decidedAt: d.decidedAt.toISOString(), superseded: d.superseded, supersedeReason: d.supersedeReason, bulk: d.bulk, override: d.override, overrideReason: d.overrideReason, extendedTo: d.extendedTo })),
  }, [...grid.notices, ...Object.keys(grid.filterErrors)]);
}

export default function LicenseePage() {
  const { org, licensee, grid, totals, range, decisions, viewers } = useLoaderData<typeof loader>();
  const words = orgWords(org.kind as OrganisationKind);
  const location = useLocation();
  const rangeQuery = new URLSearchParams();
  if (range.from) rangeQuery.set("completedFrom", range.from);
  if (range.to) rangeQuery.set("completedTo", range.to);
  const rangeText = range.from || range.to ? `${range.from ? formatDate(range.from) : "the start"} to ${range.to ? formatDate(range.to) : "today"}` : "all dates";
  const ids = licensee.identifiers.map((i) => `${i.boardCode} ${i.kind} ${i.value}`).join(" · ");
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/licensees">Licensees</Link> / {licensee.lastName}, {licensee.firstName}
      </nav>
      <PageHeader
        eyebrow="Licensee"
        title={`${licensee.lastName}, ${licensee.firstName}`}
        description={`Born ${licensee.birthDate} (month/day) · NPI ${licensee.npi ?? "not on record"}${ids ? ` · ${ids}` : ""}`}
        actions={
          <>
            <Link className="button button--link button--small" to={`/licensees/${licensee.id}/transcript${rangeQuery.size ? `?${rangeQuery}` : ""}`}>
              Verification transcript
            </Link>
            <a className="button button--link button--small" href={`/licensees/${licensee.id}/transcript/export?${new URLSearchParams({ ...Object.fromEntries(rangeQuery), download: "csv" })}`} download>
              Transcript CSV
            </a>
          </>
        }
      />
      <section aria-labelledby="totals-title" className="stack">
        <h2 id="totals-title" className="section-title">
          Accepted credit, completed {rangeText}
        </h2>
        {totals.length === 0 ? (
          <p className="empty-state">No credit reported to {grid.multiBoard ? "any board" : org.code} in this date range.</p>
        ) : (
          totals.map((board) => (
            <div key={board.boardCode} className="stack" data-testid={`totals-${board.boardCode}`}>
              {totals.length > 1 || grid.multiBoard ? <h3 className="small muted">{board.boardCode}</h3> : null}
              <div className="totals-grid">
                <StatCard
                  label={board.certifying ? `${board.boardCode} board credits` : "AMA PRA Category 1 credits"}
                  value={formatCredits(board.credits)}
                  hint={`${formatCount(board.accepted)} accepted, ${formatCount(board.rejected)} rejected records`}
                  testId={`total-credits-${board.boardCode}`}
                />
                {board.byType.map((t) => (
                  <StatCard key={t.type} label={t.type} value={formatCredits(t.credits)} hint={board.certifying ? "MOC credit type (not additive)" : "Topic credits"} />
                ))}
              </div>
            </div>
          ))
        )}
      </section>
      {org.kind !== "accreditor" ? (
        <section aria-labelledby="decisions-title" className="stack section">
          <h2 id="decisions-title" className="section-title">
            {words.cycle.charAt(0).toUpperCase() + words.cycle.slice(1)} decisions
          </h2>
          {decisions.length === 0 ? (
            <p className="empty-state">{`No ${words.cycle} decision recorded by ${org.code} for this ${words.person}.`}</p>
          ) : (
            <ol className="timeline" data-testid="licensee-decisions">
              {decisions.map((d) => (
                <li key={d.id} className={d.superseded ? "timeline__item timeline__item--superseded" : "timeline__item"}>
                  <p>
                    <DecisionBadge outcome={d.outcome} /> <span className="badge badge--neutral">{d.superseded ? "Superseded" : "In force"}</span>{" "}
                    {d.override ? <span className="badge badge--warn">Override</span> : null} · cycle ending{" "}
                    <Link to={`/renewals/${d.entryId}`}>{formatDate(d.cycleEnd)}</Link>
                  </p>
                  <p className="small">
                    {d.decidedBy} · <DateTime value={d.decidedAt} />{d.bulk ? " · bulk" : ""}
                  </p>
                  <DecisionFacts d={d} />
                  {d.note ? <p>{d.note}</p> : null}
                  {d.supersedeReason ? <p className="small">Supersedes an earlier decision: {d.supersedeReason}</p> : null}
                </li>
              ))}
            </ol>
          )}
        </section>
      ) : null}
      <h2 className="section-title section">Credit reports</h2>
      <div className="grid-block" key={location.pathname}>
        <CreditGrid
          data={grid}
          org={org}
          fields={FIELDS}
          columns={LICENSEE_RECORD_COLUMNS}
          exportPath={`/licensees/${licensee.id}/records/export`}
          caption={`Credit reports of ${licensee.firstName} ${licensee.lastName}`}
        />
      </div>
      {viewers ? <RecordViewersPanel viewers={viewers} person={words.person} /> : null}
    </>
  );
}
