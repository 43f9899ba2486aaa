// The printable verification transcript: what CME Passport's official transcript shows (board,
// licensee, date range, totals per credit type, one line per activity with provider, completion
// date and credits), from accepted records only. Every view is audited.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { CreditTypes } from "~/components/CreditCells";
import { parseCreditSearch, type CreditRow } from "~/lib/credit-search";
import { isCertifyingBoard } from "~/lib/data-rules";
import { DateTime } from "~/components/DateTime";
import { formatCredits, formatDate } from "~/lib/format";
import { streamCreditReports } from "~/models/credits.server";
import { getLicensee, licenseeIdFrom, licenseeTotals } from "~/models/licensees.server";
import { auditView } from "~/models/view-audit.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Transcript: ${data.licensee.lastName}, ${data.licensee.firstName}` : "Transcript" },
];

/** More lines than any licensee has in six years; past it the page says so and points to the CSV. */
const LINE_LIMIT = 5_000;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const learnerId = licenseeIdFrom(params);
  const { db } = context.services;
  const licensee = await getLicensee(db, user.scope, learnerId);
  if (!licensee) throw new Response("Not found", { status: 404 });
  const search = new URL(request.url).searchParams;
  const state = parseCreditSearch(search, { multiBoard: user.scope.boardCodes === null });
  const range = { from: state.filters.completedFrom, to: state.filters.completedTo };
  const lines: CreditRow[] = [];
  for await (const row of streamCreditReports(db, user.scope, {
    filters: { learnerId, status: "accepted", completedFrom: range.from, completedTo: range.to },
    sort: { id: "completed", desc: true },
  })) {
    if (lines.length === LINE_LIMIT) break;
    lines.push(row);
  }
  const [totals, boards] = await Promise.all([
    licenseeTotals(db, user.scope, learnerId, range),
    db.selectFrom("board.organisation").select(["code", "name"]).execute(),
  ]);
  auditView(context, user, { action: "licensee.view", target: `learner:${learnerId}`, detail: { page: "transcript", from: range.from ?? null, to: range.to ?? null, lines: lines.length }, rows: 1 });
  const errors = { completedFrom: state.errors.completedFrom, completedTo: state.errors.completedTo };
  return pageAnswer({
    licensee,
    lines,
    truncated: lines.length === LINE_LIMIT,
    totals,
    boardNames: Object.fromEntries(boards.map((b) => [b.code, b.name])),
    range: { from: range.from ?? null, to: range.to ?? null },
    errors,
    generatedAt: new Date().toISOString(),
    generatedBy: `${user.displayName} (${user.org.code})`,
  }, errors);
}

export default function Transcript() {
  const data = useLoaderData<typeof loader>();
  const { licensee, lines, totals, boardNames, range } = data;
  const rangeText = `${range.from ? formatDate(range.from) : "earliest record"} – ${range.to ? formatDate(range.to) : "today"}`;
  const exportQuery = new URLSearchParams();
  if (range.from) exportQuery.set("completedFrom", range.from);
  if (range.to) exportQuery.set("completedTo", range.to);
  const errors = [data.errors.completedFrom && `Completed from: ${data.errors.completedFrom}`, data.errors.completedTo && `Completed to: ${data.errors.completedTo}`].filter(Boolean);
  return (
    <article className="transcript">
      <div className="transcript__tools no-print">
        <Link to={`/licensees/${licensee.id}`}>← Back to the licensee</Link>
        <Form method="get" className="transcript__range">
          <label>
            From <input type="date" name="completedFrom" defaultValue={range.from ?? ""} />
          </label>
          <label>
            To <input type="date" name="completedTo" defaultValue={range.to ?? ""} />
          </label>
          <button type="submit" className="button button--secondary button--small">
            Change dates
          </button>
        </Form>
        <span className="transcript__actions">
          <a className="button button--link button--small" href={`/licensees/${licensee.id}/transcript/export?${new URLSearchParams({ ...Object.fromEntries(exportQuery), download: "csv" })}`} download>
            CSV
          </a>
          <a className="button button--link button--small" href={`/licensees/${licensee.id}/transcript/export?${new URLSearchParams({ ...Object.fromEntries(exportQuery), download: "xlsx" })}`} download>
            Excel
          </a>
          <button type="button" className="button button--primary button--small" onClick={() => window.print()}>
            Print
          </button>
        </span>
      </div>
      {errors.length ? (
        <div className="notice notice--warn no-print" role="alert">
          {errors.join(" ")} Showing all dates.
        </div>
      ) : null}
      <header className="transcript__header">
        <p className="transcript__kicker">Accredited Continuing Education Transcript</p>
        <h1>
          {licensee.firstName} {licensee.lastName}
        </h1>
        <p className="muted">
          The activities and credit below were reported by accredited CME providers to the ACCME's reporting program and are shown here as primary-source
          verification. Accepted records only.
        </p>
        <dl className="transcript__facts">
          <div>
            <dt>Transcript dates</dt>
            <dd data-testid="transcript-range">{rangeText}</dd>
          </div>
          <div>
            <dt>Date of birth (month/day)</dt>
            <dd>{licensee.birthDate}</dd>
          </div>
          <div>
            <dt>NPI</dt>
            <dd>{licensee.npi ?? "—"}</dd>
          </div>
          {licensee.identifiers.map((i) => (
            <div key={`${i.boardCode}-${i.value}`}>
              <dt>
                {boardNames[i.boardCode] ?? i.boardCode} ({i.kind})
              </dt>
              <dd className="mono">{i.value}</dd>
            </div>
          ))}
        </dl>
      </header>
      <section aria-labelledby="transcript-totals">
        <h2 id="transcript-totals">Totals</h2>
        <table className="data-table transcript__totals">
          <thead>
            <tr>
              <th scope="col">Board</th>
              <th scope="col">Credit type</th>
              <th scope="col" className="num">
                Credits
              </th>
            </tr>
          </thead>
          <tbody>
            {totals.length === 0 ? (
              <tr>
                <td colSpan={3}>No accepted credit in this date range.</td>
              </tr>
            ) : (
              totals.flatMap((board) => [
                <tr key={`${board.boardCode}-total`} data-testid={`transcript-total-${board.boardCode}`}>
                  <th scope="row">{boardNames[board.boardCode] ?? board.boardCode}</th>
                  <td>{board.certifying ? `Total ${board.boardCode} MOC / CC credits` : "Total AMA PRA Category 1 Credits™"}</td>
                  <td className="num">{formatCredits(board.credits)}</td>
                </tr>,
                ...board.byType.map((t) => (
                  <tr key={`${board.boardCode}-${t.type}`}>
                    <th scope="row" className="muted">
                      {board.boardCode}
                    </th>
                    <td>{t.type}</td>
                    <td className="num">{formatCredits(t.credits)}</td>
                  </tr>
                )),
              ])
            )}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="transcript-lines">
        <h2 id="transcript-lines">Activities</h2>
        <table className="data-table transcript__lines" data-testid="transcript-lines">
          <thead>
            <tr>
              <th scope="col">Completion date</th>
              <th scope="col">Activity</th>
              <th scope="col">Credits earned</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((line) => (
              <tr key={line.id}>
                <td>{formatDate(line.completionDate)}</td>
                <td className="wrap">
                  {line.activityTitle}
                  <span className="sub">
                    {line.providerName} · Activity {line.activityId}
                  </span>
                </td>
                <td className="wrap">
                  {formatCredits(line.credits)} {isCertifyingBoard(line.boardCode) ? `${line.boardCode} MOC / CC credits` : "AMA PRA Category 1 Credits™"}
                  <CreditTypes types={line.creditTypes} empty="" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {lines.length === 0 ? <p className="empty-state">No accepted activities in this date range.</p> : null}
        {data.truncated ? <p className="notice notice--warn">Only the first {lines.length.toLocaleString("en-US")} lines are shown; the CSV has them all.</p> : null}
      </section>
      <footer className="transcript__footer">
        <p>
          {lines.length} {lines.length === 1 ? "activity" : "activities"} · Generated <DateTime value={data.generatedAt} /> by {data.generatedBy}
        </p>
      </footer>
    </article>
  );
}
