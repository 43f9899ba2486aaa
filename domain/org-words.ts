// The words each kind of organisation uses for the same things (browser-safe, pure). Certifying
// boards certify diplomates, who keep certification through MOC (continuing certification) cycles
// and earn MOC / CC points; state boards license licensees, who renew licenses and earn CME credits.
// Every page, export and message that names these things takes them from here, so one
// organisation never reads another's vocabulary.
import type { OrganisationKind } from "./reference";

export interface OrgWords {
  /** "licensee" / "diplomate" */
  person: string;
  /** "licensees" / "diplomates" */
  people: string;
  /** "Licensee" / "Diplomate" */
  Person: string;
  /** "Licensees" / "Diplomates" */
  People: string;
  /** "license" / "certificate" */
  credential: string;
  /** "renewal" / "certification cycle" */
  cycle: string;
  /** "renewals" / "certification cycles" */
  cycles: string;
  /** "Renewals" / "Certification cycles" (the queue's title) */
  Cycles: string;
  /** "renewal date" / "cycle end" */
  deadline: string;
  /** "license number" / "board ID" */
  idLabel: string;
  /** "roster" for both; kept so a page never hard-codes it. */
  roster: string;
}

const STATE: OrgWords = {
  person: "licensee",
  people: "licensees",
  Person: "Licensee",
  People: "Licensees",
  credential: "license",
  cycle: "renewal",
  cycles: "renewals",
  Cycles: "Renewals",
  deadline: "renewal date",
  idLabel: "license number",
  roster: "roster",
};

const CERTIFYING: OrgWords = {
  person: "diplomate",
  people: "diplomates",
  Person: "Diplomate",
  People: "Diplomates",
  credential: "certificate",
  cycle: "certification cycle",
  cycles: "certification cycles",
  Cycles: "Certification cycles",
  deadline: "cycle end",
  idLabel: "board ID",
  roster: "roster",
};

/** ACCME sees every board's physicians: neutral words. */
const ACCREDITOR: OrgWords = {
  ...STATE,
  person: "physician",
  people: "physicians",
  Person: "Physician",
  People: "Physicians",
  idLabel: "license number or board ID",
};

export function orgWords(kind: OrganisationKind): OrgWords {
  return kind === "certifying_board" ? CERTIFYING : kind === "accreditor" ? ACCREDITOR : STATE;
}
