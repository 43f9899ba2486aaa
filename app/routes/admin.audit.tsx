// The audit trail, for supervisors and administrators: who did what in the organization, when and
// from where, searched by user, action, licensee, date range and address; exact counts, newest
// first, exported as CSV or Excel (the export is itself audited).
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { can, requireUser } from "~/auth/permissions.server";
import { DateRangeFilter, FilterPanel, SelectFilter, TextFilter } from "~/components/FilterPanel";
import { ExportMenu, Pagination, ParamNotices, ResultCount, Toolbar } from "~/components/GridControls";
import { PageHeader } from "~/components/PageHeader";
import { auditActionLabels } from "~/lib/audit-words";
import { pageAnswer } from "~/lib/input-status.server";
import { auditView } from "~/models/view-audit.server";
import { auditUsers, describedFilters, parseAuditSearch, searchAuditTrail, type AuditPage } from "~/models/audit-trail.server";
import { orgWords } from "../../domain/org-words";
import { organisationTimeZone, type OrganisationKind } from "../../domain/reference";
import { formatDateTime } from "~/lib/format";

export const meta: MetaFunction = () => [{ title: "Audit trail · CME Credit Verification" }];
export const handle = { wide: true };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { permission: "oversee" });
  const { db } = context.services;
  const words = orgWords(user.org.kind as OrganisationKind);
  const labels = auditActionLabels(words);
  const params = new URL(request.url).searchParams;
  const search = parseAuditSearch(params, Object.keys(labels));
  const users = await auditUsers(db, user.org.code);
  if (search.filters.user && !users.some((u) => u.id === search.filters.user)) {
    search.errors.user = "Choose a user from the list.";
    delete search.filters.user;
  }
  const invalid = Object.keys(search.errors).length > 0;
  // A search with a value it could not use does not run: a partial answer could be read as the whole.
  const page: AuditPage = invalid
    ? { rows: [], count: 0, next: null, previous: null, licensee: null, licenseeProblem: null }
    : await searchAuditTrail(db, user, search);
  // The search names licensees: audited like any page that shows them, its filters in words.
  if (!invalid) auditView(context, user, { action: "audit.view", detail: { filters: describedFilters(search.filters, { users, words, licensee: page.licensee }) }, rows: page.rows.length });
  const zone = formatDateTime(new Date(), organisationTimeZone(user.org.code)).split(" ").at(-1);
  return pageAnswer(
    {
      org: user.org,
      canVerify: can(user, "administer"),
      zone,
      users,
      actions: Object.entries(labels).map(([value, label]) => ({ value, label })),
      search: { filters: search.filters, errors: search.errors, page: search.page, notices: search.notices, invalid },
      page,
    },
    [...search.notices, ...Object.values(search.errors), ...(page.licenseeProblem ? [page.licenseeProblem] : [])],
  );
}

export default function AuditTrail() {
  const { org, canVerify, zone, users, actions, search, page } = useLoaderData<typeof loader>();
  const words = orgWords(org.kind as OrganisationKind);
  const { filters, errors } = search;
  const value = (name: keyof typeof filters) => filters[name] ?? "";
  const active = Object.values(filters).filter(Boolean).length;
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v) as [string, string][]);
  const exportHref = (format: "csv" | "xlsx") => `/admin/audit/export?${new URLSearchParams([...query, ["download", format]])}`;
  const licensee = page.licensee?.matches ?? [];
  return (
    <>
      <PageHeader
        eyebrow="Oversight"
        title="Audit trail"
        description={`Every sign-in, every view of a ${words.person}'s record, every export and every decision in ${org.name}, with who did it, when (${zone}) and from which address.`}
        actions={
          canVerify ? (
            <Link className="button button--link button--small" to="/admin/audit/verify">
              Check for tampering
            </Link>
          ) : null
        }
      />
      <div className="search-layout">
        <FilterPanel activeCount={active}>
          <SelectFilter name="user" label="User" value={value("user")} error={errors.user} anyLabel="Anyone" options={users.map((u) => ({ value: u.id, label: `${u.name} (${u.email})` }))} />
          <SelectFilter name="action" label="Action" value={value("action")} error={errors.action} anyLabel="Any action" options={actions} />
          {filters.learner ? (
            <div className="filter-group">
              <p className="filter-label">{words.Person}</p>
              <input type="hidden" name="learner" value={filters.learner} />
              <p className="small">
                {licensee[0] ? <Link to={`/licensees/${licensee[0].id}`}>{licensee[0].name}</Link> : `Record ${filters.learner}`}{" "}
                <Link to={`/admin/audit?${new URLSearchParams([...query].filter(([k]) => k !== "learner"))}`} className="small">
                  (search all)
                </Link>
              </p>
            </div>
          ) : (
            <TextFilter name="licensee" label={words.Person} value={value("licensee")} error={errors.licensee} hint={`A ${words.idLabel}, an NPI, or a name (Last, First)`} />
          )}
          <DateRangeFilter legend={`Between (${zone})`} from={{ name: "from", value: value("from"), error: errors.from }} to={{ name: "to", value: value("to"), error: errors.to }} />
          <TextFilter name="address" label="Address" value={value("address")} error={errors.address} hint="An IP address, or its start (203.0.113.)" />
        </FilterPanel>
        <section aria-labelledby="results-title" className="audit-results">
          <h2 id="results-title" className="visually-hidden">
            Audit events
          </h2>
          <Toolbar count={<ResultCount count={{ value: page.count, exact: true }} noun={["event", "events"]} />}>
            {!search.invalid && !page.licenseeProblem ? <ExportMenu href={exportHref} rows="every matching event" /> : null}
          </Toolbar>
          <ParamNotices messages={search.notices} />
          {search.invalid ? (
            <div className="notice notice--warn" role="alert">
              The search did not run: correct the filter marked in the panel.
            </div>
          ) : null}
          {page.licenseeProblem ? (
            <div className="notice notice--warn" role="alert" data-testid="licensee-problem">
              {page.licenseeProblem}
            </div>
          ) : null}
          {licensee.length > 1 ? (
            <p className="small muted" data-testid="licensee-matches">
              Events about {licensee.length} {words.people}: {licensee.map((m) => m.name).join("; ")}
            </p>
          ) : null}
          <div className="table-wrap">
            <table className="data-table audit-table" data-testid="audit-table">
              <caption className="visually-hidden">Audit events, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When ({zone})</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">About</th>
                  <th scope="col">Details</th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                {page.rows.length === 0 ? (
                  <tr>
                    <td colSpan={6}>
                      <div className="empty-state">
                        <h3>No events match</h3>
                        <p>Widen the date range or clear a filter.</p>
                      </div>
                    </td>
                  </tr>
                ) : (
                  page.rows.map((r) => (
                    <tr key={r.id} data-testid="audit-row">
                      <td className="when">
                        <time dateTime={r.at}>{r.when}</time>
                      </td>
                      <td>
                        {r.who ? (
                          <>
                            {r.who.name}
                            <span className="sub">{r.who.email}</span>
                          </>
                        ) : (
                          <span className="muted">No user</span>
                        )}
                      </td>
                      <td>{r.actionLabel}</td>
                      <td className="wrap">{r.subject ? r.subject.href ? <Link to={r.subject.href}>{r.subject.label}</Link> : r.subject.label : <span className="muted">—</span>}</td>
                      <td className="wrap details">{r.details || <span className="muted">—</span>}</td>
                      <td className="mono">{r.ip ?? "—"}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
          <Pagination page={search.page} pages={Math.max(1, Math.ceil(page.count / 50))} total={page.count} previous={page.previous} next={page.next} size={50} shown={page.rows.length} noun={["event", "events"]} lastLink={false} />
        </section>
      </div>
    </>
  );
}
