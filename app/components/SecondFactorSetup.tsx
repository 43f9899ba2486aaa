// Adding a second factor (a passkey, an authenticator app) and showing recovery codes once: shared
// by the security page and the enrolment a required second factor forces. The passkey ceremony
// runs in the browser (@simplewebauthn/browser); the server makes and checks its challenge.
import { Form, useFetcher, useNavigation, useSubmit } from "@remix-run/react";
import { startRegistration } from "@simplewebauthn/browser";
import { useEffect, useRef, useState } from "react";
import type { FieldErrors } from "~/lib/forms";
import { TextField } from "./TextField";

interface PendingApp {
  id: string;
  secretText: string;
  uri: string;
}

/** "Add a passkey": asks the server for options, lets the browser make the passkey, sends it back. */
export function AddPasskey({ available, errors }: { available: boolean; errors?: FieldErrors }) {
  const options = useFetcher<{ intent: string; options?: Parameters<typeof startRegistration>[0]["optionsJSON"]; errors?: FieldErrors }>();
  const submit = useSubmit();
  const navigation = useNavigation();
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  // The ceremony needs the page's script: the button waits for it.
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);
  const busy = options.state !== "idle" || navigation.state === "submitting";

  // Each set of options starts one ceremony, once the fetcher has settled (after its revalidation).
  const started = useRef<unknown>(null);
  useEffect(() => {
    const optionsJSON = options.data?.options;
    if (!optionsJSON || options.state !== "idle" || started.current === options.data) return;
    started.current = options.data;
    startRegistration({ optionsJSON })
      .then((credential) => submit({ intent: "passkey-add", credential: JSON.stringify(credential), name }, { method: "post" }))
      .catch((error: unknown) => {
        const why = error instanceof Error && error.name === "InvalidStateError" ? "This passkey or security key is already registered." : "The passkey was not created. Try again, or add an authenticator app instead.";
        setProblem(why);
      });
  }, [options.data, options.state, submit, name]);

  if (!available) {
    return (
      <p className="muted small">
        Passkeys can be added only at the site&apos;s usual address. Use an authenticator app here, or open the site at its usual address.
      </p>
    );
  }
  const message = problem ?? options.data?.errors?.form ?? errors?.form;
  return (
    <div className="factor-add">
      <p className="muted small">
        A passkey lives on this device (fingerprint, face or device PIN) or on a security key you plug in or tap. Nothing to type, and it cannot be
        phished.
      </p>
      {message ? (
        <div className="alert alert--error" role="alert">
          {message}
        </div>
      ) : null}
      <TextField name="passkeyName" label="Name (optional)" placeholder="e.g. Work laptop" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
      <button
        type="button"
        className="button button--primary"
        disabled={busy || !ready}
        onClick={() => {
          setProblem(null);
          options.submit({ intent: "passkey-options" }, { method: "post" });
        }}
      >
        {busy ? "Waiting for your passkey…" : "Add a passkey"}
      </button>
    </div>
  );
}

/** "Add an authenticator app": a new secret, shown for the app, confirmed with its first code. */
export function AddAuthenticatorApp({ pending, errors }: { pending?: PendingApp; errors?: FieldErrors }) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  if (!pending) {
    return (
      <Form method="post" className="factor-add">
        <p className="muted small">Use an app such as Google Authenticator, Microsoft Authenticator or 1Password: it shows a new 6-digit code every 30 seconds.</p>
        {errors?.form ? (
          <div className="alert alert--error" role="alert">
            {errors.form}
          </div>
        ) : null}
        <button type="submit" name="intent" value="app-start" className="button button--secondary" disabled={busy}>
          Add an authenticator app
        </button>
      </Form>
    );
  }
  return (
    <Form method="post" className="factor-add" aria-labelledby="app-setup-title">
      <h3 id="app-setup-title" className="factor-add__title">
        Set up your authenticator app
      </h3>
      <ol className="steps">
        <li>
          In your app, choose to add an account by entering a setup key, and type this key:
          <p className="secret-key" aria-label="Setup key">
            {pending.secretText}
          </p>
          <span className="muted small">Time-based, 6 digits, every 30 seconds.</span>
        </li>
        <li>
          Or, on a device where the app is installed, open this setup link:{" "}
          <a href={pending.uri} className="break-anywhere">
            {pending.uri}
          </a>
        </li>
        <li>Enter the code the app shows now.</li>
      </ol>
      <input type="hidden" name="id" value={pending.id} />
      <TextField
        name="code"
        label="6-digit code"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9 ]*"
        maxLength={7}
        required
        error={errors?.code ?? errors?.form}
      />
      <TextField name="name" label="Name (optional)" placeholder="e.g. Phone" maxLength={100} />
      <button type="submit" name="intent" value="app-confirm" className="button button--primary" disabled={busy}>
        {busy ? "Checking…" : "Confirm and add"}
      </button>
    </Form>
  );
}

/** Recovery codes, shown once after they are made. */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <section className="card recovery-codes" aria-labelledby="recovery-codes-title">
      <h2 id="recovery-codes-title">Your recovery codes</h2>
      <p>
        Each code signs you in once if you lose your passkey or phone. Store them somewhere safe, such as a password manager.{" "}
        <strong>They are shown only now.</strong>
      </p>
      <ul className="recovery-codes__list" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** What a factor form's action answered, as far as adding a factor cares. */
interface FactorAnswer {
  intent: string;
  for?: string;
  errors?: FieldErrors;
  pending?: PendingApp;
}

/** The two ways to add a factor side by side, with the errors and the pending app of `result`. */
export function AddFactorCards({ available, result }: { available: boolean; result?: FactorAnswer }) {
  const errorsFor = (intent: string): FieldErrors | undefined => (result?.intent === "error" && result.for === intent ? result.errors : undefined);
  const pending = result && (result.intent === "app-start" || result.intent === "app-confirm") ? result : undefined;
  return (
    <div className="factor-grid">
      <section className="card" aria-labelledby="add-passkey-title">
        <h2 id="add-passkey-title">Add a passkey</h2>
        <AddPasskey available={available} errors={errorsFor("passkey-add") ?? errorsFor("passkey-options")} />
      </section>
      <section className="card" aria-labelledby="add-app-title">
        <h2 id="add-app-title">Add an authenticator app</h2>
        <AddAuthenticatorApp pending={pending?.pending} errors={pending?.errors ?? errorsFor("app-confirm") ?? errorsFor("app-start")} />
      </section>
    </div>
  );
}
