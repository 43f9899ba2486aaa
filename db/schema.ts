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
  /** The organization a jointly provided activity was planned and presented with; null when directly provided. */
  joint_provider_name: Generated<string | null>;
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
  /** Everyone of the organization signs in with a second factor (migration 0023, decision 031). */
  require_second_factor: Generated<boolean>;
}

/** Passkeys and security keys (WebAuthn credentials): migration 0023, decision 031. */
export interface WebauthnCredentialTable {
  id: IdentityId;
  user_id: string;
  org_code: string;
  /** Base64url, as the browser reports it. */
  credential_id: string;
  public_key: Uint8Array;
  counter: ColumnType<string, number | string | undefined, number | string>;
  transports: ColumnType<string[], string[] | undefined, string[]>;
  name: string;
  created_at: DefaultTimestamp;
  last_used_at: Date | null;
}

/** Authenticator apps (TOTP): the secret encrypted at rest (decision 031). */
export interface TotpSecretTable {
  id: IdentityId;
  user_id: string;
  org_code: string;
  name: string;
  secret_encrypted: string;
  confirmed_at: Date | null;
  /** The last 30-second step whose code was accepted: a code is never accepted twice. */
  last_used_step: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  created_at: DefaultTimestamp;
  last_used_at: Date | null;
}

/** One-time recovery codes, SHA-256 hashed. */
export interface RecoveryCodeTable {
  id: IdentityId;
  user_id: string;
  org_code: string;
  code_hash: string;
  created_at: DefaultTimestamp;
  used_at: Date | null;
}

/** The half-signed-in state between password and second factor, and passkey registration ceremonies. */
export interface SignInChallengeTable {
  id: IdentityId;
  token_hash: string;
  user_id: string;
  purpose: "sign_in" | "register";
  webauthn_challenge: string | null;
  redirect_to: string | null;
  created_at: DefaultTimestamp;
  expires_at: DefaultTimestamp;
}

/** Consecutive failed second-factor codes and re-authentications per user. */
export interface SecondFactorThrottleTable {
  user_id: string;
  failures: number;
  last_failure_at: DefaultTimestamp;
  refused_at: Date | null;
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
  /** When the password was last set (migration 0022). */
  password_changed_at: Timestamp | null;
  /** Migration 0024: the identity provider's "issuer subject" the account is bound to after its first single sign-on. */
  sso_subject: ColumnType<string | null, string | null | undefined, string | null>;
}

/** An admin's invitation of a person to the organization (migration 0022, decision 030); the token only as its SHA-256. */
export interface StaffInviteTable {
  id: IdentityId;
  org_code: string;
  email: string;
  role: string;
  token_hash: string;
  created_by: string;
  created_at: DefaultTimestamp;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

/** Failed sign-in attempts per (e-mail as typed, address group or "device:<id>"): migrations 0011, 0012, decision 018. */
export interface LoginThrottleTable {
  account: string;
  client: string;
  failures: number;
  last_failure_at: Generated<Timestamp>;
}

/** Device cookies (migration 0012, decision 018): the SHA-256 of a random token, bound to one account. */
export interface LoginDeviceTable {
  id: Generated<Int8>;
  id_hash: string;
  user_id: string;
  created_at: Generated<Timestamp>;
  last_used_at: Generated<Timestamp>;
}

/** Failed password checks of the last day (migration 0012, decision 018). */
export interface LoginFailureTable {
  id: Generated<Int8>;
  at: Generated<Timestamp>;
  account: string;
  client: string;
  trusted: boolean;
}

/** Refusals being made, one row per (scope, account, client), so each waiting period is audited once. */
export interface LoginRefusalTable {
  scope: string;
  account: string;
  client: string;
  refusals: number;
  first_at: Generated<Timestamp>;
  last_at: Generated<Timestamp>;
}

export interface SessionTable {
  /** A handle for ending one session from the account page (migration 0022); the row key is id_hash. */
  id: IdentityId;
  id_hash: string;
  user_id: string;
  created_at: Generated<Timestamp>;
  last_seen_at: Generated<Timestamp>;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
  /** How it was signed in (migration 0024): an identity provider's sessions are not sent to enrol a second factor here. */
  via: Generated<"password" | "sso">;
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
  /** Migration 0025: the row's place in its organization's hash chain, filled by a trigger (never written by the app). */
  chain_seq: ColumnType<string, never, never>;
  prev_id: ColumnType<string | null, never, never>;
  prev_hash: ColumnType<string | null, never, never>;
  row_hash: ColumnType<string, never, never>;
}

/** Migration 0025: the last row of each audit chain (key: the organization's code, '' for rows without one). */
export interface AuditChainHeadTable {
  chain: string;
  last_seq: Int8;
  last_id: Int8;
  last_hash: string;
}

/** A `bigint generated always as identity` key: read as a string, never written. */
type IdentityId = ColumnType<string, never, never>;
/** A timestamp with a default (now()): read as a Date, optional on insert. */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** An organization's OpenID Connect identity provider (migration 0024, decision 032). */
export interface SsoConfigTable {
  org_code: string;
  issuer: string;
  client_id: string;
  /** AES-256-GCM under a key derived from the session secret (app/auth/sso-secret.server.ts); null when none was entered. */
  client_secret_encrypted: string | null;
  allowed_domains: ColumnType<string[], string[] | undefined, string[]>;
  /** The ID token claim whose values map to roles (e.g. "groups"); null: no mapping. */
  role_claim: string | null;
  /** { claim value: role } */
  role_map: ColumnType<Record<string, string>, string | undefined, string>;
  default_role: string | null;
  provisioning: ColumnType<"jit" | "invited", "jit" | "invited" | undefined, "jit" | "invited">;
  allow_password: ColumnType<boolean, boolean | undefined, boolean>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  updated_by: string | null;
  updated_at: DefaultTimestamp;
}

/** A single sign-on in flight (migration 0024): single use, 10 minutes. */
export interface SsoLoginTable {
  state_hash: string;
  org_code: string;
  code_verifier: string;
  nonce: string;
  redirect_to: ColumnType<string, string | undefined, string>;
  created_at: DefaultTimestamp;
  used_at: Timestamp | null;
}

export interface RequirementRuleTable {
  org_code: string;
  /** A RequirementRuleSet (domain/requirement-rules.ts), validated before every write. */
  rule: ColumnType<unknown, string, string>;
  version: Generated<number>;
  updated_at: DefaultTimestamp;
  updated_by: string | null;
}

export interface RequirementRuleChangeTable {
  id: IdentityId;
  org_code: string;
  version: number;
  changed_at: DefaultTimestamp;
  changed_by: string;
  reason: string;
  before: ColumnType<unknown, string, never>;
  after: ColumnType<unknown, string, never>;
}

/** One effective-dated version of an organisation's rule set (decision 021); never changed once written. */
export interface RequirementRuleVersionTable {
  org_code: string;
  version: number;
  /** YYYY-MM-DD: the version judges cycles ending on or after this date (until a later one takes over). */
  effective_from: ColumnType<string, string, never>;
  /** A RequirementRuleSet (domain/requirement-rules.ts), validated before every write. */
  rule: ColumnType<unknown, string, never>;
  created_by: string | null;
  created_at: DefaultTimestamp;
  reason: string | null;
}

export interface RosterRowError {
  line: number;
  reason: string;
  raw: string;
}

export interface RosterUploadTable {
  id: IdentityId;
  org_code: string;
  file_name: string;
  sha256: string;
  uploaded_by: string | null;
  uploaded_at: DefaultTimestamp;
  total_rows: number;
  accepted_rows: number;
  rejected_rows: number;
  new_rows: number;
  changed_rows: number;
  errors: ColumnType<RosterRowError[], string, never>;
  /** The attribute keys the file supplied (migration 0014). */
  attribute_columns: ColumnType<string[], string[] | undefined, never>;
  /** Attribute values the upload changed (migration 0014). */
  attribute_changes: ColumnType<number, number | undefined, never>;
  /** Migration 0017: the entries the upload listed (null before 0017: those it wrote). */
  listed_entries: ColumnType<string[] | null, never, string[]>;
  /** The board marked the file as its full current cohort; entries it retired. */
  full_cohort: Generated<boolean>;
  retired_rows: Generated<number>;
  /** Withdrawn by a supervisor, with a reason, and how many entries that retired. */
  withdrawn_at: Timestamp | null;
  withdrawn_by: string | null;
  withdraw_reason: string | null;
  withdrawn_retired: number | null;
}

export type MatchQuality = "id" | "name_birth" | "npi" | "manual" | "ambiguous" | "none";
export type EntryStatus = "pending" | "meets" | "short" | "nothing" | "needs_review" | "unmatched" | "no_cycle";

export interface RosterEntryTable {
  id: IdentityId;
  org_code: string;
  roster_key: string;
  first_name: string;
  last_name: string;
  birth_month: number;
  birth_day: number;
  npi: string | null;
  cycle_end: CalendarDate;
  upload_id: Int8;
  line_no: number;
  updated_at: DefaultTimestamp;
  learner_id: Int8 | null;
  match_quality: Generated<MatchQuality>;
  match_note: string | null;
  status: Generated<EntryStatus>;
  cycle_start: CalendarDate | null;
  credits_counted: Numeric | null;
  credits_required: Numeric | null;
  short_by: Numeric | null;
  shortfall: string | null;
  requirements_short: ColumnType<string[], string[] | undefined, string[]>;
  /** { requirement id: how far short } of each unmet requirement (migration 0018). */
  shortfalls: ColumnType<Record<string, number>, string | undefined, string>;
  problem: string | null;
  evaluated_at: Timestamp | null;
  /** Ids of the requirements whose "applies to" rested on an unknown licensee attribute (migration 0014). */
  /** Migration 0017: retired when no longer on the board's roster (by a full-cohort upload or a withdrawal). */
  retired_at: Timestamp | null;
  /** Migration 0019: bumped by a trigger whenever the entry is marked pending; the refresh writes only over the mark it read. */
  pending_mark: ColumnType<string, never, never>;
  retired_by_upload: Int8 | null;
  /** A supervisor's link to a licensee by hand (match quality 'manual'), and why. */
  linked_by: string | null;
  link_reason: string | null;
  requirements_unknown: ColumnType<string[], string[] | undefined, string[]>;
}

export type AttributeSource = "roster" | "staff";
/** A licensee attribute's value as stored (jsonb): yes-no, a percent, or text / a YYYY-MM-DD date. */
export type AttributeJson = boolean | number | string;

/** What the board knows of a licensee (domain/licensee-attributes.ts), kept across cycles (migration 0014). */
export interface LicenseeAttributeTable {
  org_code: string;
  roster_key: string;
  key: string;
  value: ColumnType<AttributeJson, string, string>;
  source: AttributeSource;
  upload_id: Int8 | null;
  updated_by: string | null;
  updated_at: DefaultTimestamp;
}

/** A staff user's remembered view settings, e.g. a grid's columns (migration 0020). */
export interface UserPreferenceTable {
  user_id: string;
  org_code: string;
  key: string;
  value: ColumnType<Record<string, unknown>, string, string>;
  updated_at: DefaultTimestamp;
}

/** Every change of a licensee attribute, append-only (null: not known). */
export interface LicenseeAttributeChangeTable {
  id: IdentityId;
  org_code: string;
  roster_key: string;
  key: string;
  before: ColumnType<AttributeJson | null, string | null, never>;
  after: ColumnType<AttributeJson | null, string | null, never>;
  source: AttributeSource;
  upload_id: Int8 | null;
  changed_by: string | null;
  changed_at: DefaultTimestamp;
  reason: string | null;
}

export interface RosterWatermarkTable {
  org_code: string;
  through_seq: Int8;
  as_of: CalendarDate;
  /** Migration 0017: when the statuses were last computed. */
  computed_at: Timestamp | null;
}

export type DecisionOutcome = "compliant" | "deficient" | "extension_granted" | "exempt" | "referred_to_audit";

export interface DecisionTable {
  id: IdentityId;
  org_code: string;
  entry_id: Int8;
  learner_id: Int8 | null;
  cycle_start: CalendarDate | null;
  cycle_end: CalendarDate;
  outcome: DecisionOutcome;
  note: Generated<string>;
  basis: ColumnType<Record<string, unknown>, string, never>;
  decided_by: string;
  decided_at: DefaultTimestamp;
  bulk: Generated<boolean>;
  supersedes: Int8 | null;
  supersede_reason: string | null;
  /** The outcome contradicts the live check at the time (migration 0016); the reason is required. */
  override: Generated<boolean>;
  override_reason: string | null;
  /** "Extension granted": the new deadline; carried forward by later decisions in the chain. */
  extended_to: CalendarDate | null;
}

export interface AuditSampleTable {
  id: IdentityId;
  org_code: string;
  drawn_by: string;
  drawn_at: DefaultTimestamp;
  seed: string;
  cycle_from: CalendarDate;
  cycle_to: CalendarDate;
  requested: string;
  cohort_size: number;
  entry_ids: ColumnType<string[], string[], never>;
}

/** An official transcript as issued (migration 0021): never changed once written. */
export interface IssuedTranscriptTable {
  /** 12 characters of Crockford base32, stored without the dashes it is printed with. */
  code: string;
  org_code: string;
  learner_id: Int8;
  /** A daterange, '[from,to]' on insert; read back canonical ('[from,to+1)'). */
  period: string;
  issued_by: string;
  issued_at: DefaultTimestamp;
  /** SHA-256 (hex) of the records the transcript was made from. */
  content_hash: string;
  totals: ColumnType<unknown, string, never>;
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
  "board.staff_invite": StaffInviteTable;
  "board.session": SessionTable;
  "board.login_throttle": LoginThrottleTable;
  "board.login_device": LoginDeviceTable;
  "board.login_failure": LoginFailureTable;
  "board.login_refusal": LoginRefusalTable;
  "board.webauthn_credential": WebauthnCredentialTable;
  "board.totp_secret": TotpSecretTable;
  "board.recovery_code": RecoveryCodeTable;
  "board.sign_in_challenge": SignInChallengeTable;
  "board.second_factor_throttle": SecondFactorThrottleTable;
  "board.audit_event": AuditEventTable;
  "board.audit_chain_head": AuditChainHeadTable;
  "board.requirement_rule": RequirementRuleTable;
  "board.requirement_rule_change": RequirementRuleChangeTable;
  "board.requirement_rule_version": RequirementRuleVersionTable;
  "board.roster_upload": RosterUploadTable;
  "board.roster_entry": RosterEntryTable;
  "board.roster_watermark": RosterWatermarkTable;
  "board.decision": DecisionTable;
  "board.audit_sample": AuditSampleTable;
  "board.licensee_attribute": LicenseeAttributeTable;
  "board.licensee_attribute_change": LicenseeAttributeChangeTable;
  "board.sso_config": SsoConfigTable;
  "board.sso_login": SsoLoginTable;
  "board.user_preference": UserPreferenceTable;
  "board.issued_transcript": IssuedTranscriptTable;
}

export type StaffUser = Selectable<StaffUserTable>;
export type NewAuditEvent = Insertable<AuditEventTable>;
export type CreditReport = Selectable<CreditReportTable>;
