// Sign-in security, self service (decision 031): the user's passkeys and authenticator apps (name,
// added, last used), adding and removing them, new recovery codes; for administrators, whether the
// organization requires a second factor. Every change is audited in app/models/second-factors.server.ts.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { handleFactorForm, type FactorFormResult } from "~/auth/second-factor-forms.server";
import { can, requireUser } from "~/auth/permissions.server";
import { relyingPartyFor } from "~/auth/second-factor.server";
import { PageHeader } from "~/components/PageHeader";
import { AddFactorCards, RecoveryCodes } from "~/components/SecondFactorSetup";
import { formatDateTime } from "~/lib/format";
import type { FieldErrors } from "~/lib/forms";
import { readFormFields } from "~/lib/request-form.server";
import { listFactors, secondFactorRequired, type FactorRow } from "~/models/second-factors.server";
import { RECOVERY_CODE_COUNT } from "~/auth/second-factor.server";
import { organisationTimeZone } from "../../domain/reference";

export const meta: MetaFunction = () => [{ title: "Sign-in security · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const { db, secondFactor } = context.services;
  const { factors, recoveryCodesLeft } = await listFactors(db, user.id);
  return {
    factors,
    recoveryCodesLeft,
    passkeysAvailable: relyingPartyFor(secondFactor.relyingParty, request) !== null,
    timeZone: organisationTimeZone(user.org.code),
    org: { name: user.org.name, required: await secondFactorRequired(db, user.org.code) },
    isAdmin: can(user, "administer"),
    recoveryCodeCount: RECOVERY_CODE_COUNT,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const fields = await readFormFields(request);
  const { result, status } = await handleFactorForm(context, request, user, fields);
  return data<FactorFormResult>(result, { status });
}

const KIND_LABEL: Record<FactorRow["kind"], string> = { passkey: "Passkey or security key", app: "Authenticator app" };

export default function AccountSecurity() {
  const { factors, recoveryCodesLeft, passkeysAvailable, timeZone, org, isAdmin, recoveryCodeCount } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errorsFor = (intent: string): FieldErrors | undefined => (result?.intent === "error" && result.for === intent ? result.errors : undefined);
  const codes = result?.intent === "added" ? result.recoveryCodes : result?.intent === "recovery-codes" ? result.recoveryCodes : null;
  return (
    <>
      <PageHeader
        eyebrow="Your account"
        title="Sign-in security"
        description="A second factor keeps your account safe even if someone learns your password. You are asked for it after your password each time you sign in."
      />
      <div role="status" className="sr-status-visible">
        {result?.intent === "added" ? <p className="notice notice--info">{`“${result.name}” was added. You will be asked for it when you sign in.`}</p> : null}
        {result?.intent === "removed" ? <p className="notice notice--info">{`“${result.name}” was removed.`}</p> : null}
        {result?.intent === "required" ? (
          <p className="notice notice--info">
            {result.required ? `Everyone at ${org.name} now needs a second factor to sign in.` : `A second factor is now optional at ${org.name}.`}
          </p>
        ) : null}
      </div>
      {codes ? <RecoveryCodes codes={codes} /> : null}

      <section className="card" aria-labelledby="factors-title">
        <h2 id="factors-title">Your second factors</h2>
        {factors.length === 0 ? (
          <p className="muted">
            {org.required ? `${org.name} requires a second factor. ` : ""}You have none yet: you sign in with your password alone. Add a passkey or an authenticator app below.
          </p>
        ) : (
          <div className="table-wrap">
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Added</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {factors.map((factor) => (
                  <tr key={`${factor.kind}-${factor.id}`}>
                    <td>{factor.name}</td>
                    <td>{KIND_LABEL[factor.kind]}</td>
                    <td>{formatDateTime(factor.createdAt, timeZone)}</td>
                    <td>{factor.lastUsedAt ? formatDateTime(factor.lastUsedAt, timeZone) : "Not yet"}</td>
                    <td>
                      <RemoveFactor factor={factor} errors={result?.intent === "error" && result.for === "remove" ? result.errors : undefined} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <AddFactorCards available={passkeysAvailable} result={result} />

      <section className="card" aria-labelledby="recovery-title">
        <h2 id="recovery-title">Recovery codes</h2>
        {factors.length === 0 ? (
          <p className="muted">You get {recoveryCodeCount} one-time recovery codes with your first second factor.</p>
        ) : (
          <>
            <p>
              <strong>{recoveryCodesLeft}</strong> of {recoveryCodeCount} unused. New codes replace all the old ones.
            </p>
            <ReauthForm intent="recovery-regenerate" submit="Make new recovery codes" errors={errorsFor("recovery-regenerate")} idPrefix="recovery-" />
          </>
        )}
      </section>

      {isAdmin ? <RequirementForm org={org} errors={errorsFor("require")} /> : null}
    </>
  );
}

function RemoveFactor({ factor, errors }: { factor: FactorRow; errors?: FieldErrors }) {
  return (
    <details className="inline-details">
      <summary className="button button--secondary button--small">
        Remove<span className="visually-hidden"> {factor.name}</span>
      </summary>
      <ReauthForm
        intent="remove"
        submit={`Remove ${factor.name}`}
        errors={errors}
        hidden={{ kind: factor.kind, id: factor.id }}
        idPrefix={`${factor.kind}-${factor.id}-`}
      />
    </details>
  );
}

/** Confirms it is the user: the password, or a code from an authenticator app or a recovery code. */
function ReauthForm({
  intent,
  submit,
  errors,
  hidden = {},
  idPrefix = "",
}: {
  intent: string;
  submit: string;
  errors?: FieldErrors;
  hidden?: Record<string, string>;
  idPrefix?: string;
}) {
  const navigation = useNavigation();
  return (
    <Form method="post" className="reauth-form">
      {Object.entries(hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {errors?.form ? (
        <div className="alert alert--error" role="alert">
          {errors.form}
        </div>
      ) : null}
      <p className="muted small">Confirm it is you: your password, or a code from your authenticator app.</p>
      <div className="reauth-form__fields">
        <PrefixedField prefix={idPrefix} name="password" label="Password" type="password" autoComplete="current-password" error={errors?.password} />
        <PrefixedField prefix={idPrefix} name="code" label="or code" inputMode="numeric" autoComplete="one-time-code" maxLength={64} error={errors?.code} />
      </div>
      <button type="submit" name="intent" value={intent} className="button button--secondary" disabled={navigation.state === "submitting"}>
        {submit}
      </button>
    </Form>
  );
}

/** A field whose id is unique on the page (several remove forms share field names). */
function PrefixedField({ prefix, name, label, error, ...input }: { prefix: string; name: string; label: string; error?: string } & React.InputHTMLAttributes<HTMLInputElement>) {
  const id = `${prefix}${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name={name} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} {...input} />
      {error ? (
        <p className="field__error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

function RequirementForm({ org, errors }: { org: { name: string; required: boolean }; errors?: FieldErrors }) {
  const navigation = useNavigation();
  return (
    <section className="card" aria-labelledby="requirement-title">
      <h2 id="requirement-title">Organization setting</h2>
      <Form method="post">
        <fieldset className="radio-group">
          <legend>Second factor at {org.name}</legend>
          <label className="check">
            <input type="radio" name="required" value="on" defaultChecked={org.required} aria-describedby={errors?.required ? "required-error" : undefined} />
            Required for everyone: anyone without one is asked to add one when they next sign in or open a page
          </label>
          <label className="check">
            <input type="radio" name="required" value="off" defaultChecked={!org.required} />
            Optional: each person chooses
          </label>
        </fieldset>
        {errors?.required || errors?.form ? (
          <p className="field__error" id="required-error" role="alert">
            {errors.required ?? errors.form}
          </p>
        ) : null}
        <button type="submit" name="intent" value="require" className="button button--primary" disabled={navigation.state === "submitting"}>
          Save setting
        </button>
      </Form>
    </section>
  );
}
