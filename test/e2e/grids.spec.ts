// Every grid in a real browser: at 1366 px the decisive columns are on screen without sideways
// scrolling; at 390 px nothing is wider than the phone; a filter that cannot be used lists nothing
// and moves focus to the summary of what to fix; first / last paging against plain SQL; axe clean.
import { expect, test, type Page } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { querySql } from "./support/state";
import { signIn, signOut } from "./support/session";

/** Each grid and the columns a reviewer decides on. */
const GRIDS = [
  { path: "/credits", decisive: ["credits", "status", "flags"] },
  { path: "/activities", decisive: ["accepted", "rejected", "late"] },
  { path: "/renewals", decisive: ["status", "progress", "decision"] },
] as const;

async function expectFitsAt1366(page: Page, path: string, decisive: readonly string[]) {
  await page.goto(path);
  const wrap = page.getByTestId("table-wrap");
  await expect(wrap.locator("tbody tr").first()).toBeVisible();
  const { scrollWidth, clientWidth } = await wrap.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
  expect(scrollWidth, `${path}: the table scrolls sideways`).toBeLessThanOrEqual(clientWidth);
  for (const column of decisive) {
    const cell = wrap.locator(`tbody tr:first-child td[data-col="${column}"]`);
    // Pages that lead with something else (the licensee's current cycle) have the grid lower down.
    await cell.scrollIntoViewIfNeeded();
    await expect(cell, `${path}: ${column}`).toBeInViewport();
    const box = (await cell.boundingBox())!;
    expect(box.x + box.width, `${path}: ${column} ends inside the window`).toBeLessThanOrEqual(1366);
  }
}

test.describe("at 1366 px", () => {
  test.use({ viewport: { width: 1366, height: 900 } });

  test("the decisive columns of every grid fit without sideways scrolling, and the pages are axe-clean", async ({ page }) => {
    test.setTimeout(90_000);
    await signIn(page);
    for (const grid of GRIDS) {
      await expectFitsAt1366(page, grid.path, grid.decisive);
      await expectNoSeriousA11yViolations(page, `${grid.path} at 1366 px`);
    }
    // ACCME sees the board column too.
    await signOut(page);
    await signIn(page, "reviewer@accme.demo.test");
    await expectFitsAt1366(page, "/credits", ["board", "credits", "status"]);
  });

  test("an activity's learners and a licensee's records fit too", async ({ page }) => {
    await signIn(page);
    await page.goto("/activities");
    await page.locator('td[data-col="title"] a').first().click();
    await expect(page.getByTestId("activity-details")).toBeVisible();
    await expectFitsAt1366(page, page.url().replace(/^https?:\/\/[^/]+/, ""), ["credits", "status", "flags"]);
    await expectNoSeriousA11yViolations(page, "an activity at 1366 px");
    await page.locator('td[data-col="licensee"] a').first().click();
    await expect(page.getByTestId("table-wrap")).toBeVisible();
    await expectFitsAt1366(page, page.url().replace(/^https?:\/\/[^/]+/, ""), ["credits", "status", "flags"]);
  });

  test("a filter that cannot be used lists nothing: the summary says why, has focus, and links to the field", async ({ page }) => {
    await signIn(page);
    await page.goto("/credits");
    await page.getByLabel("Birth date (MM/DD)").fill("13/45");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const summary = page.getByTestId("error-summary");
    await expect(summary).toBeFocused();
    await expect(summary).toContainText("Birth date: That month and day do not exist.");
    await expect(page.getByTestId("table-wrap").locator("tbody tr")).toHaveCount(0);
    await expect(page.getByText("Nothing is listed until the filters can be used")).toBeVisible();
    await expectNoSeriousA11yViolations(page, "credit search with a bad filter");
    await summary.getByRole("link").first().click();
    await expect(page.getByLabel("Birth date (MM/DD)")).toBeFocused();

    // A from-date after the to-date, typed into the address: the same.
    await page.goto("/activities?from=2026-06-01&to=2026-01-01");
    await expect(page.getByTestId("error-summary")).toBeFocused();
    await expect(page.getByTestId("table-wrap").locator("tbody tr")).toHaveCount(0);
  });

  test("first / last paging of the renewal queue: the last page is the plain-SQL end of the queue", async ({ page }) => {
    await signIn(page);
    // Every cycle end the roster holds, so the queue spans several pages.
    await page.goto("/renewals?endFrom=2000-01-01&endTo=2099-12-31");
    const [queue] = await querySql<{ n: string; last_key: string }>(
      `select count(*)::text as n,
              (array_agg(roster_key order by cycle_end desc, id desc))[1] as last_key
         from board.roster_entry
        where org_code = 'CA-M' and retired_at is null and cycle_end between '2000-01-01' and '2099-12-31'`,
    );
    const total = Number(queue!.n);
    const lastKey = queue!.last_key;
    const pages = Math.ceil(total / 25);
    expect(pages, "the queue spans several pages").toBeGreaterThan(1);
    await expect(page.getByTestId("page-status")).toContainText(`Page 1 of ${pages} · ${total.toLocaleString("en-US")} licensees`);
    await page.getByTestId("page-last").click();
    await expect(page.getByTestId("page-status")).toContainText(`Page ${pages} of ${pages}`);
    const rows = page.getByTestId("table-wrap").locator("tbody tr");
    await expect(rows).toHaveCount(total - (pages - 1) * 25);
    await expect(rows.last().locator('td[data-col="key"]')).toHaveText(lastKey);
    await expect(page.getByTestId("page-last")).toHaveCount(0);
    await expect(page.getByTestId("page-next")).toHaveCount(0);
    await page.getByTestId("page-first").click();
    await expect(page.getByTestId("page-status")).toContainText(`Page 1 of ${pages}`);
    await expect(page.getByTestId("page-first")).toHaveCount(0);
    // Back from the last page: the page before it, full.
    await page.getByTestId("page-last").click();
    await expect(page.getByTestId("page-status")).toContainText(`Page ${pages} of ${pages}`);
    await page.getByTestId("page-previous").click();
    await expect(page.getByTestId("page-status")).toContainText(`Page ${pages - 1} of ${pages}`);
    await expect(rows).toHaveCount(25);
  });
});

test.describe("at 390 px", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("no page is wider than the phone; filters are a drawer; rows are stacked; axe-clean", async ({ page }) => {
    test.setTimeout(90_000);
    await signIn(page);
    for (const grid of GRIDS) {
      await page.goto(grid.path);
      await expect(page.getByTestId("table-wrap").locator("tbody tr").first()).toBeVisible();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${grid.path} at 390 px`).toBeLessThanOrEqual(390);
      // The drawer is closed once the page is ready, and opens on a tap.
      const drawer = page.getByTestId("filter-drawer");
      await expect(drawer).not.toHaveAttribute("open");
      await drawer.locator("summary.filter-drawer__toggle").click();
      await expect(page.getByRole("button", { name: "Apply filters" })).toBeVisible();
      await expectNoSeriousA11yViolations(page, `${grid.path} at 390 px`);
    }
  });
});
