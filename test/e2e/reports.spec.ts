// The analytics in a real browser: every report draws its charts (after hydration) and tables, a
// filter changes both, each table's export downloads, a provider's late records open in the
// credit search, the dashboards and the sync history; expected figures from plain SQL on the
// server's database. Screenshots of every page go to test-results/screenshots.
import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { querySql } from "./support/state";
import { signIn } from "./support/session";

const SHOTS = "test-results/screenshots";
const REPORTS = [
  { id: "timeliness", title: "Submission timeliness", sections: ["monthly", "lag", "providers"] },
  { id: "volume", title: "Volume", sections: ["monthly", "entry-methods", "formats"] },
  { id: "credit-mix", title: "Credit mix", sections: ["types", "monthly"] },
  { id: "rejections", title: "Rejections", sections: ["monthly", "reasons", "providers"] },
];

const today = new Date().toISOString().slice(0, 10);
const monthsBack = (n: number) => {
  const [y, m] = today.split("-").map(Number) as [number, number];
  const i = y * 12 + (m - 1) - n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}-01`;
};

/** The SVG of a section's chart: drawn bars, lines or both. */
async function chartShapes(page: Page, section: string): Promise<number> {
  const chart = page.getByTestId(`chart-${section}`);
  await expect(chart.locator(".recharts-wrapper > svg.recharts-surface")).toBeVisible();
  // Shapes are drawn after hydration: wait for the first (fails if none is ever drawn), then count.
  const shapes = chart.locator(".recharts-bar-rectangle, .recharts-line-curve");
  await expect(shapes.first()).toBeAttached();
  return shapes.count();
}

for (const [email, org] of [
  ["reviewer@accme.demo.test", "accme"],
  ["reviewer@ca-m.demo.test", "ca-m"],
  ["reviewer@abim.demo.test", "abim"],
] as const) {
  test(`every report draws its charts and tables for ${org.toUpperCase()}`, async ({ page }) => {
    await signIn(page, email);
    await page.getByRole("link", { name: "Reports", exact: true }).click();
    await expect(page.getByRole("heading", { name: "Reports", level: 1 })).toBeVisible();
    if (org === "accme") await page.screenshot({ path: `${SHOTS}/reports.png`, fullPage: true });
    for (const report of REPORTS) {
      await page.getByRole("navigation", { name: "Reports" }).getByRole("link", { name: report.title }).click();
      await expect(page.getByRole("heading", { name: report.title, level: 1 })).toBeVisible();
      await expect(page.getByTestId("data-as-of")).toContainText("Data as of");
      for (const section of report.sections) {
        expect(await chartShapes(page, section), `${report.id} ${section}`).toBeGreaterThan(0);
        await expect(page.getByTestId(`table-${section}`).locator("tbody tr").first()).toBeVisible();
        // Title, axis labels and legend.
        const chart = page.getByTestId(`chart-${section}`);
        await expect(chart.locator("figcaption")).not.toBeEmpty();
        await expect(chart.locator(".recharts-legend-wrapper")).toBeVisible();
        expect(await chart.locator(".recharts-label").count()).toBeGreaterThanOrEqual(2);
      }
      await page.screenshot({ path: `${SHOTS}/report-${report.id}-${org}.png`, fullPage: true });
    }
  });
}

test("a filter changes the chart and the table: volume for one format", async ({ page }) => {
  await signIn(page, "reviewer@ca-m.demo.test");
  await page.goto("/reports/volume");
  const [expectedAll] = await querySql<{ n: string }>(
    `select count(*) as n from learner.credit_report where board_code = 'CA-M' and deleted_at is null
     and submitted_at >= $1::date and submitted_at < ($2::date + 1)`,
    [monthsBack(11), today],
  );
  await expect(page.getByTestId("stat-records")).toHaveText(Number(expectedAll!.n).toLocaleString("en-US"));
  const totalBefore = await page.getByTestId("table-monthly").locator('tfoot td[data-col="records"]').textContent();
  // Recharts draws its bars after hydration: wait for them before counting.
  await expect(page.getByTestId("chart-formats").locator(".recharts-bar-rectangle").first()).toBeVisible();
  const barsBefore = await page.getByTestId("chart-formats").locator(".recharts-bar-rectangle").count();
  const chartBefore = await page.getByTestId("chart-monthly").locator(".recharts-wrapper > svg.recharts-surface").innerHTML();

  await page.locator("summary", { hasText: "Activity format" }).click();
  await page.getByLabel("Enduring Material", { exact: true }).check();
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/format=Enduring\+Material/);
  const [expectedOne] = await querySql<{ n: string }>(
    `select count(*) as n from learner.credit_report cr join learner.activity a on a.id = cr.activity_id
     where cr.board_code = 'CA-M' and cr.deleted_at is null and a.format = 'Enduring Material'
     and cr.submitted_at >= $1::date and cr.submitted_at < ($2::date + 1)`,
    [monthsBack(11), today],
  );
  await expect(page.getByTestId("stat-records")).toHaveText(Number(expectedOne!.n).toLocaleString("en-US"));
  await expect(page.getByTestId("table-monthly").locator('tfoot td[data-col="records"]')).toHaveText(Number(expectedOne!.n).toLocaleString("en-US"));
  expect(Number(expectedOne!.n)).toBeLessThan(Number(expectedAll!.n));
  expect(totalBefore).not.toBe(Number(expectedOne!.n).toLocaleString("en-US"));
  // The charts redraw: one format's bar instead of every format's; other bars.
  await expect(page.getByTestId("chart-formats").locator(".recharts-bar-rectangle")).toHaveCount(1);
  expect(barsBefore).toBeGreaterThan(1);
  expect(await page.getByTestId("chart-monthly").locator(".recharts-wrapper > svg.recharts-surface").innerHTML()).not.toBe(chartBefore);
  await page.screenshot({ path: `${SHOTS}/report-volume-filtered.png`, fullPage: true });

  // A bad value: the message beside the field, the rest of the report still there.
  await page.goto("/reports/volume?submittedFrom=2025-02-30");
  await expect(page.getByTestId("error-submittedFrom")).toContainText("real date");
  await expect(page.getByTestId("table-monthly")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/report-volume-bad-date.png`, fullPage: true });
});

test("each table's export downloads: CSV with the table's rows", async ({ page }) => {
  await signIn(page, "reviewer@accme.demo.test");
  await page.goto("/reports/timeliness");
  const section = page.getByTestId("section-monthly");
  await section.getByText("Export", { exact: true }).click();
  const downloading = page.waitForEvent("download");
  await section.getByRole("link", { name: /^CSV/ }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^ACCME_timeliness-monthly_\d{4}-\d{2}-\d{2}_to_\d{4}-\d{2}-\d{2}_produced-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = (await readFile((await download.path())!, "utf8")).trim().split("\n");
  expect(lines[0]).toContain("Month,Records,Within 30 days,Late,Share within 30 days (%)");
  const rows = await page.getByTestId("table-monthly").locator("tbody tr").count();
  expect(lines.length).toBe(1 + rows + 1);

  await page.goto("/reports/rejections");
  const reasons = page.getByTestId("section-reasons");
  await reasons.getByText("Export", { exact: true }).click();
  const xlsx = page.waitForEvent("download");
  await reasons.getByRole("link", { name: /^Excel/ }).click();
  expect((await xlsx).suggestedFilename()).toMatch(/^ACCME_rejections-reasons_\d{4}-\d{2}-\d{2}_to_\d{4}-\d{2}-\d{2}_produced-\d{4}-\d{2}-\d{2}\.xlsx$/);
});

test("a provider's late records open in the credit search, pre-filtered", async ({ page }) => {
  await signIn(page, "reviewer@ca-m.demo.test");
  await page.goto("/reports/timeliness");
  const first = page.getByTestId("table-providers").locator("tbody tr").first();
  const providerId = (await first.locator('td[data-col="providerId"]').textContent())!.trim();
  const late = (await first.locator('td[data-col="late"]').getAttribute("data-value"))!;
  await first.locator('a[data-drill="late"]').click();
  await expect(page.getByRole("heading", { name: "Credit search" })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`provider=${providerId}.*late=1|late=1.*provider=${providerId}`));
  await expect(page.getByTestId("result-count")).toHaveText(`${Number(late).toLocaleString("en-US")} credit report${late === "1" ? "" : "s"}`);
  await page.screenshot({ path: `${SHOTS}/report-drill-late-records.png`, fullPage: true });
});

test("dashboards: ACCME's late share and worst providers, a board's month at a glance", async ({ page }) => {
  await signIn(page, "reviewer@accme.demo.test");
  await expect(page.getByTestId("trend-late-share")).toBeVisible();
  await expect(page.getByTestId("late-providers").locator("tbody tr")).toHaveCount(5);
  expect(await page.locator("svg.sparkline").count()).toBe(3);
  await page.screenshot({ path: `${SHOTS}/dashboard-accme.png`, fullPage: true });
  await page.getByRole("button", { name: "Sign out" }).click();
  // Signed out only once the sign-in page shows: navigating sooner cancels the sign-out.
  await expect(page.getByLabel("Email")).toBeVisible();

  for (const email of ["reviewer@ca-m.demo.test", "reviewer@abim.demo.test"]) {
    await signIn(page, email);
    await expect(page.getByTestId("trend-records")).toBeVisible();
    await expect(page.getByTestId("trend-rejection-rate")).toBeVisible();
    expect(await page.locator("svg.sparkline").count()).toBe(4);
    await page.screenshot({ path: `${SHOTS}/dashboard-${email.split("@")[1]!.split(".")[0]}.png`, fullPage: true });
    await page.getByRole("button", { name: "Sign out" }).click();
    // Signed out only once the sign-in page shows: navigating sooner cancels the sign-out.
    await expect(page.getByLabel("Email")).toBeVisible();
  }
});

test("an administrator sees the sync history and can sync now", async ({ page }) => {
  await signIn(page, "admin@accme.demo.test");
  await page.getByRole("link", { name: "Admin", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Analytics sync" })).toBeVisible();
  const rows = page.getByTestId("sync-history").locator("tbody tr");
  const before = await rows.count();
  expect(before).toBeGreaterThan(0);
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(rows).toHaveCount(before + 1);
  await expect(rows.first()).toHaveAttribute("data-outcome", "succeeded");
  await page.screenshot({ path: `${SHOTS}/admin-analytics.png`, fullPage: true });
});
