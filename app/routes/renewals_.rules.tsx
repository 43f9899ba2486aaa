// The organisation's requirement rules: the version in force and those scheduled, the editor that
// drafts a new version from the newest one (a supervisor's; every field validated), the preview of
// which open entries the draft would change before it is saved, and the history as readable changes.
import { createHash } from "node:crypto";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { z } from "zod";
import { BOARD_KINDS, can, checkUser, requireUser } from "~/auth/permissions.server";
import { PageHeader } from "~/components/PageHeader";
import { RenewalStatus } from "~/components/RenewalCells";
import { RuleEditorFields } from "~/components/RuleEditor";
import { TextField } from "~/components/TextField";
import { isDateInRange } from "~/lib/dates";
import { DateTime } from "~/components/DateTime";
import { formatCount, formatDate } from "~/lib/format";
import { readFormFields } from "~/lib/request-form.server";
import { describeRuleChanges, formatEffectiveDate } from "~/lib/rule-diff";
import { applyEditorIntent, draftFromForm, draftFromRule, ruleFormErrors, ruleFromDraft } from "~/lib/rule-form";
import { STATUS_LABELS } from "~/lib/renewal-search";
import { recordAudit } from "~/models/audit.server";
import { evaluateEntries } from "~/models/renewals.server";
import { previewRuleVersion, ruleVersions, updateRuleSet, versionInForce, RULE_CONFLICT_MESSAGE } from "~/models/rules.server";
import { orgWords } from "../../domain/org-words";
import { organisationToday, type OrganisationKind } from "../../domain/reference";
import { describeRuleSet, requirementRuleSetSchema } from "../../domain/requirement-rules";

export const meta: MetaFunction = () => [{ title: "Requirement rules · Renewals · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  const { db } = context.services;
  const versions = await ruleVersions(db, user.org.code);
  const latest = versions[versions.length - 1];
  if (!latest) throw new Response("Not found", { status: 404 });
  const today = organisationToday(user.org.code);
  const inForce = versionInForce(versions, today) ?? versions[0]!;
  return {
    org: user.org,
    today,
    canEdit: can(user, "manage"),
    inForce: { version: inForce.version, effectiveFrom: inForce.effectiveFrom, lines: describeRuleSet(inForce.rule), notes: inForce.rule.notes },
    scheduled: versions.filter((v) => v.effectiveFrom > today).map((v) => ({ version: v.version, effectiveFrom: v.effectiveFrom, changes: describeRuleChanges(inForce.rule, v.rule) })),
    latestVersion: latest.version,
    draft: draftFromRule(latest.rule),
    history: versions
      .map((v, i) => {
        const previous = versions[i - 1];
        return {
          version: v.version,
          effectiveFrom: v.effectiveFrom,
          createdAt: v.createdAt.toISOString(),
          createdBy: v.createdBy,
          reason: v.reason,
          changes: previous
            ? [...(previous.effectiveFrom !== v.effectiveFrom ? [`Effective from ${formatEffectiveDate(v.effectiveFrom)}`] : []), ...describeRuleChanges(previous.rule, v.rule)]
            : [],
          first: !previous,
        };
      })
      .reverse(),
  };
}

const Meta = z.object({
  version: z.coerce.number({ error: "The form is out of date; reload the page." }).int("The form is out of date; reload the page.").min(1, "The form is out of date; reload the page."),
  effectiveFrom: z
    .string({ error: "Give the date from which the new rules apply, as YYYY-MM-DD." })
    .trim()
    .refine((d) => isDateInRange(d) && d >= "2000-01-01", "Give the date from which the new rules apply, as YYYY-MM-DD, from 2000-01-01 to 2100-12-31."),
  reason: z.string({ error: "Say why the rules change." }).trim().min(5, "Say why the rules change (at least a few words).").max(500, "Keep the reason under 500 characters."),
});

type MetaValues = { version: string; effectiveFrom: string; reason: string };

/** What a preview was computed for: saving is allowed only for exactly this. */
function previewToken(rule: unknown, meta: { version: number; effectiveFrom: string }): string {
  return createHash("sha256").update(JSON.stringify([rule, meta.version, meta.effectiveFrom])).digest("base64url");
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  checkUser(user, { permission: "manage" });
  const { db } = context.services;
  const versions = await ruleVersions(db, user.org.code);
  const latest = versions[versions.length - 1];
  if (!latest) throw new Response("Not found", { status: 404 });
  const fields = await readFormFields(request);
  const intent = fields.intent ?? "preview";
  const draft = draftFromForm(fields, user.org.code);
  const metaValues: MetaValues = { version: fields.version ?? "", effectiveFrom: fields.effectiveFrom ?? "", reason: fields.reason ?? "" };
  const revision = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const answer = { draft, meta: metaValues, revision, errors: {} as Record<string, string>, preview: null as Awaited<ReturnType<typeof previewRuleVersion>> | null, token: "", changedSincePreview: false };

  const edited = applyEditorIntent(draft, intent);
  if (edited) return data({ ...answer, draft: edited });
  if (intent !== "preview" && intent !== "save") return data({ ...answer, errors: { form: "That button is not one this page offers; reload the page." } }, { status: 400 });

  const errors: Record<string, string> = {};
  const meta = Meta.safeParse(metaValues);
  if (!meta.success) for (const issue of meta.error.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
  const parsed = requirementRuleSetSchema.safeParse(ruleFromDraft(draft));
  if (!parsed.success) for (const [key, message] of Object.entries(ruleFormErrors(parsed.error.issues))) errors[key] ??= message;
  if (!meta.success || !parsed.success) return data({ ...answer, errors }, { status: 400 });
  if (meta.data.version !== latest.version) return data({ ...answer, errors: { form: RULE_CONFLICT_MESSAGE } }, { status: 409 });
  const sameAsLatest = JSON.stringify(parsed.data) === JSON.stringify(latest.rule) && meta.data.effectiveFrom === latest.effectiveFrom;
  if (sameAsLatest) return data({ ...answer, errors: { form: `These are the rules of version ${latest.version}, from the same date; change a value or the date before saving.` } }, { status: 400 });

  const token = previewToken(parsed.data, meta.data);
  if (intent === "save" && fields.previewed === token) {
    const result = await updateRuleSet(db, { id: user.id, orgCode: user.org.code }, parsed.data, {
      expectedVersion: meta.data.version,
      effectiveFrom: meta.data.effectiveFrom,
      reason: meta.data.reason,
      ip: context.clientIp,
    });
    if (!result.ok) return data({ ...answer, errors: { form: result.message } }, { status: 409 });
    // The entries the new version judges are pending: evaluated in the background.
    context.services.statuses.request(user.org.code, "rules");
    throw redirect(`/renewals/rules?saved=${result.version}&pending=${result.markedPending}`);
  }

  // Preview (also when the form changed after its preview: the user confirms what they see).
  const today = organisationToday(user.org.code);
  const preview = await previewRuleVersion(db, user.org.code, parsed.data, meta.data.effectiveFrom, (rule, entries) => evaluateEntries(db, user.org.code, rule, entries, today), today);
  await recordAudit(db, {
    action: "rules.preview",
    userId: user.id,
    orgCode: user.org.code,
    target: `rules:${user.org.code}`,
    detail: { basedOn: preview.basedOn, effectiveFrom: preview.effectiveFrom, judged: preview.judged, changed: preview.changed, listed: preview.changes.length },
    ip: context.clientIp,
  });
  return data({ ...answer, preview, token, changedSincePreview: intent === "save" });
}

function ErrorSummary({ errors }: { errors: Record<string, string> }) {
  const ref = useRef<HTMLDivElement>(null);
  const entries = Object.entries(errors);
  useEffect(() => {
    if (entries.length) ref.current?.focus();
  }, [entries.length, errors]);
  if (entries.length === 0) return null;
  const { form, ...fields } = errors;
  const count = Object.keys(fields).length;
  return (
    <div className="alert alert--error" role="alert" tabIndex={-1} ref={ref} data-testid="rules-error">
      {form ? <p>{form}</p> : null}
      {count ? (
        <>
          <p>
            {count === 1 ? "One value needs" : `${count} values need`} correcting before the rules can be saved:
          </p>
          <ul>
            {Object.entries(fields).map(([key, message]) => (
              <li key={key}>
                <a href={`#${key}`}>{message}</a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

export default function Rules() {
  const { org, canEdit, inForce, scheduled, latestVersion, draft: stored, history, today } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [search] = useSearchParams();
  const words = orgWords(org.kind as OrganisationKind);
  const errors: Record<string, string> = result?.errors ?? {};
  const draft = result?.draft ?? stored;
  const metaValues = result?.meta ?? { version: String(latestVersion), effectiveFrom: today, reason: "" };
  const preview = result?.preview ?? null;
  const busy = navigation.state === "submitting";
  const pending = search.get("pending");
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/renewals">{words.Cycles}</Link> / Requirement rules
      </nav>
      <PageHeader
        eyebrow={`${words.cycle.charAt(0).toUpperCase()}${words.cycle.slice(1)} verification`}
        title={`${org.name}: requirement rules`}
        description={`Version ${inForce.version} is in force today (from ${formatEffectiveDate(inForce.effectiveFrom)}). Each ${words.cycle} is judged by the version in force on its last day.`}
      />
      {search.get("saved") ? (
        <div className="notice notice--ok" role="status" data-result data-testid="rules-saved">
          Saved as version {search.get("saved")}.{" "}
          {pending === "0"
            ? `No ${words.cycle} ends on or after its effective date, so no status changes.`
            : `The statuses of ${formatCount(Number(pending) || 0)} ${words.cycles} ending on or after its effective date are being computed again; ${words.cycles} that ended earlier keep theirs.`}
        </div>
      ) : null}
      <section className="card stack" aria-labelledby="summary-title">
        <h2 id="summary-title" className="section-title">
          What the check applies today
        </h2>
        <ul data-testid="rule-summary">
          {inForce.lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
        {inForce.notes.length ? (
          <div className="notice notice--warn" role="note">
            <ul>
              {inForce.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {scheduled.map((s) => (
          <div className="notice notice--info" key={s.version} data-testid="rule-scheduled">
            <p>
              <strong>
                Version {s.version} takes effect on {formatEffectiveDate(s.effectiveFrom)}
              </strong>
              : {words.cycles} ending on or after that day are judged by it.
            </p>
            {s.changes.length ? (
              <ul>
                {s.changes.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ))}
      </section>

      {canEdit ? (
        <Form method="post" className="form card" aria-labelledby="edit-title" noValidate key={result?.revision ?? "stored"}>
          {/* Enter in a field previews: the first submit button of the form is the one it presses. */}
          <button type="submit" name="intent" value="preview" className="visually-hidden" tabIndex={-1} aria-hidden="true">
            Preview
          </button>
          <h2 id="edit-title">Draft a new version</h2>
          <p className="muted">
            Starts from version {latestVersion}. Nothing changes until you preview the draft and confirm it.
          </p>
          <ErrorSummary errors={errors} />
          <input type="hidden" name="version" value={metaValues.version} />
          <RuleEditorFields draft={draft} errors={errors} people={words.people} />
          <fieldset className="rule-group">
            <legend>This version</legend>
            <div className="form__row">
              <TextField
                name="effectiveFrom"
                type="date"
                label="In force for cycles ending on or after"
                defaultValue={metaValues.effectiveFrom}
                error={errors.effectiveFrom}
                required
              />
              <TextField name="reason" label="Reason for the change (kept in the history)" defaultValue={metaValues.reason} error={errors.reason ?? errors.version} required />
            </div>
          </fieldset>
          {preview ? (
            <section className="card stack" aria-labelledby="preview-title" data-testid="rule-preview">
              <h2 id="preview-title" className="section-title">
                Before you save: what this version changes
              </h2>
              {result?.changedSincePreview ? (
                <div className="notice notice--warn" role="status">
                  The draft changed since its last preview. Here is the preview of what you sent now; confirm again to save it.
                </div>
              ) : null}
              <p data-testid="preview-summary">
                {preview.judged === 0
                  ? `No open ${words.cycle} ends on or after ${formatEffectiveDate(preview.effectiveFrom)}, so no current status changes.`
                  : `${formatCount(preview.judged)} open ${preview.judged === 1 ? words.cycle : words.cycles} (matched, with no decision) end on or after ${formatEffectiveDate(preview.effectiveFrom)} and would be judged by this version${
                      preview.evaluatedThrough ? `; of the ${formatCount(preview.evaluated)} ending soonest (through ${formatDate(preview.evaluatedThrough)})` : ""
                    }: ${preview.changed === 0 ? "none would change status." : `${formatCount(preview.changed)} would change status.`}`}
              </p>
              {preview.future ? (
                <p className="muted" data-testid="preview-future">
                  {formatEffectiveDate(preview.effectiveFrom)} is in the future: {words.cycles} ending before it, including every one that has already ended, keep the rules they have now.
                </p>
              ) : null}
              {preview.supersededFrom ? (
                <p className="muted">A later version takes over for {words.cycles} ending on or after {formatEffectiveDate(preview.supersededFrom)}; those are not counted here.</p>
              ) : null}
              {preview.evaluatedThrough ? (
                <p className="muted" data-testid="preview-partial">
                  The other {formatCount(preview.judged - preview.evaluated)} are evaluated in the background once you save.
                </p>
              ) : null}
              <p className="muted small">
                Recorded decisions keep the rules and totals they were based on. Computed in {formatCount(preview.elapsedMs)} ms.
              </p>
              {preview.moves.filter((m) => m.before !== m.after).length ? (
                <ul data-testid="preview-moves">
                  {preview.moves
                    .filter((m) => m.before !== m.after)
                    .map((m) => (
                      <li key={`${m.before}-${m.after}`}>
                        {STATUS_LABELS[m.before]} → {STATUS_LABELS[m.after]}: {formatCount(m.count)}
                      </li>
                    ))}
                </ul>
              ) : null}
              {preview.changes.length ? (
                <div className="table-wrap">
                  <table className="data-table" data-testid="preview-changes">
                    <caption className="visually-hidden">{words.People} whose status would change</caption>
                    <thead>
                      <tr>
                        <th scope="col">{words.Person}</th>
                        <th scope="col">{words.idLabel.replace(/^./, (c) => c.toUpperCase())}</th>
                        <th scope="col">{words.deadline.replace(/^./, (c) => c.toUpperCase())}</th>
                        <th scope="col">Status now</th>
                        <th scope="col">Under this version</th>
                        <th scope="col">Short in</th>
                      </tr>
                    </thead>
                    <tbody>
                      {preview.changes.map((c) => (
                        <tr key={c.entryId}>
                          <td>
                            <Link to={`/renewals/${c.entryId}`}>{c.name}</Link>
                          </td>
                          <td>{c.rosterKey}</td>
                          <td>{formatDate(c.cycleEnd)}</td>
                          <td>
                            <RenewalStatus status={c.before} />
                          </td>
                          <td>
                            <RenewalStatus status={c.after} />
                          </td>
                          <td>{c.shortfallAfter ?? "—"}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {preview.changed > preview.changes.length ? (
                    <p className="muted small">
                      The first {formatCount(preview.changes.length)} of {formatCount(preview.changed)} are listed, by {words.deadline}.
                    </p>
                  ) : null}
                </div>
              ) : null}
              <input type="hidden" name="previewed" value={result?.token ?? ""} />
              <div className="form__actions">
                <button type="submit" name="intent" value="save" className="button button--primary" disabled={busy} data-testid="rules-confirm">
                  Confirm and save version {preview.basedOn + 1}
                </button>
                <button type="submit" name="intent" value="preview" className="button button--secondary" disabled={busy}>
                  Preview again
                </button>
              </div>
            </section>
          ) : (
            <div className="form__actions">
              <button type="submit" name="intent" value="preview" className="button button--primary" disabled={busy} data-testid="rules-preview">
                Preview the change
              </button>
            </div>
          )}
        </Form>
      ) : (
        <p className="muted">Supervisors and admins of {org.name} can change these rules.</p>
      )}

      <section className="stack" aria-labelledby="history-title">
        <h2 id="history-title" className="section-title">
          History of versions
        </h2>
        <ol className="timeline" data-testid="rule-history">
          {history.map((h) => (
            <li key={h.version} className="timeline__item">
              <p>
                <strong>Version {h.version}</strong> · in force for {words.cycles} ending on or after {formatEffectiveDate(h.effectiveFrom)} ·{" "}
                {h.createdBy ?? "as seeded from the board's published requirements"} · <DateTime value={h.createdAt} />
              </p>
              {h.reason ? <p>{h.reason}</p> : null}
              {h.first ? (
                <p className="muted small">The first version kept here.</p>
              ) : h.changes.length ? (
                <ul>
                  {h.changes.map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
              ) : (
                <p className="muted small">The same requirements as the version before, from a different date.</p>
              )}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
