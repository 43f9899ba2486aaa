// `npm run create-user -- --email E --org CODE --role reviewer|supervisor|admin [--name "Full Name"]`
// Adds a real staff user. The password is read from stdin (piped) or asked for on the terminal.
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { hashPassword, MIN_PASSWORD_LENGTH } from "../app/auth/password.server";
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
const Password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `the password must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(1024, "the password is too long");

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
const password = Password.safeParse(await readPassword());
if (!password.success) fail(password.error.issues[0]?.message ?? "invalid password");

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
      password_hash: await hashPassword(password.data),
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
