// What an export's audit counts as sent, read straight from the response body: the test takes some
// pieces of the body (exactly the bytes "handed to the response"), then cancels it as the server does
// for a stalled client, and compares the outcome's rows with the rows those bytes really hold. For
// XLSX that means unzipping the part of the file taken: rows committed to the sheet but still in the
// zip's or the output's buffers were not sent, and must not be counted.
import { createHash } from "node:crypto";
import zlib from "node:zlib";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ExportGate, type ExportOutcome, type ExportServices } from "../../app/models/export-limits.server";
import { exportResponse, type ExportFormat } from "../../app/models/exports.server";

interface Row {
  n: number;
  text: string;
}

/** Rows of 2,000 hex characters that differ everywhere (about half compressible): many MB in all. */
async function* rows(count: number): AsyncGenerator<Row> {
  for (let n = 1; n <= count; n++) {
    let text = "";
    for (let i = 0; text.length < 2_000; i++) text += createHash("sha256").update(`${n}:${i}`).digest("hex");
    yield { n, text };
  }
}

/** Data rows whose XML is complete in the sheet entry of a (possibly cut) XLSX. */
function rowsInPartialXlsx(bytes: Buffer): number {
  const name = "xl/worksheets/sheet1.xml";
  let offset = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  for (;;) {
    expect(offset).toBeGreaterThanOrEqual(0);
    const nameLength = bytes.readUInt16LE(offset + 26);
    const extraLength = bytes.readUInt16LE(offset + 28);
    const entry = bytes.subarray(offset + 30, offset + 30 + nameLength).toString("utf8");
    const start = offset + 30 + nameLength + extraLength;
    if (entry === name) {
      const xml = zlib.inflateRawSync(bytes.subarray(start), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString("utf8");
      // The header row is row 1.
      return Math.max(0, (xml.match(/<\/row>/g) ?? []).length - 1);
    }
    offset = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]), start);
  }
}

function rowsInPartialCsv(bytes: Buffer): number {
  // Every row ends with a line break (the hex text holds none); the header is the first line.
  return Math.max(0, bytes.toString("utf8").split("\n").length - 1 - 1);
}

async function takeThenStall(format: ExportFormat, pieces: number): Promise<{ taken: Buffer[]; outcome: ExportOutcome }> {
  const gate = new ExportGate();
  const services = { exports: { db: null as never, gate } satisfies ExportServices, logger: pino({ level: "silent" }) };
  let outcome: ExportOutcome | null = null;
  const response = exportResponse<Row>({ services, userId: "u1", method: "GET" }, {
    format,
    filename: "test",
    sheetName: "Rows",
    timeZone: "America/Los_Angeles",
    columns: [
      { header: "N", value: (r) => r.n, kind: "number" },
      { header: "Text", value: (r) => r.text },
    ],
    rows: rows(20_000),
    readsDatabase: false,
    onFinish: async (o) => {
      outcome = o;
    },
  });
  const reader = response.body!.getReader();
  const taken: Buffer[] = [];
  while (taken.length < pieces) {
    const { done, value } = await reader.read();
    expect(done).toBe(false);
    taken.push(Buffer.from(value!));
  }
  // The client stops reading; the server cuts the body as it does after the stall timeout.
  const finished = new Promise((resolve) => gate.once("finished", resolve));
  await reader.cancel(Object.assign(new Error("stalled"), { code: "EXPORT_STALLED" }));
  await finished;
  return { taken, outcome: outcome! };
}

describe("an export cut short audits only the rows in the bytes handed to the response", () => {
  it.each(["csv", "xlsx"] as const)("%s", async (format) => {
    const { taken, outcome } = await takeThenStall(format, 20);
    // Every read but the last is known taken (the body is asked for the next piece only after the
    // response has taken the last); the last piece read may not have been.
    const rowsIn = (bytes: Buffer) => (format === "csv" ? rowsInPartialCsv(bytes) : rowsInPartialXlsx(bytes));
    const known = rowsIn(Buffer.concat(taken.slice(0, -1)));
    expect(outcome).toMatchObject({ completed: false, aborted: "stalled" });
    expect(known).toBeGreaterThan(0);
    if (format === "csv") expect(outcome.rows).toBe(known);
    // A row counts once the next one has begun arriving, so the last whole one may not yet.
    else {
      expect([known - 1, known]).toContain(outcome.rows);
      // Rows were committed to the sheet that never left the server (in the zip's buffers).
      expect(outcome.rowsWritten).toBeGreaterThan(rowsIn(Buffer.concat(taken)));
    }
  });
});
