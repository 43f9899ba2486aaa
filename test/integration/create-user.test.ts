// `npm run create-user` adds a real user who can then sign in; bad arguments are refused with a message.
import { spawn } from "node:child_process";
import path from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { postLogin, setUpSeededApp } from "../support/server";

const app = setUpSeededApp();

function createUser(args: string[], password: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.resolve("node_modules/.bin/tsx"), ["scripts/create-user.ts", ...args], {
      env: { ...process.env, DATABASE_URL: app.database.url },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
    child.stdin.end(`${password}\n`);
  });
}

describe("create-user", () => {
  it("creates a user with an argon2id hash who can sign in", async () => {
    const result = await createUser(["--email", "New.Reviewer@NC-M.example", "--org", "nc-m", "--role", "reviewer", "--name", "New Reviewer"], "a sufficiently long password");
    expect(result.output).toContain("created reviewer new.reviewer@nc-m.example for North Carolina Medical Board");
    expect(result.code).toBe(0);
    const row = await sql<{ password_hash: string; org_code: string; role: string }>`
      select password_hash, org_code, role from board.staff_user where email = 'new.reviewer@nc-m.example'`.execute(app.database.owner);
    expect(row.rows[0]).toMatchObject({ org_code: "NC-M", role: "reviewer" });
    expect(row.rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
    expect((await postLogin(app.server.baseUrl, "new.reviewer@nc-m.example", "a sufficiently long password")).status).toBe(302);
  }, 60_000);

  it.each([
    [["--email", "x@y.example", "--org", "CA-M", "--role", "reviewer"], "short", /at least 15 characters/],
    [["--email", "x@y.example", "--org", "CA-M", "--role", "reviewer"], "PasswordPassword", /common or breached/],
    [["--email", "not-an-email", "--org", "CA-M", "--role", "reviewer"], "a sufficiently long password", /--email must be an email address/],
    [["--email", "x@y.example", "--org", "CA-M", "--role", "owner"], "a sufficiently long password", /--role must be one of/],
    [["--email", "x@y.example", "--org", "ZZ-M", "--role", "reviewer"], "a sufficiently long password", /no organisation with code ZZ-M/],
    [["--email", "reviewer@ca-m.demo.test", "--org", "CA-M", "--role", "reviewer"], "a sufficiently long password", /already exists/],
  ])("refuses %j with a clear message and writes nothing", async (args, password, message) => {
    const before = await sql<{ n: string }>`select count(*) as n from board.staff_user`.execute(app.database.owner);
    const result = await createUser(args, password);
    expect(result.code).toBe(2);
    expect(result.output).toMatch(message);
    const after = await sql<{ n: string }>`select count(*) as n from board.staff_user`.execute(app.database.owner);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  }, 60_000);
});
