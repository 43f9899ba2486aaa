// The generator's building blocks: pure functions that make providers, activities, learners (with
// licences and certifications) and credit reports from a seeded Rng. The seed and tests share them.
import {
  ACTIVITY_FORMATS,
  CERTIFYING_BOARDS,
  ENTRY_METHODS,
  MAX_CREDIT_CAPPED_FORMATS,
  MOC_CREDIT_TYPES,
  REPORTING_WINDOW_DAYS,
  STATE_BOARDS,
  STATE_TOPICS,
  type ActivityFormat,
  type EntryMethod,
} from "../reference";
import { makeNpi } from "./npi";
import {
  CITIES,
  FIRST_NAMES,
  FORMULA_LIKE_LAST_NAMES,
  FORMULA_LIKE_PROVIDER_NAMES,
  FORMULA_LIKE_TITLES,
  LAST_NAMES,
  PROVIDER_WORDS,
  TITLE_WORDS,
} from "./names";
import { WeightedPicker, type Rng } from "./random";

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 (UTC) for an ISO date, and back: dates carry no time zone. */
export function isoToDay(iso: string): number {
  return Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
}
export function dayToIso(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Credits are reported in quarter hours. */
export function quarter(value: number): number {
  return Math.max(0.25, Math.round(value * 4) / 4);
}

// ---------------------------------------------------------------- providers

export interface ProviderRow {
  id: string;
  name: string;
  city: string;
  state: string;
  country: string;
  /** A few providers report chronically late (the timeliness reports must find them). */
  chronicallyLate: boolean;
}

export function makeProvider(rng: Rng, index: number): ProviderRow {
  const [city, state] = rng.pick(CITIES);
  const formulaLike = index % 97 === 13;
  const name = formulaLike
    ? rng.pick(FORMULA_LIKE_PROVIDER_NAMES)
    : `${rng.pick(PROVIDER_WORDS.prefix)} ${rng.pick(PROVIDER_WORDS.field)} ${rng.pick(PROVIDER_WORDS.kind)}`;
  return {
    id: String(8001 + index).padStart(7, "0"),
    name,
    city,
    state,
    country: "US",
    chronicallyLate: rng.chance(0.05),
  };
}

// ---------------------------------------------------------------- activities

interface FormatProfile {
  weight: number;
  /** Maximum credits: [min, max] hours. */
  credits: [number, number];
  /** Activity length in days: [min, max]. */
  days: [number, number];
}

const FORMAT_PROFILES: Record<ActivityFormat, FormatProfile> = {
  Course: { weight: 22, credits: [1, 40], days: [0, 4] },
  "Regularly Scheduled Series": { weight: 18, credits: [8, 50], days: [90, 365] },
  "Internet Live Course": { weight: 10, credits: [0.5, 4], days: [0, 0] },
  "Enduring Material": { weight: 8, credits: [0.25, 10], days: [180, 1095] },
  "Internet Enduring Material": { weight: 20, credits: [0.25, 10], days: [180, 1095] },
  "Journal-based CME": { weight: 5, credits: [1, 1], days: [180, 730] },
  "Manuscript Review": { weight: 2, credits: [3, 3], days: [30, 365] },
  "Test-Item Writing": { weight: 1, credits: [5, 10], days: [30, 365] },
  "Committee Learning": { weight: 2, credits: [5, 20], days: [90, 365] },
  "Performance Improvement": { weight: 4, credits: [5, 20], days: [120, 365] },
  "Internet Searching and Learning": { weight: 3, credits: [0.5, 0.5], days: [365, 1095] },
  "Learning from Teaching": { weight: 2, credits: [1, 10], days: [30, 365] },
  "Other/Blended Learning": { weight: 3, credits: [1, 20], days: [14, 365] },
};
const formatPicker = new WeightedPicker(
  ACTIVITY_FORMATS,
  ACTIVITY_FORMATS.map((f) => FORMAT_PROFILES[f].weight),
);

export interface MocRegistration {
  boardCode: string;
  creditTypes: string[];
}

export interface ActivityRow {
  id: string;
  provider_id: string;
  internal_id: string;
  title: string;
  format: ActivityFormat;
  startDay: number;
  endDay: number;
  creditClaimDay: number | null;
  max_cme_credits: number;
  max_moc_credits: number | null;
  moc: boolean;
  mips: boolean;
  rems: boolean;
  mocBoards: MocRegistration[];
}

/** Activities start within the six retained years and at least a day before `today`. */
export function makeActivity(rng: Rng, index: number, provider: ProviderRow, today: number): ActivityRow {
  const format = formatPicker.pick(rng);
  const profile = FORMAT_PROFILES[format];
  const startDay = today - rng.int(1, 6 * 365);
  const endDay = startDay + rng.int(profile.days[0], profile.days[1]);
  const maxCredits = quarter(profile.credits[0] + rng.next() * (profile.credits[1] - profile.credits[0]));
  const mocBoards: MocRegistration[] = [];
  if (rng.chance(0.35)) {
    for (const board of CERTIFYING_BOARDS) {
      const weight = board.code === "ABIM" ? 0.7 : 0.3;
      if (!rng.chance(weight)) continue;
      const types = MOC_CREDIT_TYPES[board.code] ?? [];
      const chosen = types.filter(() => rng.chance(0.55));
      mocBoards.push({ boardCode: board.code, creditTypes: chosen.length ? chosen : [rng.pick(types)] });
    }
  }
  const moc = mocBoards.length > 0;
  const title =
    index % 211 === 17
      ? rng.pick(FORMULA_LIKE_TITLES)
      : `${rng.pick(TITLE_WORDS.lead)} ${rng.pick(TITLE_WORDS.topic)}${format === "Regularly Scheduled Series" ? " (weekly series)" : ""}`;
  return {
    id: String(100_000_001 + index).padStart(9, "0"),
    provider_id: provider.id,
    internal_id: `${provider.id.slice(-3)}-${String(index).padStart(6, "0")}`,
    title,
    format,
    startDay,
    endDay,
    // MOC credit may be claimed until a date at or after the activity's end.
    creditClaimDay: moc ? endDay + rng.int(0, 60) : null,
    max_cme_credits: maxCredits,
    max_moc_credits: moc ? maxCredits : null,
    moc,
    mips: rng.chance(0.08),
    rems: rng.chance(0.03),
    mocBoards,
  };
}

// ---------------------------------------------------------------- learners

/** US states by approximate share of licensed physicians; participating boards appear as their board codes. */
const STATE_WEIGHTS: ReadonlyArray<[string, number]> = [
  ["CA-M", 12], ["NY-M", 9], ["TX-M", 7.5], ["FL-M", 6.5], ["PA-M", 4.5], ["IL-M", 4], ["OH-M", 3.6],
  ["MA-M", 3.4], ["MI-M", 3.1], ["NC-M", 3.2], ["NJ-M", 3], ["GA-M", 2.7], ["VA-M", 2.6], ["WA-M", 2.5],
  ["MD-M", 2.6], ["TN-M", 2], ["AZ-M", 2], ["MN-M", 2], ["CO-M", 1.9], ["MO-M", 1.8], ["WI-M", 1.7],
  ["IN-M", 1.7], ["OR-M", 1.4], ["AL-M", 1.3], ["SC-M", 1.3], ["KY-M", 1.2], ["LA-M", 1.3], ["CT-M", 1.4],
  ["UT-M", 0.8], ["ME-M", 0.45], ["ME-O", 0.12], ["ND-M", 0.2], ["VI-M", 0.03],
];
const statePicker = new WeightedPicker(STATE_WEIGHTS.map(([s]) => s), STATE_WEIGHTS.map(([, w]) => w));
export const PARTICIPATING_STATE_BOARDS = new Set(STATE_BOARDS.map((b) => b.code));

/** Licence numbers in the shape each state uses (plausible, not real). */
export function makeLicenceId(rng: Rng, boardCode: string): string {
  switch (boardCode) {
    case "CA-M":
      return `${rng.pick(["A", "A", "A", "G", "C"])}${rng.int(10_000, 199_999)}`;
    case "MD-M":
      return `D${rng.digits(5)}`;
    case "NC-M":
      return rng.chance(0.6) ? `${rng.int(2000, 2025)}-${rng.digits(5)}` : rng.digits(6);
    case "OR-M":
      return `MD${rng.int(10_000, 299_999)}`;
    case "ND-M":
      return rng.digits(5);
    case "ME-M":
      return `MD${rng.digits(5)}`;
    case "ME-O":
      return `DO${rng.digits(4)}`;
    case "AL-M":
      return `MD.${rng.digits(5)}`;
    case "VI-M":
      return `VI-${rng.digits(4)}`;
    default:
      return `${boardCode.slice(0, 2)}${rng.digits(6)}`;
  }
}

const CERT_WEIGHTS: ReadonlyArray<[string, number]> = [
  ["ABIM", 0.26], ["ABP", 0.07], ["ABA", 0.06], ["ABS", 0.05], ["ABO", 0.02], ["ABPATH", 0.015], ["ABOHNS", 0.012],
];

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
  licences: LicenceRow[];
  certifications: CertificationRow[];
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A learner with an NPI (most), one or more licences (24% hold two or more) and board certifications.
 * `forceBoard` guarantees a licence or certification with that board (so every board has data).
 */
export function makeLearner(rng: Rng, id: number, forceBoard?: string): LearnerRow {
  const birthMonth = rng.int(1, 12);
  const lastName = id % 1999 === 7 ? rng.pick(FORMULA_LIKE_LAST_NAMES) : rng.pick(LAST_NAMES);
  const licenceBoards = new Set<string>([statePicker.pick(rng)]);
  if (rng.chance(0.24)) {
    licenceBoards.add(statePicker.pick(rng));
    if (rng.chance(0.3)) licenceBoards.add(statePicker.pick(rng));
  }
  const certBoards = new Set<string>();
  for (const [board, share] of CERT_WEIGHTS) if (rng.chance(share)) certBoards.add(board);
  if (forceBoard) {
    if (PARTICIPATING_STATE_BOARDS.has(forceBoard)) licenceBoards.add(forceBoard);
    else certBoards.add(forceBoard);
  }
  return {
    id,
    first_name: rng.pick(FIRST_NAMES),
    last_name: lastName,
    birth_month: birthMonth,
    birth_day: rng.int(1, DAYS_IN_MONTH[birthMonth - 1] as number),
    // NPIs are unique: the learner id is folded into the nine payload digits.
    npi: rng.chance(0.97) ? makeNpi(`1${String(id).padStart(8, "0")}`) : null,
    licences: [...licenceBoards].map((board) => ({ board_code: board, licence_id: `${makeLicenceId(rng, board)}` })),
    certifications: [...certBoards].map((board) => ({ board_code: board, board_id: String(100_000 + id) })),
  };
}

/** Boards a learner's credit can be reported to: participating state boards and certifying boards. */
export function reportableBoards(learner: LearnerRow): Array<{ boardCode: string; boardLearnerId: string }> {
  return [
    ...learner.licences
      .filter((l) => PARTICIPATING_STATE_BOARDS.has(l.board_code))
      .map((l) => ({ boardCode: l.board_code, boardLearnerId: l.licence_id })),
    ...learner.certifications.map((c) => ({ boardCode: c.board_code, boardLearnerId: c.board_id })),
  ];
}

// ---------------------------------------------------------------- credit reports

export const REJECTION = {
  notMatched: "Learner not matched",
  outsideDates: "Completion date outside activity dates",
  future: "Completion date in the future",
  overMaximum: "Credit exceeds activity maximum",
  duplicate: "Duplicate record",
  notRegistered: "Activity not registered for this board",
} as const;

const entryMethodPicker = new WeightedPicker<EntryMethod>(ENTRY_METHODS, [20, 30, 5, 10, 35]);

export interface CreditReportRow {
  activity_id: string;
  learner_id: number;
  board_code: string;
  board_learner_id: string;
  completionDay: number;
  /** Milliseconds since the epoch. */
  submittedAt: number;
  entry_method: EntryMethod;
  status: "accepted" | "rejected";
  rejection_reason: string | null;
  credits: number;
  credit_types: Record<string, number>;
  deletedAt: number | null;
}

/** Days between completion and submission: most within 30, a long tail, chronic latecomers later. */
export function submissionLagDays(rng: Rng, chronicallyLate: boolean): number {
  const lag = chronicallyLate ? rng.logNormal(55, 0.6) : rng.logNormal(6, 1.1);
  return Math.min(Math.floor(lag), 900);
}

export interface ReportContext {
  learner: LearnerRow;
  board: { boardCode: string; boardLearnerId: string };
  activity: ActivityRow;
  provider: ProviderRow;
  /** The reference day: completions are before it, submissions no later than its midnight (UTC). */
  today: number;
}

/** An accepted record that obeys every data rule of the programme. */
export function makeAcceptedReport(rng: Rng, { learner, board, activity, provider, today }: ReportContext): CreditReportRow {
  const lastDay = Math.min(activity.endDay, today - 1);
  const completionDay = rng.int(activity.startDay, Math.max(activity.startDay, lastDay));
  const lag = submissionLagDays(rng, provider.chronicallyLate);
  const todayMs = today * DAY_MS;
  let submittedAt = completionDay * DAY_MS + lag * DAY_MS + rng.int(6, 20) * 3_600_000 + rng.int(0, 3_599_999);
  if (submittedAt > todayMs) {
    // Not yet due in the real world: it arrived some time in the last few days instead.
    submittedAt = Math.max(completionDay * DAY_MS + 3_600_000, todayMs - rng.int(3_600_000, 5 * DAY_MS));
  }
  const max = activity.max_cme_credits;
  const credits = rng.chance(0.7) ? max : Math.min(max, quarter(max * (0.25 + rng.next() * 0.75)));
  const credit_types: Record<string, number> = {};
  if (PARTICIPATING_STATE_BOARDS.has(board.boardCode)) {
    if (rng.chance(0.18)) credit_types[rng.pick(STATE_TOPICS)] = Math.min(credits, quarter(rng.int(1, 4)));
  } else {
    const registration = activity.mocBoards.find((m) => m.boardCode === board.boardCode);
    for (const type of registration?.creditTypes ?? []) {
      // MOC credit-type amounts are not additive: each is at most the board total, often equal.
      credit_types[type] = rng.chance(0.8) ? credits : Math.min(credits, quarter(credits * rng.next()));
    }
  }
  return {
    activity_id: activity.id,
    learner_id: learner.id,
    board_code: board.boardCode,
    board_learner_id: board.boardLearnerId,
    completionDay,
    submittedAt,
    entry_method: entryMethodPicker.pick(rng),
    status: "accepted",
    rejection_reason: null,
    credits,
    credit_types,
    deletedAt: null,
  };
}

/**
 * A record the programme rejects, broken in the way its reason says. `previous` (an accepted record
 * of the same learner and board) makes a real duplicate; `unregistered` is an activity that is not
 * registered for the learner's certifying board.
 */
export function makeRejectedReport(
  rng: Rng,
  context: ReportContext,
  options: { previous?: CreditReportRow; unregistered?: ActivityRow },
): CreditReportRow {
  const base = makeAcceptedReport(rng, context);
  const { activity, today } = context;
  const certifying = !PARTICIPATING_STATE_BOARDS.has(context.board.boardCode);
  const reasons: string[] = [REJECTION.notMatched, REJECTION.outsideDates, REJECTION.future];
  if ((MAX_CREDIT_CAPPED_FORMATS as readonly string[]).includes(activity.format)) reasons.push(REJECTION.overMaximum);
  if (options.previous) reasons.push(REJECTION.duplicate, REJECTION.duplicate);
  if (certifying && options.unregistered) reasons.push(REJECTION.notRegistered);
  const reason = rng.pick(reasons);
  const rejected: CreditReportRow = { ...base, status: "rejected", rejection_reason: reason };
  switch (reason) {
    case REJECTION.outsideDates: {
      const after = activity.endDay + rng.int(5, 120);
      rejected.completionDay = after < today ? after : activity.startDay - rng.int(5, 120);
      break;
    }
    case REJECTION.future:
      rejected.completionDay = today + rng.int(1, 60);
      rejected.submittedAt = today * DAY_MS - rng.int(1, 3_600_000);
      break;
    case REJECTION.overMaximum:
      rejected.credits = activity.max_cme_credits + quarter(rng.int(1, 20) / 4);
      break;
    case REJECTION.duplicate: {
      const previous = options.previous as CreditReportRow;
      Object.assign(rejected, {
        activity_id: previous.activity_id,
        completionDay: previous.completionDay,
        credits: previous.credits,
        credit_types: previous.credit_types,
        // Resent an hour to 20 days after the original, and before the reference day.
        submittedAt: Math.max(previous.submittedAt + 60_000, Math.min(previous.submittedAt + rng.int(1, 480) * 3_600_000, today * DAY_MS - rng.int(60_000, 6 * 3_600_000))),
      });
      break;
    }
    case REJECTION.notRegistered:
      rejected.activity_id = (options.unregistered as ActivityRow).id;
      break;
    default:
      break;
  }
  if (rejected.submittedAt > today * DAY_MS) rejected.submittedAt = today * DAY_MS;
  return rejected;
}

export { REPORTING_WINDOW_DAYS, DAY_MS };
