// The reviewer's day in a real browser: sign in, filter, sort, page (and back), choose columns,
// open a licensee, print the transcript, export, browse activities, find a licensee. Expected
// figures come from plain SQL on the server's database; every page is screenshotted.
import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { querySql } from "./support/state";
import { signIn } from "./support/session";

const SHOTS = "test-results/screenshots";

/** The first name/last name of a CA-M licensee with between 3 and 60 live records for that last name. */
async function caLastName(): Promise<{ last: string; count: number }> {
  const [row] = await querySql<{ last_name: string; n: string }>(
    `select l.last_name, count(*) as n from learner.credit_report cr join learner.learner l on l.id = cr.learner_id
     where cr.board_code = 'CA-M' and cr.deleted_at is null and l.last_name ~ '^[A-Z][a-z]+$'
     group by l.last_name having count(*) between 30 and 200 order by count(*) desc, l.last_name limit 1`,
  );
  return { last: row!.last_name, count: Number(row!.n) };
}

test("filter, sort, page and come back with the browser's back button", async ({ page }) => {
  await signIn(page);
  await page.getByRole("link", { name: "Credit search" }).click();
  await expect(page.getByRole("heading", { name: "Credit search" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/credits.png`, fullPage: true });

  const { last, count } = await caLastName();
  await page.getByLabel("Last name").fill(last.toLowerCase());
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`last=${last.toLowerCase()}`));
  await expect(page.getByTestId("result-count")).toHaveText(`${count} credit reports`);
  const rows = page.locator("table.data-table tbody tr");
  await expect(rows).toHaveCount(25);
  for (const name of await rows.locator('td[data-col="licensee"]').allTextContents()) expect(name.startsWith(`${last},`)).toBe(true);

  // Sort by completion date, newest first (the first click on a date column).
  await page.getByRole("link", { name: /^Completed: sort descending/ }).click();
  await expect(page).toHaveURL(/sort=completed&dir=desc/);
  const [newest] = await querySql<{ d: string }>(
    `select to_char(max(cr.completion_date), 'MM/DD/YYYY') as d from learner.credit_report cr join learner.learner l on l.id = cr.learner_id
     where cr.board_code = 'CA-M' and cr.deleted_at is null and l.last_name = $1`,
    [last],
  );
  await expect(rows.first().locator('td[data-col="completed"]')).toHaveText(newest!.d);
  await expect(page.locator('th[aria-sort="descending"]')).toContainText("Completed");
  await page.screenshot({ path: `${SHOTS}/credits-filtered-sorted.png`, fullPage: true });

  // Next page, then back to the first with the browser.
  const firstPageIds = await rows.locator('[data-col="activityId"] dd').allTextContents();
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/after=.*page=2|page=2.*after=/);
  await expect(page.getByText(/Rows 26–/)).toBeVisible();
  expect(await rows.locator('[data-col="activityId"] dd').allTextContents()).not.toEqual(firstPageIds);
  await page.getByRole("link", { name: "Previous" }).click();
  await expect(page.getByText(/Rows 1–25/)).toBeVisible();
  await page.goBack();
  await expect(page.getByText(/Rows 26–/)).toBeVisible();
  await page.goBack();
  await expect(page.getByText(/Rows 1–25/)).toBeVisible();
  expect(await rows.locator('[data-col="activityId"] dd').allTextContents()).toEqual(firstPageIds);

  // Columns: show the NPI column; the choice is in the URL.
  await page.getByText("Columns", { exact: true }).click();
  await page.getByRole("checkbox", { name: "NPI" }).click();
  await expect(page).toHaveURL(/show=npi/);
  // A low-priority column shows in each row's "More details", not as a column of its own.
  await expect(page.locator("table.data-table tbody tr").first().locator('[data-col="npi"]')).toHaveCount(1);

  // One click clears every filter (the view settings stay).
  await page.getByTestId("clear-filters").click();
  await expect(page).not.toHaveURL(/last=/);
  await expect(page).toHaveURL(/show=npi/);
  // Every record of the board, counted exactly (never an estimate), as plain SQL counts them.
  const [all] = await querySql<{ n: string }>("select count(*)::text as n from learner.credit_report where board_code = 'CA-M' and deleted_at is null");
  await expect(page.getByTestId("result-count")).toHaveText(`${Number(all!.n).toLocaleString("en-US")} credit reports`);
});

test("a bad value is named beside its filter and in the summary, and nothing is listed until it is corrected", async ({ page }) => {
  await signIn(page);
  await page.goto("/credits?completedFrom=2024-13-45&status=rejected&sort=drop%20table");
  await expect(page.getByTestId("error-completedFrom")).toContainText("Enter a real date as YYYY-MM-DD.");
  await expect(page.getByTestId("error-summary")).toContainText("Completion date from: Enter a real date as YYYY-MM-DD.");
  await expect(page.getByRole("alert").filter({ hasText: "Cannot sort by" })).toContainText('Cannot sort by "drop table"');
  // The rejected records of the whole store would pass for the filtered list: none are shown.
  await expect(page.getByTestId("table-wrap").locator("tbody tr")).toHaveCount(0);
  // Corrected, the other filter applies again.
  await page.goto("/credits?status=rejected");
  const [expected] = await querySql<{ n: string }>(`select count(*) as n from learner.credit_report where board_code = 'CA-M' and status = 'rejected' and deleted_at is null`);
  await expect(page.getByTestId("result-count")).toHaveText(`${Number(expected!.n).toLocaleString("en-US")} credit reports`);
  await page.screenshot({ path: `${SHOTS}/credits-bad-input.png`, fullPage: true });
});

test("open a licensee, print the verification transcript, export it", async ({ page }) => {
  await signIn(page);
  const [licensee] = await querySql<{ id: string; first_name: string; last_name: string; records: string }>(
    `select l.id::text, l.first_name, l.last_name, count(*) as records
     from learner.credit_report cr join learner.learner l on l.id = cr.learner_id
     where cr.board_code = 'CA-M' and cr.deleted_at is null and l.last_name ~ '^[A-Z]'
     group by l.id having count(*) filter (where cr.status = 'rejected') > 0 order by count(*) desc, l.id limit 1`,
  );
  await page.goto(`/credits?npi=&last=${encodeURIComponent(licensee!.last_name)}&first=${encodeURIComponent(licensee!.first_name)}`);
  await page.locator(`a[href="/licensees/${licensee!.id}"]`).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`${licensee!.last_name}, ${licensee!.first_name}`);
  await expect(page.getByTestId("totals-counted-CA-M")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/licensee.png`, fullPage: true });

  await page.getByRole("link", { name: "Official transcript" }).click();
  await expect(page.getByTestId("transcript-issuer")).toContainText("Official transcript");
  // Every record of every date: accepted and rejected alike, each with what counts.
  await page.goto(`/licensees/${licensee!.id}/transcript?from=2000-01-01&to=2099-12-31`);
  await expect(page.getByTestId("transcript-lines").locator("tbody tr")).toHaveCount(Number(licensee!.records));
  await page.screenshot({ path: `${SHOTS}/transcript.png`, fullPage: true });
  await page.emulateMedia({ media: "print" });
  await expect(page.locator("header.app-header")).toBeHidden();
  await expect(page.getByRole("button", { name: "Print" })).toBeHidden();
  await page.screenshot({ path: `${SHOTS}/transcript-print.png`, fullPage: true });
  await page.emulateMedia({ media: "screen" });

  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "CSV", exact: true }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(new RegExp(`^CA-M_transcript-${licensee!.id}_2000-01-01_to_2099-12-31_produced-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
  const lines = (await readFile((await download.path())!, "utf8")).trim().split("\n");
  // The header block and totals first, then the records under their own header row.
  expect(lines[0]).toContain("Official transcript");
  expect(lines.length - 1 - lines.findIndex((l) => l.startsWith("Completed,"))).toBe(Number(licensee!.records));
});

test("export the filtered search as CSV: every matching row, not just the page", async ({ page }) => {
  await signIn(page);
  await page.goto("/credits?status=rejected");
  await page.getByText("Export", { exact: true }).click();
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: /^CSV/ }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^CA-M_credit-reports_status-rejected_produced-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = await readFile((await download.path())!, "utf8");
  const [expected] = await querySql<{ n: string }>(`select count(*) as n from learner.credit_report where board_code = 'CA-M' and status = 'rejected' and deleted_at is null`);
  expect(Number(expected!.n)).toBeGreaterThan(25);
  expect(text.trim().split("\n").length - 1).toBe(Number(expected!.n));
});

test("activities: the summary by activity and one activity's learners", async ({ page }) => {
  await signIn(page);
  await page.getByRole("link", { name: "Activities" }).click();
  await expect(page.getByRole("heading", { name: "Activities", level: 1 })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/activities.png`, fullPage: true });
  const first = page.locator('table.data-table tbody tr td[data-col="title"] a').first();
  const title = (await first.textContent())!;
  await first.click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
  await expect(page.getByTestId("activity-details")).toContainText("AMA PRA Category 1 max");
  await page.screenshot({ path: `${SHOTS}/activity.png`, fullPage: true });
});

test("find a licensee: one match, several, none", async ({ page }) => {
  await signIn(page);
  const [person] = await querySql<{ first_name: string; last_name: string; dob: string; licence_id: string }>(
    `select l.first_name, l.last_name, lpad(l.birth_month::text, 2, '0') || '/' || lpad(l.birth_day::text, 2, '0') as dob, x.licence_id
     from learner.learner l join learner.licence x on x.learner_id = l.id and x.board_code = 'CA-M'
     where exists (select 1 from learner.credit_report cr where cr.learner_id = l.id and cr.board_code = 'CA-M' and cr.deleted_at is null)
     order by l.id limit 1`,
  );
  await page.getByRole("link", { name: "Licensees" }).click();
  await page.getByLabel("First name").fill(person!.first_name);
  await page.getByLabel("Last name").fill(person!.last_name);
  await page.getByLabel("License number").fill(person!.licence_id);
  await page.getByRole("button", { name: "Find licensee" }).click();
  await expect(page.getByTestId("lookup-result")).toHaveAttribute("data-outcome", "one");
  await expect(page.getByTestId("lookup-result").getByText("One licensee matched.")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/find-licensee.png`, fullPage: true });

  await page.getByLabel("License number").fill("ZZ000000");
  await page.getByRole("button", { name: "Find licensee" }).click();
  await expect(page.getByTestId("lookup-result")).toHaveAttribute("data-outcome", "none");
  await expect(page.getByTestId("lookup-result").getByText("No licensee matched.")).toBeVisible();
});

test("the grid is usable from the keyboard: filters have labels, sort headers are links", async ({ page }) => {
  await signIn(page);
  await page.goto("/credits");
  await page.getByLabel("Last name").focus();
  await page.keyboard.type("smi");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/last=smi/);
  const sortLink = page.getByRole("link", { name: /^Credits: sort/ });
  await sortLink.focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/sort=credits/);
  await expect(page.locator('th[aria-sort="descending"]')).toContainText("Credits");
});
