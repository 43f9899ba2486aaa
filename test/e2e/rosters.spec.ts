// A supervisor's roster upload in a real browser: the uploads list, a mixed file through the form,
// the result with its bad rows, the bad-rows CSV download, and the unmatched queue. Expected figures
// come from plain SQL on the server's database; every page is screenshotted.
import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { querySql } from "./support/state";
import { signIn } from "./support/session";

const SHOTS = "test-results/screenshots";

test("upload a mixed roster, read the result, download the bad rows, work the unmatched queue", async ({ page }) => {
  await signIn(page, "supervisor@ca-m.demo.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Rosters", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Renewal rosters" })).toBeVisible();
  const [demo] = await querySql<{ file_name: string; total_rows: number }>(`select file_name, total_rows from board.roster_upload where org_code = 'CA-M' and uploaded_by is null`);
  await expect(page.getByTestId("roster-uploads")).toContainText(demo!.file_name);
  const [entries] = await querySql<{ n: string }>(`select count(*) as n from board.roster_entry where org_code = 'CA-M'`);
  await expect(page.getByTestId("stat-roster-entries")).toHaveText(Number(entries!.n).toLocaleString("en-US"));
  await page.screenshot({ path: `${SHOTS}/rosters.png`, fullPage: true });

  // Three licensees not on the roster yet (one under another spelling and an id the store lacks),
  // a person the store does not know, and two rows a spreadsheet got wrong. Unique per run.
  const people = await querySql<{ licence_id: string; first_name: string; last_name: string; bm: number; bd: number; npi: string | null }>(
    `select k.licence_id, l.first_name, l.last_name, l.birth_month as bm, l.birth_day as bd, l.npi from learner.licence k join learner.learner l on l.id = k.learner_id
      where k.board_code = 'CA-M' and l.deleted_at is null and l.first_name ~ '^[A-Za-z]+$' and l.last_name ~ '^[A-Za-z]+$'
        and not exists (select 1 from board.roster_entry e where e.org_code = 'CA-M' and e.learner_id = l.id)
      order by l.id limit 3`,
  );
  const stamp = Date.now();
  const end = `12/31/${2035 + (stamp % 50)}`;
  const dob = (p: { bm: number; bd: number }) => `${String(p.bm).padStart(2, "0")}/${String(p.bd).padStart(2, "0")}`;
  const csv = [
    "licence_id,first_name,last_name,birth_date,npi,expiration_date",
    `${people[0]!.licence_id},${people[0]!.first_name},${people[0]!.last_name},${dob(people[0]!)},${people[0]!.npi ?? ""},${end}`,
    `${people[1]!.licence_id},${people[1]!.first_name},${people[1]!.last_name},13/45,,${end}`,
    `X${stamp % 1_000_000},${people[2]!.first_name.toUpperCase()},${people[2]!.last_name},${dob(people[2]!)},,${end}`,
    `X${(stamp % 1_000_000) + 1},Octavia,Quillfeather,04/04,,${end}`,
    `=cmd|' /C calc'!A0,Eve,Moss,02/02,,${end}`,
  ].join("\r\n");
  await page.getByLabel("Roster CSV file").setInputFiles({ name: "ca-m-december.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Upload roster" }).click();

  await expect(page.getByTestId("upload-done")).toBeVisible();
  await expect(page.getByRole("heading", { name: "ca-m-december.csv" })).toBeVisible();
  await expect(page.getByTestId("stat-total")).toHaveText("5");
  await expect(page.getByTestId("stat-kept")).toHaveText("3");
  await expect(page.getByTestId("stat-rejected")).toHaveText("2");
  const bad = page.getByTestId("bad-rows").locator("tbody tr");
  await expect(bad).toHaveCount(2);
  await expect(bad.nth(0)).toContainText("3");
  await expect(bad.nth(0)).toContainText("Birth date “13/45” is not a real MM/DD.");
  await expect(bad.nth(1)).toContainText("6");
  await expect(page.getByTestId("match-breakdown").locator('[data-quality="id"] dd')).toHaveText("1");
  await expect(page.getByTestId("match-breakdown").locator('[data-quality="name_birth"] dd')).toHaveText("1");
  await expect(page.getByTestId("match-breakdown").locator('[data-quality="none"] dd')).toHaveText("1");
  await page.screenshot({ path: `${SHOTS}/roster-upload-result.png`, fullPage: true });

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-bad-rows").click()]);
  expect(download.suggestedFilename()).toMatch(/^CA-M_roster-\d+-bad-rows_produced-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = (await readFile((await download.path())!, "utf8")).replace(/^\uFEFF/, "");
  const lines = text.trim().split(/\r?\n/);
  expect(lines[0]).toBe("Line,Reason,Row as uploaded");
  expect(lines[1]).toContain("Birth date “13/45” is not a real MM/DD.");
  // The formula-like raw row is neutralised for spreadsheets.
  expect(lines[2]).toContain(`"'=cmd|' /C calc'!A0,Eve,Moss,02/02,,${end}"`);

  // The same file again: recognised, nothing changes.
  await page.getByRole("link", { name: "Renewal rosters" }).click();
  await page.getByLabel("Roster CSV file").setInputFiles({ name: "ca-m-december-again.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Upload roster" }).click();
  await expect(page.getByTestId("upload-already")).toContainText("nothing changed");

  // The unmatched queue: the stranger from this file is in it, with a lookup pre-filled.
  await page.getByRole("link", { name: /^Unmatched licensees/ }).click();
  await expect(page.getByRole("heading", { name: "Unmatched licensees" })).toBeVisible();
  const [unmatched] = await querySql<{ none: string; ambiguous: string }>(
    `select count(*) filter (where match_quality = 'none') as none, count(*) filter (where match_quality = 'ambiguous') as ambiguous from board.roster_entry where org_code = 'CA-M'`,
  );
  await expect(page.getByTestId("unmatched-count")).toContainText(`${Number(unmatched!.none) + Number(unmatched!.ambiguous)} licensees`);
  await page.screenshot({ path: `${SHOTS}/rosters-unmatched.png`, fullPage: true });
  await page.getByRole("link", { name: "Look up Octavia Quillfeather" }).last().click();
  await expect(page).toHaveURL(/\/licensees\?first=Octavia&last=Quillfeather&dob=04%2F04/);
  await expect(page.getByTestId("lookup-result")).toHaveAttribute("data-outcome", "none");
});
