// `npm run unlock-user -- --email E [--by NAME]`
// Clears a staff user's sign-in failure counts (decision 018): the account-wide count of failures by
// browsers without a device cookie (so such browsers may sign in again at once; it restarts from
// this unlock), every address's and device's waits against the account, and any lock left by the
// scheme before migration 0012. The account's device cookies stay valid. Audited as `user.unlock`. Until the admin screens exist (a later issue) this is how an administrator does it.
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { z } from "zod";
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
    const user = await tx
      .selectFrom("board.staff_user")
      .select(["id", "org_code", "failed_login_count", sql<boolean>`coalesce(locked_until > now(), false)`.as("locked")])
      .where("email", "=", args.email)
      .forUpdate()
      .executeTakeFirst();
    if (!user) return null;
    await tx.updateTable("board.staff_user").set({ locked_until: null, failed_login_count: 0 }).where("id", "=", user.id).execute();
    const cleared = await tx.deleteFrom("board.login_throttle").where("account", "=", args.email).executeTakeFirst();
    const addresses = Number(cleared.numDeletedRows);
    // The account-wide count (board.login_failure, migration 0012) restarts from here, and so do its refusals' waiting periods.
    const failed = await tx.deleteFrom("board.login_failure").where("account", "=", args.email).executeTakeFirst();
    const failures = Number(failed.numDeletedRows);
    await tx.deleteFrom("board.login_refusal").where("account", "=", args.email).execute();
    await recordAudit(tx, {
      action: "user.unlock",
      userId: user.id,
      orgCode: user.org_code,
      detail: {
        email: args.email,
        by,
        via: "npm run unlock-user",
        wasLocked: user.locked,
        failedLogins: user.failed_login_count,
        addressesCleared: addresses,
        failuresCleared: failures,
      },
    });
    return { locked: user.locked, addresses, failures };
  });
  if (!result) fail(`no user with email ${args.email}`);
  console.log(
    `unlocked ${args.email}: ${result.locked ? "lock lifted" : "was not locked"}; failure counts cleared (${result.addresses} address${result.addresses === 1 ? "" : "es"} or devices, ${result.failures} failure${result.failures === 1 ? "" : "s"} of the last day)`,
  );
} finally {
  await db.destroy();
  await owner.release();
}
