// The filter panel of a grid: a GET form, so filters are URL state (bookmark, share, back button).
// Each field shows its own message when its value could not be used. On a phone the panel is a
// drawer (a <details>, so it opens without JS too); on a wide screen it is always open beside the grid.
import { Form, Link, useLocation } from "@remix-run/react";
import { useEffect, useState, type ReactNode } from "react";

/** View parameters that survive a filter change (the page and cursor do not). */
const KEPT = ["sort", "dir", "size", "hide", "show"] as const;

/** Below this width the filters fold into a drawer (app/styles: the same breakpoint). */
const DRAWER_QUERY = "(max-width: 1000px)";

export function FilterPanel({ title = "Filters", children, activeCount, hasErrors = false }: { title?: string; children: ReactNode; activeCount: number; hasErrors?: boolean }) {
  const location = useLocation();
  // Open as served (it works without JS); on a narrow screen, once hydrated, folded unless a filter needs fixing.
  const [open, setOpen] = useState(true);
  useEffect(() => {
    if (window.matchMedia(DRAWER_QUERY).matches && !hasErrors) setOpen(false);
    else setOpen(true);
  }, [hasErrors, location.key]);
  const params = new URLSearchParams(location.search);
  const kept = new URLSearchParams();
  for (const key of KEPT) for (const value of params.getAll(key)) kept.append(key, value);
  const clear = kept.toString() ? `?${kept}` : location.pathname;
  return (
    <details
      className="filter-drawer"
      open={open}
      onToggle={(event) => setOpen((event.currentTarget as HTMLDetailsElement).open)}
      data-testid="filter-drawer"
    >
      <summary className="filter-drawer__toggle button button--secondary">
        {title}
        {activeCount > 0 ? ` (${activeCount} active)` : ""}
      </summary>
      <aside className="filter-panel" aria-labelledby="filters-title">
        {/* Keyed by the URL so the fields show its values again after any navigation (clear, back). */}
        <Form key={location.search} method="get" preventScrollReset role="search" aria-labelledby="filters-title">
          <h2 id="filters-title">
            {title}
            {activeCount > 0 ? <span className="badge badge--neutral" style={{ marginLeft: "0.5rem" }}>{activeCount} active</span> : null}
          </h2>
          {[...kept].map(([key, value], i) => (
            <input key={`${key}-${i}`} type="hidden" name={key} value={value} />
          ))}
          {children}
          <div className="filter-panel__actions">
            <button type="submit" className="button button--primary button--small">
              Apply filters
            </button>
            <Link to={clear} preventScrollReset data-testid="clear-filters">
              Clear all filters
            </Link>
          </div>
        </Form>
      </aside>
    </details>
  );
}

function describedBy(name: string, error?: string, hint?: string) {
  const ids = [error ? `${name}-error` : "", hint ? `${name}-hint` : ""].filter(Boolean).join(" ");
  return ids || undefined;
}

function Messages({ name, error, hint }: { name: string; error?: string; hint?: string }) {
  return (
    <>
      {hint ? (
        <p className="filter-hint" id={`${name}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="filter-error" id={`${name}-error`} data-testid={`error-${name}`}>
          {error}
        </p>
      ) : null}
    </>
  );
}

export function TextFilter({ name, label, value, error, hint, placeholder, inputMode }: {
  name: string;
  label: string;
  value: string;
  error?: string;
  hint?: string;
  placeholder?: string;
  inputMode?: "numeric" | "text";
}) {
  return (
    <div className="filter-group">
      <label className="filter-label" htmlFor={`f-${name}`}>
        {label}
      </label>
      <input
        id={`f-${name}`}
        type="text"
        name={name}
        defaultValue={value}
        placeholder={placeholder}
        inputMode={inputMode}
        autoComplete="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(name, error, hint)}
      />
      <Messages name={name} error={error} hint={hint} />
    </div>
  );
}

export function SelectFilter({ name, label, value, options, error, anyLabel = "Any" }: {
  name: string;
  label: string;
  value: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  error?: string;
  anyLabel?: string;
}) {
  return (
    <div className="filter-group">
      <label className="filter-label" htmlFor={`f-${name}`}>
        {label}
      </label>
      <select id={`f-${name}`} name={name} defaultValue={value} aria-invalid={error ? true : undefined} aria-describedby={describedBy(name, error)}>
        <option value="">{anyLabel}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Messages name={name} error={error} />
    </div>
  );
}

export function CheckboxFilter({ name, legend, values, options, error }: {
  name: string;
  legend: string;
  values: readonly string[];
  options: ReadonlyArray<{ value: string; label: string }>;
  error?: string;
}) {
  return (
    <fieldset className="filter-group" id={`f-${name}`} tabIndex={-1} aria-describedby={describedBy(name, error)}>
      <legend>{legend}</legend>
      {options.map((o) => (
        <label className="check" key={o.value}>
          <input type="checkbox" name={name} value={o.value} defaultChecked={values.includes(o.value)} />
          {o.label}
        </label>
      ))}
      <Messages name={name} error={error} />
    </fieldset>
  );
}

export function DateRangeFilter({ legend, from, to, error }: {
  legend: string;
  from: { name: string; value: string; error?: string };
  to: { name: string; value: string; error?: string };
  error?: string;
}) {
  // Each end's message says which end it is about (the fieldset's legend names the field).
  const messages = [from.error && `From: ${from.error}`, to.error && `To: ${to.error}`, error].filter(Boolean) as string[];
  const errorName = `${from.name}-range`;
  return (
    <fieldset className="filter-group" aria-describedby={messages.length ? `${errorName}-error` : undefined}>
      <legend>{legend}</legend>
      <div className="filter-row">
        <div>
          <label htmlFor={`f-${from.name}`}>From</label>
          <input id={`f-${from.name}`} type="date" name={from.name} defaultValue={from.value} aria-invalid={from.error || error ? true : undefined} />
        </div>
        <div>
          <label htmlFor={`f-${to.name}`}>To</label>
          <input id={`f-${to.name}`} type="date" name={to.name} defaultValue={to.value} aria-invalid={to.error || error ? true : undefined} />
        </div>
      </div>
      {messages.length ? (
        <p className="filter-error" id={`${errorName}-error`} data-testid={`error-${from.name}`}>
          {messages.join(" ")}
        </p>
      ) : null}
    </fieldset>
  );
}

export function ToggleFilter({ name, label, checked, error, hint }: { name: string; label: string; checked: boolean; error?: string; hint?: string }) {
  return (
    <div className="filter-group">
      <label className="check">
        <input id={`f-${name}`} type="checkbox" name={name} value="1" defaultChecked={checked} aria-describedby={describedBy(name, error, hint)} />
        {label}
      </label>
      <Messages name={name} error={error} hint={hint} />
    </div>
  );
}
