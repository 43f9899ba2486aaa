// `npm run unlock-user -- --email E [--by NAME]`
// Clears a staff user's sign-in failure counts (decision 018): the account-wide count of failures by
// browsers without a device cookie (so such browsers may sign in again at once; it restarts from
// this unlock), every address's and device's waits against the account, and any lock left by the
// scheme before migration 0012. The account's device cookies stay valid. Audited as `user.unlock`. The same as "Unlock" on the staff page (/admin/users): both call
// unlockAccount (app/auth/login.server.ts).
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { unlockAccount } from "../app/auth/login.server";
import { loadEnv } from "../app/env.server";
import { recordAudit } from "../app/models/audit.server";
import { createDb } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { openOwnerDatabase } from "./lib/owner-database";

const Args = z.object({
  email: z.string().trim().toLowerCase().email("--email must be an email address"),
  by: z.string().trim().min(1).max(200).optional(),
});

function fail(message: string): never {
  console.error(`unlock-user: ${message}`);
  process.exit(2);
}

let values: Record<string, unknown>;
try {
  ({ values } = parseArgs({ options: { email: { type: "string" }, by: { type: "string" } }, strict: true }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const parsed = Args.safeParse(values);
if (!parsed.success) fail(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
const args = parsed.data;
// Who ran it, as the operating system knows them, unless they say.
const by = args.by ?? (() => {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
})();

const env = loadEnv();
const owner = await openOwnerDatabase(env, { reuseRunning: true });
const db = createDb({ connectionString: owner.url, max: 1 });
try {
  await migrateToLatest(db);
  const result = await db.transaction().execute(async (tx) => {
    const unlocked = await unlockAccount(tx, args.email);
    if (!unlocked) return null;
    await recordAudit(tx, {
      action: "user.unlock",
      userId: unlocked.userId,
      orgCode: unlocked.orgCode,
      detail: {
        email: args.email,
        by,
        via: "npm run unlock-user",
        wasLocked: unlocked.wasLocked,
        failedLogins: unlocked.failedLogins,
        addressesCleared: unlocked.addressesCleared,
        failuresCleared: unlocked.failuresCleared,
      },
    });
    return { locked: unlocked.wasLocked, addresses: unlocked.addressesCleared, failures: unlocked.failuresCleared };
  });
  if (!result) fail(`no user with email ${args.email}`);
  console.log(
    `unlocked ${args.email}: ${result.locked ? "lock lifted" : "was not locked"}; failure counts cleared (${result.addresses} address${result.addresses === 1 ? "" : "es"} or devices, ${result.failures} failure${result.failures === 1 ? "" : "s"} of the last day)`,
  );
} finally {
  await db.destroy();
  await owner.release();
}
