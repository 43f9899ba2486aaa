// What the board knows of its licensees (domain/licensee-attributes.ts), as stored: by the licensee
// as the board knows them (organisation + roster key), so one cycle's values carry over to the
// next; who set each value (a roster upload or a staff member) and every change, append-only. A
// supervisor's edit on a renewal entry is written here with its history and audit row; the roster
// upload writes its own values (rosters.server.ts).
import { sql, type Kysely } from "kysely";
import type { AttributeJson, Database } from "../../db/schema";
import {
  attributeDefinition,
  attributesOf,
  parseAttributeValue,
  storedAttributesSchema,
  type AttributeDefinition,
  type AttributeKey,
  type LicenseeAttributes,
} from "../../domain/licensee-attributes";
import { recordAudit } from "./audit.server";

/** The form field of an attribute on the renewal entry page. */
export const attributeField = (key: string) => `attr.${key}`;

/**
 * Each entry's licensee attributes, for a batch of entries in one query (the licensee of an entry is
 * its organisation and roster key). Entries with none known are absent from the map.
 */
export async function attributesForEntries(db: Kysely<Database>, orgCode: string, entryIds: readonly string[]): Promise<Map<string, LicenseeAttributes>> {
  const byEntry = new Map<string, LicenseeAttributes>();
  if (entryIds.length === 0) return byEntry;
  const rows = await sql<{ id: string; attributes: Record<string, unknown> }>`
    select e.id::text, jsonb_object_agg(a.key, a.value) as attributes
      from board.roster_entry e
      join board.licensee_attribute a on a.org_code = e.org_code and a.roster_key = e.roster_key
     where e.org_code = ${orgCode} and e.id = any(${entryIds}::bigint[])
     group by e.id`.execute(db);
  for (const row of rows.rows) byEntry.set(row.id, storedAttributesSchema.parse(row.attributes));
  return byEntry;
}

export interface KnownAttribute {
  key: AttributeKey;
  label: string;
  help: string;
  type: AttributeDefinition["type"];
  value: AttributeJson | null;
  source: "roster" | "staff" | null;
  /** The staff member who set it (staff) or uploaded the roster (roster); null for demo data. */
  updatedBy: string | null;
  updatedAt: string | null;
  uploadId: string | null;
}

/** The organisation's attributes for one licensee, each with its value (null: not known) and where it came from. */
export async function knownAttributes(db: Kysely<Database>, orgCode: string, rosterKey: string): Promise<KnownAttribute[]> {
  const rows = await db
    .selectFrom("board.licensee_attribute as a")
    .leftJoin("board.staff_user as u", "u.id", "a.updated_by")
    .select(["a.key", "a.value", "a.source", "a.updated_at", "a.upload_id", "u.display_name"])
    .where("a.org_code", "=", orgCode)
    .where("a.roster_key", "=", rosterKey)
    .execute();
  const stored = storedAttributesSchema.parse(Object.fromEntries(rows.map((r) => [r.key, r.value])));
  return attributesOf(orgCode).map((definition) => {
    const row = rows.find((r) => r.key === definition.key);
    const key = definition.key as AttributeKey;
    const value = stored[key];
    return {
      key,
      label: definition.label,
      help: definition.help,
      type: definition.type,
      value: value === undefined ? null : value,
      source: row && value !== undefined ? row.source : null,
      updatedBy: row?.display_name ?? null,
      updatedAt: row ? row.updated_at.toISOString() : null,
      uploadId: row?.upload_id ?? null,
    };
  });
}

export interface AttributeChange {
  id: string;
  key: string;
  label: string;
  before: AttributeJson | null;
  after: AttributeJson | null;
  source: "roster" | "staff";
  uploadId: string | null;
  changedBy: string | null;
  changedAt: string;
  reason: string | null;
}

export const HISTORY_SHOWN = 100;

/** The licensee's attribute changes, newest first (the latest HISTORY_SHOWN). */
export async function attributeHistory(db: Kysely<Database>, orgCode: string, rosterKey: string): Promise<AttributeChange[]> {
  const rows = await db
    .selectFrom("board.licensee_attribute_change as c")
    .leftJoin("board.staff_user as u", "u.id", "c.changed_by")
    .select(["c.id", "c.key", "c.before", "c.after", "c.source", "c.upload_id", "c.changed_at", "c.reason", "u.display_name"])
    .where("c.org_code", "=", orgCode)
    .where("c.roster_key", "=", rosterKey)
    .orderBy("c.changed_at", "desc")
    .orderBy("c.id", "desc")
    .limit(HISTORY_SHOWN)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    key: r.key,
    label: attributeDefinition(r.key)?.label ?? r.key,
    before: r.before,
    after: r.after,
    source: r.source,
    uploadId: r.upload_id,
    changedBy: r.display_name,
    changedAt: r.changed_at.toISOString(),
    reason: r.reason,
  }));
}

// ---------------------------------------------------------------- the supervisor's form

export type AttributeFormValues = Partial<Record<AttributeKey, AttributeJson | null>>;

/**
 * The attribute form's fields (`attr.<key>`, one per attribute the organisation keeps; an empty
 * field is "not known"), parsed with the same parser as roster cells: the values, or a message per
 * field. A field the form did not send is left as it is. The reason is optional (at most 2,000 characters).
 */
export function parseAttributeForm(
  orgCode: string,
  fields: Record<string, string | undefined>,
): { ok: true; values: AttributeFormValues; reason: string | null } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const values: AttributeFormValues = {};
  for (const definition of attributesOf(orgCode)) {
    const raw = fields[attributeField(definition.key)];
    if (raw === undefined) continue;
    const parsed = parseAttributeValue(definition, raw);
    if (parsed.ok) values[definition.key as AttributeKey] = parsed.value;
    else errors[attributeField(definition.key)] = `${parsed.message.replace(/[.]?$/, ".")}`;
  }
  const reason = (fields.reason ?? "").trim();
  if (reason.length > 2000) errors.reason = "Keep the reason under 2,000 characters.";
  // eslint-disable-next-line no-control-regex -- a reason is text a person typed: no control characters but line breaks
  else if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(reason)) errors.reason = "The reason cannot contain control characters.";
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, values, reason: reason === "" ? null : reason };
}

interface Actor {
  id: string;
  orgCode: string;
  ip: string | null;
}

/**
 * A supervisor sets the licensee's attributes (a value, or back to "not known"): the values that
 * differ are written with source 'staff', one history row each with the reason, one audit row with
 * before and after, and the licensee's matched entries go back to 'pending' so their statuses are
 * recomputed. All in one transaction; returns how many values changed.
 */
export async function saveLicenseeAttributes(
  db: Kysely<Database>,
  actor: Actor,
  entry: { id: string; rosterKey: string },
  input: { values: AttributeFormValues; reason: string | null },
): Promise<{ changed: number }> {
  return db.transaction().execute(async (trx) => {
    // One edit of a licensee at a time: the "before" of each change is what the edit replaced.
    await sql`select pg_advisory_xact_lock(hashtext(${`board.licensee_attribute:${actor.orgCode}:${entry.rosterKey}`}))`.execute(trx);
    const current = await trx
      .selectFrom("board.licensee_attribute")
      .select(["key", "value"])
      .where("org_code", "=", actor.orgCode)
      .where("roster_key", "=", entry.rosterKey)
      .execute();
    const before: Record<string, AttributeJson | null> = {};
    const after: Record<string, AttributeJson | null> = {};
    for (const [key, value] of Object.entries(input.values) as [AttributeKey, AttributeJson | null][]) {
      const old = current.find((c) => c.key === key)?.value ?? null;
      if (old === value) continue;
      before[key] = old;
      after[key] = value;
      if (value === null) {
        await trx.deleteFrom("board.licensee_attribute").where("org_code", "=", actor.orgCode).where("roster_key", "=", entry.rosterKey).where("key", "=", key).execute();
      } else {
        const json = JSON.stringify(value);
        await trx
          .insertInto("board.licensee_attribute")
          .values({ org_code: actor.orgCode, roster_key: entry.rosterKey, key, value: json, source: "staff", upload_id: null, updated_by: actor.id })
          .onConflict((oc) => oc.columns(["org_code", "roster_key", "key"]).doUpdateSet({ value: json, source: "staff", upload_id: null, updated_by: actor.id, updated_at: sql`now()` }))
          .execute();
      }
      await trx
        .insertInto("board.licensee_attribute_change")
        .values({
          org_code: actor.orgCode,
          roster_key: entry.rosterKey,
          key,
          before: old === null ? null : JSON.stringify(old),
          after: value === null ? null : JSON.stringify(value),
          source: "staff",
          upload_id: null,
          changed_by: actor.id,
          reason: input.reason,
        })
        .execute();
    }
    const changed = Object.keys(after).length;
    if (changed === 0) return { changed };
    await trx
      .updateTable("board.roster_entry")
      .set({ status: "pending" })
      .where("org_code", "=", actor.orgCode)
      .where("roster_key", "=", entry.rosterKey)
      .where("learner_id", "is not", null)
      .where("retired_at", "is", null)
      .where("status", "<>", "pending")
      .execute();
    await recordAudit(trx, {
      action: "attributes.update",
      userId: actor.id,
      orgCode: actor.orgCode,
      target: `entry:${entry.id}`,
      detail: { rosterKey: entry.rosterKey, before, after, reason: input.reason },
      ip: actor.ip,
    });
    return { changed };
  });
}
