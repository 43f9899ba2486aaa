// The sixteen seeded rule sets against hand-worked licensees and diplomates: for each organization
// at least one who meets, one who is short, one exempt or not bound (an attribute that turns a
// requirement off, an alternative, or — where the board's rules bind everyone — credit that does not
// belong to the cycle), and one on a boundary date (a cycle's first or last day, a sub-period edge, a
// cap). Every expected figure is worked out by hand in the comment beside it, never read back from
// the engine. Then a scan of every seeded string a board reads for internal words.
import { describe, expect, it } from "vitest";
import { evaluateCycle, type ComplianceStatus, type LicenseeCreditReport } from "../../app/lib/compliance";
import type { LicenseeAttributes } from "../../domain/licensee-attributes";
import { describeRuleSet, ruleMeasures, seededRuleSet, SEEDED_REQUIREMENT_RULES, type RequirementRuleSet } from "../../domain/requirement-rules";

function rule(code: string): RequirementRuleSet {
  const found = seededRuleSet(code);
  if (!found) throw new Error(`no seeded rule for ${code}`);
  return found;
}

let next = 0;
/** An accepted, live credit report of its own activity unless `activityId` is given. */
function c(completionDate: string, credits: number, creditTypes: Record<string, number> = {}, more: Partial<LicenseeCreditReport> = {}): LicenseeCreditReport {
  next += 1;
  const id = `s${String(next).padStart(5, "0")}`;
  return { id, activityId: `act-${id}`, completionDate, status: "accepted", deleted: false, credits, creditTypes, ...more };
}

interface Case {
  name: string;
  cycle: { start: string; end: string };
  attributes?: LicenseeAttributes;
  records: () => LicenseeCreditReport[];
  status: ComplianceStatus;
  /** Requirement id → [required, counted] worked by hand; applies defaults to true. */
  figures: Record<string, [number, number]>;
  /** Requirement ids that do not apply. */
  notApplied?: string[];
  satisfiedBy?: string | null;
  unknown?: string[];
}

const CASES: Record<string, Case[]> = {
  "AL-M": [
    {
      name: "meets: 25 in the calendar year, and a certificate holder's 2 controlled-substance credits from the year before",
      cycle: { start: "2026-01-01", end: "2026-12-31" },
      attributes: { controlledSubstanceCertificate: true },
      // Total: 25 (2026-03-10). Controlled substance, 2025-01-01 to 2026-12-31: 2 (2025-06-01, before the cycle, counts only there).
      records: () => [c("2026-03-10", 25), c("2025-06-01", 2, { "Controlled Substance": 2 })],
      status: "meets",
      figures: { total: [25, 25], "controlled-substance": [2, 2] },
    },
    {
      name: "short by a quarter credit in both",
      cycle: { start: "2026-01-01", end: "2026-12-31" },
      attributes: { controlledSubstanceCertificate: true },
      // Total 24.75 of 25; controlled substance 1.75 of 2.
      records: () => [c("2026-03-10", 24.75), c("2025-06-01", 1.75, { "Controlled Substance": 1.75 })],
      status: "short",
      figures: { total: [25, 24.75], "controlled-substance": [2, 1.75] },
    },
    {
      name: "exempt: no Alabama certificate, so the controlled-substance requirement does not apply",
      cycle: { start: "2026-01-01", end: "2026-12-31" },
      attributes: { controlledSubstanceCertificate: false },
      records: () => [c("2026-03-10", 25)],
      status: "meets",
      figures: { total: [25, 25], "controlled-substance": [2, 0] },
      notApplied: ["controlled-substance"],
    },
    {
      name: "boundaries: December 31 of the year before is out, January 1 and December 31 are in; the 2-year look-back starts 2025-01-01",
      cycle: { start: "2026-01-01", end: "2026-12-31" },
      // Total: 12 (2026-01-01) + 13 (2026-12-31) = 25; 10 on 2025-12-31 is the year before.
      // Controlled substance: 2 on 2025-01-01 (first day of the look-back); 2 on 2024-12-31 is one day early.
      // Certificate not recorded: the requirement applies, and the outcome names the unknown attribute.
      records: () => [
        c("2025-12-31", 10),
        c("2026-01-01", 12),
        c("2026-12-31", 13),
        c("2024-12-31", 2, { "Controlled Substance": 2 }),
        c("2025-01-01", 2, { "Controlled Substance": 2 }),
      ],
      status: "meets",
      figures: { total: [25, 25], "controlled-substance": [2, 2] },
      unknown: ["controlledSubstanceCertificate"],
    },
  ],
  "CA-M": [
    {
      name: "meets: 50 in the cycle, pain management done years before, not in the geriatric group",
      cycle: { start: "2025-04-01", end: "2027-03-31" },
      attributes: { initialLicenseDate: "2010-07-01", specialty: "Surgery" },
      // Total 25 + 25 = 50. Pain / end-of-life (one-time): 12 on 2019-02-01. Geriatric: a surgeon, not applied.
      records: () => [c("2025-05-01", 25), c("2026-05-01", 25), c("2019-02-01", 12, { "Pain Management": 12 })],
      status: "meets",
      figures: { total: [50, 50], "pain-end-of-life": [12, 12], "geriatric-medicine": [10, 0] },
      notApplied: ["geriatric-medicine"],
    },
    {
      name: "short: an internist with 40% of patients 65 or over has 9.75 of the 10 geriatric credits",
      cycle: { start: "2025-04-01", end: "2027-03-31" },
      attributes: { initialLicenseDate: "2010-07-01", specialty: "Internal Medicine", patients65Percent: 40 },
      // Total 40.25 + 9.75 = 50. Geriatric: 20% of the required 50 = 10; counted 9.75.
      records: () => [c("2025-05-01", 40.25), c("2026-01-15", 9.75, { "Geriatric Medicine": 9.75 }), c("2020-03-03", 12, { "End-of-Life Care": 12 })],
      status: "short",
      figures: { total: [50, 50], "pain-end-of-life": [12, 12], "geriatric-medicine": [10, 9.75] },
    },
    {
      name: "exempt: first licensed during this cycle, so the pain-management course is not yet due",
      cycle: { start: "2025-04-01", end: "2027-03-31" },
      attributes: { initialLicenseDate: "2025-06-01" },
      // 2025-06-01 is not before the cycle's start (2025-04-01): first renewal, nothing owed.
      records: () => [c("2025-07-01", 50)],
      status: "meets",
      figures: { total: [50, 50], "pain-end-of-life": [12, 0], "geriatric-medicine": [10, 0] },
      notApplied: ["pain-end-of-life", "geriatric-medicine"],
      // Specialty and patients' ages not recorded: the geriatric share is not applied, and says why.
      unknown: ["specialty", "patients65Percent"],
    },
    {
      name: "boundaries: the first day and the last day count, the days either side do not; an unknown license date applies the course",
      cycle: { start: "2025-04-01", end: "2027-03-31" },
      // Total: 25 (2025-04-01) + 25 (2027-03-31) = 50; 10 on 2025-03-31 and 10 on 2027-04-01 are outside.
      // Pain / end-of-life: the 2027-03-31 record's 12 counts (a one-time course counts up to the cycle's last day).
      records: () => [c("2025-03-31", 10), c("2025-04-01", 25), c("2027-03-31", 25, { "Pain Management": 12 }), c("2027-04-01", 10, { "Pain Management": 10 })],
      status: "meets",
      figures: { total: [50, 50], "pain-end-of-life": [12, 12], "geriatric-medicine": [10, 0] },
      notApplied: ["geriatric-medicine"],
      // Geriatric's attributes are unknown too (not applied); the pain course's date is unknown (applied).
      unknown: ["initialLicenseDate", "specialty", "patients65Percent"],
    },
  ],
  "ME-M": [
    {
      name: "meets: a prescriber with 40, 3 of them opioid prescribing",
      cycle: { start: "2024-12-01", end: "2026-11-30" },
      attributes: { controlledSubstancePrescriber: true },
      // 37 + 3 = 40; opioid 3.
      records: () => [c("2025-02-01", 37), c("2026-02-01", 3, { "Opioid Prescribing": 3 })],
      status: "meets",
      figures: { total: [40, 40], "opioid-prescribing": [3, 3] },
    },
    {
      name: "short: prescriber not recorded (applied), 2.75 of 3 opioid credits",
      cycle: { start: "2024-12-01", end: "2026-11-30" },
      // 37.25 + 2.75 = 40; opioid 2.75.
      records: () => [c("2025-02-01", 37.25), c("2026-02-01", 2.75, { "Opioid Prescribing": 2.75 })],
      status: "short",
      figures: { total: [40, 40], "opioid-prescribing": [3, 2.75] },
      unknown: ["controlledSubstancePrescriber"],
    },
    {
      name: "exempt: does not prescribe controlled substances",
      cycle: { start: "2024-12-01", end: "2026-11-30" },
      attributes: { controlledSubstancePrescriber: false },
      records: () => [c("2025-02-01", 40)],
      status: "meets",
      figures: { total: [40, 40], "opioid-prescribing": [3, 0] },
      notApplied: ["opioid-prescribing"],
    },
    {
      name: "boundaries: first and last day, and a same-day duplicate of one activity counted once",
      cycle: { start: "2024-12-01", end: "2026-11-30" },
      attributes: { controlledSubstancePrescriber: true },
      // 37 (2024-12-01) + max(3, 3) (two records of one activity on 2026-11-30) = 40; opioid max(3, 3) = 3.
      records: () => [
        c("2024-12-01", 37),
        c("2026-11-30", 3, { "Opioid Prescribing": 3 }, { activityId: "A-same" }),
        c("2026-11-30", 3, { "Opioid Prescribing": 3 }, { activityId: "A-same" }),
      ],
      status: "meets",
      figures: { total: [40, 40], "opioid-prescribing": [3, 3] },
    },
  ],
  "ME-O": [
    {
      name: "meets: 100, 40 osteopathic, 3 opioid for a prescriber",
      cycle: { start: "2025-01-01", end: "2026-12-31" },
      attributes: { controlledSubstancePrescriber: true },
      // 40 + 57 + 3 = 100; osteopathic 40 (40% of the required 100); opioid 3.
      records: () => [c("2025-03-01", 40, { Osteopathic: 40 }), c("2025-09-01", 57), c("2026-02-01", 3, { "Opioid Prescribing": 3 })],
      status: "meets",
      figures: { total: [100, 100], osteopathic: [40, 40], "opioid-prescribing": [3, 3] },
    },
    {
      name: "short: 39.75 osteopathic credits",
      cycle: { start: "2025-01-01", end: "2026-12-31" },
      attributes: { controlledSubstancePrescriber: true },
      // 39.75 + 60.25 + 3 = 103; osteopathic 39.75 of 40.
      records: () => [c("2025-03-01", 39.75, { Osteopathic: 39.75 }), c("2025-09-01", 60.25), c("2026-02-01", 3, { "Opioid Prescribing": 3 })],
      status: "short",
      figures: { total: [100, 103], osteopathic: [40, 39.75], "opioid-prescribing": [3, 3] },
    },
    {
      name: "exempt: not a prescriber, no opioid credit needed",
      cycle: { start: "2025-01-01", end: "2026-12-31" },
      attributes: { controlledSubstancePrescriber: false },
      records: () => [c("2025-03-01", 40, { Osteopathic: 40 }), c("2025-09-01", 60)],
      status: "meets",
      figures: { total: [100, 100], osteopathic: [40, 40], "opioid-prescribing": [3, 0] },
      notApplied: ["opioid-prescribing"],
    },
    {
      name: "boundaries: 40 osteopathic the day before the cycle do not count",
      cycle: { start: "2025-01-01", end: "2026-12-31" },
      attributes: { controlledSubstancePrescriber: false },
      // Total 50 (2025-01-01) + 50 (2026-12-31) = 100; osteopathic 50 (2025-01-01); the 2024-12-31 record is outside.
      records: () => [c("2024-12-31", 40, { Osteopathic: 40 }), c("2025-01-01", 50, { Osteopathic: 50 }), c("2026-12-31", 50)],
      status: "meets",
      figures: { total: [100, 100], osteopathic: [40, 50], "opioid-prescribing": [3, 0] },
      notApplied: ["opioid-prescribing"],
    },
  ],
  "MD-M": [
    {
      name: "meets: 25 with 1 opioid for a prescriber, implicit bias done in an earlier cycle",
      cycle: { start: "2024-10-01", end: "2026-09-30" },
      attributes: { controlledSubstancePrescriber: true },
      // 24 + 1 = 25; opioid 1; implicit bias 1 (2022, one-time).
      records: () => [c("2025-01-10", 24, { "Opioid Prescribing": 1 }), c("2026-02-02", 1), c("2022-05-05", 1, { "Implicit Bias": 1 })],
      status: "meets",
      figures: { total: [25, 25], "opioid-prescribing": [1, 1], "implicit-bias": [1, 1] },
    },
    {
      name: "short: 24.75",
      cycle: { start: "2024-10-01", end: "2026-09-30" },
      attributes: { controlledSubstancePrescriber: true },
      records: () => [c("2025-01-10", 24.75, { "Opioid Prescribing": 1 }), c("2022-05-05", 1, { "Implicit Bias": 1 })],
      status: "short",
      figures: { total: [25, 24.75], "opioid-prescribing": [1, 1], "implicit-bias": [1, 1] },
    },
    {
      name: "exempt: not a prescriber",
      cycle: { start: "2024-10-01", end: "2026-09-30" },
      attributes: { controlledSubstancePrescriber: false },
      // 25 with implicit bias 1 inside the same record.
      records: () => [c("2025-01-10", 25, { "Implicit Bias": 1 })],
      status: "meets",
      figures: { total: [25, 25], "opioid-prescribing": [1, 0], "implicit-bias": [1, 1] },
      notApplied: ["opioid-prescribing"],
    },
    {
      name: "boundaries: September 30 before the cycle and October 1 after it do not count",
      cycle: { start: "2024-10-01", end: "2026-09-30" },
      // 20 (2024-10-01, opioid 1, implicit bias 1) + 5 (2026-09-30) = 25. Opioid 5 on 2024-09-30 and 5 on 2026-10-01 are outside.
      records: () => [
        c("2024-09-30", 5, { "Opioid Prescribing": 5 }),
        c("2024-10-01", 20, { "Opioid Prescribing": 1, "Implicit Bias": 1 }),
        c("2026-09-30", 5),
        c("2026-10-01", 5, { "Opioid Prescribing": 5 }),
      ],
      status: "meets",
      figures: { total: [25, 25], "opioid-prescribing": [1, 1], "implicit-bias": [1, 1] },
      unknown: ["controlledSubstancePrescriber"],
    },
  ],
  "OR-M": [
    {
      name: "meets: 60 with 1 pain management and 2 cultural competency",
      cycle: { start: "2026-01-01", end: "2027-12-31" },
      attributes: { mocParticipant: false },
      records: () => [c("2026-02-01", 30, { "Pain Management": 1 }), c("2027-02-01", 30, { "Cultural Competency": 2 })],
      status: "meets",
      figures: { total: [60, 60], "pain-management": [1, 1], "cultural-competency": [2, 2] },
      satisfiedBy: null,
    },
    {
      name: "short: 59.75, not an MOC participant",
      cycle: { start: "2026-01-01", end: "2027-12-31" },
      attributes: { mocParticipant: false },
      records: () => [c("2026-02-01", 30, { "Pain Management": 1 }), c("2027-02-01", 29.75, { "Cultural Competency": 2 })],
      status: "short",
      figures: { total: [60, 59.75], "pain-management": [1, 1], "cultural-competency": [2, 2] },
      satisfiedBy: null,
    },
    {
      name: "alternative: an MOC participant with only 10 credits meets, and the outcomes still show the credit",
      cycle: { start: "2026-01-01", end: "2027-12-31" },
      attributes: { mocParticipant: true },
      records: () => [c("2026-02-01", 10)],
      status: "meets",
      figures: { total: [60, 10], "pain-management": [1, 0], "cultural-competency": [2, 0] },
      satisfiedBy: "moc-participation",
    },
    {
      name: "participation not recorded: short, and the unknown attribute is named but the alternative not applied",
      cycle: { start: "2026-01-01", end: "2027-12-31" },
      // 2026-01-01 (first day) 30 + 2027-12-31 (last day) 29.75 = 59.75; 2028-01-01 is after the cycle.
      records: () => [c("2026-01-01", 30, { "Pain Management": 1, "Cultural Competency": 2 }), c("2027-12-31", 29.75), c("2028-01-01", 5)],
      status: "short",
      figures: { total: [60, 59.75], "pain-management": [1, 1], "cultural-competency": [2, 2] },
      satisfiedBy: null,
      unknown: ["mocParticipant"],
    },
  ],
  "NC-M": [
    {
      name: "meets: a prescriber with 60, 3 controlled substance",
      cycle: { start: "2023-09-01", end: "2026-08-31" },
      attributes: { controlledSubstancePrescriber: true },
      records: () => [c("2024-01-01", 57), c("2025-01-01", 3, { "Controlled Substance": 3 })],
      status: "meets",
      figures: { total: [60, 60], "controlled-substance": [3, 3] },
    },
    {
      name: "short: prescriber not recorded (applied), no controlled-substance credit",
      cycle: { start: "2023-09-01", end: "2026-08-31" },
      records: () => [c("2024-01-01", 60)],
      status: "short",
      figures: { total: [60, 60], "controlled-substance": [3, 0] },
      unknown: ["controlledSubstancePrescriber"],
    },
    {
      name: "exempt: does not prescribe",
      cycle: { start: "2023-09-01", end: "2026-08-31" },
      attributes: { controlledSubstancePrescriber: false },
      records: () => [c("2024-01-01", 60)],
      status: "meets",
      figures: { total: [60, 60], "controlled-substance": [3, 0] },
      notApplied: ["controlled-substance"],
    },
    {
      name: "boundaries: 3 controlled substance the day before the cycle do not count",
      cycle: { start: "2023-09-01", end: "2026-08-31" },
      attributes: { controlledSubstancePrescriber: true },
      // 30 (2023-09-01, controlled substance 3) + 30 (2026-08-31) = 60; 2023-08-31 is outside.
      records: () => [c("2023-08-31", 3, { "Controlled Substance": 3 }), c("2023-09-01", 30, { "Controlled Substance": 3 }), c("2026-08-31", 30)],
      status: "meets",
      figures: { total: [60, 60], "controlled-substance": [3, 3] },
    },
  ],
  "ND-M": [
    {
      name: "meets: 60 over the 2023–2025 cycle, licensed long before",
      cycle: { start: "2023-01-01", end: "2025-12-31" },
      attributes: { initialLicenseDate: "2010-01-01" },
      records: () => [c("2023-05-01", 20), c("2024-05-01", 20), c("2025-05-01", 20)],
      status: "meets",
      figures: { total: [60, 60] },
    },
    {
      name: "short: 59.75, license date not recorded (no proration)",
      cycle: { start: "2023-01-01", end: "2025-12-31" },
      records: () => [c("2023-05-01", 20), c("2024-05-01", 20), c("2025-05-01", 19.75)],
      status: "short",
      figures: { total: [60, 59.75] },
    },
    {
      name: "prorated: first licensed 2024-03-15, one full year of the cycle licensed (2025) owes 20",
      cycle: { start: "2023-01-01", end: "2025-12-31" },
      attributes: { initialLicenseDate: "2024-03-15" },
      // Year-long parts start 2023-01-01, 2024-01-01, 2025-01-01; only 2025-01-01 is on or after 2024-03-15: 1 × 20 = 20.
      records: () => [c("2025-05-01", 20)],
      status: "meets",
      figures: { total: [20, 20] },
    },
    {
      name: "boundary: licensed on 2024-01-01, the first day of a year-long part, owes 2 × 20 = 40; 39.75 is short",
      cycle: { start: "2023-01-01", end: "2025-12-31" },
      attributes: { initialLicenseDate: "2024-01-01" },
      // Parts starting 2024-01-01 and 2025-01-01 are on or after the date: 2 × 20 = 40.
      records: () => [c("2024-01-01", 20), c("2025-12-31", 19.75)],
      status: "short",
      figures: { total: [40, 39.75] },
    },
  ],
  "VI-M": [
    {
      name: "meets: 50 in 2 years",
      cycle: { start: "2024-05-01", end: "2026-04-30" },
      records: () => [c("2024-08-01", 25), c("2025-08-01", 25)],
      status: "meets",
      figures: { total: [50, 50] },
    },
    {
      name: "short: 49.75",
      cycle: { start: "2024-05-01", end: "2026-04-30" },
      records: () => [c("2024-08-01", 25), c("2025-08-01", 24.75)],
      status: "short",
      figures: { total: [50, 49.75] },
    },
    {
      // The assumed rule binds every licensee; what does not belong to the cycle never counts.
      name: "not counted: only rejected, deleted and earlier credit, so nothing is reported for the cycle",
      cycle: { start: "2024-05-01", end: "2026-04-30" },
      records: () => [c("2024-08-01", 50, {}, { status: "rejected" }), c("2025-08-01", 50, {}, { deleted: true }), c("2024-04-30", 50)],
      status: "nothing",
      figures: { total: [50, 0] },
    },
    {
      name: "boundaries: the roster's first and last day count, the day after does not",
      cycle: { start: "2024-05-01", end: "2026-04-30" },
      records: () => [c("2024-05-01", 25), c("2026-04-30", 25), c("2026-05-01", 10)],
      status: "meets",
      figures: { total: [50, 50] },
    },
  ],
  ABA: [
    {
      name: "meets: 50 a year for five years, 4 patient safety each",
      cycle: { start: "2021-01-01", end: "2030-12-31" },
      // 5 × 50 = 250 (each year under the 60 cap); patient safety 5 × 4 = 20.
      records: () => [2021, 2022, 2023, 2024, 2025].map((y) => c(`${y}-06-01`, 50, { "Patient Safety": 4 })),
      status: "meets",
      figures: { total: [250, 250], "patient-safety": [20, 20] },
    },
    {
      name: "short: 250 in one year counts 60",
      cycle: { start: "2021-01-01", end: "2030-12-31" },
      // min(60, 250) = 60: short 190. Patient safety min(60, 20) = 20.
      records: () => [c("2025-06-01", 250, { "Patient Safety": 20 })],
      status: "short",
      figures: { total: [250, 60], "patient-safety": [20, 20] },
    },
    {
      // ABA's rule binds every diplomate; rejected and deleted records never count.
      name: "not counted: rejected and deleted records",
      cycle: { start: "2021-01-01", end: "2030-12-31" },
      records: () => [c("2025-06-01", 60, {}, { status: "rejected" }), c("2026-06-01", 60, {}, { deleted: true })],
      status: "nothing",
      figures: { total: [250, 0], "patient-safety": [20, 0] },
    },
    {
      name: "cap boundary: 59.75 then 0.5 in 2025 counts 60; January 1, 2026 starts a new year",
      cycle: { start: "2021-01-01", end: "2030-12-31" },
      // 2025: 59.75 + min(0.5, 0.25) = 60 (0.25 left out). 2026-01-01: 60. 2027: 60. 2028: 60 with 20 patient safety.
      // Total 60 + 60 + 60 + 60 = 240, short 10.
      records: () => [
        c("2025-01-01", 59.75),
        c("2025-12-31", 0.5),
        c("2026-01-01", 60),
        c("2027-03-03", 60),
        c("2028-03-03", 60, { "Patient Safety": 20 }),
      ],
      status: "short",
      figures: { total: [250, 240], "patient-safety": [20, 20] },
    },
  ],
  ABIM: [
    {
      name: "meets: 50 points in each 2-year sub-period",
      cycle: { start: "2023-01-01", end: "2027-12-31" },
      // Total 100; years 1–2 (2023–2024): 50; years 3–4 (2025–2026): 50.
      records: () => [c("2024-06-01", 50), c("2026-06-01", 50)],
      status: "meets",
      figures: { total: [100, 100], "participation-1": [0.25, 50], "participation-2": [0.25, 50] },
    },
    {
      name: "short: 100 points, all in the last year, leave both sub-periods empty",
      cycle: { start: "2023-01-01", end: "2027-12-31" },
      // 2027 is the remainder (year 5), not checked on its own: total 100 met, each sub-period 0 of 0.25.
      records: () => [c("2027-06-01", 100)],
      status: "short",
      figures: { total: [100, 100], "participation-1": [0.25, 0], "participation-2": [0.25, 0] },
    },
    {
      // ABIM's rule binds every diplomate; records that are not accepted never count.
      name: "not counted: a rejected record and a deleted one",
      cycle: { start: "2023-01-01", end: "2027-12-31" },
      records: () => [c("2024-06-01", 100, {}, { status: "rejected" }), c("2026-06-01", 100, {}, { deleted: true })],
      status: "nothing",
      figures: { total: [100, 0], "participation-1": [0.25, 0], "participation-2": [0.25, 0] },
    },
    {
      name: "sub-period edges: 2024-12-31 ends years 1–2, 2025-01-01 begins years 3–4",
      cycle: { start: "2023-01-01", end: "2027-12-31" },
      // 0.25 (2024-12-31) + 0.25 (2025-01-01) + 99.5 (2027-12-31, the cycle's last day) = 100.
      records: () => [c("2024-12-31", 0.25), c("2025-01-01", 0.25), c("2027-12-31", 99.5)],
      status: "meets",
      figures: { total: [100, 100], "participation-1": [0.25, 0.25], "participation-2": [0.25, 0.25] },
    },
    {
      name: "sub-period edge: 2026-12-31 is the last day of years 3–4, 2022-12-31 is before the cycle",
      cycle: { start: "2023-01-01", end: "2027-12-31" },
      // Years 1–2 (2023-01-01 to 2024-12-31): nothing (2022-12-31 is outside); years 3–4: 100 on 2026-12-31.
      records: () => [c("2022-12-31", 5), c("2026-12-31", 100)],
      status: "short",
      figures: { total: [100, 100], "participation-1": [0.25, 0], "participation-2": [0.25, 100] },
    },
  ],
  ABO: [
    {
      name: "meets: 50 with 16 self-assessment, patient safety done in 2019",
      cycle: { start: "2025-01-01", end: "2026-12-31" },
      // 34 + 16 = 50; self-assessment 16; patient safety 1 (2019, in the 10 years from 2017-01-01).
      records: () => [c("2025-05-01", 34), c("2026-05-01", 16, { "Self-Assessment": 16 }), c("2019-06-01", 1, { "Patient Safety": 1 })],
      status: "meets",
      figures: { total: [50, 50], "self-assessment": [16, 16], "patient-safety": [0.25, 1] },
    },
    {
      name: "short: 15.75 self-assessment",
      cycle: { start: "2025-01-01", end: "2026-12-31" },
      records: () => [c("2025-05-01", 34.25), c("2026-05-01", 15.75, { "Self-Assessment": 15.75, "Patient Safety": 15.75 })],
      status: "short",
      figures: { total: [50, 50], "self-assessment": [16, 15.75], "patient-safety": [0.25, 15.75] },
    },
    {
      // ABO's rule binds every diplomate; credit after the cycle never counts.
      name: "not counted: everything completed after the cycle",
      cycle: { start: "2025-01-01", end: "2026-12-31" },
      records: () => [c("2027-01-01", 50, { "Self-Assessment": 16, "Patient Safety": 1 })],
      status: "nothing",
      figures: { total: [50, 0], "self-assessment": [16, 0], "patient-safety": [0.25, 0] },
    },
    {
      name: "look-back boundary: patient safety on 2017-01-01 counts, on 2016-12-31 it would not",
      cycle: { start: "2025-01-01", end: "2026-12-31" },
      // 10 years ending 2026-12-31 start 2017-01-01: 0.25 counts, 5 on 2016-12-31 does not.
      records: () => [c("2016-12-31", 5, { "Patient Safety": 5 }), c("2017-01-01", 0.25, { "Patient Safety": 0.25 }), c("2025-01-01", 50, { "Self-Assessment": 16 })],
      status: "meets",
      figures: { total: [50, 50], "self-assessment": [16, 16], "patient-safety": [0.25, 0.25] },
    },
  ],
  ABOHNS: [
    {
      name: "meets: 25 in the calendar year",
      cycle: { start: "2026-01-01", end: "2026-12-31" },
      records: () => [c("2026-04-01", 25)],
      status: "meets",
      figures: { total: [25, 25] },
    },
    {
      name: "short: 24.75",
      cycle: { start: "2026-01-01", end: "2026-12-31" },
      records: () => [c("2026-04-01", 24.75)],
      status: "short",
      figures: { total: [25, 24.75] },
    },
    {
      // The assumed rule binds every diplomate; last year's credit is not this year's.
      name: "not counted: 25 completed the year before",
      cycle: { start: "2026-01-01", end: "2026-12-31" },
      records: () => [c("2025-12-31", 25)],
      status: "nothing",
      figures: { total: [25, 0] },
    },
    {
      name: "boundaries: January 1 and December 31 count, January 1 of the next year does not",
      cycle: { start: "2026-01-01", end: "2026-12-31" },
      records: () => [c("2026-01-01", 12.5), c("2026-12-31", 12.5), c("2027-01-01", 10)],
      status: "meets",
      figures: { total: [25, 25] },
    },
  ],
  ABPATH: [
    {
      name: "meets: 70 with 20 self-assessment",
      cycle: { start: "2024-07-01", end: "2026-06-30" },
      records: () => [c("2024-09-01", 50), c("2025-09-01", 20, { "Self-Assessment": 20 })],
      status: "meets",
      figures: { total: [70, 70], "self-assessment": [20, 20] },
    },
    {
      name: "short: 19.75 self-assessment",
      cycle: { start: "2024-07-01", end: "2026-06-30" },
      records: () => [c("2024-09-01", 50.25), c("2025-09-01", 19.75, { "Self-Assessment": 19.75 })],
      status: "short",
      figures: { total: [70, 70], "self-assessment": [20, 19.75] },
    },
    {
      // ABPATH's rule binds every diplomate; a rejected record never counts.
      name: "not counted: a rejected record",
      cycle: { start: "2024-07-01", end: "2026-06-30" },
      records: () => [c("2025-09-01", 70, { "Self-Assessment": 20 }, { status: "rejected" })],
      status: "nothing",
      figures: { total: [70, 0], "self-assessment": [20, 0] },
    },
    {
      name: "boundaries: July 1 and June 30 count, June 30 of the year before does not",
      cycle: { start: "2024-07-01", end: "2026-06-30" },
      // 35 (2024-07-01, self-assessment 20) + 35 (2026-06-30) = 70; 10 on 2024-06-30 is outside.
      records: () => [c("2024-06-30", 10, { "Self-Assessment": 10 }), c("2024-07-01", 35, { "Self-Assessment": 20 }), c("2026-06-30", 35)],
      status: "meets",
      figures: { total: [70, 70], "self-assessment": [20, 20] },
    },
  ],
  ABP: [
    {
      name: "meets: 50 lifelong learning and 50 improving practice",
      cycle: { start: "2024-01-01", end: "2028-12-31" },
      records: () => [c("2024-06-01", 50, { "Lifelong Learning and Self-Assessment": 50 }), c("2026-06-01", 50, { "Improving Professional Practice": 50 })],
      status: "meets",
      figures: { total: [100, 100], "lifelong-learning": [50, 50], "improving-practice": [50, 50] },
    },
    {
      name: "short: one 50-point record carrying both parts counts 50 toward the total (not additive)",
      cycle: { start: "2024-01-01", end: "2028-12-31" },
      // Total 50 of 100; each part 50 of 50.
      records: () => [c("2025-06-01", 50, { "Lifelong Learning and Self-Assessment": 50, "Improving Professional Practice": 50 })],
      status: "short",
      figures: { total: [100, 50], "lifelong-learning": [50, 50], "improving-practice": [50, 50] },
    },
    {
      // ABP's rule binds every diplomate; a deleted record never counts.
      name: "not counted: a deleted record",
      cycle: { start: "2024-01-01", end: "2028-12-31" },
      records: () => [c("2025-06-01", 100, { "Lifelong Learning and Self-Assessment": 50 }, { deleted: true })],
      status: "nothing",
      figures: { total: [100, 0], "lifelong-learning": [50, 0], "improving-practice": [50, 0] },
    },
    {
      name: "one record per activity per day: two of one activity on the cycle's last day count once",
      cycle: { start: "2024-01-01", end: "2028-12-31" },
      // 50 (2024-01-01, lifelong learning) + max(50, 50) (activity A on 2028-12-31, improving practice) = 100.
      records: () => [
        c("2024-01-01", 50, { "Lifelong Learning and Self-Assessment": 50 }),
        c("2028-12-31", 50, { "Improving Professional Practice": 50 }, { activityId: "A-twice" }),
        c("2028-12-31", 50, { "Improving Professional Practice": 50 }, { activityId: "A-twice" }),
      ],
      status: "meets",
      figures: { total: [100, 100], "lifelong-learning": [50, 50], "improving-practice": [50, 50] },
    },
  ],
  ABS: [
    {
      name: "meets: 150 over ten days of 12 and three of 10, 50 self-assessment",
      cycle: { start: "2021-07-01", end: "2026-06-30" },
      // 10 days of 12 (each at the daily cap, nothing cut) + 3 × 10 = 150; self-assessment 12 + 12 + 10 + 10 + 10 = 54.
      records: () => [
        ...Array.from({ length: 10 }, (_, i) => c(`2022-0${1 + (i % 9)}-${String(10 + i).padStart(2, "0")}`, 12, i < 2 ? { "Self-Assessment": 12 } : {})),
        c("2023-03-01", 10, { "Self-Assessment": 10 }),
        c("2024-03-01", 10, { "Self-Assessment": 10 }),
        c("2025-03-01", 10, { "Self-Assessment": 10 }),
      ],
      status: "meets",
      figures: { total: [150, 150], "self-assessment": [50, 54] },
    },
    {
      name: "short: a 20-credit day counts 12",
      cycle: { start: "2021-07-01", end: "2026-06-30" },
      // 130 over days of 10 (13 days) + min(12, 20) = 142; self-assessment min(12, 20) + 30 = 42.
      records: () => [
        ...Array.from({ length: 13 }, (_, i) => c(`2023-${String(1 + (i % 12)).padStart(2, "0")}-${String(1 + i).padStart(2, "0")}`, 10, i < 3 ? { "Self-Assessment": 10 } : {})),
        c("2024-05-05", 20, { "Self-Assessment": 20 }),
      ],
      status: "short",
      figures: { total: [150, 142], "self-assessment": [50, 42] },
    },
    {
      // ABS's rule binds every diplomate; credit older than the rolling five years never counts.
      name: "not counted: everything completed before the rolling five years",
      cycle: { start: "2021-07-01", end: "2026-06-30" },
      records: () => [c("2021-06-30", 12, { "Self-Assessment": 12 }), c("2020-01-01", 12)],
      status: "nothing",
      figures: { total: [150, 0], "self-assessment": [50, 0] },
    },
    {
      name: "cap boundary: exactly 12 on one day counts in full, and the cycle's first and last days count",
      cycle: { start: "2021-07-01", end: "2026-06-30" },
      // 12 (2021-07-01) + 12 (2026-06-30) + 8 + 4 on 2024-02-02 (12, at the cap, nothing cut) = 36; self-assessment 12 + 12 = 24.
      records: () => [
        c("2021-07-01", 12, { "Self-Assessment": 12 }),
        c("2026-06-30", 12, { "Self-Assessment": 12 }),
        c("2024-02-02", 8),
        c("2024-02-02", 4),
      ],
      status: "short",
      figures: { total: [150, 36], "self-assessment": [50, 24] },
    },
  ],
};

describe("every organization's seeded rules, against hand-worked cases", () => {
  it("covers all sixteen organizations with a meeting, a short, an exempt or not-counted, and a boundary case", () => {
    expect(Object.keys(CASES).sort()).toEqual(SEEDED_REQUIREMENT_RULES.map((r) => r.organisationCode).sort());
    for (const [code, cases] of Object.entries(CASES)) {
      const statuses = new Set(cases.map((k) => k.status));
      expect(statuses.has("meets"), code).toBe(true);
      expect(statuses.has("short"), code).toBe(true);
      expect(cases.length, code).toBeGreaterThanOrEqual(4);
    }
  });

  for (const [code, cases] of Object.entries(CASES)) {
    describe(code, () => {
      it.each(cases.map((k) => [k.name, k] as const))("%s", (_name, k) => {
        const ruleSet = rule(code);
        const evaluation = evaluateCycle(ruleSet, k.records(), k.cycle, k.attributes ? { attributes: k.attributes } : {});
        expect(evaluation.status).toBe(k.status);
        // Every measure of the rule set is listed, and has the figures worked by hand.
        expect(Object.keys(k.figures).sort()).toEqual(ruleMeasures(ruleSet).map((m) => m.id).sort());
        for (const [id, [required, counted]] of Object.entries(k.figures)) {
          const outcome = evaluation.requirements.find((o) => o.id === id);
          const applies = !(k.notApplied ?? []).includes(id);
          expect({ id, required: outcome?.required, counted: outcome?.counted, applies: outcome?.applies }).toEqual({ id, required, counted, applies });
          expect(outcome?.shortBy, id).toBe(Math.max(0, required - counted));
        }
        expect(evaluation.satisfiedBy?.id ?? null).toBe(k.satisfiedBy ?? null);
        expect([...evaluation.unknownAttributes].sort()).toEqual([...(k.unknown ?? [])].sort());
      });
    });
  }
});

describe("seeded text a board reads", () => {
  /** Every string in a value, however deep. */
  function strings(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(strings);
    if (value && typeof value === "object") return Object.values(value).flatMap(strings);
    return [];
  }

  // Internal file names, decision numbers, technology names, and British spellings.
  const FORBIDDEN: [RegExp, string][] = [
    [/REQUIREMENTS/, "an internal file name"],
    // A file name ends there (mbp.state.md.us is a web address, not a file).
    [/\w\.(md|ts|tsx|json|sql)\b(?!\.)/i, "a file name"],
    [/\bdecision\s*\d/i, "a decision number"],
    [/\bsee decision/i, "a decision reference"],
    [/postgres|duckdb|kysely|\bzod\b|jsonb|\bjson\b|\bsql\b|typescript|remix|database|learner store|\bengine\b/i, "a technology or internal name"],
    [/licence|programme|organisation|centre|practise|behaviour|colour|recognis|summaris|analys(e|ing)\b/i, "British spelling"],
    [/\b(verify|not found)\b\)?$/i, "a note to ourselves"],
  ];

  const texts: [string, string][] = SEEDED_REQUIREMENT_RULES.flatMap((r) => [
    ...strings(r).map((t) => [r.organisationCode, t] as [string, string]),
    ...describeRuleSet(r).map((t) => [r.organisationCode, t] as [string, string]),
    ...ruleMeasures(r).map((m) => [r.organisationCode, m.label] as [string, string]),
  ]);

  it("has text to scan", () => {
    expect(texts.length).toBeGreaterThan(150);
  });

  it.each(FORBIDDEN)("never contains %s (%s)", (pattern) => {
    const offending = texts.filter(([, text]) => pattern.test(text));
    expect(offending).toEqual([]);
  });

  it("says “license”, “program” and “organization” the US way in the engine's own words too", () => {
    for (const r of SEEDED_REQUIREMENT_RULES) {
      const evaluation = evaluateCycle(r, [c("2025-06-01", 1)], { start: `${2026 - r.cycle.years}-01-01`, end: "2025-12-31" });
      const words = strings(evaluation.requirements.map((o) => [o.label, o.description, o.applicability])).concat(evaluation.alternatives.map((a) => a.explanation));
      for (const text of words) for (const [pattern] of FORBIDDEN) expect(pattern.test(text), `${r.organisationCode}: ${text}`).toBe(false);
    }
  });
});
