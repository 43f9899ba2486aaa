// "What the board knows of this licensee": the organization's licensee attributes on a renewal
// entry, each with its value ("Not known" when never supplied) and where it came from; the form a
// supervisor edits them with (per-field messages from the server); and the history of changes.
import { Form, Link } from "@remix-run/react";
import { DateTime } from "./DateTime";
import type { FieldErrors } from "~/lib/forms";
import { attributeDefinition, formatAttributeValue } from "../../domain/licensee-attributes";
import type { OrgWords } from "../../domain/org-words";

type Json = boolean | number | string | null;

export interface PanelAttribute {
  key: string;
  label: string;
  help: string;
  type: "boolean" | "text" | "percent" | "date";
  value: Json;
  source: "roster" | "staff" | null;
  updatedBy: string | null;
  updatedAt: string | null;
  uploadId: string | null;
}

export interface PanelChange {
  id: string;
  key: string;
  label: string;
  before: Json;
  after: Json;
  source: "roster" | "staff";
  uploadId: string | null;
  changedBy: string | null;
  changedAt: string;
  reason: string | null;
}

const fieldName = (key: string) => `attr.${key}`;

function shown(key: string, value: Json): string {
  const definition = attributeDefinition(key);
  return definition ? formatAttributeValue(definition, value) : value === null ? "Not known" : String(value);
}

/** The value as the form field holds it. */
function fieldValue(a: PanelAttribute): string {
  if (a.value === null) return "";
  if (a.type === "boolean") return a.value === true ? "yes" : "no";
  return String(a.value);
}

function SourceLine({ a }: { a: PanelAttribute }) {
  if (a.source === null) return null;
  if (a.source === "roster") {
    return (
      <span className="field__hint">
        From the roster{a.uploadId ? <> (<Link to={`/rosters/${a.uploadId}`}>upload</Link>)</> : null}
        {a.updatedAt ? <>, <DateTime value={a.updatedAt} /></> : ""}
      </span>
    );
  }
  return (
    <span className="field__hint">
      Set by {a.updatedBy ?? "a staff member"}
      {a.updatedAt ? <>, <DateTime value={a.updatedAt} /></> : ""}
    </span>
  );
}

function AttributeInput({ a, error }: { a: PanelAttribute; error?: string }) {
  const name = fieldName(a.key);
  const id = `field-${a.key}`;
  const describedBy = `${id}-help${error ? ` ${id}-error` : ""}`;
  const common = { id, name, defaultValue: fieldValue(a), "aria-invalid": Boolean(error) || undefined, "aria-describedby": describedBy };
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {a.label}
      </label>
      {a.type === "boolean" ? (
        <select {...common}>
          <option value="">Not known</option>
          <option value="yes">Yes</option>
          <option value="no">No</option>
        </select>
      ) : a.type === "date" ? (
        <input type="date" {...common} />
      ) : a.type === "percent" ? (
        <input type="text" inputMode="decimal" maxLength={7} placeholder="0 to 100" {...common} />
      ) : (
        <input type="text" maxLength={80} {...common} />
      )}
      <span className="field__hint" id={`${id}-help`}>
        {a.help} Leave empty when not known.
      </span>
      {error ? (
        <span className="field__error" id={`${id}-error`}>
          {error}
        </span>
      ) : null}
    </div>
  );
}

export function LicenseeAttributesPanel({
  attributes,
  history,
  words,
  canEdit,
  errors,
  saved,
  busy,
}: {
  attributes: PanelAttribute[];
  history: PanelChange[];
  words: OrgWords;
  canEdit: boolean;
  errors: FieldErrors;
  saved: string | null;
  busy: boolean;
}) {
  const failed = Object.keys(errors).length > 0;
  return (
    <section className="stack" aria-labelledby="attributes">
      <h2 id="attributes" className="section-title">
        What the board knows of this {words.person}
      </h2>
      {saved !== null ? (
        <div className="notice notice--ok" role="status" data-result data-testid="attributes-saved">
          {saved === "0" ? "Nothing changed: the values were already these." : `Saved: ${saved} ${saved === "1" ? "value" : "values"} changed. The requirement check below uses them.`}
        </div>
      ) : null}
      {errors.form ? (
        <div className="alert alert--error" role="alert" data-testid="attributes-error">
          {errors.form}
        </div>
      ) : null}
      {attributes.length === 0 ? (
        <p className="empty-state">Your organization keeps no {words.person} attributes.</p>
      ) : (
        <dl className="detail-grid" data-testid="attribute-values">
          {attributes.map((a) => (
            <div key={a.key} data-testid={`attribute-${a.key}`}>
              <dt>{a.label}</dt>
              <dd>
                {a.value === null ? <span className="badge badge--warn">Not known</span> : shown(a.key, a.value)}
                <br />
                <SourceLine a={a} />
              </dd>
            </div>
          ))}
        </dl>
      )}
      {canEdit && attributes.length > 0 ? (
        // Keyed by the history's length: a saved change closes the form (it shows the values now in force).
        <details className="disclosure" open={failed} key={history.length}>
          <summary>Change what the board knows</summary>
          <Form method="post" className="form card" aria-labelledby="attributes-form-title" data-testid="attributes-form">
            <h3 id="attributes-form-title">Change what the board knows of this {words.person}</h3>
            <p className="muted small">
              These facts belong to the {words.person}, not to this {words.cycle}: they carry over to later {words.cycles} and are replaced when a roster
              supplies another value.
            </p>
            <input type="hidden" name="intent" value="attributes" />
            <div className="form__row">
              {attributes.map((a) => (
                <AttributeInput key={a.key} a={a} error={errors[fieldName(a.key)]} />
              ))}
            </div>
            <label className="field">
              <span className="field__label">Reason (optional)</span>
              <textarea name="reason" rows={2} maxLength={2000} aria-invalid={Boolean(errors.reason) || undefined} placeholder="For example: DEA registration confirmed by phone" />
              {errors.reason ? <span className="field__error">{errors.reason}</span> : null}
            </label>
            <div className="form__actions">
              <button type="submit" className="button button--primary" disabled={busy}>
                {busy ? "Saving…" : "Save"}
              </button>
            </div>
          </Form>
        </details>
      ) : attributes.length > 0 ? (
        <p className="muted small">Only a supervisor can change these.</p>
      ) : null}
      <details className="disclosure" data-testid="attribute-history">
        <summary>History of changes ({history.length})</summary>
        {history.length === 0 ? (
          <p className="muted">No value has been supplied for this {words.person} yet.</p>
        ) : (
          <ol className="timeline">
            {history.map((c) => (
              <li key={c.id} className="timeline__item">
                <p>
                  <strong>{c.label}</strong>: {shown(c.key, c.before)} → {shown(c.key, c.after)}
                </p>
                <p className="small">
                  <DateTime value={c.changedAt} /> ·{" "}
                  {c.source === "roster" ? (
                    <>
                      from a roster upload{c.uploadId ? <> (<Link to={`/rosters/${c.uploadId}`}>see the upload</Link>)</> : null}
                      {c.changedBy ? ` by ${c.changedBy}` : ""}
                    </>
                  ) : (
                    `by ${c.changedBy ?? "a staff member"}`
                  )}
                </p>
                {c.reason ? <p className="small">Reason: {c.reason}</p> : null}
              </li>
            ))}
          </ol>
        )}
      </details>
    </section>
  );
}
