// Administrators: the organization's single sign-on (decision 032). The identity provider (issuer,
// client ID, a write-only client secret), who may sign in (e-mail domains, invited only or accounts
// created at first sign-in), roles from a claim, whether passwords stay allowed, on or off; a
// connection check. Every save and check is audited.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { PageHeader } from "~/components/PageHeader";
import { TextField } from "~/components/TextField";
import { formatDateTime } from "~/lib/format";
import { fieldErrors, type FieldErrors } from "~/lib/forms";
import { readFormFields } from "~/lib/request-form.server";
import { checkConnection, getSsoConfig, saveSsoConfig, SsoConfigForm, SsoConnectionForm, type ConnectionCheck } from "~/models/sso-config.server";
import { organisationTimeZone, STAFF_ROLES } from "../../domain/reference";

export const meta: MetaFunction = () => [{ title: "Single sign-on · Administration · CME Credit Verification" }];

const ROLE_LABEL: Record<string, string> = {
  reviewer: "Reviewer",
  supervisor: "Supervisor",
  admin: "Administrator",
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, {
    permission: "administer",
  });
  const config = await getSsoConfig(context.services.db, context.services.sso, user.org.code);
  return {
    org: user.org,
    config,
    updatedAt: config?.updatedAt ? formatDateTime(config.updatedAt, organisationTimeZone(user.org.code)) : null,
    callbackUrl: new URL("/sso/callback", request.url).href,
    startPath: `/sso/${user.org.code.toLowerCase()}`,
  };
}

type ActionResult =
  | { intent: "save"; saved: true }
  | {
      intent: "save";
      saved: false;
      errors: FieldErrors;
      values: Record<string, string>;
    }
  | {
      intent: "check";
      check: ConnectionCheck | null;
      errors: FieldErrors;
      values: Record<string, string>;
    };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request, {
    permission: "administer",
  });
  const fields = await readFormFields(request);
  const { db, sso } = context.services;
  const who = { id: user.id, orgCode: user.org.code, ip: context.clientIp };
  // What the form shows again after an error: never the secret.
  const { clientSecret: _secret, ...values } = fields;
  if (fields.intent === "check") {
    const parsed = SsoConnectionForm.safeParse(fields);
    if (!parsed.success)
      return data<ActionResult>(
        {
          intent: "check",
          check: null,
          errors: fieldErrors(parsed.error),
          values,
        },
        { status: 400 }
      );
    const check = await checkConnection(db, sso, who, parsed.data);
    return data<ActionResult>({ intent: "check", check, errors: {}, values });
  }
  if (fields.intent !== "save")
    return data<ActionResult>(
      {
        intent: "save",
        saved: false,
        errors: { form: "Choose Save or Check connection." },
        values,
      },
      { status: 400 }
    );
  const parsed = SsoConfigForm.safeParse(fields);
  if (!parsed.success)
    return data<ActionResult>(
      {
        intent: "save",
        saved: false,
        errors: fieldErrors(parsed.error),
        values,
      },
      { status: 400 }
    );
  await saveSsoConfig(db, sso, who, parsed.data);
  return data<ActionResult>({ intent: "save", saved: true });
}

function FieldError({ name, error }: { name: string; error?: string }) {
  return error ? (
    <p className="field__error" id={`${name}-error`}>
      {error}
    </p>
  ) : null;
}

export default function SingleSignOnAdmin() {
  const { org, config, updatedAt, callbackUrl, startPath } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;
  const errors: FieldErrors = result && "errors" in result ? result.errors : {};
  // After an error or a check the form shows what was typed; otherwise what is saved.
  const typed = result && "values" in result ? result.values : null;
  const value = (name: string, saved: string) => (typed ? typed[name] ?? "" : saved);
  const checked = (name: string, saved: boolean) => (typed ? typed[name] === "on" : saved);
  const described = (name: string, hint?: boolean) => [errors[name] ? `${name}-error` : null, hint ? `${name}-hint` : null].filter(Boolean).join(" ") || undefined;
  const roleMapText = config ? config.roleMap.map((m) => `${m.value} = ${m.role}`).join("\n") : "";
  const provisioning = value("provisioning", config?.provisioning ?? "invited");
  const defaultRole = value("defaultRole", config?.defaultRole ?? "none");
  const errorCount = Object.keys(errors).length;

  return (
    <>
      <PageHeader
        eyebrow="Administration"
        title="Single sign-on"
        description={`Let ${org.name} staff sign in with the organization’s own account, through its identity provider.`}
        actions={
          <Link to="/admin/analytics" className="button button--secondary">
            Analytics sync
          </Link>
        }
      />

      <div className={`notice ${config?.enabled ? "notice--ok" : "notice--info"}`} role="status" data-testid="sso-status">
        {config?.enabled ? (
          <>
            <strong>On.</strong> The sign-in page offers &ldquo;Sign in with {org.name}&rsquo;s account&rdquo;; staff can also start at{" "}
            <span className="code">{startPath}</span>.
          </>
        ) : (
          <>
            <strong>Off.</strong> Staff sign in with their email and password.
          </>
        )}
        {updatedAt ? (
          <span className="sub">
            {" "}
            Last changed {updatedAt}
            {config?.updatedBy ? ` by ${config.updatedBy}` : ""}.
          </span>
        ) : null}
      </div>

      {result && "saved" in result && result.saved ? (
        <div className="notice notice--ok" role="status">
          Single sign-on settings saved.
        </div>
      ) : null}
      {errorCount > 0 ? (
        <div className="alert alert--error" role="alert">
          {errors.form ?? `Check the ${errorCount === 1 ? "field" : `${errorCount} fields`} marked below.`}
        </div>
      ) : null}
      {result && "check" in result && result.check ? (
        result.check.ok ? (
          <div className="notice notice--ok" role="status" data-testid="sso-check">
            Connected: the identity provider answers as <span className="code">{result.check.issuer}</span>
            {result.check.authorizationHost ? ` and signs people in at ${result.check.authorizationHost}` : ""}. The client ID and secret are checked at the first
            sign-in.
          </div>
        ) : (
          <div className="alert alert--error" role="alert" data-testid="sso-check">
            Not connected: {result.check.message}
          </div>
        )
      ) : null}

      <Form method="post" noValidate className="stack settings-form" aria-label="Single sign-on settings">
        <section className="card" aria-labelledby="provider-title">
          <h2 id="provider-title">Identity provider</h2>
          <p className="muted small">
            Register this application with your identity provider as an OpenID Connect web application with the redirect address <span className="code">{callbackUrl}</span>, then enter what it gives you.
          </p>
          <div className="form">
            <TextField
              name="issuer"
              label="Issuer"
              type="url"
              placeholder="https://login.example.org"
              defaultValue={value("issuer", config?.issuer ?? "")}
              error={errors.issuer}
              autoComplete="off"
              spellCheck={false}
            />
            <TextField
              name="clientId"
              label="Client ID"
              defaultValue={value("clientId", config?.clientId ?? "")}
              error={errors.clientId}
              autoComplete="off"
              spellCheck={false}
            />
            <div className="field">
              <label htmlFor="clientSecret">Client secret</label>
              <input
                // A new field after each save: what was typed does not stay in the page.
                key={updatedAt ?? "new"}
                id="clientSecret"
                name="clientSecret"
                type="password"
                autoComplete="new-password"
                placeholder={config?.secretStored ? "Stored: leave empty to keep it" : ""}
                aria-invalid={errors.clientSecret ? true : undefined}
                aria-describedby={described("clientSecret", true)}
              />
              <p className="field__hint" id="clientSecret-hint">
                {config?.secretFromEnvironment
                  ? "This organization's client secret is set in the server's configuration by your operator; a secret entered here is kept but not used."
                  : config?.secretStored
                  ? "A secret is stored, encrypted. It is never shown; type a new one to replace it."
                  : "Stored encrypted and never shown again. Leave empty if your provider registered this application without a secret."}
              </p>
              <FieldError name="clientSecret" error={errors.clientSecret} />
              {config?.secretStored ? (
                <label className="check">
                  <input type="checkbox" name="removeSecret" defaultChecked={checked("removeSecret", false)} /> Remove the stored secret
                </label>
              ) : null}
            </div>
          </div>
        </section>

        <section className="card" aria-labelledby="who-title">
          <h2 id="who-title">Who may sign in</h2>
          <div className="form">
            <div className="field">
              <label htmlFor="allowedDomains">Allowed email domains</label>
              <textarea
                id="allowedDomains"
                name="allowedDomains"
                rows={2}
                defaultValue={value("allowedDomains", config?.allowedDomains.join(", ") ?? "")}
                aria-invalid={errors.allowedDomains ? true : undefined}
                aria-describedby={described("allowedDomains", true)}
              />
              <p className="field__hint" id="allowedDomains-hint">
                Separated by commas, such as medbd.ca.gov. Only people whose provider-verified email address is at one of these domains are let in.
              </p>
              <FieldError name="allowedDomains" error={errors.allowedDomains} />
            </div>
            <fieldset className="field" aria-describedby={described("provisioning")}>
              <legend className="field__label">Accounts</legend>
              <label className="check">
                <input type="radio" name="provisioning" value="invited" defaultChecked={provisioning === "invited"} /> Invited only: a person needs an active staff
                account here with the same email address
              </label>
              <label className="check">
                <input type="radio" name="provisioning" value="jit" defaultChecked={provisioning === "jit"} /> Create an account at a person&rsquo;s first sign-in
              </label>
              <FieldError name="provisioning" error={errors.provisioning} />
            </fieldset>
          </div>
        </section>

        <section className="card" aria-labelledby="roles-title">
          <h2 id="roles-title">Roles</h2>
          <p className="muted small">
            A role your provider sends decides the person&rsquo;s role here at every sign-in (the highest one when several match). Without a match, new accounts get the
            default role; when a mapping is set and there is no default, the person is not let in.
          </p>
          <div className="form">
            <div className="form__row">
              <TextField
                name="roleClaim"
                label="Claim with the person's groups"
                placeholder="groups"
                defaultValue={value("roleClaim", config?.roleClaim ?? "")}
                error={errors.roleClaim}
                autoComplete="off"
                spellCheck={false}
              />
              <div className="field">
                <label htmlFor="defaultRole">Default role</label>
                <select
                  id="defaultRole"
                  name="defaultRole"
                  defaultValue={defaultRole}
                  aria-invalid={errors.defaultRole ? true : undefined}
                  aria-describedby={described("defaultRole")}
                >
                  <option value="none">No access without a mapped group</option>
                  {STAFF_ROLES.map((r) => (
                    <option key={r} value={r}>
                      {ROLE_LABEL[r]}
                    </option>
                  ))}
                </select>
                <FieldError name="defaultRole" error={errors.defaultRole} />
              </div>
            </div>
            <div className="field">
              <label htmlFor="roleMap">Groups and their roles</label>
              <textarea
                id="roleMap"
                name="roleMap"
                rows={4}
                spellCheck={false}
                placeholder={"cme-reviewers = reviewer\ncme-supervisors = supervisor\ncme-admins = admin"}
                defaultValue={value("roleMap", roleMapText)}
                aria-invalid={errors.roleMap ? true : undefined}
                aria-describedby={described("roleMap", true)}
              />
              <p className="field__hint" id="roleMap-hint">
                One per line: the group&rsquo;s name as your provider sends it, &ldquo;=&rdquo;, then reviewer, supervisor or admin.
              </p>
              <FieldError name="roleMap" error={errors.roleMap} />
            </div>
          </div>
        </section>

        <section className="card" aria-labelledby="security-title">
          <h2 id="security-title">Passwords and second factors</h2>
          <p className="muted small">
            People who sign in through your identity provider are not asked for this application&rsquo;s own second factor: your provider&rsquo;s sign-in, with the second
            factor it requires, protects them. Administrators can always sign in with their password, so a provider outage cannot lock you out of these settings.
          </p>
          <div className="form">
            <label className="check">
              <input type="checkbox" name="allowPassword" defaultChecked={checked("allowPassword", config?.allowPassword ?? false)} /> Staff may also sign in with their
              password
            </label>
            <label className="check">
              <input type="checkbox" name="enabled" defaultChecked={checked("enabled", config?.enabled ?? false)} /> Turn on: offer &ldquo;Sign in with {org.name}&rsquo;s
              account&rdquo; on the sign-in page
            </label>
          </div>
        </section>

        <div className="form__actions">
          <button type="submit" name="intent" value="save" className="button button--primary" disabled={Boolean(busy)}>
            {busy === "save" ? "Saving…" : "Save"}
          </button>
          <button type="submit" name="intent" value="check" className="button button--secondary" disabled={Boolean(busy)}>
            {busy === "check" ? "Checking…" : "Check connection"}
          </button>
        </div>
      </Form>
    </>
  );
}
