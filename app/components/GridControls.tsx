// The controls around a grid: the result count, columns, rows per page, export, paging and the
// notices for parameters that could not be used. All are links or GET forms over the URL state.
import { Form, Link, useLocation, useSubmit } from "@remix-run/react";
import type { ReactNode } from "react";
import { formatCount } from "~/lib/format";
import { firstPage, PAGE_SIZES, withParams, type ColumnDef } from "~/lib/grid";

/** An exact count, or null while it is still being counted (never an estimate). */
export type Count = { value: number; exact: true } | null;

export function ResultCount({ count, noun }: { count: Count; noun: [string, string] }) {
  return (
    <p className="results-toolbar__count" role="status" data-result data-testid="result-count">
      {count === null ? `Counting ${noun[1]}…` : `${formatCount(count.value)} ${count.value === 1 ? noun[0] : noun[1]}`}
    </p>
  );
}

/** The hide / show parameters that give exactly `visible` (from the defaults). */
export function columnParams<R>(columns: readonly ColumnDef<R>[], visible: readonly string[]): { hide: string[]; show: string[] } {
  return {
    hide: columns.filter((c) => !c.hiddenByDefault && !visible.includes(c.id)).map((c) => c.id),
    show: columns.filter((c) => c.hiddenByDefault && visible.includes(c.id)).map((c) => c.id),
  };
}

/**
 * Show or hide columns: a GET form of checkboxes (with JS each change applies at once), and a form
 * that remembers the shown columns for this user (the URL's choice wins when it has one).
 */
export function ColumnPicker<R>({ columns, visible, rememberKey, remembered }: {
  columns: readonly ColumnDef<R>[];
  visible: readonly string[];
  /** The grid's remembered-columns key; without it nothing is remembered. */
  rememberKey?: string;
  /** The columns shown are the user's remembered choice. */
  remembered?: boolean;
}) {
  const location = useLocation();
  const submit = useSubmit();
  const params = new URLSearchParams(location.search);
  const toggled = (column: ColumnDef<R>, on: boolean) => {
    const next = on ? [...visible, column.id] : visible.filter((id) => id !== column.id);
    return withParams(params, columnParams(columns, next));
  };
  const current = columnParams(columns, visible);
  const back = `${location.pathname}${withParams(params, { hide: null, show: null })}`;
  return (
    <details className="menu">
      <summary className="button button--secondary button--small">Columns</summary>
      <div className="menu__panel">
        <Form method="get" preventScrollReset>
          <fieldset className="filter-group">
            <legend>Show columns</legend>
            {columns.map((column) => {
              const on = visible.includes(column.id);
              return (
                <label className="check" key={column.id}>
                  <input
                    type="checkbox"
                    checked={on}
                    onChange={() => submit(new URLSearchParams(toggled(column, !on).slice(1)), { method: "get", preventScrollReset: true, replace: true })}
                  />
                  {column.label}
                </label>
              );
            })}
          </fieldset>
        </Form>
        {rememberKey ? (
          <Form method="post" action="/preferences/columns" className="menu__remember">
            <input type="hidden" name="grid" value={rememberKey} />
            <input type="hidden" name="redirectTo" value={back} />
            <input type="hidden" name="hide" value={current.hide.join(",")} />
            <input type="hidden" name="show" value={current.show.join(",")} />
            <button type="submit" name="intent" value="save" className="button button--secondary button--small" data-testid="remember-columns">
              Remember these columns
            </button>
            {remembered ? (
              <button type="submit" name="intent" value="forget" className="button button--link button--small">
                Back to the usual columns
              </button>
            ) : null}
          </Form>
        ) : null}
      </div>
    </details>
  );
}

export function PageSizeSelect({ size }: { size: number }) {
  const location = useLocation();
  const submit = useSubmit();
  const params = new URLSearchParams(location.search);
  return (
    <label className="inline-field">
      Rows per page
      <select
        value={size}
        onChange={(event) => submit(new URLSearchParams(firstPage(params, { size: event.target.value }).slice(1)), { method: "get", preventScrollReset: true })}
      >
        {PAGE_SIZES.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}

/** CSV and XLSX of the whole filtered result, same columns and order as the screen. */
export function ExportMenu({ href, rows = "all matching rows", label = "Export", testId = "export-menu" }: {
  href: (format: "csv" | "xlsx") => string;
  /** What the file holds, after the format's name. */
  rows?: string;
  /** The button's accessible name (several menus on one page name their table). */
  label?: string;
  testId?: string;
}) {
  return (
    <details className="menu">
      <summary className="button button--secondary button--small" aria-label={label === "Export" ? undefined : label}>
        Export
      </summary>
      <div className="menu__panel" data-testid={testId}>
        <a href={href("csv")} download>
          CSV ({rows})
        </a>
        <a href={href("xlsx")} download>
          Excel .xlsx ({rows})
        </a>
      </div>
    </details>
  );
}

/**
 * First / previous / next / last over keyset pages, with "Page x of y · N records". "Last" reads the
 * final page backwards from the end; it is offered when the count is exact.
 */
export function Pagination({ page, pages, total, previous, next, size, shown, noun = ["record", "records"], lastLink = true }: {
  page: number;
  /** Pages in all (null when the count is not exact). */
  pages: number | null;
  total: number;
  previous: string | null;
  next: string | null;
  size: number;
  shown: number;
  noun?: [string, string];
  /** Whether the list can open its last page (`page=last`). */
  lastLink?: boolean;
}) {
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  const from = (page - 1) * size + 1;
  const onLast = pages !== null && page >= pages;
  const link = (to: string, label: string, enabled: boolean, rel?: string) =>
    enabled ? (
      <Link to={to} preventScrollReset rel={rel} data-testid={`page-${label.toLowerCase()}`}>
        {label}
      </Link>
    ) : (
      <span aria-disabled="true">{label}</span>
    );
  return (
    <nav className="pagination" aria-label="Pages">
      <span className="pagination__status" data-testid="page-status">
        {pages !== null ? `Page ${formatCount(page)} of ${formatCount(pages)}` : `Page ${formatCount(page)}`} ·{" "}
        {pages !== null ? `${formatCount(total)} ${total === 1 ? noun[0] : noun[1]}` : `counting ${noun[1]}…`}
        {shown > 0 ? (
          <span className="muted">
            {" "}
            · Rows {formatCount(from)}–{formatCount(from + shown - 1)}
          </span>
        ) : null}
      </span>
      <span className="pagination__links">
        {link(firstPage(params), "First", page > 1 || previous !== null)}
        {link(withParams(params, { after: null, before: previous, page: String(Math.max(1, page - 1)) }), "Previous", previous !== null, "prev")}
        {link(withParams(params, { before: null, after: next, page: String(page + 1) }), "Next", next !== null, "next")}
        {lastLink ? link(firstPage(params, { page: "last" }), "Last", pages !== null && !onLast && pages > 1) : null}
      </span>
    </nav>
  );
}

/** Messages about parameters that could not be used (bad page, sort, size or link). */
export function ParamNotices({ messages }: { messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <div className="notice notice--warn" role="alert">
      {messages.length === 1 ? messages[0] : (
        <>
          Some of the address could not be used:
          <ul>
            {messages.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export function Toolbar({ children, count }: { children: ReactNode; count: ReactNode }) {
  return (
    <div className="results-toolbar">
      {count}
      <div className="results-toolbar__tools">{children}</div>
    </div>
  );
}
