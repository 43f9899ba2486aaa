// The pure parts of the roster life cycle and the statuses' watermark: the roster template (read
// back by the roster reader for every organization, its example row kept) and the watermark rule
// shared by the analytics sync and the renewal refresh, against its cases and a property.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRosterCsv } from "../../app/lib/roster-csv-stream.server";
import { safeWatermark } from "../../db/change-watermark";
import { ORGANISATION_ATTRIBUTES } from "../../domain/licensee-attributes";
import { CERTIFYING_BOARDS, STATE_BOARDS } from "../../domain/reference";
import { rosterTemplateColumns, rosterTemplateCsv } from "../../domain/roster-template";

describe("the roster template", () => {
  const boards = [...STATE_BOARDS.map((b) => ({ code: b.code, certifying: false })), ...CERTIFYING_BOARDS.map((b) => ({ code: b.code, certifying: true }))];
  it.each(boards)("$code: required columns, then the NPI and the board's attribute columns; the example row reads back as one good row", async ({ code, certifying }) => {
    const columns = rosterTemplateColumns(code, certifying, "2026-12-05");
    expect(columns.slice(0, 6).map((c) => c.name)).toEqual([certifying ? "board_id" : "license_id", "first_name", "last_name", "birth_date", "npi", "cycle_end"]);
    expect(columns.filter((c) => c.required).map((c) => c.name)).toEqual([certifying ? "board_id" : "license_id", "first_name", "last_name", "birth_date", "cycle_end"]);
    expect(columns.length).toBe(6 + (ORGANISATION_ATTRIBUTES[code]?.length ?? 0));
    const parsed = await parseRosterCsv(rosterTemplateCsv(columns));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.rows).toHaveLength(1);
    expect(parsed.errors).toEqual([]);
    expect(parsed.rows[0]).toMatchObject({ firstName: "Jane", lastName: "Doe", birthMonth: 4, birthDay: 17, npi: "1234567893", cycleEnd: "2027-04-30" });
  });
});

describe("the watermark rule", () => {
  const position = (highest: bigint, writers: string[] = []) => ({ highest, writers });
  it("the highest change read when no writer was open while reading", () => {
    expect(safeWatermark({ before: position(10n, ["7"]), waited: true, writersWhileReading: 0, highestRead: 15n, previous: 3n })).toBe(15n);
  });
  it("the position before reading when writers were open while reading (they started after it, so drew higher numbers)", () => {
    expect(safeWatermark({ before: position(10n), waited: true, writersWhileReading: 2, highestRead: 15n, previous: 3n })).toBe(10n);
  });
  it("the previous watermark when a writer open before reading outlasted the wait (it may commit a lower number)", () => {
    expect(safeWatermark({ before: position(10n, ["7"]), waited: false, writersWhileReading: 1, highestRead: 15n, previous: 3n })).toBe(3n);
    expect(safeWatermark({ before: position(10n, ["7"]), waited: false, writersWhileReading: 1, highestRead: 15n, previous: null })).toBe(0n);
  });
  it("never moves back, and never past what was read", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 1000n }), fc.boolean(), fc.nat(3), fc.option(fc.bigInt({ min: 0n, max: 1000n })), (before, extra, waited, writers, previous) => {
        const highestRead = before + extra;
        const mark = safeWatermark({ before: position(before), waited, writersWhileReading: writers, highestRead, previous });
        if (previous !== null) expect(mark >= previous).toBe(true);
        expect(mark <= (previous !== null && previous > highestRead ? previous : highestRead)).toBe(true);
      }),
    );
  });
});
