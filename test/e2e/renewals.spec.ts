// Renewal verification in a real browser: the queue (statuses against plain SQL), a licensee's cycle,
// recording a decision, a supervisor superseding it, the history on the licensee page, the bulk
// confirmation, an audit sample, the rules page and the queue's export. Every page is screenshotted.
import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { querySql } from "./support/state";
import { signIn } from "./support/session";

const SHOTS = "test-results/screenshots";
// "Today" for California's renewals is the date in Los Angeles, not the database server's date.

/** A roster CSV of CA-M licensees not on any roster yet, cycles ending in the next 80 days. */
async function rosterCsv(): Promise<{ csv: string; rows: number }> {
  const people = await querySql<{ licence_id: string; first_name: string; last_name: string; bm: number; bd: number; npi: string | null; cycle_end: string }>(
    `select k.licence_id, l.first_name, l.last_name, l.birth_month as bm, l.birth_day as bd, l.npi,
            to_char((now() at time zone 'America/Los_Angeles')::date + 1 + (row_number() over (order by l.id))::int % 80, 'YYYY-MM-DD') as cycle_end
       from learner.licence k join learner.learner l on l.id = k.learner_id
      where k.board_code = 'CA-M' and l.deleted_at is null
        and exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = 'CA-M')
        and not exists (select 1 from board.roster_entry e where e.org_code = 'CA-M' and e.learner_id = l.id)
      order by l.id limit 120`,
  );
  const quote = (v: string) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const pad = (n: number) => String(n).padStart(2, "0");
  const lines = people.map((p) => [p.licence_id, p.first_name, p.last_name, `${pad(p.bm)}/${pad(p.bd)}`, p.npi ?? "", p.cycle_end].map(quote).join(","));
  return { csv: ["licence_id,first_name,last_name,birth_date,npi,cycle_end", ...lines].join("\n"), rows: people.length };
}

test("upload → queue → licensee's cycle → decide → supersede → history → bulk → sample → export", async ({ page }) => {
  // A supervisor uploads the renewal cohort.
  await signIn(page, "supervisor@ca-m.demo.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Rosters", exact: true }).click();
  const { csv, rows } = await rosterCsv();
  expect(rows).toBeGreaterThan(50);
  await page.getByLabel("Roster CSV file").setInputFiles({ name: "ca-m-renewals-e2e.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Upload roster" }).click();
  await expect(page.getByTestId("upload-done")).toBeVisible();
  await expect(page.getByTestId("stat-kept")).toHaveText(String(rows));
  await page.getByRole("button", { name: "Sign out" }).click();
  // Signed out only once the sign-in page shows: navigating sooner cancels the sign-out.
  await expect(page.getByLabel("Email")).toBeVisible();

  // A reviewer works the queue.
  await signIn(page, "reviewer@ca-m.demo.test");
  await page.getByRole("link", { name: "Renewals" }).click();
  await expect(page.getByRole("heading", { name: "Renewal queue" })).toBeVisible();
  // The status strip equals plain SQL over the stored statuses (after the page's refresh).
  const counts = await querySql<{ status: string; n: string }>(
    `select status, count(*) as n from board.roster_entry where org_code = 'CA-M' and cycle_end between (now() at time zone 'America/Los_Angeles')::date and (now() at time zone 'America/Los_Angeles')::date + 90 group by status`,
  );
  for (const { status, n } of counts) {
    if (status === "pending") continue;
    await expect(page.getByTestId(`summary-${status}`)).toContainText(Number(n).toLocaleString("en-US"));
  }
  await page.screenshot({ path: `${SHOTS}/renewals-queue.png`, fullPage: true });

  // Short licensees, worst first.
  await page.getByTestId("summary-short").click();
  await expect(page).toHaveURL(/status=short/);
  await page.getByRole("link", { name: /^Short by: sort/ }).click();
  await expect(page.locator('th[aria-sort="descending"]')).toContainText("Short by");
  await page.screenshot({ path: `${SHOTS}/renewals-short.png`, fullPage: true });
  const first = page.locator("table.data-table tbody tr").first();
  const name = (await first.locator('td[data-col="name"]').textContent())!;
  await first.locator('td[data-col="name"] a').click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  // The cohort's cycles end in the coming weeks: still open, so "not yet met" rather than "short".
  await expect(page.getByTestId("entry-status")).toHaveText("Not yet met (cycle open)");
  await expect(page.getByTestId("requirement-total")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/renewals-entry.png`, fullPage: true });

  // Record a decision; the page says so only after it is saved.
  await page.getByLabel("Deficient").check();
  await page.getByLabel("Note").fill("Short of the total at renewal.");
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect(page.getByTestId("decision-recorded")).toBeVisible();
  const entryId = page.url().match(/renewals\/(\d+)/)![1]!;
  const [saved] = await querySql<{ outcome: string; note: string }>(`select outcome, note from board.decision where entry_id = $1`, [entryId]);
  expect(saved).toEqual({ outcome: "deficient", note: "Short of the total at renewal." });
  await expect(page.getByText("A decision is in force. Only a supervisor can supersede it.")).toBeVisible();

  // A supervisor supersedes it with a reason.
  await page.getByRole("button", { name: "Sign out" }).click();
  // Signed out only once the sign-in page shows: navigating sooner cancels the sign-out.
  await expect(page.getByLabel("Email")).toBeVisible();
  await signIn(page, "supervisor@ca-m.demo.test");
  await page.goto(`/renewals/${entryId}`);
  await page.getByLabel("Extension granted").check();
  const [deadline] = await querySql<{ d: string }>(`select (cycle_end + 90)::text as d from board.roster_entry where id = $1`, [entryId]);
  await page.getByLabel(/New deadline/).fill(deadline!.d);
  await page.getByLabel("Reason for superseding (required)").fill("Extension of 90 days approved by the board.");
  await page.getByRole("button", { name: "Supersede decision" }).click();
  await expect(page.getByTestId("decision-recorded")).toBeVisible();
  await expect(page.getByTestId("decision-history").locator("li")).toHaveCount(2);
  await page.screenshot({ path: `${SHOTS}/renewals-entry-decided.png`, fullPage: true });

  // The licensee page shows the history.
  await page.getByRole("link", { name: "Licensee page" }).click();
  await expect(page.getByTestId("licensee-decisions").locator("li")).toHaveCount(2);
  await expect(page.getByTestId("licensee-decisions")).toContainText("Extension of 90 days approved by the board.");
  await expect(page.getByTestId("licensee-decisions")).toContainText("Extended to");
  await page.screenshot({ path: `${SHOTS}/licensee-decisions.png`, fullPage: true });

  // An override: "Compliant" for a short licensee is marked on the form, refused without a reason, then recorded with one.
  await page.goto("/renewals?status=short&decision=undecided");
  await page.locator('table.data-table tbody tr td[data-col="name"] a').first().click();
  await expect(page.getByTestId("override-warning-compliant")).toBeVisible();
  await page.getByRole("radio", { name: "Compliant" }).check();
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect(page.getByTestId("override-reason-error")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/renewals-override-refused.png`, fullPage: true });
  await page.getByRole("radio", { name: "Compliant" }).check();
  await page.getByLabel(/Reason for the override/).fill("Certificates for the missing hours were sent to the board and checked.");
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect(page.getByTestId("decision-recorded")).toBeVisible();
  await expect(page.getByTestId("decision-override")).toContainText("Override: Certificates for the missing hours");
  const overrideId = page.url().match(/renewals\/(\d+)/)![1]!;
  const [override] = await querySql<{ override: boolean; override_reason: string }>(`select override, override_reason from board.decision where entry_id = $1`, [overrideId]);
  expect(override).toEqual({ override: true, override_reason: "Certificates for the missing hours were sent to the board and checked." });
  await page.screenshot({ path: `${SHOTS}/renewals-override.png`, fullPage: true });

  // Bulk: the confirmation states the number SQL finds.
  await page.goto("/renewals");
  const [meets] = await querySql<{ n: string }>(
    `select count(*) as n from board.roster_entry e where org_code = 'CA-M' and status = 'meets' and cycle_end between (now() at time zone 'America/Los_Angeles')::date and (now() at time zone 'America/Los_Angeles')::date + 90
       and not exists (select 1 from board.decision d where d.entry_id = e.id)`,
  );
  await page.getByRole("link", { name: /who meet as compliant/ }).click();
  if (Number(meets!.n) > 0) {
    await expect(page.getByTestId("bulk-count")).toContainText(`${Number(meets!.n).toLocaleString("en-US")} licensee`);
    await page.screenshot({ path: `${SHOTS}/renewals-bulk.png`, fullPage: true });
    await page.getByLabel(/I confirm/).check();
    await page.getByRole("button", { name: /^Record \d+ decisions?$/ }).click();
    await expect(page.getByTestId("bulk-recorded")).toContainText(`${Number(meets!.n).toLocaleString("en-US")} compliant`);
  }

  // An audit sample with a seed.
  await page.goto("/renewals/samples");
  await page.getByLabel("How many").fill("10");
  await page.getByLabel("Seed (optional)").fill("e2e-seed");
  await page.getByRole("button", { name: "Draw sample" }).click();
  await expect(page.getByTestId("sample-seed")).toHaveText("e2e-seed");
  await expect(page.getByTestId("sample-table").locator("tbody tr")).toHaveCount(10);
  await page.screenshot({ path: `${SHOTS}/renewals-sample.png`, fullPage: true });

  // The rules page.
  await page.goto("/renewals/rules");
  await expect(page.getByTestId("rule-summary")).toContainText("50");
  await page.screenshot({ path: `${SHOTS}/renewals-rules.png`, fullPage: true });
  // A version from a future date: previewed (no status changes), confirmed, and named in the history.
  await page.getByLabel("Minimum per cycle").fill("55");
  await page.getByLabel("In force for cycles ending on or after").fill("2099-01-01");
  await page.getByLabel("Reason for the change (kept in the history)").fill("Announced for a future renewal.");
  await page.getByTestId("rules-preview").click();
  await expect(page.getByTestId("preview-future")).toBeVisible();
  await expect(page.getByTestId("preview-summary")).toContainText("no current status changes");
  await page.screenshot({ path: `${SHOTS}/renewals-rules-preview.png`, fullPage: true });
  await page.getByTestId("rules-confirm").click();
  await expect(page.getByTestId("rules-saved")).toBeVisible();
  await expect(page.getByTestId("rule-history")).toContainText("Total: 50 → 55");
  await expect(page.getByTestId("rule-scheduled")).toContainText("January 1, 2099");

  // Export of the queue: every row of the window, same count as SQL.
  await page.goto("/renewals");
  await page.getByText("Export", { exact: true }).click();
  const download = page.waitForEvent("download");
  await page.getByTestId("export-menu").getByText("CSV (all matching rows)").click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^CA-M_renewals_([A-Za-z0-9.-]+_)*\d{4}-\d{2}-\d{2}_to_\d{4}-\d{2}-\d{2}_produced-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = await readFile((await file.path())!, "utf8");
  const [total] = await querySql<{ n: string }>(`select count(*) as n from board.roster_entry where org_code = 'CA-M' and cycle_end between (now() at time zone 'America/Los_Angeles')::date and (now() at time zone 'America/Los_Angeles')::date + 90`);
  expect(text.replace(/^\uFEFF/, "").trim().split("\n").length - 1).toBe(Number(total!.n));

  // The compliance overview report and the dashboard's compliance figures.
  await page.goto("/reports/compliance");
  await expect(page.getByTestId("chart-months")).toBeVisible();
  const [cohort] = await querySql<{ n: string }>(`select count(*) as n from board.roster_entry where org_code = 'CA-M' and cycle_end between (now() at time zone 'America/Los_Angeles')::date and (now() at time zone 'America/Los_Angeles')::date + 365`);
  await expect(page.getByTestId("stat-cohort")).toHaveText(Number(cohort!.n).toLocaleString("en-US"));
  await page.screenshot({ path: `${SHOTS}/reports-compliance.png`, fullPage: true });
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview", exact: true }).click();
  await expect(page.getByTestId("dashboard-compliance")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/dashboard-state-board.png`, fullPage: true });
});
