import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { attemptLogin, minutesToWait, SIGN_IN_LIMITS } from "~/auth/login.server";
import { createUserSession, getSessionUser, readDeviceToken, safeRedirectTarget } from "~/auth/session.server";
import { signInOptions } from "~/auth/sso.server";
import { TextField } from "~/components/TextField";
import { startSignInChallenge } from "~/models/second-factors.server";
import { fieldErrors, type FieldErrors } from "~/lib/forms";
import { readFormFields } from "~/lib/request-form.server";

// An action's headers reach a document response only through the route's own headers function.
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get("Retry-After");
  const headers = new Headers();
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
};

export const meta: MetaFunction = () => [{ title: "Sign in · CME Credit Verification" }];

const LoginForm = z.object({
  email: z.string().trim().min(1, "Enter your email address").max(254, "That email address is too long").email("Enter a valid email address"),
  password: z.string().min(1, "Enter your password").max(1024, "That password is too long"),
  // Where to go afterwards: a hint, not a field; one too long to be a real address is dropped.
  redirectTo: z.string().max(2048).optional().catch(undefined),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getSessionUser(context, request)) {
    throw redirect(safeRedirectTarget(new URL(request.url).searchParams.get("redirectTo")));
  }
  // The organizations whose staff sign in with their own account (decision 032).
  return { organizations: await signInOptions(context.services.db) };
}

type ActionResult = { errors: FieldErrors; email: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const fields = await readFormFields(request);
  const parsed = LoginForm.safeParse(fields);
  const email = (fields.email ?? "").slice(0, 254);
  if (!parsed.success) {
    return data<ActionResult>({ errors: fieldErrors(parsed.error), email }, { status: 400 });
  }
  const { db, sessionCookie, deviceCookie } = context.services;
  const result = await attemptLogin(db, {
    email: parsed.data.email,
    password: parsed.data.password,
    ip: context.clientIp,
    deviceToken: await readDeviceToken(deviceCookie, request),
  });
  if (!result.ok && result.reason === "throttled") {
    // Answered at once, never by holding the request open. The same for any e-mail, known or not.
    const wait = minutesToWait(result.retryAfterSeconds);
    const message =
      result.scope === "address"
        ? `Too many sign-in attempts from this network. Try again in ${wait}.`
        : result.scope === "untrusted"
          ? `Too many failed sign-in attempts for this email. Sign in from a browser you have signed in with before, try again in ${wait}, or ask an administrator.`
          : `Too many failed sign-in attempts for this email from your network. Try again in ${wait}.`;
    return data<ActionResult>({ errors: { form: message }, email }, { status: 429, headers: { "Retry-After": String(result.retryAfterSeconds) } });
  }
  if (!result.ok && result.reason === "sso_required") {
    const message = `${result.orgName} signs its staff in with the organization's own account. Use "Sign in with ${result.orgName}'s account" below.`;
    return data<ActionResult>({ errors: { form: message }, email }, { status: 403 });
  }
  if (!result.ok) {
    const message = `Email or password is incorrect. After ${SIGN_IN_LIMITS.freeFailures} failed attempts, each further attempt from your network waits longer.`;
    return data<ActionResult>({ errors: { form: message }, email }, { status: 401 });
  }
  const headers = new Headers();
  if (result.secondFactor) {
    // The password was right; the session comes only with the second factor (decision 031).
    headers.append("Set-Cookie", await deviceCookie.serialize(result.deviceToken));
    const token = await startSignInChallenge(db, { userId: result.userId, redirectTo: safeRedirectTarget(parsed.data.redirectTo) });
    headers.append("Set-Cookie", await context.services.secondFactor.challengeCookie.serialize(token));
    throw redirect("/login/verify", { headers });
  }
  headers.append(
    "Set-Cookie",
    await createUserSession(db, sessionCookie, result.userId, { ip: context.clientIp, userAgent: request.headers.get("user-agent") }),
  );
  // This browser is now one where the account has signed in (decision 018).
  headers.append("Set-Cookie", await deviceCookie.serialize(result.deviceToken));
  throw redirect(safeRedirectTarget(parsed.data.redirectTo), { headers });
}

export default function Login() {
  const result = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const { organizations } = useLoaderData<typeof loader>();
  const errors: FieldErrors = result?.errors ?? {};
  const submitting = navigation.state === "submitting";
  return (
    <div className="login">
      <div className="login__card">
        <h1>Sign in</h1>
        <p className="muted">Board staff access to continuing medical education credit reported by accredited providers.</p>
        <Form method="post" noValidate className="form">
          <input type="hidden" name="redirectTo" value={searchParams.get("redirectTo") ?? ""} />
          {errors.form ? (
            <div className="alert alert--error" role="alert" id="form-error">
              {errors.form}
            </div>
          ) : null}
          <TextField
            name="email"
            label="Email"
            type="email"
            autoComplete="username"
            autoFocus
            required
            defaultValue={result?.email ?? ""}
            error={errors.email}
          />
          <TextField name="password" label="Password" type="password" autoComplete="current-password" required error={errors.password} />
          <button type="submit" className="button button--primary button--block" disabled={submitting}>
            {submitting ? "Signing in…" : "Sign in"}
          </button>
        </Form>
        <SsoLinks organizations={organizations} redirectTo={searchParams.get("redirectTo")} />
      </div>
    </div>
  );
}

/** Links, not a form: the provider is reached by navigation (the form-action policy allows only this site). */
function SsoLinks({ organizations, redirectTo }: { organizations: { code: string; name: string }[]; redirectTo: string | null }) {
  if (organizations.length === 0) return null;
  const href = (code: string) => `/sso/${code.toLowerCase()}${redirectTo ? `?${new URLSearchParams({ redirectTo })}` : ""}`;
  const link = (o: { code: string; name: string }) => (
    <a key={o.code} href={href(o.code)} className="button button--secondary button--block">
      Sign in with {o.name}&rsquo;s account
    </a>
  );
  return (
    <div className="sso-options">
      <p className="sso-options__or">or</p>
      {organizations.length <= 3 ? (
        <div className="sso-options__list">{organizations.map(link)}</div>
      ) : (
        <details className="disclosure">
          <summary>Sign in with your organization&rsquo;s account</summary>
          <div className="sso-options__list">{organizations.map(link)}</div>
        </details>
      )}
    </div>
  );
}
