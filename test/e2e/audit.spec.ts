// The audit trail in a real browser: a reviewer opens a licensee; a supervisor then opens the same
// licensee, finds the reviewer in "Who has seen this record", follows the link to the audit search
// filtered to that licensee, and exports it. Expected rows come from plain SQL on the server's
// database; each page is checked with axe and screenshotted.
import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { signIn, signOut } from "./support/session";
import { querySql } from "./support/state";

const SHOTS = "test-results/screenshots";

test("a supervisor finds who viewed a licensee and exports it", async ({ page }) => {
  const [licensee] = await querySql<{ id: string; name: string }>(
    `select l.id::text, l.last_name || ', ' || l.first_name as name from learner.learner l
     where exists (select 1 from learner.licence k where k.learner_id = l.id and k.board_code = 'CA-M')
       and exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = 'CA-M' and r.deleted_at is null)
     order by l.id desc limit 1`,
  );
  const viewsBy = (who: string) => async () =>
    Number(
      (
        await querySql<{ n: string }>(
          `select count(*) as n from board.audit_event e join board.staff_user u on u.id = e.user_id
           where e.org_code = 'CA-M' and u.email = $2 and e.action = 'licensee.view' and e.target = $1`,
          [`learner:${licensee!.id}`, `${who}@ca-m.demo.test`],
        )
      )[0]!.n,
    );
  const reviewerViews = viewsBy("reviewer");
  const supervisorViews = viewsBy("supervisor");
  const before = await reviewerViews();
  const supervisorBefore = await supervisorViews();

  // The reviewer opens the licensee (the view is audited in the background, within about a second).
  await signIn(page, "reviewer@ca-m.demo.test");
  await page.goto(`/licensees/${licensee!.id}`);
  await expect(page.getByRole("heading", { name: licensee!.name })).toBeVisible();
  await expect(page.getByTestId("record-viewers")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Audit trail" })).toHaveCount(0);
  await signOut(page);
  await expect.poll(reviewerViews).toBeGreaterThan(before);

  // The supervisor sees the reviewer in the panel.
  await signIn(page, "supervisor@ca-m.demo.test");
  await page.goto(`/licensees/${licensee!.id}`);
  const panel = page.getByTestId("record-viewers");
  await expect(panel.getByRole("heading", { name: "Who has seen this record" })).toBeVisible();
  await expect(panel.getByTestId("record-viewer").filter({ hasText: "Demo reviewer (CA-M)" }).first()).toContainText("Opened the licensee page");
  await panel.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/audit-licensee-panel.png`, fullPage: true });
  await expectNoSeriousA11yViolations(page, "licensee page with who has seen it");

  // The supervisor's own view is in the trail too once written: wait for it, so the search's count is settled.
  await expect.poll(supervisorViews).toBeGreaterThan(supervisorBefore);

  // Follow to the audit search, filtered to this licensee.
  await panel.getByTestId("record-viewers-link").click();
  await expect(page.getByRole("heading", { name: "Audit trail" })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/admin/audit\\?learner=${licensee!.id}$`));
  const expected = await querySql<{ id: string }>(
    `select e.id::text from board.audit_event e
     where e.org_code = 'CA-M' and (e.target = $1 or e.target in (select 'entry:' || id from board.roster_entry where org_code = 'CA-M' and learner_id = $2::bigint)
                                    or e.target in (select 'roster_entry:' || id from board.roster_entry where org_code = 'CA-M' and learner_id = $2::bigint)
                                    or (e.action = 'decision.bulk' and e.detail -> 'entries' ?| array(select id::text from board.roster_entry where org_code = 'CA-M' and learner_id = $2::bigint)))
     order by e.occurred_at desc, e.id desc`,
    [`learner:${licensee!.id}`, licensee!.id],
  );
  await expect(page.getByTestId("result-count")).toHaveText(`${expected.length} ${expected.length === 1 ? "event" : "events"}`);
  await expect(page.getByTestId("audit-row").filter({ hasText: "Demo reviewer (CA-M)" }).first()).toContainText(licensee!.name);
  await page.screenshot({ path: `${SHOTS}/audit-search.png`, fullPage: true });
  await expectNoSeriousA11yViolations(page, "audit search");

  // Export it: the same events, newest first.
  await page.getByText("Export", { exact: true }).click();
  const downloading = page.waitForEvent("download");
  await page.getByTestId("export-menu").getByText("CSV (every matching event)").click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^CA-M_audit-trail_(.+_)?produced-\d{4}-\d{2}-\d{2}\.csv$/);
  const rows = parse(await readFile((await download.path())!, "utf8"), { bom: true }) as string[][];
  // One time column, in the board's own zone (named), as every export has it.
  expect(rows[0]).toEqual(["Time (Pacific Time)", "User", "E-mail", "Action", "About", "Details", "Address", "Event"]);
  expect(rows.slice(1).map((r) => r.at(-1))).toEqual(expected.map((e) => e.id));
  // The export itself is in the trail.
  await expect
    .poll(async () => (await querySql<{ n: string }>(`select count(*) as n from board.audit_event e join board.staff_user u on u.id = e.user_id where u.email = 'supervisor@ca-m.demo.test' and e.action = 'export' and e.target = 'audit-trail'`))[0]!.n)
    .not.toBe("0");
});
