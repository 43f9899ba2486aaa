// One activity: its details (format, dates, maximum credits, MOC registration) and its learners
// for this board, flagged where a record breaks a data rule. 404 outside the board's scope.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { CreditGrid, type CreditFilterField } from "~/components/CreditGrid";
import { PageHeader } from "~/components/PageHeader";
import { ACTIVITY_LEARNER_COLUMNS } from "~/lib/credit-search";
import { formatCredits, formatDate } from "~/lib/format";
import { getActivity } from "~/models/activities.server";
import { loadCreditGrid } from "~/models/credit-grid.server";
import { auditView, viewFilters } from "~/models/view-audit.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.activity.title ?? "Activity"} · CME Credit Verification` }];
export const handle = { wide: true };

const FIELDS: CreditFilterField[] = ["last", "first", "dob", "licence", "boardId", "npi", "board", "completed", "submitted", "status", "creditType", "entry", "late"];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const activityId = params.activityId ?? "";
  if (!/^\d{9}$/.test(activityId)) throw new Response("Not found", { status: 404 });
  const { db } = context.services;
  const activity = await getActivity(db, user.scope, activityId);
  if (!activity) throw new Response("Not found", { status: 404 });
  const search = new URL(request.url).searchParams;
  const grid = await loadCreditGrid(db, user, search, { columns: ACTIVITY_LEARNER_COLUMNS, fixed: { activityId } });
  auditView(context, user, { action: "activity.view", target: `activity:${activityId}`, detail: { filters: viewFilters(search) }, rows: grid.rows.length });
  return pageAnswer({ org: user.org, activity, grid }, [...grid.notices, ...Object.keys(grid.filterErrors)]);
}

export default function ActivityPage() {
  const { org, activity, grid } = useLoaderData<typeof loader>();
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/activities">Activities</Link> / <span className="mono">{activity.id}</span>
      </nav>
      <PageHeader eyebrow={`${activity.format} · Activity ${activity.id}`} title={activity.title} description={`${activity.providerName} (${activity.providerId})${activity.providerPlace ? `, ${activity.providerPlace}` : ""}`} />
      <dl className="detail-grid" data-testid="activity-details">
        <div>
          <dt>Dates</dt>
          <dd>
            {formatDate(activity.startDate)} – {formatDate(activity.endDate)}
          </dd>
        </div>
        <div>
          <dt>Credit claim date</dt>
          <dd>{activity.creditClaimDate ? formatDate(activity.creditClaimDate) : "—"}</dd>
        </div>
        <div>
          <dt>AMA PRA Category 1 max</dt>
          <dd>{formatCredits(activity.maxCmeCredits)} credits</dd>
        </div>
        <div>
          <dt>MOC</dt>
          <dd>
            {activity.moc ? `Registered, max ${activity.maxMocCredits === null ? "—" : formatCredits(activity.maxMocCredits)} credits` : "Not registered"}
          </dd>
        </div>
        <div>
          <dt>Certifying boards</dt>
          <dd>
            {activity.mocBoards.length
              ? activity.mocBoards.map((m) => (
                  <span key={m.boardCode} className="sub">
                    <span className="code">{m.boardCode}</span>
                    {m.creditTypes.join(", ")}
                  </span>
                ))
              : "—"}
          </dd>
        </div>
        <div>
          <dt>Other</dt>
          <dd>
            {[activity.mips ? "MIPS" : null, activity.rems ? "REMS" : null, activity.status === "inactive" ? "Inactive" : "Active"].filter(Boolean).join(" · ")}
          </dd>
        </div>
        {activity.internalId ? (
          <div>
            <dt>Provider's internal id</dt>
            <dd className="mono">{activity.internalId}</dd>
          </div>
        ) : null}
      </dl>
      <h2 className="section-title section">Learners reported to {grid.multiBoard ? "every board" : org.code}</h2>
      <div className="grid-block">
        <CreditGrid data={grid} org={org} fields={FIELDS} columns={ACTIVITY_LEARNER_COLUMNS} exportPath={`/activities/${activity.id}/export`} caption={`Learners of activity ${activity.id}`} />
      </div>
    </>
  );
}
