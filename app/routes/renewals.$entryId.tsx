// One licensee's cycle: the compliance engine's result requirement by requirement and record by record,
// the decision history, and the forms to record a decision or (supervisors) supersede one.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { BOARD_KINDS, can, ID_PATTERN, idParam, requireUser } from "~/auth/permissions.server";
import { learnerInScope } from "~/auth/scope.server";
import { PageHeader } from "~/components/PageHeader";
import { DecisionBadge, DecisionFacts, Progress, RenewalStatus } from "~/components/RenewalCells";
import { formatDate } from "~/lib/format";
import { fieldErrors, type FieldErrors } from "~/lib/forms";
import { formatRuleCredits } from "../../domain/requirement-rules";
import { creditUnit } from "~/lib/shortfalls";
import { organisationToday } from "../../domain/reference";
import { orgWords } from "../../domain/org-words";
import type { OrganisationKind } from "../../domain/reference";
import { addDays } from "../../domain/calendar";
import { contradiction, oneYearAfter } from "~/lib/decision-evidence";
import { isoDate } from "~/lib/grid";
import { DECISION_OUTCOMES, MATCH_LABELS, OUTCOME_LABELS, STATUS_LABELS, type DecisionOutcomeId } from "~/lib/renewal-search";
import { decisionsForEntry, evidenceFingerprint, evidenceOf, recordDecision, supersedeDecision, type DecisionField } from "~/models/decisions.server";
import { evaluateEntryNow, getEntry } from "~/models/renewals.server";
import { readFormFields } from "~/lib/request-form.server";
import { auditView } from "~/models/view-audit.server";
import { LicenseeAttributesPanel } from "~/components/LicenseeAttributesPanel";
import { attributeHistory, knownAttributes, parseAttributeForm, saveLicenseeAttributes } from "~/models/licensee-attributes.server";
import { attributeDefinition } from "../../domain/licensee-attributes";
import { DateTime } from "~/components/DateTime";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.entry.lastName}, ${data.entry.firstName} · Renewal · CME Credit Verification` : "Renewal · CME Credit Verification" },
];
export const handle = { wide: true };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  const { db } = context.services;
  const entry = await getEntry(db, user.org.code, idParam(params.entryId));
  if (!entry) throw new Response("Not found", { status: 404 });
  const [live, decisions, licenseeVisible, attributes, attributeChanges] = await Promise.all([
    evaluateEntryNow(db, entry),
    decisionsForEntry(db, user.org.code, entry.id),
    // The licensee page shows licensees with credit reported to the board: none, no page to link to.
    entry.learnerId ? learnerInScope(db, user.scope, entry.learnerId) : Promise.resolve(false),
    knownAttributes(db, user.org.code, entry.rosterKey),
    attributeHistory(db, user.org.code, entry.rosterKey),
  ]);
  auditView(context, user, { action: "renewal.view", target: `roster_entry:${entry.id}`, rows: 1 });
  const words = orgWords(user.org.kind as OrganisationKind);
  const evidence = evidenceOf(live);
  // Server-rendered: which choices contradict the check (overrides), so the form is safe without JavaScript.
  const warnings = Object.fromEntries(DECISION_OUTCOMES.map((o) => [o, contradiction(o, evidence, words)])) as Record<DecisionOutcomeId, string | null>;
  return {
    org: user.org,
    words,
    role: user.role,
    canSupervise: can(user, "manage"),
    entry,
    live,
    shown: evidenceFingerprint(live),
    warnings,
    extension: { earliest: addDays(entry.cycleEnd, 1), latest: oneYearAfter(entry.cycleEnd) },
    licenseeVisible,
    decisions: decisions.map((d) => ({ ...d, decidedAt: d.decidedAt.toISOString() })),
    attributes,
    attributeChanges,
    today: organisationToday(user.org.code),
  };
}


const note = z.string().trim().max(2000, "Keep the note under 2,000 characters.");
const outcome = z.enum(DECISION_OUTCOMES, { error: "Choose a decision." });
// Checked against the outcome and the live check by the model (decisions.server.ts); here only their form.
const evidenceFields = {
  overrideReason: z
    .string()
    .max(2000, "Keep the reason under 2,000 characters.")
    .optional()
    .transform((v) => v?.trim() || null),
  extendedTo: z
    .union([z.literal(""), isoDate])
    .optional()
    .transform((v) => v || null),
  shown: z
    .union([z.literal(""), z.string().regex(/^[0-9a-f]{20}$/, "This form is out of date: reload the page and decide again.")])
    .optional()
    .transform((v) => v || null),
};
const DecideForm = z.object({ intent: z.literal("decide"), outcome, note, ...evidenceFields });
const SupersedeForm = z.object({
  intent: z.literal("supersede"),
  supersedes: z.string().regex(ID_PATTERN, "Choose the decision to supersede."),
  outcome,
  note,
  ...evidenceFields,
  reason: z.string().trim().min(5, "Give the reason for superseding (at least a few words).").max(2000, "Keep the reason under 2,000 characters."),
});
const ActionForm = z.discriminatedUnion("intent", [DecideForm, SupersedeForm], { error: "Choose what to do." });

type ActionResult = { errors: FieldErrors; intent: string };

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  const { db } = context.services;
  const entry = await getEntry(db, user.org.code, idParam(params.entryId));
  if (!entry) throw new Response("Not found", { status: 404 });
  const fields = await readFormFields(request);
  if (fields.intent === "attributes") {
    // What the board knows of the licensee: supervisors change it; reviewers read it.
    if (!can(user, "manage")) return data<ActionResult>({ errors: { form: "Only a supervisor can change what the board knows of a licensee." }, intent: "attributes" }, { status: 403 });
    const form = parseAttributeForm(user.org.code, fields);
    if (!form.ok) return data<ActionResult>({ errors: form.errors, intent: "attributes" }, { status: 400 });
    const saved = await saveLicenseeAttributes(db, { id: user.id, orgCode: user.org.code, ip: context.clientIp }, entry, form);
    // The licensee's entries are pending under what the board now knows: evaluated in the background.
    context.services.statuses.request(user.org.code, "attributes");
    throw redirect(`/renewals/${entry.id}?attributesSaved=${saved.changed}#attributes`);
  }
  const parsed = ActionForm.safeParse(fields);
  if (!parsed.success) return data<ActionResult>({ errors: fieldErrors(parsed.error), intent: fields.intent ?? "" }, { status: 400 });
  const actor = { id: user.id, role: user.role, orgCode: user.org.code, ip: context.clientIp };
  const input = parsed.data;
  if (input.intent === "supersede" && !can(user, "manage")) {
    return data<ActionResult>({ errors: { form: "Only a supervisor can supersede a decision." }, intent: input.intent }, { status: 403 });
  }
  const decision = {
    outcome: input.outcome,
    note: input.note,
    overrideReason: input.overrideReason,
    extendedTo: input.extendedTo,
    shown: input.shown,
    words: orgWords(user.org.kind as OrganisationKind),
  };
  const result =
    input.intent === "decide"
      ? await recordDecision(db, actor, entry, decision)
      : await supersedeDecision(db, actor, entry, { ...decision, supersedes: input.supersedes, reason: input.reason });
  if (!result.ok) {
    const field: DecisionField = result.field;
    return data<ActionResult>({ errors: { [field]: result.message }, intent: input.intent }, { status: result.status });
  }
  // Committed: only now does the page say so.
  // An extension marks the entry pending (judged against its new deadline): evaluated in the background.
  context.services.statuses.request(user.org.code, "decision");
  throw redirect(`/renewals/${entry.id}?recorded=${result.id}#decisions`);
}

type Warnings = Record<DecisionOutcomeId, string | null>;

/** The outcomes, each choice that contradicts the check marked beside it (rendered on the server). */
function OutcomeChoices({ name, error, warnings }: { name: string; error?: string; warnings: Warnings }) {
  return (
    <fieldset className="filter-group" aria-describedby={error ? `${name}-outcome-error` : undefined}>
      <legend>Decision</legend>
      {DECISION_OUTCOMES.map((o) => (
        <div key={o}>
          <label className="check">
            <input type="radio" name="outcome" value={o} required aria-describedby={warnings[o] ? `${name}-${o}-warning` : undefined} /> {OUTCOME_LABELS[o]}
          </label>
          {warnings[o] ? (
            <p className="field__hint decision-warning" id={`${name}-${o}-warning`} data-testid={`override-warning-${o}`}>
              <span className="badge badge--warn">Override</span> {warnings[o]} It needs a reason below.
            </p>
          ) : null}
        </div>
      ))}
      {error ? (
        <p className="filter-error" id={`${name}-outcome-error`}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

/** The override reason (only when some choice contradicts the check) and the extension's new deadline. */
function EvidenceFields({ errors, warnings, extension, deadlineWord }: { errors: FieldErrors; warnings: Warnings; extension: { earliest: string; latest: string }; deadlineWord: string }) {
  const overridable = DECISION_OUTCOMES.filter((o) => warnings[o]);
  return (
    <>
      {overridable.length > 0 ? (
        <label className="field">
          <span className="field__label">Reason for the override</span>
          <textarea name="overrideReason" rows={2} maxLength={2000} aria-invalid={Boolean(errors.overrideReason) || undefined} aria-describedby="override-reason-hint" />
          <span className="field__hint" id="override-reason-hint">
            {`Required for ${overridable.map((o) => `“${OUTCOME_LABELS[o]}”`).join(" or ")}, in at least a sentence: why the decision differs from what the credit reported shows. It is kept with the decision and shown wherever the decision is.`}
          </span>
          {errors.overrideReason ? (
            <span className="field__error" data-testid="override-reason-error">
              {errors.overrideReason}
            </span>
          ) : null}
        </label>
      ) : null}
      <label className="field">
        <span className="field__label">New deadline, for an extension</span>
        <input type="date" name="extendedTo" min={extension.earliest} max={extension.latest} aria-invalid={Boolean(errors.extendedTo) || undefined} aria-describedby="extended-to-hint" />
        <span className="field__hint" id="extended-to-hint">
          {`Required when granting an extension: after the ${deadlineWord} and at most a year after it (${formatDate(extension.earliest)} to ${formatDate(extension.latest)}). Credit completed up to the new deadline counts toward this cycle.`}
        </span>
        {errors.extendedTo ? (
          <span className="field__error" data-testid="extended-to-error">
            {errors.extendedTo}
          </span>
        ) : null}
      </label>
    </>
  );
}

function basisStatus(status: unknown): string {
  return typeof status === "string" && status in STATUS_LABELS ? STATUS_LABELS[status as keyof typeof STATUS_LABELS] : typeof status === "string" ? status : "—";
}

export default function RenewalEntry() {
  const { entry, live, decisions, canSupervise: supervisor, licenseeVisible, words, shown, warnings, extension, attributes, attributeChanges, today } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [search] = useSearchParams();
  const recorded = search.get("recorded");
  const attributesSaved = /^\d{1,3}$/.test(search.get("attributesSaved") ?? "") ? search.get("attributesSaved") : null;
  const busy = navigation.state === "submitting";
  // The decision forms' errors; the attribute form shows its own.
  const errors = result && result.intent !== "attributes" ? result.errors : {};
  const current = decisions.find((d) => !d.superseded) ?? null;
  const pad = (n: number) => String(n).padStart(2, "0");
  const evaluation = live.kind === "evaluated" ? live.evaluation : null;
  // The cycle is still open through its last day (or its extension): "still to earn", not "short".
  const cycleOpen = live.kind === "evaluated" ? (live.extendedTo ?? live.cycle.end) >= today : undefined;
  const unit = creditUnit(live.kind === "evaluated" ? live.rule.creditLabel : null);
  const total = evaluation?.requirements[0];
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/renewals">Renewal queue</Link> / {entry.lastName}, {entry.firstName}
      </nav>
      <PageHeader
        eyebrow={`${words.cycle.charAt(0).toUpperCase()}${words.cycle.slice(1)} · cycle ending ${formatDate(entry.cycleEnd)}${live.kind === "evaluated" && live.extendedTo ? ` · extended to ${formatDate(live.extendedTo)}` : ""}`}
        title={`${entry.lastName}, ${entry.firstName}`}
        description={
          <>
            {entry.rosterKey} · born {pad(entry.birthMonth)}/{pad(entry.birthDay)} · NPI {entry.npi ?? "not on roster"} · matched by{" "}
            {MATCH_LABELS[entry.matchQuality as keyof typeof MATCH_LABELS]}
            {entry.matchNote ? ` (${entry.matchNote})` : ""}
          </>
        }
        actions={
          entry.learnerId && licenseeVisible ? (
            <Link className="button button--link button--small" to={`/licensees/${entry.learnerId}`}>
              {`${words.Person} page`}
            </Link>
          ) : entry.learnerId ? (
            <span className="muted" data-testid="no-licensee-page">
              {`No credit has been reported to your board for this ${words.person}.`}
            </span>
          ) : null
        }
      />
      {recorded ? (
        <div className="notice notice--ok" role="status" data-result data-testid="decision-recorded">
          Decision recorded and saved.
        </div>
      ) : null}

      <section className="stack" aria-labelledby="result-title">
        <h2 id="result-title" className="section-title">
          Requirement check
        </h2>
        {live.kind === "unmatched" ? (
          <p className="empty-state">This roster row is not matched to a licensee in the learner store, so no credit can be counted. See the match note above.</p>
        ) : live.kind === "no_cycle" ? (
          <p className="empty-state">The cycle cannot be placed: {live.problem}</p>
        ) : live.kind === "no_rules" ? (
          <p className="empty-state">Your organization has no requirement rules.</p>
        ) : evaluation && total ? (
          <>
            <div className="stat-grid">
              <div className="stat-card">
                <p className="stat-card__label">Status</p>
                <p className="stat-card__value" data-testid="entry-status">
                  <RenewalStatus status={evaluation.status} cycleOpen={cycleOpen} />
                </p>
                <p className="stat-card__hint" data-testid="entry-cycle">
                  Cycle {formatDate(live.kind === "evaluated" ? live.cycle.start : evaluation.cycle.start)} to {formatDate(live.kind === "evaluated" ? live.cycle.end : evaluation.cycle.end)}
                  {live.kind === "evaluated" && live.extendedTo ? `, extended to ${formatDate(live.extendedTo)}: credit completed by then counts` : ""}
                </p>
              </div>
              <div className="stat-card">
                <p className="stat-card__label">{total.label}</p>
                <p className="stat-card__value" data-testid="entry-progress">
                  <Progress counted={total.counted} required={total.required} unit={unit} />
                </p>
                <p className="stat-card__hint">{total.met ? "Total met" : `${formatRuleCredits(total.shortBy)} ${unit} ${cycleOpen ? "still to earn" : "short"}`}</p>
              </div>
            </div>
            <p className="muted small">
              {live.basis}
              {live.caveats.map((c) => ` ${c}`).join("")}
            </p>
            {evaluation.satisfiedBy ? (
              <div className="notice notice--ok" role="note" data-testid="entry-satisfied-by">
                Requirement met by an alternative: {evaluation.satisfiedBy.label}. The credit below is shown for the record; it is not needed.
              </div>
            ) : null}
            {evaluation.reviewReasons.length > 0 ? (
              <div className="notice notice--warn" role="note">
                Needs review:
                <ul>
                  {evaluation.reviewReasons.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              </div>
            ) : null}
            <div className="table-wrap">
              <table className="data-table">
                <caption className="visually-hidden">Each requirement: required, counted, and whether it is met</caption>
                <thead>
                  <tr>
                    <th scope="col">Requirement</th>
                    <th scope="col">Completions counted</th>
                    <th scope="col" className="num">
                      Required
                    </th>
                    <th scope="col" className="num">
                      Counted
                    </th>
                    <th scope="col">Result</th>
                  </tr>
                </thead>
                <tbody>
                  {evaluation.requirements.map((o) => (
                    <tr key={o.id} data-testid={`requirement-${o.id}`}>
                      <th scope="row" className="wrap">
                        {o.label}
                        <span className="sub">{o.description}</span>
                        {o.applicability ? <span className="sub">{o.applicability}</span> : null}
                        {o.unknownAttributes.length > 0 ? (
                          <span className="sub" data-testid={`unknown-${o.id}`}>
                            <span className="badge badge--warn">
                              Applies if {o.unknownAttributes.map((k) => (attributeDefinition(k)?.label ?? k).toLowerCase()).join(" and ")}: not known
                            </span>{" "}
                            {supervisor ? <a href="#attributes">Fill it in</a> : null}
                          </span>
                        ) : null}
                      </th>
                      <td>
                        {o.window.start ? formatDate(o.window.start) : "Any date"} to {formatDate(o.window.end)}
                      </td>
                      <td className="num">{formatRuleCredits(o.required)}</td>
                      <td className="num">{formatRuleCredits(o.counted)}</td>
                      <td>
                        {!o.applies ? (
                          <span className="badge badge--neutral">Does not apply</span>
                        ) : o.met ? (
                          <span className="badge badge--ok">Met</span>
                        ) : (
                          <span className="badge badge--error">Short by {formatRuleCredits(o.shortBy)}</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <details className="disclosure">
              <summary>Every record considered ({evaluation.records.length}), with what was counted and why not</summary>
              <div className="table-wrap">
                <table className="data-table">
                  <caption className="visually-hidden">Credit reports considered for this cycle</caption>
                  <thead>
                    <tr>
                      <th scope="col">Completed</th>
                      <th scope="col">Activity</th>
                      <th scope="col" className="num">
                        Credits
                      </th>
                      <th scope="col" className="num">
                        Counted
                      </th>
                      <th scope="col">Not counted because</th>
                    </tr>
                  </thead>
                  <tbody>
                    {evaluation.records.map((r) => (
                      <tr key={r.id}>
                        <td>{formatDate(r.completionDate)}</td>
                        <td>
                          <Link to={`/activities/${r.activityId}`} className="mono">
                            {r.activityId}
                          </Link>
                        </td>
                        <td className="num">{formatRuleCredits(r.credits)}</td>
                        <td className="num">{formatRuleCredits(r.countedInCycle)}</td>
                        <td className="wrap">{r.reasons.length ? r.reasons.map((x) => x.message).join(" ") : <span className="muted">—</span>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          </>
        ) : null}
      </section>

      <LicenseeAttributesPanel
        attributes={attributes}
        history={attributeChanges}
        words={words}
        canEdit={supervisor}
        errors={result?.intent === "attributes" ? result.errors : {}}
        saved={attributesSaved}
        busy={busy}
      />

      <section className="stack" aria-labelledby="decisions">
        <h2 id="decisions" className="section-title">
          Decisions
        </h2>
        {decisions.length === 0 ? (
          <p className="empty-state">No decision recorded for this cycle yet.</p>
        ) : (
          <ol className="timeline" data-testid="decision-history">
            {decisions.map((d) => (
              <li key={d.id} className={d.superseded ? "timeline__item timeline__item--superseded" : "timeline__item"}>
                <p>
                  <DecisionBadge outcome={d.outcome} /> {d.superseded ? <span className="badge badge--neutral">Superseded</span> : <span className="badge badge--neutral">In force</span>}{" "}
                  {d.bulk ? <span className="badge badge--neutral">Bulk</span> : null} {d.override ? <span className="badge badge--warn">Override</span> : null}
                </p>
                <p className="small">
                  {d.decidedBy} · <DateTime value={d.decidedAt} /> · based on status “{basisStatus(d.basis.status)}”
                  {typeof d.basis.creditsCounted === "number" ? `, ${d.basis.creditsCounted} / ${d.basis.creditsRequired}` : ""}
                </p>
                <DecisionFacts d={d} />
                {d.note ? <p>{d.note}</p> : null}
                {d.supersedeReason ? <p className="small">Supersedes an earlier decision: {d.supersedeReason}</p> : null}
              </li>
            ))}
          </ol>
        )}

        {errors.form || errors.shown ? (
          <div className="alert alert--error" role="alert" data-testid="decision-error">
            {errors.form ?? errors.shown}
          </div>
        ) : null}

        {current === null ? (
          <Form method="post" className="form card" aria-labelledby="decide-title">
            <h3 id="decide-title">Record a decision</h3>
            <input type="hidden" name="intent" value="decide" />
            <input type="hidden" name="shown" value={shown} />
            <OutcomeChoices name="decide" error={result?.intent === "decide" ? errors.outcome : undefined} warnings={warnings} />
            <EvidenceFields errors={errors} warnings={warnings} extension={extension} deadlineWord={words.deadline} />
            <label className="field">
              <span className="field__label">Note</span>
              <textarea name="note" rows={3} maxLength={2000} aria-invalid={Boolean(errors.note) || undefined} />
              {errors.note ? <span className="field__error">{errors.note}</span> : null}
            </label>
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? "Recording…" : "Record decision"}
            </button>
          </Form>
        ) : supervisor ? (
          <Form key={current.id} method="post" className="form card" aria-labelledby="supersede-title">
            <h3 id="supersede-title">Supersede the decision in force</h3>
            <input type="hidden" name="intent" value="supersede" />
            <input type="hidden" name="supersedes" value={current.id} />
            <input type="hidden" name="shown" value={shown} />
            <OutcomeChoices name="supersede" error={result?.intent === "supersede" ? errors.outcome : undefined} warnings={warnings} />
            <EvidenceFields errors={errors} warnings={warnings} extension={extension} deadlineWord={words.deadline} />
            <label className="field">
              <span className="field__label">Reason for superseding (required)</span>
              <textarea name="reason" rows={2} maxLength={2000} required aria-invalid={Boolean(errors.reason) || undefined} />
              {errors.reason ? <span className="field__error">{errors.reason}</span> : null}
            </label>
            <label className="field">
              <span className="field__label">Note</span>
              <textarea name="note" rows={2} maxLength={2000} />
            </label>
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? "Recording…" : "Supersede decision"}
            </button>
          </Form>
        ) : (
          <p className="muted small">A decision is in force. Only a supervisor can supersede it.</p>
        )}
      </section>
    </>
  );
}
