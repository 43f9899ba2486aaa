// The official transcript in a real browser: from a renewal entry to the licensee page and its
// transcript, whose period is the renewal cycle; printed by Chromium to PDF, every page carries the
// licensee's name, the code and "Page x of y" (the @page margin boxes); then the code is verified.
// Expected dates come from plain SQL on the server's database; axe runs on each page.
import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { querySql } from "./support/state";
import { signIn } from "./support/session";

const SHOTS = "test-results/screenshots";
const mdy = (iso: string) => `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`;

test("a transcript opened from a renewal is the cycle's, prints its name and page x of y on every page, and verifies", async ({ page }) => {
  await signIn(page);
  // A California renewal (the licensee's only one on the roster, so it is their current cycle) with
  // the most records in its cycle, for several printed pages.
  const [entry] = await querySql<{ id: string; learner_id: string; first_name: string; last_name: string; cycle_start: string; cycle_end: string }>(
    `select e.id::text, e.learner_id::text, l.first_name, l.last_name, e.cycle_start::text, e.cycle_end::text
     from board.roster_entry e join learner.learner l on l.id = e.learner_id
     where e.org_code = 'CA-M' and e.retired_at is null and e.cycle_start is not null
       and not exists (select 1 from board.roster_entry o where o.org_code = 'CA-M' and o.learner_id = e.learner_id and o.id <> e.id and o.retired_at is null)
       and not exists (select 1 from board.decision d where d.entry_id = e.id and d.extended_to is not null)
     order by (select count(*) from learner.credit_report r where r.learner_id = e.learner_id and r.board_code = 'CA-M' and r.deleted_at is null
                 and r.completion_date between e.cycle_start and e.cycle_end) desc, e.id
     limit 1`,
  );
  expect(entry, "a CA-M renewal on the roster").toBeDefined();

  await page.goto(`/renewals/${entry!.id}`);
  await page.getByRole("link", { name: "Licensee page" }).click();
  await expect(page.getByTestId("current-cycle")).toContainText(`${mdy(entry!.cycle_start)} – ${mdy(entry!.cycle_end)}`);
  await expect(page.getByTestId("cycle-entry-link")).toHaveAttribute("href", `/renewals/${entry!.id}`);
  await expectNoSeriousA11yViolations(page, "the licensee page");

  await page.getByRole("link", { name: "Official transcript" }).click();
  await expect(page).toHaveURL(new RegExp(`/licensees/${entry!.learner_id}/transcript\\?entry=${entry!.id}$`));
  await expect(page.getByTestId("transcript-range")).toContainText(`${mdy(entry!.cycle_start)} – ${mdy(entry!.cycle_end)}`);
  await expect(page.getByTestId("transcript-issuer")).toContainText("Medical Board of California");
  await expect(page.getByTestId("transcript-issuer")).toContainText("Reported by accredited providers to the ACCME's program");
  await expect(page.getByTestId("transcript-produced")).toContainText(/P[SD]T$/);
  const code = (await page.getByTestId("transcript-code").textContent())!.trim();
  expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  await expectNoSeriousA11yViolations(page, "the transcript");
  await page.screenshot({ path: `${SHOTS}/transcript-official.png`, fullPage: true });

  // Printed: the running header and footer are the page's @page margin boxes, as Chromium reads them.
  await page.emulateMedia({ media: "print" });
  const boxes = await page.evaluate(() => {
    const found: Record<string, string> = {};
    for (const sheet of Array.from(document.styleSheets)) {
      for (const rule of Array.from(sheet.cssRules)) {
        if (!(rule instanceof CSSPageRule)) continue;
        for (const inner of Array.from((rule as CSSPageRule & { cssRules: CSSRuleList }).cssRules ?? [])) {
          const margin = inner as CSSRule & { name?: string; style?: CSSStyleDeclaration };
          if (margin.name && margin.style) found[margin.name] = margin.style.getPropertyValue("content");
        }
      }
    }
    return found;
  });
  expect(boxes["top-left"]).toBe(`"Official transcript · ${entry!.first_name} ${entry!.last_name}"`);
  expect(boxes["top-right"]).toBe(`"Verification code ${code}"`);
  expect(boxes["bottom-right"]).toBe(`"Page " counter(page) " of " counter(pages)`);
  expect(boxes["bottom-left"]).toMatch(/^"Produced .* P[SD]T"$/);
  const pdf = await page.pdf({ preferCSSPageSize: true });
  const pages = pdf.toString("latin1").match(/\/Type\s*\/Page\b/g)?.length ?? 0;
  expect(pages, "the transcript with the most records prints on several pages").toBeGreaterThan(1);
  await page.screenshot({ path: `${SHOTS}/transcript-official-print.png`, fullPage: true });
  await page.emulateMedia({ media: "screen" });

  // The code, typed as printed on paper.
  await page.goto("/verify");
  await page.getByLabel("Verification code").fill(code.toLowerCase());
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(new RegExp(`/verify/${code}$`));
  await expect(page.getByTestId("verify-authentic")).toContainText("Authentic");
  await expect(page.getByTestId("verify-outcome")).toHaveAttribute("data-outcome", "unchanged");
  await expect(page.getByTestId("verify-licensee")).toContainText(`${entry!.last_name}, ${entry!.first_name}`);
  await expectNoSeriousA11yViolations(page, "a verified transcript");
  await page.screenshot({ path: `${SHOTS}/verify.png`, fullPage: true });

  await page.goto("/verify/ZZZZ-ZZZZ-ZZZZ");
  await expect(page.getByTestId("verify-unknown")).toBeVisible();
});

test("find a licensee by license number alone", async ({ page }) => {
  await signIn(page);
  const [person] = await querySql<{ id: string; licence_id: string; last_name: string; first_name: string }>(
    `select l.id::text, x.licence_id, l.last_name, l.first_name from learner.learner l join learner.licence x on x.learner_id = l.id and x.board_code = 'CA-M'
     where exists (select 1 from learner.credit_report cr where cr.learner_id = l.id and cr.board_code = 'CA-M' and cr.deleted_at is null)
     order by l.id offset 5 limit 1`,
  );
  await page.goto("/licensees");
  await page.getByLabel("License number").fill(person!.licence_id);
  await page.getByRole("button", { name: "Find licensee" }).click();
  await expect(page.getByTestId("lookup-result")).toHaveAttribute("data-outcome", "one");
  await expect(page.getByRole("link", { name: `${person!.last_name}, ${person!.first_name}` })).toHaveAttribute("href", `/licensees/${person!.id}`);
  await expectNoSeriousA11yViolations(page, "the licensee lookup");
});
