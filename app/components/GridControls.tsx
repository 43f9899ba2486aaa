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
    <p className="results-toolbar__count" role="status" data-testid="result-count">
      {count === null ? `Counting ${noun[1]}…` : `${formatCount(count.value)} ${count.value === 1 ? noun[0] : noun[1]}`}
    </p>
  );
}

/** Show or hide columns: each box is a link-backed checkbox in a GET form (works without JS). */
export function ColumnPicker<R>({ columns, visible }: { columns: readonly ColumnDef<R>[]; visible: readonly string[] }) {
  const location = useLocation();
  const submit = useSubmit();
  const params = new URLSearchParams(location.search);
  const toggled = (column: ColumnDef<R>, on: boolean) => {
    const hide = params.getAll("hide").filter((id) => id !== column.id);
    const show = params.getAll("show").filter((id) => id !== column.id);
    if (column.hiddenByDefault && on) show.push(column.id);
    if (!column.hiddenByDefault && !on) hide.push(column.id);
    return withParams(params, { hide, show });
  };
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

export function Pagination({ page, previous, next, size, shown }: { page: number; previous: string | null; next: string | null; size: number; shown: number }) {
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  const from = (page - 1) * size + 1;
  return (
    <nav className="pagination" aria-label="Pages">
      <span className="muted small">
        {shown === 0 ? "No rows" : `Rows ${from.toLocaleString("en-US")}–${(from + shown - 1).toLocaleString("en-US")}`} · page {page}
      </span>
      <span className="pagination__links">
        {page > 1 ? (
          <Link to={firstPage(params)} preventScrollReset>
            First
          </Link>
        ) : (
          <span aria-disabled="true">First</span>
        )}
        {previous ? (
          <Link to={withParams(params, { after: null, before: previous, page: String(Math.max(1, page - 1)) })} preventScrollReset rel="prev">
            Previous
          </Link>
        ) : (
          <span aria-disabled="true">Previous</span>
        )}
        {next ? (
          <Link to={withParams(params, { before: null, after: next, page: String(page + 1) })} preventScrollReset rel="next">
            Next
          </Link>
        ) : (
          <span aria-disabled="true">Next</span>
        )}
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
