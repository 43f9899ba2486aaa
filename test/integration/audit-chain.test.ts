// The audit trail's hash chain (migration 0025): every row chained to the previous row of its
// organization by a trigger, existing rows chained by the migration, the app's role unable to change
// or delete a row or the chain's head, and verification naming the first broken row when the owner
// edits or deletes one. Concurrent inserts from several connections still form one unbroken chain.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { recordAudit } from "../../app/models/audit.server";
import { verifyAuditChain } from "../../app/models/audit-chain.server";
import { createDb } from "../../db/client";
import { appAs, createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
});
afterAll(() => database.drop());

const owner = () => database.owner;

/** The hash of a row as the migration documents it, computed here independently of the app's verifier. */
function expectedHash(fields: (string | null)[]): string {
  const text = `audit-v1|${fields.map((f) => (f === null ? "N" : `S${Buffer.byteLength(f, "utf8")}:${f}`)).join("|")}`;
  return createHash("sha256").update(text, "utf8").digest("hex");
}

async function chainRows(org: string) {
  return (
    await sql<{ id: string; chain_seq: string; prev_id: string | null; prev_hash: string | null; row_hash: string; at: string; user_id: string | null; action: string; target: string | null; detail: string; ip: string | null }>`
      select id::text, chain_seq::text, prev_id::text, prev_hash, row_hash, user_id::text, action, target, detail::text as detail, ip,
             to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
      from board.audit_event e where org_code = ${org} order by e.chain_seq`.execute(owner())
  ).rows;
}

async function userOf(org: string): Promise<string> {
  const row = await sql<{ id: string }>`select id::text from board.staff_user where org_code = ${org} order by email limit 1`.execute(owner());
  return row.rows[0]!.id;
}

describe("the audit chain", () => {
  it("chains each organization's rows 1, 2, 3… each to the one before, with hashes over the documented serialization", async () => {
    const user = await userOf("OR-M");
    await recordAudit(appAs(database, "OR-M"), { action: "login.success", userId: user, orgCode: "OR-M", detail: { trusted: true, note: "ünïcode ✓" }, ip: "203.0.113.7" });
    await recordAudit(appAs(database, "OR-M"), { action: "logout", userId: user, orgCode: "OR-M", ip: "203.0.113.7" });
    const rows = await chainRows("OR-M");
    expect(rows.length).toBeGreaterThanOrEqual(2);
    rows.forEach((r, i) => {
      expect(r.chain_seq).toBe(String(i + 1));
      expect(r.prev_id).toBe(i === 0 ? null : rows[i - 1]!.id);
      expect(r.prev_hash).toBe(i === 0 ? null : rows[i - 1]!.row_hash);
      expect(r.row_hash).toBe(expectedHash(["OR-M", r.chain_seq, r.id, r.at, r.user_id, "OR-M", r.action, r.target, r.detail, r.ip, r.prev_id, r.prev_hash]));
    });
    const head = await sql<{ last_seq: string; last_hash: string }>`select last_seq::text, last_hash from board.audit_chain_head where chain = 'OR-M'`.execute(owner());
    expect(head.rows[0]).toEqual({ last_seq: String(rows.length), last_hash: rows.at(-1)!.row_hash });
  });

  it("ignores chain values an insert supplies", async () => {
    await sql`insert into board.audit_event (org_code, action, chain_seq, prev_hash, row_hash) values ('OR-M', 'logout', 999, 'forged', 'forged')`.execute(owner());
    const rows = await chainRows("OR-M");
    const last = rows.at(-1)!;
    expect(last.chain_seq).toBe(String(rows.length));
    expect(last.row_hash).not.toBe("forged");
    expect((await verifyAuditChain(owner(), "OR-M")).intact).toBe(true);
  });

  it("puts rows without an organization in a chain of their own", async () => {
    await recordAudit(appAs(database, "CA-M"), { action: "login.failure", detail: { email: "nobody@example.test", reason: "unknown_email" }, ip: "198.51.100.1" });
    const result = await verifyAuditChain(owner(), null);
    const count = await sql<{ n: string }>`select count(*)::text as n from board.audit_event where org_code is null`.execute(owner());
    expect(result).toMatchObject({ intact: true, rowsChecked: Number(count.rows[0]!.n) });
  });

  it("chains the rows the seed wrote before the migration, and every seeded chain verifies", async () => {
    const orgs = await sql<{ code: string; n: string }>`select org_code as code, count(*)::text as n from board.audit_event where org_code is not null group by org_code`.execute(owner());
    expect(orgs.rows.length).toBeGreaterThan(0);
    for (const org of orgs.rows) {
      const result = await verifyAuditChain(owner(), org.code, { batchSize: 7 });
      expect(result, org.code).toMatchObject({ intact: true, rowsChecked: Number(org.n) });
    }
  });

  it("keeps the app's role from changing or deleting audit rows or the chain's head", async () => {
    const app = appAs(database, "OR-M");
    for (const statement of [
      `update board.audit_event set action = 'x' where org_code = 'OR-M'`,
      `delete from board.audit_event where org_code = 'OR-M'`,
      `truncate board.audit_event`,
      `update board.audit_chain_head set last_seq = 1`,
      `delete from board.audit_chain_head`,
      `insert into board.audit_chain_head values ('ZZ', 1, 1, 'x')`,
    ]) {
      await expect(sql.raw(statement).execute(app), statement).rejects.toThrow(/permission denied/);
    }
    // It reads only its own organization's head.
    const heads = await sql<{ chain: string }>`select chain from board.audit_chain_head`.execute(appAs(database, "OR-M"));
    expect(heads.rows.map((h) => h.chain)).toEqual(["OR-M"]);
  });

  it("chains concurrent inserts from several connections into one unbroken chain", async () => {
    const user = await userOf("MD-M");
    const before = await sql<{ n: string }>`select count(*)::text as n from board.audit_event where org_code = 'MD-M'`.execute(owner());
    const writers = Array.from({ length: 6 }, () => createDb({ connectionString: database.url, max: 1 }));
    try {
      await Promise.all(
        writers.map(async (db, w) => {
          for (let i = 0; i < 20; i++) {
            // Multi-row inserts in transactions, interleaving with the other connections.
            await db.transaction().execute(async (trx) => {
              await trx.insertInto("board.audit_event").values([0, 1, 2].map((k) => ({ action: "licensee.view", user_id: user, org_code: "MD-M", target: `learner:${w}${i}${k}`, detail: "{}" }))).execute();
            });
          }
        }),
      );
    } finally {
      await Promise.all(writers.map((db) => db.destroy()));
    }
    const result = await verifyAuditChain(owner(), "MD-M", { batchSize: 50 });
    expect(result).toMatchObject({ intact: true, rowsChecked: Number(before.rows[0]!.n) + 6 * 20 * 3 });
  });
});

describe("verification names the first broken row", () => {
  // Each case on its own organization's chain, as the owner (the only role that can tamper).
  beforeAll(async () => {
    for (const org of ["CA-M", "ABS", "ABIM", "OR-M"]) {
      const user = await userOf(org);
      for (let i = 0; i < 6; i++) await recordAudit(appAs(database, org), { action: "licensee.view", userId: user, orgCode: org, target: `learner:${i + 1}`, detail: { page: "licensee" }, ip: "203.0.113.5" });
    }
  });
  it("an edited row: by its id and time", async () => {
    const rows = await chainRows("CA-M");
    const victim = rows[Math.floor(rows.length / 2)]!;
    await sql`update board.audit_event set ip = '192.0.2.99' where id = ${victim.id}::bigint`.execute(owner());
    const result = await verifyAuditChain(owner(), "CA-M", { batchSize: 5 });
    expect(result.intact).toBe(false);
    expect(result.broken).toMatchObject({ kind: "edited", rowId: victim.id, seq: victim.chain_seq, occurredAt: victim.at });
    // The app's scoped reading of its own chain says the same.
    const asApp = await verifyAuditChain(appAs(database, "CA-M"), "CA-M");
    expect(asApp.broken).toMatchObject({ kind: "edited", rowId: victim.id });
  });

  it("an edited row whose hash was recomputed: by the link of the row after it", async () => {
    const rows = await chainRows("ABS");
    const victim = rows[1]!;
    await sql`update board.audit_event set action = 'logout' where id = ${victim.id}::bigint`.execute(owner());
    await sql`update board.audit_event set row_hash = board.audit_hash(board.audit_canonical(coalesce(org_code, ''), chain_seq, id, occurred_at, user_id, org_code, action, target, detail, ip, prev_id, prev_hash)) where id = ${victim.id}::bigint`.execute(owner());
    const result = await verifyAuditChain(owner(), "ABS");
    expect(result.broken).toMatchObject({ kind: "relinked", rowId: victim.id, seq: victim.chain_seq });
  });

  it("a deleted row: by the id the next row was chained to", async () => {
    const rows = await chainRows("ABIM");
    const victim = rows[2]!;
    await sql`delete from board.audit_event where id = ${victim.id}::bigint`.execute(owner());
    const result = await verifyAuditChain(owner(), "ABIM", { batchSize: 2 });
    expect(result.broken).toMatchObject({ kind: "deleted", rowId: victim.id, seq: victim.chain_seq });
    expect(result.broken!.message).toContain(`Event ${victim.id}`);
  });

  it("the last row deleted: by the chain's head", async () => {
    const rows = await chainRows("OR-M");
    const victim = rows.at(-1)!;
    await sql`delete from board.audit_event where id = ${victim.id}::bigint`.execute(owner());
    const result = await verifyAuditChain(owner(), "OR-M");
    expect(result.broken).toMatchObject({ kind: "deleted-at-end", rowId: victim.id, seq: victim.chain_seq });
  });

  it("npm run audit:verify checks every organization, names each first broken row and exits 1", async () => {
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn("npx", ["tsx", "scripts/audit-verify.ts"], { env: { ...process.env, DATABASE_URL: database.url }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.on("close", (code) => resolve({ code, out }));
    });
    expect(run.code, run.out).toBe(1);
    for (const org of ["CA-M", "ABS", "ABIM", "OR-M"]) expect(run.out).toMatch(new RegExp(`^${org}: BROKEN at event \\d+`, "m"));
    expect(run.out).toMatch(/^MD-M: intact, \d+ events/m);
  });
});
