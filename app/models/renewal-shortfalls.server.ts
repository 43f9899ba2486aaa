// Shortfall by requirement: what an organization's rule set measures (domain ruleMeasures: the total,
// each topic or credit-type minimum, each sub-period), how many roster entries are short in each, and
// the compliance cards that count only what the rules define. Reads the figures the renewal refresh
// stores per entry (board.roster_entry.shortfalls: { requirement id: how far short }).
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { formatRuleCredits, ruleMeasures, type RuleMeasure } from "../../domain/requirement-rules";
import { creditUnit, measureGroups } from "../lib/shortfalls";
import { addDays } from "../../domain/calendar";
import { orgWords } from "../../domain/org-words";
import type { OrganisationKind } from "../../domain/reference";
import { getRuleSet, ruleVersions, versionInForce } from "./rules.server";

export { creditUnit, measureGroups, shortInProblem, type MeasureGroup } from "../lib/shortfalls";

export interface QueueMeasures {
  /** Every measure of the rule set, in the engine's order ([] for an organization without rules). */
  measures: RuleMeasure[];
  creditLabel: string | null;
  unit: string;
}

/**
 * The measures of the rule set in force today, and, given a window of cycle ends, those of every
 * version that judges a cycle ending in it (a requirement a future-dated version adds is offered for
 * the cycles it judges): today's first, in the engine's order, then the others' new ones.
 */
export async function queueMeasures(db: Kysely<Database>, orgCode: string, window?: { from: string; to: string }): Promise<QueueMeasures> {
  const stored = await getRuleSet(db, orgCode);
  if (!stored) return { measures: [], creditLabel: null, unit: "credits" };
  const measures = ruleMeasures(stored.rule);
  if (window) {
    const versions = await ruleVersions(db, orgCode);
    const judging = [versionInForce(versions, window.from), ...versions.filter((v) => v.effectiveFrom > window.from && v.effectiveFrom <= window.to && versionInForce(versions, v.effectiveFrom) === v)];
    const seen = new Set(measures.map((m) => m.id));
    for (const version of judging) {
      for (const measure of version ? ruleMeasures(version.rule) : []) {
        if (seen.has(measure.id)) continue;
        seen.add(measure.id);
        measures.push(measure);
      }
    }
  }
  return { measures, creditLabel: stored.rule.creditLabel, unit: creditUnit(stored.rule.creditLabel) };
}

/** How many entries in the window are short in each measure, split by whether the cycle has ended. */
export async function shortInCounts(
  db: Kysely<Database>,
  orgCode: string,
  window: { from: string; to: string },
  today: string,
): Promise<Record<string, { ended: number; open: number }>> {
  const result = await sql<{ id: string; ended: string; open: string }>`
    select k.id, count(*) filter (where e.cycle_end < ${today}::date)::text as ended, count(*) filter (where e.cycle_end >= ${today}::date)::text as open
      from board.roster_entry e cross join lateral jsonb_object_keys(e.shortfalls) as k(id)
     where e.org_code = ${orgCode} and e.cycle_end between ${window.from}::date and ${window.to}::date and e.retired_at is null
     group by k.id`.execute(db);
  return Object.fromEntries(result.rows.map((r) => [r.id, { ended: Number(r.ended), open: Number(r.open) }]));
}

/** Entries short or with nothing reported in the window, split by whether their cycle has ended. */
export async function shortSplit(
  db: Kysely<Database>,
  orgCode: string,
  window: { from: string; to: string },
  today: string,
): Promise<Record<"short" | "nothing", { ended: number; open: number }>> {
  const result = await sql<{ status: "short" | "nothing"; ended: string; open: string }>`
    select e.status, count(*) filter (where e.cycle_end < ${today}::date)::text as ended, count(*) filter (where e.cycle_end >= ${today}::date)::text as open
      from board.roster_entry e
     where e.org_code = ${orgCode} and e.cycle_end between ${window.from}::date and ${window.to}::date and e.status in ('short', 'nothing') and e.retired_at is null
     group by e.status`.execute(db);
  const split = { short: { ended: 0, open: 0 }, nothing: { ended: 0, open: 0 } };
  for (const r of result.rows) split[r.status] = { ended: Number(r.ended), open: Number(r.open) };
  return split;
}

// ---------------------------------------------------------------- compliance cards

export interface ComplianceCard {
  id: string;
  label: string;
  value: number;
  hint?: string;
  tone?: "warn";
  /** The queue (or report) listing what the card counts. */
  href?: string;
}

export interface ComplianceCards {
  cards: ComplianceCard[];
  /** What the cards are about, in the organization's words ("Renewals", "Certification cycles"). */
  heading: string;
  href: string;
}

const queueHref = (query: Record<string, string | string[]>) =>
  `/renewals?${new URLSearchParams(Object.entries(query).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => [k, one])))}`;

/**
 * The dashboard's compliance cards, counted from the stored statuses. Only what the rules define is
 * counted: a card for topic or credit-type minimums (naming them) and one per sub-period requirement
 * appear only when the rule set has them. Cycles still open are "not yet met", never "short"; "short at
 * cycle end" counts cycles that ended in the last 90 days.
 * - a state board: renewals due in the next 90 days, how many meet, how many have not yet met;
 * - a certifying board: diplomates in a current certification cycle (matched), and what they have not yet met.
 */
export async function complianceCards(db: Kysely<Database>, org: { code: string; kind: string }, today: string): Promise<ComplianceCards | null> {
  if (org.kind !== "state_board" && org.kind !== "certifying_board") return null;
  const stored = await getRuleSet(db, org.code);
  if (!stored) return null;
  const words = orgWords(org.kind as OrganisationKind);
  const groups = measureGroups(stored.rule);
  const minimums = groups.filter((g) => g.kind === "minimum");
  const subPeriods = groups.filter((g) => g.kind === "subPeriods");
  const state = org.kind === "state_board";
  const horizon = addDays(today, 90);
  const since = addDays(today, -90);
  // Current: a state board's renewals due in 90 days; a certifying board's matched diplomates whose cycle has not ended.
  const current = state
    ? sql`e.cycle_end between ${today}::date and ${horizon}::date`
    : sql`e.cycle_end >= ${today}::date and e.learner_id is not null`;
  // One count per card of the rules' own: all minimums together, then each sub-period requirement.
  const groupCounts = [...(minimums.length ? [minimums] : []), ...subPeriods.map((group) => [group])].map(
    (list, i) => sql`count(*) filter (where ${current} and e.shortfalls ?| ${list.flatMap((group) => group.ids)}::text[])::text as ${sql.ref(`g${i}`)},`,
  );
  const counts = await sql<Record<string, string>>`
    select count(*) filter (where ${current})::text as current,
           count(*) filter (where ${current} and e.status = 'meets')::text as meets,
           count(*) filter (where ${current} and e.status in ('short', 'nothing'))::text as not_yet,
           count(*) filter (where ${current} and e.shortfalls ? 'total')::text as total_not_yet,
           ${sql.join(groupCounts, sql` `)}
           count(*) filter (where e.cycle_end between ${since}::date and ${addDays(today, -1)}::date and e.status in ('short', 'nothing'))::text as ended_short
      from board.roster_entry e
     where e.org_code = ${org.code} and e.cycle_end >= ${since}::date and e.retired_at is null`.execute(db);
  const row = counts.rows[0] ?? {};
  const n = (key: string) => Number(row[key] ?? 0);
  const cards: ComplianceCard[] = [];
  const openWindow = { endFrom: today, endTo: state ? horizon : addDays(today, 3650) };
  if (state) {
    cards.push({ id: "renewals-due", label: "Renewals due in the next 90 days", value: n("current"), href: queueHref(openWindow) });
    cards.push({
      id: "renewals-meeting",
      label: "Already meeting the requirement",
      value: n("meets"),
      hint: n("current") > 0 ? `${((n("meets") / n("current")) * 100).toFixed(1)}% of those due` : undefined,
      href: queueHref({ ...openWindow, status: "meets" }),
    });
    cards.push({
      id: "not-yet-met",
      label: "Not yet met, renewal still open",
      value: n("not_yet"),
      hint: "Credit completed by the renewal date still counts",
    });
  } else {
    cards.push({ id: "diplomates", label: `${words.People} in a current ${words.cycle}`, value: n("current"), href: queueHref(openWindow) });
    cards.push({
      id: "total-not-yet",
      label: `Not yet at the total of ${formatRuleCredits(stored.rule.total.minimum)} ${stored.rule.creditLabel}`,
      value: n("total_not_yet"),
      hint: `${capitalize(words.cycle)} still open`,
      href: queueHref({ ...openWindow, short: "total" }),
    });
  }
  let g = 0;
  if (minimums.length) {
    const kindWord = state ? "topic requirement" : "credit-type minimum";
    cards.push({
      id: state ? "minimum-not-yet" : "diplomates-short",
      label: `Not yet at a ${kindWord}`,
      value: n(`g${g++}`),
      hint: `${state ? "Renewal" : capitalize(words.cycle)} still open · ${minimums.map((m) => m.label).join("; ")}`,
      href: minimums.length === 1 ? queueHref({ ...openWindow, short: minimums[0]!.id }) : undefined,
    });
  }
  for (const group of subPeriods) {
    cards.push({
      id: `sub-periods-${group.id}`,
      label: `Not yet met: ${group.label}`,
      value: n(`g${g++}`),
      hint: `${state ? "Renewal" : capitalize(words.cycle)} still open`,
    });
  }
  cards.push({
    id: "short-at-end",
    label: "Short at cycle end, last 90 days",
    value: n("ended_short"),
    hint: `${words.People} whose ${words.deadline} passed without meeting the requirement`,
    tone: n("ended_short") > 0 ? "warn" : undefined,
    href: queueHref({ endFrom: since, endTo: addDays(today, -1), status: ["short", "nothing"] }),
  });
  return { cards, heading: state ? "Renewals" : capitalize(words.cycles), href: "/reports/compliance" };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
