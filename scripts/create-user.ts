// `npm run create-user -- --email E --org CODE --role reviewer|supervisor|admin [--name "Full Name"]`
// Adds a real staff user (the first admin of an organization; later staff are invited from /admin/users).
// The password is read from stdin (piped) or asked for on the terminal, and must meet the password
// rules (app/auth/password-policy.ts).
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { hashPassword } from "../app/auth/password.server";
import { passwordProblem } from "../app/auth/password-policy";
import { loadEnv } from "../app/env.server";
import { createDb } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { STAFF_ROLES } from "../domain/reference";
import { seedBoard } from "../db/seed-board";
import { openOwnerDatabase } from "./lib/owner-database";

const Args = z.object({
  email: z.string().trim().toLowerCase().email("--email must be an email address"),
  org: z.string().trim().toUpperCase().min(2, "--org is the organisation code, e.g. CA-M"),
  role: z.enum(STAFF_ROLES, { message: `--role must be one of ${STAFF_ROLES.join(", ")}` }),
  name: z.string().trim().min(1).max(200).optional(),
});

async function readPassword(): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdin.isTTY ? process.stdout : undefined });
  try {
    return (await rl.question(process.stdin.isTTY ? "Password: " : "")).trim();
  } finally {
    rl.close();
  }
}

function fail(message: string): never {
  console.error(`create-user: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: { email: { type: "string" }, org: { type: "string" }, role: { type: "string" }, name: { type: "string" } },
  strict: true,
});
const parsed = Args.safeParse(values);
if (!parsed.success) fail(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
const args = parsed.data;
const password = await readPassword();
// The rules of app/auth/password-policy.ts; a new account has no second factor yet.
const problem = passwordProblem(password, { hasSecondFactor: false, email: args.email, name: args.name });
if (problem) fail(`the password: ${problem}`);

const env = loadEnv();
const owner = await openOwnerDatabase(env, { reuseRunning: true });
const db = createDb({ connectionString: owner.url, max: 1 });
try {
  await migrateToLatest(db);
  await seedBoard(db);
  const org = await db.selectFrom("board.organisation").select(["code", "name"]).where("code", "=", args.org).executeTakeFirst();
  if (!org) fail(`no organisation with code ${args.org}`);
  const inserted = await db
    .insertInto("board.staff_user")
    .values({
      email: args.email,
      display_name: args.name ?? args.email,
      password_hash: await hashPassword(password),
      password_changed_at: new Date(),
      role: args.role,
      org_code: org.code,
    })
    .onConflict((oc) => oc.column("email").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (!inserted) fail(`a user with email ${args.email} already exists`);
  console.log(`created ${args.role} ${args.email} for ${org.name}`);
} finally {
  await db.destroy();
  await owner.release();
}
