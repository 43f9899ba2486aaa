// The one credit-total definition: rejected, deleted, over the activity's maximum, same-day
// duplicates (the larger counts once, types on their own), and that the renewal check counts the
// same. Expected numbers are worked out by hand; the properties compare with a plain re-count.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateCycle, type LicenseeCreditReport } from "../../app/lib/compliance";
import { bindingMaximum, countRecords, creditTotals, type CreditRecord } from "../../app/lib/credit-totals";
import { seededRuleSet } from "../../domain/requirement-rules";

let lastId = 0;
function record(completionDate: string, credits: number, more: Partial<CreditRecord> = {}): CreditRecord {
  lastId += 1;
  const id = `r${String(lastId).padStart(5, "0")}`;
  return { id, boardCode: "CA-M", activityId: `activity-${id}`, completionDate, status: "accepted", deleted: false, credits, creditTypes: {}, maximum: null, ...more };
}

describe("bindingMaximum", () => {
  it("binds only the capped formats, the MOC maximum for a certifying board", () => {
    expect(bindingMaximum({ boardCode: "CA-M", format: "Course", maxCmeCredits: 3, maxMocCredits: 2 })).toBe(3);
    expect(bindingMaximum({ boardCode: "ABIM", format: "Course", maxCmeCredits: 3, maxMocCredits: 2 })).toBe(2);
    expect(bindingMaximum({ boardCode: "ABIM", format: "Enduring Material", maxCmeCredits: 3, maxMocCredits: null })).toBe(3);
    expect(bindingMaximum({ boardCode: "CA-M", format: "Internet Live Course", maxCmeCredits: 3, maxMocCredits: null })).toBeNull();
  });
});

describe("countRecords", () => {
  it("counts a duplicate pair once (the larger), trims over the maximum, leaves out rejected and deleted", () => {
    const larger = record("2026-03-02", 5, { activityId: "A", creditTypes: { "Pain Management": 1 } });
    const smaller = record("2026-03-02", 3, { activityId: "A", creditTypes: { "Pain Management": 2 } });
    const over = record("2026-03-03", 13, { maximum: 10 });
    const rejected = record("2026-03-04", 4, { status: "rejected" });
    const deleted = record("2026-03-05", 6, { deleted: true });
    const plain = record("2026-03-06", 1.25);
    const counts = countRecords([larger, smaller, over, rejected, deleted, plain]);
    const by = Object.fromEntries(counts.map((c) => [c.id, c]));
    expect(by[larger.id]).toMatchObject({ reported: 5, counted: 5, code: null, countedTypes: {} });
    // The smaller record is the duplicate for the total, but its Pain Management (2) is the day's larger.
    expect(by[smaller.id]).toMatchObject({ reported: 3, counted: 0, code: "duplicate", duplicateOf: larger.id, countedTypes: { "Pain Management": 2 } });
    expect(by[over.id]).toMatchObject({ reported: 13, counted: 10, code: "overMaximum" });
    expect(by[over.id]!.reason).toContain("3.00 not");
    expect(by[rejected.id]).toMatchObject({ counted: 0, code: "rejected" });
    expect(by[deleted.id]).toMatchObject({ counted: 0, code: "deleted" });
    expect(by[plain.id]).toMatchObject({ counted: 1.25, code: null });

    const [totals] = creditTotals([larger, smaller, over, rejected, deleted, plain], counts);
    // 5 + 3 + 13 + 4 + 6 + 1.25 reported; 5 + 10 + 1.25 counted.
    expect(totals).toMatchObject({ boardCode: "CA-M", records: 6, reported: 32.25, counted: 16.25, accepted: 4, rejected: 1 });
    expect(totals!.notCounted).toEqual([
      { code: "rejected", records: 1, credits: 4 },
      { code: "deleted", records: 1, credits: 6 },
      { code: "duplicate", records: 1, credits: 3 },
      { code: "overMaximum", records: 1, credits: 3 },
    ]);
    expect(totals!.byType).toEqual([{ type: "Pain Management", reported: 3, counted: 2 }]);
  });

  it("ties go to the smaller id; a type amount counts at most the record's counted credits", () => {
    const first = record("2026-01-01", 2, { activityId: "B", creditTypes: { Opioid: 5 } });
    const second = record("2026-01-01", 2, { activityId: "B" });
    const counts = countRecords([second, first]);
    expect(counts.find((c) => c.id === first.id)).toMatchObject({ counted: 2, countedTypes: { Opioid: 2 } });
    expect(counts.find((c) => c.id === second.id)).toMatchObject({ counted: 0, code: "duplicate", duplicateOf: first.id });
  });

  it("keeps boards apart: the same activity and day for two boards are not duplicates", () => {
    const state = record("2026-01-01", 2, { activityId: "C" });
    const moc = record("2026-01-01", 2, { activityId: "C", boardCode: "ABIM" });
    expect(countRecords([state, moc]).map((c) => c.counted)).toEqual([2, 2]);
  });

  it("compares an over-maximum duplicate by what it may count", () => {
    // 12 reported over a maximum of 4 counts 4, less than the other record's 5.
    const over = record("2026-02-01", 12, { activityId: "D", maximum: 4 });
    const other = record("2026-02-01", 5, { activityId: "D", maximum: 6 });
    const counts = countRecords([over, other]);
    expect(counts.map((c) => [c.counted, c.code])).toEqual([[0, "duplicate"], [5, null]]);
  });
});

const recordArb = fc.record({
  day: fc.integer({ min: 1, max: 6 }),
  activity: fc.constantFrom("A", "B", "C"),
  quarters: fc.integer({ min: 0, max: 60 }),
  maximum: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
  status: fc.constantFrom("accepted", "accepted", "accepted", "rejected"),
  deleted: fc.constantFrom(false, false, false, false, true),
  pain: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
});

describe("properties", () => {
  it("reported = counted + what is left out; the renewal check's total is the same count", () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 25 }), (raw) => {
        const records: CreditRecord[] = raw.map((r, i) => ({
          id: `x${String(i).padStart(3, "0")}`,
          boardCode: "VI-M",
          activityId: r.activity,
          completionDate: `2026-01-0${r.day}`,
          status: r.status,
          deleted: r.deleted,
          credits: r.quarters / 4,
          creditTypes: r.pain === undefined ? ({} as Record<string, number>) : { "Pain Management": r.pain / 4 },
          maximum: r.maximum === null ? null : r.maximum / 4,
        }));
        const counts = countRecords(records);
        const totals = creditTotals(records, counts);
        const total = totals[0];
        if (records.length === 0) {
          expect(totals).toEqual([]);
          return;
        }
        const left = total!.notCounted.reduce((sum, n) => sum + Math.round(n.credits * 100), 0);
        expect(Math.round(total!.reported * 100)).toBe(Math.round(total!.counted * 100) + left);
        // A plain re-count: per (activity, day), the largest of min(credits, maximum) over accepted live records.
        const best = new Map<string, number>();
        for (const r of records) {
          if (r.deleted || r.status !== "accepted") continue;
          const may = Math.min(Math.round(r.credits * 100), r.maximum === null ? Infinity : Math.round(r.maximum * 100));
          const key = `${r.activityId}|${r.completionDate}`;
          best.set(key, Math.max(best.get(key) ?? 0, may));
        }
        expect(Math.round(total!.counted * 100)).toBe([...best.values()].reduce((a, b) => a + b, 0));
        // The renewal check (VI-M: no caps) counts the same in a cycle holding every record.
        const engineRecords: LicenseeCreditReport[] = records.map((r) => ({ ...r, status: r.status === "accepted" ? "accepted" : "rejected" }));
        const evaluation = evaluateCycle(seededRuleSet("VI-M")!, engineRecords, { start: "2025-01-01", end: "2026-12-31" });
        expect(evaluation.requirements[0]!.counted).toBe(total!.counted);
        for (const outcome of evaluation.records) expect(outcome.countedInCycle).toBe(counts.find((c) => c.id === outcome.id)!.counted);
      }),
      { numRuns: 300 },
    );
  });
});
