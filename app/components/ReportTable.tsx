// A report's numbers as an accessible table: caption, column headers, the first column as row
// headers, totals in a footer; the same rows the chart draws and the CSV export holds.
import { Link } from "@remix-run/react";
import type { ReactNode } from "react";
import { formatCount, formatCredits } from "~/lib/format";
import { monthLabel, type ReportColumn, type ReportRow, type ReportTable } from "~/lib/reports";

function formatValue(column: ReportColumn, row: ReportRow): ReactNode {
  const value = row[column.key] ?? null;
  if (value === null) return <span className="muted">—</span>;
  switch (column.kind) {
    case "count":
      return typeof value === "number" ? formatCount(value) : value;
    case "percent":
      return typeof value === "number" ? `${(value * 100).toFixed(1)}%` : value;
    case "credits":
      return typeof value === "number" ? formatCredits(value) : value;
    case "days":
      return typeof value === "number" ? value.toFixed(1) : value;
    case "month":
      return /^\d{4}-\d{2}$/.test(String(value)) ? monthLabel(String(value)) : value;
    case "code":
      return <span className="mono">{value}</span>;
    default:
      return value;
  }
}

/** A cell as the page shows it; a drill-down cell links to the credit search for those records. */
export function formatReportCell(column: ReportColumn, row: ReportRow): ReactNode {
  const text = formatValue(column, row);
  const href = column.linkKey ? row[column.linkKey] : null;
  if (typeof href !== "string") return text;
  return (
    <Link to={href} className="drill" data-drill={column.key}>
      {text}
      <span className="visually-hidden">
        {" "}
        {column.linkLabel ?? column.label}
        {row.provider ? ` of ${String(row.provider)}` : ""}: open in the credit search
      </span>
      <span aria-hidden="true" className="drill__arrow">
        {" "}
        →
      </span>
    </Link>
  );
}

const numeric = (column: ReportColumn) => ["count", "percent", "credits", "days"].includes(column.kind);
const cellClass = (column: ReportColumn) => (numeric(column) ? "num" : column.kind === "text" ? "wrap" : undefined);

export function ReportTableView({ table, testId }: { table: ReportTable; testId?: string }) {
  const [first, ...rest] = table.columns;
  if (!first) return null;
  const cell = (column: ReportColumn, row: ReportRow) => (
    <td key={column.key} className={cellClass(column)} data-col={column.key} data-value={typeof row[column.key] === "number" ? String(row[column.key]) : undefined}>
      {formatReportCell(column, row)}
    </td>
  );
  return (
    // A table wider or longer than its box scrolls: focusable, so a keyboard can scroll it too.
    <div className="table-wrap report-table" tabIndex={0} role="region" aria-label={table.title}>
      <table className="data-table" data-testid={testId}>
        <caption className="visually-hidden">{table.title}</caption>
        <thead>
          <tr>
            {table.columns.map((c) => (
              <th key={c.key} scope="col" className={numeric(c) ? "num" : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, i) => (
            <tr key={i} data-row={String(row[first.key] ?? i)}>
              <th scope="row" className={cellClass(first)} data-col={first.key}>
                {formatReportCell(first, row)}
              </th>
              {rest.map((c) => cell(c, row))}
            </tr>
          ))}
        </tbody>
        {table.total ? (
          <tfoot>
            <tr data-row="total">
              <th scope="row">{formatReportCell(first, table.total)}</th>
              {rest.map((c) => cell(c, table.total!))}
            </tr>
          </tfoot>
        ) : null}
      </table>
      {table.rows.length === 0 ? <div className="empty-state empty-state--flush">Nothing to show for these filters.</div> : null}
    </div>
  );
}
