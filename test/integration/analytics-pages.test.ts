// The report pages, exports, dashboard and sync history through the real HTTP app: every report
// renders with "data as of", its charts' tables and the right totals; a board's reports, drill-downs
// and exports hold its own records only and another board's are 404; every report parameter's bad
// value gets a message beside its field (never a 500) and refuses an export; exports are the page's
// table, formula-safe and audited; before the first snapshot, pages say they are being prepared.
import { parse } from "csv-parse/sync";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDateTime } from "../../app/lib/format";
import { exportHeader, monthStart, REPORTS } from "../../app/lib/reports";
import { createTestDatabase } from "../support/database";
import { rejectionsReference, timelinessReference, volumeReference, creditMixReference } from "../support/reports-reference";
import { get, setUpSeededApp, signIn, startTestServer, type TestServer } from "../support/server";

const app = setUpSeededApp();
let owner: pg.Client;
let ca: string;
let abim: string;
let accme: string;
let caAdmin: string;
let accmeAdmin: string;

beforeAll(async () => {
  owner = new pg.Client({ connectionString: app.database.url });
  await owner.connect();
  const sign = (email: string) => signIn(app.server.baseUrl, email);
  [ca, abim, accme, caAdmin, accmeAdmin] = await Promise.all([
    sign("reviewer@ca-m.demo.test"),
    sign("reviewer@abim.demo.test"),
    sign("reviewer@accme.demo.test"),
    sign("admin@ca-m.demo.test"),
    sign("admin@accme.demo.test"),
  ]);
});
afterAll(async () => {
  await owner?.end();
});

async function page(path: string, cookie: string): Promise<{ status: number; html: string }> {
  const response = await get(app.server.baseUrl, path, cookie);
  return { status: response.status, html: await response.text() };
}

/** A figure shown with data-testid (stat cards). */
function figure(html: string, testId: string): string {
  const match = html.match(new RegExp(`data-testid="${testId}"[^>]*>([^<]*)<`));
  if (!match) throw new Error(`no ${testId} on the page`);
  return match[1]!;
}
const count = (text: string) => Number(text.replace(/,/g, ""));

const today = new Date().toISOString().slice(0, 10);
const defaultRange = { from: monthStart(today, 11), to: today };

function csv(body: string): string[][] {
  return parse(body, { bom: true }) as string[][];
}

describe("every report page", () => {
  for (const report of REPORTS) {
    it(`${report.title}: renders for a state board, a certifying board and ACCME with data as of, charts' tables and exports`, async () => {
      for (const cookie of [ca, abim, accme]) {
        const { status, html } = await page(`/reports/${report.id}`, cookie);
        expect(status).toBe(200);
        expect(html).toContain('data-testid="data-as-of"');
        expect(html).toMatch(/Data as of <time dateTime="\d{4}-\d{2}-\d{2}T/);
        expect(html).toContain(`<h1>${report.title}</h1>`);
        // Each section: its chart's frame, its table, its export menu.
        const sections = [...html.matchAll(/data-testid="section-([a-z-]+)"/g)].map((m) => m[1]);
        expect(sections.length).toBeGreaterThanOrEqual(2);
        for (const id of sections) {
          expect(html).toContain(`data-testid="table-${id}"`);
          expect(html).toContain(`data-testid="export-${id}"`);
          expect(html).toContain(`data-testid="chart-${id}"`);
        }
      }
    });
  }

  it("shows each organisation totals of its own scope only (timeliness, volume, rejections)", async () => {
    for (const [cookie, boards] of [[ca, ["CA-M"]], [abim, ["ABIM"]], [accme, null]] as const) {
      const f = { boards, ...defaultRange, minRecords: 25 };
      const [timeliness, volume, rejections] = await Promise.all([timelinessReference(owner, f), volumeReference(owner, f), rejectionsReference(owner, f)]);
      const t = await page("/reports/timeliness", cookie);
      expect(count(figure(t.html, "stat-records"))).toBe(timeliness.totals.records);
      expect(count(figure(t.html, "stat-late"))).toBe(timeliness.totals.late);
      const v = await page("/reports/volume", cookie);
      expect(count(figure(v.html, "stat-records"))).toBe(volume.totals.records);
      expect(count(figure(v.html, "stat-providers"))).toBe(volume.totals.providers);
      const r = await page("/reports/rejections", cookie);
      expect(count(figure(r.html, "stat-rejected"))).toBe(rejections.monthly.reduce((a, m) => a + m.rejected, 0));
    }
  });

  it("a filter changes the numbers: one format, a narrower range", async () => {
    const f = { boards: ["CA-M"], from: "2024-01-01", to: "2024-06-30", formats: ["Enduring Material"], minRecords: 25 };
    const expected = await volumeReference(owner, f);
    const { html } = await page(`/reports/volume?submittedFrom=2024-01-01&submittedTo=2024-06-30&format=Enduring+Material`, ca);
    expect(count(figure(html, "stat-records"))).toBe(expected.totals.records);
    expect(html.match(/data-row="(\d{4}-\d{2})"/g)?.length).toBeGreaterThanOrEqual(6);
    expect(html).toContain('data-row="2024-01"');
    expect(html).not.toContain('data-row="2024-07"');
  });
});

describe("scope", () => {
  it("a CA-M reviewer's reports and exports hold CA-M records only; naming another board is 404", async () => {
    for (const report of REPORTS) {
      expect((await page(`/reports/${report.id}?board=ABIM`, ca)).status).toBe(404);
      expect((await page(`/reports/${report.id}/export?table=monthly&board=ABIM`, ca)).status).toBe(404);
      // Naming one's own board is the same as not naming it.
      expect((await page(`/reports/${report.id}?board=CA-M`, ca)).status).toBe(200);
    }
    const caOnly = await volumeReference(owner, { boards: ["CA-M"], ...defaultRange, minRecords: 25 });
    const all = await volumeReference(owner, { boards: null, ...defaultRange, minRecords: 25 });
    expect(all.totals.records).toBeGreaterThan(caOnly.totals.records);
    const exported = csv(await (await get(app.server.baseUrl, "/reports/volume/export?table=monthly", ca)).text());
    const total = exported.find((row) => row[0] === "All months")!;
    expect(Number(total[exported[0]!.indexOf("Records")])).toBe(caOnly.totals.records);
  });

  it("a provider that reports only to other boards shows nothing to CA-M, not even its name", async () => {
    // A provider whose records all go to ABIM.
    const other = { provider_id: "9999902", name: "Only Internal Medicine Provider" };
    await owner.query(`insert into learner.provider (id, name) values ($1, $2)`, [other.provider_id, other.name]);
    await owner.query(`insert into learner.activity (id, provider_id, title, format, start_date, end_date, max_cme_credits)
                       values ('999999902', $1, 'ABIM only', 'Course', current_date - 200, current_date - 100, 10)`, [other.provider_id]);
    await owner.query(`insert into learner.credit_report (activity_id, learner_id, board_code, completion_date, submitted_at, entry_method, status, credits)
                       select '999999902', learner_id, 'ABIM', current_date - 150, now() - interval '2 days', 'manual', 'accepted', 1
                       from learner.credit_report where board_code = 'ABIM' and deleted_at is null order by id limit 12`);
    expect((await app.server.analytics.syncNow()).outcome).toBe("succeeded");
    const { status, html } = await page(`/reports/timeliness?provider=${other.provider_id}&submittedFrom=2018-01-01`, ca);
    expect(status).toBe(200);
    expect(count(figure(html, "stat-records"))).toBe(0);
    expect(html).not.toContain(other.name.replace(/&/g, "&amp;"));
    const forAccme = await page(`/reports/timeliness?provider=${other.provider_id}&submittedFrom=2018-01-01`, accme);
    expect(count(figure(forAccme.html, "stat-records"))).toBeGreaterThan(0);
  });

  it("a provider's row drills to its late records in the credit search: the same count, the board's own records", async () => {
    const f = { boards: ["CA-M"], ...defaultRange, minRecords: 25 };
    const expected = await timelinessReference(owner, f);
    const top = expected.providers.find((p) => p.late > 0)!;
    const { html } = await page("/reports/timeliness", ca);
    const href = html.match(new RegExp(`href="(/credits\\?[^"]*provider=${top.id}[^"]*)"`))?.[1]?.replace(/&amp;/g, "&");
    expect(href).toBeDefined();
    const params = new URL(href!, "http://x").searchParams;
    expect(Object.fromEntries(params)).toMatchObject({ provider: top.id, late: "1", submittedFrom: defaultRange.from, submittedTo: defaultRange.to });
    expect(params.has("board")).toBe(false);
    const search = await page(href!, ca);
    expect(search.status).toBe(200);
    expect(search.html).toMatch(new RegExp(`data-testid="result-count"[^>]*>${top.late.toLocaleString("en-US")} credit report`));
  });

  it("a page's figures are computed once per snapshot and scope: another organisation's cached page is never served, a new snapshot's records appear", async () => {
    // A range no other test asks for, so the first answer below is the one that is kept.
    const range = { from: "2023-02-01", to: today };
    const path = `/reports/volume?submittedFrom=${range.from}`;
    const [allBoards, caBefore] = await Promise.all([
      volumeReference(owner, { boards: null, ...range, minRecords: 25 }),
      volumeReference(owner, { boards: ["CA-M"], ...range, minRecords: 25 }),
    ]);
    expect(allBoards.totals.records).toBeGreaterThan(caBefore.totals.records);
    // ACCME first: the page for every board is kept; CA-M asks for the same address next.
    expect(count(figure((await page(path, accme)).html, "stat-records"))).toBe(allBoards.totals.records);
    expect(count(figure((await page(path, ca)).html, "stat-records"))).toBe(caBefore.totals.records);
    expect(count(figure((await page(path, ca)).html, "stat-records"))).toBe(caBefore.totals.records);

    await owner.query(`insert into learner.credit_report (activity_id, learner_id, board_code, completion_date, submitted_at, entry_method, status, credits)
                       select activity_id, learner_id, 'CA-M', current_date - 20, now() - interval '3 days', 'manual', 'accepted', 1
                       from learner.credit_report where board_code = 'CA-M' and deleted_at is null order by id limit 7`);
    expect((await app.server.analytics.syncNow()).outcome).toBe("succeeded");
    const caAfter = await volumeReference(owner, { boards: ["CA-M"], ...range, minRecords: 25 });
    expect(caAfter.totals.records).toBe(caBefore.totals.records + 7);
    expect(count(figure((await page(path, ca)).html, "stat-records"))).toBe(caAfter.totals.records);
  });

  it("ACCME's board filter narrows every report to that board", async () => {
    const expected = await timelinessReference(owner, { boards: ["MD-M"], ...defaultRange, minRecords: 25 });
    const { html } = await page("/reports/timeliness?board=MD-M", accme);
    expect(count(figure(html, "stat-records"))).toBe(expected.totals.records);
  });

  it("the sync history is for administrators, counted within their own scope", async () => {
    expect((await page("/admin/analytics", ca)).status).toBe(403);
    const caPage = await page("/admin/analytics", caAdmin);
    expect(caPage.status).toBe(200);
    const history = await app.server.analytics.history();
    const last = history.find((h) => h.outcome === "succeeded")!;
    expect(caPage.html).toContain('data-testid="sync-history"');
    expect(caPage.html).toContain(last.rowsByBoard!["CA-M"]!.toLocaleString("en-US"));
    expect(caPage.html).not.toContain(last.rowsTotal!.toLocaleString("en-US"));
    const accmePage = await page("/admin/analytics", accmeAdmin);
    expect(accmePage.html).toContain(last.rowsTotal!.toLocaleString("en-US"));
  });
});

describe("bad report parameters get a message beside the field, never a 500, and no export", () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ["submittedFrom", "submittedFrom=2024-13-45", "submittedFrom", /real date/],
    ["submittedTo", "submittedTo=yesterday", "submittedFrom", /real date/],
    ["submittedFrom after submittedTo", "submittedFrom=2025-06-01&submittedTo=2025-01-01", "submittedFrom", /start date is after the end date/],
    ["a range over ten years", "submittedFrom=2000-01-01&submittedTo=2025-12-31", "submittedFrom", /at most 10 years/],
    ["submittedFrom twice", "submittedFrom=2025-01-01&submittedFrom=2025-02-01", "submittedFrom", /once/],
    ["provider (no letters or digits)", "provider=%21%21%21", "provider", /7-digit provider id or words/],
    ["provider (too long)", `provider=${"a".repeat(101)}`, "provider", /at most 100 characters/],
    ["format", "format=Podcast", "format", /listed activity format/],
    ["board (ACCME, not a board code)", "board=%3Cscript%3E", "board", /listed board/],
    ["minRecords (zero)", "minRecords=0", "minRecords", /1 or more/],
    ["minRecords (a fraction)", "minRecords=2.5", "minRecords", /whole number/],
    ["minRecords (words)", "minRecords=ten", "minRecords", /whole number/],
    ["minRecords (huge)", "minRecords=99999999", "minRecords", /at most 100,000/],
  ];
  for (const [what, query, field, message] of cases) {
    it(`${what}: every report answers 400 with the page and the message; the export refuses with 400`, async () => {
      for (const report of REPORTS) {
        const { status, html } = await page(`/reports/${report.id}?${query}`, accme);
        // minRecords is a ranking filter: reports without a ranking do not read it (nor show its message).
        const unread = field === "minRecords" && !["timeliness", "rejections"].includes(report.id);
        expect(status, report.id).toBe(unread ? 200 : 400);
        const shown = html.match(new RegExp(`data-testid="error-${field}"[^>]*>([^<]*)<`))?.[1];
        if (unread) continue;
        expect(shown, `${report.id}: ${query}`).toMatch(message);
        // The rest of the report still answers.
        expect(html).toContain('data-testid="data-as-of"');
        const exported = await get(app.server.baseUrl, `/reports/${report.id}/export?table=monthly&${query}`, accme);
        expect(exported.status, `${report.id} export: ${query}`).toBe(400);
        expect(await exported.text()).toMatch(/The export was not started/);
      }
    });
  }

  it("a board organisation naming a malformed board gets the message, not a 500", async () => {
    const { status, html } = await page("/reports/volume?board=%3Cx%3E", ca);
    expect(status).toBe(400);
    expect(html).toMatch(/data-testid="error-board"[^>]*>Choose a listed board/);
  });

  it("export: an unknown table or format is 400, an unknown report 404", async () => {
    expect((await get(app.server.baseUrl, "/reports/volume/export?table=nope", accme)).status).toBe(400);
    expect((await get(app.server.baseUrl, "/reports/volume/export?table=monthly&download=pdf", accme)).status).toBe(400);
    expect((await get(app.server.baseUrl, "/reports/volume/export", accme)).status).toBe(400);
    expect((await get(app.server.baseUrl, "/reports/nope/export?table=monthly", accme)).status).toBe(404);
    expect((await get(app.server.baseUrl, "/reports/nope", accme)).status).toBe(404);
  });
});

describe("report exports", () => {
  it("CSV of a table: the page's columns and rows plus totals, numbers as numbers; the provider ranking in full", async () => {
    const f = { boards: null, ...defaultRange, minRecords: 25 };
    const expected = await timelinessReference(owner, f);
    const response = await get(app.server.baseUrl, "/reports/timeliness/export?table=providers&download=csv", accme);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(response.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="ACCME_timeliness-providers_${defaultRange.from}_to_${defaultRange.to}_produced-\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
    const [header, ...rows] = csv(await response.text());
    expect(header).toEqual(["Rank", "Provider", "Provider id", "Records", "Late", "Late share (%)", "Median lag (days)"]);
    expect(rows.length).toBe(expected.providers.length);
    expect(rows.length).toBeGreaterThan(25);
    expect(rows.map((r) => [r[2], Number(r[3]), Number(r[4])])).toEqual(expected.providers.map((p) => [p.id, p.records, p.late]));
    expect(Number(rows[0]![5])).toBeCloseTo((100 * expected.providers[0]!.late) / expected.providers[0]!.records, 2);

    const monthly = csv(await (await get(app.server.baseUrl, "/reports/timeliness/export?table=monthly", accme)).text());
    expect(monthly[0]).toEqual(["Month", "Records", "Within 30 days", "Late", "Share within 30 days (%)"]);
    expect(monthly.at(-1)![0]).toBe("All months");
    expect(Number(monthly.at(-1)![1])).toBe(expected.totals.records);
    expect(exportHeader({ key: "x", label: "Share", kind: "percent" })).toBe("Share (%)");
  });

  it("every table of every report downloads as CSV and XLSX", async () => {
    const tables: Record<string, string[]> = {
      timeliness: ["monthly", "lag", "providers"],
      volume: ["monthly", "entry-methods", "formats"],
      "credit-mix": ["types", "monthly"],
      rejections: ["monthly", "reasons", "providers"],
    };
    for (const [report, ids] of Object.entries(tables)) {
      for (const id of ids) {
        for (const format of ["csv", "xlsx"]) {
          const response = await get(app.server.baseUrl, `/reports/${report}/export?table=${id}&download=${format}`, abim);
          expect(response.status, `${report} ${id} ${format}`).toBe(200);
          expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(50);
        }
      }
    }
    const mix = csv(await (await get(app.server.baseUrl, "/reports/credit-mix/export?table=types", abim)).text());
    const expected = await creditMixReference(owner, { boards: ["ABIM"], ...defaultRange, minRecords: 25 });
    expect(mix.slice(1).map((r) => r[0]).sort()).toEqual(expected.types.map((t) => t.type).sort());
  });

  it("neutralises formula-like text and records the export in the audit log", async () => {
    // A provider whose name a spreadsheet would run as a formula, with a few late CA-M records.
    await owner.query(`insert into learner.provider (id, name) values ('9999901', '=HYPERLINK("http://x","click")')`);
    await owner.query(`insert into learner.activity (id, provider_id, title, format, start_date, end_date, max_cme_credits)
                       values ('999999901', '9999901', 'Formula test', 'Course', current_date - 200, current_date - 100, 10)`);
    await owner.query(`insert into learner.credit_report (activity_id, learner_id, board_code, completion_date, submitted_at, entry_method, status, credits)
                       select '999999901', learner_id, 'CA-M', current_date - 150, now() - interval '1 day', 'manual', 'accepted', 1
                       from learner.credit_report where board_code = 'CA-M' and deleted_at is null order by id limit 30`);
    expect((await app.server.analytics.syncNow()).outcome).toBe("succeeded");
    const body = await (await get(app.server.baseUrl, "/reports/timeliness/export?table=providers&minRecords=30", ca)).text();
    const row = csv(body).find((r) => r[2] === "9999901");
    expect(row?.[1]).toBe(`'=HYPERLINK("http://x","click")`);
    const audit = await owner.query<{ target: string; detail: { format: string; rows: number; completed: boolean; filters: Record<string, string> } }>(
      `select target, detail from board.audit_event where action = 'export' and org_code = 'CA-M' order by id desc limit 1`,
    );
    expect(audit.rows[0]).toMatchObject({ target: "report:timeliness:providers", detail: { format: "csv", completed: true, filters: { minRecords: "30" } } });
    expect(audit.rows[0]!.detail.rows).toBe(csv(body).length - 1);
  });
});

describe("before the first snapshot", () => {
  let bare: TestServer;
  let cleanup: () => Promise<void>;
  let bareOwner: (fn: (client: pg.Client) => Promise<unknown>) => Promise<void>;
  beforeAll(async () => {
    const { inject } = await import("vitest");
    const database = await createTestDatabase(inject("pgServerUrl"));
    bare = await startTestServer(database, { sync: false });
    bareOwner = async (fn) => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await fn(client);
      } finally {
        await client.end();
      }
    };
    cleanup = async () => {
      await bare.close();
      await database.drop();
    };
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it("reports and the dashboard say analytics are being prepared; exports answer 503", async () => {
    const cookie = await signIn(bare.baseUrl, "reviewer@ca-m.demo.test");
    for (const report of REPORTS) {
      const response = await get(bare.baseUrl, `/reports/${report.id}`, cookie);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('data-testid="analytics-preparing"');
    }
    expect(await (await get(bare.baseUrl, "/", cookie)).text()).toContain('data-testid="analytics-preparing"');
    expect((await get(bare.baseUrl, "/reports/volume/export?table=monthly", cookie)).status).toBe(503);
  });

  it("when the first build fails, they say when, and that it is tried again", async () => {
    const cookie = await signIn(bare.baseUrl, "reviewer@ca-m.demo.test");
    expect(await (await get(bare.baseUrl, "/", cookie)).text()).not.toContain('data-testid="analytics-preparing-failed"');
    await bareOwner((c) => c.query(`revoke select on learner.provider from cme_app`));
    try {
      expect((await bare.analytics.syncNow({ mode: "full" })).outcome).toBe("failed");
    } finally {
      await bareOwner((c) => c.query(`grant select on learner.provider to cme_app`));
    }
    const failedAt = bare.analytics.health().lastFailure!.at;
    for (const path of ["/", ...REPORTS.map((r) => `/reports/${r.id}`)]) {
      const html = await (await get(bare.baseUrl, path, cookie)).text();
      expect(html, path).toContain('data-testid="analytics-preparing"');
      expect(html, path).toMatch(new RegExp(`data-testid="analytics-preparing-failed">The last attempt failed at <time dateTime="${failedAt}">`));
      const block = html.match(/data-testid="analytics-preparing".*?<\/div>/s)![0].replace(/<[^>]+>/g, "");
      expect(block, path).not.toMatch(/snapshot|sync|duckdb|csv/i);
    }
  });
});

describe("the dashboard", () => {
  it("ACCME: this month's late share and the providers most often late over 90 days, as plain SQL has them", async () => {
    const { html } = await page("/", accme);
    const from = new Date(Date.parse(`${today}T00:00:00Z`) - 89 * 86_400_000).toISOString().slice(0, 10);
    const worst = await timelinessReference(owner, { boards: null, from, to: today, minRecords: 20 });
    const shown = [...html.matchAll(/data-testid="late-providers".*?<\/table>/gs)][0]![0];
    const ids = [...shown.matchAll(/<span class="mono">(\d{7})<\/span>/g)].map((m) => m[1]);
    expect(ids).toEqual(worst.providers.slice(0, 5).map((p) => p.id));
    const month = await timelinessReference(owner, { boards: null, from: monthStart(today, 0), to: today, minRecords: 1 });
    const share = month.totals.records ? ((100 * month.totals.late) / month.totals.records).toFixed(1) : null;
    expect(figure(html, "trend-late-share")).toBe(share === null ? "—" : `${share}%`);
  });

  it("a state board: records, late and rejected this month", async () => {
    const { html } = await page("/", ca);
    const month = await rejectionsReference(owner, { boards: ["CA-M"], from: monthStart(today, 0), to: today, minRecords: 1 });
    const records = month.monthly.reduce((a, m) => a + m.records, 0);
    const rejected = month.monthly.reduce((a, m) => a + m.rejected, 0);
    expect(count(figure(html, "trend-records"))).toBe(records);
    expect(figure(html, "trend-rejection-rate")).toBe(records ? `${((100 * rejected) / records).toFixed(1)}%` : "—");
    expect(html).not.toContain('data-testid="late-providers"');
  });
});

describe("while analytics are behind", () => {
  /** The notice's words (tags and React's comment markers removed), or null when the page has none. */
  function behindNotice(html: string): string | null {
    const match = html.match(/<p[^>]*data-testid="analytics-behind"[^>]*>(.*?)<\/p>/s);
    return match ? match[1]!.replace(/<!-- -->/g, "").replace(/<[^>]+>/g, "").replace(/&#x27;/g, "'") : null;
  }
  const pages = ["/", "/reports", ...REPORTS.map((r) => `/reports/${r.id}`)];

  it("fresh: no page says so", async () => {
    expect((await app.server.analytics.syncNow()).outcome).toBe("succeeded");
    for (const path of pages) {
      const { status, html } = await page(path, ca);
      expect(status, path).toBe(200);
      expect(html, path).toContain('data-testid="data-as-of"');
      expect(behindNotice(html), path).toBeNull();
    }
  });

  it("the update fails: every report page and the overview say how far behind, when it failed and when the figures are from, in plain words; then it recovers", async () => {
    const asOf = (await app.server.analytics.reader.info())!.asOf;
    // A real failure: the store cannot be read by the app's role (a revoked grant, say).
    await owner.query(`revoke select on learner.provider from cme_app`);
    try {
      const failed = await app.server.analytics.syncNow();
      expect(failed.outcome).toBe("failed");
    } finally {
      await owner.query(`grant select on learner.provider to cme_app`);
    }
    const failedAt = app.server.analytics.health().lastFailure!.at;
    // Each organization reads the times in its own zone: California Pacific, ACCME Central, ABIM Eastern.
    const zones = new Map([[ca, "America/Los_Angeles"], [accme, "America/Chicago"], [abim, "America/New_York"]]);
    for (const [path, cookie] of [...pages.map((p) => [p, ca] as const), ["/", accme] as const, ["/reports/volume", abim] as const]) {
      const { status, html } = await page(path, cookie);
      expect(status, path).toBe(200);
      const notice = behindNotice(html);
      expect(notice, path).not.toBeNull();
      expect(notice).toMatch(/^Analytics are (less than a minute|\d+ minutes?) behind: the last update failed at /);
      // The one format of every time on the site, in the organization's zone, the zone named.
      const at = (iso: string) => formatDateTime(iso, zones.get(cookie)!).replace(/\s/g, "\\s");
      expect(notice).toMatch(new RegExp(`the last update failed at ${at(failedAt)}\\. The figures below are from ${at(asOf)}\\.`));
      expect(html).toContain(`<time dateTime="${failedAt}">`);
      // No words from inside the machinery.
      expect(notice).not.toMatch(/duckdb|snapshot|sync|csv|staging|error/i);
    }

    // The next update succeeds: the notice goes.
    expect((await app.server.analytics.syncNow()).outcome).toBe("succeeded");
    for (const path of pages) expect(behindNotice((await page(path, ca)).html), path).toBeNull();
  });
});
