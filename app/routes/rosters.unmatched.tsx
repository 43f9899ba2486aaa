// The unmatched queue: roster entries no licensee in the learner store matched (or several did),
// soonest cycle end first, each with why and a lookup pre-filled with what the roster says.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "~/auth/session.server";
import { pageAnswer } from "~/lib/input-status.server";
import { isDateInRange } from "~/lib/dates";
import { PageHeader } from "~/components/PageHeader";
import { formatCount, formatDate } from "~/lib/format";
import { listUnmatchedEntries, UNMATCHED_PAGE_SIZE, type UnmatchedEntry } from "~/models/rosters.server";
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
  return pageAnswer({ org: user.org, queue, filters: { quality: quality ?? "", upload: uploadId ?? "" }, paged: after !== undefined, notices, pageSize: UNMATCHED_PAGE_SIZE }, notices);
}

function lookupHref(entry: UnmatchedEntry, certifying: boolean): string {
  const params = new URLSearchParams({ first: entry.firstName, last: entry.lastName, dob: entry.birthDate });
  params.set(certifying ? "boardId" : "licence", entry.rosterKey);
  if (entry.npi) params.set("npi", entry.npi);
  return `/licensees?${params}`;
}

export default function UnmatchedQueue() {
  const { org, queue, filters, paged, notices, pageSize } = useLoaderData<typeof loader>();
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
        description={`Roster entries of ${org.code} that no licensee in the learner store matched by ${certifying ? "board id" : "licence id"}, name and birth date, or NPI, and those several licensees matched. Look each one up, then correct the roster and upload it again.`}
      />
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
        <p className="results-toolbar__count" role="status" data-testid="unmatched-count">
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
                <th scope="col">{certifying ? "Board id" : "Licence id"}</th>
                <th scope="col">Birth date</th>
                <th scope="col">NPI</th>
                <th scope="col">Match</th>
                <th scope="col">Why</th>
                <th scope="col">From the roster</th>
                <th scope="col">
                  <span className="visually-hidden">Look up</span>
                </th>
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
                    <Link className="button button--link button--small" to={lookupHref(e, certifying)} aria-label={`Look up ${e.firstName} ${e.lastName}`}>
                      Look up
                    </Link>
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
