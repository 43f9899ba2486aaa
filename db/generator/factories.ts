// The generator's building blocks: pure functions that make providers, activities, learners (with
// licences and certifications) and credit reports from a seeded Rng. The seed and tests share them.
import {
  ACTIVITY_FORMATS,
  CERTIFYING_BOARDS,
  MAX_CREDIT_CAPPED_FORMATS,
  MOC_CREDIT_TYPES,
  REPORTING_WINDOW_DAYS,
  STATE_BOARDS,
  type ActivityFormat,
  type EntryMethod,
  type REJECTION_REASONS,
} from "../../domain/reference";
import { dayNumberToIso, fromDayNumber, mostDaysInMonth, toDayNumber } from "../../domain/calendar";
import { makeNpi } from "../../domain/npi";
import {
  CITIES,
  FIRST_NAMES,
  FORMULA_LIKE_LAST_NAMES,
  FORMULA_LIKE_PROVIDER_NAMES,
  FORMULA_LIKE_TITLES,
  LAST_NAMES,
  PROVIDER_WORDS,
  FORMAT_TITLE_LEADS,
  TITLE_LEADS,
  TITLE_SUBJECTS,
  type StateTopic,
} from "./names";
import { WeightedPicker, type Rng } from "./random";

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Days since 1970-01-01 for an ISO date, and back (the calendar module's day numbers): dates carry no time zone. */
export const isoToDay: (iso: string) => number = toDayNumber;
export const dayToIso: (day: number) => string = dayNumberToIso;

/** Credits are reported in quarter hours, at least a quarter. */
export function quarter(value: number): number {
  return Math.max(0.25, Math.round(value * 4) / 4);
}

/**
 * The last day a completion can be reported: completions of a year are accepted until March 31 of
 * the year after next (programme rule).
 */
export function reportingDeadlineDay(completionDay: number): number {
  let deadline = deadlines.get(completionDay);
  if (deadline === undefined) {
    const year = fromDayNumber(completionDay).year;
    deadline = toDayNumber({ year: year + 2, month: 3, day: 31 });
    if (deadlines.size < 100_000) deadlines.set(completionDay, deadline);
  }
  return deadline;
}
const deadlines = new Map<number, number>();

export const PARTICIPATING_STATE_BOARDS: ReadonlySet<string> = new Set(STATE_BOARDS.map((b) => b.code));
export const CERTIFYING_BOARD_CODES: ReadonlySet<string> = new Set(CERTIFYING_BOARDS.map((b) => b.code));

const CAPPED: ReadonlySet<string> = new Set(MAX_CREDIT_CAPPED_FORMATS);
/** Formats whose learners may claim more than the activity's listed credit (per cycle / hour taught). */
const REPEATABLE: ReadonlySet<ActivityFormat> = new Set<ActivityFormat>(["Internet Searching and Learning", "Learning from Teaching"]);

// ---------------------------------------------------------------- providers

export interface ProviderRow {
  /** ACCME organisation id: 7 digits. */
  id: string;
  name: string;
  city: string;
  state: string;
  country: string;
  /** A few providers report chronically late (the timeliness reports must find them). */
  chronicallyLate: boolean;
  /** Providers mostly report one way (their LMS's web service, an Excel batch, by hand). */
  entryMethod: EntryMethod;
}

/** How providers report (batch and web service dominate; tab-delimited is being retired). */
const entryMethodPicker = WeightedPicker.of<EntryMethod>([
  ["web_service", 36], ["excel_batch", 30], ["manual", 17], ["xml_batch", 12], ["tab_delimited", 5],
]);

export function makeProvider(rng: Rng, index: number): ProviderRow {
  const [city, state] = rng.pick(CITIES);
  const name =
    index % 97 === 13
      ? rng.pick(FORMULA_LIKE_PROVIDER_NAMES)
      : `${rng.pick(PROVIDER_WORDS.prefix)} ${rng.pick(PROVIDER_WORDS.field)} ${rng.pick(PROVIDER_WORDS.kind)}`;
  return {
    id: String(8001 + index).padStart(7, "0"),
    name,
    city,
    state,
    country: "US",
    chronicallyLate: rng.chance(0.05),
    entryMethod: entryMethodPicker.pick(rng),
  };
}

// ---------------------------------------------------------------- activities

interface FormatProfile {
  weight: number;
  /** Activity length in days: [min, max]. */
  days: readonly [number, number];
  /** Maximum AMA PRA Category 1 credits for an activity of this length. */
  maxCredits(rng: Rng, lengthDays: number): number;
}

const FORMAT_PROFILES: Record<ActivityFormat, FormatProfile> = {
  // Live courses: a one-day course gives 3 to 8 credits; a multi-day course or board review 10 to 30.
  Course: { weight: 20, days: [0, 4], maxCredits: (rng, len) => quarter(len === 0 ? rng.real(3, 8) : rng.real(10, Math.min(30, 8 * (len + 1)))) },
  // The series' maximum is the whole series: one 1-hour session a week (or a month).
  "Regularly Scheduled Series": {
    weight: 14,
    days: [90, 365],
    maxCredits: (rng, len) => (rng.chance(0.7) ? Math.floor(len / 7) + 1 : Math.floor(len / 30) + 1),
  },
  "Internet Live Course": { weight: 10, days: [0, 0], maxCredits: (rng) => quarter(rng.real(0.5, 4)) },
  "Enduring Material": { weight: 8, days: [180, 1095], maxCredits: (rng) => Math.min(10, quarter(rng.logNormal(1.5, 0.8))) },
  "Internet Enduring Material": { weight: 24, days: [180, 1095], maxCredits: (rng) => Math.min(10, quarter(rng.logNormal(1, 0.7))) },
  "Journal-based CME": { weight: 5, days: [180, 730], maxCredits: () => 1 },
  "Manuscript Review": { weight: 2, days: [30, 365], maxCredits: () => 3 },
  "Test-Item Writing": { weight: 1, days: [30, 365], maxCredits: (rng) => rng.int(5, 10) },
  "Committee Learning": { weight: 2, days: [90, 365], maxCredits: (rng) => quarter(rng.real(5, 20)) },
  // PI CME: three stages of 5 credits plus 5 for completing all three.
  "Performance Improvement": { weight: 4, days: [120, 365], maxCredits: (rng) => rng.pick([5, 10, 15, 20, 20, 20]) },
  "Internet Searching and Learning": { weight: 3, days: [365, 1095], maxCredits: () => 0.5 },
  "Learning from Teaching": { weight: 2, days: [30, 365], maxCredits: (rng) => rng.int(1, 10) },
  "Other/Blended Learning": { weight: 5, days: [14, 365], maxCredits: (rng) => quarter(rng.real(1, 20)) },
};
const formatPicker = new WeightedPicker(
  ACTIVITY_FORMATS,
  ACTIVITY_FORMATS.map((f) => FORMAT_PROFILES[f].weight),
);

/** Share of activities registered for MOC, and how often each board is among their boards. */
const MOC_SHARE = 0.35;
const MOC_BOARD_SHARE: Record<string, number> = { ABIM: 0.72, ABP: 0.3, ABA: 0.28, ABS: 0.3, ABO: 0.15, ABOHNS: 0.12, ABPATH: 0.14 };

/**
 * How often a registration with a board carries each credit type: most MOC activities give medical
 * knowledge or lifelong-learning credit; patient safety, self-assessment and practice improvement
 * are rarer (diplomates earn them less often, and the boards' minimums for them matter more).
 */
const MOC_TYPE_SHARE: Record<string, number> = {
  "Medical Knowledge": 0.95,
  "Lifelong Learning": 0.9,
  "Lifelong Learning and Self-Assessment": 0.85,
  CME: 0.9,
  "Self-Assessment": 0.3,
  "Patient Safety": 0.2,
  "Practice Assessment": 0.15,
  "Improvement in Medical Practice": 0.15,
  "Improving Professional Practice": 0.3,
};

export interface MocRegistration {
  boardCode: string;
  creditTypes: string[];
}

export interface ActivityRow {
  /** ACCME activity id: 9 digits. */
  id: string;
  provider_id: string;
  internal_id: string;
  title: string;
  format: ActivityFormat;
  startDay: number;
  endDay: number;
  /** Last day MOC credit may be claimed (MOC activities only); on or after the end day. */
  creditClaimDay: number | null;
  max_cme_credits: number;
  max_moc_credits: number | null;
  moc: boolean;
  mips: boolean;
  rems: boolean;
  status: "active" | "inactive";
  /** The organization a jointly provided activity is planned with (db/generator/seed.ts assigns it); null or absent when directly provided. */
  joint_provider_name?: string | null;
  /** State-mandated topics the activity covers (its topic credits on state-board records). */
  topics: readonly StateTopic[];
  mocBoards: MocRegistration[];
}

/**
 * An activity of a provider. Start and end lie within the six retained years before `today` (the
 * end never after it); enduring materials run up to three years.
 */
export function makeActivity(rng: Rng, index: number, provider: ProviderRow, today: number): ActivityRow {
  const format = formatPicker.pick(rng);
  const profile = FORMAT_PROFILES[format];
  const startDay = today - rng.int(1, 6 * 365);
  const endDay = Math.min(today, startDay + rng.int(profile.days[0], profile.days[1]));
  const maxCredits = profile.maxCredits(rng, endDay - startDay);
  const mocBoards: MocRegistration[] = [];
  if (rng.chance(MOC_SHARE)) {
    for (const board of CERTIFYING_BOARDS) {
      if (!rng.chance(MOC_BOARD_SHARE[board.code] ?? 0.2)) continue;
      const types = MOC_CREDIT_TYPES[board.code] ?? [];
      const chosen = types.filter((type) => rng.chance(MOC_TYPE_SHARE[type] ?? 0.5));
      mocBoards.push({ boardCode: board.code, creditTypes: chosen.length ? [...chosen] : [rng.pick(types)] });
    }
  }
  const moc = mocBoards.length > 0;
  const subject = rng.pick(TITLE_SUBJECTS);
  const title =
    index % 211 === 17
      ? rng.pick(FORMULA_LIKE_TITLES)
      : `${rng.pick(FORMAT_TITLE_LEADS[format] ?? TITLE_LEADS)} ${subject.subject}${format === "Regularly Scheduled Series" ? " (weekly series)" : ""}`;
  // Some general activities include a mandated-topic segment (e.g. an hour of pain management).
  const topics = subject.topics.length ? subject.topics : rng.chance(0.04) ? [rng.pick(["Pain Management", "Implicit Bias", "Controlled Substance", "Geriatric Medicine"] as const)] : [];
  return {
    id: String(100_000_001 + index).padStart(9, "0"),
    provider_id: provider.id,
    internal_id: `${provider.id.slice(-3)}-${String(index).padStart(6, "0")}`,
    title,
    format,
    startDay,
    endDay,
    creditClaimDay: moc ? endDay + rng.pick([0, 0, 30, 60, 90]) : null,
    max_cme_credits: maxCredits,
    max_moc_credits: moc ? (rng.chance(0.85) ? maxCredits : Math.min(maxCredits, quarter(maxCredits * rng.real(0.5, 1)))) : null,
    moc,
    mips: rng.chance(0.08),
    rems: rng.chance(0.03),
    status: endDay < today - 365 && rng.chance(0.1) ? "inactive" : "active",
    topics,
    mocBoards,
  };
}

// ---------------------------------------------------------------- learners

/** Licensing states by approximate share of US physicians; the participating ones as board codes. */
const STATE_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ["CA-M", 12], ["NY-M", 9], ["TX-M", 7.5], ["FL-M", 6.5], ["PA-M", 4.5], ["IL-M", 4], ["OH-M", 3.6],
  ["MA-M", 3.4], ["MI-M", 3.1], ["NC-M", 3.2], ["NJ-M", 3], ["GA-M", 2.7], ["VA-M", 2.6], ["WA-M", 2.5],
  ["MD-M", 2.6], ["TN-M", 2], ["AZ-M", 2], ["MN-M", 2], ["CO-M", 1.9], ["MO-M", 1.8], ["WI-M", 1.7],
  ["IN-M", 1.7], ["OR-M", 1.4], ["AL-M", 1.3], ["SC-M", 1.3], ["KY-M", 1.2], ["LA-M", 1.3], ["CT-M", 1.4],
  ["UT-M", 0.8], ["ME-M", 0.45], ["ME-O", 0.12], ["ND-M", 0.2], ["VI-M", 0.03],
];
const statePicker = WeightedPicker.of(STATE_WEIGHTS);

/** A learner's primary certifying board (about half of physicians hold one of these seven). */
const certificationPicker = WeightedPicker.of<string | null>([
  ["ABIM", 26], ["ABP", 7], ["ABA", 6], ["ABS", 5], ["ABO", 2], ["ABPATH", 1.5], ["ABOHNS", 1.2], [null, 51.3],
]);

/** How each board's register numbers look: a prefix drawn per id, then the issue number. */
interface IdShape {
  /** First issue number; numbers then rise with small gaps, as a board's register does. */
  start: number;
  format(rng: Rng, n: number): string;
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

const ID_SHAPES: Record<string, IdShape> = {
  // Licence numbers (plausible shapes, not real numbers).
  "CA-M": { start: 20_000, format: (rng, n) => `${rng.pick(["A", "A", "A", "A", "G", "G", "C"])}${pad(n, 5)}` },
  "MD-M": { start: 10_000, format: (_rng, n) => `D${pad(n, 5)}` },
  "NC-M": { start: 10_000, format: (rng, n) => (rng.chance(0.6) ? `${rng.int(1995, 2025)}-${pad(n, 5)}` : String(n)) },
  "OR-M": { start: 10_000, format: (rng, n) => `${rng.chance(0.9) ? "MD" : "DO"}${pad(n, 5)}` },
  "ND-M": { start: 10_000, format: (_rng, n) => pad(n, 5) },
  "ME-M": { start: 10_000, format: (_rng, n) => `MD${pad(n, 5)}` },
  "ME-O": { start: 1_000, format: (_rng, n) => `DO${pad(n, 4)}` },
  "AL-M": { start: 10_000, format: (_rng, n) => `MD.${pad(n, 5)}` },
  "VI-M": { start: 100, format: (_rng, n) => `VI${pad(n, 4)}` },
  "NY-M": { start: 150_000, format: (_rng, n) => pad(n, 6) },
  "TX-M": { start: 1_000, format: (rng, n) => `${rng.pick(["M", "N", "P", "Q", "R", "S"])}${pad(n, 4)}` },
  "FL-M": { start: 40_000, format: (_rng, n) => `ME${pad(n, 5)}` },
  "PA-M": { start: 30_000, format: (_rng, n) => `MD${pad(n, 6)}` },
  // Certifying-board ids (the board id a provider reports with MOC credit).
  ABIM: { start: 100_000, format: (_rng, n) => pad(n, 6) },
  ABP: { start: 600_000, format: (_rng, n) => pad(n, 6) },
  ABA: { start: 10_000_000, format: (_rng, n) => pad(n, 8) },
  ABS: { start: 20_000, format: (_rng, n) => pad(n, 5) },
  ABO: { start: 10_000, format: (_rng, n) => pad(n, 5) },
  ABOHNS: { start: 10_000, format: (_rng, n) => pad(n, 5) },
  ABPATH: { start: 1_000_000, format: (_rng, n) => pad(n, 7) },
};
const DEFAULT_ID_SHAPE: IdShape = { start: 100_000, format: (_rng, n) => pad(n, 6) };

/**
 * Issues licence numbers and board ids in order, per board, with small gaps: unique within a board
 * (the store's primary keys) for any number of learners. A run replays learners in the same order
 * with a fresh issuer to re-create the same ids; `offset` starts a separate range (tests).
 */
export class IdIssuer {
  private readonly next = new Map<string, number>();
  constructor(private readonly offset = 0) {}

  issue(rng: Rng, boardCode: string): string {
    const shape = ID_SHAPES[boardCode] ?? DEFAULT_ID_SHAPE;
    const n = this.next.get(boardCode) ?? shape.start + this.offset;
    this.next.set(boardCode, n + 1 + (rng.chance(0.35) ? rng.int(1, 4) : 0));
    return shape.format(rng, n);
  }
}

/** Licence id shape for a board (drawn from a throwaway issuer; for tests and examples). */
export function makeLicenceId(rng: Rng, boardCode: string): string {
  return new IdIssuer(rng.int(0, 5_000)).issue(rng, boardCode);
}

/**
 * A unique NPI for a learner number: the nine-digit payload is a bijective scramble of the number
 * (so ids do not show through), starting with 1 like individual NPIs; the tenth digit is the check.
 */
export function npiForLearner(learnerNumber: number, salt = 0): string {
  const bits = 26; // 67 million learners before the scramble would repeat
  const mask = (1 << bits) - 1;
  let x = (learnerNumber + salt) & mask;
  x = Math.imul(x, 0x2c1b3c6d) & mask; // odd multiplier: a bijection modulo 2^26
  x ^= x >>> 13;
  x = Math.imul(x, 0x297a2d39) & mask;
  x ^= x >>> 11;
  return makeNpi(String(100_000_000 + x));
}

export interface LicenceRow {
  board_code: string;
  licence_id: string;
}
export interface CertificationRow {
  board_code: string;
  board_id: string;
}

export interface LearnerRow {
  id: number;
  first_name: string;
  last_name: string;
  birth_month: number;
  birth_day: number;
  npi: string | null;
  /** When the store first knew the learner (ms since the epoch), before any of their records. */
  createdAt: number;
  /** State licences, primary first; board codes like `CA-M`, also for non-participating states. */
  licences: LicenceRow[];
  certifications: CertificationRow[];
}

export interface LearnerOptions {
  /** The learner's id (also seeds their unique NPI). */
  id: number;
  /** Issues their licence and board ids; share one issuer across all learners of a store. */
  issuer: IdIssuer;
  /** The reference day (days since the epoch). */
  today: number;
  /** Guarantees a licence (state board) or certification with this board: every board gets data. */
  forceBoard?: string;
  /** Varies the NPI scramble between runs. */
  npiSalt?: number;
}

/**
 * A learner: most have an NPI, one or more licences weighted by states' physician counts (24% hold
 * two or more, some only in states outside the collaboration) and about half a board certification.
 */
export function makeLearner(rng: Rng, { id, issuer, today, forceBoard, npiSalt = 0 }: LearnerOptions): LearnerRow {
  const birthMonth = rng.int(1, 12);
  const birthDay = rng.int(1, mostDaysInMonth(birthMonth));
  const firstName = rng.pick(FIRST_NAMES);
  const lastName = id % 1999 === 7 ? rng.pick(FORMULA_LIKE_LAST_NAMES) : rng.pick(LAST_NAMES);
  const hasNpi = rng.chance(0.97);
  const states = [statePicker.pick(rng)];
  if (rng.chance(0.24)) {
    const extra = rng.chance(0.3) ? 2 : 1;
    for (let tries = 0; states.length < 1 + extra && tries < 20; tries++) {
      const state = statePicker.pick(rng);
      if (!states.includes(state)) states.push(state);
    }
  }
  const boards: string[] = [];
  const primary = certificationPicker.pick(rng);
  if (primary) boards.push(primary);
  // Dual certification (e.g. internal medicine and pediatrics) is uncommon.
  if (primary && rng.chance(0.03)) {
    const second = certificationPicker.pick(rng);
    if (second && second !== primary) boards.push(second);
  }
  if (forceBoard) {
    if (CERTIFYING_BOARD_CODES.has(forceBoard)) {
      if (!boards.includes(forceBoard)) boards.unshift(forceBoard);
    } else if (!states.includes(forceBoard)) {
      // In place of a lone licence, so forcing keeps the share of learners with several licences.
      if (states.length === 1) states[0] = forceBoard;
      else states.unshift(forceBoard);
    }
  }
  return {
    id,
    first_name: firstName,
    last_name: lastName,
    birth_month: birthMonth,
    birth_day: birthDay,
    npi: hasNpi ? npiForLearner(id, npiSalt) : null,
    createdAt: (today - 6 * 365 - rng.int(30, 4 * 365)) * DAY_MS + rng.int(0, DAY_MS - 1),
    licences: states.map((state) => ({ board_code: state, licence_id: issuer.issue(rng, state) })),
    certifications: boards.map((board) => ({ board_code: board, board_id: issuer.issue(rng, board) })),
  };
}

/** Where a record goes: the board and the learner's id there as the provider reports it. */
export interface ReportTarget {
  boardCode: string;
  /** Licence id (state board) or board id (certifying board); null where the board does not require it. */
  boardLearnerId: string | null;
}

/** Boards a learner's credit can be reported to: participating state boards and certifying boards. */
export function reportableBoards(learner: LearnerRow): ReportTarget[] {
  return [
    ...learner.licences
      .filter((l) => PARTICIPATING_STATE_BOARDS.has(l.board_code))
      .map((l) => ({ boardCode: l.board_code, boardLearnerId: l.licence_id })),
    ...learner.certifications.map((c) => ({ boardCode: c.board_code, boardLearnerId: c.board_id })),
  ];
}

// ---------------------------------------------------------------- credit reports

export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const REJECTION = {
  notMatched: "Learner not matched",
  outsideDates: "Completion date outside activity dates",
  future: "Completion date in the future",
  overMaximum: "Credit exceeds activity maximum",
  duplicate: "Duplicate record",
  notRegistered: "Activity not registered for this board",
  afterDeadline: "Submitted after reporting deadline",
} as const satisfies Record<string, RejectionReason>;

/** ABS does not require a board id to match a learner: some providers leave it out. */
export const ABS_BOARD_ID_OMITTED_SHARE = 0.15;

export interface CreditReportRow {
  activity_id: string;
  learner_id: number;
  board_code: string;
  board_learner_id: string | null;
  completionDay: number;
  /** Milliseconds since the epoch. */
  submittedAt: number;
  entry_method: EntryMethod;
  status: "accepted" | "rejected";
  rejection_reason: RejectionReason | null;
  credits: number;
  credit_types: Record<string, number>;
  /** Milliseconds since the epoch, or null. */
  deletedAt: number | null;
}

/** Days between completion and submission: most within 30, a long tail, chronic latecomers later. */
export function submissionLagDays(rng: Rng, chronicallyLate: boolean): number {
  const lag = chronicallyLate ? rng.logNormal(55, 0.6) : rng.logNormal(6, 1.1);
  return Math.min(Math.floor(lag), 900);
}

/** One learner's completion of an activity, shared by the records sent to each of their boards. */
export interface Completion {
  activity: ActivityRow;
  completionDay: number;
  submittedAt: number;
  entryMethod: EntryMethod;
  /** AMA PRA Category 1 credits earned. */
  credits: number;
}

/** The last day an accepted completion may carry: the activity's end (never after `today - 1`). */
function lastCompletionDay(activity: ActivityRow, today: number): number {
  return Math.max(activity.startDay, Math.min(activity.endDay, today - 1));
}

/**
 * When a completion reaches the store: after a log-normal lag, during the working day, never after
 * the reporting deadline, and before the reference day (late-arriving ones fall in its last few days).
 */
export function submissionTime(rng: Rng, completionDay: number, provider: ProviderRow, today: number, options: { keepLate?: boolean } = {}): number {
  const todayMs = today * DAY_MS;
  const lag = submissionLagDays(rng, provider.chronicallyLate);
  let at = (completionDay + lag) * DAY_MS + rng.int(12, 23) * HOUR_MS + rng.int(0, HOUR_MS - 1);
  const deadlineEnd = (reportingDeadlineDay(completionDay) + 1) * DAY_MS;
  if (at >= deadlineEnd) at = deadlineEnd - rng.int(HOUR_MS, 20 * DAY_MS);
  // `keepLate`: a time on or after the reference day means "not reported yet" to the caller.
  if (at >= todayMs && !options.keepLate) at = Math.max(completionDay * DAY_MS + HOUR_MS, todayMs - rng.int(HOUR_MS, 5 * DAY_MS));
  return at;
}

/** Credit a learner earns: usually the maximum; RSS in whole 1-hour sessions; PI in 5-credit stages. */
export function earnedCredits(rng: Rng, activity: ActivityRow): number {
  const max = activity.max_cme_credits;
  switch (activity.format) {
    case "Regularly Scheduled Series":
      return Math.max(1, Math.min(max, Math.round(max * rng.real(0.3, 1))));
    case "Performance Improvement":
      return rng.chance(0.75) ? max : Math.max(5, Math.min(max, 5 * rng.int(1, Math.floor(max / 5))));
    default:
      // Searching and learning cycles and teaching hours can be claimed more than once.
      if (REPEATABLE.has(activity.format) && rng.chance(0.2)) return quarter(max * rng.int(2, 4));
      return rng.chance(0.7) ? max : Math.min(max, quarter(max * rng.real(0.25, 1)));
  }
}

export function makeCompletion(rng: Rng, activity: ActivityRow, provider: ProviderRow, today: number): Completion {
  const completionDay = rng.int(activity.startDay, lastCompletionDay(activity, today));
  return completionOn(rng, activity, provider, completionDay, earnedCredits(rng, activity), today);
}

/** A completion on a known day with known credit: when and how the provider reports it. */
export function completionOn(rng: Rng, activity: ActivityRow, provider: ProviderRow, completionDay: number, credits: number, today: number, options: { keepLate?: boolean } = {}): Completion {
  return {
    activity,
    completionDay,
    submittedAt: submissionTime(rng, completionDay, provider, today, options),
    entryMethod: rng.chance(0.85) ? provider.entryMethod : entryMethodPicker.pick(rng),
    credits,
  };
}

/** A part of `total` in quarter hours, never above it. */
function partOf(rng: Rng, total: number): number {
  return Math.min(total, quarter(total * rng.real(0.2, 1)));
}

/**
 * The accepted record of a completion for one board. State boards get AMA PRA Category 1 credits and
 * the activity's topic credits; certifying boards (only for activities registered for them) get
 * board credits (at most the MOC maximum) and an amount per registered credit type (not additive:
 * each at most the total, usually equal).
 */
export interface ReportOptions {
  /** Topics or credit types the physician took the activity for: reported in full, never left off. */
  focus?: readonly string[];
  /** Chance that an osteopathic board's record carries AOA (osteopathic) credit. */
  osteopathicShare?: number;
}

export function reportForBoard(rng: Rng, completion: Completion, learner: LearnerRow, target: ReportTarget, options: ReportOptions = {}): CreditReportRow {
  const { activity } = completion;
  const focus = options.focus ?? [];
  const credit_types: Record<string, number> = {};
  let credits = completion.credits;
  let boardLearnerId = target.boardLearnerId;
  if (PARTICIPATING_STATE_BOARDS.has(target.boardCode)) {
    for (const topic of activity.topics) credit_types[topic] = focus.includes(topic) || rng.chance(0.7) ? credits : partOf(rng, credits);
    // Osteopathic (AOA Category 1-A) credit matters to the osteopathic board.
    if (target.boardCode === "ME-O" && rng.chance(options.osteopathicShare ?? 0.35)) credit_types.Osteopathic = credits;
  } else {
    const registration = activity.mocBoards.find((m) => m.boardCode === target.boardCode);
    if (!registration) throw new Error(`activity ${activity.id} is not registered for ${target.boardCode}`);
    credits = Math.min(credits, activity.max_moc_credits ?? activity.max_cme_credits);
    // Providers sometimes leave a credit type off (Patient Safety most often), never all of them.
    const types =
      registration.creditTypes.length > 1 && focus.length === 0 && rng.chance(0.08) ? registration.creditTypes.slice(0, -1) : registration.creditTypes;
    for (const type of types) credit_types[type] = focus.includes(type) || rng.chance(0.8) ? credits : partOf(rng, credits);
    if (target.boardCode === "ABS" && rng.chance(ABS_BOARD_ID_OMITTED_SHARE)) boardLearnerId = null;
  }
  return {
    activity_id: activity.id,
    learner_id: learner.id,
    board_code: target.boardCode,
    board_learner_id: boardLearnerId,
    completionDay: completion.completionDay,
    submittedAt: completion.submittedAt,
    entry_method: completion.entryMethod,
    status: "accepted",
    rejection_reason: null,
    credits,
    credit_types,
    deletedAt: null,
  };
}

export interface ReportContext {
  learner: LearnerRow;
  board: ReportTarget;
  activity: ActivityRow;
  provider: ProviderRow;
  /** The reference day: completions are before it, submissions before its midnight (UTC). */
  today: number;
}

/** An accepted record that obeys every data rule of the programme (one board, one completion). */
export function makeAcceptedReport(rng: Rng, { learner, board, activity, provider, today }: ReportContext): CreditReportRow {
  return reportForBoard(rng, makeCompletion(rng, activity, provider, today), learner, board);
}

/** A learner or board id with one digit mistyped: what an unmatched record usually carries. */
function mistype(rng: Rng, id: string | null): string {
  const value = id ?? rng.digits(6);
  const positions = [...value].flatMap((ch, i) => (ch >= "0" && ch <= "9" ? [i] : []));
  if (positions.length === 0) return `${value}9`;
  const at = rng.pick(positions);
  const digit = (Number(value[at]) + rng.int(1, 9)) % 10;
  return value.slice(0, at) + String(digit) + value.slice(at + 1);
}

/** How often each reason is given, among the reasons that can apply to a record. */
const REJECTION_WEIGHTS: Record<RejectionReason, number> = {
  [REJECTION.notMatched]: 35,
  [REJECTION.outsideDates]: 18,
  [REJECTION.duplicate]: 15,
  [REJECTION.overMaximum]: 10,
  [REJECTION.notRegistered]: 8,
  [REJECTION.afterDeadline]: 7,
  [REJECTION.future]: 5,
};

export interface RejectionOptions {
  /** An accepted record of the same learner and board: enables a real duplicate. */
  previous?: CreditReportRow;
  /** An activity not registered for the (certifying) board: enables "not registered". */
  unregistered?: ActivityRow;
}

/**
 * A record the programme rejects, broken in exactly the way its reason says: a mistyped licence or
 * board id, a completion outside the activity's dates or in the future, credit over the maximum of
 * a capped format, a resend of an accepted record, an activity not registered for the board, or a
 * submission after the reporting deadline.
 */
export function makeRejectedReport(rng: Rng, context: ReportContext, options: RejectionOptions = {}): CreditReportRow {
  return rejectRecord(rng, makeAcceptedReport(rng, context), context, options);
}

/** The rejected version of a record that would otherwise have been accepted (see makeRejectedReport). */
export function rejectRecord(
  rng: Rng,
  base: CreditReportRow,
  context: Pick<ReportContext, "activity" | "board" | "today">,
  options: RejectionOptions = {},
): CreditReportRow {
  const { activity, today } = context;
  const todayMs = today * DAY_MS;
  const certifying = !PARTICIPATING_STATE_BOARDS.has(context.board.boardCode);
  const deadline = reportingDeadlineDay(base.completionDay);
  const reasons: RejectionReason[] = [REJECTION.notMatched, REJECTION.outsideDates, REJECTION.future];
  if (CAPPED.has(activity.format)) reasons.push(REJECTION.overMaximum);
  if (options.previous && options.previous.submittedAt < todayMs - 2 * HOUR_MS) reasons.push(REJECTION.duplicate);
  if (certifying && options.unregistered) reasons.push(REJECTION.notRegistered);
  if (deadline + 2 < today) reasons.push(REJECTION.afterDeadline);
  const reason = new WeightedPicker(reasons, reasons.map((r) => REJECTION_WEIGHTS[r])).pick(rng);
  const rejected: CreditReportRow = { ...base, status: "rejected", rejection_reason: reason };
  switch (reason) {
    case REJECTION.notMatched:
      rejected.board_learner_id = mistype(rng, context.board.boardLearnerId);
      break;
    case REJECTION.outsideDates: {
      const bound = activity.creditClaimDay !== null && certifying ? Math.max(activity.endDay, activity.creditClaimDay) : activity.endDay;
      const after = bound + rng.int(1, 90);
      rejected.completionDay = after < today ? after : activity.startDay - rng.int(1, 90);
      break;
    }
    case REJECTION.future:
      // A completion date after the day it was sent (a typo in the year or month).
      rejected.completionDay = Math.floor(rejected.submittedAt / DAY_MS) + rng.int(1, 60);
      break;
    case REJECTION.overMaximum:
      rejected.credits = activity.max_cme_credits + quarter(rng.int(1, 20) / 4);
      break;
    case REJECTION.duplicate: {
      const previous = options.previous as CreditReportRow;
      // Resent an hour to 20 days after the original, before the reference day.
      const resent = Math.min(previous.submittedAt + rng.int(1, 480) * HOUR_MS, todayMs - rng.int(1, 60) * 60_000);
      Object.assign(rejected, {
        activity_id: previous.activity_id,
        board_learner_id: previous.board_learner_id,
        completionDay: previous.completionDay,
        credits: previous.credits,
        credit_types: { ...previous.credit_types },
        submittedAt: Math.max(previous.submittedAt + 60_000, resent),
      });
      break;
    }
    case REJECTION.notRegistered: {
      const other = options.unregistered as ActivityRow;
      rejected.activity_id = other.id;
      rejected.completionDay = rng.int(other.startDay, lastCompletionDay(other, today));
      break;
    }
    case REJECTION.afterDeadline:
      rejected.submittedAt = (deadline + rng.int(1, Math.min(400, today - deadline - 1))) * DAY_MS + rng.int(12, 23) * HOUR_MS;
      break;
  }
  // Whatever the reason, the record itself arrived after its completion and before the reference day.
  rejected.submittedAt = Math.min(rejected.submittedAt, todayMs - 60_000);
  if (reason !== REJECTION.future) rejected.submittedAt = Math.max(rejected.submittedAt, rejected.completionDay * DAY_MS + HOUR_MS);
  return rejected;
}

/**
 * The corrected resubmission of a record that was deleted (PARS records are never edited): fewer
 * credits, or a completion date moved a few days later (never past the activity's end, `today - 1`
 * or `notAfterDay`, the day it is resent, so a later completion never shortens the deadline).
 */
export function correctedResubmission(rng: Rng, record: CreditReportRow, activity: ActivityRow, today: number, notAfterDay: number): CreditReportRow {
  const corrected: CreditReportRow = { ...record, credit_types: { ...record.credit_types }, deletedAt: null };
  const lastDay = Math.min(activity.endDay, today - 1, notAfterDay);
  if (record.credits > 0.25 && (rng.chance(0.6) || lastDay <= record.completionDay)) {
    corrected.credits = quarter(record.credits - 0.25 * rng.int(1, 4));
    for (const type of Object.keys(corrected.credit_types)) {
      corrected.credit_types[type] = Math.min(corrected.credit_types[type] as number, corrected.credits);
    }
  } else if (lastDay > record.completionDay) {
    corrected.completionDay = rng.int(record.completionDay + 1, Math.min(lastDay, record.completionDay + 3));
  }
  return corrected;
}

export { REPORTING_WINDOW_DAYS };
