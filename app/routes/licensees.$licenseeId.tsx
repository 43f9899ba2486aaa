// A licensee as the board knows them: identity, the current cycle on the board's roster (dates,
// status, the renewal entry, the cycle's totals), totals reported and counted by the one credit-total
// definition (lifetime on request), and every credit report for the board, flagged where a record
// breaks a data rule. Every view is audited.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useLocation } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { CreditGrid, type CreditFilterField } from "~/components/CreditGrid";
import { PageHeader } from "~/components/PageHeader";
import { StatCard } from "~/components/StatCard";
import { LICENSEE_RECORD_COLUMNS, parseCreditSearch } from "~/lib/credit-search";
import { formatCount, formatCredits, formatDate, formatDateTime } from "~/lib/format";
import { loadCreditGrid } from "~/models/credit-grid.server";
import { currentCycle, getLicensee, licenseeCount, licenseeIdFrom, type BoardTotals } from "~/models/licensees.server";
import { decisionsForLearner } from "~/models/decisions.server";
import { DecisionBadge, DecisionFacts, RenewalStatus } from "~/components/RenewalCells";
import { creditUnit, NOT_COUNTED_EXPLANATIONS, NOT_COUNTED_LABELS } from "~/lib/credit-totals";
import type { QueueStatus } from "~/lib/renewal-search";
import { orgWords } from "../../domain/org-words";
import { organisationTimeZone, type OrganisationKind } from "../../domain/reference";
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
  const lifetime = search.get("totals") === "lifetime";
  // The page's parts are read alongside the licensee (every one of them scoped); a licensee out of
  // scope is a 404 whatever the parts did, and nothing of them is used.
  const parts = Promise.all([
    loadCreditGrid(db, user, search, { columns: LICENSEE_RECORD_COLUMNS, fixed: { learnerId } }),
    decisionsForLearner(db, user.org.code, learnerId),
    user.org.kind === "accreditor" ? null : currentCycle(db, user.org.code, learnerId),
  ]);
  parts.catch(() => undefined); // awaited below, unless the 404 comes first
  const viewersPart = can(user, "oversee") ? recordViewers(db, user, learnerId) : Promise.resolve(null);
  viewersPart.catch(() => undefined);
  const licensee = await getLicensee(db, user.scope, learnerId);
  if (!licensee) throw new Response("Not found", { status: 404 });
  const [grid, decisions, cycle] = await parts;
  const viewers = await viewersPart;
  // Which dates the totals cover: lifetime on request, the grid's completion dates when given,
  // else the current cycle (to its counting end, under an extension), else every date.
  const asked = range.completedFrom || range.completedTo;
  const period: { from: string | null; to: string | null; kind: "lifetime" | "range" | "cycle" } = lifetime
    ? { from: null, to: null, kind: "lifetime" }
    : asked
      ? { from: range.completedFrom ?? null, to: range.completedTo ?? null, kind: "range" }
      : cycle?.start
        ? { from: cycle.start, to: cycle.countingEnd, kind: "cycle" }
        : { from: null, to: null, kind: "lifetime" };
  const counted = await licenseeCount(db, user.scope, learnerId, period);
  const cycleTotals = cycle?.start
    ? period.kind === "cycle"
      ? counted.totals
      : (await licenseeCount(db, user.scope, learnerId, { from: cycle.start, to: cycle.countingEnd })).totals
    : [];
  auditView(context, user, { action: "licensee.view", target: `learner:${learnerId}`, detail: { page: "licensee", query: viewFilters(search), records: grid.rows.length }, rows: 1 });
  return pageAnswer({
    org: user.org,
    licensee,
    grid,
    totals: counted.totals,
    period,
    cycle,
    cycleTotals: cycleTotals.find((t) => t.boardCode === user.org.code) ?? null,
    timeZone: organisationTimeZone(user.org.code),
    range: { from: range.completedFrom ?? null, to: range.completedTo ?? null },
    viewers,
    decisions: decisions.map((d) => ({ id: d.id, entryId: d.entryId, outcome: d.outcome, note: d.note, cycleEnd: d.cycleEnd, decidedBy: d.decidedBy, decidedAt: d.decidedAt.toISOString(), superseded: d.superseded, supersedeReason: d.supersedeReason, bulk: d.bulk, override: d.override, overrideReason: d.overrideReason, extendedTo: d.extendedTo })),
  }, [...grid.notices, ...Object.keys(grid.filterErrors)]);
}

/** Reported and counted for one board, with what is not counted and why, in place. */
function BoardTotalsCards({ board, showBoard, testPrefix }: { board: BoardTotals; showBoard: boolean; testPrefix: string }) {
  const unit = creditUnit(board.boardCode);
  const left = board.notCounted.reduce((sum, n) => sum + n.credits, 0);
  return (
    <div className="stack" data-testid={`${testPrefix}-${board.boardCode}`}>
      {showBoard ? <h3 className="small muted">{board.boardCode}</h3> : null}
      <div className="totals-grid">
        <StatCard label={`Counted ${unit}`} value={formatCredits(board.counted)} hint={`${formatCount(board.accepted)} accepted, ${formatCount(board.rejected)} rejected records`} testId={`${testPrefix}-counted-${board.boardCode}`} />
        <StatCard label={`Reported ${unit}`} value={formatCredits(board.reported)} hint="Everything providers reported, counted or not" testId={`${testPrefix}-reported-${board.boardCode}`} />
        <StatCard label="Not counted" value={formatCredits(left)} tone={left > 0 ? "warn" : undefined} hint={board.notCounted.length ? board.notCounted.map((n) => `${NOT_COUNTED_LABELS[n.code]} ${formatCredits(n.credits)}`).join(" · ") : "Every reported credit counts"} testId={`${testPrefix}-left-${board.boardCode}`} />
        {board.byType.map((t) => (
          <StatCard
            key={t.type}
            label={t.type}
            value={formatCredits(t.counted)}
            hint={`${board.certifying ? "MOC credit type (not additive)" : "Topic"} · ${formatCredits(t.reported)} reported`}
          />
        ))}
      </div>
      {board.notCounted.length ? (
        <ul className="not-counted small" data-testid={`${testPrefix}-not-counted-${board.boardCode}`}>
          {board.notCounted.map((n) => (
            <li key={n.code}>
              <span className="badge badge--warn">{NOT_COUNTED_LABELS[n.code]}</span> {formatCount(n.records)} {n.records === 1 ? "record" : "records"}, {formatCredits(n.credits)} not counted. {NOT_COUNTED_EXPLANATIONS[n.code]}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export default function LicenseePage() {
  const { org, licensee, grid, totals, period, cycle, cycleTotals, range, decisions, timeZone, viewers } = useLoaderData<typeof loader>();
  const words = orgWords(org.kind as OrganisationKind);
  const Cycle = words.cycle.charAt(0).toUpperCase() + words.cycle.slice(1);
  const location = useLocation();
  const rangeQuery = new URLSearchParams();
  if (range.from) rangeQuery.set("completedFrom", range.from);
  if (range.to) rangeQuery.set("completedTo", range.to);
  // The transcript opens on the totals' period: the cycle (from its renewal entry) unless dates were asked for.
  const transcriptQuery = new URLSearchParams();
  if (period.kind === "cycle" && cycle) transcriptQuery.set("entry", cycle.entryId);
  else {
    if (period.from) transcriptQuery.set("from", period.from);
    if (period.to) transcriptQuery.set("to", period.to);
  }
  const periodText =
    period.kind === "cycle" ? `in the current ${words.cycle}, ${formatDate(period.from)} to ${formatDate(period.to)}` : period.kind === "range" ? `completed ${period.from ? formatDate(period.from) : "from the first record"} to ${period.to ? formatDate(period.to) : "today"}` : "over every date (lifetime)";
  const ids = licensee.identifiers.map((i) => `${i.boardCode} ${i.kind === "licence" ? "license" : "board ID"} ${i.value}`).join(" · ");
  const toggle = new URLSearchParams(location.search);
  toggle.delete("completedFrom");
  toggle.delete("completedTo");
  if (period.kind === "lifetime") toggle.delete("totals");
  else toggle.set("totals", "lifetime");
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/licensees">{words.People}</Link> / {licensee.lastName}, {licensee.firstName}
      </nav>
      <PageHeader
        eyebrow={words.Person}
        title={`${licensee.lastName}, ${licensee.firstName}`}
        description={`Born ${licensee.birthDate} (month/day) · NPI ${licensee.npi ?? "not on record"}${ids ? ` · ${ids}` : ""}`}
        actions={
          <>
            <Link className="button button--secondary button--small" to={`/licensees/${licensee.id}/transcript${transcriptQuery.size ? `?${transcriptQuery}` : ""}`}>
              Official transcript
            </Link>
            <a className="button button--link button--small" href={`/licensees/${licensee.id}/transcript/export?${new URLSearchParams({ ...Object.fromEntries(transcriptQuery), download: "csv" })}`} download>
              Transcript CSV
            </a>
          </>
        }
      />
      {org.kind !== "accreditor" ? (
        <section aria-labelledby="cycle-title" className="stack cycle-panel" data-testid="current-cycle">
          <h2 id="cycle-title" className="section-title">
            Current {words.cycle}
          </h2>
          {cycle === null ? (
            <p className="empty-state">{`${org.code}'s roster lists no ${words.cycle} for this ${words.person}.`}</p>
          ) : (
            <div className="cycle-panel__body">
              <dl className="cycle-facts">
                <div>
                  <dt>{Cycle} period</dt>
                  <dd data-testid="cycle-dates">{cycle.start ? `${formatDate(cycle.start)} – ${formatDate(cycle.end)}` : `ends ${formatDate(cycle.end)}`}</dd>
                </div>
                {cycle.extendedTo ? (
                  <div>
                    <dt>Extended to</dt>
                    <dd>{formatDate(cycle.extendedTo)}</dd>
                  </div>
                ) : null}
                <div>
                  <dt>Status</dt>
                  <dd data-testid="cycle-status">
                    <RenewalStatus status={cycle.status as QueueStatus} cycleOpen={cycle.cycleOpen} />
                  </dd>
                </div>
                {cycleTotals ? (
                  <div>
                    <dt>Counted in the {words.cycle}</dt>
                    <dd data-testid="cycle-counted">
                      {formatCredits(cycleTotals.counted)}
                      {cycle.required !== null ? ` of ${formatCredits(cycle.required)} required` : ""} {cycle.creditLabel ?? ""}
                      {cycleTotals.reported !== cycleTotals.counted ? <span className="sub">{formatCredits(cycleTotals.reported)} reported</span> : null}
                    </dd>
                  </div>
                ) : null}
              </dl>
              {cycle.problem ? <p className="notice notice--warn">{cycle.problem}</p> : null}
              {cycle.removedByCaps > 0 ? (
                <p className="small muted">The board&apos;s daily or yearly caps leave {formatCredits(cycle.removedByCaps)} of the counted credit out of the {words.cycle} check.</p>
              ) : null}
              <p>
                <Link className="button button--primary button--small" to={`/renewals/${cycle.entryId}`} data-testid="cycle-entry-link">
                  Open the {words.cycle} check
                </Link>
              </p>
            </div>
          )}
        </section>
      ) : null}
      <section aria-labelledby="totals-title" className="stack section">
        <div className="section-head">
          <h2 id="totals-title" className="section-title">
            Credit {periodText}
          </h2>
          {period.kind === "lifetime" && cycle?.start ? (
            <Link to={`?${toggle}`} data-testid="totals-toggle" preventScrollReset>
              Show the current {words.cycle}
            </Link>
          ) : period.kind !== "lifetime" ? (
            <Link to={`?${toggle}`} data-testid="totals-toggle" preventScrollReset>
              Show lifetime totals
            </Link>
          ) : null}
        </div>
        <p className="small muted">
          Counted: accepted records, each activity once a day (the larger of two records), never more than the activity&apos;s maximum. As of {formatDateTime(new Date().toISOString(), timeZone)}.
        </p>
        {totals.length === 0 ? (
          <p className="empty-state">No credit reported to {grid.multiBoard ? "any board" : org.code} in this period.</p>
        ) : (
          totals.map((board) => <BoardTotalsCards key={board.boardCode} board={board} showBoard={totals.length > 1 || grid.multiBoard} testPrefix="totals" />)
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
