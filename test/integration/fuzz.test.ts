// Hostile input against every route (read from app/routes at run time): random and malicious query
// strings, path params and form bodies (urlencoded and multipart), sent as users of a state board
// (supervisor and admin, so every action is reachable), a certifying board and ACCME, and as nobody
// (no cookie, or a forged one). Every answer must be below 500 and carry no stack trace, server path
// or SQL text. A private database, since the POSTs may write. fast-check prints its seed and the
// shrunk request on a failure; FUZZ_RUNS scales the number of runs (default 1).
// Besides random values the generators aim at what broke before (issue 17): extreme and impossible
// dates in every date field (year 0, 9999-12-31, extended and negative years, Feb 30), the pages'
// own "next" links with their cursor tampered (time zone +25:00, year 0000, base64 re-encoding,
// flipped characters, truncation, extra fields), control characters and over-long values, hostile
// redirect targets, and every export in every format.
import fc from "fast-check";
import { type RawBuilder, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPORTS } from "../../app/lib/reports";
import { attribute, postForms, unescapeHtml } from "../support/html-forms";
import { LEAKS } from "../support/leaks";
import { appRoutes, fillPattern, type AppRoute } from "../support/routes";
import { setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const GET_RUNS = Math.max(1, Math.round(10 * SCALE));
const POST_RUNS = Math.max(1, Math.round(40 * SCALE));
/** What is read of each body: enough for any page, and the head of an export (then the download is cancelled). */
const BODY_CAP = 256 * 1024;

// ---------------------------------------------------------------- who asks

interface Identity {
  name: string;
  cookie: string | null;
}
let identities: Identity[] = [];
/** Sessions only the /logout fuzz uses (a sign-out revokes them; after that they are stale cookies). */
let logoutIdentities: Identity[] = [];

/** Real ids per path param, from every organisation (so other boards' ids are tried too). */
const realIds: Record<string, string[]> = {};
/** Per identity: ids of its own organisation, to reach the pages behind the params. */
const ownIds: Record<string, Record<string, string>> = {};

// ---------------------------------------------------------------- what the pages say they accept

/** Query and form field names and values seen on the pages and links. */
const seenNames = new Set<string>(["intent", "_data", "index", "redirectTo", "q", "page", "sort", "dir", "size", "after", "before", "hide", "show"]);
// The renewal queue's "short in" filter: measure ids of the board's rules, another board's, and sub-period ids.
seenNames.add("short");
const seenValues = new Set<string>(["total", "patient-safety", "pain-end-of-life", "participation-1", "participation-99", "total-1"]);
/** The app's own POST forms per route pattern, as their default fields. */
const postFormsByRoute = new Map<string, [string, string][][]>();
/** Per route pattern: every intent its pages' buttons send (the rule editor's add, remove, move, preview and save). */
const intentsByRoute = new Map<string, Set<string>>();
/** Per route pattern: pages' own next/previous links (the page's path and its query with a cursor), to tamper with. */
const cursorLinksByRoute = new Map<string, { path: string; query: string }[]>();

const routes = await appRoutes();
const ROUTE_IDS = routes.map((r) => r.id);

function harvest(pattern: string, path: string, html: string) {
  for (const m of html.matchAll(/href="([^"]*\?[^"]*)"/g)) {
    const href = unescapeHtml(m[1]!);
    const query = href.split("?")[1]!.split("#")[0]!;
    const target = href.split("?")[0] || path;
    if (target === path && /(?:^|&)(?:after|before)=/.test(query)) {
      const links = cursorLinksByRoute.get(pattern) ?? [];
      if (links.length < 4 && !links.some((l) => l.query === query)) links.push({ path, query });
      cursorLinksByRoute.set(pattern, links);
    }
    for (const [k, v] of new URLSearchParams(query)) {
      seenNames.add(k);
      if (v.length <= 100) seenValues.add(v);
    }
  }
  for (const m of html.matchAll(/<(?:input|select|textarea|button|option)\b[^>]*>/g)) {
    const name = attribute(m[0], "name");
    const value = attribute(m[0], "value");
    if (name) seenNames.add(name);
    if (value !== null && value.length <= 100) seenValues.add(value);
    if (name === "intent" && value !== null && m[0].startsWith("<button")) {
      const intents = intentsByRoute.get(pattern) ?? new Set<string>();
      intents.add(value);
      intentsByRoute.set(pattern, intents);
    }
  }
  for (const { action, fields } of postForms(html)) {
    // A form that posts elsewhere (the column chooser's "Remember" posts to /preferences/columns) is that route's.
    const target = action && action.startsWith("/") && !action.includes("?") && !/\d/.test(action) ? action : pattern;
    const forms = postFormsByRoute.get(target) ?? [];
    if (!forms.some((f) => JSON.stringify(f) === JSON.stringify(fields))) forms.push(fields);
    postFormsByRoute.set(target, forms);
  }
}

// ---------------------------------------------------------------- hostile values

const NASTY: string[] = [
  // SQL and escaping
  "' or 1=1--",
  "' OR '1'='1",
  "1; drop table board.decision; --",
  "'; drop table learner.credit_report --",
  "$$",
  "$1",
  "\\",
  "\\'",
  "\\\\",
  "%",
  "_",
  "%_%",
  '"',
  "`",
  "';",
  "' union select 1 --",
  "/*",
  "*/",
  "E'\\x00'",
  "::text",
  "null",
  "NULL",
  "undefined",
  "true",
  "[]",
  "{}",
  '{"a":1}',
  "__proto__",
  "constructor",
  "toString",
  // numbers
  "1e308",
  "-1e308",
  "1e309",
  "-0",
  "NaN",
  "Infinity",
  "-Infinity",
  String(2n ** 63n),
  String(2n ** 63n - 1n),
  String(-(2n ** 63n) - 1n),
  "99999999999999999999",
  "999999999999999999",
  "0",
  "-1",
  "1.5",
  "0x10",
  "1_000",
  "1e-400",
  "0.1e1",
  " 1 ",
  "٣",
  "１２",
  // dates
  "2026-02-30",
  "2026-13-01",
  "0000-00-00",
  "9999-12-31",
  "10000-01-01",
  "-2026-01-01",
  "2026-1-1",
  "02/30",
  "00/00",
  "12/31/99999",
  "0000-01-01",
  "0001-01-01",
  "275760-09-13",
  "+002024-01-01",
  "-000001-01-01",
  "1899-12-31",
  "2101-01-01",
  "2024-02-29",
  "2023-02-29",
  "2025-03-04 12:34:56+25:00",
  "0000-01-01 00:00:00+00",
  // unicode
  "\u202Eevil\u202C",
  "\u200F\u200E",
  "😀",
  "👨‍👩‍👧‍👦",
  "\u0000",
  "a\u0000b",
  "\uFEFF",
  "\uD800",
  "x\uDC00y",
  "é",
  "İı",
  "ß",
  "\u0301",
  "Ω≈ç√",
  "\r\n",
  "\t",
  "\u0001",
  "a\u0008b",
  "\u001b[31mred",
  "\u007f",
  "\u0085",
  "\u000b\u000c",
  "\r",
  " ",
  "",
  // markup and paths
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "javascript:alert(1)",
  "javascript:",
  "//evil.example",
  "//evil",
  "/\t/evil.example",
  "/\\evil",
  "https://evil.example/",
  "../../etc/passwd",
  "..%2f..%2f",
  "=SUM(1)",
  "@cmd",
  // long
  "x".repeat(10_000),
  "9".repeat(10_000),
  "é".repeat(5_000),
  "a,".repeat(3_000),
  "\u0001".repeat(1_000),
  "2024-01-01".repeat(300),
];

/** Raw query fragments that are not valid percent-encoding or not valid UTF-8 once decoded. */
const RAW_FRAGMENTS = ["%", "%z", "%zz", "%FF", "%C0%80", "%ED%A0%80", "%ED%B0%80", "%00", "%E2%80%AE", "%F0%9F%98%80", "%2e%2e%2f", "%252e", "+", "%2B", "%26", "%3D", "%0d%0a", "%C3", "%E2%82"];

/** encodeURIComponent, except that a lone surrogate is written as its (invalid) UTF-8 bytes instead of throwing. */
function encodeLoose(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out += [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("");
    } else out += encodeURIComponent(ch);
  }
  return out;
}

const nasty = fc.constantFrom(...NASTY);

function valueArb(): fc.Arbitrary<string> {
  const plausible = [...seenValues];
  return fc.oneof(
    { weight: 3, arbitrary: plausible.length ? fc.constantFrom(...plausible) : nasty },
    { weight: 4, arbitrary: nasty },
    { weight: 1, arbitrary: fc.string({ maxLength: 24 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
    { weight: 1, arbitrary: fc.double().map((n) => (Object.is(n, -0) ? "-0" : String(n))) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) },
    { weight: 1, arbitrary: fc.date({ noInvalidDate: true, min: new Date(-1e14), max: new Date(1e14) }).map((d) => d.toISOString().slice(0, 10)) },
  );
}

/** The date fields of every screen and export. */
const DATE_FIELDS = ["completedFrom", "completedTo", "submittedFrom", "submittedTo", "from", "to", "endFrom", "endTo"];
const EXTREME_DATES = ["0000-01-01", "0000-06-15", "0000-12-31", "0000-02-29", "0000-00-00", "0001-01-01", "9999-12-31", "10000-01-01", "275760-09-13", "294277-01-01",
  "+002024-01-01", "-2024-01-01", "-000001-01-01", "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "1899-12-31", "1900-01-01", "2100-12-31", "2101-01-01",
  "2024-02-29", "2024-01-01T00:00:00+25:00"];

const pad = (n: number, width: number) => String(Math.abs(n)).padStart(width, "0");

/**
 * A date: named extremes (year 0 above all, which PostgreSQL refuses and zod's date check accepts);
 * well-formed dates in any four-digit year outside the accepted range; or any year from -300,000 to
 * 300,000 with month 0-13 and day 0-32, plain or extended (±YYYYYY).
 */
const extremeDateArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EXTREME_DATES) },
  {
    weight: 2,
    arbitrary: fc
      .record({ y: fc.oneof(fc.integer({ min: 0, max: 1899 }), fc.integer({ min: 2101, max: 9999 })), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) })
      .map(({ y, m, d }) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ y: fc.integer({ min: -300_000, max: 300_000 }), m: fc.integer({ min: 0, max: 13 }), d: fc.integer({ min: 0, max: 32 }), extended: fc.boolean() })
      .map(({ y, m, d, extended }) => `${extended ? (y < 0 ? "-" : "+") + pad(y, 6) : (y < 0 ? "-" : "") + pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`),
  },
);
const datePairArb = fc.tuple(fc.constantFrom(...DATE_FIELDS), extremeDateArb).map(([k, v]) => `${k}=${encodeURIComponent(v)}`);

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A real cursor, tampered: its values made impossible and written back as the app writes them, re-encoded, flipped or cut. */
function tamperedCursorArb(cursor: string): fc.Arbitrary<string> {
  const json = Buffer.from(cursor, "base64url").toString("utf8");
  const rewrite = (edit: (j: string) => string) => Buffer.from(edit(json)).toString("base64url");
  const timestamp = /(\d{4}-\d{2}-\d{2} [0-9:.]{8,15})[+-]\d{2}(?::\d{2})?"/;
  const fixed = [
    rewrite((j) => j.replace(timestamp, '$1+25:00"')),
    rewrite((j) => j.replace(timestamp, '$1-15"')),
    rewrite((j) => j.replace(/"\d{4}-(\d{2}-\d{2})/g, '"0000-$1')),
    rewrite((j) => j.replace(/"\d{4}-\d{2}-\d{2}/g, '"2025-02-30')),
    rewrite((j) => j.replace(/"\d{4}-(\d{2}-\d{2})/g, '"275760-$1')),
    rewrite((j) => j.replace(/]$/, ',"extra"]')),
    rewrite((j) => j.replace(/]]$/, ',"1"]]')),
    rewrite((j) => j.replace(/\["/, '[ "')),
    rewrite((j) => j.replace(/,(\d),/, ",2,")),
    Buffer.from(json).toString("base64"),
    Buffer.from(`${json} `).toString("base64"),
    `${cursor}=`,
    `${cursor}==`,
    cursor.replace(/^\d{4}-\d{2}-\d{2}/, "0000-01-01"),
    cursor.replace(/^\d{4}-\d{2}-\d{2}/, "9999-12-31"),
  ].filter((c) => c !== cursor);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...fixed) },
    { weight: 2, arbitrary: fc.tuple(fc.nat({ max: cursor.length - 1 }), fc.constantFrom(...B64URL, "+", "/", "=", ".", "%")).map(([at, c]) => cursor.slice(0, at) + c + cursor.slice(at + 1)) },
    { weight: 1, arbitrary: fc.nat({ max: cursor.length - 1 }).map((n) => cursor.slice(0, n)) },
    { weight: 1, arbitrary: fc.constantFrom(...B64URL).map((c) => `${cursor}${c}`) },
  );
}

/** One of the route's own next/previous links with its cursor tampered, plus a few random pairs. */
function tamperedLinkArb(route: AppRoute): fc.Arbitrary<string> | null {
  const links = cursorLinksByRoute.get(route.pattern) ?? [];
  if (links.length === 0) return null;
  return fc.constantFrom(...links).chain(({ path, query }) => {
    const params = new URLSearchParams(query);
    const key = params.has("after") ? "after" : "before";
    return fc.tuple(tamperedCursorArb(params.get(key)!), fc.array(fc.oneof(pairArb(), datePairArb), { maxLength: 2 })).map(([cursor, extra]) => {
      params.set(key, cursor);
      return `${path}?${[params.toString(), ...extra].join("&")}`;
    });
  });
}

/** An export's own parameters: every format (and a few it does not offer), and a report table. */
const exportParamsArb = fc.constantFrom("download=csv", "download=csv&table=monthly", "table=months", "table=requirements", "download=xlsx&table=monthly", "table=shortfall&download=csv", "download=pdf", "download=");

function keyArb(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...seenNames) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: nasty },
  );
}

/** One `key=value` pair of a query string or urlencoded body, sometimes with a raw malformed fragment. */
function pairArb(): fc.Arbitrary<string> {
  return fc
    .record({
      key: keyArb(),
      value: fc.oneof({ weight: 1, arbitrary: fc.constant<string | null>(null) }, { weight: 12, arbitrary: valueArb() }),
      dataRoute: fc.constantFrom("root", ...ROUTE_IDS),
      raw: fc.option(fc.constantFrom(...RAW_FRAGMENTS), { freq: 6 }),
    })
    .map(({ key, value, dataRoute, raw }) => {
      if (key === "_data") return `_data=${encodeLoose(dataRoute)}`;
      if (value === null) return encodeLoose(key);
      return `${encodeLoose(key)}=${encodeLoose(value)}${raw ?? ""}`;
    });
}

/** A query string: a few pairs (some of them extreme dates), keys repeated (arrays where a scalar belongs), empty values. */
function queryArb(): fc.Arbitrary<string> {
  return fc
    .record({ pairs: fc.array(fc.oneof({ weight: 5, arbitrary: pairArb() }, { weight: 2, arbitrary: datePairArb }), { maxLength: 6 }), repeat: fc.nat({ max: 3 }) })
    .map(({ pairs, repeat }) => {
      const all = [...pairs];
      if (pairs[0] && repeat) for (let i = 0; i < repeat; i++) all.push(pairs[0].split("=")[0] + `=${i}`);
      return all.join("&");
    });
}

function paramValueArb(name: string): fc.Arbitrary<string> {
  const real = realIds[name] ?? [];
  return fc.oneof(
    { weight: 3, arbitrary: real.length ? fc.constantFrom(...real) : nasty },
    { weight: 3, arbitrary: nasty.filter((s) => s !== "") },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) },
  );
}

function pathArb(route: AppRoute): fc.Arbitrary<string> {
  if (route.params.length === 0) return fc.constant(route.pattern);
  const valueWithRaw = (p: string) => fc.tuple(paramValueArb(p), fc.option(fc.constantFrom(...RAW_FRAGMENTS), { freq: 5 }));
  return fc.tuple(...route.params.map(valueWithRaw)).map((values) => {
    const filled: Record<string, [string, string | null]> = {};
    route.params.forEach((p, i) => (filled[p] = values[i]!));
    return encodeLoosePath(route.pattern, filled);
  });
}

/** fillPattern, but a lone surrogate in a value becomes invalid UTF-8 rather than an exception, and a raw fragment may follow. */
function encodeLoosePath(pattern: string, values: Record<string, [string, string | null]>): string {
  const placeholders: Record<string, string> = {};
  for (const key of Object.keys(values)) placeholders[key] = `\u0001${key}\u0001`;
  return fillPattern(pattern, placeholders).replace(/%01([^%]+)%01/g, (_m, key: string) => {
    const [value, raw] = values[decodeURIComponent(key)]!;
    return encodeLoose(value) + (raw ?? "");
  });
}

// ---------------------------------------------------------------- bodies

interface Body {
  contentType: string | null;
  bytes: Uint8Array;
  /** The text of the fields, for the leak check (a value the request sent may be echoed back). */
  text: string;
}

/** The fields of a form: one of the page's own forms (or none), with some fields changed, repeated, dropped or added. */
function fieldsArb(route: AppRoute): fc.Arbitrary<[string, string][]> {
  const forms = postFormsByRoute.get(route.pattern) ?? [];
  const intents = [...new Set([...forms.flatMap((f) => f.filter(([k]) => k === "intent").map(([, v]) => v)), ...(intentsByRoute.get(route.pattern) ?? [])])];
  const intent = fc.oneof(fc.constantFrom("decide", "supersede", "attributes", "sync", "upload", "delete", "", ...intents), valueArb());
  return fc
    .record({
      base: fc.option(fc.nat({ max: Math.max(0, forms.length - 1) }), { freq: 4 }),
      mutations: fc.array(
        fc.record({ at: fc.nat(), how: fc.constantFrom("replace", "repeat", "drop", "empty"), value: valueArb() }),
        { maxLength: 3 },
      ),
      extra: fc.array(fc.tuple(keyArb(), valueArb()), { maxLength: 3 }),
      intent: fc.option(intent, { freq: 2 }),
    })
    .map(({ base, mutations, extra, intent: chosenIntent }) => {
      const fields: [string, string][] = base !== null && forms[base] ? forms[base]!.map(([k, v]) => [k, v]) : [];
      for (const m of mutations) {
        if (fields.length === 0) break;
        const i = m.at % fields.length;
        const [key] = fields[i]!;
        if (m.how === "replace") fields[i] = [key, m.value];
        else if (m.how === "repeat") fields.push([key, m.value]);
        else if (m.how === "empty") fields[i] = [key, ""];
        else fields.splice(i, 1);
      }
      // The chosen intent is the one pressed: a form's own first button would otherwise win (the first value of a name is read).
      if (chosenIntent !== null) {
        const at = fields.findIndex(([k]) => k === "intent");
        if (at >= 0) fields[at] = ["intent", chosenIntent];
        else fields.push(["intent", chosenIntent]);
      }
      return [...fields, ...extra];
    });
}

const encoder = new TextEncoder();

function urlencodedArb(route: AppRoute): fc.Arbitrary<Body> {
  return fc
    .record({
      fields: fieldsArb(route),
      raw: fc.option(fc.constantFrom(...RAW_FRAGMENTS), { freq: 5 }),
      contentType: fc.constantFrom(
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded;charset=UTF-8",
        "application/x-www-form-urlencoded; charset=utf-16",
        "text/plain",
        "application/json",
        "multipart/form-data",
        null,
      ),
    })
    .map(({ fields, raw, contentType }) => {
      const text = fields.map(([k, v]) => `${encodeLoose(k)}=${encodeLoose(v)}`).join("&") + (raw ?? "");
      const body = contentType === "application/json" ? JSON.stringify(Object.fromEntries(fields)) : text;
      return { contentType, bytes: encoder.encode(body), text: fields.flat().join("\n") };
    });
}

function quoteHeader(s: string): string {
  return s.replace(/["\r\n]/g, (c) => (c === '"' ? "%22" : c === "\r" ? "%0D" : "%0A"));
}

const csvCell = fc.oneof(nasty, fc.string({ maxLength: 12 }), fc.constantFrom("A12345", "Ann", "Lee", "01/31", "1234567893", "2031-10-31", "yes", "No", "35%", "101", "2001-02-30"));
/** Roster headers: the plain one, and ones with licensee attribute columns (kept by CA-M, and one it does not keep). */
const csvHeader = fc.constantFrom(
  "licence_id,first_name,last_name,birth_date,npi,cycle_end",
  "licence_id,first_name,last_name,birth_date,npi,cycle_end,DEA Registrant,Patients 65+ %,Primary Specialty,Original License Date",
  "licence_id,first_name,last_name,birth_date,npi,cycle_end,prescriber,MOC participant",
);
const fileContentArb = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }),
  fc.constant(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 6, 0])),
  fc.constant(new Uint8Array(0)),
  fc
    .tuple(csvHeader, fc.array(fc.array(csvCell, { minLength: 1, maxLength: 10 }), { maxLength: 8 }))
    .map(([header, rows]) => encoder.encode([header, ...rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(","))].join("\r\n"))),
  fc.constantFrom("licence_id,first_name\n", "\uFEFFboard_id;first_name;last_name;birth_date;npi;cycle_end\n1;a;b;01/01;;2030-01-01", "a\tb\tc\n1\t2\t3").map((s) => encoder.encode(s)),
);

function multipartArb(route: AppRoute): fc.Arbitrary<Body> {
  return fc
    .record({
      fields: fieldsArb(route),
      file: fc.option(
        fc.record({
          name: fc.constantFrom("file", "file", "upload", ""),
          filename: fc.oneof(fc.constantFrom("roster.csv", "roster.xlsx", "", "../../etc/passwd", "a\"b.csv", "😀.csv"), nasty),
          type: fc.constantFrom("text/csv", "application/vnd.ms-excel", "application/octet-stream", "image/png", "text/plain; charset=windows-1252", ""),
          content: fileContentArb,
        }),
        { freq: 2 },
      ),
      malformed: fc.constantFrom("none", "none", "none", "none", "no-end", "wrong-boundary", "no-boundary", "bad-header", "truncated"),
    })
    .map(({ fields, file, malformed }) => {
      const boundary = "----fuzzBoundary7MA4YWxkTrZu0gW";
      const chunks: Uint8Array[] = [];
      for (const [k, v] of fields) {
        chunks.push(encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${quoteHeader(k)}"\r\n\r\n${v}\r\n`));
      }
      if (file) {
        chunks.push(
          encoder.encode(
            `--${boundary}\r\nContent-Disposition: form-data; name="${quoteHeader(file.name)}"; filename="${quoteHeader(file.filename)}"\r\n${file.type ? `Content-Type: ${file.type}\r\n` : ""}\r\n`,
          ),
        );
        chunks.push(file.content, encoder.encode("\r\n"));
      }
      if (malformed === "bad-header") chunks.push(encoder.encode(`--${boundary}\r\nContent-Disposition: form-data\r\nname=x\r\n\r\ny\r\n`));
      if (malformed !== "no-end") chunks.push(encoder.encode(`--${boundary}--\r\n`));
      let bytes = concat(chunks);
      if (malformed === "truncated") bytes = bytes.slice(0, Math.floor(bytes.length / 2));
      const contentType =
        malformed === "wrong-boundary" ? "multipart/form-data; boundary=other" : malformed === "no-boundary" ? "multipart/form-data" : `multipart/form-data; boundary=${boundary}`;
      return { contentType, bytes, text: [...fields.flat(), file?.filename ?? ""].join("\n") };
    });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// ---------------------------------------------------------------- sending and checking

const stats = { requests: 0, byStatus: new Map<number, number>(), slowest: { ms: 0, what: "" }, started: 0, bytesRead: 0 };

async function readCapped(response: Response): Promise<{ bytes: Uint8Array; complete: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(0), complete: true };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: concat(chunks), complete: true };
    chunks.push(value);
    size += value.length;
    if (size >= BODY_CAP) {
      await reader.cancel();
      return { bytes: concat(chunks), complete: false };
    }
  }
}

interface Sent {
  method: string;
  path: string;
  identity: Identity;
  body?: Body;
}

function describeRequest(s: Sent): string {
  const body = s.body ? ` [${s.body.contentType ?? "no content-type"}] ${new TextDecoder().decode(s.body.bytes.slice(0, 400))}` : "";
  return `${s.method} ${s.path.slice(0, 400)} as ${s.identity.name}${body}`;
}

/** Sends one request and checks the answer; throws (for fast-check to shrink) when it is a 5xx or leaks. */
async function send(s: Sent, baseUrl = app.server.baseUrl): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (s.identity.cookie) headers.cookie = s.identity.cookie;
  if (s.method !== "GET") headers.origin = baseUrl;
  if (s.body?.contentType) headers["content-type"] = s.body.contentType;
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${s.path}`, { method: s.method, redirect: "manual", headers, body: s.body ? (s.body.bytes as BodyInit) : undefined });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : "";
    throw new Error(`no usable answer (${String(error)} ${cause}): ${describeRequest(s)}`);
  }
  let read: { bytes: Uint8Array; complete: boolean };
  try {
    read = await readCapped(response);
  } catch (error) {
    throw new Error(`the body broke off (${String(error)}) after status ${response.status}: ${describeRequest(s)}`);
  }
  const ms = performance.now() - started;
  stats.requests++;
  stats.bytesRead += read.bytes.length;
  stats.byStatus.set(response.status, (stats.byStatus.get(response.status) ?? 0) + 1);
  if (ms > stats.slowest.ms) stats.slowest = { ms, what: describeRequest(s).slice(0, 200) };

  const type = response.headers.get("content-type") ?? "";
  const binary = /spreadsheetml|zip|octet-stream/.test(type);
  const text = binary ? "" : new TextDecoder().decode(read.bytes);
  if (response.status >= 500) throw new Error(`status ${response.status}: ${describeRequest(s)}\n${text.slice(0, 500)}`);
  if (binary && response.status === 200 && read.bytes.length > 0 && !(read.bytes[0] === 0x50 && read.bytes[1] === 0x4b)) {
    throw new Error(`a ${type} download that is not a zip: ${describeRequest(s)}`);
  }
  const plain = unescapeHtml(text).replace(/\\u003c/g, "<").replace(/\\"/g, '"');
  const sentText = `${safeDecode(s.path)}\n${s.body?.text ?? ""}`;
  for (const [what, pattern] of LEAKS) {
    const found = plain.match(new RegExp(pattern.source, `${pattern.flags.replace("g", "")}g`)) ?? [];
    // A value the request itself sent may be echoed back (truncated) beside its field: not a leak.
    const leaked = found.filter((m) => !sentText.includes(m.trim()));
    if (leaked.length) throw new Error(`${what} in the answer (${response.status}): ${JSON.stringify(leaked[0]!.slice(0, 200))}\n${describeRequest(s)}`);
  }
  return { status: response.status, text };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/** fc.assert, but the report is kept short (hostile values run to 10 kB): seed, path, the shrunk case and its error. */
async function assertProperty<T>(arb: fc.Arbitrary<T>, numRuns: number, run: (value: T) => Promise<void>) {
  const result = await fc.check(fc.asyncProperty(arb, run), { numRuns });
  if (!result.failed) return;
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}… (${s.length} characters)` : s);
  const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
  throw new Error(
    `Property failed after ${result.numRuns} runs (replay with { seed: ${result.seed}, path: "${result.counterexamplePath}" }), shrunk ${result.numShrinks} times.\n` +
      `Counterexample: ${clip(fc.stringify(result.counterexample), 1500)}\n${clip(error, 2500)}`,
  );
}

// ---------------------------------------------------------------- set-up

beforeAll(async () => {
  const base = app.server.baseUrl;
  const db = app.database.owner;
  const who = [
    ["state board supervisor (CA-M)", "supervisor@ca-m.demo.test", "CA-M"],
    ["state board admin (CA-M)", "admin@ca-m.demo.test", "CA-M"],
    ["certifying board supervisor (ABIM)", "supervisor@abim.demo.test", "ABIM"],
    ["accreditor admin (ACCME)", "admin@accme.demo.test", "ACCME"],
  ] as const;
  const cookies = await Promise.all(who.map(([, email]) => signIn(base, email)));
  identities = [
    ...who.map(([name], i) => ({ name, cookie: cookies[i]! })),
    { name: "nobody", cookie: null },
    { name: "a forged session", cookie: "__session=eyJzaWQiOiIwMDAwIn0%3D.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
  ];
  const logoutCookies = await Promise.all(["reviewer@ca-m.demo.test", "reviewer@abim.demo.test", "reviewer@accme.demo.test"].map((e) => signIn(base, e)));
  logoutIdentities = [...logoutCookies.map((cookie, i) => ({ name: `sign-out session ${i + 1}`, cookie })), { name: "nobody", cookie: null }];

  // A sample to look at (the demo has none until someone draws one).
  const drawn = await send({
    method: "POST",
    path: "/renewals/samples",
    identity: identities[0]!,
    body: { contentType: "application/x-www-form-urlencoded", bytes: encoder.encode("endFrom=2020-01-01&endTo=2035-12-31&size=5&seed=fuzz"), text: "" },
  });
  expect(drawn.status).toBe(302);

  const ids = async (query: RawBuilder<{ org: string; id: string }>) => (await query.execute(db)).rows;
  const perParam: Record<string, { org: string; id: string }[]> = {
    licenseeId: await ids(sql`select * from (select distinct on (board_code) board_code as org, learner_id::text as id from learner.credit_report
      where board_code in ('CA-M', 'ABIM', 'MD-M') and deleted_at is null order by board_code, learner_id) x`),
    activityId: await ids(sql`select * from (select distinct on (board_code) board_code as org, activity_id as id from learner.credit_report
      where board_code in ('CA-M', 'ABIM', 'MD-M') and deleted_at is null order by board_code, activity_id) x`),
    entryId: await ids(sql`select * from (select distinct on (e.org_code) e.org_code as org, e.id::text as id from board.roster_entry e
      where e.org_code in ('CA-M', 'ABIM', 'MD-M') order by e.org_code, exists (select 1 from board.decision d where d.entry_id = e.id) desc, e.id) x`),
    uploadId: await ids(sql`select * from (select distinct on (org_code) org_code as org, id::text as id from board.roster_upload
      where org_code in ('CA-M', 'ABIM', 'MD-M') order by org_code, id) x`),
    sampleId: await ids(sql`select org_code as org, id::text as id from board.audit_sample order by id limit 3`),
  };
  // Official transcripts' verification codes: one issued by each of these organizations, printed with dashes.
  await sql`
    insert into board.issued_transcript (code, org_code, learner_id, period, issued_by, content_hash, totals)
    select 'FVZZ0000000' || n, o.org, (select min(learner_id) from learner.credit_report r where r.board_code = o.org),
           daterange('2024-01-01', '2024-12-31', '[]'), (select id from board.staff_user u where u.org_code = o.org order by email limit 1),
           repeat('0', 64), '{"boards":[]}'
    from (values ('CA-M', 1), ('ABIM', 2), ('MD-M', 3)) as o(org, n)`.execute(db);
  perParam.code = await ids(sql`select org_code as org, substr(code, 1, 4) || '-' || substr(code, 5, 4) || '-' || substr(code, 9, 4) as id from board.issued_transcript where code like 'FVZZ%' order by code`);
  perParam.report = REPORTS.map((r) => ({ org: "*", id: r.id }));
  // A staff member of each organization for its admin's page of them (not one of the identities above,
  // whose sessions a fuzzed deactivation would end), and an open invitation link of CA-M's.
  perParam.userId = await ids(sql`
    insert into board.staff_user (email, display_name, password_hash, role, org_code)
    select 'fuzz-target@' || lower(code) || '.example.gov', 'Fuzz target ' || code, (select password_hash from board.staff_user limit 1), 'reviewer', code
    from board.organisation where code in ('CA-M', 'ABIM', 'ACCME')
    returning org_code as org, id::text as id`);
  const invited = await send({
    method: "POST",
    path: "/admin/users/invite",
    identity: identities[1]!,
    body: { contentType: "application/x-www-form-urlencoded", bytes: encoder.encode("email=fuzz-invitee%40ca-m.example.gov&role=reviewer&validDays=7"), text: "" },
  });
  const token = /\/invite\/([A-Za-z0-9_-]{43})/.exec(invited.text)?.[1];
  expect(token, "an invitation link for the fuzz").toBeTruthy();
  perParam.token = [{ org: "CA-M", id: token! }];
  // The organization whose own sign-in /sso/:org starts (public): its code as the sign-in page links it.
  perParam.org = ["CA-M", "ABIM", "ACCME", "MD-M"].map((code) => ({ org: code, id: code.toLowerCase() }));
  for (const [param, rows] of Object.entries(perParam)) realIds[param] = rows.map((r) => r.id);
  who.forEach(([name, , org]) => {
    ownIds[name] = {};
    for (const [param, rows] of Object.entries(perParam)) {
      const own = rows.find((r) => r.org === org || r.org === "*") ?? rows.find((r) => r.org === "CA-M") ?? rows[0];
      if (own) ownIds[name]![param] = own.id;
    }
  });

  // What the pages offer: field names, values and the app's own POST forms.
  for (const route of routes.filter((r) => r.hasLoader)) {
    for (const identity of [...identities.slice(0, 4), identities.find((i) => i.cookie === null)!]) {
      const values = ownIds[identity.name] ?? ownIds[identities[0]!.name]!;
      if (route.params.some((p) => values[p] === undefined)) continue;
      const path = fillPattern(route.pattern, values);
      const { status, text } = await send({ method: "GET", path, identity });
      if (status === 200 && text.startsWith("<!DOCTYPE html>")) harvest(route.pattern, path, text);
    }
  }
  stats.started = performance.now();
}, 120_000);

afterAll(() => {
  const seconds = (performance.now() - stats.started) / 1000;
  const statuses = [...stats.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(" ");
  console.log(
    `fuzz: ${stats.requests} requests in ${seconds.toFixed(1)} s (${(stats.requests / seconds).toFixed(0)}/s), ${(stats.bytesRead / 1e6).toFixed(1)} MB read; ${statuses}; slowest ${stats.slowest.ms.toFixed(0)} ms: ${stats.slowest.what}`,
  );
});

// ---------------------------------------------------------------- the fuzz


describe("every route answers hostile input without a 5xx or a leak", () => {
  it("found the routes and the pages' fields", () => {
    expect(routes.length).toBeGreaterThan(20);
    expect(seenNames.size).toBeGreaterThan(40);
    for (const pattern of ["/login", "/renewals/:entryId", "/renewals/rules", "/renewals/samples", "/renewals/bulk", "/admin/analytics", "/admin/users", "/admin/users/invite", "/admin/users/:userId", "/account", "/invite/:token", "/admin/sso", "/account/security", "/preferences/columns"]) {
      expect(postFormsByRoute.get(pattern)?.length ?? 0, pattern).toBeGreaterThan(0);
    }
    // The entry page's form of what the board knows of the licensee, with its attribute fields.
    const entryForms = postFormsByRoute.get("/renewals/:entryId") ?? [];
    expect(entryForms.some((f) => f.some(([k, v]) => k === "intent" && v === "attributes") && f.some(([k]) => k.startsWith("attr.")))).toBe(true);
  });

  for (const route of routes.filter((r) => r.hasLoader)) {
    it(`GET ${route.pattern}`, async () => {
      // An export is asked for in every format it offers (XLSX, the costly one, less often), with an extreme date two times in three.
      const isExport = route.pattern.includes("export");
      const queryOf = isExport
        ? fc.tuple(exportParamsArb, fc.option(datePairArb, { freq: 3 }), queryArb()).map((parts) => parts.filter(Boolean).join("&"))
        : queryArb();
      await assertProperty(fc.record({ path: pathArb(route), query: queryOf }), GET_RUNS, async ({ path, query }) => {
        const target = query ? `${path}?${query}` : path;
        await Promise.all(identities.map((identity) => send({ method: "GET", path: target, identity })));
      });
    });
  }

  it("GET every grid's own page links, their cursors tampered", async () => {
    // The grids' next/previous links were read from the pages; a page that fits on one page has none.
    expect([...cursorLinksByRoute.keys()]).toEqual(expect.arrayContaining(["/activities", "/credits", "/renewals"]));
    for (const route of routes.filter((r) => cursorLinksByRoute.has(r.pattern))) {
      await assertProperty(tamperedLinkArb(route)!, GET_RUNS, async (target) => {
        await Promise.all(identities.map((identity) => send({ method: "GET", path: target, identity })));
      });
    }
  });

  for (const route of routes.filter((r) => r.hasAction)) {
    it(`POST ${route.pattern}`, async () => {
      const who = route.pattern === "/logout" ? logoutIdentities : identities;
      const arb = fc.record({
        path: pathArb(route),
        query: queryArb(),
        index: fc.boolean(),
        method: fc.constantFrom("POST", "POST", "POST", "POST", "PUT", "PATCH", "DELETE"),
        body: fc.oneof(urlencodedArb(route), multipartArb(route)),
      });
      await assertProperty(arb, POST_RUNS, async ({ path, query, index, method, body }) => {
        const search = [route.index && index ? "index" : "", query].filter(Boolean).join("&");
        const target = search ? `${path}?${search}` : path;
        await Promise.all(who.map((identity) => send({ method, path: target, identity, body })));
      });
    });
  }
});
