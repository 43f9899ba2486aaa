// Seeds every board's demo renewal roster: each roster is built from the store by buildDemoRoster
// (db/generator/rosters.ts) and uploaded through the app's own upload path (uploadRoster) as a
// system upload, so demo rosters are stored, matched and audited exactly as a board's file is.
import type { Kysely } from "kysely";
import { uploadRoster, type UploadOutcome } from "../../app/models/rosters.server";
import { buildDemoRoster, type DemoRosterOptions } from "../../db/generator/rosters";
import type { Database } from "../../db/schema";
import { CERTIFYING_BOARDS, STATE_BOARDS } from "../../domain/reference";

/** Builds and uploads every board's demo roster (ACCME has none). Re-running with the same day changes nothing. */
export async function seedDemoRosters(db: Kysely<Database>, options: DemoRosterOptions): Promise<Array<{ orgCode: string; outcome: UploadOutcome }>> {
  const results: Array<{ orgCode: string; outcome: UploadOutcome }> = [];
  for (const board of [...STATE_BOARDS, ...CERTIFYING_BOARDS]) {
    const roster = await buildDemoRoster(db, board.code, options);
    const outcome = await uploadRoster(db, { userId: null, orgCode: board.code }, { fileName: roster.fileName, content: roster.csv });
    if (outcome.kind === "rejected") throw new Error(`demo roster for ${board.code} was rejected: ${outcome.problem}`);
    results.push({ orgCode: board.code, outcome });
  }
  return results;
}
