// The front door, as a reviewer meets it: sign in, see your own scope, sign out.
import { expect, test, type Page } from "@playwright/test";
import { querySql } from "./support/state";

const SHOTS = "test-results/screenshots";

async function signIn(page: Page, email: string, password = "demo-password") {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a signed-out visitor is sent to sign in and comes back where they were going", async ({ page }) => {
  const cspViolations: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  await page.goto("/?from=bookmark");
  await expect(page).toHaveURL(/\/login\?redirectTo=/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/login.png`, fullPage: true });
  await signIn(page, "reviewer@ca-m.demo.test");
  await expect(page).toHaveURL(/\/\?from=bookmark$/);
  await expect(page.getByRole("heading", { name: "Medical Board of California" })).toBeVisible();
  // The page hydrated under the CSP: a client-side navigation works and nothing was blocked.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview", exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect.poll(() => page.evaluate(() => "__remixRouter" in window)).toBe(true);
  expect(cspViolations).toEqual([]);
});

test("a wrong password shows one clear message and keeps the email", async ({ page }) => {
  await page.goto("/login");
  await signIn(page, "reviewer@ca-m.demo.test", "wrong-password");
  await expect(page.getByRole("alert")).toContainText("Email or password is incorrect");
  await expect(page.getByLabel("Email")).toHaveValue("reviewer@ca-m.demo.test");
  await page.screenshot({ path: `${SHOTS}/login-error.png`, fullPage: true });
});

test("the form says which field is wrong", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Enter your email address")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
});

for (const [email, board, heading] of [
  ["reviewer@ca-m.demo.test", "CA-M", "Medical Board of California"],
  ["reviewer@abim.demo.test", "ABIM", "American Board of Internal Medicine"],
  ["reviewer@accme.demo.test", null, "Accreditation Council for Continuing Medical Education"],
] as const) {
  test(`the overview shows ${board ?? "ACCME"} its own figures`, async ({ page }) => {
    const [expected] = await querySql<{ reports: string; licensees: string }>(
      `select count(*) as reports, count(distinct learner_id) as licensees from learner.credit_report
       where deleted_at is null and ($1::text is null or board_code = $1)`,
      [board],
    );
    await page.goto("/login");
    await signIn(page, email);
    await expect(page.getByRole("heading", { name: heading })).toBeVisible();
    const fmt = (n: string) => Number(n).toLocaleString("en-US");
    await expect(page.getByTestId("stat-credit-reports")).toHaveText(fmt(expected!.reports));
    await expect(page.getByTestId("stat-licensees")).toHaveText(fmt(expected!.licensees));
    await page.screenshot({ path: `${SHOTS}/overview-${(board ?? "accme").toLowerCase()}.png`, fullPage: true });
  });
}

test("signing out ends the session: the back button does not bring the page back", async ({ page }) => {
  await page.goto("/login");
  await signIn(page, "reviewer@md-m.demo.test");
  await expect(page.getByRole("heading", { name: "Maryland Board of Physicians" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
});

test("the page can be used from the keyboard: skip link and focus order", async ({ page }) => {
  await page.goto("/login");
  await signIn(page, "reviewer@abs.demo.test");
  await expect(page.getByRole("heading", { name: "American Board of Surgery" })).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
});

test("a sign-in link whose return address leads to another site brings the reviewer home instead", async ({ page, baseURL }) => {
  // The page decodes the link once into its form: "/%09/evil.example" becomes "/<tab>/evil.example",
  // which a browser, dropping the tab, would follow to //evil.example.
  await page.goto("/login?redirectTo=/%09/evil.example");
  await signIn(page, "reviewer@or-m.demo.test");
  await expect(page).toHaveURL(`${baseURL}/`);
  // Already signed in, the sign-in page sends the reviewer on at once: home again, for each form.
  for (const link of ["/%0A/evil.example", "/%5Cevil.example", "//evil.example", "/.//evil.example", "https://evil.example/"]) {
    await page.goto(`/login?redirectTo=${link}`);
    await expect(page, link).toHaveURL(`${baseURL}/`);
  }
});
