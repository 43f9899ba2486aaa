// Test databases on the suite's embedded PostgreSQL: private clones of the seeded template.
import { randomBytes } from "node:crypto";
import { sql, type Kysely } from "kysely";
import { inject } from "vitest";
import { createAppDb, createDb, withDatabase } from "../../db/client";
import { rowScopeFor, scopeForOrganisation, type Scope } from "../../app/auth/scope.server";
import { setRowScope } from "../../db/row-scope";
import type { Database } from "../../db/schema";
import { admin, TEMPLATE_DB } from "./template";

export { TEMPLATE_DB, TEMPLATE_SEED } from "./template";

export interface TestDatabase {
  url: string;
  /** Log in as the app's role (cme_app) to this database. */
  appUrl: string;
  /** Owner role: for arranging data and for independent SQL checks. */
  owner: Kysely<Database>;
  /** The app's restricted role, exactly as the server uses it. */
  app: Kysely<Database>;
  drop(): Promise<void>;
}

/** A private copy of the seeded template (or an empty database with `empty: true`). */
export async function createTestDatabase(serverUrl: string, options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString("hex")}`;
  await admin(serverUrl, (c) =>
    c.query(options.empty ? `create database ${name}` : `create database ${name} template ${TEMPLATE_DB}`),
  );
  const url = withDatabase(serverUrl, name);
  const owner = createDb({ connectionString: url, max: 4 });
  const appUrl = withDatabase(inject("pgAppUrl"), name);
  const app = createAppDb(url, appUrl, 4);
  return {
    url,
    appUrl,
    owner,
    app,
    async drop() {
      await Promise.all([owner.destroy(), app.destroy()]);
      await admin(serverUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/**
 * The app's client acting for an organisation, as a request signed in to it does: sets the row scope
 * (db/row-scope.ts, migration 0007) of the calling test from here on, then returns `database.app`.
 * For sequential calls; a test that needs two organisations at once runs them one after the other.
 */
export function appAs(database: Pick<TestDatabase, "app">, org: Scope | string): Kysely<Database> {
  // Only the kind's reach matters here: ACCME reads every board, any other organisation its own.
  const scope = typeof org !== "string" ? org : scopeForOrganisation({ code: org, kind: org === "ACCME" ? "accreditor" : "state_board" });
  setRowScope(rowScopeFor(scope));
  return database.app;
}

/**
 * Everything the app's actions can write, counted as the owner: compare the counts before and after
 * a request to see what it wrote (a test leaves out what its own requests write on purpose, such as
 * the audit events of page views).
 */
export async function boardWrites(owner: Kysely<Database>): Promise<Record<string, number>> {
  const r = await sql<Record<string, string>>`
    select (select count(*) from board.decision)::text as decisions,
           (select count(*) from board.roster_upload)::text as roster_uploads,
           (select count(*) from board.roster_entry)::text as roster_entries,
           (select count(*) from board.roster_entry where status <> 'pending')::text as evaluated_entries,
           (select count(*) from board.requirement_rule_change)::text as rule_changes,
           (select coalesce(sum(version), 0) from board.requirement_rule)::text as rule_versions,
           (select count(*) from board.requirement_rule_version)::text as rule_version_rows,
           (select count(*) from board.audit_sample)::text as audit_samples,
           (select count(*) from board.licensee_attribute)::text as attribute_values,
           (select count(*) from board.licensee_attribute_change)::text as attribute_changes,
           (select count(*) from board.staff_user)::text as staff_users,
           (select count(*) from board.totp_secret)::text as totp_secrets,
           (select count(*) from board.user_preference)::text as user_preferences,
           (select count(*) from board.staff_user where disabled_at is not null)::text as deactivated_staff,
           (select count(*) from board.staff_user where role = 'admin')::text as staff_admins,
           (select count(*) from board.staff_user where role = 'supervisor')::text as staff_supervisors,
           (select count(*) from board.staff_user where password_changed_at is not null)::text as passwords_set,
           (select count(*) from board.staff_invite)::text as staff_invites,
           (select count(*) from board.staff_invite where revoked_at is not null or accepted_at is not null)::text as closed_invites,
           (select count(*) from board.sso_config)::text as sso_configs,
           (select count(*) from board.audit_event where action = 'sso.update')::text as sso_config_changes,
           (select count(*) from board.staff_user where sso_subject is not null)::text as sso_bound_users,
           (select count(*) from board.session)::text as sessions,
           (select count(*) from board.session where revoked_at is not null)::text as revoked_sessions,
           (select count(*) from board.audit_event)::text as audit_events`.execute(owner);
  return Object.fromEntries(Object.entries(r.rows[0]!).map(([name, n]) => [name, Number(n)]));
}

/** The id of an organisation's first roster entry that has no decision yet. */
export async function undecidedEntry(owner: Kysely<Database>, org = "CA-M"): Promise<string> {
  const r = await sql<{ id: string }>`select id::text from board.roster_entry e where org_code = ${org}
    and not exists (select 1 from board.decision d where d.entry_id = e.id) order by id limit 1`.execute(owner);
  return r.rows[0]!.id;
}
