import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { attemptLogin, LOCK_MINUTES, MAX_FAILED_ATTEMPTS } from "~/auth/login.server";
import { createUserSession, getSessionUser, safeRedirectTarget } from "~/auth/session.server";
import { TextField } from "~/components/TextField";
import { fieldErrors, type FieldErrors } from "~/lib/forms";
import { readFormFields } from "~/lib/request-form.server";

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
  return null;
}

type ActionResult = { errors: FieldErrors; email: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const fields = await readFormFields(request);
  const parsed = LoginForm.safeParse(fields);
  const email = (fields.email ?? "").slice(0, 254);
  if (!parsed.success) {
    return data<ActionResult>({ errors: fieldErrors(parsed.error), email }, { status: 400 });
  }
  const { db, sessionCookie } = context.services;
  const result = await attemptLogin(db, { email: parsed.data.email, password: parsed.data.password, ip: context.clientIp });
  if (!result.ok) {
    const message =
      result.reason === "throttled"
        ? "Too many sign-in attempts from this network. Wait a few minutes and try again."
        : `Email or password is incorrect. After ${MAX_FAILED_ATTEMPTS} failed attempts an account is locked for ${LOCK_MINUTES} minutes.`;
    return data<ActionResult>({ errors: { form: message }, email }, { status: result.reason === "throttled" ? 429 : 401 });
  }
  const setCookie = await createUserSession(db, sessionCookie, result.userId, {
    ip: context.clientIp,
    userAgent: request.headers.get("user-agent"),
  });
  throw redirect(safeRedirectTarget(parsed.data.redirectTo), { headers: { "Set-Cookie": setCookie } });
}

export default function Login() {
  const result = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
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
      </div>
    </div>
  );
}
