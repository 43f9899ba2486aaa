// The rule editor's fields: cycle and its anchor, total, each requirement with its kind's fields,
// who it applies to, caps, notes and every value's source. Add, remove and reorder buttons are
// submit buttons (named "intent") handled by the page's action, so they work without JavaScript.
import type { ReactNode } from "react";
import { TextField } from "~/components/TextField";
import { ANCHOR_OPTIONS, DRAFT_LIMITS, type DraftAlternative, type DraftCondition, type DraftProvenance, type DraftRequirement, type DraftRule } from "~/lib/rule-form";
import { attributesOf } from "../../domain/licensee-attributes";
import { allowedCreditTypes } from "../../domain/requirement-rules";

type Errors = Record<string, string>;

function Select({ name, label, value, options, error, hint }: { name: string; label: string; value: string; options: Array<{ value: string; label: string }>; error?: string; hint?: string }) {
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      <select id={name} name={name} defaultValue={value} aria-invalid={error ? true : undefined} aria-describedby={error ? `${name}-error` : undefined}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {hint ? <p className="field__hint">{hint}</p> : null}
      {error ? (
        <p className="field__error" id={`${name}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

function FieldError({ name, errors }: { name: string; errors: Errors }) {
  return errors[name] ? (
    <p className="field__error" id={`${name}-error`}>
      {errors[name]}
    </p>
  ) : null;
}

function Provenance({ prefix, value, errors }: { prefix: string; value: DraftProvenance; errors: Errors }) {
  return (
    <div className="form__row">
      <TextField name={`${prefix}.provenance.source`} label="Source (statute, rule or board page)" defaultValue={value.source} error={errors[`${prefix}.provenance.source`]} />
      <div className="field">
        <span className="field__label">Confirmed?</span>
        <label className="check">
          <input type="checkbox" name={`${prefix}.provenance.assumed`} defaultChecked={value.assumed} /> Assumed (not confirmed in the source)
        </label>
      </div>
      <TextField name={`${prefix}.provenance.reason`} label="Why assumed" defaultValue={value.reason} error={errors[`${prefix}.provenance.reason`]} />
    </div>
  );
}

function IntentButton({ intent, children, label }: { intent: string; children: ReactNode; label?: string }) {
  return (
    <button type="submit" name="intent" value={intent} className="button button--secondary button--small" aria-label={label} formNoValidate>
      {children}
    </button>
  );
}

/** The conditions on the licensee's attributes (a requirement's "applies to", an alternative). */
function Conditions({ prefix, when, org, errors, removeIntent, owner }: { prefix: string; when: DraftCondition[]; org: string; errors: Errors; removeIntent: (j: number) => string; owner: string }) {
  const attributes = attributesOf(org);
  return (
    <>
      {when.map((c, j) => (
        <div className="form__row" key={j}>
          <Select
            name={`${prefix}.when.${j}.attribute`}
            label={`Condition ${j + 1}`}
            value={c.attribute}
            error={errors[`${prefix}.when.${j}.attribute`]}
            options={attributes.map((a) => ({ value: a.key, label: a.label }))}
          />
          <TextField name={`${prefix}.when.${j}.value`} label="Must be" defaultValue={c.value} error={errors[`${prefix}.when.${j}.value`]} placeholder="Yes, No, a list, or a percent" />
          <div className="field">
            <span className="field__label">&nbsp;</span>
            <IntentButton intent={removeIntent(j)} label={`Remove condition ${j + 1} of ${owner}`}>
              Remove condition
            </IntentButton>
          </div>
        </div>
      ))}
      <p className="field__hint">A yes-no fact must be Yes or No; a specialty, one or more separated by commas; a percent, the share it must be more than; a date, before the cycle starts.</p>
      <FieldError name={`${prefix}.when`} errors={errors} />
    </>
  );
}

function Requirement({ r, i, count, org, errors, people }: { r: DraftRequirement; i: number; count: number; org: string; errors: Errors; people: string }) {
  const p = `requirements.${i}`;
  const allowed = allowedCreditTypes(org);
  const title = r.kind === "share" ? "Share of the total" : r.kind === "subPeriods" ? "Some credit in every sub-period" : "Credit in topics or credit types";
  // Shown even when unticked, so ticking the box works without JavaScript.
  const applies = r.appliesTo ?? { label: "", whenUnknown: "applies", when: [] };
  return (
    <fieldset className="rule-group" data-testid={`requirement-${i}`}>
      <legend>
        Requirement {i + 1}: {title}
      </legend>
      <input type="hidden" name={`${p}.kind`} value={r.kind} />
      <div className="form__actions">
        {i > 0 ? <IntentButton intent={`up:${i}`} label={`Move requirement ${i + 1} up`}>Move up</IntentButton> : null}
        {i < count - 1 ? <IntentButton intent={`down:${i}`} label={`Move requirement ${i + 1} down`}>Move down</IntentButton> : null}
        <IntentButton intent={`remove:${i}`} label={`Remove requirement ${i + 1}`}>Remove</IntentButton>
      </div>
      <FieldError name={`${p}.kind`} errors={errors} />
      <div className="form__row">
        <TextField name={`${p}.id`} label="Short name (used in filters and exports)" defaultValue={r.id} error={errors[`${p}.id`]} />
        {r.kind === "subPeriods" ? (
          <>
            <TextField name={`${p}.minimum`} label="Minimum credits in each sub-period" inputMode="decimal" defaultValue={r.minimum} error={errors[`${p}.minimum`]} />
            <TextField name={`${p}.years`} label="Sub-period length (years)" inputMode="numeric" defaultValue={r.years} error={errors[`${p}.years`]} />
          </>
        ) : r.kind === "share" ? (
          <>
            <TextField name={`${p}.percent`} label="Percent" inputMode="numeric" defaultValue={r.percent} error={errors[`${p}.percent`]} />
            <Select
              name={`${p}.basis`}
              label="Percent of"
              value={r.basis}
              error={errors[`${p}.basis`]}
              options={[
                { value: "requiredTotal", label: "the required total" },
                { value: "countedTotal", label: "the credits counted in the cycle" },
              ]}
            />
          </>
        ) : (
          <>
            <TextField name={`${p}.minimum`} label="Minimum credits" inputMode="decimal" defaultValue={r.minimum} error={errors[`${p}.minimum`]} />
            <Select
              name={`${p}.period.kind`}
              label="Counted over"
              value={r.periodKind}
              error={errors[`${p}.period.kind`]}
              options={[
                { value: "cycle", label: "the cycle" },
                { value: "ever", label: "any date up to the cycle end (one-time)" },
                { value: "lastYears", label: "the last years of the cycle (give the years)" },
              ]}
            />
            <TextField name={`${p}.period.years`} label="Years (when counted over the last years)" inputMode="numeric" defaultValue={r.periodYears} error={errors[`${p}.period.years`]} />
          </>
        )}
      </div>
      <fieldset className="stack" aria-describedby={errors[`${p}.creditTypes`] ? `${p}.creditTypes-error` : undefined}>
        <legend className="field__label">
          Topics or credit types (several count together; a record counts its largest amount among them){r.kind === "subPeriods" ? ". None ticked: any credit counts" : ""}
        </legend>
        <div className="form__row" id={`${p}.creditTypes`} tabIndex={-1}>
          {allowed.map((type, t) => (
            <label className="check" key={type}>
              <input type="checkbox" name={`${p}.creditTypes.${t}`} defaultChecked={r.creditTypes.includes(type)} /> {type}
            </label>
          ))}
        </div>
        <FieldError name={`${p}.creditTypes`} errors={errors} />
      </fieldset>
      <fieldset className="stack">
        <legend className="field__label">Who it applies to</legend>
        <label className="check">
          <input type="checkbox" name={`${p}.appliesTo.enabled`} defaultChecked={r.appliesTo !== null} /> Only some {people} (otherwise everyone)
        </label>
        {applies ? (
          <>
            <div className="form__row">
              <TextField name={`${p}.appliesTo.label`} label="Applies to (in words)" defaultValue={applies.label} error={errors[`${p}.appliesTo.label`]} />
              <Select
                name={`${p}.appliesTo.whenUnknown`}
                label="When a fact is not known"
                value={applies.whenUnknown}
                error={errors[`${p}.appliesTo.whenUnknown`]}
                options={[
                  { value: "applies", label: "it applies" },
                  { value: "doesNotApply", label: "it does not apply" },
                ]}
              />
            </div>
            <Conditions prefix={`${p}.appliesTo`} when={applies.when} org={org} errors={errors} removeIntent={(j) => `remove-condition:${i}:${j}`} owner={`requirement ${i + 1}`} />
          </>
        ) : null}
        {(r.appliesTo?.when.length ?? 0) < DRAFT_LIMITS.conditions ? (
          <div>
            <IntentButton intent={`add-condition:${i}`} label={`Add a condition to requirement ${i + 1}`}>
              Add a condition
            </IntentButton>
          </div>
        ) : null}
      </fieldset>
      <TextField name={`${p}.note`} label="Note shown beside the result (optional)" defaultValue={r.note} error={errors[`${p}.note`]} />
      <Provenance prefix={p} value={r.provenance} errors={errors} />
    </fieldset>
  );
}

function Alternative({ a, k, org, errors }: { a: DraftAlternative; k: number; org: string; errors: Errors }) {
  const p = `alternatives.${k}`;
  return (
    <fieldset className="stack" data-testid={`alternative-${k}`}>
      <legend className="field__label">Alternative {k + 1}</legend>
      <div className="form__row">
        <TextField name={`${p}.id`} label="Short name" defaultValue={a.id} error={errors[`${p}.id`]} />
        <TextField name={`${p}.label`} label="Met by (in words)" defaultValue={a.label} error={errors[`${p}.label`]} />
        <div className="field">
          <span className="field__label">&nbsp;</span>
          <IntentButton intent={`remove-alternative:${k}`} label={`Remove alternative ${k + 1}`}>
            Remove alternative
          </IntentButton>
        </div>
      </div>
      <Conditions prefix={p} when={a.when} org={org} errors={errors} removeIntent={(j) => `remove-alternative-condition:${k}:${j}`} owner={`alternative ${k + 1}`} />
      {a.when.length < DRAFT_LIMITS.conditions ? (
        <div>
          <IntentButton intent={`add-alternative-condition:${k}`} label={`Add a condition to alternative ${k + 1}`}>
            Add a condition
          </IntentButton>
        </div>
      ) : null}
      <Provenance prefix={p} value={a.provenance} errors={errors} />
    </fieldset>
  );
}

export function RuleEditorFields({ draft, errors, people }: { draft: DraftRule; errors: Errors; people: string }) {
  const c = draft.cycle;
  return (
    <>
      <fieldset className="rule-group">
        <legend>Cycle</legend>
        <div className="form__row">
          <Select name="cycle.anchor" label="Cycle ends" value={c.anchor} options={ANCHOR_OPTIONS} error={errors["cycle.anchor"]} />
          <TextField name="cycle.years" label="Cycle length (years)" inputMode="numeric" defaultValue={c.years} error={errors["cycle.years"]} />
        </div>
        <fieldset className="stack">
          <legend className="field__label">For a cycle ending on a fixed month and day</legend>
          <div className="form__row">
            <TextField name="cycle.endMonth" label="End month (1–12)" inputMode="numeric" defaultValue={c.endMonth} error={errors["cycle.endMonth"]} />
            <TextField name="cycle.endDay" label="End day" inputMode="numeric" defaultValue={c.endDay} error={errors["cycle.endDay"]} />
            <TextField name="cycle.referenceEndYear" label="A year in which a cycle ends" inputMode="numeric" defaultValue={c.referenceEndYear} error={errors["cycle.referenceEndYear"]} />
          </div>
          {c.lastNameGroups.map((g, k) => (
            <div className="form__row" key={k}>
              <TextField name={`cycle.lastNameGroups.${k}.from`} label={`Last names from (group ${k + 1})`} defaultValue={g.from} maxLength={1} error={errors[`cycle.lastNameGroups.${k}.from`]} />
              <TextField name={`cycle.lastNameGroups.${k}.to`} label="to" defaultValue={g.to} maxLength={1} error={errors[`cycle.lastNameGroups.${k}.to`]} />
              <TextField
                name={`cycle.lastNameGroups.${k}.referenceEndYear`}
                label="A year their cycle ends"
                inputMode="numeric"
                defaultValue={g.referenceEndYear}
                error={errors[`cycle.lastNameGroups.${k}.referenceEndYear`]}
              />
              <div className="field">
                <span className="field__label">&nbsp;</span>
                <IntentButton intent={`remove-group:${k}`} label={`Remove last-name group ${k + 1}`}>
                  Remove group
                </IntentButton>
              </div>
            </div>
          ))}
          <FieldError name="cycle.lastNameGroups" errors={errors} />
          <div>
            <IntentButton intent="add-group">Add a last-name group</IntentButton>
          </div>
        </fieldset>
        <Provenance prefix="cycle" value={c.provenance} errors={errors} />
      </fieldset>

      <fieldset className="rule-group">
        <legend>Total</legend>
        <div className="form__row">
          <TextField name="creditLabel" label="Credit name (plural)" defaultValue={draft.creditLabel} error={errors.creditLabel} />
          <TextField name="total.minimum" label="Minimum per cycle" inputMode="decimal" defaultValue={draft.total.minimum} error={errors["total.minimum"]} />
        </div>
        <Provenance prefix="total" value={draft.total.provenance} errors={errors} />
        {attributesOf(draft.organisationCode).some((a) => a.key === "initialLicenseDate") ? (
          <fieldset className="stack">
            <legend className="field__label">For {people} first licensed during the cycle (leave empty to require the full total)</legend>
            <div className="form__row">
              <TextField
                name="total.proratePerYear.credits"
                label="Credits owed per licensed year"
                inputMode="decimal"
                defaultValue={draft.total.prorate.credits}
                error={errors["total.proratePerYear.credits"]}
              />
            </div>
            <Provenance prefix="total.proratePerYear" value={draft.total.prorate.provenance} errors={errors} />
          </fieldset>
        ) : null}
      </fieldset>

      {draft.requirements.map((r, i) => (
        <Requirement key={i} r={r} i={i} count={draft.requirements.length} org={draft.organisationCode} errors={errors} people={people} />
      ))}
      <FieldError name="requirements" errors={errors} />
      {draft.requirements.length < DRAFT_LIMITS.requirements ? (
        <div className="form__actions">
          <IntentButton intent="add:creditTypes">Add a topic or credit-type requirement</IntentButton>
          <IntentButton intent="add:share">Add a share-of-total requirement</IntentButton>
          <IntentButton intent="add:subPeriods">Add a some-credit-every-few-years requirement</IntentButton>
        </div>
      ) : null}

      <fieldset className="rule-group">
        <legend>Other ways to meet the requirement</legend>
        <p className="field__hint">When every condition holds, the check is met whatever the credit shows. A fact that is not known never meets it.</p>
        {draft.alternatives.map((a, k) => (
          <Alternative key={k} a={a} k={k} org={draft.organisationCode} errors={errors} />
        ))}
        {draft.alternatives.length < DRAFT_LIMITS.alternatives ? (
          <div>
            <IntentButton intent="add-alternative">Add another way to meet it</IntentButton>
          </div>
        ) : null}
      </fieldset>

      <fieldset className="rule-group">
        <legend>Caps (leave both empty for none)</legend>
        <div className="form__row">
          <TextField name="caps.perCalendarYear" label="At most per calendar year" inputMode="decimal" defaultValue={draft.caps.perCalendarYear} error={errors["caps.perCalendarYear"]} />
          <TextField name="caps.perDay" label="At most per day" inputMode="decimal" defaultValue={draft.caps.perDay} error={errors["caps.perDay"]} />
        </div>
        <Provenance prefix="caps" value={draft.caps.provenance} errors={errors} />
      </fieldset>

      <fieldset className="rule-group">
        <legend>Notes shown beside every result</legend>
        {draft.notes.map((n, k) => (
          <div className="form__row" key={k}>
            <TextField name={`notes.${k}`} label={`Note ${k + 1}`} defaultValue={n} error={errors[`notes.${k}`]} />
            <div className="field">
              <span className="field__label">&nbsp;</span>
              <IntentButton intent={`remove-note:${k}`} label={`Remove note ${k + 1}`}>
                Remove note
              </IntentButton>
            </div>
          </div>
        ))}
        {draft.notes.length < DRAFT_LIMITS.notes ? (
          <div>
            <IntentButton intent="add-note">Add a note</IntentButton>
          </div>
        ) : null}
      </fieldset>
    </>
  );
}
