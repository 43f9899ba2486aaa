// Board reference data (the participating organisations) and, for the demo only, one reviewer and
// one supervisor and one admin per organisation; the requirement rules seeded from REQUIREMENTS.md
// (every environment: an organisation starts from them and edits them). Idempotent: safe on every start.
import type { Kysely } from "kysely";
import { hashPassword } from "../app/auth/password.server";
import { SEEDED_REQUIREMENT_RULES } from "../domain/requirement-rules";
import { ORGANISATIONS, type OrganisationRef } from "../domain/reference";
import type { Database } from "./schema";

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

export async function seedBoard(db: Kysely<Database>, options: { demoUsers: boolean }): Promise<void> {
  await db
    .insertInto("board.organisation")
    .values(ORGANISATIONS.map(({ code, name, kind }) => ({ code, name, kind })))
    .onConflict((oc) => oc.column("code").doUpdateSet((eb) => ({ name: eb.ref("excluded.name"), kind: eb.ref("excluded.kind") })))
    .execute();
  await db
    .insertInto("board.requirement_rule")
    .values(SEEDED_REQUIREMENT_RULES.map((rule) => ({ org_code: rule.organisationCode, rule: JSON.stringify(rule) })))
    .onConflict((oc) => oc.column("org_code").doNothing())
    .execute();
  if (!options.demoUsers) return;
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
