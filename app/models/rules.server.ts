// An organisation's requirement rules as stored: effective-dated versions (board.requirement_rule_version,
// decision 021), which version judges a cycle, the preview of a draft version (which open entries
// would change status), and the one way to add a version: validated, version-checked, with who /
// when / why written in the same transaction, and only the cycles it judges marked for re-evaluation.
import { sql, type Kysely } from "kysely";
import type { Database, EntryStatus } from "../../db/schema";
import { organisationToday } from "../../domain/reference";
import { requirementRuleSetSchema, seededRuleSet, type RequirementRuleSet } from "../../domain/requirement-rules";
import { recordAudit } from "./audit.server";

export interface RuleVersion {
  version: number;
  /** YYYY-MM-DD: judges cycles ending on or after it, until a version with a later date takes over. */
  effectiveFrom: string;
  rule: RequirementRuleSet;
  createdAt: Date;
  /** Display name of who saved it; null for the seeded first version. */
  createdBy: string | null;
  reason: string | null;
}

/** Where a version comes from; what versionInForce needs of one. */
export interface Dated {
  version: number;
  effectiveFrom: string;
}

/**
 * The version that judges a cycle ending on `cycleEnd`: the latest effective date on or before it,
 * and of versions with the same date the later one (a correction saved the same day). Null when
 * every version takes effect after the cycle ends.
 */
export function versionInForce<T extends Dated>(versions: readonly T[], cycleEnd: string): T | null {
  let found: T | null = null;
  for (const v of versions) {
    if (v.effectiveFrom > cycleEnd) continue;
    if (!found || v.effectiveFrom > found.effectiveFrom || (v.effectiveFrom === found.effectiveFrom && v.version > found.version)) found = v;
  }
  return found;
}

function parseStored(orgCode: string, version: number, rule: unknown): RequirementRuleSet {
  // Stored rules were validated on the way in; parse again so a hand-edited row cannot mislead.
  const parsed = requirementRuleSetSchema.safeParse(rule);
  if (!parsed.success) throw new Error(`Version ${version} of the requirement rules of ${orgCode} is not valid: ${parsed.error.message}`);
  return parsed.data;
}

/** Every version of the organisation's rules, oldest first (empty for an organisation without rules). */
export async function ruleVersions(db: Kysely<Database>, orgCode: string): Promise<RuleVersion[]> {
  const rows = await db
    .selectFrom("board.requirement_rule_version as v")
    .leftJoin("board.staff_user as u", "u.id", "v.created_by")
    .select(["v.version", "v.effective_from", "v.rule", "v.created_at", "v.reason", "u.display_name"])
    .where("v.org_code", "=", orgCode)
    .orderBy("v.version")
    .execute();
  return rows.map((r) => ({
    version: r.version,
    effectiveFrom: r.effective_from,
    rule: parseStored(orgCode, r.version, r.rule),
    createdAt: r.created_at,
    createdBy: r.display_name,
    reason: r.reason,
  }));
}

export interface StoredRuleSet {
  rule: RequirementRuleSet;
  version: number;
  effectiveFrom: string;
  updatedAt: Date;
  updatedBy: string | null;
  /** The newest version's number: what a new version is based on (and checked against on saving). */
  latestVersion: number;
}

/**
 * The organisation's rules in force on `asOf` (today by default: what judges a cycle ending today),
 * or null for an organisation without rules (ACCME). A cycle is judged by the version in force at
 * its own end: see versionInForce.
 */
export async function getRuleSet(db: Kysely<Database>, orgCode: string, asOf = organisationToday(orgCode)): Promise<StoredRuleSet | null> {
  const versions = await ruleVersions(db, orgCode);
  const latest = versions[versions.length - 1];
  if (!latest) return null;
  // Before the first version's date nothing is in force; the first one is the best answer there.
  const found = versionInForce(versions, asOf) ?? (versions[0] as RuleVersion);
  return { rule: found.rule, version: found.version, effectiveFrom: found.effectiveFrom, updatedAt: found.createdAt, updatedBy: found.createdBy, latestVersion: latest.version };
}

// ---------------------------------------------------------------- the preview of a draft

/** The figures of one entry evaluated under some rules (what renewals.server.ts computes). */
export interface PreviewFigures {
  status: EntryStatus;
  shortfall: string | null;
}

/** Evaluates entries under one rule set; renewals.server.ts's evaluateEntries, passed in (it imports this module). */
export type Evaluate = (
  rule: RequirementRuleSet,
  entries: Array<{ id: string; learner_id: string | null; last_name: string; birth_month: number; birth_day: number; cycle_end: string }>,
) => Promise<Map<string, PreviewFigures>>;

export interface PreviewChange {
  entryId: string;
  name: string;
  rosterKey: string;
  cycleEnd: string;
  before: EntryStatus;
  after: EntryStatus;
  shortfallBefore: string | null;
  shortfallAfter: string | null;
}

export interface RulePreview {
  /** The version the draft was based on; saving re-checks it. */
  basedOn: number;
  effectiveFrom: string;
  /** The effective date is after today. */
  future: boolean;
  /** Open entries (matched, no decision) whose cycle the draft would judge. */
  judged: number;
  /** How many of those were evaluated: all, or the `maxEntries` ending soonest. */
  evaluated: number;
  /** The last cycle end evaluated (when not all were). */
  evaluatedThrough: string | null;
  /** How many of the evaluated would change status. */
  changed: number;
  /** The changes, by cycle end then name; at most `PREVIEW_LIST_LIMIT`. */
  changes: PreviewChange[];
  /** Entries judged per status before → after, for the summary ("short → meets: 12"). */
  moves: Array<{ before: EntryStatus; after: EntryStatus; count: number }>;
  /** A later version takes over from this date (cycles ending on or after it stay under that one). */
  supersededFrom: string | null;
  elapsedMs: number;
}

export const PREVIEW_LIST_LIMIT = 500;
const PREVIEW_BATCH = 2_000;
/**
 * Most entries a preview evaluates, those ending soonest (two batches): whole-cohort evaluation of a
 * 20,000-entry board of realistic density takes 4–8 s, and the demo's boards take about 1–2 ms an
 * entry, so this keeps a preview to a few seconds on the request path; the rest are counted, and
 * evaluated in the background after saving.
 */
export const PREVIEW_MAX_ENTRIES = 4_000;

/**
 * Which open entries would change status if `draft` were saved effective from `effectiveFrom`: the
 * entries whose cycle the draft would judge (cycle end on or after the date, no later version in
 * force there), evaluated under the draft in batches and compared with the status the queue shows
 * (entries still waiting for evaluation are evaluated under the rules now in force). At most
 * `maxEntries` are evaluated, those ending soonest; the rest are counted. Nothing is written.
 */
export async function previewRuleVersion(
  db: Kysely<Database>,
  orgCode: string,
  draft: RequirementRuleSet,
  effectiveFrom: string,
  evaluate: Evaluate,
  today = organisationToday(orgCode),
  maxEntries = PREVIEW_MAX_ENTRIES,
): Promise<RulePreview> {
  const started = performance.now();
  const versions = await ruleVersions(db, orgCode);
  const basedOn = versions[versions.length - 1]?.version ?? 0;
  const draftVersion = { version: basedOn + 1, effectiveFrom };
  const later = versions.filter((v) => v.effectiveFrom > effectiveFrom).map((v) => v.effectiveFrom).sort();
  const rows = await db
    .selectFrom("board.roster_entry as e")
    .select(["e.id", "e.learner_id", "e.first_name", "e.last_name", "e.birth_month", "e.birth_day", "e.cycle_end", "e.roster_key", "e.status", "e.shortfall"])
    .where("e.org_code", "=", orgCode)
    .where("e.learner_id", "is not", null)
    .where("e.retired_at", "is", null)
    .where("e.cycle_end", ">=", effectiveFrom)
    // Every decided cycle has a first decision (supersedes nothing): a probe of its unique index.
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom("board.decision as d").select("d.id").whereRef("d.entry_id", "=", "e.id").where("d.supersedes", "is", null))))
    .orderBy("e.cycle_end")
    .orderBy("e.id")
    .execute();
  const judged = rows.filter((r) => versionInForce([...versions, draftVersion], r.cycle_end) === draftVersion);

  const evaluated = judged.slice(0, Math.max(0, maxEntries));
  const changes: PreviewChange[] = [];
  const moves = new Map<string, number>();
  for (let i = 0; i < evaluated.length; i += PREVIEW_BATCH) {
    const batch = evaluated.slice(i, i + PREVIEW_BATCH);
    const after = await evaluate(draft, batch);
    // Entries not yet evaluated: their status now is what the rules in force at their end say.
    const pending = batch.filter((r) => r.status === "pending");
    const now = new Map<string, PreviewFigures>();
    for (const v of versions) {
      const under = pending.filter((r) => versionInForce(versions, r.cycle_end) === v);
      if (under.length) for (const [id, f] of await evaluate(v.rule, under)) now.set(id, f);
    }
    for (const row of batch) {
      const before = now.get(row.id) ?? { status: row.status, shortfall: row.shortfall };
      const next = after.get(row.id);
      if (!next) continue;
      const key = `${before.status} ${next.status}`;
      moves.set(key, (moves.get(key) ?? 0) + 1);
      if (before.status === next.status) continue;
      changes.push({
        entryId: row.id,
        name: `${row.first_name} ${row.last_name}`,
        rosterKey: row.roster_key,
        cycleEnd: row.cycle_end,
        before: before.status,
        after: next.status,
        shortfallBefore: before.shortfall,
        shortfallAfter: next.shortfall,
      });
    }
  }
  return {
    basedOn,
    effectiveFrom,
    future: effectiveFrom > today,
    judged: judged.length,
    evaluated: evaluated.length,
    evaluatedThrough: evaluated.length < judged.length ? (evaluated[evaluated.length - 1]?.cycle_end ?? null) : null,
    changed: changes.length,
    changes: changes.slice(0, PREVIEW_LIST_LIMIT),
    moves: [...moves.entries()].map(([key, count]) => {
      const [before, after] = key.split(" ") as [EntryStatus, EntryStatus];
      return { before, after, count };
    }),
    supersededFrom: later[0] ?? null,
    elapsedMs: Math.round(performance.now() - started),
  };
}

// ---------------------------------------------------------------- saving a version

export type RuleUpdateResult = { ok: true; version: number; markedPending: number } | { ok: false; conflict: true; message: string };

export const RULE_CONFLICT_MESSAGE = "Someone saved these rules while you were editing. Reload to see their change, then edit again.";

/**
 * Adds a version of the organisation's rules, in force from `effectiveFrom`. `expectedVersion` is
 * the newest version the editor (and its preview) started from: if someone saved in between,
 * nothing is written and the editor is told (no lost update). Only entries the new version can
 * judge (cycle end on or after its date) are marked for re-evaluation, in the same transaction;
 * cycles that ended earlier keep their status, and recorded decisions keep their basis.
 */
export async function updateRuleSet(
  db: Kysely<Database>,
  user: { id: string; orgCode: string },
  next: RequirementRuleSet,
  options: { expectedVersion: number; effectiveFrom: string; reason: string; ip: string | null },
): Promise<RuleUpdateResult> {
  if (next.organisationCode !== user.orgCode) throw new Error("A rule set can only be saved for the user's own organisation.");
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom("board.requirement_rule")
      .select(["rule", "version"])
      .where("org_code", "=", user.orgCode)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw new Error(`No requirement rules stored for ${user.orgCode}.`);
    if (current.version !== options.expectedVersion) return { ok: false as const, conflict: true as const, message: RULE_CONFLICT_MESSAGE };
    const version = current.version + 1;
    const rule = JSON.stringify(next);
    await trx
      .insertInto("board.requirement_rule_version")
      .values({ org_code: user.orgCode, version, effective_from: options.effectiveFrom, rule, created_by: user.id, reason: options.reason })
      .execute();
    // The head: the newest version's number (what the next save is checked against) and rule.
    await trx.updateTable("board.requirement_rule").set({ rule, version, updated_at: sql`now()`, updated_by: user.id }).where("org_code", "=", user.orgCode).execute();
    await trx
      .insertInto("board.requirement_rule_change")
      .values({ org_code: user.orgCode, version, changed_by: user.id, reason: options.reason, before: JSON.stringify(current.rule), after: rule })
      .execute();
    // Locked in id order, as the refresh locks what it writes: the two never deadlock.
    const marked = await sql`
      update board.roster_entry set status = 'pending'
       where id in (select id from board.roster_entry
                     where org_code = ${user.orgCode} and learner_id is not null and retired_at is null and cycle_end >= ${options.effectiveFrom}::date
                     order by id for update)`.execute(trx);
    const markedPending = Number(marked.numAffectedRows ?? 0n);
    await recordAudit(trx, {
      action: "rules.update",
      userId: user.id,
      orgCode: user.orgCode,
      target: `rules:${user.orgCode}`,
      detail: { version, effectiveFrom: options.effectiveFrom, reason: options.reason, markedPending },
      ip: options.ip,
    });
    return { ok: true as const, version, markedPending };
  });
}

/** The seeded rule set, for "what the board's published requirements said" beside the stored one. */
export function seededRulesFor(orgCode: string): RequirementRuleSet | null {
  return seededRuleSet(orgCode);
}
