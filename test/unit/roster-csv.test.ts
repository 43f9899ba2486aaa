// Reading roster CSVs: columns by any accepted header name, exact line numbers and reasons for bad
// rows, whole-file problems, encodings; properties: a valid row written by csv-stringify reads back
// to the same values on the right line, and no input, however odd, makes the reader throw.
import { stringify } from "csv-stringify/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attributeForHeader, ROSTER_LIMITS, type RosterParseResult, type RosterRow } from "../../domain/roster-csv";
import { attributesOf, LICENSEE_ATTRIBUTES } from "../../domain/licensee-attributes";
import { parse as parseCsv } from "csv-parse/sync";
import { ColumnCounter, parseRosterCsv, Refused, streamRosterCsv, type RosterBatch } from "../../app/lib/roster-csv-stream.server";
import { makeNpi } from "../../domain/npi";

const HEADER = "licence_id,first_name,last_name,birth_date,npi,cycle_end";

function ok(result: RosterParseResult) {
  if (!result.ok) throw new Error(`expected a readable file, got: ${result.problem}`);
  return result;
}
function problem(result: RosterParseResult): string {
  if (result.ok) throw new Error("expected a whole-file problem");
  return result.problem;
}

describe("parseRosterCsv: rows", () => {
  it("keeps good rows and reports each bad one with its physical line, a sentence naming the field, and the raw text", async () => {
    const csv = [
      HEADER,
      "A20001,John,Smith,03/17,1234567893,2026-03-31",
      "A20002,Mary,Jones,13/40,,2026-04-30",
      "",
      "A20003,Zoë,O'Brien,2/29,,3/31/2026",
      "A20004,\"Anne\nMarie\",Núñez,07/04,,2026-05-31",
      "A20005,Wei,Chen,07/04,123,2026-02-30",
      ",Priya,Patel,01/01,,2026-06-30",
      "A20006,J0hn,Smith,05/05,1234567890,2026-06-30",
      "A20007,Ana,Lopez,05/05,,2026-06-30,extra",
      "A20008,Ana,Lopez,05/05",
      "a20009 ,  Seán  , De la Cruz ,12/31,,2026-12-31",
    ].join("\n");
    const result = ok(await parseRosterCsv(csv));
    expect(result.rows.map((r) => [r.line, r.rosterKey, r.firstName, r.lastName, r.birthMonth, r.birthDay, r.npi, r.cycleEnd])).toEqual([
      [2, "A20001", "John", "Smith", 3, 17, "1234567893", "2026-03-31"],
      [5, "A20003", "Zoë", "O'Brien", 2, 29, null, "2026-03-31"],
      [6, "A20004", "Anne Marie", "Núñez", 7, 4, null, "2026-05-31"],
      [13, "A20009", "Seán", "De la Cruz", 12, 31, null, "2026-12-31"],
    ]);
    expect(result.errors).toEqual([
      { line: 3, reason: "Birth date “13/40” is not a real MM/DD.", raw: "A20002,Mary,Jones,13/40,,2026-04-30" },
      { line: 8, reason: "NPI “123” is not 10 digits. Cycle end “2026-02-30” is not a real date.", raw: "A20005,Wei,Chen,07/04,123,2026-02-30" },
      { line: 9, reason: "License number is empty.", raw: ",Priya,Patel,01/01,,2026-06-30" },
      {
        line: 10,
        reason: "First name “J0hn” has characters a name cannot have (use letters, spaces, apostrophes, hyphens and periods). NPI “1234567890” fails the NPI check digit (a digit is wrong).",
        raw: "A20006,J0hn,Smith,05/05,1234567890,2026-06-30",
      },
      { line: 11, reason: "The row has 7 values but the header has 6 columns (a value with a comma in it must be in double quotes).", raw: "A20007,Ana,Lopez,05/05,,2026-06-30,extra" },
      { line: 12, reason: "The row has 4 values but the header has 6 columns.", raw: "A20008,Ana,Lopez,05/05" },
    ]);
    expect(result.totalRows).toBe(10);
  });

  it("accepts header aliases in any case with spaces or underscores, in any order, and names the id column as the file does", async () => {
    const csv = "Last Name;FIRST_NAME;Board ID;DOB;Expiration Date;Specialty\nKim;Yuki;100234;9/9;12/31/2027;IM\nKim;Yuki;100235;9/31;2027-01-01;IM\n";
    const result = ok(await parseRosterCsv(csv));
    expect(result.keyLabel).toBe("board ID");
    expect(result.ignoredColumns).toEqual(["Specialty"]);
    expect(result.rows).toEqual([{ line: 2, rosterKey: "100234", firstName: "Yuki", lastName: "Kim", birthMonth: 9, birthDay: 9, npi: null, cycleEnd: "2027-12-31", attributes: {} }]);
    expect(result.errors).toEqual([{ line: 3, reason: "Birth date “9/31” is not a real MM/DD.", raw: "Kim;Yuki;100235;9/31;2027-01-01;IM" }]);
  });

  it("names the cycle-end column as the file does", async () => {
    const result = ok(await parseRosterCsv("license_id,first_name,last_name,birth_mmdd,expiry_date\nX1,Ann,Lee,01/02,soon\n"));
    expect(result.errors[0]?.reason).toBe("Expiry date “soon” is not a date (use YYYY-MM-DD or MM/DD/YYYY).");
    const id = ok(await parseRosterCsv("id,first_name,last_name,birth_mmdd,cycle_end\nX 1,Ann,Lee,01/02,2026-01-01\n"));
    expect(id.errors[0]?.reason).toBe("Id “X 1” may only have letters, digits, dots and hyphens.");
  });

  it("handles a byte-order mark and CRLF line ends, and drops the year of a full birth date", async () => {
    const csv = `\uFEFF${HEADER}\r\nA1,Ann,Lee,01/02/1970,,2026-01-31\r\nA2,Bob,Ray,1970-02-03,,2026-01-31\r\n`;
    const result = ok(await parseRosterCsv(new TextEncoder().encode(csv)));
    expect(result.rows.map((r) => [r.line, r.rosterKey, r.birthMonth, r.birthDay])).toEqual([[2, "A1", 1, 2], [3, "A2", 2, 3]]);
    expect(result.errors).toEqual([]);
  });

  it("reads windows-1252 (Excel's plain CSV) and UTF-16 (Excel's Unicode text) files", async () => {
    const latin = Uint8Array.from([...new TextEncoder().encode(`${HEADER}\nA1,Ren`), 0xe9, ...new TextEncoder().encode("e,M\u00fcller,03/04,,2026-01-31\n".replace("\u00fc", "u"))]);
    const read = ok(await parseRosterCsv(latin));
    expect(read.encoding).toBe("windows-1252");
    expect(read.rows[0]?.firstName).toBe("Renée");
    const text = `${HEADER.replaceAll(",", "\t")}\r\nA1\tChloé\tMüller\t03/04\t\t2026-01-31\r\n`;
    const utf16 = new Uint8Array(2 + text.length * 2);
    utf16[0] = 0xff;
    utf16[1] = 0xfe;
    for (let i = 0; i < text.length; i++) {
      utf16[2 + i * 2] = text.charCodeAt(i) & 0xff;
      utf16[3 + i * 2] = text.charCodeAt(i) >> 8;
    }
    const wide = ok(await parseRosterCsv(utf16));
    expect(wide.encoding).toBe("utf-16");
    expect(wide.rows[0]).toMatchObject({ firstName: "Chloé", lastName: "Müller", birthMonth: 3, birthDay: 4 });
  });

  it("accepts two-digit US years for the cycle end as this century", async () => {
    const result = ok(await parseRosterCsv(`${HEADER}\nA1,Ann,Lee,01/02,,3/31/27\n`));
    expect(result.rows[0]?.cycleEnd).toBe("2027-03-31");
  });
});

describe("parseRosterCsv: whole-file problems", () => {
  it.each([
    ["", "The file is empty."],
    ["\n\n  \n", "The file is empty."],
    [`${HEADER}\n`, "The file has a header but no rows."],
    [`${HEADER}\n\n,,,,,\n`, "The file has a header but no rows."],
  ])("%j", async (csv, message) => {
    expect(problem(await parseRosterCsv(csv))).toBe(message);
  });

  it("refuses a line longer than 64 kB or of more than 100 columns, naming the line, before it is a record", async () => {
    const longLine = `Line 4 is longer than ${ROSTER_LIMITS.maxLineKb} kB (a roster row is well under 1 kB), so the file was not read.`;
    const wideLine = (line: number) => `Line ${line} has more than ${ROSTER_LIMITS.maxColumns} columns (a roster has about 10), so the file was not read.`;
    const start = `${HEADER}\nA1,Ann,Lee,01/02,,2026-01-31\n\n`;
    // One value of 70,000 characters; one a quote opens and never closes, over many lines, is
    // stopped at the limit too, and named for what it is.
    expect(problem(await parseRosterCsv(`${start}A2,${"x".repeat(70_000)},Lee,01/02,,2026-01-31\n`))).toContain(longLine);
    expect(problem(await parseRosterCsv(`${start}A2,"${"x\n".repeat(40_000)},Lee\n`))).toMatch(/^A value starting with a double quote \("\) on line 4 is never closed/);
    // Separators alone: a whole line of them, and the header itself.
    expect(problem(await parseRosterCsv(`${start}${",".repeat(1_000_000)}\n`))).toContain(wideLine(4));
    expect(problem(await parseRosterCsv(`${HEADER}${",x".repeat(100)}\nA1,Ann,Lee,01/02,,2026-01-31\n`))).toContain(wideLine(1));
    // 100 columns are read (the unknown ones ignored).
    ok(await parseRosterCsv(`${HEADER}${",x".repeat(100 - 6)}\nA1,Ann,Lee,01/02,,2026-01-31\n`));
  });

  it("names the missing columns when there is no usable header", async () => {
    expect(problem(await parseRosterCsv("A1,Ann,Lee,01/02,,2026-01-31\n"))).toBe(
      "The first line must be a header naming the columns. Missing: license number or board ID (license_id, licence_id, board_id or id); first name (first_name); last name (last_name); birth date as MM/DD (birth_date or birth_mmdd); cycle end (cycle_end, expiry_date or expiration_date).",
    );
    expect(problem(await parseRosterCsv("licence_id,first_name,last_name,cycle_end\nA1,Ann,Lee,2026-01-31\n"))).toBe(
      "The first line must be a header naming the columns. Missing: birth date as MM/DD (birth_date or birth_mmdd).",
    );
  });

  it("refuses two columns for the same field", async () => {
    expect(problem(await parseRosterCsv("licence_id,board_id,first_name,last_name,birth_date,cycle_end\n"))).toBe(
      "Two columns give the license number or board ID: “licence_id” and “board_id”. Keep one of them.",
    );
  });

  it("refuses duplicate licensee cycles, naming their lines", async () => {
    const csv = [HEADER, "A1,Ann,Lee,01/02,,2026-01-31", "A2,Bob,Ray,01/02,,2026-01-31", "a1,Ann,Lee,01/02,,01/31/2026", "A1,Ann,Lee,01/02,,2027-01-31"].join("\n");
    expect(problem(await parseRosterCsv(csv))).toBe(
      "License number A1 with cycle end 2026-01-31 is on lines 2 and 4. Each licensee's cycle may appear once: remove the duplicates and upload the file again.",
    );
  });

  it("refuses binary files and office documents with a message that says what to do", async () => {
    expect(problem(await parseRosterCsv(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])))).toMatch(/^The file is an Excel workbook \(\.xlsx\)/);
    expect(problem(await parseRosterCsv(Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1])))).toMatch(/^The file is an old Excel workbook/);
    expect(problem(await parseRosterCsv(new TextEncoder().encode("%PDF-1.7\n")))).toBe("The file is a PDF, not CSV. Upload the roster as a CSV file.");
    expect(problem(await parseRosterCsv(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])))).toMatch(/^The file is not a CSV text file/);
  });

  // Reads 100,001 rows: seconds on a busy two-core machine.
  it("refuses a file over the size or row limit", { timeout: 30_000 }, async () => {
    expect(problem(await parseRosterCsv(new Uint8Array(ROSTER_LIMITS.maxBytes + 1).fill(0x41)))).toBe(
      "The file is 5.0 MB; the limit is 5 MB. Split the roster into smaller files.",
    );
    const many = [HEADER, ...Array.from({ length: ROSTER_LIMITS.maxRows + 1 }, (_, i) => `A${i},A,B,1/1,,2026-01-01`)].join("\n");
    expect(problem(await parseRosterCsv(many))).toBe("The file has more rows than the limit of 100,000. Split the roster into smaller files.");
  });

  it("points at the line of a quote that is never closed", async () => {
    const csv = [HEADER, "A1,Ann,Lee,01/02,,2026-01-31", "A2,\"Bob,Ray,01/02,,2026-01-31", "A3,Cy,Day,01/02,,2026-01-31"].join("\n");
    expect(problem(await parseRosterCsv(csv))).toBe(
      'A value starting with a double quote (") on line 3 is never closed, so the rest of the file cannot be read. Check that line for a stray quote.',
    );
  });
});

// ---------------------------------------------------------------- streaming

/**
 * Counts the turns of the event loop while `work` runs: a callback re-queued with setImmediate runs
 * once per turn. A reader that never gives the loop back (one synchronous parse) lets it run 0 times.
 */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  try {
    return { result: await work(), turns };
  } finally {
    running = false;
  }
}

describe("parseRosterCsv: streaming", () => {
  const good = (i: number) => `A${i},Ann,Lee,01/02,,2026-01-31`;

  it("reads CRLF rows, quoted line breaks, a BOM and interleaved blank lines across many slices, every row on its physical line", async () => {
    // About 60 kB, so records straddle the 16 kB slices the reader hands the parser.
    const lines: string[] = [HEADER];
    const expected: Array<[string, string]> = [];
    for (let i = 0; i < 1500; i++) {
      if (i % 7 === 0) lines.push("");
      if (i % 11 === 0) lines.push(",,,,,", "   ", " , ,");
      if (i % 13 === 0) {
        // A quoted line break (a line feed, as spreadsheets write inside a cell) in a CRLF file.
        lines.push(`A${i},"Anne\nMarie",Lee,01/02,,2026-01-31`);
        expected.push([`A${i}`, "Anne Marie"]);
        continue;
      }
      lines.push(good(i));
      expected.push([`A${i}`, "Ann"]);
    }
    const text = `\uFEFF${lines.join("\r\n")}\r\n\r\n`;
    const result = ok(await parseRosterCsv(new TextEncoder().encode(text)));
    expect(result.errors).toEqual([]);
    expect(result.totalRows).toBe(1500);
    // Every row's line, counted independently: the line a row starts on in the text (lines before the row, plus one).
    const starts = new Map<string, number>();
    let line = 1;
    for (const l of lines) {
      const key = /^A\d+/.exec(l)?.[0];
      if (key) starts.set(key, line);
      line += l.split("\n").length;
    }
    expect(result.rows.map((r) => [r.rosterKey, r.firstName])).toEqual(expected);
    for (const row of result.rows) expect(row.line, row.rosterKey).toBe(starts.get(row.rosterKey));
    expect(result.rows.at(-1)?.line).toBeGreaterThan(2000);
    // A quoted CR LF is one line break, as in the file; a quote never closed is found on its own line after blank lines.
    const quoted = ok(await parseRosterCsv(`${HEADER}\r\n\r\nA1,"Anne\r\nMarie",Lee,01/02,,2026-01-31\r\n\r\n${good(2)}\r\n`));
    expect(quoted.rows.map((r) => [r.line, r.rosterKey])).toEqual([[3, "A1"], [6, "A2"]]);
    expect(problem(await parseRosterCsv(`${HEADER}\n${good(1)}\n\n\n,,\n\nA2,"Bob,Ray,01/02,,2026-01-31\n${good(3)}\n`))).toMatch(/^A value starting with a double quote \("\) on line 7 is never closed/);
  });

  it("counts rows, not blank lines, against the limit: exactly N rows are read, N + 1 are refused naming the limit", async () => {
    const rows = (n: number) => [HEADER, "", ...Array.from({ length: n }, (_, i) => `${good(i)}\n,,,,,\n`)].join("\n");
    const exact = ok(await parseRosterCsv(rows(5), { maxRows: 5 }));
    expect([exact.totalRows, exact.rows.length]).toEqual([5, 5]);
    expect(problem(await parseRosterCsv(rows(6), { maxRows: 5 }))).toBe("The file has more rows than the limit of 5. Split the roster into smaller files.");
    // The real limit, from the same code path.
    expect(ROSTER_LIMITS.maxRows).toBe(100_000);
  });

  it("stops reading at the row over the limit: what follows is never parsed", async () => {
    // Six rows, then an unclosed quote and 4 MB more: read to the end, the quote would be the problem.
    const tail = `A9,"never closed,Lee,01/02,,2026-01-31\n${"x".repeat(4 * 1024 * 1024)}`;
    const csv = new TextEncoder().encode([HEADER, ...Array.from({ length: 6 }, (_, i) => good(i)), tail].join("\n"));
    let yields = 0;
    const result = await parseRosterCsv(csv, { maxRows: 5, onYield: () => yields++ });
    expect(problem(result)).toBe("The file has more rows than the limit of 5. Split the roster into smaller files.");
    // 4 MB is 256 slices; the reader stopped within the first few.
    expect(yields).toBeLessThan(5);
    // Without the limit the same bytes are read to the end.
    expect(problem(await parseRosterCsv(csv))).toMatch(/^A value starting with a double quote \("\) on line 8 is never closed/);
  });

  it("a file of blank lines just under the size limit: read with the event loop turning between slices, and refused as empty", { timeout: 30_000 }, async () => {
    const blank = new Uint8Array(ROSTER_LIMITS.maxBytes - 1).fill(0x0a);
    const { result, turns } = await turnsDuring(() => parseRosterCsv(blank));
    expect(problem(result)).toBe("The file is empty.");
    const headerOnly = new Uint8Array(ROSTER_LIMITS.maxBytes - 1).fill(0x0a);
    headerOnly.set(new TextEncoder().encode(`${HEADER}\r\n`));
    const second = await turnsDuring(() => parseRosterCsv(headerOnly));
    expect(problem(second.result)).toBe("The file has a header but no rows.");
    // Lines of only separators are blank too (a spreadsheet's empty rows), and do not count as rows.
    const separators = `${HEADER}\n${",,,,,\n".repeat(Math.floor((ROSTER_LIMITS.maxBytes - 100) / 6))}`;
    const third = await turnsDuring(() => parseRosterCsv(separators));
    expect(problem(third.result)).toBe("The file has a header but no rows.");
    // One turn of the loop per 16 kB slice (320 of them in 5 MB); a single synchronous parse gives none.
    for (const t of [turns, second.turns, third.turns]) expect(t).toBeGreaterThan(100);
  });
});

// ---------------------------------------------------------------- properties

const LETTERS = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèüöñçøłšžåÉÜÑ"];
const word = fc.array(fc.constantFrom(...LETTERS), { minLength: 1, maxLength: 8 }).map((cs) => cs.join(""));
const nameArb = fc
  .tuple(word, fc.array(fc.tuple(fc.constantFrom(" ", "-", "'", "’", ". "), word), { maxLength: 2 }))
  .map(([first, rest]) => first + rest.map(([sep, w]) => sep + w).join(""));
const keyArb = fc.array(fc.constantFrom(..."ABCDEFGHJKMNPQRSTUVWXYZ0123456789.-"), { minLength: 1, maxLength: 30 }).map((cs) => cs.join(""));
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const birthArb = fc.integer({ min: 1, max: 12 }).chain((m) => fc.tuple(fc.constant(m), fc.integer({ min: 1, max: DAYS[m - 1]! })));
const dateArb = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const npiArb = fc.option(fc.integer({ min: 100_000_000, max: 999_999_999 }).map((n) => makeNpi(String(n))), { nil: null });

const rowArb = fc.record({ rosterKey: keyArb, firstName: nameArb, lastName: nameArb, birth: birthArb, npi: npiArb, cycleEnd: dateArb });

const HEADER_CHOICES = {
  rosterKey: ["licence_id", "License ID", "board_id", "ID"],
  firstName: ["first_name", "First Name", "FIRSTNAME"],
  lastName: ["last_name", "Last Name", "surname"],
  birth: ["birth_date", "Birth MMDD", "DOB"],
  npi: ["npi", "NPI"],
  cycleEnd: ["cycle_end", "Expiry Date", "expiration_date"],
} as const;

describe("parseRosterCsv: properties", () => {
  it("reads back every valid row csv-stringify wrote, whatever the header names, column order, dates and line ends", { timeout: 30_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(rowArb, { minLength: 1, maxLength: 20, selector: (r) => `${r.rosterKey}|${r.cycleEnd}` }),
        fc.shuffledSubarray(["rosterKey", "firstName", "lastName", "birth", "npi", "cycleEnd"] as const, { minLength: 6, maxLength: 6 }),
        fc.record({
          names: fc.record(Object.fromEntries(Object.entries(HEADER_CHOICES).map(([k, v]) => [k, fc.constantFrom(...v)])) as Record<keyof typeof HEADER_CHOICES, fc.Arbitrary<string>>),
          crlf: fc.boolean(),
          bom: fc.boolean(),
          usDates: fc.boolean(),
          quoted: fc.boolean(),
          delimiter: fc.constantFrom(",", ";", "\t"),
        }),
        async (rows, order, style) => {
          const cell = (row: (typeof rows)[number], field: (typeof order)[number]): string => {
            switch (field) {
              case "rosterKey": return row.rosterKey;
              case "firstName": return row.firstName;
              case "lastName": return row.lastName;
              case "birth": return `${String(row.birth[0]).padStart(2, "0")}/${String(row.birth[1]).padStart(2, "0")}`;
              case "npi": return row.npi ?? "";
              case "cycleEnd": {
                if (!style.usDates) return row.cycleEnd;
                const [y, m, d] = row.cycleEnd.split("-");
                return `${m}/${d}/${y}`;
              }
            }
          };
          const text = stringify([order.map((f) => style.names[f]), ...rows.map((r) => order.map((f) => cell(r, f)))], {
            bom: style.bom,
            record_delimiter: style.crlf ? "windows" : "unix",
            quoted: style.quoted,
            delimiter: style.delimiter,
          });
          const result = ok(await parseRosterCsv(new TextEncoder().encode(text)));
          expect(result.errors).toEqual([]);
          expect(result.totalRows).toBe(rows.length);
          const expected: RosterRow[] = rows.map((r, i) => ({
            line: i + 2,
            rosterKey: r.rosterKey,
            firstName: r.firstName,
            lastName: r.lastName,
            birthMonth: r.birth[0],
            birthDay: r.birth[1],
            npi: r.npi,
            cycleEnd: r.cycleEnd,
            attributes: {},
          }));
          expect(result.rows).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never throws on arbitrary bytes or text, and accounts for every row it read", { timeout: 30_000 }, async () => {
    const junkText = fc.oneof(
      fc.string({ unit: "binary", maxLength: 400 }),
      fc.array(fc.oneof(fc.constantFrom(HEADER, ",", "\n", "\r\n", "\r", '"', '""', ";", "\t", "\uFEFF", "01/02", "2026-01-31", "A1", "Zoë", "=1+1"), fc.string({ maxLength: 5 })), { maxLength: 60 }).map((parts) => parts.join("")),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 400 }), junkText, junkText.map((t) => new TextEncoder().encode(t))), async (input) => {
        const result = await parseRosterCsv(input);
        if (!result.ok) {
          expect(result.problem.length).toBeGreaterThan(0);
          return;
        }
        expect(result.rows.length + result.errors.length).toBe(result.totalRows);
        for (const item of [...result.rows, ...result.errors]) expect(item.line).toBeGreaterThan(1);
        for (const e of result.errors) expect(e.reason).toMatch(/\.$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("ColumnCounter", () => {
  it("splits values exactly as csv-parse does with the reader's options, however the text is sliced", async () => {
    const token = fc.constantFrom(",", ";", '"', '""', "\n", "\r", "\r\n", "a", "b c", "\t");
    await fc.assert(
      fc.property(fc.array(token, { maxLength: 80 }).map((t) => t.join("")), fc.array(fc.nat(80), { maxLength: 4 }), fc.constantFrom(",", ";"), (text, cuts, delimiter) => {
        let records: string[][];
        try {
          records = parseCsv(text, { delimiter, record_delimiter: ["\r\n", "\n", "\r"], relax_column_count: true, relax_quotes: true, skip_empty_lines: true });
        } catch {
          return; // a quote never closed: the parser refuses the file itself
        }
        const widest = Math.max(0, ...records.map((r) => r.length));
        const max = 3;
        const counter = new ColumnCounter(delimiter, max);
        const at = [...new Set(cuts.filter((c) => c < text.length))].sort((a, b) => a - b);
        const slices = [0, ...at].map((from, i) => text.slice(from, at[i] ?? text.length));
        let refused = false;
        try {
          for (const slice of slices) counter.scan(slice);
        } catch (error) {
          if (!(error instanceof Refused)) throw error;
          refused = true;
        }
        expect(refused).toBe(widest > max);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("streamRosterCsv: rows in batches", () => {
  const rowsOf = (n: number) => Array.from({ length: n }, (_, i) => (i % 7 === 3 ? `B${i},Ann,Lee,13/01,,2026-01-31` : `A${i},Ann,Lee,01/02,,2026-01-31`));

  it("hands over the kept and the rejected rows a batch at a time, in file order, one batch at a time, with the counts of parseRosterCsv", async () => {
    const csv = [HEADER, ...rowsOf(25_000)].join("\n");
    const batches: RosterBatch[] = [];
    let busy = false;
    const read = await streamRosterCsv(csv, {
      batchRows: 1_000,
      onBatch: async (batch) => {
        expect(busy).toBe(false);
        busy = true;
        await new Promise((resolve) => setTimeout(resolve, 1));
        batches.push(batch);
        busy = false;
      },
    });
    if (!read.ok) throw new Error(read.problem);
    const whole = ok(await parseRosterCsv(csv));
    expect(read).toMatchObject({ totalRows: 25_000, acceptedRows: whole.rows.length, rejectedRows: whole.errors.length, keyLabel: whole.keyLabel, encoding: "utf-8" });
    expect(batches.flatMap((b) => b.rows)).toEqual(whole.rows);
    expect(batches.flatMap((b) => b.problems)).toEqual(whole.errors);
    // A batch holds at most its size and the rest of one 16 kB slice's rows.
    for (const b of batches) expect(b.rows.length + b.problems.length).toBeLessThan(1_000 + 16 * 1024 / 20);
    expect(batches.length).toBeGreaterThanOrEqual(25);
  });

  it("a whole-file problem after some batches were handed over is still the answer, and the row over the limit comes before a later parser error", async () => {
    let handed = 0;
    const onBatch = async (batch: RosterBatch) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      handed += batch.rows.length;
    };
    const tooMany = `${[HEADER, ...rowsOf(6_000)].join("\n")}\nX0,"Bob,Ray,01/01,,2031-01-31\n`;
    expect(await streamRosterCsv(tooMany, { maxRows: 5_000, batchRows: 1_000, onBatch })).toEqual({ ok: false, problem: "The file has more rows than the limit of 5,000. Split the roster into smaller files." });
    expect(handed).toBeGreaterThan(0);
    const duplicated = [HEADER, ...rowsOf(3_000), "A0,Ann,Lee,01/02,,2026-01-31"].join("\n");
    expect((await streamRosterCsv(duplicated, { batchRows: 500, onBatch })).ok).toBe(false);
  });

  it("a consumer's failure ends the read with that error", async () => {
    const csv = [HEADER, ...rowsOf(3_000)].join("\n");
    await expect(streamRosterCsv(csv, { batchRows: 500, onBatch: () => Promise.reject(new Error("staging failed")) })).rejects.toThrow("staging failed");
  });
});

describe("parseRosterCsv: licensee attribute columns", () => {
  const CA = attributesOf("CA-M");
  const read = (csv: string, kept = CA) => parseRosterCsv(csv, { attributes: kept });

  it("matches each attribute by key, label or alias, whatever the case, spaces and punctuation", () => {
    for (const definition of LICENSEE_ATTRIBUTES) {
      for (const name of [definition.key, definition.label, ...definition.aliases]) {
        expect(attributeForHeader(name)?.key, name).toBe(definition.key);
        expect(attributeForHeader(`  ${name.toUpperCase().replace(/ /g, "_")} `)?.key, name).toBe(definition.key);
        expect(attributeForHeader(name.replace(/ /g, " - "))?.key, name).toBe(definition.key);
      }
    }
    for (const name of ["", "licence_id", "notes", "Specialty 2", "prescriber?!"]) {
      expect(attributeForHeader(name)?.key).toBe(name === "prescriber?!" ? "controlledSubstancePrescriber" : undefined);
    }
  });

  it("property: inserting case changes, spaces and punctuation into a known name never changes what it names", () => {
    const names = LICENSEE_ATTRIBUTES.flatMap((d) => [d.key, d.label, ...d.aliases].map((n) => [n, d.key] as const));
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.array(fc.tuple(fc.nat(), fc.constantFrom(" ", "-", "_", ".", "/", "(", ")", "%", "#")), { maxLength: 5 }), fc.boolean(), ([name, key], inserts, upper) => {
        let text = upper ? name.toUpperCase() : name.toLowerCase();
        for (const [at, c] of inserts) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + c + text.slice(i);
        }
        expect(attributeForHeader(text)?.key).toBe(key);
      }),
    );
  });

  it("reads the organization's attribute columns: values parsed, empty cells not supplied, other columns ignored", async () => {
    const csv = [
      `${HEADER},Primary Specialty,Patients 65+ %,Original License Date,DEA Registrant,Notes`,
      "A1,Ann,Lee,01/02,,2027-01-31,Internal Medicine,35%,2001-07-01,yes,x",
      "A2,Bob,Ray,02/03,,2027-02-28,,,,N,",
      "A3,Cy,Tam,03/04,,2027-03-31,  Family Medicine ,0,,1,",
      "A4,Di,Oz,04/05,,2027-04-30,,100,1999-12-31,,",
    ].join("\n");
    const result = ok(await read(csv));
    expect(result.errors).toEqual([]);
    expect(result.attributeColumns).toEqual(["specialty", "patients65Percent", "initialLicenseDate", "controlledSubstancePrescriber"]);
    expect(result.ignoredColumns).toEqual(["Notes"]);
    expect(result.rows.map((r) => [r.rosterKey, r.attributes])).toEqual([
      ["A1", { specialty: "Internal Medicine", patients65Percent: 35, initialLicenseDate: "2001-07-01", controlledSubstancePrescriber: true }],
      ["A2", { controlledSubstancePrescriber: false }],
      ["A3", { specialty: "Family Medicine", patients65Percent: 0, controlledSubstancePrescriber: true }],
      ["A4", { patients65Percent: 100, initialLicenseDate: "1999-12-31" }],
    ]);
  });

  it("a bad value rejects its row, with a message per bad cell after the other fields' messages", async () => {
    const csv = [
      `${HEADER},prescriber,patients_65,issue date`,
      "A1,Ann,Lee,01/02,,2027-01-31,maybe,35,2001-07-01",
      "A2,Bob,Ray,02/03,,2027-02-28,no,101,2001-02-30",
      "A3,Cy,Tam,13/04,,2027-03-31,yes,-5,",
      "A4,Di,Oz,04/05,,2027-04-30,Y,12.5,2020-01-01",
    ].join("\n");
    const result = ok(await read(csv));
    expect(result.rows.map((r) => [r.line, r.attributes])).toEqual([[5, { controlledSubstancePrescriber: true, patients65Percent: 12.5, initialLicenseDate: "2020-01-01" }]]);
    expect(result.errors).toEqual([
      { line: 2, reason: "Prescribes controlled substances must be Yes or No (or empty when not known); got “maybe”.", raw: "A1,Ann,Lee,01/02,,2027-01-31,maybe,35,2001-07-01" },
      {
        line: 3,
        reason: "Patients aged 65 or over (%) must be a number from 0 to 100; got “101”. Initial license date must be a real date as YYYY-MM-DD; got “2001-02-30”.",
        raw: "A2,Bob,Ray,02/03,,2027-02-28,no,101,2001-02-30",
      },
      { line: 4, reason: "Birth date “13/04” is not a real MM/DD. Patients aged 65 or over (%) must be a number from 0 to 100; got “-5”.", raw: "A3,Cy,Tam,13/04,,2027-03-31,yes,-5," },
    ]);
  });

  it("a column for an attribute the organization does not keep is refused at the header, naming the ones it keeps", async () => {
    const message = problem(await read(`${HEADER},MOC participation\nA1,Ann,Lee,01/02,,2027-01-31,yes\n`));
    expect(message).toBe(
      "The column “MOC participation” gives “Participates in MOC”, which your organization does not keep. The attributes your organization keeps are: Specialty; Patients aged 65 or over (%); Initial license date; Prescribes controlled substances. Remove the column or rename it to one of these.",
    );
    expect(problem(await read(`${HEADER},DO\nA1,Ann,Lee,01/02,,2027-01-31,yes\n`, []))).toContain("Your organization keeps no licensee attributes");
    expect(problem(await read(`${HEADER},Specialty,speciality\nA1,Ann,Lee,01/02,,2027-01-31,IM,IM\n`))).toBe("Two columns give “Specialty”: “Specialty” and “speciality”. Keep one of them.");
    // Without the organization's list (a caller that does not read attributes), such columns are ignored as before.
    expect(ok(await parseRosterCsv(`${HEADER},MOC participation\nA1,Ann,Lee,01/02,,2027-01-31,yes\n`)).ignoredColumns).toEqual(["MOC participation"]);
  });
});
