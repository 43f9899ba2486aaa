// The one table of every grid, over rows the server already filtered, sorted and paged. Sorting is a
// link to the same URL with other params, so every state can be bookmarked and works without JS.
// Columns of priority 3 (detail) sit in each row's "More" panel (a <details>), so the decisive
// columns fit a 1366 px screen; on a phone each row is a stack of "label: value" lines.
import { Link, useLocation, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import { firstPage, type ColumnDef } from "~/lib/grid";

export interface DataTableProps<R> {
  /** Every column of the table, in order; `visible` says which are shown. */
  columns: readonly ColumnDef<R>[];
  visible: readonly string[];
  rows: R[];
  rowId(row: R): string;
  cell(columnId: string, row: R): ReactNode;
  sort: { id: string; desc: boolean } | null;
  caption: string;
  empty: ReactNode;
  /** Extra class for cells of a column (e.g. "wrap" for long text). */
  cellClass?: Partial<Record<string, string>>;
}

/** The visible columns split into the table's own and the "More" panel's (priority 3). */
export function splitColumns<R>(columns: readonly ColumnDef<R>[], visible: readonly string[]): { main: ColumnDef<R>[]; more: ColumnDef<R>[] } {
  const shown = visible.map((id) => columns.find((c) => c.id === id)).filter((c): c is ColumnDef<R> => c !== undefined);
  return { main: shown.filter((c) => c.priority !== 3), more: shown.filter((c) => c.priority === 3) };
}

export function DataTable<R>({ columns, visible, rows, rowId, cell, sort, caption, empty, cellClass = {} }: DataTableProps<R>) {
  const location = useLocation();
  const navigation = useNavigation();
  const params = new URLSearchParams(location.search);
  // Loading when a navigation to this same page (other filters, sort or page) is under way.
  const loading = navigation.state === "loading" && navigation.location?.pathname === location.pathname;
  const { main, more } = splitColumns(columns, visible);

  const header = (def: ColumnDef<R>) => {
    const sorted = sort?.id === def.id ? (sort.desc ? "desc" : "asc") : null;
    const ariaSort = sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined;
    const nextDir = sorted ? (sorted === "asc" ? "desc" : "asc") : (def.firstDir ?? "asc");
    const classes = [def.align === "right" ? "num" : "", def.width ? `col--${def.width}` : "", def.priority === 1 ? "col--key" : ""].filter(Boolean).join(" ");
    return (
      <th key={def.id} scope="col" aria-sort={ariaSort} className={classes || undefined} data-col={def.id}>
        {def.sortable ? (
          <Link
            className="sort"
            to={firstPage(params, { sort: def.id, dir: nextDir })}
            preventScrollReset
            aria-label={`${def.label}: sort ${nextDir === "asc" ? "ascending" : "descending"}`}
          >
            {def.label}
            <span className="sort-icon" aria-hidden="true">
              {sorted === "asc" ? "▲" : sorted === "desc" ? "▼" : "↕"}
            </span>
          </Link>
        ) : (
          def.label
        )}
      </th>
    );
  };

  return (
    <div
      className={loading ? "table-wrap is-loading" : "table-wrap"}
      aria-busy={loading}
      // A table that must scroll sideways (many columns asked for) can be scrolled from the keyboard.
      role="region"
      aria-label={caption}
      tabIndex={0}
      data-testid="table-wrap"
    >
      <table className="data-table data-table--grid">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {main.map(header)}
            {more.length ? (
              <th scope="col" className="col--more">
                <span className="visually-hidden">More details</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowId(row)}>
              {main.map((def) => {
                const classes = [def.align === "right" ? "num" : "", def.width ? `col--${def.width}` : "", def.priority === 1 ? "col--key" : "", cellClass[def.id] ?? ""]
                  .filter(Boolean)
                  .join(" ");
                return (
                  <td key={def.id} className={classes || undefined} data-col={def.id} data-label={def.label}>
                    {cell(def.id, row)}
                  </td>
                );
              })}
              {more.length ? (
                <td className="col--more" data-label="More">
                  <details className="row-more">
                    <summary>More</summary>
                    <dl>
                      {more.map((def) => (
                        <div key={def.id} data-col={def.id}>
                          <dt>{def.label}</dt>
                          <dd>{cell(def.id, row)}</dd>
                        </div>
                      ))}
                    </dl>
                  </details>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <div className="empty-state">{empty}</div> : null}
    </div>
  );
}
