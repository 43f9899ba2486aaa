// Second factors in a real browser (decision 031): a passkey made by Chromium's virtual
// authenticator (CTAP2, internal, resident keys, user verification) enrolled on the security page,
// then asked for at the next sign-in; an authenticator app whose codes the test computes with
// otpauth from the setup key the page shows. Passkeys need a host name, not an IP address: the
// passkey test runs at http://localhost:<port>. The passkey user comes through an admin's invitation; the app user is made with plain SQL.
import { expect, test, type Page } from "@playwright/test";
import { Secret, TOTP } from "otpauth";
import { hashPassword } from "../../app/auth/password.server";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { signIn } from "./support/session";
import { querySql } from "./support/state";

const PASSWORD = "a long enough e2e password";

async function makeUser(email: string, org: string): Promise<void> {
  await querySql(
    `insert into board.staff_user (email, display_name, password_hash, role, org_code) values ($1, $2, $3, 'reviewer', $4)
     on conflict (email) do nothing`,
    [email, "Jordan Avery", await hashPassword(PASSWORD), org],
  );
}

async function passwordStep(page: Page, email: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByLabel("Email")).toBeVisible();
}

test("an admin invites a person, who accepts, enrols a passkey on the security page and then signs in with it", async ({ page, baseURL, browser }) => {
  const email = "passkey-e2e@abim.example.gov";
  // The admin's invitation, made in the admin's own browser.
  const adminContext = await browser.newContext({ baseURL });
  const admin = await adminContext.newPage();
  await signIn(admin, "admin@abim.demo.test");
  await admin.goto("/admin/users/invite");
  await admin.getByLabel("Email").fill(email);
  await admin.getByRole("radio", { name: /^Reviewer/ }).check();
  await admin.getByRole("button", { name: "Create invitation link" }).click();
  const link = await admin.getByLabel("Invitation link").inputValue();
  await adminContext.close();

  const client = await page.context().newCDPSession(page);
  await client.send("WebAuthn.enable");
  const { authenticatorId } = await client.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  // A relying party is a host name: the same server, reached as localhost.
  const origin = baseURL!.replace("127.0.0.1", "localhost");
  // The person opens the link, names themselves and chooses a password.
  await page.goto(link.replace("127.0.0.1", "localhost"));
  await page.getByLabel("Your name").fill("Jordan Avery");
  await page.getByLabel("Choose a password").fill(PASSWORD);
  await page.getByLabel("Type it again").fill(PASSWORD);
  await page.getByRole("button", { name: "Create my account" }).click();
  await expect(page.getByRole("heading", { name: "Your account is ready" })).toBeVisible();
  await page.goto(`${origin}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();

  await page.goto(`${origin}/account/security`);
  await expect(page.getByRole("heading", { name: "Sign-in security" })).toBeVisible();
  await expectNoSeriousA11yViolations(page, "the security page");
  await page.getByLabel("Name (optional)").first().fill("Work laptop");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByText("“Work laptop” was added.")).toBeVisible();
  const codes = page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
  await expect(codes).toHaveCount(10);
  await expect(page.getByRole("cell", { name: "Work laptop" })).toBeVisible();
  // The passkey lives in the (virtual) authenticator, as a resident key.
  const { credentials } = await client.send("WebAuthn.getCredentials", { authenticatorId });
  expect(credentials.map((c) => c.isResidentCredential)).toEqual([true]);
  await expectNoSeriousA11yViolations(page, "the security page with recovery codes");

  await signOut(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Confirm it is you" })).toBeVisible();
  await expect(page).toHaveURL(`${origin}/login/verify`);
  await expectNoSeriousA11yViolations(page, "the second sign-in step");
  await page.getByRole("button", { name: "Use your passkey" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();

  const audited = await querySql<{ factor: string }>(
    `select a.detail->>'secondFactor' as factor from board.audit_event a join board.staff_user u on u.id = a.user_id
     where u.email = $1 and a.action = 'login.success' and a.detail ? 'secondFactor'`,
    [email],
  );
  expect(audited.map((r) => r.factor)).toEqual(["passkey"]);
  const stored = await querySql<{ name: string; last_used: boolean }>(
    `select c.name, c.last_used_at is not null as last_used from board.webauthn_credential c join board.staff_user u on u.id = c.user_id where u.email = $1`,
    [email],
  );
  expect(stored).toEqual([{ name: "Work laptop", last_used: true }]);
});

test("an authenticator app is enrolled and its code signs in", async ({ page }) => {
  const email = "totp-e2e@ca-m.test";
  await makeUser(email, "CA-M");
  await passwordStep(page, email);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  await page.goto("/account/security");
  await page.getByRole("button", { name: "Add an authenticator app" }).click();
  const key = (await page.getByLabel("Setup key").innerText()).replace(/\s/g, "");
  const totp = new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(key) });
  await expectNoSeriousA11yViolations(page, "the authenticator app setup");
  await page.getByLabel("6-digit code").fill(totp.generate());
  await page.getByRole("button", { name: "Confirm and add" }).click();
  await expect(page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem")).toHaveCount(10);

  await signOut(page);
  await passwordStep(page, email);
  await expect(page.getByRole("heading", { name: "Confirm it is you" })).toBeVisible();
  // The code just used is spent; the next step's code (within the accepted window) signs in.
  await page.getByLabel("6-digit code from your authenticator app").fill(totp.generate({ timestamp: Date.now() + 30_000 }));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
});
