// Providers' text through the analytics sync: any text the learner store can hold (carriage
// returns and line feeds anywhere, lone quotes, separators, backslashes, control characters, U+2028,
// a byte-order mark, combining marks, emoji, long values) reaches the snapshot unchanged, byte for
// byte, after a full sync and after an incremental one, in every text column the snapshot carries:
// provider names, board codes, entry methods, statuses, rejection reasons, activity formats and the
// names of credit types (the keys of credit_types). Only NUL cannot be stored in PostgreSQL text, and
// unpaired surrogates cannot be UTF-8. Columns with CHECK constraints take their allowed values.
import fc from "fast-check";
import pg from "pg";
import { z } from "zod";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AnalyticsReader } from "../../db/analytics/reader";
import { dsql, raw } from "../../db/analytics/sql";
import { runSync, type SyncOptions, type SyncResult } from "../../db/analytics/sync";
import { ACTIVITY_FORMATS } from "../../domain/reference";
import { createTestDatabase, type TestDatabase } from "../support/database";

let database: TestDatabase;
let owner: pg.Client;
const dirs: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase(inject("pgServerUrl"));
  owner = new pg.Client({ connectionString: database.url });
  await owner.connect();
});
afterAll(async () => {
  await owner?.end();
  await database?.drop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cme-sync-text-"));
  dirs.push(dir);
  return dir;
}

async function sync(dir: string, extra: Partial<SyncOptions> = {}): Promise<SyncResult> {
  return runSync({ connection: { connectionString: database.appUrl }, dir, trigger: "test", memoryMb: 512, ...extra });
}

function expectSucceeded(result: SyncResult, kind: "full" | "incremental"): void {
  expect(result.outcome === "failed" ? result.error : result.outcome).toBe("succeeded");
  expect(result).toMatchObject({ kind });
}

// ------------------------------------------------------------------ the comparison

const Row = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));

const sorted = (rows: Array<Record<string, unknown>>) =>
  rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])))).sort();

/**
 * The text columns of the store as the snapshot should hold them, each as the hex of its UTF-8
 * bytes (PostgreSQL's own), and of the snapshot (DuckDB's own bytes): equal means byte for byte.
 */
async function storeTexts(): Promise<Record<string, string[]>> {
  const hex = (column: string) => `encode(convert_to(${column}, 'UTF8'), 'hex')`;
  const q = async (text: string) => sorted((await owner.query(text)).rows as Array<Record<string, unknown>>);
  return {
    provider: await q(`select id::int::text as id, ${hex("name")} as name from learner.provider`),
    activity: await q(`select id::int::text as id, provider_id::int::text as provider_id, ${hex("format")} as format from learner.activity`),
    report: await q(`select r.id::text as id, ${hex("r.board_code")} as board_code, ${hex("r.entry_method")} as entry_method, ${hex("r.status")} as status,
                            ${hex("r.rejection_reason")} as rejection_reason, ${hex("a.format")} as format, a.provider_id::int::text as provider_id
                     from learner.credit_report r join learner.activity a on a.id = r.activity_id where r.deleted_at is null`),
    report_credit_type: await q(`select r.id::text as report_id, ${hex("e.key")} as credit_type, ${hex("r.board_code")} as board_code,
                                        ${hex("a.format")} as format, round((e.value #>> '{}')::numeric, 4)::text as amount
                                 from learner.credit_report r join learner.activity a on a.id = r.activity_id, jsonb_each(r.credit_types) e
                                 where r.deleted_at is null and r.status = 'accepted' and jsonb_typeof(e.value) = 'number'`),
  };
}

async function snapshotTexts(dir: string): Promise<Record<string, string[]>> {
  const reader = new AnalyticsReader(dir, { pollMs: 0 });
  try {
    const hex = (column: string) => raw(`lower(hex(encode(${column})))`);
    const read = await reader.read(async (q) => {
      const rows = async (query: ReturnType<typeof dsql>) => sorted(await q.rows(query, Row));
      return {
        provider: await rows(dsql`select id::varchar as id, ${hex("name")} as name from provider`),
        activity: await rows(dsql`select id::varchar as id, provider_id::varchar as provider_id, ${hex("format")} as format from activity`),
        report: await rows(dsql`select id::varchar as id, ${hex("board_code")} as board_code, ${hex("entry_method")} as entry_method, ${hex("status")} as status,
                                       ${hex("rejection_reason")} as rejection_reason, ${hex("format")} as format, provider_id::varchar as provider_id from report`),
        report_credit_type: await rows(dsql`select report_id::varchar as report_id, ${hex("credit_type")} as credit_type, ${hex("board_code")} as board_code,
                                                   ${hex("format")} as format, amount::varchar as amount from report_credit_type`),
      };
    });
    if (!read) throw new Error(`no snapshot in ${dir}`);
    return read.value;
  } finally {
    reader.close();
  }
}

/** Every text column of the snapshot equals the store's, byte for byte (and no row more or less). */
async function expectSnapshotEqualsStore(dir: string, label: string): Promise<void> {
  const [store, snapshot] = await Promise.all([storeTexts(), snapshotTexts(dir)]);
  for (const table of Object.keys(store)) {
    const a = snapshot[table]!;
    const b = store[table]!;
    expect(a.length, `${label}: ${table} rows`).toBe(b.length);
    const differ = a.findIndex((row, i) => row !== b[i]);
    // The first difference only: whole tables would drown the message.
    expect(differ === -1 ? null : { snapshot: a[differ], store: b[differ] }, `${label}: ${table}`).toBeNull();
  }
}

// ------------------------------------------------------------------ writing providers' text

/** Rows the tests write into: a few providers that have live reports, and live reports to change. */
async function targets(): Promise<{ providers: string[]; activities: string[]; reports: string[] }> {
  const providers = await owner.query<{ id: string }>(
    `select distinct a.provider_id as id from learner.credit_report r join learner.activity a on a.id = r.activity_id
     where r.deleted_at is null order by 1 limit 12`,
  );
  const activities = await owner.query<{ id: string }>(
    `select distinct activity_id as id from learner.credit_report where deleted_at is null order by 1 limit 12`,
  );
  const reports = await owner.query<{ id: string }>(`select id::text from learner.credit_report where deleted_at is null order by id limit 400`);
  return { providers: providers.rows.map((r) => r.id), activities: activities.rows.map((r) => r.id), reports: reports.rows.map((r) => r.id) };
}

interface Writes {
  providerNames: string[];
  formats: string[];
  boardCodes: string[];
  rejectionReasons: string[];
  creditTypeNames: string[];
  entryMethods: string[];
}

/** Writes the texts as a provider's system would (as the store's owner), each into rows of its column. */
async function write(writes: Writes, round: number): Promise<void> {
  const t = await targets();
  // Each round changes other reports (a report touched once is still compared every round).
  const reports = t.reports.slice((round * 40) % 360);
  const pick = (list: string[], i: number) => list[i % list.length]!;
  for (const [i, name] of writes.providerNames.entries()) {
    await owner.query(`update learner.provider set name = $1 where id = $2`, [name, pick(t.providers, i)]);
  }
  for (const [i, format] of writes.formats.entries()) {
    await owner.query(`update learner.activity set format = $1 where id = $2`, [format, pick(t.activities, i)]);
  }
  let r = 0;
  for (const reason of writes.rejectionReasons) {
    await owner.query(`update learner.credit_report set status = 'rejected', rejection_reason = $1 where id = $2`, [reason, pick(reports, r++)]);
  }
  for (const [i, code] of writes.boardCodes.entries()) {
    await owner.query(`update learner.credit_report set board_code = $1, entry_method = $2 where id = $3`, [code, pick(writes.entryMethods, i), pick(reports, r++)]);
  }
  for (let i = 0; i < writes.creditTypeNames.length; i += 2) {
    const names = writes.creditTypeNames.slice(i, i + 2);
    const types = Object.fromEntries(names.map((n, j) => [n, j === 0 ? 1.25 : 0.5]));
    await owner.query(`update learner.credit_report set status = 'accepted', rejection_reason = null, credit_types = $1::jsonb where id = $2`, [
      JSON.stringify(types),
      pick(reports, r++),
    ]);
  }
}

// ------------------------------------------------------------------ the tests

/** The texts that broke or could break a CSV staging file, and a few that test other layers. */
const NASTY = [
  "\r",
  "\rAcme Medical Education",
  "Acme\r\nMedical",
  "\n",
  "\r\n",
  "line one\nline two\n",
  '"',
  'say "hello',
  '""',
  '","',
  ",",
  "a,b,c",
  "\\",
  "\\N",
  "\\.",
  "\t",
  "NULL",
  "",
  " ",
  "\u2028\u2029",
  "\uFEFFBOM first",
  "e\u0301\u0323",
  "👩‍⚕️🏥",
  "\u0001\u0002\u001f\u007f\u0085",
  // As long as the store's indexes on these columns allow (a btree entry holds about 2,700 bytes).
  "\r\n\"".repeat(600),
];
/**
 * Longer than DuckDB's default row (2 MB) and its default buffer (32 MiB), so the file is read again
 * with a larger one; only an unindexed column can hold it.
 */
const LONG = `\r${'"'.repeat(17_000_000)}`; // 34 MB once its quotes are doubled

describe("text a provider wrote", () => {
  it("a provider name beginning with a carriage return, and other texts that confuse a CSV file, sync unchanged (incremental and full)", async () => {
    const dir = await tempDir();
    expectSucceeded(await sync(dir, { mode: "full" }), "full");
    await write(
      {
        providerNames: ["\rAcme Medical Education", ...NASTY],
        formats: [...ACTIVITY_FORMATS],
        boardCodes: NASTY,
        rejectionReasons: [...NASTY, LONG],
        creditTypeNames: NASTY,
        entryMethods: ["manual", "excel_batch", "tab_delimited", "xml_batch", "web_service"],
      },
      0,
    );
    expectSucceeded(await sync(dir), "incremental");
    await expectSnapshotEqualsStore(dir, "incremental");
    const full = await tempDir();
    expectSucceeded(await sync(full, { mode: "full" }), "full");
    await expectSnapshotEqualsStore(full, "full");
    // The long value has made its point; the next test's syncs need not copy it again.
    await owner.query(`update learner.credit_report set rejection_reason = 'Too long' where octet_length(rejection_reason) > 1000000`);
  });

  it("property: random Unicode, control characters, quotes and separators in every text column sync byte for byte", { timeout: 600_000 }, async () => {
    // One character: any code point but NUL and surrogates, often one of the troublemakers.
    const char = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom("\r", "\n", '"', ",", "\\", "\t", "\u2028", "\uFEFF", "\u0301", "🏥", "'", ";", "|", "\u0085", "\u00a0") },
      { weight: 2, arbitrary: fc.integer({ min: 1, max: 0x1f }).map((c) => String.fromCodePoint(c)) },
      { weight: 5, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }).filter((s) => !s.includes("\u0000")) },
    );
    const text = fc.string({ unit: char, maxLength: 24 });
    const texts = fc.array(text, { minLength: 1, maxLength: 8 });
    const writes = fc.record({
      providerNames: texts,
      formats: fc.array(fc.constantFrom(...ACTIVITY_FORMATS), { minLength: 1, maxLength: 4 }),
      boardCodes: texts,
      rejectionReasons: texts,
      creditTypeNames: texts,
      entryMethods: fc.array(fc.constantFrom("manual", "excel_batch", "tab_delimited", "xml_batch", "web_service"), { minLength: 1, maxLength: 3 }),
    });

    const dir = await tempDir();
    expectSucceeded(await sync(dir, { mode: "full" }), "full");
    let round = 0;
    await fc.assert(
      fc.asyncProperty(writes, async (w) => {
        await write(w, round++);
        const incremental = await sync(dir);
        expectSucceeded(incremental, "incremental");
        await expectSnapshotEqualsStore(dir, "incremental");
        const full = await tempDir();
        expectSucceeded(await sync(full, { mode: "full" }), "full");
        await expectSnapshotEqualsStore(full, "full");
        await rm(full, { recursive: true, force: true });
      }),
      // Each run is two syncs; the store is shared, so a failure is reported as found (no shrinking).
      { numRuns: 10, endOnFailure: true },
    );
  });
});
