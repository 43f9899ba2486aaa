// The one grid as every page shows it (credit search, an activity's learners, a licensee's records,
// activities, the renewal queue): the filters (a drawer on a phone), a summary of the filters that
// could not be used, the toolbar (count, columns, rows per page, export), the table and the pages.
// Data comes from loadGrid (app/models/grid.server.ts); all state is in the URL.
import { useLocation } from "@remix-run/react";
import { useEffect, useRef, type ReactNode } from "react";
import { DataTable } from "~/components/DataTable";
import { FilterPanel } from "~/components/FilterPanel";
import { ColumnPicker, columnParams, ExportMenu, PageSizeSelect, Pagination, ParamNotices, ResultCount, Toolbar } from "~/components/GridControls";
import type { ColumnDef } from "~/lib/grid";
import type { GridData } from "~/models/grid.server";

/** What a grid's loader hands the page: GridData, as JSON (its rows already serialized). */
export type GridView<R> = Omit<GridData<R>, "values" | "rememberKey"> & { rememberKey: string };

export interface GridSectionProps<R> {
  grid: GridView<R>;
  /** Every column the grid offers (board-level ones are dropped for single-board organizations). */
  columns: readonly ColumnDef<R>[];
  cell(columnId: string, row: R): ReactNode;
  rowId(row: R): string;
  caption: string;
  /** The results' heading (read by screen readers). */
  title: string;
  noun: [string, string];
  /** The export route; the current filters, sort and columns are added. */
  exportPath: string;
  /** The filter fields (inside the one filter form). */
  filters: ReactNode;
  /** Each filter's label, for the summary of filters that could not be used. */
  filterLabels: Record<string, string>;
  empty: ReactNode;
  cellClass?: Partial<Record<string, string>>;
  /** Shown between the toolbar and the table (a note about the list). */
  note?: ReactNode;
}

export function GridSection<R>({ grid, columns, cell, rowId, caption, title, noun, exportPath, filters, filterLabels, empty, cellClass, note }: GridSectionProps<R>) {
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  const offered = columns.filter((c) => !c.multiBoardOnly || grid.multiBoard);
  const exportHref = (format: "csv" | "xlsx") => {
    const query = new URLSearchParams(params);
    for (const key of ["after", "before", "page", "size", "hide", "show"] as const) query.delete(key);
    // The file has the columns on screen, remembered or not.
    const { hide, show } = columnParams(offered, grid.visible);
    for (const id of hide) query.append("hide", id);
    for (const id of show) query.append("show", id);
    query.set("download", format);
    return `${exportPath}?${query}`;
  };
  return (
    <div className="search-layout">
      <FilterPanel activeCount={grid.activeFilters} hasErrors={grid.refused}>
        {filters}
      </FilterPanel>
      <section aria-labelledby="results-title" className="grid-section">
        <h2 id="results-title" className="visually-hidden">
          {title}
        </h2>
        <ErrorSummary errors={grid.filterErrors} labels={filterLabels} />
        <Toolbar count={grid.refused ? <p className="results-toolbar__count" data-testid="result-refused">No results until the filters are corrected</p> : <ResultCount count={grid.count} noun={noun} />}>
          <ColumnPicker columns={offered} visible={grid.visible} rememberKey={grid.rememberKey} remembered={grid.remembered} />
          <PageSizeSelect size={grid.size} />
          {grid.refused ? null : <ExportMenu href={exportHref} />}
        </Toolbar>
        <ParamNotices messages={grid.notices} />
        {note}
        <DataTable<R>
          columns={offered}
          visible={grid.visible}
          rows={grid.rows}
          rowId={rowId}
          cell={cell}
          sort={grid.sort}
          caption={caption}
          cellClass={cellClass}
          empty={
            grid.refused ? (
              <>
                <h3>Nothing is listed until the filters can be used</h3>
                <p>Correct or clear the filters marked above, then apply the filters again.</p>
              </>
            ) : (
              empty
            )
          }
        />
        {grid.refused ? null : (
          <Pagination page={grid.page} pages={grid.count?.pages ?? null} total={grid.count?.value ?? 0} previous={grid.previous} next={grid.next} size={grid.size} shown={grid.rows.length} noun={noun} />
        )}
      </section>
    </div>
  );
}

/**
 * The filters that could not be used, each linking to its field. After a search loads with one, focus
 * moves here (so a keyboard or screen-reader user hears it first); it is announced as an alert.
 */
export function ErrorSummary({ errors, labels }: { errors: Record<string, string>; labels: Record<string, string> }) {
  const location = useLocation();
  const ref = useRef<HTMLDivElement>(null);
  const entries = Object.entries(errors);
  const any = entries.length > 0;
  useEffect(() => {
    if (!any) return;
    // After the layout's own focus handling (a parent's effect runs after this one).
    const frame = requestAnimationFrame(() => ref.current?.focus());
    return () => cancelAnimationFrame(frame);
  }, [any, location.key]);
  if (!any) return null;
  return (
    <div ref={ref} className="error-summary" role="alert" aria-labelledby="error-summary-title" tabIndex={-1} data-testid="error-summary">
      <h3 id="error-summary-title">
        {entries.length === 1 ? "One filter could not be used, so nothing is listed" : `${entries.length} filters could not be used, so nothing is listed`}
      </h3>
      <ul>
        {entries.map(([name, message]) => (
          <li key={name}>
            <a
              href={`#f-${name}`}
              onClick={(event) => {
                // Focus the field itself (a fragment link only scrolls to it); in the drawer, open it first.
                const field = document.getElementById(`f-${name}`);
                if (!field) return;
                event.preventDefault();
                const drawer = field.closest("details");
                if (drawer && !drawer.open) drawer.open = true;
                field.focus();
              }}
            >
              {labels[name] ?? name}: {message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
