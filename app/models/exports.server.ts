// The one export pipeline: rows from an async source (a database cursor) streamed to the browser as
// CSV (csv-stringify) or XLSX (exceljs's streaming writer), pulled as fast as the client reads, so
// memory stays flat for any size. Text cells are neutralised against formula injection; every
// export is audited with its filters and row count when it ends.
import { PassThrough, Readable } from "node:stream";
import { stringify } from "csv-stringify/sync";
import ExcelJS from "exceljs";
import { neutraliseCell } from "../lib/spreadsheet";

export const EXPORT_FORMATS = ["csv", "xlsx"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export type CellValue = string | number | null;

export interface ExportColumn<R> {
  header: string;
  value(row: R): CellValue;
  /** How XLSX stores the cell: a real date (YYYY-MM-DD text in), a number, or text (default). */
  kind?: "text" | "number" | "date" | "timestamp";
  /** XLSX column width in characters. */
  width?: number;
}

export interface ExportOutcome {
  rows: number;
  /** False when the client went away or the source failed before the end. */
  completed: boolean;
}

export interface ExportRequest<R> {
  format: ExportFormat;
  /** File name without extension: `<organisation>-<what>-<YYYY-MM-DD>`. */
  filename: string;
  sheetName: string;
  columns: readonly ExportColumn<R>[];
  rows: AsyncIterable<R>;
  /** Called once, when the stream ends for any reason (audit goes here). */
  onFinish(outcome: ExportOutcome): Promise<void>;
}

/** Rows per read from the source before handing bytes on. */
const BATCH = 1_000;

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

export function exportFilename(orgCode: string, what: string, date = new Date()): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
  return `${safe(orgCode)}-${safe(what)}-${date.toISOString().slice(0, 10)}`;
}

/** A streamed file download of `rows` in the given format. */
export function exportResponse<R>(request: ExportRequest<R>): Response {
  const body = request.format === "csv" ? csvStream(request) : xlsxStream(request);
  return new Response(body, {
    headers: {
      "Content-Type": CONTENT_TYPES[request.format],
      "Content-Disposition": `attachment; filename="${request.filename}.${request.format}"`,
      "Cache-Control": "no-store",
      // X-Content-Type-Options: nosniff comes with every answer from scripts/server.ts (not repeated here).
    },
  });
}

function textCell(value: CellValue): CellValue {
  return typeof value === "string" ? neutraliseCell(value) : value;
}

/** Calls onFinish exactly once. */
function finisher<R>(request: ExportRequest<R>) {
  let done = false;
  return async (outcome: ExportOutcome) => {
    if (done) return;
    done = true;
    await request.onFinish(outcome);
  };
}

function csvStream<R>(request: ExportRequest<R>): ReadableStream<Uint8Array> {
  const iterator = request.rows[Symbol.asyncIterator]();
  const finish = finisher(request);
  let count = 0;
  let started = false;
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const batch: CellValue[][] = [];
          let ended = false;
          while (batch.length < BATCH) {
            const next = await iterator.next();
            if (next.done) {
              ended = true;
              break;
            }
            batch.push(request.columns.map((c) => textCell(c.value(next.value))));
          }
          count += batch.length;
          // A BOM so Excel reads the file as UTF-8 (names with diacritics); the header row first.
          const text = stringify(batch, {
            bom: !started,
            header: !started,
            columns: request.columns.map((c) => c.header),
          });
          started = true;
          if (text) controller.enqueue(encoder.encode(text));
          if (ended) {
            // Audited before the file ends: whoever holds the whole file can find its audit event.
            await finish({ rows: count, completed: true });
            controller.close();
          }
        } catch (error) {
          controller.error(error);
          await finish({ rows: count, completed: false });
        }
      },
      async cancel() {
        // The client went away: close the database cursor and record what was sent.
        await iterator.return?.();
        await finish({ rows: count, completed: false });
      },
    },
    { highWaterMark: 1 },
  );
}

function xlsxStream<R>(request: ExportRequest<R>): ReadableStream<Uint8Array> {
  const finish = finisher(request);
  const output = new PassThrough({ highWaterMark: 256 * 1024 });
  // After a cancel the zip may still try to write: that must not become an unhandled error.
  output.on("error", () => undefined);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: output,
    useStyles: true,
    useSharedStrings: false,
    zip: { zlib: { level: 1 } },
  });
  (workbook as unknown as { zip: NodeJS.EventEmitter }).zip.on("error", (error: Error) => output.destroy(error));
  const sheet = workbook.addWorksheet(request.sheetName.slice(0, 31), { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = request.columns.map((c, i) => ({
    key: `c${i}`,
    header: c.header,
    width: c.width ?? Math.max(10, Math.min(40, c.header.length + 4)),
    style: c.kind === "date" ? { numFmt: "yyyy-mm-dd" } : c.kind === "timestamp" ? { numFmt: "yyyy-mm-dd hh:mm" } : {},
  }));
  sheet.getRow(1).font = { bold: true };
  let count = 0;
  let cancelled = false;
  const iterator = request.rows[Symbol.asyncIterator]();

  const cell = (column: ExportColumn<R>, row: R): ExcelJS.CellValue => {
    const value = column.value(row);
    if (value === null) return null;
    if (column.kind === "date" && typeof value === "string") return new Date(`${value}T00:00:00Z`);
    if (column.kind === "timestamp" && typeof value === "string") return new Date(value);
    return textCell(value);
  };

  const produce = async () => {
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done || cancelled) break;
        sheet.addRow(request.columns.map((c) => cell(c, next.value))).commit();
        count++;
        // Hold back while the client has not taken what is already zipped.
        if (count % 500 === 0 && output.writableNeedDrain) {
          await new Promise<void>((resolve) => {
            const go = () => {
              output.off("drain", go);
              output.off("close", go);
              resolve();
            };
            output.on("drain", go);
            output.on("close", go);
          });
        }
      }
      if (cancelled) {
        await iterator.return?.();
        await finish({ rows: count, completed: false });
        return;
      }
      sheet.commit();
      await workbook.commit();
      await finish({ rows: count, completed: true });
    } catch (error) {
      await iterator.return?.().catch(() => undefined);
      output.destroy(error instanceof Error ? error : new Error(String(error)));
      await finish({ rows: count, completed: false });
    }
  };
  void produce();

  const web = Readable.toWeb(output) as ReadableStream<Uint8Array>;
  // Wrap so a client that goes away stops the producer (and closes the cursor).
  const reader = web.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel(reason) {
        cancelled = true;
        await reader.cancel(reason);
        output.destroy();
      },
    },
    { highWaterMark: 1 },
  );
}
