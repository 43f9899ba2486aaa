// How a physician earns CME, as the generator models it (decision 006): each physician has a pace
// of learning measured against what their boards require (most earn it or more; a minority fall
// short, for example because some of their providers do not report through the programme; a few
// have nothing reported at all), a personal mix of formats (mostly short online and journal credit,
// a course or series now and then), credit for the topics and MOC credit types their boards
// mandate, and more learning in the months before each cycle ends. The planner turns that into a
// list of completions (activity, day, boards); `learnerReports` in seed.ts turns each completion
// into one record per board, with the rejections, deletions and resubmissions providers make.
import type { RequirementRuleSet } from "../../domain/requirement-rules";
import { ACTIVITY_FORMATS, type ActivityFormat } from "../../domain/reference";
import { cyclePlacement, earlierCycleEnd, SEEDED_RULE_BY_CODE as ruleOf, type CyclePlacement } from "./cycles";
import { CERTIFYING_BOARD_CODES, earnedCredits, PARTICIPATING_STATE_BOARDS, type ActivityRow, type LearnerRow, type ReportTarget } from "./factories";
import { WeightedPicker, type Rng } from "./random";

/** Records are kept six years: nothing is generated before this many days before the reference day. */
const RETENTION_DAYS = 6 * 365;

/** A physician's standing, which sets their pace against what their boards require. */
export type Diligence = "ahead" | "short" | "unreported";

/**
 * Shares of physicians by standing: most earn what their boards require or more; a minority fall
 * short by a little or a lot; a few have no credit reported at all. The outcome ranges these lead
 * to are in decision 006 and asserted by the generator tests.
 */
const DILIGENCE_SHARES: Readonly<Record<Diligence, number>> = { ahead: 0.84, short: 0.13, unreported: 0.03 };
const diligencePicker = WeightedPicker.of<Diligence>([
  ["ahead", DILIGENCE_SHARES.ahead],
  ["short", DILIGENCE_SHARES.short],
  ["unreported", DILIGENCE_SHARES.unreported],
]);

/** Of physicians in a standing, the share who earn something in a sub-period their credit left empty. */
const SUB_PERIOD_DILIGENCE: Readonly<Record<Diligence, number>> = { ahead: 0.97, short: 0.6, unreported: 0 };

/** Of physicians in a standing, the share who take a mandated topic or credit type in each period. */
const MANDATE_DILIGENCE: Readonly<Record<Diligence, number>> = { ahead: 0.6, short: 0.3, unreported: 0 };

/**
 * How physicians choose formats (base weights, varied per physician): mostly short online
 * activities and journal CME of about a credit, a live course or a regularly scheduled series now
 * and then (reported as one record for the series), performance improvement rarely.
 */
const PHYSICIAN_FORMAT_WEIGHTS: Readonly<Record<ActivityFormat, number>> = {
  "Internet Enduring Material": 40,
  "Journal-based CME": 16,
  "Internet Live Course": 14,
  "Enduring Material": 6,
  Course: 3.5,
  "Regularly Scheduled Series": 2,
  "Other/Blended Learning": 2,
  "Performance Improvement": 0.6,
  "Internet Searching and Learning": 4,
  "Learning from Teaching": 1,
  "Committee Learning": 0.4,
  "Manuscript Review": 0.5,
  "Test-Item Writing": 0.3,
};

/** Share of a period's credit earned in the last `BURST_DAYS` before its cycle ends. */
const BURST_SHARE = 0.25;
const BURST_DAYS = 120;

/** A planned completion: the activity, the day, and the boards its record goes to. */
export interface PlannedCompletion {
  activity: ActivityRow;
  day: number;
  boards: ReportTarget[];
  /** AMA PRA Category 1 credits earned (the certifying boards' records carry at most the MOC maximum). */
  credits: number;
  /** Credit types / topics the completion was taken for: reported in full on its records. */
  focus: readonly string[];
}

/** Activities sorted by start day, searchable by the day a completion falls on. */
class ActivityTimeline {
  private readonly starts: Int32Array;
  constructor(readonly activities: readonly ActivityRow[]) {
    this.activities = [...activities].sort((a, b) => a.startDay - b.startDay || (a.id < b.id ? -1 : 1));
    this.starts = Int32Array.from(this.activities, (a) => a.startDay);
  }
  get size(): number {
    return this.activities.length;
  }
  /**
   * An activity that runs on `day` (of `format` when one started near that day does), and the day
   * of the completion: `day` itself, or the nearest day the chosen activity runs.
   */
  pick(rng: Rng, day: number, format: ActivityFormat | null, lastDay: (a: ActivityRow) => number): { activity: ActivityRow; day: number } | null {
    const n = this.activities.length;
    if (n === 0) return null;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.starts[mid] as number) <= day) lo = mid + 1;
      else hi = mid;
    }
    const running: ActivityRow[] = [];
    const ofFormat: ActivityRow[] = [];
    for (let i = lo - 1, seen = 0; i >= 0 && seen < 400 && ofFormat.length < 12; i--, seen++) {
      const a = this.activities[i] as ActivityRow;
      if (lastDay(a) < day) continue;
      running.push(a);
      if (a.format === format) ofFormat.push(a);
    }
    const pool = ofFormat.length ? ofFormat : running;
    if (pool.length) return { activity: rng.pick(pool), day };
    // Nothing runs that day: the nearest activity, on its nearest day.
    const near = this.activities[Math.min(n - 1, Math.max(0, lo - 1 + (rng.chance(0.5) ? 1 : 0)))] as ActivityRow;
    const last = lastDay(near);
    if (last < near.startDay) return null;
    return { activity: near, day: Math.min(Math.max(day, near.startDay), last) };
  }
}

/** What a physician's completions are drawn from (built once per store). */
export interface BehaviourPools {
  all: ActivityTimeline;
  /** Activities registered for MOC with each certifying board. */
  registered: ReadonlyMap<string, ActivityTimeline>;
  /** Activities covering each state topic. */
  topic: ReadonlyMap<string, ActivityTimeline>;
  /** Activities registered with a certifying board for a credit type: key `board|type`. */
  registeredType: ReadonlyMap<string, ActivityTimeline>;
  today: number;
}

export function buildBehaviourPools(activities: readonly ActivityRow[], today: number): BehaviourPools {
  const group = (key: (a: ActivityRow) => string[]) => {
    const lists = new Map<string, ActivityRow[]>();
    for (const a of activities) for (const k of key(a)) (lists.get(k) ?? lists.set(k, []).get(k)!).push(a);
    return new Map([...lists].map(([k, list]) => [k, new ActivityTimeline(list)]));
  };
  return {
    all: new ActivityTimeline(activities),
    registered: group((a) => a.mocBoards.map((m) => m.boardCode)),
    topic: group((a) => [...a.topics]),
    registeredType: group((a) => a.mocBoards.flatMap((m) => m.creditTypes.map((t) => `${m.boardCode}|${t}`))),
    today,
  };
}

/** Credit a board's rule asks for per retained year (a ten-year cycle's total falls within the six years kept). */
function annualNeed(rule: RequirementRuleSet | undefined): number {
  if (!rule) return 25;
  return rule.total.minimum / Math.min(rule.cycle.years, 6);
}

interface BoardPlan {
  target: ReportTarget;
  rule: RequirementRuleSet | undefined;
  placement: CyclePlacement;
  certifying: boolean;
}

/** The physician's cycles with a board that overlap the retained years: [start, end] day pairs, oldest first. */
function periods(plan: BoardPlan, from: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let k = 0; k < 20; k++) {
    const end = earlierCycleEnd(plan.placement.nextEnd, plan.placement.years, k);
    const start = earlierCycleEnd(plan.placement.nextEnd, plan.placement.years, k + 1) + 1;
    if (end < from) break;
    out.unshift([start, end]);
  }
  return out;
}

export interface PhysicianProfile {
  diligence: Diligence;
  /** Reported credit per period as a multiple of what the binding board requires. */
  pace: number;
  /** Share of an osteopathic physician's records that carry AOA (osteopathic) credit. */
  osteopathicShare: number;
}

export function physicianProfile(rng: Rng): PhysicianProfile {
  const diligence = diligencePicker.pick(rng);
  const pace = diligence === "ahead" ? Math.min(3.5, 1.15 + rng.logNormal(0.45, 0.7)) : diligence === "short" ? rng.real(0.2, 0.9) : 0;
  return { diligence, pace, osteopathicShare: rng.real(0.35, 0.8) };
}

/**
 * A physician's completions over the retained years, oldest first. Reported to: every
 * participating state board they hold (the primary always, others usually) and each certifying
 * board they hold for which the activity is registered.
 */
export function planCompletions(rng: Rng, learner: LearnerRow, targets: readonly ReportTarget[], pools: BehaviourPools, profile: PhysicianProfile): PlannedCompletion[] {
  const { today } = pools;
  if (targets.length === 0 || profile.diligence === "unreported") return [];
  const from = today - RETENTION_DAYS;
  const lastName = learner.last_name;
  const plans: BoardPlan[] = targets.map((target) => ({
    target,
    rule: ruleOf.get(target.boardCode),
    placement: cyclePlacement(target.boardCode, { id: learner.id, lastName, birthMonth: learner.birth_month }, today),
    certifying: CERTIFYING_BOARD_CODES.has(target.boardCode),
  }));
  const statePlans = plans.filter((p) => PARTICIPATING_STATE_BOARDS.has(p.target.boardCode));
  const certPlans = plans.filter((p) => p.certifying && pools.registered.has(p.target.boardCode));
  const formats = new WeightedPicker(ACTIVITY_FORMATS, ACTIVITY_FORMATS.map((f) => PHYSICIAN_FORMAT_WEIGHTS[f] * rng.logNormal(1, 0.6)));
  const otherStateShare = rng.chance(0.8) ? 1 : 0.5;

  const completions: PlannedCompletion[] = [];
  const usedActivities = new Set<string>();
  /** Credit placed per day on the state side (for the state total) and per certifying board. */
  const stateCredit: Array<[number, number]> = [];
  const boardCredit = new Map<string, Array<[number, number]>>();
  const lastDay = (certifying: boolean) => (a: ActivityRow) => {
    const end = certifying && a.creditClaimDay !== null ? Math.min(a.endDay, a.creditClaimDay) : a.endDay;
    return Math.min(end, today - 1);
  };

  /**
   * Credit a period asks of the physician: the board's yearly need over the period's years within
   * the retained ones (the part still to come included); a period that began before them still
   * needs its whole minimum in the part that is kept, since that is all a board can see.
   */
  const periodNeed = (rule: RequirementRuleSet | undefined, start: number, end: number) => {
    const seen = annualNeed(rule) * ((end - Math.max(start, from) + 1) / 365);
    return start < from ? Math.max(seen, rule?.total.minimum ?? 0) : seen;
  };

  /** A day in [start, end] (clipped to the retained years), more often in the burst before `end`. */
  const dayIn = (start: number, end: number): number | null => {
    const lo = Math.max(start, from);
    if (lo > end) return null;
    const burstFrom = Math.max(lo, end - BURST_DAYS);
    return rng.chance(BURST_SHARE) ? rng.int(burstFrom, end) : rng.int(lo, end);
  };

  const record = (activity: ActivityRow, day: number, focus: readonly string[], forBoard?: BoardPlan): number => {
    const credits = earnedCredits(rng, activity);
    if (day >= today || day < from) return 0;
    const boards: ReportTarget[] = [];
    statePlans.forEach((p, i) => {
      if (i === 0 || rng.chance(otherStateShare)) boards.push(p.target);
    });
    for (const p of certPlans) {
      if (!activity.mocBoards.some((m) => m.boardCode === p.target.boardCode)) continue;
      if (p === forBoard || rng.chance(0.95)) boards.push(p.target);
    }
    if (boards.length === 0) return 0;
    usedActivities.add(activity.id);
    completions.push({ activity, day, boards, focus, credits });
    if (statePlans.length) stateCredit.push([day, credits]);
    for (const b of boards) {
      if (!CERTIFYING_BOARD_CODES.has(b.boardCode)) continue;
      const perDay = ruleOf.get(b.boardCode)?.caps?.perDay;
      const list = boardCredit.get(b.boardCode) ?? boardCredit.set(b.boardCode, []).get(b.boardCode)!;
      list.push([day, Math.min(credits, activity.max_moc_credits ?? credits, perDay ?? Infinity)]);
    }
    return credits;
  };

  const take = (timeline: ActivityTimeline | undefined, day: number, certifying: boolean, format: ActivityFormat | null) => {
    if (!timeline) return null;
    for (let attempt = 0; attempt < 4; attempt++) {
      const found = timeline.pick(rng, day, format, lastDay(certifying));
      if (found && !usedActivities.has(found.activity.id)) return found;
    }
    return null;
  };

  // 1. Mandated topics and credit types, period by period, by those who keep up with them.
  for (const plan of plans) {
    if (!plan.rule || (plan.certifying && !certPlans.includes(plan))) continue;
    for (const requirement of plan.rule.requirements) {
      if (requirement.kind !== "creditTypes") continue;
      if (requirement.appliesTo?.whenUnknown === "doesNotApply") continue;
      const period = requirement.period;
      const windows: Array<[number, number]> =
        period.kind === "ever"
          ? // Done once, usually early on (before the records kept, for many: then it cannot be seen).
            [[from, from + Math.round((plan.placement.nextEnd - from) * 0.6)]]
          : period.kind === "lastYears" && period.years !== plan.placement.years
            ? periods({ ...plan, placement: { nextEnd: plan.placement.nextEnd, years: period.years } }, from)
            : periods(plan, from);
      for (const [start, end] of windows) {
        // Most complete a one-time requirement (California's pain management) at some point.
        const diligence = period.kind === "ever" ? Math.min(1, MANDATE_DILIGENCE[profile.diligence] + 0.1) : MANDATE_DILIGENCE[profile.diligence];
        if (!rng.chance(diligence)) continue;
        const need = requirement.minimum * rng.real(1, 1.6);
        let got = 0;
        for (let tries = 0; got < need && tries < 40; tries++) {
          const type = rng.pick(requirement.creditTypes);
          const pool = plan.certifying ? pools.registeredType.get(`${plan.target.boardCode}|${type}`) : pools.topic.get(type);
          const day = dayIn(start, end);
          if (day === null) break;
          // Planned for the rest of the cycle: not done yet.
          if (day >= today) break;
          const found = take(pool, day, plan.certifying, null);
          if (!found) continue;
          got += record(found.activity, found.day, requirement.creditTypes, plan);
        }
      }
    }
  }

  // 2. Each certifying board's MOC credit, cycle by cycle, from activities registered with it.
  for (const plan of certPlans) {
    const credited = boardCredit.get(plan.target.boardCode) ?? boardCredit.set(plan.target.boardCode, []).get(plan.target.boardCode)!;
    for (const [start, end] of periods(plan, from)) {
      const target = periodNeed(plan.rule, start, end) * profile.pace * rng.real(0.85, 1.15);
      let got = credited.reduce((sum, [d, c]) => (d >= start && d <= end ? sum + c : sum), 0);
      for (let tries = 0; got < target && tries < 400; tries++) {
        const day = dayIn(start, end);
        if (day === null) break;
        const timeline = pools.registered.get(plan.target.boardCode) as ActivityTimeline;
        if (day >= today) {
          // Planned for the rest of the cycle: counts toward the plan, not reported yet.
          got += earnedCredits(rng, rng.pick(timeline.activities));
          continue;
        }
        const found = take(timeline, day, true, formats.pick(rng));
        if (!found) continue;
        const before = credited.length;
        record(found.activity, found.day, [], plan);
        for (let i = before; i < credited.length; i++) got += (credited[i] as [number, number])[1];
      }
    }
  }

  // 2b. Some credit in every sub-period (ABIM: points every 2 years), where 2 left a window empty:
  // most diplomates keep participating; the short ones less reliably.
  for (const plan of plans) {
    if (!plan.rule || (plan.certifying && !certPlans.includes(plan))) continue;
    if (!plan.certifying && !statePlans.includes(plan)) continue;
    for (const requirement of plan.rule.requirements) {
      if (requirement.kind !== "subPeriods") continue;
      for (const [start] of periods(plan, from)) {
        const count = Math.floor(plan.placement.years / requirement.years);
        for (let n = 1; n <= count; n++) {
          // Sub-period n: from the cycle's start, `years` long (month ends kept, as cycles are).
          const windowStart = earlierCycleEnd(start - 1, requirement.years, -(n - 1)) + 1;
          const windowEnd = earlierCycleEnd(start - 1, requirement.years, -n);
          if (windowStart >= today || windowEnd < from) continue;
          const placed = plan.certifying ? (boardCredit.get(plan.target.boardCode) ?? []) : stateCredit;
          const got = placed.reduce((sum, [d, c]) => (d >= windowStart && d <= windowEnd ? sum + c : sum), 0);
          if (got >= requirement.minimum || !rng.chance(SUB_PERIOD_DILIGENCE[profile.diligence])) continue;
          const types = requirement.creditTypes;
          for (let tries = 0; tries < 6; tries++) {
            const day = dayIn(windowStart, Math.min(windowEnd, today - 1));
            if (day === null) break;
            const type = types ? rng.pick(types) : null;
            const pool = plan.certifying
              ? type
                ? pools.registeredType.get(`${plan.target.boardCode}|${type}`)
                : pools.registered.get(plan.target.boardCode)
              : type
                ? pools.topic.get(type)
                : pools.all;
            const found = take(pool, day, plan.certifying, null);
            if (!found || found.day < windowStart || found.day > windowEnd) continue;
            if (record(found.activity, found.day, types ?? [], plan) > 0) break;
          }
        }
      }
    }
  }

  // 3. The state boards' total (the most demanding board they hold), after what 1 and 2 placed.
  if (statePlans.length) {
    const binding = statePlans.reduce((best, p) => (annualNeed(p.rule) > annualNeed(best.rule) ? p : best));
    for (const [start, end] of periods(binding, from)) {
      const target = periodNeed(binding.rule, start, end) * profile.pace * rng.real(0.85, 1.15);
      let got = stateCredit.reduce((sum, [d, c]) => (d >= start && d <= end ? sum + c : sum), 0);
      for (let tries = 0; got < target && tries < 600; tries++) {
        const day = dayIn(start, end);
        if (day === null) break;
        if (day >= today) {
          got += earnedCredits(rng, rng.pick(pools.all.activities));
          continue;
        }
        const found = take(pools.all, day, false, formats.pick(rng));
        if (!found) continue;
        got += record(found.activity, found.day, []);
      }
    }
  }
  return completions.sort((a, b) => a.day - b.day);
}
