// Administrators: the organization's staff (name, email, role, status, last sign-in), searchable,
// with open invitations (revocable here) and a way to invite someone. Each person's page
// (/admin/users/:userId) changes their role, deactivates, unlocks and resets their second factor.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { ID_PATTERN, requireUser } from "~/auth/permissions.server";
import { PageHeader } from "~/components/PageHeader";
import { formatCount, formatDateTime } from "~/lib/format";
import { pageAnswer } from "~/lib/input-status.server";
import { readFormFields } from "~/lib/request-form.server";
import { ROLE_LABEL, STATUS_LABEL } from "~/lib/staff";
import { listStaff, revokeInvite, STAFF_LIST_LIMIT, STAFF_STATUSES } from "~/models/staff.server";
import { STAFF_ROLES } from "../../domain/reference";
import { organisationTimeZone } from "../../domain/reference";

export const meta: MetaFunction = () => [{ title: "Staff · Administration · CME Credit Verification" }];
export const handle = { wide: true };

const Params = {
  q: z.string().max(100, "Search for at most 100 characters; showing everyone."),
  role: z.enum(STAFF_ROLES, { error: "Role must be reviewer, supervisor or admin; showing every role." }),
  status: z.enum(STAFF_STATUSES, { error: "Status must be active, locked out, deactivated or invited; showing every status." }),
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { permission: "administer" });
  const search = new URL(request.url).searchParams;
  const notices: string[] = [];
  const read = <T,>(schema: z.ZodType<T>, name: string): T | undefined => {
    const raw = search.get(name);
    if (raw === null || raw === "") return undefined;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    notices.push(parsed.error.issues[0]?.message ?? "A value in the address was not valid and was ignored.");
    return undefined;
  };
  const filters = { q: read(Params.q, "q")?.trim() || undefined, role: read(Params.role, "role"), status: read(Params.status, "status") };
  const list = await listStaff(context.services.db, user.org.code, filters);
  return pageAnswer(
    {
      org: user.org,
      timeZone: organisationTimeZone(user.org.code),
      selfId: user.id,
      filters: { q: filters.q ?? "", role: filters.role ?? "", status: filters.status ?? "" },
      filtered: Boolean(filters.q || filters.role || filters.status),
      notices,
      ...list,
    },
    notices,
  );
}

const RevokeForm = z.object({
  intent: z.literal("revoke", { error: "Unknown action." }),
  inviteId: z.string({ error: "Choose an invitation." }).regex(ID_PATTERN, "Choose an invitation from the list."),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request, { permission: "administer" });
  const parsed = RevokeForm.safeParse(await readFormFields(request));
  if (!parsed.success) return data({ ok: false, message: parsed.error.issues[0]?.message ?? "That request could not be understood." }, { status: 400 });
  const result = await revokeInvite(context.services.db, user, parsed.data.inviteId, context.clientIp);
  if (!result.ok && result.status === 404) throw new Response("Not found", { status: 404 });
  return data({ ok: result.ok, message: result.message }, { status: result.ok ? 200 : result.status });
}

export default function StaffList() {
  const { org, timeZone, selfId, filters, filtered, notices, staff, matched, invites, counts } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  return (
    <>
      <PageHeader
        eyebrow="Administration"
        title="Staff"
        description={`Everyone at ${org.name} who can sign in, and the people invited to. Open a person to change their role, unlock them, reset their second factor or deactivate them.`}
        actions={
          <Link to="/admin/users/invite" className="button button--primary">
            Invite a staff member
          </Link>
        }
      />
      <div className="status-strip" role="list" aria-label="Staff by status">
        {(["active", "locked_out", "deactivated", "invited"] as const).map((status) => (
          <Link
            key={status}
            role="listitem"
            to={filters.status === status ? "/admin/users" : `/admin/users?status=${status}`}
            className="status-strip__item"
            aria-current={filters.status === status ? "true" : undefined}
          >
            <span className="status-strip__value">{formatCount(counts[status])}</span>
            <span className="status-strip__label">{STATUS_LABEL[status]!.label}</span>
          </Link>
        ))}
      </div>
      {notices.length > 0 ? (
        <div className="notice notice--warn" role="status">
          <ul>
            {notices.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {result ? (
        <div className={`notice ${result.ok ? "notice--ok" : "notice--warn"}`} role="status">
          {result.message}
        </div>
      ) : null}
      <Form method="get" className="card" aria-label="Find staff">
        <div className="staff-filters">
          <div className="field">
            <label htmlFor="q">Name or email</label>
            <input id="q" name="q" type="search" defaultValue={filters.q} maxLength={100} />
          </div>
          <div className="field">
            <label htmlFor="role">Role</label>
            <select id="role" name="role" defaultValue={filters.role}>
              <option value="">Every role</option>
              {STAFF_ROLES.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABEL[r]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="status">Status</label>
            <select id="status" name="status" defaultValue={filters.status}>
              <option value="">Every status</option>
              {STAFF_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABEL[s]!.label}
                </option>
              ))}
            </select>
          </div>
          <div className="form__actions">
            <button type="submit" className="button button--secondary">
              Search
            </button>
            {filtered ? (
              <Link to="/admin/users" className="button--link">
                Clear
              </Link>
            ) : null}
          </div>
        </div>
      </Form>

      {filters.status !== "invited" ? (
        <section className="section stack" aria-labelledby="staff-title">
          <h2 id="staff-title" className="section-title">
            {filtered ? `${formatCount(matched)} matching staff member${matched === 1 ? "" : "s"}` : `${formatCount(matched)} staff member${matched === 1 ? "" : "s"}`}
            {matched > staff.length ? <small className="muted"> (first {formatCount(STAFF_LIST_LIMIT)} shown; search to narrow)</small> : null}
          </h2>
          <div className={navigation.state === "loading" ? "table-wrap is-loading" : "table-wrap"}>
            <table className="data-table" data-testid="staff-table">
              <caption className="visually-hidden">Staff of {org.name}, by name</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Added</th>
                </tr>
              </thead>
              <tbody>
                {staff.map((s) => (
                  <tr key={s.id} data-email={s.email}>
                    <th scope="row" className="wrap">
                      <Link to={`/admin/users/${s.id}`}>{s.name}</Link>
                      {s.id === selfId ? <span className="muted"> (you)</span> : null}
                      <span className="sub">{s.email}</span>
                    </th>
                    <td>{ROLE_LABEL[s.role]}</td>
                    <td>
                      <span className={`badge ${STATUS_LABEL[s.status]!.badge}`}>{STATUS_LABEL[s.status]!.label}</span>
                    </td>
                    <td>{s.lastSignInAt ? formatDateTime(s.lastSignInAt, timeZone) : "Never"}</td>
                    <td>{formatDateTime(s.createdAt, timeZone)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {staff.length === 0 ? <div className="empty-state empty-state--flush">No staff member matches. Clear the search to see everyone.</div> : null}
          </div>
        </section>
      ) : null}

      {filters.status === "" || filters.status === "invited" ? (
        <section className="section stack" aria-labelledby="invites-title">
          <h2 id="invites-title" className="section-title">
            Invitations not yet accepted
          </h2>
          <div className="table-wrap">
            <table className="data-table" data-testid="invite-table">
              <caption className="visually-hidden">Open and expired invitations, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Invited by</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Link valid until</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {invites.map((i) => (
                  <tr key={i.id} data-email={i.email}>
                    <th scope="row" className="wrap">
                      {i.email}
                    </th>
                    <td>{ROLE_LABEL[i.role]}</td>
                    <td className="wrap">{i.createdBy}</td>
                    <td>{formatDateTime(i.createdAt, timeZone)}</td>
                    <td>
                      {i.expired ? (
                        <span className={`badge ${STATUS_LABEL.expired!.badge}`}>Expired {formatDateTime(i.expiresAt, timeZone)}</span>
                      ) : (
                        formatDateTime(i.expiresAt, timeZone)
                      )}
                    </td>
                    <td>
                      <Form method="post">
                        <input type="hidden" name="inviteId" value={i.id} />
                        <button type="submit" name="intent" value="revoke" className="button button--small button--secondary" aria-label={`Revoke the invitation of ${i.email}`}>
                          {i.expired ? "Remove" : "Revoke"}
                        </button>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {invites.length === 0 ? <div className="empty-state empty-state--flush">No invitation is waiting to be accepted.</div> : null}
          </div>
        </section>
      ) : null}
    </>
  );
}
