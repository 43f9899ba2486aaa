// The home page shows each organisation exactly its own scope, compared with plain SQL counts
// (the page reads the analytics snapshot; plain SQL reads the store).
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { get, signIn, setUpSeededApp } from "../support/server";

const app = setUpSeededApp();

interface Expected {
  reports: number;
  licensees: number;
  accepted: number;
  rejected: number;
}

/** Independent computation: plain SQL, not the app's query builders. */
async function expectedFor(boardCode: string | null): Promise<Expected> {
  const result = await sql<{ reports: string; licensees: string; accepted: string; rejected: string }>`
    select count(*) as reports,
           count(distinct learner_id) as licensees,
           count(*) filter (where status = 'accepted') as accepted,
           count(*) filter (where status = 'rejected') as rejected
    from learner.credit_report
    where deleted_at is null and (${boardCode}::text is null or board_code = ${boardCode})`.execute(app.database.owner);
  const row = result.rows[0]!;
  return { reports: Number(row.reports), licensees: Number(row.licensees), accepted: Number(row.accepted), rejected: Number(row.rejected) };
}

function figure(html: string, testId: string): number {
  const match = html.match(new RegExp(`data-testid="${testId}"[^>]*>([0-9,]+)<`));
  if (!match?.[1]) throw new Error(`no figure ${testId} on the page`);
  return Number(match[1].replace(/,/g, ""));
}

const cases: Array<[string, string, string | null]> = [
  ["a state board", "reviewer@ca-m.demo.test", "CA-M"],
  ["a small state board", "admin@me-o.demo.test", "ME-O"],
  ["a certifying board", "reviewer@abim.demo.test", "ABIM"],
  ["another certifying board", "reviewer@abs.demo.test", "ABS"],
  ["the accreditor", "reviewer@accme.demo.test", null],
];

describe("home page scope", () => {
  for (const [who, email, boardCode] of cases) {
    it(`shows ${who} the counts of its own scope`, async () => {
      const expected = await expectedFor(boardCode);
      expect(expected.reports).toBeGreaterThan(0);
      const cookie = await signIn(app.server.baseUrl, email);
      const response = await get(app.server.baseUrl, "/", cookie);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(figure(html, "stat-credit-reports")).toBe(expected.reports);
      expect(figure(html, "stat-licensees")).toBe(expected.licensees);
      expect(figure(html, "stat-accepted")).toBe(expected.accepted);
      expect(figure(html, "stat-rejected")).toBe(expected.rejected);
    });
  }

  it("gives a state board fewer records than ACCME, and never another board's", async () => {
    const all = await expectedFor(null);
    const ca = await expectedFor("CA-M");
    const abim = await expectedFor("ABIM");
    expect(ca.reports).toBeLessThan(all.reports);
    expect(ca.reports + abim.reports).toBeLessThanOrEqual(all.reports);
  });

  it("gives ACCME one row per board, each equal to that board's plain SQL counts", async () => {
    const perBoard = await sql<{ board_code: string; reports: string; licensees: string }>`
      select board_code, count(*) as reports, count(distinct learner_id) as licensees
      from learner.credit_report where deleted_at is null group by board_code order by board_code`.execute(app.database.owner);
    expect(perBoard.rows.length).toBeGreaterThan(10);
    const cookie = await signIn(app.server.baseUrl, "reviewer@accme.demo.test");
    const html = await (await get(app.server.baseUrl, "/", cookie)).text();
    for (const row of perBoard.rows) {
      const match = html.match(
        new RegExp(`data-board="${row.board_code}".*?data-col="reports"[^>]*>([0-9,]+)<.*?data-col="licensees"[^>]*>([0-9,]+)<`),
      );
      expect(match, `row for ${row.board_code}`).not.toBeNull();
      expect(Number(match![1]!.replace(/,/g, ""))).toBe(Number(row.reports));
      expect(Number(match![2]!.replace(/,/g, ""))).toBe(Number(row.licensees));
    }
  });

  it("shows a board no other board's row", async () => {
    const cookie = await signIn(app.server.baseUrl, "reviewer@abs.demo.test");
    const html = await (await get(app.server.baseUrl, "/", cookie)).text();
    expect(html).not.toMatch(/data-board="/);
    expect(html).not.toContain("by-board");
  });

  it("does not count soft-deleted records (once the analytics snapshot has synced)", async () => {
    const before = await expectedFor("MD-M");
    await sql`update learner.credit_report set deleted_at = now()
      where id = (select min(id) from learner.credit_report where board_code = 'MD-M' and deleted_at is null)`.execute(app.database.owner);
    expect((await app.server.analytics.syncNow()).outcome).toBe("succeeded");
    const cookie = await signIn(app.server.baseUrl, "reviewer@md-m.demo.test");
    const html = await (await get(app.server.baseUrl, "/", cookie)).text();
    expect(figure(html, "stat-credit-reports")).toBe(before.reports - 1);
  });
});
