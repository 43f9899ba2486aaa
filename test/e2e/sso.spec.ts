// Single sign-on in a real browser (decision 032): an administrator sets up the organization's
// identity provider on /admin/sso, then a person signs in through the provider's own login page
// (the test's OpenID provider on a loopback port) and lands on the dashboard; a person from another
// domain is told why not.
import { expect, test, type Page } from "@playwright/test";
import { startTestOidcProvider, TEST_CLIENT_ID, TEST_CLIENT_SECRET, type TestOidcProvider } from "../support/oidc-provider";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { signIn, signOut } from "./support/session";
import { querySql } from "./support/state";

const SHOTS = "test-results/screenshots";
const APP_PORT = Number(process.env.E2E_PORT ?? 3107);
/** The e2e OpenID provider's port (the integration tests use another). */
const PROVIDER_PORT = Number(process.env.E2E_OIDC_PORT ?? 3157);
const DOMAIN = "ca-sso-e2e.test";

test.describe.configure({ mode: "serial" });

let idp: TestOidcProvider;

test.beforeAll(async () => {
  idp = await startTestOidcProvider({ port: PROVIDER_PORT, redirectUris: [`http://127.0.0.1:${APP_PORT}/sso/callback`] });
  idp.people.set("pat", { sub: "pat", email: `pat@${DOMAIN}`, name: "Pat Okafor", groups: ["cme-reviewers"] });
  idp.people.set("outsider", { sub: "outsider", email: "outsider@elsewhere.test", groups: ["cme-reviewers"] });
});

test.afterAll(async () => {
  // Off again, whatever happened: the other browser tests sign CA-M's staff in with passwords.
  await querySql("delete from board.sso_config where org_code = 'CA-M'");
  await idp?.close();
});

/** Screenshots at a laptop's and a phone's width. */
async function shoot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}-1366.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/${name}-390.png`, fullPage: true });
  await page.setViewportSize({ width: 1366, height: 900 });
}

/** Signs in at the provider's own login page (any password: it is the test's provider). */
async function signInAtProvider(page: Page, login: string) {
  await expect(page).toHaveURL(new RegExp(`^http://127\\.0\\.0\\.1:${PROVIDER_PORT}/interaction/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
}

test("an administrator sets up single sign-on, and a person signs in through the provider's login page", async ({ page }) => {
  await signIn(page, "admin@ca-m.demo.test");
  await page.goto("/admin/sso");
  await expect(page.getByRole("heading", { name: "Single sign-on" })).toBeVisible();
  await expect(page.getByTestId("sso-status")).toContainText("Off.");
  await expectNoSeriousA11yViolations(page, "/admin/sso");

  await page.getByLabel("Issuer").fill(idp.issuer);
  await page.getByLabel("Client ID").fill(TEST_CLIENT_ID);
  await page.getByLabel("Client secret").fill(TEST_CLIENT_SECRET);
  await page.getByLabel("Allowed email domains").fill(DOMAIN);
  await page.getByLabel("Claim with the person's groups").fill("groups");
  await page.getByLabel("Groups and their roles").fill("cme-reviewers = reviewer\ncme-supervisors = supervisor");
  await page.getByLabel("Create an account at a person’s first sign-in").check();
  await page.getByRole("button", { name: "Check connection" }).click();
  await expect(page.getByTestId("sso-check")).toContainText("Connected: the identity provider answers as");
  await expect(page.getByLabel("Issuer")).toHaveValue(idp.issuer);
  await page.getByLabel(/Turn on/).check();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Single sign-on settings saved.")).toBeVisible();
  await expect(page.getByTestId("sso-status")).toContainText("On.");
  // Once saved, the secret is gone from the page: the field is empty, the server never sends it.
  await expect(page.getByLabel("Client secret")).toHaveValue("");
  await expect(page.getByLabel("Client secret")).toHaveAttribute("placeholder", "Stored: leave empty to keep it");
  await expectNoSeriousA11yViolations(page, "/admin/sso, saved");
  await shoot(page, "admin-sso");
  // (From a page whose labels do not mention "email", which signOut waits for on the sign-in page.)
  await page.goto("/");
  await signOut(page);

  const offer = page.getByRole("link", { name: "Sign in with Medical Board of California’s account" });
  await expect(offer).toBeVisible();
  await expectNoSeriousA11yViolations(page, "/login with single sign-on");
  await shoot(page, "login-sso");
  await offer.click();
  await signInAtProvider(page, "pat");

  await expect(page).toHaveURL(`http://127.0.0.1:${APP_PORT}/`);
  await expect(page.getByRole("heading", { name: "Medical Board of California" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  const [account] = await querySql<{ role: string; org_code: string; sso_subject: string }>(
    "select role, org_code, sso_subject from board.staff_user where email = $1",
    [`pat@${DOMAIN}`],
  );
  expect(account).toEqual({ role: "reviewer", org_code: "CA-M", sso_subject: `${idp.issuer} pat` });
  await signOut(page);
});

test("a person from another email domain is told why they cannot sign in", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("link", { name: "Sign in with Medical Board of California’s account" }).click();
  await signInAtProvider(page, "outsider");
  await expect(page.getByRole("heading", { name: "Sign-in did not complete" })).toBeVisible();
  await expect(page.getByRole("alert")).toContainText("Your email address is not one your organization allows to sign in here.");
  await expectNoSeriousA11yViolations(page, "/sso/callback refused");
  await shoot(page, "sso-refused");
  await page.getByRole("link", { name: "Back to sign in" }).click();
  await expect(page.getByLabel("Email")).toBeVisible();
});
