// Administrators: one staff member of the organization: who they are, their status and sign-ins, and
// the actions on their account (change role, unlock, reset second factor, deactivate or reactivate).
// Another organization's user is a 404, as one that does not exist; the last active admin can be
// neither demoted nor deactivated.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { requireUser, uuidParam } from "~/auth/permissions.server";
import { PageHeader } from "~/components/PageHeader";
import { formatCount, formatDateTime } from "~/lib/format";
import { readFormFields } from "~/lib/request-form.server";
import { ROLE_LABEL, roleDescription, STATUS_LABEL } from "~/lib/staff";
import {
  changeRole,
  deactivateStaff,
  getStaffMember,
  reactivateStaff,
  resetStaffSecondFactors,
  unlockStaff,
  type StaffChange,
} from "~/models/staff.server";
import { organisationTimeZone, STAFF_ROLES, type OrganisationKind } from "../../domain/reference";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.member.name ?? "Staff member"} · Staff · Administration · CME Credit Verification` },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { permission: "administer" });
  const userId = uuidParam(params.userId);
  const member = await getStaffMember(context.services.db, user.org.code, userId);
  if (!member) throw new Response("Not found", { status: 404 });
  return { member, org: user.org, self: member.id === user.id, timeZone: organisationTimeZone(user.org.code) };
}

const ActionForm = z.discriminatedUnion(
  "intent",
  [
    z.object({ intent: z.literal("role"), role: z.enum(STAFF_ROLES, { error: "Choose reviewer, supervisor or admin." }) }),
    z.object({ intent: z.literal("deactivate") }),
    z.object({ intent: z.literal("reactivate") }),
    z.object({ intent: z.literal("unlock") }),
    z.object({ intent: z.literal("reset-second-factor") }),
  ],
  { error: "Unknown action." },
);

type ActionResult = { ok: boolean; message: string; field?: string };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request, { permission: "administer" });
  const userId = uuidParam(params.userId);
  const { db } = context.services;
  // Another organization's user is not found before the form is read: the same 404 whatever was sent.
  if (!(await getStaffMember(db, user.org.code, userId))) throw new Response("Not found", { status: 404 });
  const parsed = ActionForm.safeParse(await readFormFields(request));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return data<ActionResult>({ ok: false, message: issue?.message ?? "Unknown action.", field: issue?.path[0] === "role" ? "role" : undefined }, { status: 400 });
  }
  const ip = context.clientIp;
  const form = parsed.data;
  let result: StaffChange;
  switch (form.intent) {
    case "role":
      result = await changeRole(db, user, userId, form.role, ip);
      break;
    case "deactivate":
      result = await deactivateStaff(db, user, userId, ip);
      break;
    case "reactivate":
      result = await reactivateStaff(db, user, userId, ip);
      break;
    case "unlock":
      result = await unlockStaff(db, user, userId, ip);
      break;
    case "reset-second-factor":
      result = await resetStaffSecondFactors(db, user, userId, ip);
      break;
  }
  if (!result.ok && result.status === 404) throw new Response("Not found", { status: 404 });
  return data<ActionResult>(
    result.ok ? { ok: true, message: result.message } : { ok: false, message: result.message, field: result.field },
    { status: result.ok ? 200 : result.status },
  );
}

export default function StaffMemberPage() {
  const { member, org, self, timeZone } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;
  const status = STATUS_LABEL[member.status]!;
  const roleError = result && !result.ok && result.field === "role" ? result.message : null;
  const kind = org.kind as OrganisationKind;
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/admin/users">Staff</Link> <span aria-hidden="true">›</span> {member.name}
      </nav>
      <PageHeader eyebrow="Staff member" title={member.name} description={self ? `${member.email} · this is your own account` : member.email} />
      {result && !roleError ? (
        <div className={`notice ${result.ok ? "notice--ok" : "notice--warn"}`} role="status" data-testid="staff-result">
          {result.message}
        </div>
      ) : null}
      <dl className="detail-grid">
        <div>
          <dt>Status</dt>
          <dd>
            <span className={`badge ${status.badge}`} data-testid="staff-status">
              {status.label}
            </span>
          </dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>{ROLE_LABEL[member.role]}</dd>
        </div>
        <div>
          <dt>Last sign-in</dt>
          <dd>{member.lastSignInAt ? formatDateTime(member.lastSignInAt, timeZone) : "Never"}</dd>
        </div>
        <div>
          <dt>Signed in now</dt>
          <dd>
            {formatCount(member.openSessions)} session{member.openSessions === 1 ? "" : "s"}
          </dd>
        </div>
        <div>
          <dt>Failed sign-ins (last day)</dt>
          <dd>{formatCount(member.recentFailures)}</dd>
        </div>
        <div>
          <dt>Account created</dt>
          <dd>{formatDateTime(member.createdAt, timeZone)}</dd>
        </div>
        <div>
          <dt>Password last set</dt>
          <dd>{member.passwordChangedAt ? formatDateTime(member.passwordChangedAt, timeZone) : "Before this was recorded"}</dd>
        </div>
      </dl>

      <section className="card stack" aria-labelledby="role-title">
        <h2 id="role-title">Role</h2>
        {member.lastActiveAdmin ? (
          <p className="muted">This is your organization&apos;s only active admin, so the role cannot change until someone else is an admin.</p>
        ) : null}
        <Form method="post" className="form stack">
          <fieldset className="rule-group" aria-describedby={roleError ? "role-error" : undefined}>
            <legend>Role of {member.name}</legend>
            {STAFF_ROLES.map((role) => (
              <label key={role} className="check">
                <input type="radio" name="role" value={role} defaultChecked={member.role === role} />
                <span>
                  <strong>{ROLE_LABEL[role]}</strong> <span className="muted">{roleDescription(role, kind)}</span>
                </span>
              </label>
            ))}
            {roleError ? (
              <p className="field__error" id="role-error">
                {roleError}
              </p>
            ) : null}
          </fieldset>
          <div className="form__actions">
            <button type="submit" name="intent" value="role" className="button button--primary" disabled={busy === "role"}>
              {busy === "role" ? "Saving…" : "Change role"}
            </button>
          </div>
        </Form>
      </section>

      <section className="card stack" aria-labelledby="signin-title">
        <h2 id="signin-title">Sign-in</h2>
        <p className="muted">
          {member.status === "locked_out"
            ? "Too many failed sign-ins from browsers this person has not used before: such browsers are refused for now. Unlock once you have confirmed with them that it was not an attack they want stopped."
            : "Unlocking clears failed sign-in attempts, so browsers this person has not used before may sign in at once. Browsers they have signed in with before are never refused."}
        </p>
        <Form method="post">
          <button type="submit" name="intent" value="unlock" className="button button--secondary" disabled={busy === "unlock"}>
            {busy === "unlock" ? "Unlocking…" : "Unlock sign-in"}
          </button>
        </Form>
      </section>

      <section className="card stack" aria-labelledby="factor-title">
        <h2 id="factor-title">Second factor</h2>
        <p className="muted">
          Removes this person&apos;s passkeys, authenticator app and recovery codes, for when they have lost them. Where your organization requires a second
          factor, they set up a new one at their next sign-in.
        </p>
        <Form method="post">
          <button type="submit" name="intent" value="reset-second-factor" className="button button--secondary" disabled={busy === "reset-second-factor"}>
            {busy === "reset-second-factor" ? "Resetting…" : "Reset second factor"}
          </button>
        </Form>
      </section>

      <section className="card stack" aria-labelledby="access-title">
        <h2 id="access-title">Access</h2>
        {member.status === "deactivated" ? (
          <>
            <p className="muted">Deactivated: this person cannot sign in. Reactivating lets them sign in again with their password.</p>
            <Form method="post">
              <button type="submit" name="intent" value="reactivate" className="button button--primary" disabled={busy === "reactivate"}>
                {busy === "reactivate" ? "Reactivating…" : "Reactivate"}
              </button>
            </Form>
          </>
        ) : (
          <>
            <p className="muted">
              Deactivating signs this person out everywhere at once and stops them signing in. Their decisions and the audit trail keep their name. You can
              reactivate them later.
            </p>
            {self ? <p className="muted">You cannot deactivate your own account; another admin can.</p> : null}
            {member.lastActiveAdmin && !self ? <p className="muted">The only active admin cannot be deactivated.</p> : null}
            <Form method="post">
              <button type="submit" name="intent" value="deactivate" className="button button--danger" disabled={busy === "deactivate"}>
                {busy === "deactivate" ? "Deactivating…" : "Deactivate"}
              </button>
            </Form>
          </>
        )}
      </section>
    </>
  );
}
