// The official verification transcript: the issuing board, the primary-source statement, the
// licensee's identifiers, the period (the renewal cycle when opened from one), totals reported and
// counted per credit type, one line per record with what is not counted and why, and a verification
// code (/verify/<code>). Printed, every page carries the licensee's name, the code, "Page x of y" and
// when it was produced, in the board's time zone. Every view and every new code is audited.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, isRouteErrorResponse, Link, useLoaderData, useRouteError } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { creditUnit, NOT_COUNTED_EXPLANATIONS, NOT_COUNTED_LABELS } from "~/lib/credit-totals";
import { formatCredits, formatDate, formatDateTime } from "~/lib/format";
import { getLicensee, licenseeCount, licenseeIdFrom } from "~/models/licensees.server";
import { issueTranscript, transcriptPeriod } from "~/models/transcripts.server";
import { formatCode, PRIMARY_SOURCE } from "~/lib/transcript-code";
import { auditView } from "~/models/view-audit.server";
import { orgWords } from "../../domain/org-words";
import { organisationTimeZone, type OrganisationKind } from "../../domain/reference";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.licensee ? `Official transcript: ${data.licensee.lastName}, ${data.licensee.firstName}` : "Official transcript" },
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
  const asked = { from: (search.get("from") ?? "").slice(0, 40), to: (search.get("to") ?? "").slice(0, 40) };
  const answer = await transcriptPeriod(db, user, learnerId, search);
  const issuer = user.org.name;
  const timeZone = organisationTimeZone(user.org.code);
  if (!answer.ok) {
    // A period that cannot be read issues nothing and shows no records: only the messages.
    return pageAnswer({ licensee, issuer, asked, errors: answer.errors, transcript: null, timeZone, kind: user.org.kind }, answer.errors);
  }
  const { period } = answer;
  const [count, boards] = await Promise.all([
    licenseeCount(db, user.scope, learnerId, period),
    db.selectFrom("board.organisation").select(["code", "name"]).execute(),
  ]);
  const issued = await issueTranscript(db, user, learnerId, period, count, { format: "page", ip: context.clientIp });
  auditView(context, user, { action: "licensee.view", target: `learner:${learnerId}`, detail: { page: "transcript", from: period.from, to: period.to, code: issued.code, lines: count.records.length }, rows: 1 });
  const counts = Object.fromEntries(count.counts.map((c) => [c.id, c]));
  const lines = count.records.slice(0, LINE_LIMIT).map((r) => ({ ...r, count: counts[r.id]! }));
  return pageAnswer(
    {
      licensee,
      issuer,
      asked,
      errors: {} as Partial<Record<"from" | "to" | "entry", string>>,
      timeZone,
      kind: user.org.kind,
      transcript: {
        period,
        lines,
        truncated: count.records.length > LINE_LIMIT,
        totals: count.totals,
        boardNames: Object.fromEntries(boards.map((b) => [b.code, b.name])),
        code: issued.code,
        producedAt: issued.issuedAt,
        producedBy: user.displayName,
        verifyUrl: `${new URL(request.url).origin}/verify/${formatCode(issued.code)}`,
      },
    },
    0,
  );
}

/** Text as a CSS string literal: every character but plain letters, digits and spaces escaped. */
function cssString(value: string): string {
  return `"${[...value].map((ch) => (/^[A-Za-z0-9 ]$/.test(ch) ? ch : `\\${ch.codePointAt(0)!.toString(16)} `)).join("")}"`;
}

/** The running header and footer of every printed page, in @page margin boxes (page x of y from Chromium's page counters). */
function PrintFrame({ name, code, produced }: { name: string; code: string; produced: string }) {
  const css = `@page {
  size: letter;
  margin: 20mm 14mm 20mm 14mm;
  @top-left { content: ${cssString(`Official transcript · ${name}`)}; font: 600 9pt system-ui, sans-serif; color: #1f2937; }
  @top-right { content: ${cssString(`Verification code ${code}`)}; font: 9pt system-ui, sans-serif; color: #1f2937; }
  @bottom-left { content: ${cssString(`Produced ${produced}`)}; font: 8.5pt system-ui, sans-serif; color: #374151; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8.5pt system-ui, sans-serif; color: #374151; }
}`;
  // As markup, not a text child: React would escape the quotes the CSS strings need. Every character
  // of the texts above comes through cssString, which lets nothing but letters, digits and spaces through.
  return <style data-testid="print-frame" dangerouslySetInnerHTML={{ __html: css }} />;
}

export default function Transcript() {
  const data = useLoaderData<typeof loader>();
  const { licensee, transcript, errors, asked, issuer, timeZone } = data;
  const words = orgWords(data.kind as OrganisationKind);
  const name = `${licensee.firstName} ${licensee.lastName}`;
  const errorList = [errors.entry, errors.from && `Completed from: ${errors.from}`, errors.to && `Completed to: ${errors.to}`].filter(Boolean);
  const exportQuery = new URLSearchParams();
  if (transcript) {
    if (transcript.period.entryId) exportQuery.set("entry", transcript.period.entryId);
    else {
      exportQuery.set("from", transcript.period.from);
      exportQuery.set("to", transcript.period.to);
    }
  }
  const produced = transcript ? formatDateTime(transcript.producedAt, timeZone) : "";
  return (
    <article className="transcript">
      <div className="transcript__tools no-print">
        <Link to={`/licensees/${licensee.id}`}>← Back to the {words.person}</Link>
        <Form method="get" className="transcript__range" aria-label="Transcript period">
          <label>
            From <input type="date" name="from" defaultValue={transcript?.period.from ?? asked.from} aria-invalid={errors.from ? true : undefined} />
          </label>
          <label>
            To <input type="date" name="to" defaultValue={transcript?.period.to ?? asked.to} aria-invalid={errors.to ? true : undefined} />
          </label>
          <button type="submit" className="button button--secondary button--small">
            Change period
          </button>
        </Form>
        {transcript ? (
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
        ) : null}
      </div>
      {errorList.length ? (
        <div className="notice notice--error no-print" role="alert" tabIndex={-1} data-testid="transcript-errors">
          <strong>No transcript was produced.</strong> {errorList.join(" ")}
        </div>
      ) : null}
      {transcript ? (
        <>
          <PrintFrame name={name} code={formatCode(transcript.code)} produced={produced} />
          <header className="transcript__issuer" data-testid="transcript-issuer">
            <div>
              <p className="transcript__issuer-name">{issuer}</p>
              <p className="transcript__source">{PRIMARY_SOURCE}.</p>
            </div>
            <p className="transcript__mark">Official transcript</p>
          </header>
          <header className="transcript__header">
            <h1 data-testid="transcript-name">{name}</h1>
            <dl className="transcript__facts">
              <div>
                <dt>Period</dt>
                <dd data-testid="transcript-range">
                  {formatDate(transcript.period.from)} – {formatDate(transcript.period.to)}
                  <span className="sub">{transcript.period.basis}</span>
                </dd>
              </div>
              <div>
                <dt>Date of birth (month/day)</dt>
                <dd>{licensee.birthDate}</dd>
              </div>
              <div>
                <dt>NPI</dt>
                <dd className="mono">{licensee.npi ?? "—"}</dd>
              </div>
              {licensee.identifiers.map((i) => (
                <div key={`${i.boardCode}-${i.value}`}>
                  <dt>
                    {transcript.boardNames[i.boardCode] ?? i.boardCode} {i.kind === "licence" ? "license" : "board ID"}
                  </dt>
                  <dd className="mono">{i.value}</dd>
                </div>
              ))}
              <div>
                <dt>Verification code</dt>
                <dd className="mono" data-testid="transcript-code">
                  {formatCode(transcript.code)}
                </dd>
              </div>
              <div>
                <dt>Produced</dt>
                <dd data-testid="transcript-produced">{produced}</dd>
              </div>
            </dl>
          </header>
          <section aria-labelledby="transcript-totals">
            <h2 id="transcript-totals">Totals</h2>
            <div className="table-wrap">
              <table className="data-table transcript__totals">
                <thead>
                  <tr>
                    <th scope="col">Board</th>
                    <th scope="col">Credit</th>
                    <th scope="col" className="num">
                      Reported
                    </th>
                    <th scope="col" className="num">
                      Counted
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {transcript.totals.length === 0 ? (
                    <tr>
                      <td colSpan={4}>No credit reported in this period.</td>
                    </tr>
                  ) : (
                    transcript.totals.flatMap((board) => [
                      <tr key={`${board.boardCode}-total`} data-testid={`transcript-total-${board.boardCode}`}>
                        <th scope="row">{transcript.boardNames[board.boardCode] ?? board.boardCode}</th>
                        <td>Total {creditUnit(board.boardCode)}</td>
                        <td className="num" data-testid={`transcript-reported-${board.boardCode}`}>
                          {formatCredits(board.reported)}
                        </td>
                        <td className="num" data-testid={`transcript-counted-${board.boardCode}`}>
                          <strong>{formatCredits(board.counted)}</strong>
                        </td>
                      </tr>,
                      ...board.byType.map((t) => (
                        <tr key={`${board.boardCode}-${t.type}`}>
                          <th scope="row" className="muted">
                            {board.boardCode}
                          </th>
                          <td>{t.type}</td>
                          <td className="num">{formatCredits(t.reported)}</td>
                          <td className="num">{formatCredits(t.counted)}</td>
                        </tr>
                      )),
                    ])
                  )}
                </tbody>
              </table>
            </div>
            {transcript.totals.some((t) => t.notCounted.length) ? (
              <ul className="transcript__notes small">
                {transcript.totals.flatMap((t) =>
                  t.notCounted.map((n) => (
                    <li key={`${t.boardCode}-${n.code}`}>
                      <strong>{NOT_COUNTED_LABELS[n.code]}</strong> ({t.boardCode}): {n.records} {n.records === 1 ? "record" : "records"}, {formatCredits(n.credits)} not counted. {NOT_COUNTED_EXPLANATIONS[n.code]}
                    </li>
                  )),
                )}
              </ul>
            ) : null}
          </section>
          <section aria-labelledby="transcript-lines">
            <h2 id="transcript-lines">Activities</h2>
            <table className="data-table transcript__lines" data-testid="transcript-lines">
              <thead>
                <tr>
                  <th scope="col">Completion date</th>
                  <th scope="col">Activity</th>
                  <th scope="col">Credits</th>
                </tr>
              </thead>
              <tbody>
                {transcript.lines.map((line) => (
                  <tr key={line.id} className={line.count.counted === line.credits ? undefined : "transcript__line--left"} data-record={line.id}>
                    <td>{formatDate(line.completionDate)}</td>
                    <td className="wrap">
                      {line.activityTitle}
                      <span className="sub">
                        {line.providerName} · Activity {line.activityId}
                      </span>
                    </td>
                    <td className="wrap">
                      {formatCredits(line.count.counted)} {creditUnit(line.boardCode)}
                      {line.count.counted !== line.credits ? <span className="sub">{formatCredits(line.credits)} reported</span> : null}
                      {Object.entries(line.creditTypes).length ? (
                        <span className="sub">
                          {Object.entries(line.creditTypes)
                            .map(([type, amount]) => `${formatCredits(amount)} ${type}`)
                            .join(" · ")}
                        </span>
                      ) : null}
                      {line.count.code ? (
                        <span className="sub" data-testid="line-not-counted">
                          <span className="badge badge--warn">{NOT_COUNTED_LABELS[line.count.code]}</span> {line.count.reason}
                        </span>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {transcript.lines.length === 0 ? <p className="empty-state">No activities reported in this period.</p> : null}
            {transcript.truncated ? <p className="notice notice--warn">Only the first {transcript.lines.length.toLocaleString("en-US")} lines are shown; the CSV has them all.</p> : null}
          </section>
          <footer className="transcript__footer">
            <p>
              {transcript.lines.length} {transcript.lines.length === 1 ? "record" : "records"} · Produced {produced} by {transcript.producedBy} for {issuer}.
            </p>
            <p>
              To check that this transcript is authentic and that the records behind it are unchanged, sign in and open <span className="mono">{transcript.verifyUrl}</span>.
            </p>
          </footer>
        </>
      ) : null}
    </article>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  return (
    <div className="notice notice--error" role="alert">
      <strong>{status === 404 ? "No such licensee in your organization's records." : "The transcript could not be produced."}</strong>{" "}
      <Link to="/licensees">Find a licensee</Link>
    </div>
  );
}
