// Issue 20: joint providership (PARS's "Providership" and "Joint Provider Name" filters). An activity
// planned and presented with another organization names that organization; a directly provided one
// leaves it empty. Frozen in time.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table learner.activity add column joint_provider_name text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table learner.activity drop column joint_provider_name`.execute(db);
}
