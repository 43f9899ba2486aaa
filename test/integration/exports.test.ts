// Exports through the real HTTP app: the whole filtered result (not the page), the screen's columns
// in the screen's order, CSV and XLSX alike; formula-like text neutralised in both; every export
// in the audit log with its filters and row count.
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { CREDIT_COLUMNS, licenseeName } from "../../app/lib/credit-search";
import { creditExportColumns, exportedCreditTypes } from "../../app/models/credit-grid.server";
import { SHEET_NAME_MAX } from "../../app/models/exports.server";
import { MOC_CREDIT_TYPES, STATE_TOPICS } from "../../domain/reference";
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

/** A California file's header: the screen's columns, the credit types one column each, times naming the zone. */
function caFileHeader(columns: Parameters<typeof creditExportColumns>[0]): string[] {
  return creditExportColumns(columns, exportedCreditTypes("CA-M")).map((c) => (c.kind === "timestamp" ? `${c.header} (Pacific Time)` : c.header));
}

describe("credit search exports", () => {
  const filter = "status=rejected&completedFrom=2023-01-01&completedTo=2025-12-31";

  it("CSV: every matching row (more than a page), the screen's columns in order", async () => {
    const expected = await expectedRejected();
    expect(expected.length).toBeGreaterThan(25);
    const { response, body } = await download(`/credits/export?download=csv&${filter}`, caCookie);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    // The organization, what, the filter and the completion range, and California's day it was produced.
    const day = (await sql<{ d: string }>`select (now() at time zone 'America/Los_Angeles')::date::text as d`.execute(app.database.owner)).rows[0]!.d;
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="CA-M_credit-reports_status-rejected_2023-01-01_to_2025-12-31_produced-${day}.csv"`);
    const [header, ...rows] = csvRows(body);
    expect(header).toEqual(caFileHeader(visibleColumns(CREDIT_COLUMNS, [], [], false)));
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
    expect(header).toEqual(caFileHeader(visibleColumns(CREDIT_COLUMNS, [], [], false)));
    const at = (label: string) => (header as string[]).indexOf(label);
    expect(rows.length).toBe(expected.length);
    expect(rows.map((r) => [r[at("Activity id")], (r[at("Completed")] as Date).toISOString().slice(0, 10), r[at("Credits")]])).toEqual(
      expected.map((e) => [e.activity_id, e.completion_date, Number(e.credits)]),
    );
  });

  it("follows the columns the reviewer chose, in the screen's order", async () => {
    const { body } = await download(`/credits/export?download=csv&${filter}&hide=provider&hide=flags&show=npi&show=entry`, caCookie);
    const [header] = csvRows(body);
    expect(header).toEqual(caFileHeader(visibleColumns(CREDIT_COLUMNS, ["provider", "flags"], ["npi", "entry"], false)));
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

/** The workbook's one sheet, as Excel would open it. */
async function openSheet(body: Buffer): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ArrayBuffer);
  expect(workbook.worksheets).toHaveLength(1);
  return workbook.worksheets[0]!;
}

/** Excel's column letters for a 1-based column number. */
function columnLetters(n: number): string {
  let letters = "";
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) letters = String.fromCharCode(65 + ((k - 1) % 26)) + letters;
  return letters;
}

/** What every sheet of every export carries: a whole-word name, a frozen header row, an autofilter over all rows. */
function expectAnalysable(sheet: ExcelJS.Worksheet, name: string) {
  expect(sheet.name).toBe(name);
  expect(sheet.name.length).toBeLessThanOrEqual(SHEET_NAME_MAX);
  expect(sheet.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
  expect(sheet.autoFilter).toBe(`A1:${columnLetters(sheet.getRow(1).cellCount)}${sheet.rowCount}`);
}

function headerOf(sheet: ExcelJS.Worksheet): string[] {
  const header: string[] = [];
  sheet.getRow(1).eachCell((cell) => header.push(String(cell.value)));
  return header;
}

const text = (value: ExcelJS.CellValue) => (value !== null && typeof value === "object" && "richText" in value ? value.richText.map((r) => r.text).join("") : value);

describe("exports for analysis", () => {
  let abimCookie: string;
  beforeAll(async () => {
    abimCookie = await signIn(app.server.baseUrl, "reviewer@abim.demo.test");
  });

  it("XLSX of the credit search: one numeric column per credit type with plain SQL's amounts, times in the board's zone, named sheet, frozen header, autofilter", async () => {
    const filter = "creditType=Patient+Safety&completedFrom=2024-01-01&completedTo=2024-12-31";
    const expected = (
      await sql<{ activity_id: string; credits: string; types: Record<string, number>; wall: string }>`
        select cr.activity_id, cr.credits::text, cr.credit_types as types,
               to_char(cr.submitted_at at time zone 'America/New_York', 'YYYY-MM-DD"T"HH24:MI:SS') as wall
        from learner.credit_report cr
        where cr.board_code = 'ABIM' and cr.deleted_at is null and cr.credit_types ? 'Patient Safety' and cr.completion_date between '2024-01-01' and '2024-12-31'
        order by cr.submitted_at desc, cr.id desc`.execute(app.database.owner)
    ).rows;
    expect(expected.length).toBeGreaterThan(25);
    const { response, body } = await download(`/credits/export?download=xlsx&${filter}`, abimCookie);
    expect(response.status).toBe(200);
    const day = (await sql<{ d: string }>`select (now() at time zone 'America/New_York')::date::text as d`.execute(app.database.owner)).rows[0]!.d;
    expect(response.headers.get("content-disposition")).toBe(
      `attachment; filename="ABIM_credit-reports_creditType-Patient-Safety_2024-01-01_to_2024-12-31_produced-${day}.xlsx"`,
    );
    const sheet = await openSheet(body);
    expectAnalysable(sheet, "Credit reports");
    const header = headerOf(sheet);
    expect(header).not.toContain("Topics / credit types");
    // ABIM's own credit types, each a column, where the text cell was.
    const types = MOC_CREDIT_TYPES.ABIM!;
    expect(header.slice(header.indexOf("Credits") + 1, header.indexOf("Credits") + 1 + types.length)).toEqual([...types]);
    expect(header).toContain("Submitted (Eastern Time)");
    expect(sheet.rowCount - 1).toBe(expected.length);
    const at = (label: string) => header.indexOf(label) + 1;
    for (let i = 0; i < expected.length; i++) {
      const row = sheet.getRow(i + 2);
      const want = expected[i]!;
      expect(text(row.getCell(at("Activity id")).value)).toBe(want.activity_id);
      expect(row.getCell(at("Credits")).type).toBe(ExcelJS.ValueType.Number);
      expect(row.getCell(at("Credits")).value).toBe(Number(want.credits));
      for (const type of types) {
        const cell = row.getCell(at(type));
        if (want.types[type] === undefined) expect(cell.value ?? null).toBeNull();
        else {
          expect(cell.type, type).toBe(ExcelJS.ValueType.Number);
          expect(cell.value).toBe(Number(want.types[type]));
        }
      }
      // The wall-clock time in New York, as a real date-time cell.
      const submitted = row.getCell(at("Submitted (Eastern Time)"));
      expect(submitted.type).toBe(ExcelJS.ValueType.Date);
      expect((submitted.value as Date).toISOString().slice(0, 19)).toBe(want.wall);
    }
  });

  it("CSV of the credit search: times as ISO 8601 with California's offset (PST or PDT), the zone in the header, one column per topic", async () => {
    const filter = "creditType=Pain+Management&completedFrom=2024-01-01&completedTo=2024-12-31";
    const expected = (
      await sql<{ wall: string; offset_minutes: number; types: Record<string, number> }>`
        select to_char(cr.submitted_at at time zone 'America/Los_Angeles', 'YYYY-MM-DD"T"HH24:MI:SS') as wall,
               (extract(epoch from (cr.submitted_at at time zone 'America/Los_Angeles') - (cr.submitted_at at time zone 'UTC')) / 60)::int as offset_minutes,
               cr.credit_types as types
        from learner.credit_report cr
        where cr.board_code = 'CA-M' and cr.deleted_at is null and cr.credit_types ? 'Pain Management' and cr.completion_date between '2024-01-01' and '2024-12-31'
        order by cr.submitted_at desc, cr.id desc`.execute(app.database.owner)
    ).rows;
    expect(expected.length).toBeGreaterThan(25);
    // Records from both halves of the year: standard and daylight time.
    expect(new Set(expected.map((e) => e.offset_minutes))).toEqual(new Set([-480, -420]));
    const { body } = await download(`/credits/export?download=csv&${filter}`, caCookie);
    const [header, ...rows] = csvRows(body);
    expect(header).toContain("Submitted (Pacific Time)");
    for (const topic of STATE_TOPICS) expect(header).toContain(topic);
    const at = (label: string) => header!.indexOf(label);
    const offset = (m: number) => `${m < 0 ? "-" : "+"}${String(Math.floor(Math.abs(m) / 60)).padStart(2, "0")}:${String(Math.abs(m) % 60).padStart(2, "0")}`;
    expect(rows.map((r) => r[at("Submitted (Pacific Time)")])).toEqual(expected.map((e) => `${e.wall}${offset(e.offset_minutes)}`));
    expect(rows.map((r) => r[at("Pain Management")])).toEqual(expected.map((e) => String(e.types["Pain Management"])));
    expect(rows.map((r) => r[at("Implicit Bias")])).toEqual(expected.map((e) => (e.types["Implicit Bias"] === undefined ? "" : String(e.types["Implicit Bias"]))));
  });

  it("XLSX of the renewal queue: progress as numbers (counted, required, share met) equal to the stored figures", async () => {
    await app.server.statuses.idle();
    const from = "2020-01-01";
    const to = "2035-12-31";
    const { response, body } = await download(`/renewals/export?download=xlsx&endFrom=${from}&endTo=${to}`, caCookie);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="CA-M_renewals_${from}_to_${to}_produced-\\d{4}-\\d{2}-\\d{2}\\.xlsx"$`));
    const sheet = await openSheet(body);
    expectAnalysable(sheet, "Renewals");
    const header = headerOf(sheet);
    expect(header).not.toContain("Progress");
    const at = (label: string) => header.indexOf(label) + 1;
    const stored = new Map(
      (
        await sql<{ roster_key: string; cycle_end: string; counted: string | null; required: string | null }>`
          select roster_key, cycle_end::text, credits_counted::text as counted, credits_required::text as required
          from board.roster_entry where org_code = 'CA-M' and retired_at is null and cycle_end between ${from}::date and ${to}::date`.execute(app.database.owner)
      ).rows.map((r) => [`${r.roster_key}|${r.cycle_end}`, r]),
    );
    expect(sheet.rowCount - 1).toBe(stored.size);
    let shares = 0;
    for (let i = 2; i <= sheet.rowCount; i++) {
      const row = sheet.getRow(i);
      const key = `${text(row.getCell(at("License number")).value)}|${(row.getCell(at("Renewal date")).value as Date).toISOString().slice(0, 10)}`;
      const want = stored.get(key)!;
      expect(want, key).toBeDefined();
      const counted = row.getCell(at("Counted (credits)"));
      const required = row.getCell(at("Required (credits)"));
      const share = row.getCell(at("Share of requirement met"));
      expect(counted.value ?? null).toBe(want.counted === null ? null : Number(want.counted));
      expect(required.value ?? null).toBe(want.required === null ? null : Number(want.required));
      if (want.counted !== null && want.required !== null && Number(want.required) > 0) {
        shares++;
        expect(share.type).toBe(ExcelJS.ValueType.Number);
        expect(share.value).toBe(Math.round(Math.min(1, Number(want.counted) / Number(want.required)) * 10_000) / 10_000);
        expect(share.numFmt).toBe("0.00%");
      }
    }
    expect(shares).toBeGreaterThan(10);
  });

  it("the compliance report's tables as XLSX too, shares in percent to two places", async () => {
    await app.server.statuses.idle();
    for (const [table, sheetName] of [["months", "Cohort by month of cycle end"], ["shortfall", "How far short"], ["requirements", "By requirement"]] as const) {
      const { response, body } = await download(`/reports/compliance/export?table=${table}&download=xlsx`, caCookie);
      expect(response.status, table).toBe(200);
      expect(response.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="CA-M_compliance-${table}_\\d{4}-\\d{2}-\\d{2}_to_\\d{4}-\\d{2}-\\d{2}_produced-\\d{4}-\\d{2}-\\d{2}\\.xlsx"$`));
      const sheet = await openSheet(body);
      expectAnalysable(sheet, sheetName);
    }
    const { body } = await download("/reports/compliance/export?table=months&download=csv", caCookie);
    const [header, ...rows] = csvRows(body);
    const share = header!.indexOf("Share meeting (%)");
    expect(share).toBeGreaterThan(0);
    expect(rows.some((r) => r[share] !== "")).toBe(true);
    // The share in percent to two places, as the share of the row's own counts says.
    const meet = header!.indexOf("Meet");
    const placed = (r: string[]) => Number(r[meet]) + Number(r[header!.indexOf("Short at cycle end")]) + Number(r[header!.indexOf("Not yet met (cycle open)")]) + Number(r[header!.indexOf("Needs review")]);
    for (const r of rows) {
      if (r[share] === "") continue;
      expect(r[share]).toMatch(/^\d{1,3}(\.\d{1,2})?$/);
      expect(Number(r[share])).toBeCloseTo((100 * Number(r[meet])) / placed(r), 2);
    }
  });

  it("every report table's XLSX: a whole-word sheet name within 31 characters, frozen header, autofilter", async () => {
    expect((await app.server.analytics.syncNow()).outcome).toBe("succeeded");
    const tables: Record<string, string[]> = {
      volume: ["monthly", "entry-methods", "formats"],
      rejections: ["monthly", "reasons", "providers"],
      timeliness: ["monthly", "lag", "providers"],
      "credit-mix": ["types", "monthly"],
    };
    const names: string[] = [];
    for (const [report, ids] of Object.entries(tables)) {
      for (const id of ids) {
        const { response, body } = await download(`/reports/${report}/export?table=${id}&download=xlsx`, accmeCookie);
        expect(response.status, `${report} ${id}`).toBe(200);
        const workbook = new ExcelJS.Workbook();
        await workbook.xlsx.load(body as unknown as ArrayBuffer);
        const sheet = workbook.worksheets[0]!;
        expectAnalysable(sheet, sheet.name);
        names.push(sheet.name);
      }
    }
    // Names chosen to fit, not cut: none ends in a joining word or a cut one.
    for (const name of names) expect(name).not.toMatch(/\b(and|by|per|of|to|from|the)$|[,(-]$/);
    expect(names).toContain("On-time share per month");
    expect(new Set(names).size).toBeGreaterThan(5);
  });
});
