// Effective-dated rule versions through the rules page, against plain SQL on the seeded store: a
// version judges only cycles ending on or after its date (statuses compared with an independent
// SQL computation of each cycle's total, before and after), the preview's counts and list equal
// that computation, a stale save is refused, bad values get a message beside their field and write
// nothing, the editor's buttons work without JavaScript, and every save and preview is audited.
import { sql, type Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import { evaluateEntries, evaluateEntryNow, getEntry, refreshRosterStatuses } from "../../app/models/renewals.server";
import { previewRuleVersion, ruleVersions } from "../../app/models/rules.server";
import { MAX_CREDIT_CAPPED_FORMATS } from "../../domain/reference";
import type { Database } from "../../db/schema";
import { appAs, boardWrites } from "../support/database";
import { postForms, unescapeHtml } from "../support/html-forms";
import { get, post, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();
const ORG = "CA-M";
const capped = sql.join(MAX_CREDIT_CAPPED_FORMATS.map((f) => sql.lit(f)));

/** The editor's form on the page as a browser would post it untouched. */
function editorFields(html: string): Record<string, string> {
  const form = postForms(html).find((f) => f.fields.some(([name]) => name === "effectiveFrom"));
  if (!form) throw new Error("no rule editor on the page");
  return Object.fromEntries(form.fields);
}

/** The same draft with only a total: a cycle of the roster's 2 years, no requirements, caps or alternatives. */
function totalOnly(fields: Record<string, string>, minimum: number): Record<string, string> {
  const kept = Object.entries(fields).filter(([name]) => !/^(requirements|alternatives|notes)\./.test(name));
  return {
    ...Object.fromEntries(kept),
    "cycle.anchor": "roster",
    "cycle.years": "2",
    "total.minimum": String(minimum),
    "total.proratePerYear.credits": "",
    "caps.perCalendarYear": "",
    "caps.perDay": "",
  };
}

const tokenOf = (html: string) => unescapeHtml(html.match(/name="previewed" value="([^"]*)"/)?.[1] ?? "");

async function previewAndSave(cookie: string, fields: Record<string, string>): Promise<{ preview: string; location: string }> {
  const { server } = app;
  const previewed = await post(server.baseUrl, "/renewals/rules", cookie, { ...fields, intent: "preview" });
  const preview = await previewed.text();
  expect(previewed.status, preview.slice(0, 300)).toBe(200);
  const saved = await post(server.baseUrl, "/renewals/rules", cookie, { ...fields, intent: "save", previewed: tokenOf(preview) });
  expect(saved.status).toBe(302);
  return { preview, location: saved.headers.get("location") ?? "" };
}

/**
 * Each matched entry's total in its stored cycle, computed in SQL: the sum over (activity, completion
 * day) of the largest accepted, live amount completed in the cycle; flagged when a counted record
 * breaks a data rule. The status a total-only rule of `minimum` gives it follows from those.
 */
async function expectedStatuses(owner: Kysely<Database>, minimum: (cycleEnd: string) => number): Promise<Map<string, { status: string; total: number; cycleEnd: string }>> {
  const result = await sql<{ id: string; cycle_end: string; total: string; flagged: boolean }>`
    with e as (
      select id, learner_id, cycle_end, cycle_start from board.roster_entry where org_code = ${ORG} and learner_id is not null),
    r as (
      select e.id as entry_id, cr.activity_id, cr.completion_date, cr.credits,
             ((a.format in (${capped}) and cr.credits > a.max_cme_credits)
               or cr.completion_date < a.start_date or cr.completion_date > a.end_date
               or cr.completion_date > (cr.submitted_at at time zone 'UTC')::date or cr.completion_date > current_date) as flagged
        from e join learner.credit_report cr on cr.learner_id = e.learner_id and cr.board_code = ${ORG}
        join learner.activity a on a.id = cr.activity_id
       where cr.status = 'accepted' and cr.deleted_at is null and cr.completion_date between e.cycle_start and e.cycle_end),
    g as (
      select entry_id, activity_id, completion_date, max(credits) as credits, bool_or(flagged and credits > 0) as flagged
        from r group by entry_id, activity_id, completion_date)
    select e.id::text, e.cycle_end::text, coalesce(sum(g.credits), 0)::text as total, coalesce(bool_or(g.flagged), false) as flagged
      from e left join g on g.entry_id = e.id
     group by e.id, e.cycle_end`.execute(owner);
  return new Map(
    result.rows.map((r) => {
      const total = Number(r.total);
      const status = total === 0 ? "nothing" : r.flagged ? "needs_review" : total >= minimum(r.cycle_end) ? "meets" : "short";
      return [r.id, { status, total, cycleEnd: r.cycle_end }];
    }),
  );
}

async function storedEntries(owner: Kysely<Database>) {
  const rows = await owner
    .selectFrom("board.roster_entry")
    .select(["id", "status", "credits_required", "credits_counted", "cycle_end"])
    .where("org_code", "=", ORG)
    .where("learner_id", "is not", null)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/** What the rules page could write, less sign-ins and audited views. */
async function writes(owner: Kysely<Database>) {
  const { sessions: _s, revoked_sessions: _r, audit_events: _a, ...rest } = await boardWrites(owner);
  const versions = await sql<{ n: string }>`select count(*)::text as n from board.requirement_rule_version`.execute(owner);
  const pending = await sql<{ n: string }>`select count(*)::text as n from board.roster_entry where status = 'pending'`.execute(owner);
  return { ...rest, versions: Number(versions.rows[0]!.n), pending: Number(pending.rows[0]!.n) };
}

describe("rule versions", () => {
  it("a version judges the cycles ending on or after its date; earlier cycles keep their status; the preview says which change", async () => {
    const { database, server } = app;
    const owner = database.owner;
    const supervisor = await signIn(server.baseUrl, `supervisor@${ORG.toLowerCase()}.demo.test`);

    // A baseline in force for every cycle: 50 credits in the roster's 2-year cycle, nothing else.
    const first = editorFields(await (await get(server.baseUrl, "/renewals/rules", supervisor)).text());
    const baseline = await previewAndSave(supervisor, { ...totalOnly(first, 50), effectiveFrom: "2000-01-01", reason: "Test baseline: the total only." });
    expect(baseline.location).toMatch(/saved=\d+/);
    const baselineVersion = Number(baseline.location.match(/saved=(\d+)/)![1]);
    await refreshRosterStatuses(appAs(database, ORG), ORG);
    const before = await storedEntries(owner);
    const expected50 = await expectedStatuses(owner, () => 50);
    expect(before.size).toBeGreaterThan(50);
    for (const [id, row] of before) expect(`${id}:${row.status}`).toBe(`${id}:${expected50.get(id)!.status}`);

    // The new version takes effect at the median cycle end: about half the cohort on each side.
    const ends = [...before.values()].map((r) => r.cycle_end).sort();
    const effective = ends[Math.floor(ends.length / 2)]!;
    expect(ends[0]! < effective).toBe(true);
    const expected80 = await expectedStatuses(owner, (end) => (end >= effective ? 80 : 50));

    // A decision on one entry the change would move: it is not open, so the preview leaves it out.
    const moved = [...before].filter(([id, r]) => r.cycle_end >= effective && expected80.get(id)!.status !== r.status).map(([id]) => id);
    expect(moved.length).toBeGreaterThan(1);
    const decided = moved[0]!;
    await sql`insert into board.decision (org_code, entry_id, learner_id, cycle_end, outcome, basis, decided_by)
      select e.org_code, e.id, e.learner_id, e.cycle_end, 'referred_to_audit', ${JSON.stringify({ ruleVersion: baselineVersion })}::jsonb, u.id
        from board.roster_entry e, board.staff_user u where e.id = ${decided} and u.email = ${`supervisor@${ORG.toLowerCase()}.demo.test`}`.execute(owner);

    const draft = { ...totalOnly(editorFields(await (await get(server.baseUrl, "/renewals/rules", supervisor)).text()), 80), effectiveFrom: effective, reason: "The board raised the total." };
    const writesBefore = await writes(owner);
    const previewed = await post(server.baseUrl, "/renewals/rules", supervisor, { ...draft, intent: "preview" });
    const html = await previewed.text();
    expect(previewed.status).toBe(200);
    expect(await writes(owner)).toEqual(writesBefore);

    const open = [...before.keys()].filter((id) => before.get(id)!.cycle_end >= effective && id !== decided);
    const changing = open.filter((id) => expected80.get(id)!.status !== before.get(id)!.status);
    const summary = unescapeHtml(html.match(/data-testid="preview-summary">([\s\S]*?)<\/p>/)![1]!.replace(/<!-- -->/g, ""));
    expect(summary).toContain(`${open.length.toLocaleString("en-US")} open renewals`);
    expect(summary).toContain(`${changing.length.toLocaleString("en-US")} would change status`);
    const table = html.match(/data-testid="preview-changes"[\s\S]*?<\/table>/)![0];
    const listed = [...table.matchAll(/href="\/renewals\/(\d+)"/g)].map((m) => m[1]!);
    expect(new Set(listed)).toEqual(new Set(changing.slice(0, 500)));
    expect(listed).not.toContain(decided);
    if (effective > new Date().toISOString().slice(0, 10)) expect(html).toContain('data-testid="preview-future"');

    // A preview bounded to the entries ending soonest evaluates those, and counts the rest.
    const scoped = appAs(database, ORG);
    const rule80 = structuredClone((await ruleVersions(scoped, ORG)).at(-1)!.rule);
    rule80.total.minimum = 80;
    const today = new Date().toISOString().slice(0, 10);
    const bounded = await previewRuleVersion(scoped, ORG, rule80, effective, (rule, entries) => evaluateEntries(scoped, ORG, rule, entries, today), today, 10);
    const soonest = [...open].sort((a, b) => before.get(a)!.cycle_end.localeCompare(before.get(b)!.cycle_end) || Number(a) - Number(b)).slice(0, 10);
    expect(bounded).toMatchObject({ judged: open.length, evaluated: 10, evaluatedThrough: before.get(soonest[9]!)!.cycle_end });
    expect(new Set(bounded.changes.map((c) => c.entryId))).toEqual(new Set(soonest.filter((id) => changing.includes(id))));

    // Confirmed: only cycles ending on or after the date are marked for evaluation.
    const saved = await post(server.baseUrl, "/renewals/rules", supervisor, { ...draft, intent: "save", previewed: tokenOf(html) });
    expect(saved.status).toBe(302);
    const pendingNow = await owner.selectFrom("board.roster_entry").select(["id", "cycle_end"]).where("org_code", "=", ORG).where("status", "=", "pending").execute();
    const marked = [...before.values()].filter((r) => r.cycle_end >= effective).length;
    expect(pendingNow.length).toBe(marked);
    for (const r of pendingNow) expect(r.cycle_end >= effective).toBe(true);
    expect(saved.headers.get("location")).toContain(`pending=${marked}`);

    await refreshRosterStatuses(appAs(database, ORG), ORG);
    const after = await storedEntries(owner);
    for (const [id, row] of after) {
      const old = before.get(id)!;
      if (row.cycle_end < effective) {
        // Judged by the baseline still: the same status and required total as before.
        expect({ id, status: row.status, required: Number(row.credits_required) }).toEqual({ id, status: old.status, required: Number(old.credits_required) });
      } else {
        expect({ id, required: Number(row.credits_required) }).toEqual({ id, required: 80 });
      }
      expect(`${id}:${row.status}`).toBe(`${id}:${expected80.get(id)!.status}`);
    }

    // A live evaluation (what a decision records) names the version that judged the cycle.
    const newVersion = baselineVersion + 1;
    const earlier = [...after.values()].find((r) => r.cycle_end < effective)!;
    const later = [...after.values()].find((r) => r.cycle_end >= effective)!;
    for (const [row, version] of [[earlier, baselineVersion], [later, newVersion]] as const) {
      const live = await evaluateEntryNow(appAs(database, ORG), (await getEntry(appAs(database, ORG), ORG, row.id))!);
      expect(live.kind === "evaluated" && live.ruleVersion).toBe(version);
    }
    // The recorded decision keeps the basis it was made on.
    const decision = await owner.selectFrom("board.decision").select("basis").where("entry_id", "=", decided).executeTakeFirstOrThrow();
    expect(decision.basis).toEqual({ ruleVersion: baselineVersion });

    // Saved and previewed versions are audited with who and what.
    const audits = await sql<{ action: string; detail: Record<string, unknown> }>`
      select action, detail from board.audit_event where org_code = ${ORG} and action in ('rules.update', 'rules.preview') order by id`.execute(owner);
    const updates = audits.rows.filter((a) => a.action === "rules.update");
    expect(updates.map((a) => a.detail.version)).toEqual([baselineVersion, newVersion]);
    expect(updates[1]!.detail).toMatchObject({ effectiveFrom: effective, reason: "The board raised the total.", markedPending: marked });
    expect(audits.rows.filter((a) => a.action === "rules.preview").length).toBe(2);

    // The history says what changed in words, never the stored JSON.
    const page = await (await get(server.baseUrl, "/renewals/rules", supervisor)).text();
    const history = unescapeHtml(page.match(/data-testid="rule-history"[\s\S]*?<\/ol>/)![0].replace(/<!-- -->/g, ""));
    expect(history).toContain("Total: 50 → 80 AMA PRA Category 1 credits");
    expect(history).toContain("The board raised the total.");
    expect(history).not.toMatch(/"minimum"|creditTypes|provenance/);

    // Saving from the version before is a conflict, and writes nothing.
    const stale = { ...draft, "total.minimum": "70" };
    const writesStale = await writes(owner);
    const conflict = await post(server.baseUrl, "/renewals/rules", supervisor, { ...stale, intent: "save", previewed: tokenOf(html) });
    expect(conflict.status).toBe(409);
    expect(await conflict.text()).toContain("Someone saved these rules while you were editing");
    expect(await writes(owner)).toEqual(writesStale);
  });

  it("a version from a date after every cycle changes no status, and the preview says so", async () => {
    const { database, server } = app;
    const supervisor = await signIn(server.baseUrl, "supervisor@nc-m.demo.test");
    const fields = editorFields(await (await get(server.baseUrl, "/renewals/rules", supervisor)).text());
    await refreshRosterStatuses(appAs(database, "NC-M"), "NC-M");
    const statuses = await sql<{ id: string; status: string }>`select id::text, status from board.roster_entry where org_code = 'NC-M' order by id`.execute(database.owner);
    const { preview, location } = await previewAndSave(supervisor, { ...fields, "total.minimum": "90", effectiveFrom: "2099-01-01", reason: "Announced for the far future." });
    expect(preview).toContain('data-testid="preview-future"');
    expect(unescapeHtml(preview)).toContain("so no current status changes");
    expect(location).toContain("pending=0");
    const after = await sql<{ id: string; status: string }>`select id::text, status from board.roster_entry where org_code = 'NC-M' order by id`.execute(database.owner);
    expect(after.rows).toEqual(statuses.rows);
    const page = unescapeHtml((await (await get(server.baseUrl, "/renewals/rules", supervisor)).text()).replace(/<!-- -->/g, ""));
    expect(page).toContain("takes effect on January 1, 2099");
  });

  it("bad values get a message beside each field and a summary, and write nothing", async () => {
    const { database, server } = app;
    const supervisor = await signIn(server.baseUrl, "supervisor@me-m.demo.test");
    const fields = editorFields(await (await get(server.baseUrl, "/renewals/rules", supervisor)).text());
    expect(fields["requirements.0.minimum"]).toBeDefined();
    const bad = {
      ...fields,
      "total.minimum": "lots",
      "cycle.years": "0",
      "requirements.0.minimum": "-1",
      "requirements.0.id": "Not An Id",
      "total.provenance.source": "",
      effectiveFrom: "2026-02-30",
      reason: "",
    };
    const before = await writes(database.owner);
    for (const intent of ["preview", "save"]) {
      const response = await post(server.baseUrl, "/renewals/rules", supervisor, { ...bad, intent, previewed: "x" });
      expect(response.status).toBe(400);
      const html = unescapeHtml(await response.text());
      expect(html).toContain('data-testid="rules-error"');
      for (const name of ["total.minimum", "cycle.years", "requirements.0.minimum", "requirements.0.id", "total.provenance.source", "effectiveFrom", "reason"]) {
        const message = html.match(new RegExp(`id="${name.replace(/\./g, "\\.")}-error">([^<]+)<`))?.[1];
        expect(message, name).toBeTruthy();
        // The same message is in the summary, linked to the field.
        expect(html, name).toContain(`<a href="#${name}">${message}</a>`);
      }
    }
    expect(await writes(database.owner)).toEqual(before);
  });

  it("the editor's buttons add, move and remove requirements without JavaScript, and write nothing", async () => {
    const { database, server } = app;
    const supervisor = await signIn(server.baseUrl, "supervisor@md-m.demo.test");
    const fields = editorFields(await (await get(server.baseUrl, "/renewals/rules", supervisor)).text());
    const ids = (html: string) => editorFieldsIds(editorFields(html));
    const start = editorFieldsIds(fields);
    expect(start.length).toBeGreaterThanOrEqual(2);
    const before = await writes(database.owner);

    const added = await post(server.baseUrl, "/renewals/rules", supervisor, { ...fields, intent: "add:creditTypes" });
    expect(added.status).toBe(200);
    const addedHtml = await added.text();
    expect(ids(addedHtml)).toEqual([...start, `requirement-${start.length + 1}`]);

    const moved = await post(server.baseUrl, "/renewals/rules", supervisor, { ...fields, intent: "down:0" });
    expect(ids(await moved.text())).toEqual([start[1], start[0], ...start.slice(2)]);

    const removed = await post(server.baseUrl, "/renewals/rules", supervisor, { ...fields, intent: "remove:0" });
    expect(ids(await removed.text())).toEqual(start.slice(1));

    const bogus = await post(server.baseUrl, "/renewals/rules", supervisor, { ...fields, intent: "explode:0" });
    expect(bogus.status).toBe(400);
    expect(await writes(database.owner)).toEqual(before);
  });

  it("reviewers cannot preview or save (403) and write nothing", async () => {
    const { database, server } = app;
    const supervisor = await signIn(server.baseUrl, "supervisor@or-m.demo.test");
    const reviewer = await signIn(server.baseUrl, "reviewer@or-m.demo.test");
    const page = await (await get(server.baseUrl, "/renewals/rules", reviewer)).text();
    expect(page).not.toContain('name="effectiveFrom"');
    const fields = editorFields(await (await get(server.baseUrl, "/renewals/rules", supervisor)).text());
    const before = await writes(database.owner);
    for (const intent of ["preview", "save", "add:share"]) {
      const response = await post(server.baseUrl, "/renewals/rules", reviewer, { ...fields, "total.minimum": "10", reason: "Reviewer tries.", intent });
      expect(response.status, intent).toBe(403);
    }
    expect(await writes(database.owner)).toEqual(before);
  });
});

/** The requirement ids of a posted form, in order. */
function editorFieldsIds(fields: Record<string, string>): string[] {
  const ids: string[] = [];
  for (let i = 0; `requirements.${i}.id` in fields; i++) ids.push(fields[`requirements.${i}.id`]!);
  return ids;
}
