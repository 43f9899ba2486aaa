// Reference data the whole project shares: organisations that sign in (with the time zone each
// keeps its calendar in), activity formats, entry methods, rejection reasons, credit types.
// Browser-safe (no I/O).
import { todayIn } from "./calendar";

export const ORGANISATION_KINDS = ["state_board", "certifying_board", "accreditor"] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export interface OrganisationRef {
  code: string;
  name: string;
  kind: OrganisationKind;
  /**
   * The IANA time zone the organisation's day is kept in (its office: a state board's capital, a
   * certifying board's headquarters): "today" for its renewals is the date there.
   */
  timeZone: string;
}

/** State medical licensing boards participating in the ACCME collaboration (REQUIREMENTS.md). */
export const STATE_BOARDS: OrganisationRef[] = [
  { code: "AL-M", name: "Alabama Board of Medical Examiners", kind: "state_board", timeZone: "America/Chicago" },
  { code: "CA-M", name: "Medical Board of California", kind: "state_board", timeZone: "America/Los_Angeles" },
  { code: "ME-M", name: "Maine Board of Licensure in Medicine", kind: "state_board", timeZone: "America/New_York" },
  { code: "ME-O", name: "Maine Board of Osteopathic Licensure", kind: "state_board", timeZone: "America/New_York" },
  { code: "MD-M", name: "Maryland Board of Physicians", kind: "state_board", timeZone: "America/New_York" },
  { code: "OR-M", name: "Oregon Medical Board", kind: "state_board", timeZone: "America/Los_Angeles" },
  { code: "NC-M", name: "North Carolina Medical Board", kind: "state_board", timeZone: "America/New_York" },
  // Bismarck; most of the state keeps Central time.
  { code: "ND-M", name: "North Dakota Board of Medicine", kind: "state_board", timeZone: "America/Chicago" },
  { code: "VI-M", name: "Virgin Islands Board of Medical Examiners", kind: "state_board", timeZone: "America/St_Thomas" },
];

export const CERTIFYING_BOARDS: OrganisationRef[] = [
  { code: "ABA", name: "American Board of Anesthesiology", kind: "certifying_board", timeZone: "America/New_York" },
  { code: "ABIM", name: "American Board of Internal Medicine", kind: "certifying_board", timeZone: "America/New_York" },
  { code: "ABO", name: "American Board of Ophthalmology", kind: "certifying_board", timeZone: "America/New_York" },
  { code: "ABOHNS", name: "American Board of Otolaryngology – Head and Neck Surgery", kind: "certifying_board", timeZone: "America/Chicago" },
  { code: "ABPATH", name: "American Board of Pathology", kind: "certifying_board", timeZone: "America/New_York" },
  { code: "ABP", name: "American Board of Pediatrics", kind: "certifying_board", timeZone: "America/New_York" },
  { code: "ABS", name: "American Board of Surgery", kind: "certifying_board", timeZone: "America/New_York" },
];

export const ACCREDITOR: OrganisationRef = {
  code: "ACCME",
  name: "Accreditation Council for Continuing Medical Education",
  kind: "accreditor",
  timeZone: "America/Chicago",
};

export const ORGANISATIONS: OrganisationRef[] = [...STATE_BOARDS, ...CERTIFYING_BOARDS, ACCREDITOR];

/** The zone an organisation keeps its day in; UTC for a code not listed here (none signs in today). */
export function organisationTimeZone(code: string): string {
  return ORGANISATIONS.find((o) => o.code === code)?.timeZone ?? "UTC";
}

/** The date it is now (or at `now`) in the organisation's time zone: its renewals' "today". */
export function organisationToday(code: string, now: Date = new Date()): string {
  return todayIn(organisationTimeZone(code), now);
}

export const ACTIVITY_FORMATS = [
  "Course",
  "Regularly Scheduled Series",
  "Internet Live Course",
  "Enduring Material",
  "Internet Enduring Material",
  "Journal-based CME",
  "Manuscript Review",
  "Test-Item Writing",
  "Committee Learning",
  "Performance Improvement",
  "Internet Searching and Learning",
  "Learning from Teaching",
  "Other/Blended Learning",
] as const;
export type ActivityFormat = (typeof ACTIVITY_FORMATS)[number];

/** Formats whose learner credit may not exceed the activity maximum (programme data rule). */
export const MAX_CREDIT_CAPPED_FORMATS: readonly ActivityFormat[] = [
  "Enduring Material",
  "Regularly Scheduled Series",
  "Course",
  "Performance Improvement",
];

export const ENTRY_METHODS = ["manual", "excel_batch", "tab_delimited", "xml_batch", "web_service"] as const;
export type EntryMethod = (typeof ENTRY_METHODS)[number];
export const ENTRY_METHOD_LABELS: Record<EntryMethod, string> = {
  manual: "Manual web form",
  excel_batch: "Excel batch",
  tab_delimited: "Tab-delimited batch",
  xml_batch: "XML batch",
  web_service: "Web service",
};

export const REPORT_STATUSES = ["accepted", "rejected"] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export const REJECTION_REASONS = [
  "Learner not matched",
  "Completion date outside activity dates",
  "Completion date in the future",
  "Credit exceeds activity maximum",
  "Duplicate record",
  "Activity not registered for this board",
  "Submitted after reporting deadline",
] as const;

/** Topic credits state boards track on a credit report (REQUIREMENTS.md state mandates). */
export const STATE_TOPICS = [
  "Pain Management",
  "Controlled Substance",
  "Opioid Prescribing",
  "Implicit Bias",
  "End-of-Life Care",
  "Geriatric Medicine",
  "Cultural Competency",
  "Osteopathic",
] as const;

/** MOC credit types each certifying board receives through PARS (REQUIREMENTS.md). */
export const MOC_CREDIT_TYPES: Record<string, readonly string[]> = {
  ABIM: ["Medical Knowledge", "Practice Assessment", "Patient Safety"],
  ABS: ["CME", "Self-Assessment"],
  ABA: ["Lifelong Learning", "Patient Safety"],
  ABP: ["Lifelong Learning and Self-Assessment", "Improving Professional Practice"],
  ABO: ["Lifelong Learning", "Self-Assessment", "Patient Safety", "Improvement in Medical Practice"],
  ABOHNS: ["Lifelong Learning", "Self-Assessment", "Patient Safety"],
  ABPATH: ["Lifelong Learning", "Self-Assessment"],
};

/** Days within which credit should be reported after completion. */
export const REPORTING_WINDOW_DAYS = 30;

export const STAFF_ROLES = ["reviewer", "supervisor", "admin"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
