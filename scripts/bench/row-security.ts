// What row-level security costs the credit search: the same model call (page of 25 and its count,
// exactly as the /credits loader makes it) run as the app's role, under the policies of migrations
// 0007 and 0008, and as the store's owner, whom the policies do not bind. The two alternate run by
// run, so both see the same cache and load; the ratio is policies / none.
import pg from "pg";
import { rowScopeFor, scopeForOrganisation } from "../../app/auth/scope.server";
import { CREDIT_GRID } from "../../app/lib/credit-search";
import { searchCreditReports, type CreditSearchRequest } from "../../app/models/credits.server";
import { APP_SESSION_SETTINGS, createDb } from "../../db/client";
import { runWithRowScope } from "../../db/row-scope";
import { expectWork, median, percentile, type BenchContext, type SectionResult, type Timing } from "./context";

type OrgKind = "state_board" | "certifying_board" | "accreditor";

async function sample(ownerUrl: string, board: string) {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ first_name: string; last_name: string; board_learner_id: string }>(
      `select l.first_name, l.last_name, cr.board_learner_id from learner.credit_report cr join learner.learner l on l.id = cr.learner_id
        where cr.board_code = $1 and cr.deleted_at is null and cr.board_learner_id is not null order by cr.id offset 5000 limit 1`,
      [board],
    );
    if (!rows[0]) throw new Error(`bench: no ${board} record to sample`);
    return rows[0];
  } finally {
    await client.end();
  }
}

export async function run(ctx: BenchContext): Promise<SectionResult> {
  // The owner, through the same Kysely query builder and the app's session settings (planner costs,
  // no JIT, no parallel workers), so that the policies are the only difference; none applies to it.
  const ownerDb = createDb({ connectionString: ctx.ownerUrl, max: 2, applicationName: "cme-bench-owner", settings: APP_SESSION_SETTINGS });
  const orgs: Array<{ code: string; kind: OrgKind; sample: string }> = [
    { code: "CA-M", kind: "state_board", sample: "CA-M" },
    { code: "ABIM", kind: "certifying_board", sample: "ABIM" },
    { code: "ACCME", kind: "accreditor", sample: "MD-M" },
  ];
  const timings: Timing[] = [];
  const ratios: number[] = [];
  try {
    for (const org of orgs) {
      const scope = scopeForOrganisation({ code: org.code, kind: org.kind });
      const r = await sample(ctx.ownerUrl, org.sample);
      const byId = org.kind === "certifying_board" ? { boardId: r.board_learner_id } : { licence: r.board_learner_id };
      const cases: Array<[string, Record<string, unknown>, { id: string; desc: boolean }?]> = [
        ["no filter", {}],
        ["last name prefix (3 letters)", { last: r.last_name.slice(0, 3) }],
        ["first + last name", { last: r.last_name, first: r.first_name }],
        [org.kind === "certifying_board" ? "board id" : "licence id", org.kind === "accreditor" ? { last: r.last_name } : byId],
        ["status rejected", { status: "rejected" }],
        ["reported late", { late: true }],
        ["sort by licensee name", {}, { id: "licensee", desc: false }],
      ];
      for (const [label, filters, sort] of cases) {
        const request: CreditSearchRequest = { filters: filters as CreditSearchRequest["filters"], sort: sort ?? CREDIT_GRID.defaultSort, size: 25, after: null, before: null };
        const withPolicies = () => runWithRowScope(rowScopeFor(scope), () => searchCreditReports(ctx.appDb, scope, request));
        const withoutPolicies = () => searchCreditReports(ownerDb, scope, request);
        // Both read the same page, and a page with rows: the policies hide nothing in scope.
        const ids = (result: Awaited<ReturnType<typeof withPolicies>>) => result.page.rows.map((r) => r.id).join(",");
        const [a, b] = [await withPolicies(), await withoutPolicies()];
        expectWork(`${org.code} ${label}: rows on the page with the policies`, a.page.rows.length);
        if (ids(a) !== ids(b)) throw new Error(`bench: ${org.code} ${label}: the page under the policies differs from the owner's`);
        await withPolicies();
        await withoutPolicies();
        const on: number[] = [];
        const off: number[] = [];
        for (let i = 0; i < ctx.runs; i++) {
          let started = performance.now();
          await withPolicies();
          on.push(performance.now() - started);
          started = performance.now();
          await withoutPolicies();
          off.push(performance.now() - started);
        }
        const ratio = median(on) / median(off);
        ratios.push(ratio);
        timings.push({ label: `${org.code}: ${label}, policies`, samples: on, note: `×${ratio.toFixed(2)}` });
        timings.push({ label: `${org.code}: ${label}, none (owner)`, samples: off });
      }
    }
  } finally {
    await ownerDb.destroy();
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  return {
    title: "Row-level security: the credit search's model call as the app (policies) and as the owner (none), alternating",
    timings,
    aims: [],
    notes: [
      `ratio of medians, policies / none: median ×${median(sorted).toFixed(2)}, worst ×${(sorted[sorted.length - 1] ?? Number.NaN).toFixed(2)} over ${ratios.length} searches`,
      `slowest with policies: p95 ${percentile(timings.filter((_, i) => i % 2 === 0).flatMap((t) => t.samples), 95).toFixed(1)} ms over all searches`,
    ],
  };
}
