// The one Database interface: every table of the learner store (schema `learner`, written by
// providers, read-only to the app) and of the board's own schema `board`.
import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** DATE columns are read as 'YYYY-MM-DD' strings (see db/client.ts type parsers): no time zone. */
type CalendarDate = ColumnType<string, string, string>;
/** NUMERIC columns are read as strings by pg; convert at the model boundary. */
type Numeric = ColumnType<string, string | number, string | number>;
type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;

export interface ProviderTable {
  id: string;
  name: string;
  city: string | null;
  state: string | null;
  country: string;
  change_seq: Generated<Int8>;
}

export interface ActivityTable {
  id: string;
  provider_id: string;
  internal_id: string | null;
  title: string;
  format: string;
  start_date: CalendarDate;
  end_date: CalendarDate;
  credit_claim_date: CalendarDate | null;
  max_cme_credits: Numeric;
  max_moc_credits: Numeric | null;
  moc: Generated<boolean>;
  mips: Generated<boolean>;
  rems: Generated<boolean>;
  status: Generated<string>;
  change_seq: Generated<Int8>;
}

export interface ActivityMocTable {
  activity_id: string;
  board_code: string;
  credit_types: string[];
}

export interface LearnerTable {
  id: Generated<Int8>;
  first_name: string;
  last_name: string;
  birth_month: number;
  birth_day: number;
  npi: string | null;
  created_at: Generated<Timestamp>;
  deleted_at: Timestamp | null;
  change_seq: Generated<Int8>;
}

export interface LicenceTable {
  learner_id: Int8;
  board_code: string;
  licence_id: string;
  change_seq: Generated<Int8>;
}

export interface CertificationTable {
  learner_id: Int8;
  board_code: string;
  board_id: string;
  change_seq: Generated<Int8>;
}

export interface CreditReportTable {
  id: Generated<Int8>;
  activity_id: string;
  learner_id: Int8;
  board_code: string;
  /** Licence id (state board) or board id (certifying board) as the provider reported it. */
  board_learner_id: string | null;
  completion_date: CalendarDate;
  submitted_at: Timestamp;
  entry_method: string;
  status: string;
  rejection_reason: string | null;
  /** AMA PRA Category 1 credits (state board) or total board credits (certifying board). */
  credits: Numeric;
  /** Topic credits (state board) or MOC credit-type amounts (certifying board); not additive. */
  credit_types: ColumnType<Record<string, number>, string, string>;
  deleted_at: Timestamp | null;
  change_seq: Generated<Int8>;
}

export interface OrganisationTable {
  code: string;
  name: string;
  kind: string;
}

export interface StaffUserTable {
  id: Generated<string>;
  email: string;
  display_name: string;
  password_hash: string;
  role: string;
  org_code: string;
  failed_login_count: Generated<number>;
  locked_until: Timestamp | null;
  created_at: Generated<Timestamp>;
  disabled_at: Timestamp | null;
}

export interface SessionTable {
  id_hash: string;
  user_id: string;
  created_at: Generated<Timestamp>;
  last_seen_at: Generated<Timestamp>;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditEventTable {
  id: Generated<Int8>;
  occurred_at: Generated<Timestamp>;
  user_id: string | null;
  org_code: string | null;
  action: string;
  target: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, never>;
  ip: string | null;
}

export interface Database {
  "learner.provider": ProviderTable;
  "learner.activity": ActivityTable;
  "learner.activity_moc": ActivityMocTable;
  "learner.learner": LearnerTable;
  "learner.licence": LicenceTable;
  "learner.certification": CertificationTable;
  "learner.credit_report": CreditReportTable;
  "board.organisation": OrganisationTable;
  "board.staff_user": StaffUserTable;
  "board.session": SessionTable;
  "board.audit_event": AuditEventTable;
}

export type StaffUser = Selectable<StaffUserTable>;
export type NewAuditEvent = Insertable<AuditEventTable>;
export type CreditReport = Selectable<CreditReportTable>;
