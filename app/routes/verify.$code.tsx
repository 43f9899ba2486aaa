// Whether a printed transcript is authentic: the verification code it carries is looked up among
// the transcripts the signed-in user's organization issued (another organization's code, a code
// never issued and a malformed one all answer the same 404), and the records behind it are counted
// again for the same period: unchanged, or what changed in the counts. Every check is audited.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { isRouteErrorResponse, Link, useLoaderData, useRouteError } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { PageHeader } from "~/components/PageHeader";
import { creditUnit } from "~/lib/credit-totals";
import { formatCredits, formatDate, formatDateTime } from "~/lib/format";
import { recordAudit } from "~/models/audit.server";
import { auditView } from "~/models/view-audit.server";
import { verifyTranscript, type StoredTotals } from "~/models/transcripts.server";
import { formatCode, normaliseCode, PRIMARY_SOURCE } from "~/lib/transcript-code";
import { organisationTimeZone } from "../../domain/reference";

export const meta: MetaFunction = () => [{ title: "Verify a transcript · CME Credit Verification" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const typed = (params.code ?? "").slice(0, 40);
  const code = normaliseCode(typed);
  const { db } = context.services;
  const verification = code ? await verifyTranscript(db, user, code) : null;
  await recordAudit(db, {
    action: "transcript.verify",
    userId: user.id,
    orgCode: user.org.code,
    // A malformed code is not kept as typed (it may hold anything, NUL included): only that it was malformed.
    target: code,
    detail: { outcome: verification ? (verification.unchanged ? "authentic, unchanged" : "authentic, changed") : code ? "unknown" : "malformed", learner: verification?.learnerId ?? null },
    ip: context.clientIp,
  });
  if (!verification) throw new Response("Unknown code", { status: 404 });
  // The page names the licensee: a view of them, as every page that shows one.
  auditView(context, user, { action: "licensee.view", target: `learner:${verification.learnerId}`, detail: { page: "verify", code: verification.code }, rows: 1 });
  return { org: user.org, timeZone: organisationTimeZone(user.org.code), verification };
}

function TotalsTable({ then, now }: { then: StoredTotals; now: StoredTotals }) {
  const boards = [...new Set([...then.boards, ...now.boards].map((b) => b.boardCode))].sort();
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid="verify-totals">
        <caption className="visually-hidden">Totals when issued and now</caption>
        <thead>
          <tr>
            <th scope="col">Credit</th>
            <th scope="col" className="num">
              Records then
            </th>
            <th scope="col" className="num">
              Records now
            </th>
            <th scope="col" className="num">
              Counted then
            </th>
            <th scope="col" className="num">
              Counted now
            </th>
          </tr>
        </thead>
        <tbody>
          {boards.map((code) => {
            const a = then.boards.find((b) => b.boardCode === code);
            const b = now.boards.find((x) => x.boardCode === code);
            return (
              <tr key={code}>
                <th scope="row">Total {creditUnit(code)}</th>
                <td className="num">{a?.records ?? 0}</td>
                <td className="num">{b?.records ?? 0}</td>
                <td className="num">{formatCredits(a?.counted ?? 0)}</td>
                <td className="num">{formatCredits(b?.counted ?? 0)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export default function VerifyTranscript() {
  const { org, timeZone, verification: v } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader eyebrow="Verify a transcript" title={`Transcript ${formatCode(v.code)}`} description={`Issued by ${org.name}. ${PRIMARY_SOURCE}.`} />
      <section className="stack" aria-live="polite">
        <div className="notice notice--info" data-testid="verify-authentic">
          <strong>Authentic.</strong> {org.name} issued this transcript on {formatDateTime(v.issuedAt, timeZone)} ({v.issuedBy}).
        </div>
        {v.unchanged ? (
          <div className="notice notice--info" data-testid="verify-outcome" data-outcome="unchanged">
            <strong>Unchanged.</strong> The records behind it are the same today as when it was issued.
          </div>
        ) : (
          <div className="notice notice--warn" data-testid="verify-outcome" data-outcome="changed">
            <strong>Changed since it was issued.</strong> Providers have added, corrected, rejected or deleted records in its period since then; produce a new transcript for the current figures.
            <ul>
              {v.changes.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          </div>
        )}
        <dl className="cycle-facts">
          <div>
            <dt>Licensee</dt>
            <dd data-testid="verify-licensee">{v.licensee ? <Link to={`/licensees/${v.learnerId}`}>{`${v.licensee.lastName}, ${v.licensee.firstName}`}</Link> : "No longer has credit reported to your organization"}</dd>
          </div>
          <div>
            <dt>Period</dt>
            <dd data-testid="verify-period">
              {formatDate(v.period.from)} – {formatDate(v.period.to)}
            </dd>
          </div>
        </dl>
        <TotalsTable then={v.then} now={v.now} />
        {v.licensee ? (
          <p>
            <Link className="button button--secondary button--small" to={`/licensees/${v.learnerId}/transcript?${new URLSearchParams({ from: v.period.from, to: v.period.to })}`}>
              Produce the transcript for this period again
            </Link>
          </p>
        ) : null}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const unknown = isRouteErrorResponse(error) && error.status === 404;
  return (
    <>
      <PageHeader eyebrow="Verify a transcript" title={unknown ? "Unknown verification code" : "The code could not be checked"} />
      <div className="notice notice--error" role="alert" data-testid="verify-unknown">
        {unknown
          ? "Your organization issued no transcript with this code. Check the 12 characters printed on the transcript (letters and digits, in groups of four), or ask the board that issued it."
          : "Something went wrong while checking the code. Try again in a moment."}
      </div>
      <p>
        <Link to="/verify">Check another code</Link>
      </p>
    </>
  );
}
