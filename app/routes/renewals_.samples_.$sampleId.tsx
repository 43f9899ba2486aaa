// One audit sample: how it was drawn (seed, cohort, size) and the licensees drawn, in draw order.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { BOARD_KINDS, idParam, requireUser } from "~/auth/permissions.server";
import { PageHeader } from "~/components/PageHeader";
import { RenewalStatus, Progress, DecisionBadge } from "~/components/RenewalCells";
import { formatCount, formatDate } from "~/lib/format";
import type { DecisionOutcomeId, QueueStatus } from "~/lib/renewal-search";
import { getAuditSample } from "~/models/decisions.server";
import { auditView } from "~/models/view-audit.server";
import { DateTime } from "~/components/DateTime";

export const meta: MetaFunction = () => [{ title: "Audit sample · Renewals · CME Credit Verification" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  const id = idParam(params.sampleId);
  const { db } = context.services;
  const sample = await getAuditSample(db, user.org.code, id);
  if (!sample) throw new Response("Not found", { status: 404 });
  const entries = await db
    .selectFrom("board.roster_entry as e")
    .select(["e.id", "e.roster_key", "e.first_name", "e.last_name", "e.cycle_end", "e.status", "e.credits_counted", "e.credits_required"])
    .select((eb) =>
      eb
        .selectFrom("board.decision as d")
        .select("d.outcome")
        .whereRef("d.entry_id", "=", "e.id")
        .where((w) => w.not(w.exists(w.selectFrom("board.decision as s").select("s.id").whereRef("s.supersedes", "=", "d.id"))))
        .as("decision"),
    )
    .where("e.org_code", "=", user.org.code)
    .where("e.id", "in", sample.entryIds.length ? sample.entryIds : ["0"])
    .execute();
  const byId = new Map(entries.map((e) => [e.id, e]));
  auditView(context, user, { action: "sample.view", target: `audit_sample:${id}`, rows: sample.entryIds.filter((entryId) => byId.has(entryId)).length });
  return {
    sample: { ...sample, drawnAt: sample.drawnAt.toISOString() },
    rows: sample.entryIds.flatMap((entryId, i) => {
      const e = byId.get(entryId);
      return e
        ? [{ order: i + 1, id: e.id, key: e.roster_key, name: `${e.last_name}, ${e.first_name}`, cycleEnd: e.cycle_end, status: e.status as QueueStatus, counted: e.credits_counted === null ? null : Number(e.credits_counted), required: e.credits_required === null ? null : Number(e.credits_required), decision: (e.decision ?? null) as DecisionOutcomeId | null }]
        : [];
    }),
  };
}

export default function AuditSample() {
  const { sample, rows } = useLoaderData<typeof loader>();
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/renewals">Renewal queue</Link> / <Link to="/renewals/samples">Audit samples</Link> / Sample {sample.id}
      </nav>
      <PageHeader
        eyebrow="Audit sample"
        title={`${formatCount(rows.length)} of ${formatCount(sample.cohortSize)} licensees drawn`}
        description={
          <>
            Cycles ending {formatDate(sample.cycleFrom)} to {formatDate(sample.cycleTo)} · asked for {sample.requested} · seed{" "}
            <code data-testid="sample-seed">{sample.seed}</code> · drawn by {sample.drawnBy} on <DateTime value={sample.drawnAt} />
          </>
        }
      />
      <p className="muted small">
        How the draw works: each licensee of the cohort is ranked by the SHA-256 of “seed:entry id”, and the lowest ranks are drawn. Drawing again with the same seed over the same cohort
        gives the same licensees.
      </p>
      <div className="table-wrap">
        <table className="data-table" data-testid="sample-table">
          <caption className="visually-hidden">Licensees drawn, in draw order</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">Licensee</th>
              <th scope="col">License / board ID</th>
              <th scope="col">Cycle ends</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td className="num">{r.order}</td>
                <td>
                  <Link to={`/renewals/${r.id}`}>{r.name}</Link>
                </td>
                <td className="mono">{r.key}</td>
                <td>{formatDate(r.cycleEnd)}</td>
                <td>
                  <RenewalStatus status={r.status} />
                </td>
                <td>
                  <Progress counted={r.counted} required={r.required} />
                </td>
                <td>{r.decision ? <DecisionBadge outcome={r.decision} /> : <span className="muted">None yet</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
