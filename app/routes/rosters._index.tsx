// Renewal rosters: the board's uploads (newest first) and how its roster entries match the learner
// store; supervisors and admins upload a roster CSV here. Uploading the same file again changes nothing.
import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { can, checkUser, requireUser } from "~/auth/permissions.server";
import { PageHeader } from "~/components/PageHeader";
import { orgWords } from "../../domain/org-words";
import type { OrganisationKind } from "../../domain/reference";
import { StatCard } from "~/components/StatCard";
import { DateTime } from "~/components/DateTime";
import { formatCount } from "~/lib/format";
import { discardRequestBody, listRosterUploads, readRosterUpload, ROSTER_UPLOAD_LIMITS, uploadRoster } from "~/models/rosters.server";
import { attributesOf } from "../../domain/licensee-attributes";

export const meta: MetaFunction = () => [{ title: "Renewal rosters · CME Credit Verification" }];

/** The page's answer to an upload carries the action's Retry-After (429) and Connection (413) headers. */
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const headers = new Headers();
  for (const name of ["Retry-After", "Connection"]) {
    const value = actionHeaders.get(name);
    if (value) headers.set(name, value);
  }
  return headers;
};

const hasRoster = (kind: string) => kind === "state_board" || kind === "certifying_board";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const roster = hasRoster(user.org.kind) ? await listRosterUploads(context.services.db, user.org.code) : null;
  // The optional columns of what the board knows of each licensee (the organisation's attributes).
  const attributeColumns = attributesOf(user.org.code).map((a) => ({ label: a.label, type: a.type }));
  const person = orgWords(user.org.kind as OrganisationKind).person;
  return { org: user.org, roster, canUpload: roster !== null && can(user, "manage"), limits: ROSTER_UPLOAD_LIMITS, attributeColumns, person };
}

type ActionResult = { error: string } | { already: string; uploadId: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  checkUser(user, { permission: "manage" });
  if (!hasRoster(user.org.kind)) throw new Response("Only a state or certifying board has a renewal roster.", { status: 403 });
  // One upload at a time per user, a couple for everyone (decision 018): beyond, 429 on this page.
  const admission = context.services.uploads.admit(user.id);
  if (!admission.ok) {
    // The body is read and dropped, so the browser gets this answer rather than a reset.
    const headers = { "Retry-After": String(admission.retryAfterSeconds), ...(await discardRequestBody(request)) };
    return data<ActionResult>({ error: admission.message }, { status: 429, headers });
  }
  try {
    const upload = await readRosterUpload(request);
    if ("error" in upload) return data<ActionResult>({ error: upload.error }, { status: upload.status, headers: upload.headers });
    const outcome = await uploadRoster(context.services.db, { userId: user.id, orgCode: user.org.code, ip: context.clientIp }, upload, { fullCohort: upload.fullCohort });
    switch (outcome.kind) {
      case "rejected":
        return data<ActionResult>({ error: outcome.problem }, { status: 400 });
      case "already":
        return data<ActionResult>({ already: outcome.message, uploadId: outcome.uploadId });
      case "uploaded":
        // The new and changed entries are 'pending' until the background evaluation reaches them.
        context.services.statuses.request(user.org.code, "upload");
        throw redirect(`/rosters/${outcome.uploadId}?uploaded=1`);
    }
  } finally {
    admission.ticket.release();
  }
}

const ATTRIBUTE_FORMATS = { boolean: "Yes or No", percent: "0 to 100", date: "YYYY-MM-DD", text: "text" } as const;

function UploadPanel({
  keyLabel,
  limits,
  attributeColumns,
  person,
  cohortWord,
}: {
  person: string;
  cohortWord: string;
  keyLabel: string;
  limits: { mb: number; rows: number };
  attributeColumns: { label: string; type: keyof typeof ATTRIBUTE_FORMATS }[];
}) {
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" && navigation.formMethod?.toLowerCase() === "post";
  const error = result && "error" in result ? result.error : null;
  return (
    <section className="upload-panel" aria-labelledby="upload-title">
      <div className="upload-panel__text">
        <h2 id="upload-title">Upload a roster</h2>
        <p className="muted small">
          A CSV file with a header row naming its columns: <span className="code">{keyLabel}</span>
          <span className="code">first_name</span>
          <span className="code">last_name</span>
          <span className="code">birth_date</span>
          <span className="code">npi</span>
          <span className="code">cycle_end</span>
        </p>
        <p className="muted small">
          Birth dates as MM/DD; cycle ends (or <span className="mono">expiration_date</span>) as YYYY-MM-DD or MM/DD/YYYY; the NPI may be left out. Up to {limits.mb} MB and{" "}
          {formatCount(limits.rows)} rows. Good rows are kept and bad rows listed with their line and reason; uploading the same file twice changes nothing.
        </p>
        {attributeColumns.length > 0 ? (
          <p className="muted small" data-testid="attribute-columns">
            {`Optional columns for what the board knows of each ${person}: `}
            {attributeColumns.map((a) => `${a.label} (${ATTRIBUTE_FORMATS[a.type]})`).join("; ")}. An empty cell leaves what was already known as it is.
          </p>
        ) : null}
        <p className="small">
          <a href="/rosters/template" download data-testid="roster-template">
            Download the roster template (CSV)
          </a>{" "}
          <span className="muted">with every column we read, including your organization&rsquo;s optional columns, and an example row.</span>
        </p>
      </div>
      <Form method="post" encType="multipart/form-data" className="upload-form" aria-label="Upload a roster">
        <label className="visually-hidden" htmlFor="roster-file">
          Roster CSV file
        </label>
        <input
          id="roster-file"
          name="file"
          type="file"
          accept=".csv,.txt,text/csv"
          required
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "upload-error" : undefined}
        />
        <label className="check small upload-form__option">
          <input type="checkbox" name="full_cohort" aria-describedby="full-cohort-help" /> This file is our full current {cohortWord}
        </label>
        <span id="full-cohort-help" className="muted small upload-form__help">
          Earlier entries with an open cycle that this file does not list are retired: kept with their history and decisions, and hidden from the renewal queue.
        </span>
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? "Uploading…" : "Upload roster"}
        </button>
      </Form>
      {error ? (
        <div className="alert alert--error upload-panel__message" role="alert" id="upload-error" data-testid="upload-error">
          {error}
        </div>
      ) : null}
      {result && "already" in result ? (
        <div className="notice notice--info upload-panel__message" role="status" data-result data-testid="upload-already">
          {result.already} <Link to={`/rosters/${result.uploadId}`}>See that upload</Link>.
        </div>
      ) : null}
    </section>
  );
}

export default function Rosters() {
  const { org, roster, canUpload, limits, attributeColumns, person } = useLoaderData<typeof loader>();
  const keyLabel = org.kind === "certifying_board" ? "board_id" : "license_id";
  const words = orgWords(org.kind as OrganisationKind);
  const title = org.kind === "certifying_board" ? "Certification rosters" : "Renewal rosters";
  if (!roster) {
    return (
      <>
        <PageHeader eyebrow="Renewals" title={title} />
        <p className="empty-state">Rosters belong to the boards: {org.name} has no renewal roster of its own.</p>
      </>
    );
  }
  const { entries } = roster;
  const unmatched = entries.byQuality.none + entries.byQuality.ambiguous;
  return (
    <>
      <PageHeader
        eyebrow={org.kind === "certifying_board" ? "Continuing certification" : "Renewals"}
        title={title}
        description={`The ${words.people} ${org.code} is ${org.kind === "certifying_board" ? "certifying" : "renewing"} and their cycle dates, as the board uploads them; each is matched to the reported credit by ${words.idLabel}, then name and birth date, then NPI.`}
        actions={
          <Link className="button button--link button--small" to="/rosters/unmatched">
            Unmatched {words.people}{unmatched ? ` (${formatCount(unmatched)})` : ""}
          </Link>
        }
      />
      <section aria-labelledby="roster-figures" className="stack">
        <h2 id="roster-figures" className="visually-hidden">
          The roster now
        </h2>
        <div className="stat-grid">
          <StatCard label={`${words.People} on the roster`} value={formatCount(entries.total)} testId="stat-roster-entries" hint={`One per ${words.person} and ${words.deadline}`} />
          <StatCard label={`Matched by ${words.idLabel}`} value={formatCount(entries.byQuality.id)} testId="stat-matched-id" />
          <StatCard
            label="Matched otherwise"
            value={formatCount(entries.byQuality.name_birth + entries.byQuality.npi + entries.byQuality.manual)}
            testId="stat-matched-other"
            hint={`${formatCount(entries.byQuality.name_birth)} by name and birth date, ${formatCount(entries.byQuality.npi)} by NPI, ${formatCount(entries.byQuality.manual)} linked by hand`}
          />
          <StatCard
            label="Unmatched or ambiguous"
            value={formatCount(unmatched)}
            testId="stat-unmatched"
            tone={unmatched ? "warn" : undefined}
            hint={unmatched ? `${formatCount(entries.byQuality.none)} not found, ${formatCount(entries.byQuality.ambiguous)} ambiguous` : `Every ${words.person} was found`}
          />
          <StatCard
            label="Retired from the roster"
            value={formatCount(entries.retired)}
            testId="stat-retired"
            hint="No longer listed by a full-cohort upload, or their upload was withdrawn; kept with their history"
          />
        </div>
      </section>
      {canUpload ? <UploadPanel keyLabel={keyLabel} limits={limits} attributeColumns={attributeColumns} person={person} cohortWord={org.kind === "certifying_board" ? "list of diplomates" : "list of licensees"} /> : <p className="muted small section">Supervisors and admins upload rosters; you can review every upload below.</p>}
      <section className="section stack" aria-labelledby="uploads-title">
        <h2 id="uploads-title" className="section-title">
          Uploads
        </h2>
        {roster.uploads.length === 0 ? (
          <p className="empty-state">No roster has been uploaded yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="data-table" data-testid="roster-uploads">
              <caption className="visually-hidden">Roster uploads, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Uploaded</th>
                  <th scope="col">File</th>
                  <th scope="col">By</th>
                  <th scope="col" className="num">Rows</th>
                  <th scope="col" className="num">Kept</th>
                  <th scope="col" className="num">Rejected</th>
                  <th scope="col" className="num">New</th>
                  <th scope="col" className="num">Changed</th>
                  <th scope="col" className="num">Retired</th>
                </tr>
              </thead>
              <tbody>
                {roster.uploads.map((u) => (
                  <tr key={u.id} data-upload-id={u.id}>
                    <td>
                      <DateTime value={u.uploadedAt} />
                    </td>
                    <th scope="row">
                      <Link to={`/rosters/${u.id}`}>{u.fileName}</Link>
                      {u.fullCohort ? <>{" "}<span className="badge badge--neutral">Full cohort</span></> : null}
                      {u.withdrawn ? <>{" "}<span className="badge badge--warn">Withdrawn</span></> : null}
                    </th>
                    <td>{u.uploadedBy ?? <span className="muted">System (demo data)</span>}</td>
                    <td className="num">{formatCount(u.totalRows)}</td>
                    <td className="num">{formatCount(u.acceptedRows)}</td>
                    <td className="num">{u.rejectedRows ? <span className="badge badge--error">{formatCount(u.rejectedRows)}</span> : "0"}</td>
                    <td className="num">{formatCount(u.newRows)}</td>
                    <td className="num">{formatCount(u.changedRows)}</td>
                    <td className="num">{formatCount(u.retiredRows + (u.withdrawn?.retired ?? 0))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {roster.more ? <p className="muted small">The latest 100 uploads are listed.</p> : null}
      </section>
    </>
  );
}
