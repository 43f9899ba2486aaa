// The one grid: a TanStack Table over rows the server already filtered, sorted and paged. Sorting,
// paging and column visibility are links to the same URL with other params, so every state can be
// bookmarked, shared and reloaded, and works before (and without) hydration.
import { Link, useLocation, useNavigation } from "@remix-run/react";
import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type ColumnDef as TanStackColumnDef,
  type VisibilityState,
} from "@tanstack/react-table";
import { useMemo, type ReactNode } from "react";
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

export function DataTable<R>({ columns, visible, rows, rowId, cell, sort, caption, empty, cellClass = {} }: DataTableProps<R>) {
  const location = useLocation();
  const navigation = useNavigation();
  const params = new URLSearchParams(location.search);
  // Loading when a navigation to this same page (other filters, sort or page) is under way.
  const loading = navigation.state === "loading" && navigation.location?.pathname === location.pathname;

  const tableColumns = useMemo<TanStackColumnDef<R>[]>(
    () =>
      columns.map((column) => ({
        id: column.id,
        header: column.label,
        enableSorting: column.sortable,
        cell: (info) => cell(column.id, info.row.original),
        meta: column,
      })),
    [columns, cell],
  );
  const columnVisibility: VisibilityState = Object.fromEntries(columns.map((c) => [c.id, visible.includes(c.id)]));
  const table = useReactTable({
    data: rows,
    columns: tableColumns,
    getRowId: rowId,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualPagination: true,
    manualFiltering: true,
    state: { sorting: sort ? [sort] : [], columnVisibility },
  });

  return (
    <div className={loading ? "table-wrap is-loading" : "table-wrap"} aria-busy={loading}>
      <table className="data-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const def = header.column.columnDef.meta as ColumnDef<R>;
                const sorted = header.column.getIsSorted();
                const ariaSort = sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined;
                const nextDir = sorted ? (sorted === "asc" ? "desc" : "asc") : (def.firstDir ?? "asc");
                const label = flexRender(header.column.columnDef.header, header.getContext());
                return (
                  <th key={header.id} scope="col" aria-sort={ariaSort} className={def.align === "right" ? "num" : undefined}>
                    {def.sortable ? (
                      <Link
                        className="sort"
                        to={firstPage(params, { sort: def.id, dir: nextDir })}
                        preventScrollReset
                        aria-label={`${def.label}: sort ${nextDir === "asc" ? "ascending" : "descending"}`}
                      >
                        {label}
                        <span className="sort-icon" aria-hidden="true">
                          {sorted === "asc" ? "▲" : sorted === "desc" ? "▼" : "↕"}
                        </span>
                      </Link>
                    ) : (
                      label
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id}>
              {row.getVisibleCells().map((c) => {
                const def = c.column.columnDef.meta as ColumnDef<R>;
                const classes = [def.align === "right" ? "num" : "", cellClass[def.id] ?? ""].filter(Boolean).join(" ");
                return (
                  <td key={c.id} className={classes || undefined} data-col={def.id}>
                    {flexRender(c.column.columnDef.cell, c.getContext())}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <div className="empty-state">{empty}</div> : null}
    </div>
  );
}
