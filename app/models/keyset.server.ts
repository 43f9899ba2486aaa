// Keyset pagination shared by every server-side grid: sort keys as SQL expressions with a type,
// cursors that carry the last row's key values (opaque, checked before they reach SQL), and the
// row-comparison condition that continues after (or before) them.
import { sql, type RawBuilder, type SqlBool } from "kysely";
import { z } from "zod";
import { isDateInRange } from "../lib/dates";

export type KeyType = "text" | "date" | "timestamptz" | "numeric" | "int" | "bigint" | "bpchar";

export interface SortKey {
  expr: RawBuilder<unknown>;
  type: KeyType;
}

export const key = (expr: RawBuilder<unknown>, type: KeyType): SortKey => ({ expr, type });

/** A folded (case- and accent-free) text column in byte order: how names and titles sort. */
export const foldC = (column: string) => sql`(learner.fold(${sql.ref(column)}) collate "C")`;

/**
 * `folded` (in byte order) starts with the folded `value`, literally: a byte range, which an index on
 * the folded column serves even under row-level security (only leakproof operators may drive an
 * index there, and LIKE is not one). U+10FFFF sorts after every character in byte order.
 */
export const startsWithFolded = (folded: RawBuilder<unknown>, value: string) =>
  sql<SqlBool>`(${folded} >= learner.fold(${value}) and ${folded} < learner.fold(${value}) || chr(1114111))`;

/**
 * A timestamp as PostgreSQL writes it in text (`2026-03-04 12:34:56.789+00`, `…-05:30`), its date
 * in the app's range (app/lib/dates.ts: no year 0, no year past 2100) and its offset within the
 * ±14:00 that real time zones use (PostgreSQL refuses a displacement past ±15:59, e.g. `+25`).
 */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?([+-])(\d{2})(?::(\d{2}))?$/;

export function isCursorTimestamp(value: string): boolean {
  const m = TIMESTAMP.exec(value);
  if (!m) return false;
  const [, date, hh, mi, ss, , oh, om] = m as unknown as [string, string, string, string, string, string, string, string | undefined];
  if (!isDateInRange(date) || Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) return false;
  const offsetMinutes = Number(oh) * 60 + Number(om ?? "0");
  return Number(om ?? "0") < 60 && offsetMinutes <= 14 * 60;
}

/** What a cursor value of each type may look like: checked before any cast in SQL. */
const CURSOR_VALUE: Record<KeyType, z.ZodType<string>> = {
  // PostgreSQL text cannot hold U+0000: a cursor carrying one is not a page link the app wrote.
  text: z.string().max(300).refine((v) => !v.includes("\u0000")),
  bpchar: z.string().regex(/^\d{7,9}$/),
  date: z.string().refine(isDateInRange),
  timestamptz: z.string().refine(isCursorTimestamp),
  numeric: z.string().regex(/^-?\d{1,6}(\.\d{1,2})?$/),
  int: z.string().regex(/^-?\d{1,9}$/),
  bigint: z.string().regex(/^\d{1,18}$/),
};

export interface Cursor {
  sort: string;
  desc: boolean;
  values: string[];
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.desc ? 1 : 0, cursor.values])).toString("base64url");
}

/**
 * The cursor's key values if it is well-formed and belongs to this sort; otherwise null (the page
 * then shows its first page with a notice). Only the exact text `encodeCursor` writes is accepted:
 * Node's base64url decoder also reads `+`, `/`, `=` padding, stray characters and spare bits, and
 * JSON.parse reads extra spaces, so a re-encoded or edited cursor could otherwise decode to values
 * nobody checked in that form. A cursor is a link we wrote, never something a user composes.
 */
export function decodeCursor(text: string, sort: { id: string; desc: boolean }, types: readonly KeyType[]): string[] | null {
  if (!/^[A-Za-z0-9_-]{1,800}$/.test(text)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const shape = z.tuple([z.string(), z.union([z.literal(0), z.literal(1)]), z.array(z.string()).length(types.length)]).safeParse(parsed);
  if (!shape.success) return null;
  const [sortId, desc, values] = shape.data;
  if (sortId !== sort.id || (desc === 1) !== sort.desc) return null;
  if (encodeCursor({ sort: sortId, desc: desc === 1, values }) !== text) return null;
  return values.every((v, i) => CURSOR_VALUE[types[i] as KeyType].safeParse(v).success) ? values : null;
}

function castTo(value: string, type: KeyType): RawBuilder<unknown> {
  switch (type) {
    case "text":
      return sql`${value}::text`;
    case "bpchar":
      return sql`${value}::bpchar`;
    case "date":
      return sql`${value}::date`;
    case "timestamptz":
      return sql`${value}::timestamptz`;
    case "numeric":
      return sql`${value}::numeric`;
    case "int":
      return sql`${value}::int`;
    case "bigint":
      return sql`${value}::bigint`;
  }
}

/**
 * (k1, …, kn) after (or, descending, before) the cursor's values: a single index range.
 *
 * `expandFirst` writes `k1 < v1 or (k1 = v1 and (k2, …) < (v2, …))` instead, for a first key that
 * the query also binds by equality (the board code): PostgreSQL 17.10 returned rows of the wrong
 * board for `board_code = $b and (board_code, …) < (…)` in a backward index scan (found by
 * test/integration/credit-search.test.ts, "sorts by board"), so that form is never generated.
 */
export function keysetCondition(
  exprs: readonly RawBuilder<unknown>[],
  types: readonly KeyType[],
  values: readonly string[],
  descending: boolean,
  options: { expandFirst?: boolean } = {},
): RawBuilder<SqlBool> {
  const casts = values.map((v, i) => castTo(v, types[i] as KeyType));
  const op = descending ? sql`<` : sql`>`;
  if (options.expandFirst && exprs.length > 1) {
    const [first, ...rest] = exprs;
    const [firstValue, ...restValues] = casts;
    return sql<SqlBool>`(${first} ${op} ${firstValue} or (${first} = ${firstValue} and (${sql.join(rest)}) ${op} (${sql.join(restValues)})))`;
  }
  return sql<SqlBool>`(${sql.join(exprs)}) ${op} (${sql.join(casts)})`;
}
