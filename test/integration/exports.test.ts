// Exports through the real HTTP app: the whole filtered result (not the page), the screen's columns
// in the screen's order, CSV and XLSX alike; formula-like text neutralised in both; every export
// in the audit log with its filters and row count.
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { CREDIT_COLUMNS, licenseeName } from "../../app/lib/credit-search";
import { visibleColumns } from "../../app/lib/grid";
import { get, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();
let caCookie: string;
let accmeCookie: string;
beforeAll(async () => {
  [caCookie, accmeCookie] = await Promise.all([signIn(app.server.baseUrl, "reviewer@ca-m.demo.test"), signIn(app.server.baseUrl, "reviewer@accme.demo.test")]);
});

async function download(path: string, cookie: string): Promise<{ response: Response; body: Buffer }> {
  const response = await get(app.server.baseUrl, path, cookie);
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

function csvRows(body: Buffer): string[][] {
  return parse(body.toString("utf8"), { bom: true, relax_column_count: false }) as string[][];
}

async function xlsxRows(body: Buffer): Promise<{ values: unknown[][]; formulas: number }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const values: unknown[][] = [];
  let formulas = 0;
  sheet.eachRow((row) => {
    const cells: unknown[] = [];
    row.eachCell({ includeEmpty: true }, (cell) => {
      if (cell.type === ExcelJS.ValueType.Formula) formulas++;
      // Text is written as inline strings (so OOXML's _xHHHH_ escapes are read back): their runs joined.
      const value = cell.value;
      cells.push(value !== null && typeof value === "object" && "richText" in value ? value.richText.map((r) => r.text).join("") : value);
    });
    values.push(cells);
  });
  return { values, formulas };
}

/** Rejected CA-M records completed 2023–2025, in the grid's default order (newest submission first). */
async function expectedRejected() {
  return (
    await sql<{ last_name: string; first_name: string; activity_id: string; completion_date: string; credits: string; rejection_reason: string }>`
      select l.last_name, l.first_name, cr.activity_id, cr.completion_date::text, cr.credits::text, cr.rejection_reason
      from learner.credit_report cr join learner.learner l on l.id = cr.learner_id
      where cr.board_code = 'CA-M' and cr.deleted_at is null and cr.status = 'rejected' and cr.completion_date between '2023-01-01' and '2025-12-31'
      order by cr.submitted_at desc, cr.id desc`.execute(app.database.owner)
  ).rows;
}

describe("credit search exports", () => {
  const filter = "status=rejected&completedFrom=2023-01-01&completedTo=2025-12-31";

  it("CSV: every matching row (more than a page), the screen's columns in order", async () => {
    const expected = await expectedRejected();
    expect(expected.length).toBeGreaterThan(25);
    const { response, body } = await download(`/credits/export?download=csv&${filter}`, caCookie);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(response.headers.get("content-disposition")).toMatch(/attachment; filename="CA-M-credit-reports-\d{4}-\d{2}-\d{2}\.csv"/);
    const [header, ...rows] = csvRows(body);
    const columns = visibleColumns(CREDIT_COLUMNS, [], [], false);
    expect(header).toEqual(columns.map((c) => c.label));
    const at = (label: string) => header!.indexOf(label);
    expect(rows.map((r) => [r[at("Licensee")], r[at("Activity id")], r[at("Completed")], Number(r[at("Credits")]), r[at("Status")]])).toEqual(
      expected.map((e) => [licenseeName({ firstName: e.first_name, lastName: e.last_name }).replace(/^([=+\-@])/, "'$1"), e.activity_id, e.completion_date, Number(e.credits), `Rejected: ${e.rejection_reason}`]),
    );
  });

  it("XLSX: the same rows and columns, dates as real dates", async () => {
    const expected = await expectedRejected();
    const { response, body } = await download(`/credits/export?download=xlsx&${filter}`, caCookie);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    const { values } = await xlsxRows(body);
    const [header, ...rows] = values;
    const columns = visibleColumns(CREDIT_COLUMNS, [], [], false);
    expect(header).toEqual(columns.map((c) => c.label));
    const at = (label: string) => (header as string[]).indexOf(label);
    expect(rows.length).toBe(expected.length);
    expect(rows.map((r) => [r[at("Activity id")], (r[at("Completed")] as Date).toISOString().slice(0, 10), r[at("Credits")]])).toEqual(
      expected.map((e) => [e.activity_id, e.completion_date, Number(e.credits)]),
    );
  });

  it("follows the columns the reviewer chose, in the screen's order", async () => {
    const { body } = await download(`/credits/export?download=csv&${filter}&hide=provider&hide=flags&show=npi&show=entry`, caCookie);
    const [header] = csvRows(body);
    expect(header).toEqual(visibleColumns(CREDIT_COLUMNS, ["provider", "flags"], ["npi", "entry"], false).map((c) => c.label));
    expect(header).toContain("NPI");
    expect(header).not.toContain("Provider");
  });

  it("writes every export to the audit log with its filters, format and row count", async () => {
    const before = Number((await sql<{ n: string }>`select count(*) as n from board.audit_event where action = 'export'`.execute(app.database.owner)).rows[0]!.n);
    const { body } = await download(`/credits/export?download=csv&${filter}`, caCookie);
    const rows = csvRows(body).length - 1;
    // The audit row is written when the stream ends, just after the last byte: wait for it.
    const exports = () => sql<{ target: string; detail: Record<string, unknown>; org_code: string }>`
      select target, detail, org_code from board.audit_event where action = 'export' order by id`.execute(app.database.owner);
    let events = (await exports()).rows;
    for (let i = 0; i < 50 && events.length === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      events = (await exports()).rows;
    }
    expect(events.length).toBe(before + 1);
    const event = events.at(-1);
    expect(event).toBeDefined();
    expect(event!.org_code).toBe("CA-M");
    expect(event!.target).toBe("credit-reports");
    expect(event!.detail).toMatchObject({ format: "csv", rows, completed: true, filters: { status: "rejected", completedFrom: "2023-01-01", completedTo: "2025-12-31" } });
  });
});

describe("formula injection", () => {
  /** Live records (any board) whose licensee, activity or provider text starts like a formula. */
  async function formulaRecords() {
    return (
      await sql<{ npi: string | null; activity_id: string; board_code: string }>`
        select l.npi, cr.activity_id, cr.board_code
        from learner.credit_report cr join learner.learner l on l.id = cr.learner_id join learner.activity a on a.id = cr.activity_id
        join learner.provider p on p.id = a.provider_id
        where cr.deleted_at is null and (l.last_name ~ '^[=+@-]' or a.title ~ '^[=+@-]' or p.name ~ '^[=+@-]')
        order by cr.id limit 400`.execute(app.database.owner)
    ).rows;
  }

  it("the seeded store has formula-like names, titles and providers to test with", async () => {
    const kinds = await sql<{ names: string; titles: string; providers: string }>`
      select (select count(*) from learner.learner where last_name ~ '^[=+@-]') as names,
             (select count(*) from learner.activity where title ~ '^[=+@-]') as titles,
             (select count(*) from learner.provider where name ~ '^[=+@-]') as providers`.execute(app.database.owner);
    const row = kinds.rows[0]!;
    expect(Number(row.names)).toBeGreaterThan(0);
    expect(Number(row.titles)).toBeGreaterThan(0);
    expect(Number(row.providers)).toBeGreaterThan(0);
  });

  it("CSV and XLSX never hold a cell that starts with =, +, -, @, tab or CR, and keep the text after a quote", async () => {
    const records = await formulaRecords();
    const activities = [...new Set(records.map((r) => r.activity_id))].slice(0, 20);
    let checked = 0;
    for (const activity of activities) {
      const path = `/credits/export?activity=${activity}&show=npi&show=format&show=entry`;
      const csv = csvRows((await download(`${path}&download=csv`, accmeCookie)).body);
      const xlsx = await xlsxRows((await download(`${path}&download=xlsx`, accmeCookie)).body);
      expect(xlsx.formulas).toBe(0);
      for (const cell of [...csv.flat(), ...xlsx.values.flat()]) {
        if (typeof cell !== "string") continue;
        expect(cell, `cell ${JSON.stringify(cell)}`).not.toMatch(/^[=+\-@\t\r]/);
        if (/^'[=+\-@]/.test(cell)) checked++;
      }
    }
    // The neutralised cells were really there (and still carry the original text).
    expect(checked).toBeGreaterThan(0);
  });
});
