// Demo renewal rosters: for every board, a deterministic roster CSV built from the seeded learner
// store: the board's renewal cohort, every licensee whose cycle ends in the coming six months (or
// at the board's next renewal date when none does), each with the cycle end the generator placed
// their learning around (`cyclePlacement`), so a board's roster grows with the board. With the
// variants real rosters have: names in other case or without accents, ids the store does not know
// (so the name and birth date match), rows only the NPI can match, a couple of people the store has
// never heard of, and a couple of bad rows.
// `scripts/lib/demo-rosters.ts` uploads them through the app's own upload path.
import { stringify } from "csv-stringify/sync";
import { sql, type Kysely } from "kysely";
import { rosterRowSchema } from "../../domain/roster-csv";
import { lastDayOfMonth, toDayNumber } from "../../domain/calendar";
import { CERTIFYING_BOARDS, STATE_BOARDS } from "../../domain/reference";
import { ORGANISATION_ATTRIBUTES, attributeDefinition, type AttributeKey } from "../../domain/licensee-attributes";
import type { Database } from "../schema";
import { makeNpi } from "../../domain/npi";
import { cyclePlacement } from "./cycles";
import { dayToIso } from "./factories";
import { hash32, Rng } from "./random";

export interface DemoRosterOptions {
  /** Reference day (YYYY-MM-DD): the store's own; cycle ends fall in the six months after it. */
  today: string;
  seed?: number;
}

export type RosterVariant = "plain" | "restyledName" | "unknownId" | "npiOnly" | "otherBirthDate" | "stranger" | "bad";

export interface DemoRosterRow {
  variant: RosterVariant;
  /** The store's learner the row was built from (null for strangers and bad rows). */
  learnerId: string | null;
  cells: [key: string, first: string, last: string, birth: string, npi: string, cycleEnd: string];
}

export interface DemoRoster {
  orgCode: string;
  fileName: string;
  csv: string;
  rows: DemoRosterRow[];
}

interface StoreLicensee {
  id: string;
  first_name: string;
  last_name: string;
  birth_month: number;
  birth_day: number;
  npi: string | null;
  board_key: string;
}

const BOARDS = [...STATE_BOARDS, ...CERTIFYING_BOARDS];
const STREAM_ROSTER = 7;

const pad2 = (n: number) => String(n).padStart(2, "0");

/** The first date on or after `today` that is the last day of `month`. */
function nextMonthEnd(today: string, month: number): string {
  const year = Number(today.slice(0, 4));
  const candidate = lastDayOfMonth(year, month);
  return candidate >= today ? candidate : lastDayOfMonth(year + 1, month);
}

/** The renewal cohort: licensees whose cycle ends within this many days of the reference day. */
export const COHORT_DAYS = 183;
/** At most this many rows per roster (a sample of the cohort beyond it). */
const MAX_ROSTER_ROWS = 20_000;

const nameSchema = rosterRowSchema().shape.firstName;
const acceptableName = (name: string) => nameSchema.safeParse(name).success;

/** The name as another system writes it: capitals, or without accents. */
function restyle(name: string, rng: Rng): string {
  const plain = name.normalize("NFD").replace(/\p{M}/gu, "").replace(/[łŁøØđĐ]/g, (c) => ({ ł: "l", Ł: "L", ø: "o", Ø: "O", đ: "d", Đ: "D" })[c] ?? c);
  if (plain !== name && rng.chance(0.7)) return plain;
  return rng.chance(0.5) ? name.toUpperCase() : name.toLowerCase();
}

const STRANGERS: ReadonlyArray<[string, string]> = [["Octavia", "Quillfeather"], ["Bartholomew", "Zanzibar-Reyes"], ["Ingrid", "Vasquez-Tolliver"]];

/** Builds one board's roster from the store (no writes). */
export async function buildDemoRoster(db: Kysely<Database>, orgCode: string, options: DemoRosterOptions): Promise<DemoRoster> {
  const seed = options.seed ?? 1;
  const boardIndex = BOARDS.findIndex((b) => b.code === orgCode);
  if (boardIndex < 0) throw new Error(`no roster for ${orgCode}: not a state or certifying board`);
  const certifying = CERTIFYING_BOARDS.some((b) => b.code === orgCode);
  const rng = Rng.derive(seed, STREAM_ROSTER, boardIndex);
  const todayDay = toDayNumber(options.today);
  const pool = await sql<StoreLicensee>`
    select l.id::text as id, l.first_name, l.last_name, l.birth_month, l.birth_day, l.npi::text as npi, x.k as board_key
    from (select learner_id, licence_id as k from learner.licence where board_code = ${orgCode}
          union all select learner_id, board_id from learner.certification where board_code = ${orgCode}) x
    join learner.learner l on l.id = x.learner_id and l.deleted_at is null
    order by md5(l.id::text || ${`:${seed}:${orgCode}`}), l.id`.execute(db);
  const cycleEnds = new Map<string, number>();
  const named = pool.rows.filter((l) => acceptableName(l.first_name) && acceptableName(l.last_name));
  for (const l of named) cycleEnds.set(l.id, cyclePlacement(orgCode, { id: Number(l.id), lastName: l.last_name, birthMonth: l.birth_month }, todayDay).nextEnd);
  // A board whose licences all end on one day (Maryland, North Dakota) may have no renewals in the
  // coming months: its cohort is then the next renewal's.
  let firstEnd = Infinity;
  for (const end of cycleEnds.values()) firstEnd = Math.min(firstEnd, end);
  const cohortEnd = Math.max(todayDay + COHORT_DAYS, firstEnd);
  const licensees = named.filter((l) => (cycleEnds.get(l.id) as number) <= cohortEnd).slice(0, MAX_ROSTER_ROWS);

  const rows: DemoRosterRow[] = [];
  const share = (p: number) => (licensees.length >= 10 ? Math.max(1, Math.round(licensees.length * p)) : 0);
  const quota: Array<[RosterVariant, number]> = [
    ["unknownId", share(0.02)],
    ["npiOnly", share(0.015)],
    ["restyledName", share(0.01)],
    ["otherBirthDate", share(0.005)],
  ];
  let unknownIds = 0;
  // A shape no board issues (X and 7 digits), unique within the file.
  const unknownKey = () => `X${pad2(boardIndex)}${String(++unknownIds).padStart(5, "0")}`;
  const birth = (m: number, d: number) => `${pad2(m)}/${pad2(d)}`;
  for (const licensee of licensees) {
    const cycleEnd = dayToIso(cycleEnds.get(licensee.id) as number);
    const npi = licensee.npi !== null && rng.chance(0.75) ? licensee.npi : "";
    let variant: RosterVariant = "plain";
    const next = quota.find(([v, n]) => n > 0 && (v !== "npiOnly" || licensee.npi !== null));
    if (next && rng.chance(0.25)) {
      variant = next[0];
      next[1]--;
    }
    const cells: DemoRosterRow["cells"] = (() => {
      const { first_name: first, last_name: last, birth_month: m, birth_day: d } = licensee;
      switch (variant) {
        case "plain":
          return [licensee.board_key, first, last, birth(m, d), npi, cycleEnd];
        case "restyledName":
          return [licensee.board_key, restyle(first, rng), restyle(last, rng), birth(m, d), npi, cycleEnd];
        case "unknownId":
          // An id the store does not have (a new licence number, a typo): the name and birth date find them.
          return [unknownKey(), restyle(first, rng), last, birth(m, d), "", cycleEnd];
        case "npiOnly":
          // A new surname after marriage and no id the store knows: only the NPI finds them.
          return [unknownKey(), first, `${last}-Whitfield`, birth(m, d), licensee.npi ?? "", cycleEnd];
        case "otherBirthDate":
          return [licensee.board_key, first, last, birth(m, d === 1 ? 2 : d - 1), npi, cycleEnd];
        default:
          throw new Error(`unexpected variant ${variant}`);
      }
    })();
    rows.push({ variant, learnerId: licensee.id, cells });
  }
  for (const [i, [first, last]] of STRANGERS.slice(0, 2).entries()) {
    const month = ((Number(options.today.slice(5, 7)) + rng.int(0, 4)) % 12) + 1;
    rows.push({
      variant: "stranger",
      learnerId: null,
      cells: [unknownKey(), first, last, birth(month, rng.int(1, 28)), makeNpi(String(900_000_000 + hash32(seed, boardIndex, i) % 99_999_999)), nextMonthEnd(options.today, month)],
    });
  }
  rows.sort((a, b) => (a.cells[5] < b.cells[5] ? -1 : a.cells[5] > b.cells[5] ? 1 : a.cells[0] < b.cells[0] ? -1 : a.cells[0] > b.cells[0] ? 1 : 0));
  // Two bad rows, as a spreadsheet produces them: a day that does not exist, an NPI with a typo.
  const anyEnd = rows[0]?.cells[5] ?? nextMonthEnd(options.today, 12);
  rows.splice(Math.min(rows.length, 7), 0, { variant: "bad", learnerId: null, cells: [unknownKey(), "Dana", "Whitlock", "02/30", "", anyEnd] });
  rows.splice(Math.min(rows.length, 41), 0, { variant: "bad", learnerId: null, cells: [unknownKey(), "Marcus", "Ellery", "11/12", "1234567890", anyEnd] });

  const us = (date: string) => `${date.slice(5, 7)}/${date.slice(8, 10)}/${date.slice(0, 4)}`;
  // What a state board knows of its licensees and sends with its roster (its own records: when it
  // first licensed them, whether they prescribe controlled substances, ...); certifying boards' rules
  // read no attribute, so their rosters carry none.
  const attributeKeys = certifying ? [] : DEMO_ATTRIBUTES.filter((k) => (ORGANISATION_ATTRIBUTES[orgCode] ?? []).includes(k));
  const header = [
    certifying ? "board_id" : "licence_id",
    "first_name",
    "last_name",
    "birth_date",
    "npi",
    certifying ? "cycle_end" : "expiration_date",
    ...attributeKeys.map((k) => attributeDefinition(k)?.label ?? k),
  ];
  const attributeCells = (row: DemoRosterRow) =>
    attributeKeys.map((k) => (row.learnerId === null ? "" : demoAttribute(k, orgCode, seed, Number(row.learnerId), row.cells[5])));
  const csv = stringify([header, ...rows.map((r) => (certifying ? r.cells : [...r.cells.slice(0, 5), us(r.cells[5]), ...attributeCells(r)]))], { record_delimiter: "windows" });
  return { orgCode, fileName: `${orgCode}-renewal-roster-${options.today}.csv`, csv, rows };
}

/** The attributes the demo rosters carry (for the boards that keep them). */
const DEMO_ATTRIBUTES: readonly AttributeKey[] = ["initialLicenseDate", "controlledSubstancePrescriber", "controlledSubstanceCertificate", "specialty", "patients65Percent", "mocParticipant"];

const SPECIALTIES: ReadonlyArray<[string, number]> = [
  ["Internal Medicine", 0.24],
  ["Family Medicine", 0.2],
  ["Pediatrics", 0.1],
  ["Psychiatry", 0.08],
  ["Anesthesiology", 0.07],
  ["Emergency Medicine", 0.07],
  ["Obstetrics and Gynecology", 0.06],
  ["General Surgery", 0.06],
  ["Radiology", 0.06],
  ["Cardiology", 0.06],
];

/**
 * One licensee's attribute as the board's roster gives it, deterministic by seed, board and
 * licensee (no draw from the roster's own stream, so the roster's rows stay as they were). A share
 * of each is left empty: boards do not know everything, and the queue shows what is not known.
 */
function demoAttribute(key: AttributeKey, orgCode: string, seed: number, learnerId: number, cycleEnd: string): string {
  const u = (salt: number) => hash32(seed, learnerId, salt, orgCode.charCodeAt(0), orgCode.charCodeAt(1)) / 2 ** 32;
  switch (key) {
    case "initialLicenseDate": {
      if (u(1) < 0.04) return "";
      // 8% first licensed within the last two years (a first renewal); the rest 3 to 35 years ago.
      const yearsBack = u(2) < 0.08 ? u(3) * 1.9 : 3 + u(3) * 32;
      const day = toDayNumber(cycleEnd) - Math.round(yearsBack * 365.25);
      return dayToIso(day);
    }
    case "controlledSubstancePrescriber":
      return u(4) < 0.1 ? "" : u(5) < 0.86 ? "Yes" : "No";
    case "controlledSubstanceCertificate":
      return u(6) < 0.1 ? "" : u(7) < 0.8 ? "Yes" : "No";
    case "specialty": {
      if (u(8) < 0.12) return "";
      let at = u(9);
      for (const [name, share] of SPECIALTIES) {
        if (at < share) return name;
        at -= share;
      }
      return "Internal Medicine";
    }
    case "patients65Percent":
      return u(10) < 0.2 ? "" : String(Math.round(5 + u(11) * 50));
    case "mocParticipant":
      return u(12) < 0.15 ? "" : u(13) < 0.35 ? "Yes" : "No";
    default:
      return "";
  }
}
