// The list of migrations, in order. Listed by import rather than read from the folder at run time,
// so the same list works under tsx, Vitest's global setup and any bundler (a file provider's
// dynamic import() of .ts files does not). Add each new migration file here.
import type { Migration } from "kysely/migration";
import * as m0001 from "./0001_learner_store";
import * as m0002 from "./0002_board_schema";
import * as m0003 from "./0003_app_role";
import * as m0004 from "./0004_search_paths";
import * as m0006 from "./0006_renewals";
import * as m0007 from "./0007_row_security";
import * as m0008 from "./0008_scope_probes";
import * as m0009 from "./0009_index_only_walks";
import * as m0010 from "./0010_activity_dates";
import * as m0011 from "./0011_sign_in_throttle";
import * as m0012 from "./0012_sign_in_devices";
import * as m0013 from "./0013_rule_model";
import * as m0014 from "./0014_licensee_attributes";
import * as m0015 from "./0015_rule_versions";
import * as m0016 from "./0016_decision_evidence";
import * as m0017 from "./0017_roster_lifecycle";
import * as m0018 from "./0018_entry_shortfalls";
import * as m0019 from "./0019_pending_mark";
import * as m0022 from "./0022_staff_accounts";
import * as m0025 from "./0025_audit_chain";
import * as m0024 from "./0024_single_sign_on";
import * as m0026 from "./0026_joint_providers";
import * as m0023 from "./0023_second_factors";
import * as m0020 from "./0020_user_preferences";
import * as m0027 from "./0027_exact_counts";
import * as m0021 from "./0021_transcripts";

export const migrations: Record<string, Migration> = {
  "0001_learner_store": m0001,
  "0002_board_schema": m0002,
  "0003_app_role": m0003,
  "0004_search_paths": m0004,
  "0006_renewals": m0006,
  "0007_row_security": m0007,
  "0008_scope_probes": m0008,
  "0009_index_only_walks": m0009,
  "0010_activity_dates": m0010,
  "0011_sign_in_throttle": m0011,
  "0012_sign_in_devices": m0012,
  "0013_rule_model": m0013,
  "0014_licensee_attributes": m0014,
  "0015_rule_versions": m0015,
  "0016_decision_evidence": m0016,
  "0017_roster_lifecycle": m0017,
  "0018_entry_shortfalls": m0018,
  "0019_pending_mark": m0019,
  "0022_staff_accounts": m0022,
  "0025_audit_chain": m0025,
  "0024_single_sign_on": m0024,
  "0026_joint_providers": m0026,
  "0023_second_factors": m0023,
  "0020_user_preferences": m0020,
  "0027_exact_counts": m0027,
  "0021_transcripts": m0021,
};
