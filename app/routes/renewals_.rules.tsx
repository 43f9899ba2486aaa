// The organisation's requirement rules: what the renewal check applies, where each value comes from,
// a form for admins and supervisors to change the values (validated as a whole rule set, with a
// reason), and the history of every change (who, when, why, before and after).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "~/auth/session.server";
import { PageHeader } from "~/components/PageHeader";
import { TextField } from "~/components/TextField";

import { describeRuleSet, requirementRuleSetSchema, ruleSetFieldErrors } from "../../domain/requirement-rules";
import { applyRuleForm, ruleFormGroups } from "~/lib/rule-form";
import { canSupervise, requireBoardUser } from "~/models/renewal-page.server";
import { getRuleSet, ruleHistory, updateRuleSet } from "~/models/rules.server";
import { readFormFields } from "~/lib/request-form.server";

export const meta: MetaFunction = () => [{ title: "Requirement rules · Renewals · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  requireBoardUser(user);
  const { db } = context.services;
  const [stored, history] = await Promise.all([getRuleSet(db, user.org.code), ruleHistory(db, user.org.code)]);
  if (!stored) throw new Response("Not found", { status: 404 });
  return {
    org: user.org,
    canEdit: canSupervise(user),
    rule: stored.rule,
    version: stored.version,
    updatedAt: stored.updatedAt.toISOString(),
    updatedBy: stored.updatedBy,
    history: history.map((h) => ({
      id: h.id,
      version: h.version,
      changedAt: h.changedAt.toISOString(),
      changedBy: h.changedBy,
      reason: h.reason,
      before: describeRuleSet(h.before),
      after: describeRuleSet(h.after),
    })),
  };
}

const Meta = z.object({
  version: z.coerce.number({ error: "The form is out of date; reload the page." }).int().min(1),
  reason: z.string().trim().min(5, "Say why the rules change (at least a few words).").max(500, "Keep the reason under 500 characters."),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  requireBoardUser(user);
  if (!canSupervise(user)) throw new Response("Only supervisors and admins can change the requirement rules.", { status: 403 });
  const { db } = context.services;
  const stored = await getRuleSet(db, user.org.code);
  if (!stored) throw new Response("Not found", { status: 404 });
  const fields = await readFormFields(request);
  const meta = Meta.safeParse(fields);
  const parsed = requirementRuleSetSchema.safeParse(applyRuleForm(stored.rule, fields));
  const errors: Record<string, string> = {};
  if (!meta.success) for (const issue of meta.error.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
  if (!parsed.success) Object.assign(errors, ruleSetFieldErrors(parsed.error));
  if (!meta.success || !parsed.success) return data({ errors, values: fields }, { status: 400 });
  const result = await updateRuleSet(db, { id: user.id, orgCode: user.org.code }, parsed.data, {
    expectedVersion: meta.data.version,
    reason: meta.data.reason,
    ip: context.clientIp,
  });
  if (!result.ok) return data({ errors: { form: result.message } as Record<string, string>, values: fields }, { status: 409 });
  // Every status goes back to pending under the new rules: evaluated in the background.
  context.services.statuses.request(user.org.code, "rules");
  throw redirect(`/renewals/rules?saved=${result.version}`);
}

export default function Rules() {
  const { org, rule, version, updatedAt, updatedBy, history, canEdit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [search] = useSearchParams();
  const errors = result?.errors ?? {};
  const values = result?.values ?? {};
  const groups = ruleFormGroups(rule);
  const unplaced = Object.entries(errors).filter(([key]) => key !== "reason" && key !== "version" && !groups.some((g) => g.fields.some((f) => f.path === key)));
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/renewals">Renewal queue</Link> / Requirement rules
      </nav>
      <PageHeader
        eyebrow="Renewal verification"
        title={`${org.name}: requirement rules`}
        description={`Version ${version}, ${updatedBy ? `last changed by ${updatedBy}` : "as seeded from the board's published requirements"} on ${new Date(updatedAt).toLocaleDateString("en-US", { timeZone: "UTC" })}.`}
      />
      {search.get("saved") ? (
        <div className="notice notice--ok" role="status" data-testid="rules-saved">
          Saved as version {search.get("saved")}. Every renewal status is being computed again under the new rules.
        </div>
      ) : null}
      <section className="card stack" aria-labelledby="summary-title">
        <h2 id="summary-title" className="section-title">
          What the renewal check applies
        </h2>
        <ul data-testid="rule-summary">
          {describeRuleSet(rule).map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
        {rule.notes.length ? (
          <div className="notice notice--warn" role="note">
            <ul>
              {rule.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          </div>
        ) : null}
      </section>

      {canEdit ? (
        <Form method="post" className="form card" aria-labelledby="edit-title" noValidate>
          <h2 id="edit-title">Change the values</h2>
          {errors.form || unplaced.length ? (
            <div className="alert alert--error" role="alert" data-testid="rules-error">
              {errors.form ?? "Some values could not be saved:"}
              {unplaced.length ? (
                <ul>
                  {unplaced.map(([k, m]) => (
                    <li key={k}>{m}</li>
                  ))}
                </ul>
              ) : null}
            </div>
          ) : null}
          <input type="hidden" name="version" value={version} />
          {groups.map((group) => (
            <fieldset key={group.id} className="rule-group">
              <legend>{group.legend}</legend>
              <div className="form__row">
                {group.fields.map((field) =>
                  field.kind === "checkbox" ? (
                    <label className="check" key={field.path}>
                      <input type="checkbox" name={field.path} defaultChecked={(values[field.path] ?? field.value) === "on"} /> {field.label}
                    </label>
                  ) : (
                    <TextField
                      key={field.path}
                      name={field.path}
                      label={field.label}
                      defaultValue={values[field.path] ?? field.value}
                      inputMode={field.kind === "number" ? "decimal" : undefined}
                      error={errors[field.path]}
                    />
                  ),
                )}
              </div>
            </fieldset>
          ))}
          <TextField name="reason" label="Reason for the change (kept in the history)" defaultValue={values.reason ?? ""} error={errors.reason ?? errors.version} required />
          <button type="submit" className="button button--primary" disabled={navigation.state === "submitting"}>
            Save rules
          </button>
        </Form>
      ) : (
        <p className="muted">Supervisors and admins of {org.code} can change these values.</p>
      )}

      <section className="stack" aria-labelledby="history-title">
        <h2 id="history-title" className="section-title">
          History of changes
        </h2>
        {history.length === 0 ? (
          <p className="empty-state">No changes since the rules were seeded.</p>
        ) : (
          <ol className="timeline" data-testid="rule-history">
            {history.map((h) => (
              <li key={h.id} className="timeline__item">
                <p>
                  <strong>Version {h.version}</strong> · {h.changedBy} · {new Date(h.changedAt).toLocaleString("en-US", { timeZone: "UTC" })} UTC
                </p>
                <p>{h.reason}</p>
                <div className="diff">
                  <div>
                    <p className="small muted">Before</p>
                    <ul>
                      {h.before.filter((l) => !h.after.includes(l)).map((l) => (
                        <li key={l}>
                          <del>{l}</del>
                        </li>
                      ))}
                    </ul>
                  </div>
                  <div>
                    <p className="small muted">After</p>
                    <ul>
                      {h.after.filter((l) => !h.before.includes(l)).map((l) => (
                        <li key={l}>
                          <ins>{l}</ins>
                        </li>
                      ))}
                    </ul>
                  </div>
                </div>
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
