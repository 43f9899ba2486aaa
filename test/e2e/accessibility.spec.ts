// Accessibility by test: axe-core (WCAG 2.1 A and AA) on every page of the app, for every role,
// failing on any serious or critical violation; and where focus goes, and what is announced, after a
// form is submitted. Every page route must be listed below: a new page that is not fails the first
// test, so it cannot ship without being checked.
import { expect, test, type Page } from "@playwright/test";
import { appRoutes } from "../support/routes";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { signIn, signOut } from "./support/session";
import { querySql } from "./support/state";

type Kind = "state_board" | "certifying_board" | "accreditor";
type Role = "reviewer" | "supervisor" | "admin";
const BOARDS: readonly Kind[] = ["state_board", "certifying_board"];

interface PageCase {
  /** The route's pattern, as the route table spells it. */
  pattern: string;
  /** Extra query strings to check besides the bare page (a filtered or invalid search). */
  variants?: string[];
  kinds?: readonly Kind[];
  roles?: readonly Role[];
}

const PAGES: readonly PageCase[] = [
  { pattern: "/" },
  { pattern: "/credits", variants: ["?creditType=Patient%20Safety", "?dob=13/45&completedFrom=2025-05-01&completedTo=2025-01-01"] },
  { pattern: "/activities" },
  { pattern: "/activities/:activityId" },
  { pattern: "/licensees" },
  { pattern: "/licensees/:licenseeId" },
  { pattern: "/licensees/:licenseeId/transcript" },
  { pattern: "/renewals", kinds: BOARDS, variants: ["?status=short"] },
  { pattern: "/renewals/:entryId", kinds: BOARDS },
  { pattern: "/renewals/rules", kinds: BOARDS },
  { pattern: "/renewals/samples", kinds: BOARDS },
  { pattern: "/renewals/samples/:sampleId", kinds: BOARDS },
  { pattern: "/renewals/bulk", kinds: BOARDS },
  { pattern: "/rosters", kinds: BOARDS },
  { pattern: "/rosters/:uploadId", kinds: BOARDS },
  { pattern: "/rosters/unmatched", kinds: BOARDS },
  { pattern: "/reports" },
  { pattern: "/reports/compliance", kinds: BOARDS },
  { pattern: "/reports/credit-mix" },
  { pattern: "/reports/rejections" },
  { pattern: "/reports/timeliness" },
  { pattern: "/reports/volume" },
  { pattern: "/admin/analytics", roles: ["admin"] },
  { pattern: "/admin/users", roles: ["admin"], variants: ["?q=demo"] },
  { pattern: "/admin/users/invite", roles: ["admin"] },
  { pattern: "/admin/users/:userId", roles: ["admin"] },
  { pattern: "/account" },
  { pattern: "/account/security" },
  { pattern: "/account/security/enrol" },
  { pattern: "/admin/audit", roles: ["supervisor", "admin"], variants: ["?from=2020-01-01&to=2020-01-31"] },
  { pattern: "/admin/audit/verify", roles: ["admin"] },
  { pattern: "/admin/sso", roles: ["admin"] },
  // After the transcript (which issues a code) in this list: its code is read when the page is reached.
  { pattern: "/verify" },
  { pattern: "/verify/:code" },
];
/** Pages a signed-out visitor sees. */
const SIGNED_OUT_PAGES = ["/login", "/invite/accepted"];
/** Pages that need what only another test makes (a link shown once), checked with axe there. */
const CHECKED_ELSEWHERE: Record<string, string> = {
  "/invite/:token": "staff.spec.ts opens an invitation link an admin created",
  "/login/verify": "second-factor.spec.ts reaches it halfway through signing in",
  "/sso/:org": "a redirect to the identity provider; sso.spec.ts signs in through it",
  "/sso/callback": "sso.spec.ts checks its refusal page",
};

/** Each organization kind's records the parameterized pages open, found with plain SQL. */
async function idsFor(org: string): Promise<Record<string, string>> {
  const [row] = await querySql<Record<string, string | null>>(
    `select
       (select min(cr.learner_id)::text from learner.credit_report cr
         where cr.deleted_at is null and ($1 = 'ACCME' or cr.board_code = $1)) as "licenseeId",
       (select min(cr.activity_id)::text from learner.credit_report cr
         where cr.deleted_at is null and ($1 = 'ACCME' or cr.board_code = $1)) as "activityId",
       (select min(id)::text from board.roster_entry where org_code = $1) as "entryId",
       (select min(id)::text from board.roster_upload where org_code = $1) as "uploadId",
       (select min(id)::text from board.audit_sample where org_code = $1) as "sampleId",
       (select id::text from board.staff_user where org_code = $1 and role = 'reviewer' order by email limit 1) as "userId",
       (select min(code) from board.issued_transcript where org_code = $1) as "code"`,
    [org],
  );
  return Object.fromEntries(Object.entries(row ?? {}).filter((entry): entry is [string, string] => entry[1] !== null));
}

function fill(pattern: string, ids: Record<string, string>): string {
  return pattern.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const id = ids[name];
    if (!id) throw new Error(`no ${name} for ${pattern}`);
    return id;
  });
}

function applies(entry: PageCase, kind: Kind, role: Role): boolean {
  return (!entry.kinds || entry.kinds.includes(kind)) && (!entry.roles || entry.roles.includes(role));
}

/** How many page views checkPages must make: every applicable page and each of its variants. */
function pagesFor(kind: Kind, role: Role): number {
  return PAGES.filter((entry) => applies(entry, kind, role)).reduce((n, entry) => n + 1 + (entry.variants?.length ?? 0), 0);
}

async function checkPages(page: Page, org: string, kind: Kind, role: Role): Promise<number> {
  let checked = 0;
  for (const entry of PAGES) {
    if (!applies(entry, kind, role)) continue;
    // Read as each page is reached: an earlier page may have made the record a later one opens.
    const path = fill(entry.pattern, await idsFor(org));
    for (const query of ["", ...(entry.variants ?? [])]) {
      const response = await page.goto(`${path}${query}`);
      const status = response?.status() ?? 0;
      // An invalid search answers 400 with its messages; everything else opens.
      expect(status === 200 || (status === 400 && query.includes("13/45")), `${role} at ${org}: ${path}${query} answered ${status}`).toBe(true);
      await expect(page.locator("main h1")).toBeVisible();
      await expectNoSeriousA11yViolations(page, `${path}${query} as ${role} at ${org}`);
      checked += 1;
    }
  }
  return checked;
}

test("every page of the app is in the accessibility list", async () => {
  const routes = await appRoutes();
  const pages = routes.filter((r) => r.hasComponent).map((r) => r.pattern);
  const listed = new Set([...PAGES.map((p) => p.pattern), ...SIGNED_OUT_PAGES, ...Object.keys(CHECKED_ELSEWHERE)]);
  expect(pages.filter((p) => !listed.has(p)), "page routes missing from PAGES in accessibility.spec.ts").toEqual([]);
  // And nothing listed that is not a page any more.
  expect([...listed].filter((p) => !pages.includes(p))).toEqual([]);
});

test("the sign-in page, signed out", async ({ page }) => {
  for (const path of SIGNED_OUT_PAGES) {
    await page.goto(path);
    await expect(page.locator("h1")).toBeVisible();
    await expectNoSeriousA11yViolations(page, `${path} signed out`);
  }
});

for (const role of ["reviewer", "supervisor", "admin"] as const) {
  test(`every page a state board's ${role} can open`, async ({ page }) => {
    test.setTimeout(240_000);
    await signIn(page, `${role}@ca-m.demo.test`);
    // A random audit sample to open: drawn through the page, as staff do.
    await drawSample(page, "CA-M");
    expect(await checkPages(page, "CA-M", "state_board", role)).toBe(pagesFor("state_board", role));
  });
}

test("every page a certifying board's supervisor and an accreditor's admin can open", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, "supervisor@abim.demo.test");
  await drawSample(page, "ABIM");
  expect(await checkPages(page, "ABIM", "certifying_board", "supervisor")).toBe(pagesFor("certifying_board", "supervisor"));
  await signOut(page);
  await signIn(page, "admin@accme.demo.test");
  expect(await checkPages(page, "ACCME", "accreditor", "admin")).toBe(pagesFor("accreditor", "admin"));
});

/** Draws an audit sample (if the organization has none) through the page, and waits for it to open. */
async function drawSample(page: Page, org: string): Promise<void> {
  const [existing] = await querySql<{ n: string }>("select count(*)::text as n from board.audit_sample where org_code = $1", [org]);
  if (existing?.n !== "0") return;
  await page.goto("/renewals/samples");
  await page.getByRole("button", { name: /draw/i }).click();
  await expect(page).toHaveURL(/\/renewals\/samples\/\d+$/);
}

test("after a submission, focus moves to its result and the result is announced", async ({ page }) => {
  // A failed sign-in: focus on the message, which the live region reads out.
  await page.goto("/login");
  await page.getByLabel("Email").fill("reviewer@ca-m.demo.test");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  const failure = page.getByRole("alert");
  await expect(failure).toBeFocused();
  await expect(page.getByTestId("announcer")).toHaveText((await failure.innerText()).replace(/\s+/g, " ").trim());

  // A search: focus on the count of what it found, announced.
  await signIn(page);
  await page.goto("/credits");
  await page.getByRole("button", { name: "Apply filters" }).click();
  const count = page.getByTestId("result-count");
  await expect(count).toBeFocused();
  await expect(page.getByTestId("announcer")).toContainText(/\d/);

  // Following a link to another page starts focus again from the top, not in the result.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
  await expect(page.locator("main h1")).toHaveText(/report/i);
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
});
