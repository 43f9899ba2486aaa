// The unmatched queue: roster entries no licensee in the learner store matched (or several did),
// soonest cycle end first, each with why and a lookup pre-filled with what the roster says. A
// supervisor links an entry to a licensee by hand here (audited, with the reason); entries are also
// matched again by themselves when new learners reach the store (status-runner.server.ts).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { learnerInScope } from "~/auth/scope.server";
import { can, checkUser, requireUser } from "~/auth/permissions.server";
import { readFormFields } from "~/lib/request-form.server";
import { pageAnswer } from "~/lib/input-status.server";
import { isDateInRange } from "~/lib/dates";
import { PageHeader } from "~/components/PageHeader";
import { formatCount, formatDate } from "~/lib/format";
import { linkEntryToLearner, listUnmatchedEntries, UNMATCHED_PAGE_SIZE, type UnmatchedEntry } from "~/models/rosters.server";
import { auditView, viewFilters } from "~/models/view-audit.server";

export const meta: MetaFunction = () => [{ title: "Unmatched licensees · Renewal rosters · CME Credit Verification" }];
export const handle = { wide: true };

const QueueParams = {
  quality: z.enum(["none", "ambiguous"], { error: "Show must be “not found” or “ambiguous”; showing both." }),
  upload: z.string().regex(/^[1-9]\d{0,17}$/, "That upload number is not valid; showing every upload."),
  after: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}_[1-9]\d{0,17}$/, "That page link is not valid; showing the first page.")
    .refine((v) => isDateInRange(v.slice(0, 10)), "That page link is not valid; showing the first page.")
    .transform((v) => ({ cycleEnd: v.slice(0, 10), id: v.slice(11) })),
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const search = new URL(request.url).searchParams;
  const notices: string[] = [];
  const read = <T,>(schema: z.ZodType<T>, name: string): T | undefined => {
    const raw = search.get(name);
    if (raw === null || raw === "") return undefined;
    const parsed = schema.safeParse(raw.slice(0, 100));
    if (parsed.success) return parsed.data;
    notices.push(parsed.error.issues[0]?.message ?? "A value in the address was not valid and was ignored.");
    return undefined;
  };
  const quality = read(QueueParams.quality, "quality");
  const uploadId = read(QueueParams.upload, "upload");
  const after = read(QueueParams.after, "after");
  const queue = await listUnmatchedEntries(context.services.db, user.org.code, { quality, uploadId, after });
  auditView(context, user, { action: "unmatched.view", detail: { filters: viewFilters(search) }, rows: queue.entries.length });
  const linked = search.get("linked") === "1";
  return pageAnswer(
    { org: user.org, queue, filters: { quality: quality ?? "", upload: uploadId ?? "" }, paged: after !== undefined, notices, pageSize: UNMATCHED_PAGE_SIZE, canLink: can(user, "manage"), linked },
    notices,
  );
}

const LinkForm = z.object({
  intent: z.literal("link", { error: "Unknown action." }),
  entryId: z.string({ error: "Choose a roster entry." }).regex(/^[1-9]\d{0,17}$/, "Choose a roster entry from the list."),
  // The licensee's page address as copied from the browser (…/licensees/123), or the number in it.
  learnerId: z
    .string({ error: "Paste the licensee's page address." })
    .trim()
    .max(500, "Paste the licensee's page address.")
    .transform((text, ctx) => {
      const id = /^[1-9]\d{0,17}$/.test(text) ? text : /\/licensees\/([1-9]\d{0,17})(?:[/?#]|$)/.exec(text)?.[1];
      if (!id) ctx.addIssue({ code: "custom", message: "Paste the address of the licensee's page (it ends in /licensees/ and a number)." });
      return id ?? "";
    }),
  reason: z.string({ error: "Say why this is the licensee." }).trim().min(5, "Say why this is the licensee (at least a few words).").max(2000, "Keep the reason under 2,000 characters."),
});

type LinkResult = { entryId: string | null; errors: Record<string, string> };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  checkUser(user, { permission: "manage" });
  const fields = await readFormFields(request);
  const parsed = LinkForm.safeParse(fields);
  const entryId = typeof fields.entryId === "string" && /^[1-9]\d{0,17}$/.test(fields.entryId) ? fields.entryId : null;
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
    return data<LinkResult>({ entryId, errors }, { status: 400 });
  }
  const { db } = context.services;
  const outcome = await linkEntryToLearner(db, { userId: user.id, orgCode: user.org.code, ip: context.clientIp }, parsed.data, (learnerId) =>
    learnerInScope(db, user.scope, learnerId),
  );
  if (outcome.kind === "refused") return data<LinkResult>({ entryId, errors: { [outcome.field]: outcome.problem } }, { status: outcome.field === "entryId" ? 404 : 400 });
  // The linked entry is evaluated in the background.
  context.services.statuses.request(user.org.code, "link");
  throw redirect("/rosters/unmatched?linked=1");
}

function LinkByHand({ entry, result }: { entry: UnmatchedEntry; result: LinkResult | undefined }) {
  const errors = result && result.entryId === entry.id ? result.errors : {};
  const message = errors.learnerId ?? errors.reason ?? errors.entryId ?? errors.intent ?? errors.form;
  return (
    <Form method="post" className="link-form" aria-label={`Link ${entry.firstName} ${entry.lastName} to a licensee`}>
      <input type="hidden" name="intent" value="link" />
      <input type="hidden" name="entryId" value={entry.id} />
      <label className="visually-hidden" htmlFor={`learner-${entry.id}`}>
        Address of the licensee's page
      </label>
      <input id={`learner-${entry.id}`} name="learnerId" inputMode="numeric" placeholder="Licensee page address" required aria-invalid={Boolean(errors.learnerId) || undefined} />
      <label className="visually-hidden" htmlFor={`reason-${entry.id}`}>
        Reason
      </label>
      <input id={`reason-${entry.id}`} name="reason" type="text" placeholder="Why this licensee" required maxLength={2000} aria-invalid={Boolean(errors.reason) || undefined} />
      <button type="submit" className="button button--secondary button--small">
        Link
      </button>
      {message ? (
        <p className="link-form__error small" role="alert">
          {message}
        </p>
      ) : null}
    </Form>
  );
}

function lookupHref(entry: UnmatchedEntry, certifying: boolean): string {
  const params = new URLSearchParams({ first: entry.firstName, last: entry.lastName, dob: entry.birthDate });
  params.set(certifying ? "boardId" : "licence", entry.rosterKey);
  if (entry.npi) params.set("npi", entry.npi);
  return `/licensees?${params}`;
}

export default function UnmatchedQueue() {
  const { org, queue, filters, paged, notices, pageSize, canLink, linked } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const certifying = org.kind === "certifying_board";
  const total = queue.counts.none + queue.counts.ambiguous;
  const withFilters = (extra: Record<string, string>) => {
    const params = new URLSearchParams();
    if (filters.quality) params.set("quality", filters.quality);
    if (filters.upload) params.set("upload", filters.upload);
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    return `/rosters/unmatched${params.size ? `?${params}` : ""}`;
  };
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/rosters">Renewal rosters</Link> / Unmatched licensees
      </nav>
      <PageHeader
        eyebrow="Renewal rosters"
        title="Unmatched licensees"
        description={`Roster entries of ${org.code} that no licensee in the learner store matched by ${certifying ? "board ID" : "license number"}, name and birth date, or NPI, and those several licensees matched. Look each one up, then correct the roster and upload it again${canLink ? ", or link the entry to the licensee you found by pasting the address of their page" : ""}. Entries are matched again automatically as new licensees reach the learner store.`}
      />
      {linked ? (
        <div className="notice notice--ok" role="status" data-result data-testid="linked">
          Entry linked to the licensee. Its renewal status is being evaluated and appears in the renewal queue shortly.
        </div>
      ) : null}
      {notices.length ? (
        <div className="notice notice--warn" role="status">
          <ul>
            {notices.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <Form method="get" className="queue-filters" aria-label="Filter the unmatched queue">
        <div className="inline-field">
          <label htmlFor="quality">Show</label>
          <select id="quality" name="quality" defaultValue={filters.quality}>
            <option value="">Not found and ambiguous</option>
            <option value="none">Not found only</option>
            <option value="ambiguous">Ambiguous only</option>
          </select>
        </div>
        {filters.upload ? <input type="hidden" name="upload" value={filters.upload} /> : null}
        <button type="submit" className="button button--secondary button--small">
          Apply
        </button>
        {filters.upload ? (
          <span className="muted small">
            From <Link to={`/rosters/${filters.upload}`}>upload #{filters.upload}</Link> only · <Link to={filters.quality ? `/rosters/unmatched?quality=${filters.quality}` : "/rosters/unmatched"}>all uploads</Link>
          </span>
        ) : null}
      </Form>
      <div className="results-toolbar">
        <p className="results-toolbar__count" role="status" data-result data-testid="unmatched-count">
          {formatCount(total)} {total === 1 ? "licensee" : "licensees"}
          <small>
            {" "}
            ({formatCount(queue.counts.none)} not found, {formatCount(queue.counts.ambiguous)} ambiguous)
          </small>
        </p>
      </div>
      {queue.entries.length === 0 ? (
        <p className="empty-state">{paged ? "No more licensees." : "Every licensee on the roster was matched to exactly one licensee in the learner store."}</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table queue-table" data-testid="unmatched">
            <caption className="visually-hidden">Unmatched and ambiguous roster entries, soonest cycle end first</caption>
            <thead>
              <tr>
                <th scope="col">Cycle end</th>
                <th scope="col">Licensee on the roster</th>
                <th scope="col">{certifying ? "Board ID" : "License number"}</th>
                <th scope="col">Birth date</th>
                <th scope="col">NPI</th>
                <th scope="col">Match</th>
                <th scope="col">Why</th>
                <th scope="col">From the roster</th>
                <th scope="col">{canLink ? "Look up, or link by hand" : <span className="visually-hidden">Look up</span>}</th>
              </tr>
            </thead>
            <tbody>
              {queue.entries.map((e) => (
                <tr key={e.id} data-entry-id={e.id}>
                  <td>{formatDate(e.cycleEnd)}</td>
                  <th scope="row">
                    {e.lastName}, {e.firstName}
                  </th>
                  <td className="mono">{e.rosterKey}</td>
                  <td>{e.birthDate}</td>
                  <td className="mono">{e.npi ?? "—"}</td>
                  <td>{e.quality === "ambiguous" ? <span className="badge badge--warn">Ambiguous</span> : <span className="badge badge--error">Not found</span>}</td>
                  <td className="wrap">{e.note}</td>
                  <td className="wrap roster-line">
                    <Link to={`/rosters/${e.uploadId}`}>{e.fileName}</Link>
                    <span className="sub">line {e.line}</span>
                  </td>
                  <td>
                    <div className="stack-cell">
                      <Link className="button button--link button--small" to={lookupHref(e, certifying)} aria-label={`Look up ${e.firstName} ${e.lastName}`}>
                        Look up
                      </Link>
                      {canLink ? <LinkByHand entry={e} result={result} /> : null}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pagination" aria-label="Pages">
        <span className="muted small">{pageSize} per page, soonest cycle end first</span>
        <span className="pagination__links">
          {paged ? <Link to={withFilters({})}>First page</Link> : null}
          {queue.next ? (
            <Link to={withFilters({ after: `${queue.next.cycleEnd}_${queue.next.id}` })} rel="next">
              Next
            </Link>
          ) : (
            <span aria-disabled="true">Next</span>
          )}
        </span>
      </nav>
    </>
  );
}
