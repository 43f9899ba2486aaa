// Bulk decision: every licensee in the window (and filters) who meets the requirement and has no
// decision yet is marked compliant, in one transaction, after a confirmation that states how many.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "~/auth/session.server";
import { pageAnswer } from "~/lib/input-status.server";
import { PageHeader } from "~/components/PageHeader";
import { formatCount, formatDate } from "~/lib/format";

import { countBulkCompliant, bulkMarkCompliant } from "~/models/decisions.server";
import { renewalState } from "~/models/renewal-page.server";
import { readFormFields } from "~/lib/request-form.server";

export const meta: MetaFunction = () => [{ title: "Mark compliant · Renewals · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  const { state } = await renewalState(db, user, params);
  const filterErrors = Object.entries(state.errors).filter(([key]) => !["page", "cursor", "size", "sort", "dir", "hide", "show"].includes(key));
  const count = filterErrors.length ? 0 : await countBulkCompliant(db, user.org.code, state.window, state.filters);
  return pageAnswer({ window: state.window, count, problems: filterErrors.map(([k, m]) => `${k}: ${m}`) }, filterErrors);
}

const BulkForm = z.object({
  expected: z.coerce.number({ error: "The confirmed number is missing." }).int().min(1, "There is nothing to mark.").max(1_000_000),
  note: z.string().trim().max(2000, "Keep the note under 2,000 characters."),
  confirm: z.literal("yes", { error: "Tick the box to confirm." }),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  const { state } = await renewalState(db, user, params);
  const fields = await readFormFields(request);
  const parsed = BulkForm.safeParse(fields);
  if (!parsed.success) return data({ message: parsed.error.issues[0]?.message ?? "Check the form.", count: null as number | null }, { status: 400 });
  const problems = Object.entries(state.errors).filter(([key]) => !["page", "cursor", "size", "sort", "dir", "hide", "show"].includes(key));
  if (problems.length) return data({ message: "The filters in the address are not valid; go back to the queue and try again.", count: null }, { status: 400 });
  const result = await bulkMarkCompliant(db, { id: user.id, role: user.role, orgCode: user.org.code, ip: context.clientIp }, {
    window: state.window,
    filters: state.filters,
    expected: parsed.data.expected,
    note: parsed.data.note,
  });
  if (!result.ok) return data({ message: result.message, count: result.count }, { status: 409 });
  const back = new URLSearchParams({ endFrom: state.window.from, endTo: state.window.to, decision: "compliant", bulkRecorded: String(result.recorded) });
  throw redirect(`/renewals?${back}`);
}

export default function BulkCompliant() {
  const { window, count, problems } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const location = useLocation();
  const busy = navigation.state === "submitting";
  const shown = result?.count ?? count;
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to={`/renewals${location.search}`}>Renewal queue</Link> / Mark compliant
      </nav>
      <PageHeader
        eyebrow="Renewal verification"
        title="Mark every licensee who meets the requirement as compliant"
        description={`Cycles ending ${formatDate(window.from)} to ${formatDate(window.to)}, with the queue's filters; only licensees whose status is “Meets” and who have no decision yet.`}
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
      {shown === 0 ? (
        <p className="empty-state">No licensee in this window meets the requirement without a decision. Nothing to mark.</p>
      ) : (
        <Form method="post" className="form card" aria-labelledby="confirm-title">
          <h2 id="confirm-title" data-testid="bulk-count">
            {formatCount(shown)} {shown === 1 ? "licensee" : "licensees"} will be recorded as compliant.
          </h2>
          <p className="muted">Each gets its own decision, marked as bulk, with the credit totals it is based on. All are saved together or none are.</p>
          <input type="hidden" name="expected" value={shown} />
          <label className="field">
            <span className="field__label">Note on every decision</span>
            <textarea name="note" rows={2} maxLength={2000} defaultValue="Requirement met as reported to the board (bulk)." />
          </label>
          <label className="check">
            <input type="checkbox" name="confirm" value="yes" required /> I confirm: record {formatCount(shown)} compliant {shown === 1 ? "decision" : "decisions"}.
          </label>
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? "Recording…" : `Record ${formatCount(shown)} decisions`}
            </button>
            <Link to={`/renewals${location.search}`}>Cancel</Link>
          </div>
        </Form>
      )}
    </>
  );
}
