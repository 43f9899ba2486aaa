// Migration 0013 on a database that holds rules in the old model: a rule set never edited is
// replaced by the migration's seeded copy, an edited one keeps its values with its "applies to"
// groups turned into attribute conditions (history too).
import { sql } from "kysely";
import { Migrator } from "kysely/migration";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { migrateToLatest } from "../../db/migrate";
import { migrations } from "../../db/migrations/index";
import { SEEDED_AT_0013 } from "../../db/migrations/0013_rule_model";
import { ORGANISATIONS } from "../../domain/reference";
import { requirementRuleSetSchema } from "../../domain/requirement-rules";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"), { empty: true });
  const upTo0012 = await new Migrator({ db: database.owner, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true }).migrateTo("0012_sign_in_devices");
  if (upTo0012.error) throw upTo0012.error;
});
afterAll(() => database.drop());

const sourced = { source: "ncmedboard.org (REQUIREMENTS.md)", assumed: false };

/** North Carolina's rule set as the old model seeded it. */
const OLD_NC = {
  organisationCode: "NC-M",
  creditLabel: "AMA PRA Category 1 credits",
  cycle: { anchor: "roster", years: 3, provenance: sourced },
  total: { minimum: 60, provenance: sourced },
  requirements: [
    {
      kind: "creditTypes",
      id: "controlled-substance",
      creditTypes: ["Controlled Substance"],
      minimum: 3,
      period: { kind: "cycle" },
      appliesTo: { group: "prescribers", label: "licensees who prescribe controlled substances", whenUnknown: "applies" },
      provenance: sourced,
    },
  ],
  notes: [],
};

/** Alabama's, as a board edited it (total 30 instead of 25). */
const alabama = (total: number) => ({
  organisationCode: "AL-M",
  creditLabel: "AMA PRA Category 1 credits",
  cycle: { anchor: "fixedDate", years: 1, endMonth: 12, endDay: 31, provenance: sourced },
  total: { minimum: total, provenance: sourced },
  requirements: [
    {
      kind: "creditTypes",
      id: "controlled-substance",
      creditTypes: ["Controlled Substance"],
      minimum: 2,
      period: { kind: "lastYears", years: 2 },
      appliesTo: { group: "controlledSubstanceCertificate", label: "certificate holders", whenUnknown: "applies" },
      provenance: sourced,
    },
  ],
  notes: [],
});

describe("migration 0013: the rule model", () => {
  it("replaces never-edited rules, converts edited ones and their history", async () => {
    const db = database.owner;
    await sql`insert into board.organisation (code, name, kind) select * from unnest(${ORGANISATIONS.map((o) => o.code)}::text[], ${ORGANISATIONS.map((o) => o.name)}::text[], ${ORGANISATIONS.map((o) => o.kind)}::text[])`.execute(db);
    const user = await sql<{ id: string }>`
      insert into board.staff_user (email, display_name, password_hash, role, org_code)
      values ('supervisor@al.example', 'Sam Supervisor', 'x', 'supervisor', 'AL-M') returning id`.execute(db);
    const userId = user.rows[0]!.id;
    await sql`insert into board.requirement_rule (org_code, rule, version) values ('NC-M', ${JSON.stringify(OLD_NC)}::jsonb, 1)`.execute(db);
    await sql`insert into board.requirement_rule (org_code, rule, version, updated_by) values ('AL-M', ${JSON.stringify(alabama(30))}::jsonb, 2, ${userId})`.execute(db);
    await sql`
      insert into board.requirement_rule_change (org_code, version, changed_by, reason, before, after)
      values ('AL-M', 2, ${userId}, 'The Board raised the total', ${JSON.stringify(alabama(25))}::jsonb, ${JSON.stringify(alabama(30))}::jsonb)`.execute(db);

    await migrateToLatest(db);

    const rules = await sql<{ org_code: string; rule: unknown; version: number }>`select org_code, rule, version from board.requirement_rule order by org_code`.execute(db);
    const byCode = new Map(rules.rows.map((r) => [r.org_code, r]));
    // Never edited: the migration's seeded copy, still version 1.
    expect(byCode.get("NC-M")).toEqual({ org_code: "NC-M", rule: SEEDED_AT_0013["NC-M"], version: 1 });
    // Edited: the board's 30 kept, the certificate group now an attribute condition.
    const al = requirementRuleSetSchema.parse(byCode.get("AL-M")?.rule);
    expect(byCode.get("AL-M")?.version).toBe(2);
    expect(al.total.minimum).toBe(30);
    expect(al.requirements[0]?.appliesTo).toEqual({ label: "certificate holders", when: [{ attribute: "controlledSubstanceCertificate", is: true }], whenUnknown: "applies" });

    const history = await sql<{ before: unknown; after: unknown }>`select before, after from board.requirement_rule_change where org_code = 'AL-M'`.execute(db);
    expect(history.rows).toHaveLength(1);
    const [before, after] = [requirementRuleSetSchema.parse(history.rows[0]!.before), requirementRuleSetSchema.parse(history.rows[0]!.after)];
    expect([before.total.minimum, after.total.minimum]).toEqual([25, 30]);
    expect(before.requirements[0]?.appliesTo?.when).toEqual([{ attribute: "controlledSubstanceCertificate", is: true }]);
    expect(after.requirements[0]?.appliesTo?.when).toEqual([{ attribute: "controlledSubstanceCertificate", is: true }]);
  });

  it("leaves the seeded copy parseable by the app for every organization", () => {
    for (const [code, rule] of Object.entries(SEEDED_AT_0013)) expect(requirementRuleSetSchema.safeParse(rule).success, code).toBe(true);
  });
});
