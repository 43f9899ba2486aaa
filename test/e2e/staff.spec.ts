// Staff administration as an admin meets it: invite a person, who opens the link in their own browser,
// creates their account and signs in; then deactivate them, and their open page is signed out at its
// next request. The pages are checked with axe along the way.
import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { signIn } from "./support/session";

const SHOTS = "test-results/screenshots";
const PASSWORD = "maple kettle harbor violin";

test("an admin invites a person who accepts and signs in; deactivating them signs their open page out", async ({ page, browser }) => {
  const email = `new.reviewer.${Date.now()}@ca-m.example.gov`;
  await signIn(page, "admin@ca-m.demo.test");
  // Admins have "Staff" in the navigation.
  const staffLink = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Staff" });
  await expect(staffLink).toHaveAttribute("href", "/admin/users");
  await page.goto("/admin/users");
  await expect(page.getByRole("heading", { name: "Staff", exact: true })).toBeVisible();
  await expectNoSeriousA11yViolations(page, "the staff list");

  await page.getByRole("link", { name: "Invite a staff member" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("radio", { name: /^Reviewer/ }).check();
  await page.getByRole("button", { name: "Create invitation link" }).click();
  await expect(page.getByTestId("invite-link")).toContainText(`Invitation ready for ${email}`);
  const link = await page.getByLabel("Invitation link").inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  await expectNoSeriousA11yViolations(page, "the invitation link");
  await page.screenshot({ path: `${SHOTS}/staff-invite-link.png`, fullPage: true });

  // The invitee, in a browser of their own.
  const theirs = await browser.newContext();
  const invitee = await theirs.newPage();
  await invitee.goto(link);
  await expect(invitee.getByRole("heading", { name: "Join Medical Board of California" })).toBeVisible();
  await expect(invitee.getByTestId("invite-card")).toContainText(email);
  await expectNoSeriousA11yViolations(invitee, "the invitation page");
  await invitee.getByLabel("Your name").fill("Robin Alvarez");
  await invitee.getByLabel("Choose a password").fill("too short");
  await invitee.getByLabel("Type it again").fill("too short");
  await invitee.getByRole("button", { name: "Create my account" }).click();
  await expect(invitee.getByText(/Use at least 15 characters/)).toBeVisible();
  await invitee.getByLabel("Choose a password").fill(PASSWORD);
  await invitee.getByLabel("Type it again").fill(PASSWORD);
  await invitee.getByRole("button", { name: "Create my account" }).click();
  await expect(invitee.getByRole("heading", { name: "Your account is ready" })).toBeVisible();
  await invitee.getByRole("link", { name: "Continue to sign in" }).click();
  await invitee.getByLabel("Email").fill(email);
  await invitee.getByLabel("Password").fill(PASSWORD);
  await invitee.getByRole("button", { name: "Sign in" }).click();
  await expect(invitee.getByRole("button", { name: "Sign out" })).toBeVisible();
  await invitee.goto("/credits");
  await expect(invitee).toHaveURL(/\/credits/);

  // The link works once.
  const again = await (await browser.newContext()).newPage();
  await again.goto(link);
  await expect(again.getByRole("alert")).toContainText("already been used");

  // The admin finds and deactivates them.
  await page.goto("/admin/users");
  await page.getByLabel("Name or email").fill(email);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: "Robin Alvarez" }).click();
  await expect(page.getByTestId("staff-status")).toHaveText("Active");
  await expectNoSeriousA11yViolations(page, "a staff member's page");
  await page.getByRole("button", { name: "Deactivate" }).click();
  await expect(page.getByTestId("staff-result")).toContainText("deactivated and signed out of 1 session");
  await expect(page.getByTestId("staff-status")).toHaveText("Deactivated");
  await page.screenshot({ path: `${SHOTS}/staff-deactivated.png`, fullPage: true });

  // Their open page: the next request is signed out.
  await invitee.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Activities" }).click();
  await expect(invitee.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(invitee).toHaveURL(/\/login/);
  await theirs.close();
});

test("a user sees their sessions and changes their password on the account page", async ({ page, browser }) => {
  // A second browser of the same user, to be signed out by the change.
  const other = await browser.newContext();
  const elsewhere = await other.newPage();
  await signIn(elsewhere, "supervisor@abs.demo.test");
  await signIn(page, "supervisor@abs.demo.test");
  await page.getByRole("link", { name: /Demo supervisor \(ABS\)/ }).click();
  await expect(page.getByRole("heading", { name: "Where you are signed in" })).toBeVisible();
  await expect(page.getByTestId("session-table").getByText("This browser")).toBeVisible();
  await expectNoSeriousA11yViolations(page, "the account page");
  await page.getByLabel("Current password").fill("demo-password");
  await page.getByLabel("New password", { exact: true }).fill("PasswordPassword");
  await page.getByLabel("New password again").fill("PasswordPassword");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("This password is on a list of common or breached passwords")).toBeVisible();
  await expectNoSeriousA11yViolations(page, "the account page with an error");
  await page.getByRole("button", { name: "Sign out everywhere else" }).click();
  await expect(page.getByText(/Signed out of \d+ other session/)).toBeVisible();
  await elsewhere.reload();
  await expect(elsewhere.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/account.png`, fullPage: true });
  await other.close();
});
