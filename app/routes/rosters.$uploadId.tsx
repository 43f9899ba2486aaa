// One roster upload: what it did (rows read, kept, rejected, new, changed, retired), how the entries
// it added or changed match the learner store now, and every row it did not keep, with its line and
// reason. A supervisor can withdraw it here, with a reason.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { can, checkUser, requireUser } from "~/auth/permissions.server";
import { readFormFields } from "~/lib/request-form.server";
import { PageHeader } from "~/components/PageHeader";
import { StatCard } from "~/components/StatCard";
import { useTimeZone } from "~/components/DateTime";
import { formatCount, formatDateTime } from "~/lib/format";
import { getRosterUpload, rosterUploadIdFrom, withdrawRosterUpload } from "~/models/rosters.server";
import { attributeDefinition } from "../../domain/licensee-attributes";
import { orgWords } from "../../domain/org-words";
import type { OrganisationKind } from "../../domain/reference";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.upload.fileName} · Renewal rosters · CME Credit Verification` : "Roster upload · CME Credit Verification" },
];
export const handle = { wide: true };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const uploadId = rosterUploadIdFrom(params);
  const upload = await getRosterUpload(context.services.db, user.org.code, uploadId);
  if (!upload) throw new Response("Not found", { status: 404 });
  const search = new URL(request.url).searchParams;
  return { org: user.org, upload, justUploaded: search.get("uploaded") === "1", justWithdrawn: search.get("withdrawn") === "1", canWithdraw: can(user, "manage"), person: orgWords(user.org.kind as OrganisationKind).person };
}

const Withdraw = z.object({
  intent: z.literal("withdraw", { error: "Unknown action." }),
  reason: z.string({ error: "Say why the upload is withdrawn." }).trim().min(5, "Say why the upload is withdrawn (at least a few words).").max(2000, "Keep the reason under 2,000 characters."),
});

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  checkUser(user, { permission: "manage" });
  const uploadId = rosterUploadIdFrom(params);
  const { db } = context.services;
  // Another organisation's upload (or none) is a 404 before anything of the form is read.
  if (!(await getRosterUpload(db, user.org.code, uploadId))) throw new Response("Not found", { status: 404 });
  const parsed = Withdraw.safeParse(await readFormFields(request));
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
    return data({ errors }, { status: 400 });
  }
  const outcome = await withdrawRosterUpload(db, { userId: user.id, orgCode: user.org.code, ip: context.clientIp }, uploadId, parsed.data.reason);
  if (!outcome) throw new Response("Not found", { status: 404 });
  if (outcome.kind === "refused") return data({ errors: { form: outcome.problem } as Record<string, string> }, { status: 409 });
  // Entries coming back from retirement are evaluated in the background.
  context.services.statuses.request(user.org.code, "withdraw");
  throw redirect(`/rosters/${uploadId}?withdrawn=1`);
}

const QUALITY_LABELS = {
  id: "By license number or board ID",
  name_birth: "By name and birth date",
  npi: "By NPI",
  manual: "Linked by hand",
  ambiguous: "Ambiguous",
  none: "Not found",
} as const;

export default function RosterUpload() {
  const { org, upload, justUploaded, justWithdrawn, canWithdraw, person } = useLoaderData<typeof loader>();
  const timeZone = useTimeZone();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors: Record<string, string> = result?.errors ?? {};
  const people = `${person}s`;
  const unchanged = upload.acceptedRows - upload.newRows - upload.changedRows;
  const written = upload.newRows + upload.changedRows;
  const unmatched = upload.matched.none + upload.matched.ambiguous;
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/rosters">Renewal rosters</Link> / {upload.fileName}
      </nav>
      <PageHeader
        eyebrow="Roster upload"
        title={upload.fileName}
        description={`Uploaded ${formatDateTime(upload.uploadedAt, timeZone)} by ${upload.uploadedBy ?? "the system (demo data)"} for ${org.code}.`}
        actions={
          upload.errorCount > 0 ? (
            <a className="button button--link button--small" href={`/rosters/${upload.id}/errors`} download data-testid="download-bad-rows">
              Download bad rows (CSV)
            </a>
          ) : null
        }
      />
      {justUploaded ? (
        <div className="notice notice--info" role="status" data-result data-testid="upload-done">
          <strong>Roster uploaded.</strong> {formatCount(upload.acceptedRows)} of {formatCount(upload.totalRows)} rows kept
          {upload.rejectedRows ? `, ${formatCount(upload.rejectedRows)} not kept (listed below)` : ""}; {formatCount(upload.newRows)} new and{" "}
          {formatCount(upload.changedRows)} changed licensee cycles
          {upload.fullCohort ? `; ${formatCount(upload.retiredRows)} earlier ${upload.retiredRows === 1 ? "entry" : "entries"} with an open cycle not in this file retired` : ""}. Their renewal statuses are being
          evaluated and appear in the renewal queue shortly.
        </div>
      ) : null}
      {upload.withdrawn ? (
        <div className="notice notice--warn" role="status" data-result data-testid="upload-withdrawn">
          <strong>{justWithdrawn ? "Upload withdrawn." : "This upload was withdrawn"}</strong>
          {justWithdrawn ? " " : ` on ${formatDateTime(upload.withdrawn.at, timeZone)}${upload.withdrawn.by ? ` by ${upload.withdrawn.by}` : ""}: `}
          {justWithdrawn ? null : <>&ldquo;{upload.withdrawn.reason}&rdquo;. </>}
          {formatCount(upload.withdrawn.retired)} {upload.withdrawn.retired === 1 ? `${person} it listed last was` : `${people} it listed last were`} retired from the roster; their history and
          decisions are kept.
        </div>
      ) : null}
      {upload.fullCohort ? (
        <p className="muted small" data-testid="full-cohort-note">
          Uploaded as the full current cohort: {formatCount(upload.retiredRows)} earlier {upload.retiredRows === 1 ? "entry" : "entries"} with an open cycle that this file does not list{" "}
          {upload.retiredRows === 1 ? "was" : "were"} retired.
        </p>
      ) : null}
      <section aria-labelledby="upload-figures" className="stack">
        <h2 id="upload-figures" className="section-title">
          Rows
        </h2>
        <div className="stat-grid">
          <StatCard label="Rows read" value={formatCount(upload.totalRows)} testId="stat-total" />
          <StatCard label="Kept" value={formatCount(upload.acceptedRows)} testId="stat-kept" hint={`${formatCount(unchanged)} already on the roster unchanged`} />
          <StatCard label="Not kept" value={formatCount(upload.rejectedRows)} testId="stat-rejected" tone={upload.rejectedRows ? "warn" : undefined} hint={upload.rejectedRows ? "Listed below with their reasons" : "Every row was valid"} />
          <StatCard label="New / changed" value={`${formatCount(upload.newRows)} / ${formatCount(upload.changedRows)}`} testId="stat-new-changed" hint="Licensee cycles added / updated" />
        </div>
        {upload.attributeColumns.length > 0 ? (
          <p className="muted small" data-testid="upload-attributes">
            What the board knows of each {person}, from the columns{" "}
            {upload.attributeColumns.map((k) => `“${attributeDefinition(k)?.label ?? k}”`).join(", ")}:{" "}
            {upload.attributeChanges === 0
              ? "no value changed."
              : `${formatCount(upload.attributeChanges)} ${upload.attributeChanges === 1 ? "value" : "values"} changed, each kept in the ${person}'s history.`}{" "}
            An empty cell means “not supplied”: what was already known was left as it was.
          </p>
        ) : null}
      </section>
      <section aria-labelledby="match-figures" className="section stack">
        <h2 id="match-figures" className="section-title">
          Matched to the learner store
        </h2>
        {written === 0 ? (
          <p className="muted">This upload added or changed no licensee cycle, so nothing was matched.</p>
        ) : (
          <>
            <p className="muted small">
              The licensee cycles this upload added or changed, as they stand now{upload.newRows + upload.changedRows !== Object.values(upload.matched).reduce((a, b) => a + b, 0) ? " (a later upload has changed some of them)" : ""}.
            </p>
            <dl className="match-bars" data-testid="match-breakdown">
              {(Object.keys(QUALITY_LABELS) as Array<keyof typeof QUALITY_LABELS>).map((q) => (
                <div key={q} className={`match-bars__item match-bars__item--${q}`} data-quality={q}>
                  <dt>{QUALITY_LABELS[q]}</dt>
                  <dd>{formatCount(upload.matched[q])}</dd>
                </div>
              ))}
            </dl>
            {unmatched ? (
              <p>
                <Link to={`/rosters/unmatched?upload=${upload.id}`}>Review the {formatCount(unmatched)} unmatched or ambiguous licensees from this upload</Link>
              </p>
            ) : null}
          </>
        )}
      </section>
      <section aria-labelledby="bad-rows" className="section stack">
        <h2 id="bad-rows" className="section-title">
          Rows not kept
        </h2>
        {upload.errorCount === 0 ? (
          <p className="empty-state">Every row of the file was valid.</p>
        ) : (
          <>
            <div className="table-wrap">
              <table className="data-table" data-testid="bad-rows">
                <caption className="visually-hidden">Rows not kept, with their line in the file and the reason</caption>
                <thead>
                  <tr>
                    <th scope="col" className="num shrink">Line</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Row as uploaded</th>
                  </tr>
                </thead>
                <tbody>
                  {upload.errors.map((e) => (
                    <tr key={e.line}>
                      <td className="num shrink">{e.line}</td>
                      <td className="wrap">{e.reason}</td>
                      <td className="mono wrap raw-row">{e.raw}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {upload.errorCount > upload.errors.length ? (
              <p className="muted small">
                The first {formatCount(upload.errors.length)} of {formatCount(upload.errorCount)} are listed; the CSV download has them all.
              </p>
            ) : null}
          </>
        )}
      </section>
      {canWithdraw && !upload.withdrawn ? (
        <section aria-labelledby="withdraw-title" className="section stack">
          <h2 id="withdraw-title" className="section-title">
            Withdraw this upload
          </h2>
          <p className="muted small">
            For a file uploaded by mistake: the {people} this upload listed last are retired from the roster (a later upload that lists them keeps them), and any entries its full-cohort
            option retired come back. Nothing is deleted; decisions stay with their {people}.
          </p>
          <Form method="post" className="lifecycle-form" aria-label="Withdraw this upload">
            <input type="hidden" name="intent" value="withdraw" />
            <label className="field">
              <span className="field__label">Reason (required)</span>
              <textarea name="reason" rows={2} maxLength={2000} required aria-invalid={Boolean(errors.reason) || undefined} />
              {errors.reason ? <span className="field__error">{errors.reason}</span> : null}
            </label>
            {errors.form || errors.intent ? (
              <p className="alert alert--error" role="alert">
                {errors.form ?? errors.intent}
              </p>
            ) : null}
            <div className="form__actions">
              <button type="submit" className="button button--danger" disabled={navigation.state === "submitting"}>
                Withdraw upload
              </button>
            </div>
          </Form>
        </section>
      ) : null}
    </>
  );
}
