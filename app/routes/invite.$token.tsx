// Accepting an invitation: the link an admin passed on (/admin/users/invite). It shows the
// organization and email it was made for and asks for a name and a password under the password
// rules; on success the account exists and the person goes on to sign in (/invite/accepted). Single use: a used,
// expired or revoked link says so. Someone already signed in is not the invitee (an invitation is
// for a person without an account): they are asked to sign out first and shown nothing of it.
import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { getSessionUser } from "~/auth/session.server";
import { PASSWORD_MAX, PASSWORD_MIN_WITHOUT_SECOND_FACTOR } from "~/auth/password-policy";
import { TextField } from "~/components/TextField";
import { formatDateTime } from "~/lib/format";
import { fieldErrors, type FieldErrors } from "~/lib/forms";
import { readFormFields } from "~/lib/request-form.server";
import { ROLE_LABEL } from "~/lib/staff";
import { acceptInvite, inviteUnusableMessage, readInvite } from "~/models/staff.server";
import { organisationTimeZone } from "../../domain/reference";

export const meta: MetaFunction = () => [{ title: "Accept your invitation · CME Credit Verification" }];
export const headers: HeadersFunction = () => ({ "Cache-Control": "no-store" });

/** The answer for a link that is not (or no longer) usable: 404 unknown, 410 used, revoked or expired. */
const GONE: Record<string, number> = { unknown: 404, accepted: 410, revoked: 410, expired: 410 };

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const signedIn = await getSessionUser(context, request);
  if (signedIn) return data({ state: "signed-in" as const, name: signedIn.displayName }, { status: 403 });
  const invite = await readInvite(context.services.db, params.token ?? "");
  if (invite.state !== "open") return data({ state: "unusable" as const, message: inviteUnusableMessage(invite.state) }, { status: GONE[invite.state] ?? 404 });
  return {
    state: "open" as const,
    orgName: invite.orgName,
    email: invite.email,
    role: invite.role,
    expires: formatDateTime(invite.expiresAt, organisationTimeZone(invite.orgCode)),
  };
}

const AcceptForm = z
  .object({
    name: z.string({ error: "Enter your name." }).trim().min(1, "Enter your name as colleagues know it.").max(200, "Keep your name under 200 characters."),
    // The rules themselves (length, common passwords, your email or name) are checked by the password policy.
    password: z.string({ error: "Choose a password." }).min(1, "Choose a password.").max(4096, `Use at most ${PASSWORD_MAX} characters.`),
    confirm: z.string({ error: "Type the password again." }),
  })
  .refine((f) => f.password === f.confirm, { path: ["confirm"], message: "The two passwords are not the same." });

type ActionResult = { ok: false; errors: FieldErrors; name: string; gone?: boolean };

export async function action({ request, params, context }: ActionFunctionArgs) {
  if (await getSessionUser(context, request)) throw new Response("Sign out before accepting an invitation.", { status: 403 });
  const fields = await readFormFields(request);
  const name = (fields.name ?? "").slice(0, 200);
  const parsed = AcceptForm.safeParse(fields);
  if (!parsed.success) return data<ActionResult>({ ok: false, errors: fieldErrors(parsed.error), name }, { status: 400 });
  const result = await acceptInvite(context.services.db, params.token ?? "", { name: parsed.data.name, password: parsed.data.password }, context.clientIp);
  // A page of its own: this link's page would now say it was used.
  if (result.ok) throw redirect("/invite/accepted");
  const gone = result.state !== undefined && result.state !== "open";
  return data<ActionResult>(
    { ok: false, errors: { [result.field ?? "form"]: result.message }, name, gone },
    { status: gone ? (GONE[result.state!] ?? 404) : result.field ? 400 : 409 },
  );
}

export default function AcceptInvite() {
  const invite = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const submitting = navigation.state === "submitting";
  const errors: FieldErrors = result?.errors ?? {};
  return (
    <div className="login">
      <div className="login__card" data-testid="invite-card">
        {invite.state === "signed-in" ? (
          <>
            <h1>You are signed in</h1>
            <p>
              You are signed in as {invite.name}. An invitation creates a new account, so it is opened by the person it was sent to, signed out. Sign out, then open
              the link again.
            </p>
            <Form method="post" action="/logout">
              <button type="submit" className="button button--primary button--block">
                Sign out
              </button>
            </Form>
          </>
        ) : invite.state === "unusable" || (result?.gone) ? (
          <>
            <h1>This invitation cannot be used</h1>
            <div className="alert alert--error" role="alert">
              {result?.gone ? errors.form : invite.state === "unusable" ? invite.message : null}
            </div>
            <p>
              Already have an account? <Link to="/login">Sign in</Link>.
            </p>
          </>
        ) : (
          <>
            <h1>Join {invite.orgName}</h1>
            <p className="muted">
              You were invited as a {ROLE_LABEL[invite.role].toLowerCase()} with the email <strong>{invite.email}</strong>. This link works once, until {invite.expires}.
            </p>
            <Form method="post" noValidate className="form">
              {errors.form ? (
                <div className="alert alert--error" role="alert">
                  {errors.form}
                </div>
              ) : null}
              <input type="email" name="email" autoComplete="username" value={invite.email} readOnly hidden />
              <TextField name="name" label="Your name" autoComplete="name" required maxLength={200} defaultValue={result?.name ?? ""} error={errors.name} />
              <TextField
                name="password"
                label="Choose a password"
                type="password"
                autoComplete="new-password"
                required
                aria-describedby={errors.password ? "password-error" : "password-hint"}
                error={errors.password}
              />
              {errors.password ? null : (
                <p className="field__hint" id="password-hint">
                  At least {PASSWORD_MIN_WITHOUT_SECOND_FACTOR} characters; a few unrelated words work well. No need for symbols or digits. Common or leaked passwords,
                  and your email or name, are refused.
                </p>
              )}
              <TextField name="confirm" label="Type it again" type="password" autoComplete="new-password" required error={errors.confirm} />
              <button type="submit" className="button button--primary button--block" disabled={submitting}>
                {submitting ? "Creating your account…" : "Create my account"}
              </button>
            </Form>
          </>
        )}
      </div>
    </div>
  );
}
