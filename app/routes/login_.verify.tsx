// The second step of signing in (decision 031): after a correct password, a user with a second
// factor shows it here (a passkey, a code from an authenticator app, or a recovery code) within
// five minutes; only then is the session created. Codes are throttled per user
// (app/models/second-factors.server.ts); every outcome is audited.
import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { startAuthentication } from "@simplewebauthn/browser";
import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { minutesToWait } from "~/auth/login.server";
import { readChallengeToken, relyingPartyFor } from "~/auth/second-factor.server";
import { createUserSession, safeRedirectTarget } from "~/auth/session.server";
import { TextField } from "~/components/TextField";
import { fieldErrors, type FieldErrors } from "~/lib/forms";
import { readFormFields } from "~/lib/request-form.server";
import { recordAudit } from "~/models/audit.server";
import {
  checkCode,
  endSignInChallenge,
  listFactors,
  parseCredentialJson,
  passkeySignInOptions,
  readSignInChallenge,
  verifyPasskeySignIn,
  type SignInChallenge,
} from "~/models/second-factors.server";

export const meta: MetaFunction = () => [{ title: "Confirm it is you · CME Credit Verification" }];

export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get("Retry-After");
  const headers = new Headers();
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
};

/** The live sign-in challenge of this browser, or a redirect to start again at the password. */
async function requireChallenge(request: Request, context: LoaderFunctionArgs["context"]): Promise<SignInChallenge> {
  const { db, secondFactor } = context.services;
  const token = await readChallengeToken(secondFactor.challengeCookie, request);
  const challenge = token ? await readSignInChallenge(db, token) : null;
  if (challenge) return challenge;
  throw redirect("/login", { headers: { "Set-Cookie": await secondFactor.challengeCookie.serialize("", { maxAge: 0 }) } });
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const challenge = await requireChallenge(request, context);
  const { factors } = await listFactors(context.services.db, challenge.user.id);
  return {
    email: challenge.user.email,
    hasPasskey: factors.some((f) => f.kind === "passkey"),
    hasApp: factors.some((f) => f.kind === "app"),
    passkeysAvailable: relyingPartyFor(context.services.secondFactor.relyingParty, request) !== null,
  };
}

const VerifyForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("passkey-options") }),
  z.object({ intent: z.literal("passkey"), credential: z.string().min(1, "The passkey sent nothing").max(200_000) }),
  z.object({ intent: z.literal("app"), code: z.string().trim().min(1, "Enter the 6-digit code from your app").max(64, "That code is too long") }),
  z.object({ intent: z.literal("recovery"), code: z.string().trim().min(1, "Enter one of your recovery codes").max(64, "That code is too long") }),
]);

type ActionResult = { intent: string; errors?: FieldErrors; options?: Awaited<ReturnType<typeof passkeySignInOptions>> };

export async function action({ request, context }: ActionFunctionArgs) {
  const challenge = await requireChallenge(request, context);
  const { db, secondFactor, sessionCookie } = context.services;
  const fields = await readFormFields(request);
  const parsed = VerifyForm.safeParse(fields);
  const intent = (fields.intent ?? "").slice(0, 40);
  if (!parsed.success) return data<ActionResult>({ intent, errors: fieldErrors(parsed.error) }, { status: 400 });
  const form = parsed.data;
  const who = { userId: challenge.user.id, orgCode: challenge.user.orgCode, ip: context.clientIp };

  let factor: "passkey" | "app" | "recovery";
  if (form.intent === "passkey-options" || form.intent === "passkey") {
    const party = relyingPartyFor(secondFactor.relyingParty, request);
    if (!party) return data<ActionResult>({ intent, errors: { form: "Passkeys cannot be used at this address. Use a code instead." } }, { status: 400 });
    if (form.intent === "passkey-options") {
      const options = await passkeySignInOptions(db, challenge, party.rpID);
      if (!options) return data<ActionResult>({ intent, errors: { form: "You have no passkey. Use a code instead." } }, { status: 400 });
      return data<ActionResult>({ intent, options });
    }
    const response = parseCredentialJson(form.credential);
    const passkeyId = response ? await verifyPasskeySignIn(db, challenge, { response, origin: party.origin, rpID: party.rpID }) : null;
    if (!passkeyId) {
      await recordAudit(db, { action: "login.second_factor_failure", ...who, detail: { factor: "passkey", purpose: "sign-in" } });
      return data<ActionResult>({ intent, errors: { form: "That passkey was not accepted. Try again, or use a code." } }, { status: 401 });
    }
    factor = "passkey";
  } else {
    const check = await checkCode(db, secondFactor.keys, { user: challenge.user, kind: form.intent, code: form.code, ip: context.clientIp, purpose: "sign-in" });
    if (!check.ok) {
      if (check.reason === "throttled") {
        return data<ActionResult>(
          { intent, errors: { code: `Too many wrong codes. Try again in ${minutesToWait(check.retryAfterSeconds)}.` } },
          { status: 429, headers: { "Retry-After": String(check.retryAfterSeconds) } },
        );
      }
      if (check.reason === "locked") {
        return data<ActionResult>(
          { intent, errors: { code: "Too many wrong codes: codes are no longer accepted for this account. Use your passkey, or ask an administrator to reset your second factors." } },
          { status: 429 },
        );
      }
      const message = form.intent === "app" ? "That code is not right, or it was already used. Enter the code your app shows now." : "That recovery code is not right, or it was already used.";
      return data<ActionResult>({ intent, errors: { code: message } }, { status: 401 });
    }
    factor = form.intent;
  }

  // Signed in: the challenge is spent and the session begins.
  await endSignInChallenge(db, challenge.id);
  await recordAudit(db, { action: "login.success", ...who, detail: { secondFactor: factor } });
  const headers = new Headers();
  headers.append("Set-Cookie", await createUserSession(db, sessionCookie, challenge.user.id, { ip: context.clientIp, userAgent: request.headers.get("user-agent") }));
  headers.append("Set-Cookie", await secondFactor.challengeCookie.serialize("", { maxAge: 0 }));
  throw redirect(safeRedirectTarget(challenge.redirectTo), { headers });
}

export default function VerifySignIn() {
  const { email, hasPasskey, hasApp, passkeysAvailable } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [useRecovery, setUseRecovery] = useState(!hasApp && !hasPasskey);
  const errors: FieldErrors = result?.errors ?? {};
  const busy = navigation.state !== "idle";
  const codeIntent = useRecovery ? "recovery" : "app";
  return (
    <div className="login">
      <div className="login__card">
        <h1>Confirm it is you</h1>
        <p className="muted">
          Signing in as <strong>{email}</strong>.
        </p>
        {hasPasskey ? <PasskeySignIn available={passkeysAvailable} formError={result?.intent === "passkey" || result?.intent === "passkey-options" ? errors.form : undefined} /> : null}
        {hasPasskey && (hasApp || useRecovery) ? <p className="divider">or</p> : null}
        {hasApp || useRecovery ? (
          <Form method="post" noValidate className="form" key={codeIntent}>
            {result?.intent === codeIntent && errors.form ? (
              <div className="alert alert--error" role="alert">
                {errors.form}
              </div>
            ) : null}
            <TextField
              name="code"
              label={useRecovery ? "Recovery code" : "6-digit code from your authenticator app"}
              inputMode={useRecovery ? "text" : "numeric"}
              autoComplete={useRecovery ? "off" : "one-time-code"}
              autoCapitalize={useRecovery ? "characters" : undefined}
              spellCheck={false}
              maxLength={useRecovery ? 24 : 7}
              autoFocus={!hasPasskey}
              required
              error={result?.intent === codeIntent ? errors.code : undefined}
            />
            <button type="submit" name="intent" value={codeIntent} className="button button--primary button--block" disabled={busy}>
              {busy && navigation.formData?.get("intent") === codeIntent ? "Checking…" : "Verify"}
            </button>
          </Form>
        ) : null}
        <p className="login__alternatives small">
          {useRecovery ? (
            hasApp ? (
              <button type="button" className="link-button" onClick={() => setUseRecovery(false)}>
                Use your authenticator app
              </button>
            ) : null
          ) : (
            <button type="button" className="link-button" onClick={() => setUseRecovery(true)}>
              Use a recovery code
            </button>
          )}
          <Link to="/login">Start again</Link>
        </p>
      </div>
    </div>
  );
}

function PasskeySignIn({ available, formError }: { available: boolean; formError?: string }) {
  const options = useFetcher<{ intent: string; options?: Parameters<typeof startAuthentication>[0]["optionsJSON"]; errors?: FieldErrors }>();
  const submit = useSubmit();
  const navigation = useNavigation();
  const [problem, setProblem] = useState<string | null>(null);
  // The ceremony needs the page's script: the button waits for it.
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);
  // Each set of options starts one ceremony, once the fetcher has settled (after its revalidation).
  const started = useRef<unknown>(null);
  useEffect(() => {
    const optionsJSON = options.data?.options;
    if (!optionsJSON || options.state !== "idle" || started.current === options.data) return;
    started.current = options.data;
    startAuthentication({ optionsJSON })
      .then((credential) => submit({ intent: "passkey", credential: JSON.stringify(credential) }, { method: "post" }))
      .catch(() => setProblem("The passkey was not used. Try again, or use a code."));
  }, [options.data, options.state, submit]);
  if (!available) return <p className="muted small">Passkeys work only at the site&apos;s usual address. Use a code instead.</p>;
  const message = problem ?? options.data?.errors?.form ?? formError;
  const busy = options.state !== "idle" || navigation.state !== "idle";
  return (
    <div className="form">
      {message ? (
        <div className="alert alert--error" role="alert">
          {message}
        </div>
      ) : null}
      <button
        type="button"
        className="button button--primary button--block"
        disabled={busy || !ready}
        autoFocus
        onClick={() => {
          setProblem(null);
          options.submit({ intent: "passkey-options" }, { method: "post" });
        }}
      >
        {busy ? "Waiting for your passkey…" : "Use your passkey"}
      </button>
    </div>
  );
}
