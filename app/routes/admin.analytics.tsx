// Administrators: the analytics snapshot's freshness, its schedule, and the sync history (time,
// kind, rows, duration, outcome), with a button to sync now.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { PageHeader } from "~/components/PageHeader";
import { StatCard } from "~/components/StatCard";
import { DateTime, useTimeZone } from "~/components/DateTime";
import { formatCount, formatDateTime } from "~/lib/format";
import { readFormFields } from "~/lib/request-form.server";

import { recordAudit } from "~/models/audit.server";
import { syncHistoryFor } from "~/models/sync-history.server";

export const meta: MetaFunction = () => [{ title: "Analytics sync · Administration · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { permission: "administer" });
  const { analytics } = context.services;
  const [snapshot, history] = await Promise.all([analytics.reader.info(), syncHistoryFor(analytics, user.scope)]);
  return { snapshot, history, schedule: analytics.schedule, multiBoard: user.scope.boardCodes === null, org: user.org };
}

/** "Sync now": an incremental sync (a full rebuild when there is no usable snapshot). */
export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request, { permission: "administer" });
  const form = await readFormFields(request);
  if (form.intent !== "sync") throw new Response("Unknown action", { status: 400 });
  const { analytics, db } = context.services;
  const running = analytics.syncNow({ trigger: "admin" });
  // Wait a little so a quick sync shows as done; a long one carries on and shows as running.
  const result = await Promise.race([running, new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000))]);
  await recordAudit(db, {
    action: "analytics.sync",
    userId: user.id,
    orgCode: user.org.code,
    target: "analytics-snapshot",
    detail: { outcome: result?.outcome ?? "running" },
    ip: context.clientIp,
  });
  return { outcome: result?.outcome ?? "running", message: result && result.outcome === "failed" ? result.error : null };
}

const OUTCOME: Record<string, { label: string; badge: string }> = {
  succeeded: { label: "Succeeded", badge: "badge--ok" },
  failed: { label: "Failed", badge: "badge--error" },
  interrupted: { label: "Interrupted", badge: "badge--warn" },
  running: { label: "Running", badge: "badge--neutral" },
};

const TRIGGER: Record<string, string> = { scheduler: "Schedule", "start-up": "Server start", command: "npm run sync", admin: "Administrator", test: "Test" };

function duration(ms: number | null): string {
  if (ms === null) return "—";
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export default function AnalyticsAdmin() {
  const { snapshot, history, schedule, multiBoard, org } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const timeZone = useTimeZone();
  const syncing = navigation.state === "submitting" && navigation.formData?.get("intent") === "sync";
  const lastSuccess = history.find((h) => h.outcome === "succeeded");
  const failures = history.filter((h) => h.outcome === "failed" || h.outcome === "interrupted").length;
  return (
    <>
      <PageHeader
        eyebrow="Administration"
        title="Analytics sync"
        description="Reports and the overview read a DuckDB snapshot of the learner store, refreshed from PostgreSQL by incremental syncs. A sync that fails leaves the last good snapshot serving."
        actions={
          <>
            <Link to="/admin/sso" className="button button--secondary">
              Single sign-on
            </Link>
            <Form method="post">
              <button type="submit" name="intent" value="sync" className="button button--primary" disabled={syncing}>
                {syncing ? "Syncing…" : "Sync now"}
              </button>
            </Form>
          </>
        }
      />
      <div className="stat-grid">
        <StatCard label="Data as of" value={snapshot ? formatDateTime(snapshot.asOf, timeZone) : "Being prepared"} small testId="admin-as-of" />
        <StatCard
          label="Schedule"
          value={schedule && schedule.intervalSeconds > 0 ? `Every ${schedule.intervalSeconds} s` : "Off"}
          hint={schedule && schedule.fullRebuildHours > 0 ? `Full rebuild every ${schedule.fullRebuildHours} h` : "No scheduled full rebuild"}
          small
        />
        <StatCard
          label={multiBoard ? "Credit reports in the snapshot" : `${org.code} credit reports in the snapshot`}
          value={lastSuccess?.rows === null || lastSuccess === undefined ? "—" : formatCount(lastSuccess.rows)}
          small
        />
        <StatCard label="Failed or interrupted (listed)" value={formatCount(failures)} tone={failures > 0 ? "warn" : undefined} small />
      </div>
      <section className="section stack" aria-labelledby="history-title">
        <h2 id="history-title" className="section-title">
          Sync history
        </h2>
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Sync history">
          <table className="data-table" data-testid="sync-history">
            <caption className="visually-hidden">Analytics syncs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Kind</th>
                <th scope="col">Trigger</th>
                <th scope="col">Outcome</th>
                <th scope="col" className="num">Duration</th>
                <th scope="col" className="num">Rows in snapshot</th>
                <th scope="col" className="num">Rows read</th>
                <th scope="col">Data as of</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h) => (
                <tr key={h.id} data-outcome={h.outcome}>
                  {/* Syncs run every few seconds, so the seconds matter here. */}
                  <th scope="row">
                    <DateTime value={h.startedAt} seconds />
                  </th>
                  <td>{h.kind === "full" ? "Full rebuild" : "Incremental"}</td>
                  <td>{TRIGGER[h.trigger] ?? h.trigger}</td>
                  <td className="wrap">
                    <span className={`badge ${OUTCOME[h.outcome]?.badge ?? "badge--neutral"}`}>{OUTCOME[h.outcome]?.label ?? h.outcome}</span>
                    {h.error ? <span className="sub">{h.error}</span> : null}
                  </td>
                  <td className="num">{duration(h.durationMs)}</td>
                  <td className="num">{h.rows === null ? "—" : formatCount(h.rows)}</td>
                  <td className="num">{h.changed === null ? "—" : formatCount(h.changed)}</td>
                  <td>
                    <DateTime value={h.asOf} seconds />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {history.length === 0 ? <div className="empty-state empty-state--flush">No sync has run yet.</div> : null}
        </div>
      </section>
    </>
  );
}
