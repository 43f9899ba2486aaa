// Bulk decision: licensees in the window (and filters) who meet the requirement and have no decision
// yet are marked compliant, in one transaction, after a confirmation that lists every one of them
// (at most BULK_LIMIT per confirmation). At commit each is checked again live; those whose credit
// changed are left out and listed. Bulk never records an override.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { BOARD_KINDS, requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { auditView, viewFilters } from "~/models/view-audit.server";
import { PageHeader } from "~/components/PageHeader";
import { Progress, RenewalStatus } from "~/components/RenewalCells";
import { formatCount, formatDate } from "~/lib/format";
import { orgWords } from "../../domain/org-words";
import type { OrganisationKind } from "../../domain/reference";
import type { QueueStatus } from "~/lib/renewal-search";
import { BULK_LIMIT, bulkMarkCompliant, bulkPreview, type BulkLeftOut } from "~/models/decisions.server";
import { renewalState } from "~/models/renewal-page.server";
import { readFormFields } from "~/lib/request-form.server";

export const meta: MetaFunction = () => [{ title: "Mark compliant · Renewals · CME Credit Verification" }];
export const handle = { wide: true };

const IGNORED = ["page", "cursor", "size", "sort", "dir", "hide", "show"];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  const { state } = await renewalState(db, user, params);
  const filterErrors = Object.entries(state.errors).filter(([key]) => !IGNORED.includes(key));
  const preview = filterErrors.length ? { count: 0, entries: [] } : await bulkPreview(db, user.org.code, state.window, state.filters);
  // The confirmation lists licensees by name: a view like the queue's, audited the same way.
  auditView(context, user, { action: "bulk.view", detail: { filters: viewFilters(params) }, rows: preview.entries.length });
  return pageAnswer(
    { window: state.window, words: orgWords(user.org.kind as OrganisationKind), limit: BULK_LIMIT, ...preview, problems: filterErrors.map(([k, m]) => `${k}: ${m}`) },
    filterErrors,
  );
}

const BulkForm = z.object({
  entries: z
    .string({ error: "The list of confirmed entries is missing." })
    .regex(new RegExp(`^\\d{1,18}(,\\d{1,18}){0,${BULK_LIMIT - 1}}$`), `The list of confirmed entries is not valid (at most ${BULK_LIMIT}); reload the page.`),
  note: z.string().trim().max(2000, "Keep the note under 2,000 characters."),
  confirm: z.literal("yes", { error: "Tick the box to confirm." }),
});

type BulkAnswer = { message: string | null; recorded: number | null; leftOut: BulkLeftOut[] };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  const { db } = context.services;
  const fields = await readFormFields(request);
  const parsed = BulkForm.safeParse(fields);
  if (!parsed.success) return data<BulkAnswer>({ message: parsed.error.issues[0]?.message ?? "Check the form.", recorded: null, leftOut: [] }, { status: 400 });
  const result = await bulkMarkCompliant(db, { id: user.id, role: user.role, orgCode: user.org.code, ip: context.clientIp }, {
    entryIds: parsed.data.entries.split(","),
    note: parsed.data.note,
  });
  if (!result.ok) return data<BulkAnswer>({ message: result.message, recorded: null, leftOut: [] }, { status: 409 });
  return data<BulkAnswer>({ message: null, recorded: result.recorded, leftOut: result.leftOut });
}

export default function BulkCompliant() {
  const { window, count, entries, limit, problems, words } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const location = useLocation();
  const busy = navigation.state === "submitting";
  const shown = entries.length;
  const person = (n: number) => (n === 1 ? words.person : words.people);
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to={`/renewals${location.search}`}>{words.cycle.charAt(0).toUpperCase() + words.cycle.slice(1)} queue</Link> / Mark compliant
      </nav>
      <PageHeader
        eyebrow={`${words.cycle.charAt(0).toUpperCase() + words.cycle.slice(1)} verification`}
        title={`Mark every ${words.person} who meets the requirement as compliant`}
        description={`Cycles ending ${formatDate(window.from)} to ${formatDate(window.to)}, with the queue's filters; only ${words.people} whose status is “Meets” and who have no decision yet. At most ${formatCount(limit)} are recorded per confirmation; each is checked again when you confirm.`}
      />
      {problems.length ? (
        <div className="alert alert--error" role="alert">
          The filters in the address could not be used: {problems.join(" ")}
        </div>
      ) : null}
      {result?.message ? (
        <div className="alert alert--error" role="alert" data-testid="bulk-error">
          {result.message}
        </div>
      ) : null}
      {result?.recorded !== null && result?.recorded !== undefined ? (
        <div className={result.leftOut.length ? "notice notice--warn" : "notice notice--ok"} role="status" data-result data-testid="bulk-recorded">
          <p>
            {formatCount(result.recorded)} compliant {result.recorded === 1 ? "decision" : "decisions"} recorded and saved.
            {result.leftOut.length ? ` ${formatCount(result.leftOut.length)} not recorded: their credit changed or a decision was recorded meanwhile.` : ""}
          </p>
          {result.leftOut.length ? (
            <ul data-testid="bulk-left-out">
              {result.leftOut.map((l) => (
                <li key={l.id}>
                  <Link to={`/renewals/${l.id}`}>{l.name}</Link> <span className="mono">{l.rosterKey}</span>: {l.why}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {shown === 0 ? (
        <p className="empty-state">No {words.person} in this window meets the requirement without a decision. Nothing to mark.</p>
      ) : (
        <Form method="post" className="form card" aria-labelledby="confirm-title">
          <h2 id="confirm-title" data-testid="bulk-count">
            {formatCount(shown)} {person(shown)} will be recorded as compliant.
          </h2>
          <p className="muted">
            {count > shown
              ? `${formatCount(count)} ${words.people} qualify; the first ${formatCount(shown)} by cycle end are listed below and will be recorded. Confirm again for the rest.`
              : `Every ${words.person} who qualifies is listed below.`}{" "}
            Each gets its own decision, marked as bulk, with the credit totals of a check made when you confirm. Anyone whose credit has changed by then is left out and named.
          </p>
          <div className="table-wrap">
            <table className="data-table" data-testid="bulk-list">
              <caption className="visually-hidden">The {words.people} the decision will be recorded for</caption>
              <thead>
                <tr>
                  <th scope="col">{words.Person}</th>
                  <th scope="col">{words.idLabel.charAt(0).toUpperCase() + words.idLabel.slice(1)}</th>
                  <th scope="col">Cycle ends</th>
                  <th scope="col">Status</th>
                  <th scope="col">Counted / required</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id} data-entry={e.id}>
                    <td>
                      <Link to={`/renewals/${e.id}`}>
                        {e.lastName}, {e.firstName}
                      </Link>
                    </td>
                    <td className="mono">{e.rosterKey}</td>
                    <td>{formatDate(e.cycleEnd)}</td>
                    <td>
                      <RenewalStatus status={e.status as QueueStatus} />
                    </td>
                    <td>
                      <Progress counted={e.creditsCounted} required={e.creditsRequired} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <input type="hidden" name="entries" value={entries.map((e) => e.id).join(",")} />
          <label className="field">
            <span className="field__label">Note on every decision</span>
            <textarea name="note" rows={2} maxLength={2000} defaultValue="Requirement met as reported to the board (bulk)." />
          </label>
          <label className="check">
            <input type="checkbox" name="confirm" value="yes" required /> I confirm: record {formatCount(shown)} compliant {shown === 1 ? "decision" : "decisions"}.
          </label>
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? "Recording…" : `Record ${formatCount(shown)} ${shown === 1 ? "decision" : "decisions"}`}
            </button>
            <Link to={`/renewals${location.search}`}>Cancel</Link>
          </div>
        </Form>
      )}
    </>
  );
}
