// The audit trail on screen: the organization's audit events searched by user, action, licensee,
// date range (in the organization's time zone) and address, counted exactly, paged newest first by
// keyset, exported as CSV or XLSX (streamed, itself audited), and the "who has seen this record"
// panel of a licensee page. Every query names the organization; row-level security (migration
// 0007) is the second fence.
import type { Logger } from "pino";
import { sql, type Kysely, type SqlBool } from "kysely";
import { z } from "zod";
import type { Database } from "../../db/schema";
import { orgWords, type OrgWords } from "../../domain/org-words";
import { organisationTimeZone, type OrganisationKind } from "../../domain/reference";
import { ID_PATTERN } from "../auth/permissions.server";
import { boardCodesInScope, creditReportsInScope, type Scope } from "../auth/scope.server";
import type { SessionUser } from "../auth/session.server";
import { auditActionLabel, auditActionLabels, describeAuditDetail } from "../lib/audit-words";
import { isDateInRange } from "../lib/dates";
import { formatDate, formatDateTime } from "../lib/format";
import { recordAudit } from "./audit.server";
import type { ExportServices } from "./export-limits.server";
import { EXPORT_FORMATS, exportFilename, exportResponse, outcomeDetail, type ExportFormat } from "./exports.server";
import { decodeCursor, encodeCursor, foldC, keysetCondition, startsWithFolded } from "./keyset.server";
import { streamInSnapshot } from "./long-read.server";

export const AUDIT_PAGE_SIZE = 50;
/** A free-text licensee filter may stand for at most this many licensees. */
const LICENSEE_MATCH_LIMIT = 50;
const SORT = { id: "newest", desc: true } as const;
const KEY_TYPES = ["timestamptz", "bigint"] as const;

/** The search as the URL carries it (each value checked; a bad one is named in `errors`). */
export interface AuditFilters {
  user?: string;
  action?: string;
  /** Free text: a license number or board ID, an NPI, or a name ("Last, First" or "Last"). */
  licensee?: string;
  /** One licensee by the store's number (the licensee page's link). */
  learner?: string;
  from?: string;
  to?: string;
  address?: string;
}

export interface AuditSearch {
  filters: AuditFilters;
  errors: Partial<Record<keyof AuditFilters, string>>;
  after: string[] | null;
  before: string[] | null;
  page: number;
  /** Messages about the address that could not be used (a stale page link). */
  notices: string[];
}

const text = (max: number) => z.string().trim().max(max, `Use at most ${max} characters.`);
const FIELD: Record<keyof AuditFilters, z.ZodType<string>> = {
  user: z.string().uuid("Choose a user from the list."),
  action: z.string().max(60),
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  licensee: text(120).refine((v) => !/[\u0000-\u001f\u007f]/.test(v), "Remove the control characters."),
  learner: z.string().regex(ID_PATTERN, "Not a record number."),
  from: z.string().refine(isDateInRange, "Enter a date as YYYY-MM-DD between 1900 and 2100."),
  to: z.string().refine(isDateInRange, "Enter a date as YYYY-MM-DD between 1900 and 2100."),
  address: z.string().trim().regex(/^[0-9A-Fa-f.:]{1,45}$/, "Enter an address such as 203.0.113.7, or its start (203.0.113.)."),
};

/** Parses the search; `actions` are the action names the list offers. */
export function parseAuditSearch(params: URLSearchParams, actions: readonly string[]): AuditSearch {
  const filters: AuditFilters = {};
  const errors: AuditSearch["errors"] = {};
  for (const name of Object.keys(FIELD) as (keyof AuditFilters)[]) {
    const raw = params.get(name);
    if (raw === null || raw.trim() === "") continue;
    const parsed = FIELD[name].safeParse(raw);
    if (!parsed.success) errors[name] = parsed.error.issues[0]?.message ?? "Not valid.";
    else filters[name] = parsed.data;
  }
  if (filters.action !== undefined && !actions.includes(filters.action)) {
    errors.action = "Choose an action from the list.";
    delete filters.action;
  }
  if (filters.from && filters.to && filters.from > filters.to) errors.to = "The end date is before the start date.";
  const notices: string[] = [];
  const cursor = (name: "after" | "before") => {
    const raw = params.get(name);
    if (raw === null) return null;
    const values = decodeCursor(raw, SORT, KEY_TYPES);
    if (!values) notices.push("That page link is out of date; the newest events are shown.");
    return values;
  };
  const after = cursor("after");
  const before = after ? null : cursor("before");
  const pageRaw = params.get("page");
  const page = after || before ? (pageRaw && /^\d{1,6}$/.test(pageRaw) ? Math.max(1, Number(pageRaw)) : 1) : 1;
  return { filters, errors, after, before, page, notices };
}

/** The organization's staff, for the user list (and to check a chosen user is one of them). */
export async function auditUsers(db: Kysely<Database>, orgCode: string): Promise<{ id: string; name: string; email: string }[]> {
  const rows = await db.selectFrom("board.staff_user").select(["id", "display_name", "email"]).where("org_code", "=", orgCode).orderBy("display_name").orderBy("email").execute();
  return rows.map((r) => ({ id: r.id, name: r.display_name, email: r.email }));
}

interface LicenseeMatch {
  id: string;
  name: string;
}

/** What the licensee filter stands for: the licensees it matched in scope, and their roster entries. */
export interface ResolvedLicensee {
  matches: LicenseeMatch[];
  /** Targets of events about them (learner:N, entry:E, roster_entry:E) and their entry ids (bulk decisions list those). */
  targets: string[];
  entryIds: string[];
}

async function namesOf(db: Kysely<Database>, scope: Scope, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom("learner.learner as l")
    .select(["l.id", "l.first_name", "l.last_name"])
    .where(sql<SqlBool>`l.id = any(${[...new Set(ids)]}::bigint[])`)
    .where(({ exists }) => exists(creditReportsInScope(db, scope).select(sql`1`.as("one")).where(sql<SqlBool>`cr.learner_id = l.id`)))
    .execute();
  return new Map(rows.map((r) => [String(r.id), `${r.last_name}, ${r.first_name}`]));
}

/**
 * The licensees a filter names, within the scope: one by number, or by free text (an exact license
 * number or board ID of a board in scope, an NPI, or a name). Null when the text matches too many.
 */
export async function resolveLicensee(db: Kysely<Database>, scope: Scope, filters: Pick<AuditFilters, "licensee" | "learner">): Promise<ResolvedLicensee | "too-many"> {
  let ids: string[] = [];
  if (filters.learner) {
    ids = [filters.learner];
  } else if (filters.licensee) {
    const q = filters.licensee;
    const boards = await boardCodesInScope(db, scope);
    const found = new Set<string>();
    if (/^\d{10}$/.test(q)) {
      for (const r of await db.selectFrom("learner.learner").select("id").where("npi", "=", q).limit(LICENSEE_MATCH_LIMIT + 1).execute()) found.add(String(r.id));
    }
    if (boards.length && /^[A-Za-z0-9-]{2,30}$/.test(q)) {
      const upper = q.toUpperCase();
      const byId = await db
        .selectFrom("learner.licence")
        .select("learner_id")
        .where("board_code", "in", boards)
        .where(sql<SqlBool>`upper(licence_id) = ${upper}`)
        .unionAll(db.selectFrom("learner.certification").select("learner_id").where("board_code", "in", boards).where(sql<SqlBool>`upper(board_id) = ${upper}`))
        .limit(LICENSEE_MATCH_LIMIT + 1)
        .execute();
      for (const r of byId) found.add(String(r.learner_id));
    }
    if (/\p{L}/u.test(q)) {
      // "Last, First", "First Last" or "Last": the last name exactly (folded), the first as a prefix.
      const [last, first] = q.includes(",") ? q.split(",", 2).map((s) => s.trim()) : q.trim().split(/\s+/).length > 1 ? [q.trim().split(/\s+/).at(-1)!, q.trim().split(/\s+/).slice(0, -1).join(" ")] : [q.trim(), ""];
      if (last) {
        const rows = await db
          .selectFrom("learner.learner as l")
          .select("l.id")
          .where(sql<SqlBool>`(learner.fold(l.last_name) collate "C") = learner.fold(${last})`)
          .where(startsWithFolded(foldC("l.first_name"), first ?? ""))
          .where(({ exists }) => exists(creditReportsInScope(db, scope).select(sql`1`.as("one")).where(sql<SqlBool>`cr.learner_id = l.id`)))
          .limit(LICENSEE_MATCH_LIMIT + 1)
          .execute();
        for (const r of rows) found.add(String(r.id));
      }
    }
    ids = [...found];
  }
  // Only licensees the scope can see (a number from the URL is checked like any other).
  const names = await namesOf(db, scope, ids.slice(0, LICENSEE_MATCH_LIMIT + 1));
  if (names.size > LICENSEE_MATCH_LIMIT) return "too-many";
  const matches = [...names].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
  const entries = matches.length
    ? await db
        .selectFrom("board.roster_entry")
        .select("id")
        .where("org_code", "=", scope.orgCode)
        .where(sql<SqlBool>`learner_id = any(${matches.map((m) => m.id)}::bigint[])`)
        .execute()
    : [];
  const entryIds = entries.map((e) => String(e.id));
  return {
    matches,
    entryIds,
    targets: [...matches.map((m) => `learner:${m.id}`), ...entryIds.flatMap((e) => [`entry:${e}`, `roster_entry:${e}`])],
  };
}

/** The events of the organization the search selects (no order, no limit). */
function selected(db: Kysely<Database>, orgCode: string, filters: AuditFilters, licensee: ResolvedLicensee | null) {
  const tz = organisationTimeZone(orgCode);
  let query = db.selectFrom("board.audit_event as e").where("e.org_code", "=", orgCode);
  if (filters.user) query = query.where(sql<SqlBool>`e.user_id = ${filters.user}::uuid`);
  if (filters.action) query = query.where("e.action", "=", filters.action);
  if (filters.from) query = query.where(sql<SqlBool>`e.occurred_at >= (${filters.from}::date::timestamp at time zone ${tz})`);
  if (filters.to) query = query.where(sql<SqlBool>`e.occurred_at < ((${filters.to}::date + 1)::timestamp at time zone ${tz})`);
  if (filters.address) {
    // A prefix as a byte range on the C-collated address: an index range, trusted under row-level security.
    const a = filters.address.toLowerCase();
    query = query.where(sql<SqlBool>`(e.ip collate "C") >= ${a} and (e.ip collate "C") < ${a} || chr(1114111)`);
  }
  if (licensee) {
    const { targets, entryIds } = licensee;
    query = query.where(
      entryIds.length
        ? sql<SqlBool>`(e.target = any(${targets}::text[]) or (e.action = 'decision.bulk' and e.detail -> 'entries' ?| ${entryIds}::text[]))`
        : sql<SqlBool>`e.target = any(${targets}::text[])`,
    );
  }
  return query;
}

export interface AuditRow {
  id: string;
  /** ISO time. */
  at: string;
  /** The organization's local time, named ("Dec 5, 2026, 9:14 AM PST"). */
  when: string;
  who: { id: string; name: string; email: string } | null;
  action: string;
  actionLabel: string;
  /** The detail in words. */
  details: string;
  /** What the event was about, with a link when the page exists. */
  subject: { label: string; href: string | null } | null;
  ip: string | null;
}

interface RawEvent {
  id: string;
  occurred_at: Date;
  occurred_text: string;
  user_id: string | null;
  display_name: string | null;
  email: string | null;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
  ip: string | null;
}

function withColumns(db: Kysely<Database>, orgCode: string, filters: AuditFilters, licensee: ResolvedLicensee | null) {
  return selected(db, orgCode, filters, licensee)
    .leftJoin("board.staff_user as u", (join) => join.onRef("u.id", "=", "e.user_id").on("u.org_code", "=", orgCode))
    .select([
      sql<string>`e.id::text`.as("id"),
      sql<Date>`e.occurred_at`.as("occurred_at"),
      sql<string>`e.occurred_at::text`.as("occurred_text"),
      "e.user_id",
      "u.display_name",
      "u.email",
      "e.action",
      "e.target",
      "e.detail",
      "e.ip",
    ]);
}

/** The learner a row is about, by its target or its detail. */
function learnerOf(row: Pick<RawEvent, "target" | "detail">): string | null {
  const m = row.target?.match(/^learner:(\d{1,18})$/);
  if (m) return m[1]!;
  const fromDetail = row.detail?.learnerId;
  return typeof fromDetail === "string" && ID_PATTERN.test(fromDetail) ? fromDetail : typeof fromDetail === "number" ? String(fromDetail) : null;
}

/** Rows in words, with the licensees they name looked up in one query. */
async function describeRows(db: Kysely<Database>, scope: Scope, words: OrgWords, rows: readonly RawEvent[]): Promise<AuditRow[]> {
  const names = await namesOf(db, scope, rows.map(learnerOf).filter((id): id is string => id !== null));
  const tz = organisationTimeZone(scope.orgCode);
  return rows.map((r) => {
    const learner = learnerOf(r);
    const entry = r.target?.match(/^(?:roster_)?entry:(\d{1,18})$/)?.[1];
    const activity = r.target?.match(/^activity:(\d{9})$/)?.[1];
    const subject = learner
      ? names.has(learner)
        ? { label: names.get(learner)!, href: `/licensees/${learner}` }
        : { label: `A ${words.person} no longer in your records`, href: null }
      : entry
        ? { label: `${words.Person} on the ${words.roster} (entry ${entry})`, href: scope.kind === "accreditor" ? null : `/renewals/${entry}` }
        : activity
          ? { label: `Activity ${activity}`, href: `/activities/${activity}` }
          : null;
    return {
      id: r.id,
      at: r.occurred_at.toISOString(),
      when: formatDateTime(r.occurred_at, tz),
      who: r.user_id ? { id: r.user_id, name: r.display_name ?? "A former user", email: r.email ?? "" } : null,
      action: r.action,
      actionLabel: auditActionLabel(r.action, words),
      details: describeAuditDetail(r.action, r.target, r.detail ?? {}, words),
      subject,
      ip: r.ip,
    };
  });
}

export interface AuditPage {
  rows: AuditRow[];
  count: number;
  /** Cursors of the next (older) and previous (newer) pages. */
  next: string | null;
  previous: string | null;
  licensee: ResolvedLicensee | null;
  /** The licensee filter matched no one, or too many; the search did not run. */
  licenseeProblem: string | null;
}

/** One page of the search, and the exact count of what it selects. */
export async function searchAuditTrail(db: Kysely<Database>, user: Pick<SessionUser, "scope" | "org">, search: AuditSearch): Promise<AuditPage> {
  const { filters } = search;
  const words = orgWords(user.org.kind as OrganisationKind);
  const orgCode = user.scope.orgCode;
  let licensee: ResolvedLicensee | null = null;
  if (filters.licensee || filters.learner) {
    const resolved = await resolveLicensee(db, user.scope, filters);
    if (resolved === "too-many") {
      return { rows: [], count: 0, next: null, previous: null, licensee: null, licenseeProblem: `More than ${LICENSEE_MATCH_LIMIT} ${words.people} match; enter a ${words.idLabel}, an NPI or a fuller name.` };
    }
    if (resolved.matches.length === 0) {
      return { rows: [], count: 0, next: null, previous: null, licensee: resolved, licenseeProblem: `No ${words.person} in your records matches “${filters.licensee ?? filters.learner}”.` };
    }
    licensee = resolved;
  }
  const exprs = [sql`e.occurred_at`, sql`e.id`];
  let page = withColumns(db, orgCode, filters, licensee);
  const backwards = search.before !== null;
  if (search.after) page = page.where(keysetCondition(exprs, [...KEY_TYPES], search.after, true));
  if (search.before) page = page.where(keysetCondition(exprs, [...KEY_TYPES], search.before, false));
  page = backwards ? page.orderBy("e.occurred_at", "asc").orderBy("e.id", "asc") : page.orderBy("e.occurred_at", "desc").orderBy("e.id", "desc");
  const [raw, counted] = await Promise.all([
    page.limit(AUDIT_PAGE_SIZE + 1).execute(),
    selected(db, orgCode, filters, licensee).select(sql<string>`count(*)::text`.as("n")).executeTakeFirstOrThrow(),
  ]);
  const more = raw.length > AUDIT_PAGE_SIZE;
  const shown = raw.slice(0, AUDIT_PAGE_SIZE);
  if (backwards) shown.reverse();
  const cursorOf = (r: RawEvent) => encodeCursor({ sort: SORT.id, desc: SORT.desc, values: [r.occurred_text, r.id] });
  const first = shown[0];
  const last = shown.at(-1);
  // Going back: older rows exist (we came from them); newer ones exist when the query found more.
  const next = last && (backwards || more) ? cursorOf(last) : null;
  const previous = first && (backwards ? more : search.after !== null) ? cursorOf(first) : null;
  return { rows: await describeRows(db, user.scope, words, shown), count: Number(counted.n), next, previous, licensee, licenseeProblem: null };
}

/** The search's filters in words, for the export's audit detail and the page's summary. */
export function describedFilters(filters: AuditFilters, labels: { users: { id: string; name: string }[]; words: OrgWords; licensee: ResolvedLicensee | null }): Record<string, string> {
  const out: Record<string, string> = {};
  if (filters.user) out.user = labels.users.find((u) => u.id === filters.user)?.name ?? filters.user;
  if (filters.action) out.action = auditActionLabel(filters.action, labels.words);
  if (filters.learner || filters.licensee) out.licensee = labels.licensee?.matches.map((m) => m.name).join("; ") || (filters.licensee ?? filters.learner!);
  if (filters.from) out.from = formatDate(filters.from);
  if (filters.to) out.to = formatDate(filters.to);
  if (filters.address) out.address = filters.address;
  return out;
}

/** The whole search as CSV or XLSX, newest first, streamed; audited as an export of the audit trail. */
export async function exportAuditTrail(
  services: { db: Kysely<Database>; exports: ExportServices; logger: Logger },
  user: SessionUser,
  params: URLSearchParams,
  request: { ip: string | null; method: string },
): Promise<Response> {
  const raw = params.get("download") ?? "csv";
  if (!(EXPORT_FORMATS as readonly string[]).includes(raw)) throw new Response("Choose download=csv or download=xlsx.", { status: 400 });
  const format = raw as ExportFormat;
  const words = orgWords(user.org.kind as OrganisationKind);
  const search = parseAuditSearch(params, Object.keys(auditActionLabels(words)));
  const users = await auditUsers(services.db, user.org.code);
  if (search.filters.user && !users.some((u) => u.id === search.filters.user)) search.errors.user = "Choose a user from the list.";
  const problems = Object.values(search.errors);
  if (problems.length) throw new Response(`The export was not started. ${problems.join(" ")}`, { status: 400 });
  let licensee: ResolvedLicensee | null = null;
  if (search.filters.licensee || search.filters.learner) {
    const resolved = await resolveLicensee(services.db, user.scope, search.filters);
    if (resolved === "too-many" || resolved.matches.length === 0) {
      throw new Response(`The export was not started. ${resolved === "too-many" ? `More than ${LICENSEE_MATCH_LIMIT} ${words.people} match.` : `No ${words.person} in your records matches.`}`, { status: 400 });
    }
    licensee = resolved;
  }
  const tz = organisationTimeZone(user.org.code);
  const { filters } = search;
  const scope = user.scope;
  const exportsDb = services.exports.db;
  async function* rows(): AsyncGenerator<AuditRow> {
    let batch: RawEvent[] = [];
    for await (const row of streamInSnapshot(exportsDb, (trx) =>
      withColumns(trx, scope.orgCode, filters, licensee).orderBy("e.occurred_at", "desc").orderBy("e.id", "desc").stream(500),
    )) {
      batch.push(row);
      if (batch.length === 500) {
        yield* await describeRows(exportsDb, scope, words, batch);
        batch = [];
      }
    }
    if (batch.length) yield* await describeRows(exportsDb, scope, words, batch);
  }
  return exportResponse({ services, userId: user.id, method: request.method }, {
    format,
    filename: exportFilename(user.org.code, "audit-trail", { filters: { action: filters.action, address: filters.address }, range: { from: filters.from, to: filters.to } }),
    sheetName: "Audit trail",
    timeZone: tz,
    columns: [
      { header: "Time", value: (r: AuditRow) => r.at, kind: "timestamp", width: 26 },
      { header: "User", value: (r: AuditRow) => r.who?.name ?? "No user (a failed sign-in or the system)", width: 24 },
      { header: "E-mail", value: (r: AuditRow) => r.who?.email ?? "", width: 28 },
      { header: "Action", value: (r: AuditRow) => r.actionLabel, width: 26 },
      { header: "About", value: (r: AuditRow) => r.subject?.label ?? "", width: 28 },
      { header: "Details", value: (r: AuditRow) => r.details, width: 60 },
      { header: "Address", value: (r: AuditRow) => r.ip ?? "", width: 18 },
      { header: "Event", value: (r: AuditRow) => Number(r.id), kind: "number", width: 10 },
    ],
    rows: rows(),
    onFinish: (outcome) =>
      recordAudit(services.db, {
        action: "export",
        userId: user.id,
        orgCode: user.org.code,
        target: "audit-trail",
        detail: { format, filters: describedFilters(filters, { users, words, licensee }), ...outcomeDetail(outcome) },
        ip: request.ip,
      }),
  });
}

export interface RecordViewer {
  id: string;
  when: string;
  at: string;
  who: string;
  email: string;
  what: string;
  ip: string | null;
}

export interface RecordViewers {
  /** The most recent events about the licensee, newest first. */
  events: RecordViewer[];
  /** How many events there are in all, and how many people they came from. */
  total: number;
  people: number;
  /** The audit search filtered to this licensee. */
  href: string;
}

/** What the panel says someone did with the record. */
function panelWhat(row: AuditRow, detail: Record<string, unknown>, words: OrgWords): string {
  if (row.action === "licensee.view") return detail.page === "transcript" ? "Issued the verification transcript" : `Opened the ${words.person} page`;
  if (row.action === "export") return `Exported the ${words.person}'s credit reports${typeof detail.format === "string" ? ` (${detail.format.toUpperCase()})` : ""}`;
  if (row.action === "renewal.view") return `Opened the ${words.cycle}`;
  return row.details ? `${row.actionLabel}: ${row.details.replace(/\.$/, "")}` : row.actionLabel;
}

const PANEL_ACTIONS = ["licensee.view", "export", "decision.record", "decision.supersede", "decision.bulk", "renewal.view", "attributes.update", "roster.link"];
const PANEL_ROWS = 10;

/**
 * "Who has seen this record": who of the organization viewed, exported, decided on or issued a
 * transcript of the licensee, when and from where (the licensee is already known to be in scope).
 */
export async function recordViewers(db: Kysely<Database>, user: Pick<SessionUser, "scope" | "org">, learnerId: string): Promise<RecordViewers> {
  const words = orgWords(user.org.kind as OrganisationKind);
  const resolved = await resolveLicensee(db, user.scope, { learner: learnerId });
  const href = `/admin/audit?${new URLSearchParams({ learner: learnerId })}`;
  if (resolved === "too-many" || resolved.matches.length === 0) return { events: [], total: 0, people: 0, href };
  const base = () => selected(db, user.scope.orgCode, {}, resolved).where("e.action", "in", PANEL_ACTIONS);
  const [rows, totals] = await Promise.all([
    withColumns(db, user.scope.orgCode, {}, resolved).where("e.action", "in", PANEL_ACTIONS).orderBy("e.occurred_at", "desc").orderBy("e.id", "desc").limit(PANEL_ROWS).execute(),
    base().select([sql<string>`count(*)::text`.as("n"), sql<string>`count(distinct e.user_id)::text`.as("people")]).executeTakeFirstOrThrow(),
  ]);
  const described = await describeRows(db, user.scope, words, rows);
  return {
    events: described.map((r) => ({
      id: r.id,
      when: r.when,
      at: r.at,
      who: r.who?.name ?? "No user recorded",
      email: r.who?.email ?? "",
      what: panelWhat(r, rows.find((x) => x.id === r.id)?.detail ?? {}, words),
      ip: r.ip,
    })),
    total: Number(totals.n),
    people: Number(totals.people),
    href,
  };
}
