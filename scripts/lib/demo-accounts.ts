// The demo's staff accounts: one reviewer, one supervisor and one admin per organisation, all with
// one known password. Created only for the embedded demo and the test stores, after seedBoard
// (db/seed-board.ts) has written the organisations. Idempotent: existing accounts are left alone.
import type { Kysely } from "kysely";
import { hashPassword } from "../../app/auth/password.server";
import type { Database } from "../../db/schema";
import { ORGANISATIONS, type OrganisationRef } from "../../domain/reference";

export const DEMO_PASSWORD = "demo-password";

export interface DemoAccount {
  email: string;
  role: "reviewer" | "supervisor" | "admin";
  org: OrganisationRef;
}

export function demoAccounts(): DemoAccount[] {
  return ORGANISATIONS.flatMap((org) =>
    (["reviewer", "supervisor", "admin"] as const).map((role) => ({
      email: `${role}@${org.code.toLowerCase()}.demo.test`,
      role,
      org,
    })),
  );
}

export async function seedDemoAccounts(db: Kysely<Database>): Promise<void> {
  const existing = new Set(
    (await db.selectFrom("board.staff_user").select("email").where("email", "like", "%.demo.test").execute()).map((r) => r.email),
  );
  const missing = demoAccounts().filter((a) => !existing.has(a.email));
  if (missing.length === 0) return;
  const rows = await Promise.all(
    missing.map(async (a) => ({
      email: a.email,
      display_name: `Demo ${a.role} (${a.org.code})`,
      password_hash: await hashPassword(DEMO_PASSWORD),
      role: a.role,
      org_code: a.org.code,
    })),
  );
  await db
    .insertInto("board.staff_user")
    .values(rows)
    .onConflict((oc) => oc.column("email").doNothing())
    .execute();
}
