// Signing in and out as the demo accounts, for every browser test that starts from a signed-in page.
import { expect, type Page } from "@playwright/test";

export async function signIn(page: Page, email = "reviewer@ca-m.demo.test"): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("demo-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  // Signed out only once the sign-in page shows: navigating sooner cancels the sign-out.
  await expect(page.getByLabel("Email")).toBeVisible();
}
