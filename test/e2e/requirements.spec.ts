// Requirements as boards write them, in a real browser: a California supervisor uploads a roster with
// the board's own columns (specialty, share of older patients, initial license date, prescriber) and
// corrects one licensee's record on the renewal page; an ABIM supervisor adds a Patient Safety minimum
// to the board's rules (previewed, then saved); an ABIM reviewer then finds the diplomates short in
// Patient Safety before a deadline in two clicks from the queue. Expected figures come from plain SQL
// on the server's database; every page is screenshotted and checked with axe.
import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { querySql } from "./support/state";
import { signIn, signOut } from "./support/session";

const SHOTS = "test-results/screenshots";

test("a California roster with the board's own columns, and one licensee's record corrected", async ({ page }) => {
  const people = await querySql<{ licence_id: string; first_name: string; last_name: string; bm: number; bd: number }>(
    `select k.licence_id, l.first_name, l.last_name, l.birth_month as bm, l.birth_day as bd
       from learner.licence k join learner.learner l on l.id = k.learner_id
      where k.board_code = 'CA-M' and l.deleted_at is null and l.first_name ~ '^[A-Za-z]+$' and l.last_name ~ '^[A-Za-z]+$'
        and exists (select 1 from learner.credit_report r where r.learner_id = l.id and r.board_code = 'CA-M')
        and not exists (select 1 from board.roster_entry e where e.org_code = 'CA-M' and e.learner_id = l.id)
      order by l.id desc limit 4`,
  );
  expect(people).toHaveLength(4);
  const pad = (n: number) => String(n).padStart(2, "0");
  const year = 2040 + (Date.now() % 40);
  // Column names as a board's own export spells them (aliases), one row left without a specialty.
  const rows = [
    ["Internal Medicine", "40", "2001-06-15", "Y"],
    ["Family Medicine", "10", "2019-03-01", "N"],
    ["General Surgery", "70", "", "Y"],
    ["", "", "", ""],
  ];
  const csv = [
    "licence_id,first_name,last_name,birth_date,expiration_date,Primary Specialty,Patients 65 percent,Original License Date,DEA Registrant",
    ...people.map((p, i) => [p.licence_id, p.first_name, p.last_name, `${pad(p.bm)}/${pad(p.bd)}`, `${pad(p.bm)}/28/${year}`, ...rows[i]!].join(",")),
  ].join("\n");

  await signIn(page, "supervisor@ca-m.demo.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Rosters", exact: true }).click();
  await page.getByLabel("Roster CSV file").setInputFiles({ name: `ca-m-attributes-${year}.csv`, mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Upload roster" }).click();
  await expect(page.getByTestId("upload-done")).toBeVisible();
  await expect(page.getByTestId("stat-kept")).toHaveText("4");
  // The four columns were read; eleven values were given (empty cells are "not supplied").
  await expect(page.getByTestId("upload-attributes")).toContainText("Specialty");
  await expect(page.getByTestId("upload-attributes")).toContainText("11 values changed");
  await page.screenshot({ path: `${SHOTS}/requirements-roster-attributes.png`, fullPage: true });
  await expectNoSeriousA11yViolations(page, "roster upload with attributes");

  // What the database holds is what the file said.
  const stored = await querySql<{ roster_key: string; key: string; value: string }>(
    `select roster_key, key, value #>> '{}' as value from board.licensee_attribute where org_code = 'CA-M' and roster_key = any($1::text[]) order by roster_key, key`,
    [people.map((p) => p.licence_id)],
  );
  expect(stored).toHaveLength(11);
  expect(stored.find((s) => s.roster_key === people[0]!.licence_id && s.key === "patients65Percent")?.value).toBe("40");

  // The internist's renewal: what the board knows, and the geriatric share applying.
  const [entry] = await querySql<{ id: string }>(`select id::text from board.roster_entry where org_code = 'CA-M' and roster_key = $1 and cycle_end = $2::date`, [
    people[0]!.licence_id,
    `${year}-${pad(people[0]!.bm)}-28`,
  ]);
  await page.goto(`/renewals/${entry!.id}`);
  await expect(page.getByTestId("attribute-specialty")).toContainText("Internal Medicine");
  await expect(page.getByTestId("requirement-geriatric-medicine")).toContainText("Applies");
  // The supervisor corrects the share of older patients; the geriatric share no longer applies.
  await page.getByText("Change what the board knows", { exact: true }).click();
  await page.getByLabel("Patients aged 65 or over (%)").fill("20");
  await page.getByTestId("attributes-form").getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("attributes-saved")).toBeVisible();
  await expect(page.getByTestId("attribute-patients65Percent")).toContainText("20%");
  await expect(page.getByTestId("requirement-geriatric-medicine")).toContainText("Does not apply");
  await page.getByTestId("attribute-history").locator("summary").click();
  await expect(page.getByTestId("attribute-history")).toContainText("40% → 20%");
  await page.screenshot({ path: `${SHOTS}/requirements-entry-attributes.png`, fullPage: true });
  await expectNoSeriousA11yViolations(page, "renewal entry with attributes");
  const [change] = await querySql<{ before: string; after: string; source: string }>(
    `select before #>> '{}' as before, after #>> '{}' as after, source from board.licensee_attribute_change
      where org_code = 'CA-M' and roster_key = $1 and key = 'patients65Percent' order by id desc limit 1`,
    [people[0]!.licence_id],
  );
  expect(change).toEqual({ before: "40", after: "20", source: "staff" });
});

test("ABIM: a Patient Safety minimum added by a supervisor, then the diplomates short in it found in two clicks", async ({ page }) => {
  await signIn(page, "supervisor@abim.demo.test");
  await page.goto("/renewals/rules");
  const already = await querySql<{ n: string }>(`select count(*) as n from board.requirement_rule where org_code = 'ABIM' and rule::text like '%"patient-safety"%'`);
  if (Number(already[0]!.n) === 0) {
    await page.getByRole("button", { name: "Add a topic or credit-type requirement" }).click();
    // The new requirement is the editor's last requirement group.
    const added = page.locator('fieldset[data-testid^="requirement-"]').last();
    await added.getByLabel("Short name (used in filters and exports)").fill("patient-safety");
    await added.getByLabel("Patient Safety", { exact: true }).check();
    await added.getByLabel("Minimum credits").fill("20");
    await added.getByLabel("Source (statute, rule or board page)").fill("ABIM's board policy for this program, adopted by its board");
    await page.getByLabel("In force for cycles ending on or after").fill("2000-01-01");
    await page.getByLabel("Reason for the change (kept in the history)").fill("Patient Safety minimum adopted by the board.");
    await page.getByTestId("rules-preview").click();
    await expect(page.getByTestId("preview-summary")).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/requirements-abim-preview.png`, fullPage: true });
    await expectNoSeriousA11yViolations(page, "rule preview");
    await page.getByTestId("rules-confirm").click();
    await expect(page.getByTestId("rules-saved")).toBeVisible();
    await expect(page.getByTestId("rule-history")).toContainText("Patient Safety");
  }
  await signOut(page);

  // The reviewer: the statuses are evaluated in the background; wait until none is pending.
  await expect
    .poll(async () => Number((await querySql<{ n: string }>(`select count(*) as n from board.roster_entry where org_code = 'ABIM' and status = 'pending'`))[0]!.n), {
      timeout: 60_000,
    })
    .toBe(0);
  await signIn(page, "reviewer@abim.demo.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Certification cycles" }).click();
  // The requirement's id as the board saved it (the queue filters and the stored shortfalls use it).
  const [saved] = await querySql<{ id: string }>(
    `select r->>'id' as id from board.requirement_rule, jsonb_array_elements(rule->'requirements') r
      where org_code = 'ABIM' and r->'creditTypes' ? 'Patient Safety'`,
  );
  const id = saved!.id;
  // Click 1: short in Patient Safety. Click 2: ending within the next 180 days.
  await page.getByTestId("short-in").getByRole("link", { name: "Patient Safety", exact: true }).click();
  await page.getByTestId("window-180").click();
  const [{ today }] = (await querySql<{ today: string }>(`select ((now() at time zone 'America/New_York')::date)::text as today`)) as [{ today: string }];
  const expected = await querySql<{ n: string }>(
    `select count(*) as n from board.roster_entry where org_code = 'ABIM' and retired_at is null
        and cycle_end between $1::date and $1::date + 180 and shortfalls ? $2`,
    [today, id],
  );
  expect(Number(expected[0]!.n)).toBeGreaterThan(0);
  await expect(page.getByTestId("result-count")).toContainText(Number(expected[0]!.n).toLocaleString("en-US"));
  // Most short first: the first row's Patient Safety shortfall is the largest.
  const [most] = await querySql<{ amount: string }>(
    `select max((shortfalls ->> $2)::numeric)::text as amount from board.roster_entry
      where org_code = 'ABIM' and retired_at is null and cycle_end between $1::date and $1::date + 180 and shortfalls ? $2`,
    [today, id],
  );
  await expect(page.locator("tbody tr").first()).toContainText(String(Number(most!.amount)));
  await page.screenshot({ path: `${SHOTS}/requirements-abim-short-in-patient-safety.png`, fullPage: true });
  await expectNoSeriousA11yViolations(page, "queue short in Patient Safety");
});
