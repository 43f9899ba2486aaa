// Issue 20's activity filters, exports for analysis and time zones in a real browser: PARS's
// providership and provider-location filters narrow the activity list to what plain SQL finds; the
// export names its filters and opens in Excel with a named sheet, a frozen header and an autofilter;
// a California page shows Pacific time. Axe on each page.
import { readFile } from "node:fs/promises";
import ExcelJS from "exceljs";
import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { signIn } from "./support/session";
import { querySql } from "./support/state";

const SHOTS = "test-results/screenshots";

test("activities: jointly provided, provider in California; the count is plain SQL's and the XLSX says what it holds", async ({ page }) => {
  await signIn(page, "reviewer@ca-m.demo.test");
  await page.goto("/activities");
  await page.getByText("Providership", { exact: true }).click();
  await page.getByLabel("Provided").selectOption("joint");
  await page.getByText("Provider's location", { exact: true }).click();
  await page.getByLabel("State", { exact: true }).selectOption("CA");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/providership=joint/);
  const [{ n }] = (await querySql<{ n: string }>(
    `select count(*)::text as n from learner.activity a join learner.provider p on p.id = a.provider_id
      where a.joint_provider_name is not null and p.state = 'CA'
        and exists (select 1 from learner.credit_report cr where cr.activity_id = a.id and cr.board_code = 'CA-M' and cr.deleted_at is null)`,
  )) as [{ n: string }];
  expect(Number(n)).toBeGreaterThan(0);
  await expect(page.getByTestId("result-count")).toHaveText(new RegExp(`^${Number(n).toLocaleString("en-US")} activit(y|ies)$`));
  await expectNoSeriousA11yViolations(page, "activities, filtered by providership and state");
  await page.screenshot({ path: `${SHOTS}/activities-joint-ca.png`, fullPage: true });

  await page.getByText("Export", { exact: true }).click();
  const downloading = page.waitForEvent("download");
  await page.getByTestId("export-menu").getByRole("link", { name: /^Excel/ }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^CA-M_activities_providership-joint_providerState-CA_produced-\d{4}-\d{2}-\d{2}\.xlsx$/);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load((await readFile((await download.path())!)) as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  expect(sheet.name).toBe("Activities");
  expect(sheet.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
  expect(sheet.autoFilter).toMatch(/^A1:[A-Z]+\d+$/);
  expect(sheet.rowCount - 1).toBe(Number(n));
});

test("activities sort by learners accepted, most first", async ({ page }) => {
  await signIn(page, "reviewer@ca-m.demo.test");
  await page.goto("/activities?sort=accepted&dir=desc");
  const cells = page.locator('td[data-col="accepted"]');
  await expect(cells.first()).toBeVisible();
  const shown = (await cells.allTextContents()).map((t) => Number(t.replace(/,/g, "")));
  expect(shown).toEqual([...shown].sort((a, b) => b - a));
  const [{ top }] = (await querySql<{ top: number }>(
    `select count(*)::int as top from learner.credit_report where board_code = 'CA-M' and status = 'accepted' and deleted_at is null group by activity_id order by 1 desc limit 1`,
  )) as [{ top: number }];
  expect(shown[0]).toBe(top);
});

test("a California page shows Pacific time, named", async ({ page }) => {
  await signIn(page, "reviewer@ca-m.demo.test");
  await page.goto("/rosters");
  const time = page.locator("table time").first();
  await expect(time).toHaveText(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M P[SD]T$/);
  await expectNoSeriousA11yViolations(page, "rosters");
});
