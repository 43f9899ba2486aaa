// `npm run audit:verify`: checks the audit trail's hash chain of every organization (and of the
// events recorded without one), reading each in batches. Prints one line per chain; for a broken
// chain, its first broken event (id, time, what is wrong). Exit code 0 when every chain is intact,
// 1 when any is broken, 2 when the check could not run.
import { loadEnv } from "../app/env.server";
import { auditChains, verifyAuditChain } from "../app/models/audit-chain.server";
import { createDb } from "../db/client";
import { openOwnerDatabase } from "./lib/owner-database";

const env = loadEnv();
const owner = await openOwnerDatabase(env, { reuseRunning: true });
const db = createDb({ connectionString: owner.url, max: 1, applicationName: "audit-verify" });
let exitCode = 0;
try {
  for (const chain of await auditChains(db)) {
    const name = chain ?? "(events without an organization)";
    const result = await verifyAuditChain(db, chain);
    if (result.intact) {
      console.log(`${name}: intact, ${result.rowsChecked} events${result.headHash ? `, last hash ${result.headHash}` : ""}`);
    } else {
      exitCode = 1;
      const b = result.broken!;
      console.log(`${name}: BROKEN at event ${b.rowId ?? "?"} (place ${b.seq}${b.occurredAt ? `, recorded ${b.occurredAt}` : ""}): ${b.kind}. ${b.message}`);
    }
  }
} catch (error) {
  console.error(`audit:verify: the check could not run: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 2;
} finally {
  await db.destroy();
  await owner.release();
}
process.exit(exitCode);
