// Every signed-in user's own account: who they are, changing their password (the current one asked
// for again; the change ends their other sessions), their sessions (when, from where, which browser;
// end any, or all but this one) and the way to their second factors (/account/security).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { z } from "zod";
import { ID_PATTERN, requireUser } from "~/auth/permissions.server";
import { minimumLength, PASSWORD_MAX, PASSWORD_MIN_WITH_SECOND_FACTOR } from "~/auth/password-policy";
import { PageHeader } from "~/components/PageHeader";
import { TextField } from "~/components/TextField";
import { formatDateTime } from "~/lib/format";
import { fieldErrors, type FieldErrors } from "~/lib/forms";
import { readFormFields } from "~/lib/request-form.server";
import { ROLE_LABEL } from "~/lib/staff";
import { describeUserAgent } from "~/lib/user-agent";
import { changeOwnPassword, endOtherSessions, endOwnSession, listOwnSessions } from "~/models/account.server";
import { hasSecondFactor } from "~/models/second-factors.server";
import { organisationTimeZone } from "../../domain/reference";

export const meta: MetaFunction = () => [{ title: "Your account · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const { db } = context.services;
  const [sessions, secondFactor, row] = await Promise.all([
    listOwnSessions(db, user),
    hasSecondFactor(db, user.id),
    db.selectFrom("board.staff_user").select(["password_changed_at", "created_at"]).where("id", "=", user.id).executeTakeFirstOrThrow(),
  ]);
  return {
    user: { name: user.displayName, email: user.email, role: user.role, org: user.org },
    timeZone: organisationTimeZone(user.org.code),
    passwordChangedAt: row.password_changed_at ? new Date(row.password_changed_at as unknown as string).toISOString() : null,
    secondFactor,
    minLength: minimumLength(secondFactor),
    sessions: sessions.map((s) => ({ ...s, browser: describeUserAgent(s.userAgent) })),
  };
}

const PasswordForm = z
  .object({
    intent: z.literal("password"),
    current: z.string({ error: "Enter your current password." }).min(1, "Enter your current password.").max(4096, "That password is too long."),
    next: z.string({ error: "Choose a new password." }).min(1, "Choose a new password.").max(4096, `Use at most ${PASSWORD_MAX} characters.`),
    confirm: z.string({ error: "Type the new password again." }),
  })
  .refine((f) => f.next === f.confirm, { path: ["confirm"], message: "The two new passwords are not the same." });

const ActionForm = z.discriminatedUnion(
  "intent",
  [
    PasswordForm,
    z.object({ intent: z.literal("end-session"), sessionId: z.string({ error: "Choose a session." }).regex(ID_PATTERN, "Choose a session from the list.") }),
    z.object({ intent: z.literal("end-others") }),
  ],
  { error: "Unknown action." },
);

type ActionResult = { intent: string; ok: boolean; message?: string; errors?: FieldErrors };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const fields = await readFormFields(request);
  const parsed = ActionForm.safeParse(fields);
  const intent = typeof fields.intent === "string" ? fields.intent.slice(0, 40) : "";
  if (!parsed.success) return data<ActionResult>({ intent, ok: false, errors: fieldErrors(parsed.error) }, { status: 400 });
  const { db } = context.services;
  const ip = context.clientIp;
  const form = parsed.data;
  if (form.intent === "password") {
    const result = await changeOwnPassword(db, user, { current: form.current, next: form.next }, ip);
    if (!result.ok) return data<ActionResult>({ intent, ok: false, errors: result.errors }, { status: result.status });
    const others = result.sessionsEnded;
    return data<ActionResult>({
      intent,
      ok: true,
      message: `Your password is changed.${others ? ` You were signed out of ${others} other session${others === 1 ? "" : "s"}.` : ""}`,
    });
  }
  if (form.intent === "end-session") {
    const ended = await endOwnSession(db, user, form.sessionId, ip);
    if (!ended) return data<ActionResult>({ intent, ok: false, message: "That session has already ended, or is this one (use Sign out for this one)." }, { status: 404 });
    return data<ActionResult>({ intent, ok: true, message: "That session is ended: its browser is signed out." });
  }
  const n = await endOtherSessions(db, user, ip);
  return data<ActionResult>({ intent, ok: true, message: n ? `Signed out of ${n} other session${n === 1 ? "" : "s"}.` : "You had no other sessions." });
}

export default function Account() {
  const { user, timeZone, passwordChangedAt, secondFactor, minLength, sessions } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" ? String(navigation.formData?.get("intent") ?? "") : "";
  const passwordResult = result?.intent === "password" ? result : null;
  const sessionResult = result && result.intent !== "password" ? result : null;
  const errors: FieldErrors = passwordResult?.errors ?? {};
  const passwordForm = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (passwordResult?.ok) passwordForm.current?.reset();
  }, [passwordResult]);
  const others = sessions.filter((s) => !s.current).length;
  return (
    <>
      <PageHeader eyebrow="Your account" title={user.name} description={`${user.email} · ${ROLE_LABEL[user.role]} at ${user.org.name}`} />

      <section className="card stack" aria-labelledby="password-title">
        <h2 id="password-title">Password</h2>
        <p className="muted">
          {passwordChangedAt ? `Last changed ${formatDateTime(passwordChangedAt, timeZone)}. ` : ""}
          Changing it signs you out everywhere else.
        </p>
        {passwordResult?.ok ? (
          <div className="notice notice--ok" role="status">
            {passwordResult.message}
          </div>
        ) : null}
        <Form method="post" noValidate className="form stack" ref={passwordForm} aria-labelledby="password-title">
          {errors.form || errors.intent ? (
            <div className="alert alert--error" role="alert">
              {errors.form ?? errors.intent}
            </div>
          ) : null}
          <div className="form__row">
            <TextField name="current" label="Current password" type="password" autoComplete="current-password" required error={errors.current} />
          </div>
          <div className="form__row">
            <TextField name="next" label="New password" type="password" autoComplete="new-password" required error={errors.next} aria-describedby={errors.next ? "next-error" : "next-hint"} />
            <TextField name="confirm" label="New password again" type="password" autoComplete="new-password" required error={errors.confirm} />
          </div>
          <p className="field__hint" id="next-hint">
            At least {minLength} characters
            {secondFactor ? "" : ` (${PASSWORD_MIN_WITH_SECOND_FACTOR} once you have a second factor)`}; a few unrelated words work well, and no symbols or
            digits are needed. Common or leaked passwords, and your email or name, are refused.
          </p>
          <div className="form__actions">
            <button type="submit" name="intent" value="password" className="button button--primary" disabled={busy === "password"}>
              {busy === "password" ? "Changing…" : "Change password"}
            </button>
          </div>
        </Form>
      </section>

      <section className="card stack" aria-labelledby="factors-title">
        <h2 id="factors-title">Second factor</h2>
        <p className="muted">
          {secondFactor
            ? "Your account has a second factor: signing in asks for it after your password."
            : "A passkey, security key or authenticator app protects your account even if your password is stolen."}
        </p>
        <p>
          <Link to="/account/security" className="button button--secondary">
            Manage passkeys and authenticator apps
          </Link>
        </p>
      </section>

      <section className="section stack" aria-labelledby="sessions-title">
        <div className="results-toolbar">
          <h2 id="sessions-title" className="section-title">
            Where you are signed in
          </h2>
          {others > 0 ? (
            <Form method="post" className="results-toolbar__tools">
              <button type="submit" name="intent" value="end-others" className="button button--secondary" disabled={busy === "end-others"}>
                {busy === "end-others" ? "Signing out…" : "Sign out everywhere else"}
              </button>
            </Form>
          ) : null}
        </div>
        {sessionResult ? (
          <div className={`notice ${sessionResult.ok ? "notice--ok" : "notice--warn"}`} role="status">
            {sessionResult.message ?? Object.values(sessionResult.errors ?? {})[0]}
          </div>
        ) : null}
        <div className="table-wrap">
          <table className="data-table" data-testid="session-table">
            <caption className="visually-hidden">Your open sessions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Browser</th>
                <th scope="col">Address</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last active</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.id} data-current={s.current ? "true" : undefined}>
                  <th scope="row" className="wrap">
                    {s.browser}
                    {s.current ? <span className="badge badge--ok"> This browser</span> : null}
                  </th>
                  <td className="mono">{s.ip ?? "Unknown"}</td>
                  <td>{formatDateTime(s.createdAt, timeZone)}</td>
                  <td>{formatDateTime(s.lastSeenAt, timeZone)}</td>
                  <td>
                    {s.current ? (
                      <span className="muted">Use Sign out</span>
                    ) : (
                      <Form method="post">
                        <input type="hidden" name="sessionId" value={s.id} />
                        <button type="submit" name="intent" value="end-session" className="button button--small button--secondary" aria-label={`End the session of ${s.browser} signed in ${formatDateTime(s.createdAt, timeZone)}`}>
                          End
                        </button>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
