// Administrators: invite a person to the organization with a role. The product sends no e-mail: the
// single-use link is shown here once, for the admin to pass on; only its hash is kept, so it cannot
// be shown again (a lost link is revoked and a new invitation made).
import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { z } from "zod";
import { requireUser } from "~/auth/permissions.server";
import { PageHeader } from "~/components/PageHeader";
import { TextField } from "~/components/TextField";
import { formatDateTime } from "~/lib/format";
import { fieldErrors, type FieldErrors } from "~/lib/forms";
import { readFormFields } from "~/lib/request-form.server";
import { ROLE_LABEL, roleDescription } from "~/lib/staff";
import { createInvite, INVITE_VALID_DAYS } from "~/models/staff.server";
import { organisationTimeZone, STAFF_ROLES, type OrganisationKind } from "../../domain/reference";

export const meta: MetaFunction = () => [{ title: "Invite a staff member · Administration · CME Credit Verification" }];

// The answer carrying the link is never stored by a cache.
export const headers: HeadersFunction = () => ({ "Cache-Control": "no-store" });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { permission: "administer" });
  return { org: user.org };
}

const InviteForm = z.object({
  email: z
    .string({ error: "Enter the person's email address." })
    .trim()
    .min(1, "Enter the person's email address.")
    .max(254, "That email address is too long.")
    .email("Enter a valid email address, such as name@example.gov."),
  role: z.enum(STAFF_ROLES, { error: "Choose a role." }),
  validDays: z.enum(INVITE_VALID_DAYS.map(String) as [string, ...string[]], { error: "Choose how long the link works." }).transform(Number),
});

type ActionResult =
  | { ok: true; link: string; email: string; role: (typeof STAFF_ROLES)[number]; expiresAt: string }
  | { ok: false; errors: FieldErrors; values: Record<string, string> };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request, { permission: "administer" });
  const fields = await readFormFields(request);
  const values = { email: (fields.email ?? "").slice(0, 254), role: fields.role ?? "", validDays: fields.validDays ?? "" };
  const parsed = InviteForm.safeParse(fields);
  if (!parsed.success) return data<ActionResult>({ ok: false, errors: fieldErrors(parsed.error), values }, { status: 400 });
  const result = await createInvite(context.services.db, user, parsed.data, context.clientIp);
  if (!result.ok) return data<ActionResult>({ ok: false, errors: { [result.field]: result.message }, values }, { status: 409 });
  const link = new URL(`/invite/${result.token}`, request.url).toString();
  return data<ActionResult>({ ok: true, link, email: result.email, role: result.role, expiresAt: result.expiresAt }, { headers: { "Cache-Control": "no-store" } });
}

export default function Invite() {
  const { org } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const submitting = navigation.state === "submitting";
  const errors: FieldErrors = result && !result.ok ? result.errors : {};
  const values = result && !result.ok ? result.values : { email: "", role: "reviewer", validDays: "3" };
  const timeZone = organisationTimeZone(org.code);
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/admin/users">Staff</Link> <span aria-hidden="true">›</span> Invite
      </nav>
      <PageHeader
        eyebrow="Administration"
        title="Invite a staff member"
        description={`The invitation is a link for one person to create their own ${org.name} account with the role you choose. No email is sent: you pass the link on yourself.`}
      />
      {result?.ok ? (
        <section className="card stack" aria-labelledby="link-title" data-testid="invite-link">
          <h2 id="link-title">Invitation ready for {result.email}</h2>
          <p>
            Send this link to {result.email} by a channel you trust. It works once, until {formatDateTime(result.expiresAt, timeZone)}, and
            makes them a {ROLE_LABEL[result.role].toLowerCase()}.{" "}
            <strong>It is shown only now:</strong> if it is lost, revoke the invitation on the staff page and invite again.
          </p>
          <CopyLink link={result.link} />
          <p>
            <Link to="/admin/users">Back to staff</Link> · <Link to="/admin/users/invite" reloadDocument>Invite someone else</Link>
          </p>
        </section>
      ) : (
        <Form method="post" noValidate className="card form stack narrow-form" aria-labelledby="invite-title">
          <h2 id="invite-title">Who and with what role</h2>
          {errors.form ? (
            <div className="alert alert--error" role="alert">
              {errors.form}
            </div>
          ) : null}
          <TextField name="email" label="Email" type="email" autoComplete="off" required defaultValue={values.email} error={errors.email} maxLength={254} />
          <fieldset className="rule-group" aria-describedby={errors.role ? "role-error" : undefined}>
            <legend>Role</legend>
            {STAFF_ROLES.map((role) => (
              <label key={role} className="check">
                <input type="radio" name="role" value={role} defaultChecked={values.role === role} />
                <span>
                  <strong>{ROLE_LABEL[role]}</strong> <span className="muted">{roleDescription(role, org.kind as OrganisationKind)}</span>
                </span>
              </label>
            ))}
            {errors.role ? (
              <p className="field__error" id="role-error">
                {errors.role}
              </p>
            ) : null}
          </fieldset>
          <div className="field">
            <label htmlFor="validDays">Link works for</label>
            <select id="validDays" name="validDays" defaultValue={values.validDays || "3"} aria-invalid={errors.validDays ? true : undefined} aria-describedby={errors.validDays ? "validDays-error" : undefined}>
              {INVITE_VALID_DAYS.map((d) => (
                <option key={d} value={d}>
                  {d === 1 ? "1 day" : `${d} days`}
                </option>
              ))}
            </select>
            {errors.validDays ? (
              <p className="field__error" id="validDays-error">
                {errors.validDays}
              </p>
            ) : null}
          </div>
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={submitting}>
              {submitting ? "Creating the link…" : "Create invitation link"}
            </button>
            <Link to="/admin/users" className="button--link">
              Cancel
            </Link>
          </div>
        </Form>
      )}
    </>
  );
}

function CopyLink({ link }: { link: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="invite-link-row">
      <div className="field">
        <label htmlFor="invite-link">Invitation link</label>
        <input id="invite-link" readOnly value={link} className="mono" onFocus={(e) => e.currentTarget.select()} />
      </div>
      <div className="form__actions">
        <button
          type="button"
          className="button button--secondary"
          onClick={() => {
            navigator.clipboard?.writeText(link).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          Copy link
        </button>
        <span role="status" className="muted">
          {copied ? "Copied." : ""}
        </span>
      </div>
    </div>
  );
}
