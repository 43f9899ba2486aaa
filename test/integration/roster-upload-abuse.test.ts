// Roster uploads under abuse, through the real HTTP app: files under the size limit built to cost the
// server as much as possible (blank lines, lines of separators, one row more than the limit), and
// multipart bodies that are cut off, malformed, without a file or with two. Each gets a clear 400
// naming the problem, writes nothing, and leaves the server answering other users meanwhile.
import http from "node:http";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { ROSTER_LIMITS } from "../../domain/roster-csv";
import { UPLOAD_LIMITS, type UploadTicket } from "../../app/models/upload-limits.server";
import { get, post, setUpSeededApp, signIn } from "../support/server";

const app = setUpSeededApp();

const HEADER = "licence_id,first_name,last_name,birth_date,npi,cycle_end";
const BOUNDARY = "----roster-abuse-boundary";
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

/** Rows in the board tables an upload writes: uploads, entries, and upload audit events (all organisations). */
async function boardRows() {
  const r = await sql<{ uploads: string; entries: string; audits: string }>`
    select (select count(*) from board.roster_upload)::text as uploads,
           (select count(*) from board.roster_entry)::text as entries,
           (select count(*) from board.audit_event where action = 'roster.upload')::text as audits`.execute(app.database.owner);
  return r.rows[0]!;
}

const text = async (response: Response) => (await response.text()).replace(/<!-- -->/g, "");

function upload(cookie: string, content: string | Uint8Array, fileName = "roster.csv"): Promise<Response> {
  const form = new FormData();
  form.append("file", new Blob([typeof content === "string" ? content : Buffer.from(content)], { type: "text/csv" }), fileName);
  return post(app.server.baseUrl, "/rosters?index", cookie, form);
}

function send(cookie: string, body: string, contentType = MULTIPART): Promise<Response> {
  return post(app.server.baseUrl, "/rosters?index", cookie, body, { "content-type": contentType });
}

const filePart = (content: string, { name = "file", filename = "roster.csv", type = "text/csv" } = {}) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n${content}\r\n`;
const fieldPart = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const END = `--${BOUNDARY}--\r\n`;

describe("roster uploads under abuse", () => {
  it("a file of blank lines just under the size limit is refused as having no rows, while another user's page is answered; the server stays up", { timeout: 120_000 }, async () => {
    const supervisor = await signIn(app.server.baseUrl, "supervisor@ca-m.demo.test");
    const other = await signIn(app.server.baseUrl, "reviewer@abim.demo.test");
    const before = await boardRows();
    const size = ROSTER_LIMITS.maxBytes - 1024;
    const blank = `${HEADER}\r\n${"\n".repeat(size - HEADER.length - 2)}`;
    const separators = `${HEADER}\n${",,,,,\n".repeat(Math.floor((size - HEADER.length - 1) / 6))}`;
    expect(Buffer.byteLength(blank)).toBeLessThanOrEqual(ROSTER_LIMITS.maxBytes);
    expect(Buffer.byteLength(separators)).toBeLessThanOrEqual(ROSTER_LIMITS.maxBytes);
    for (const content of [blank, separators]) {
      // Both requests start together; the page load must be answered in full, not refused or dropped.
      const [posted, page] = await Promise.all([upload(supervisor, content, "blank.csv"), get(app.server.baseUrl, "/rosters", other)]);
      expect(page.status).toBe(200);
      expect(await text(page)).toContain('data-testid="roster-uploads"');
      expect(posted.status).toBe(400);
      expect(await text(posted)).toContain("The file has a header but no rows.");
    }
    // Only blank lines, no header: empty.
    const empty = await upload(supervisor, "\n".repeat(size));
    expect(empty.status).toBe(400);
    expect(await text(empty)).toContain("The file is empty.");
    expect(await boardRows()).toEqual(before);
    // The process is still up and serving.
    expect((await get(app.server.baseUrl, "/rosters", other)).status).toBe(200);
  });

  it("a file with one row more than the limit is refused with the limit named, and nothing is written", { timeout: 120_000 }, async () => {
    const supervisor = await signIn(app.server.baseUrl, "supervisor@ca-m.demo.test");
    const before = await boardRows();
    const rows = Array.from({ length: ROSTER_LIMITS.maxRows + 1 }, (_, i) => `X${i},Ann,Lee,01/01,,2031-01-31`);
    // After the row over the limit: a quote never closed. A reader that went on to the end would report that instead.
    const csv = `${[HEADER, ...rows].join("\n")}\nX0,"Bob,Ray,01/01,,2031-01-31\n`;
    expect(Buffer.byteLength(csv)).toBeLessThan(ROSTER_LIMITS.maxBytes);
    const posted = await upload(supervisor, csv, "too-many.csv");
    expect(posted.status).toBe(400);
    expect(await text(posted)).toContain("The file has more rows than the limit of 100,000. Split the roster into smaller files.");
    expect(await boardRows()).toEqual(before);
  });

  it("a multipart body that is cut off, malformed, or not multipart gets a clear 400 and writes nothing", async () => {
    const supervisor = await signIn(app.server.baseUrl, "supervisor@ca-m.demo.test");
    const before = await boardRows();
    const csv = `${HEADER}\nA1,Ann,Lee,01/01,,2031-01-31\n`;
    const unreadable = "The upload could not be read (the form data was cut off or malformed).";
    const cases: Array<[string, string, string, string]> = [
      ["cut off inside the file", filePart(csv).slice(0, -10), MULTIPART, unreadable],
      ["cut off before the closing boundary", filePart(csv), MULTIPART, unreadable],
      ["cut off inside the part header", `--${BOUNDARY}\r\nContent-Disposition: form-da`, MULTIPART, unreadable],
      ["a part header that is not a header", `--${BOUNDARY}\r\nnot a header line\r\n\r\n${csv}\r\n${END}`, MULTIPART, unreadable],
      ["no boundary parameter", filePart(csv) + END, "multipart/form-data", unreadable],
      ["another boundary than the body's", filePart(csv) + END, "multipart/form-data; boundary=another", unreadable],
      ["bytes that are not a form at all", "\u0000\u0001garbage".repeat(500), MULTIPART, unreadable],
      ["a CSV sent as the body", csv, "text/csv", "Send the roster as a file upload (multipart/form-data)."],
      ["no content type", csv, "", "Send the roster as a file upload (multipart/form-data)."],
    ];
    for (const [what, body, type, message] of cases) {
      const response = await send(supervisor, body, type);
      expect(response.status, what).toBe(400);
      expect(await text(response), what).toContain(message);
    }
    expect(await boardRows()).toEqual(before);
  });

  it("two files in one upload are refused, even when the first is a good roster", async () => {
    const supervisor = await signIn(app.server.baseUrl, "supervisor@ca-m.demo.test");
    const before = await boardRows();
    const csv = `${HEADER}\nQ1,Ann,Lee,01/01,,2031-01-31\n`;
    const form = new FormData();
    form.append("file", new Blob([csv], { type: "text/csv" }), "first.csv");
    form.append("file", new Blob([csv.replace("Q1", "Q2")], { type: "text/csv" }), "second.csv");
    const both = await post(app.server.baseUrl, "/rosters?index", supervisor, form);
    expect(both.status).toBe(400);
    expect(await text(both)).toContain("Upload one roster file at a time: this upload has more than one file.");
    const underAnotherName = await send(supervisor, filePart(csv) + filePart(csv, { name: "other", filename: "b.csv" }) + END);
    expect(underAnotherName.status).toBe(400);
    expect(await text(underAnotherName)).toContain("Upload one roster file at a time");
    expect(await boardRows()).toEqual(before);
  });

  it("an upload without a file, or with more or longer fields than the form sends, is refused with a message", async () => {
    const supervisor = await signIn(app.server.baseUrl, "supervisor@ca-m.demo.test");
    const before = await boardRows();
    const choose = "Choose a roster CSV file to upload.";
    const cases: Array<[string, string, string]> = [
      ["only the closing boundary", END, choose],
      ["a field and no file", fieldPart("note", "hello") + END, choose],
      // What a browser sends when no file was chosen.
      ["the file input left empty", filePart("", { filename: "", type: "application/octet-stream" }) + END, choose],
      ["the file under another field name", filePart(`${HEADER}\nA1,Ann,Lee,01/01,,2031-01-31\n`, { name: "roster" }) + END, choose],
      ["an empty file", filePart("", { filename: "empty.csv" }) + END, "The file is empty."],
      ["nine fields", Array.from({ length: 9 }, (_, i) => fieldPart(`f${i}`, "x")).join("") + END, "The upload has more form fields than the upload form sends."],
      ["a field of 2,000 bytes", fieldPart("note", "x".repeat(2000)) + filePart(`${HEADER}\nA1,Ann,Lee,01/01,,2031-01-31\n`) + END, "A form field is longer than 1024 bytes"],
    ];
    for (const [what, body, message] of cases) {
      const response = await send(supervisor, body);
      expect(response.status, what).toBe(400);
      expect(await text(response), what).toContain(message);
    }
    expect(await boardRows()).toEqual(before);
  });

  it("a 5 MB file of one line (separators, or one value) is refused naming the line, and nothing is written", { timeout: 120_000 }, async () => {
    const supervisor = await signIn(app.server.baseUrl, "supervisor@ca-m.demo.test");
    const before = await boardRows();
    const size = ROSTER_LIMITS.maxBytes - 1024;
    const commas = `${HEADER}\n${",".repeat(size - HEADER.length - 2)}\n`;
    const oneValue = `${HEADER}\nA1,Ann,Lee,01/01,,2031-01-31\nA2,${"x".repeat(size - HEADER.length - 60)},Lee,01/01,,2031-01-31\n`;
    for (const [content, message] of [
      [commas, "Line 2 has more than 100 columns (a roster has about 10), so the file was not read."],
      [oneValue, "Line 3 is longer than 64 kB (a roster row is well under 1 kB), so the file was not read."],
    ] as const) {
      expect(Buffer.byteLength(content)).toBeLessThanOrEqual(ROSTER_LIMITS.maxBytes);
      const posted = await upload(supervisor, content, "one-line.csv");
      expect(posted.status).toBe(400);
      expect(await text(posted)).toContain(message);
    }
    expect(await boardRows()).toEqual(before);
  });

  it("uploads at once are limited: a user's second gets 429 on the upload page, so does everyone's beyond the global limit; both run again once the first ones end", async () => {
    expect(UPLOAD_LIMITS).toMatchObject({ perUser: 1, global: 2 });
    const gate = app.server.uploads;
    const [caM, abim, orM] = (await Promise.all(["supervisor@ca-m.demo.test", "supervisor@abim.demo.test", "supervisor@or-m.demo.test"].map((e) => signIn(app.server.baseUrl, e)))) as [string, string, string];
    const url = new URL(app.server.baseUrl);
    /** An upload whose body the test sends by hand: the part header and first line now, the rest on `finish()`. */
    function slowUpload(cookie: string, id: string) {
      const request = http.request({
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: "/rosters?index",
        headers: { cookie, origin: app.server.baseUrl, "content-type": MULTIPART, "transfer-encoding": "chunked" },
      });
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        request.on("response", (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        request.on("error", reject);
      });
      // Awaited by the test; a test that fails first must not leave its rejection unheard.
      response.catch(() => undefined);
      const csv = `${HEADER}\n${id},Ann,Lee,01/01,,2031-01-31\n`;
      const whole = filePart(csv, { filename: `${id}.csv` }) + END;
      const cut = whole.indexOf(HEADER) + HEADER.length;
      request.write(whole.slice(0, cut));
      return { response, finish: () => request.end(whole.slice(cut)) };
    }
    const admitted = (count: number) =>
      new Promise<void>((resolve) => {
        const seen: UploadTicket[] = [];
        const on = (ticket: UploadTicket) => {
          seen.push(ticket);
          if (seen.length < count) return;
          gate.off("admitted", on);
          resolve();
        };
        gate.on("admitted", on);
      });

    const first = admitted(1);
    const mine = slowUpload(caM, "SLOW1");
    await first;
    // The same supervisor again, while the first is still arriving: 429 on the page, with Retry-After.
    const again = await upload(caM, `${HEADER}\nQ9,Ann,Lee,01/01,,2031-01-31\n`);
    expect(again.status).toBe(429);
    expect(again.headers.get("retry-after")).toBe(String(UPLOAD_LIMITS.retryAfterSeconds));
    const page = await text(again);
    expect(page).toContain('data-testid="upload-error"');
    expect(page).toContain("Your previous roster upload is still being read. Wait for its result, then upload again.");

    // Another board's upload fills the global limit; a third board's is refused.
    const second = admitted(1);
    const theirs = slowUpload(abim, "SLOW2");
    await second;
    expect(gate.active).toHaveLength(2);
    const third = await upload(orM, `${HEADER}\nQ9,Ann,Lee,01/01,,2031-01-31\n`);
    expect(third.status).toBe(429);
    expect(await text(third)).toContain(`Other rosters are being uploaded just now. Try again in ${UPLOAD_LIMITS.retryAfterSeconds} seconds.`);

    // The slow ones finish: each is uploaded (a redirect to its page), and their slots come back.
    mine.finish();
    theirs.finish();
    for (const done of [await mine.response, await theirs.response]) expect(done.status).toBe(302);
    expect(gate.active).toHaveLength(0);
    const later = await upload(orM, `${HEADER}\nQ9,Ann,Lee,01/01,,2031-01-31\n`);
    expect(later.status).toBe(302);
  });
});
