// Activities with credit reported to this board, with counts of its accepted, rejected and late
// records (PARS's "Learner Summary by Activity"). Filter, sort and page in PostgreSQL; URL state.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { ACTIVITY_FORMATS } from "../../domain/reference";
import { boardCodesInScope } from "~/auth/scope.server";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { CheckboxFilter, DateRangeFilter, SelectFilter, TextFilter, ToggleFilter } from "~/components/FilterPanel";
import { GridSection } from "~/components/GridSection";
import { PageHeader } from "~/components/PageHeader";
import { ACTIVITY_COLUMNS, ACTIVITY_PANEL_FIELDS, parseActivitySearch, STATUS_LABELS, type ActivityRow, type ActivityStatus } from "~/lib/activity-search";
import { formatCount, formatCredits, formatDate } from "~/lib/format";
import { loadGrid } from "~/models/grid.server";
import { activityGrid } from "~/models/list-grids.server";

export const meta: MetaFunction = () => [{ title: "Activities · CME Credit Verification" }];
export const handle = { wide: true };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  const multiBoard = user.scope.boardCodes === null;
  const state = parseActivitySearch(params, { multiBoard });
  const [grid, boards] = await Promise.all([
    loadGrid(db, user, params, state, activityGrid(db, user)),
    multiBoard ? boardCodesInScope(db, user.scope) : Promise.resolve([]),
  ]);
  return pageAnswer({ org: user.org, boards, grid }, [...grid.notices, ...Object.keys(grid.filterErrors)]);
}

/** Each filter's label, for the summary of filters that could not be used. */
const FILTER_LABELS: Record<string, string> = {
  activity: "Activity",
  provider: "Provider",
  board: "Board",
  from: "Running from",
  to: "Running to",
  format: "Activity format",
  moc: "Registered for MOC",
  ...Object.fromEntries(ACTIVITY_PANEL_FIELDS.map((field) => [field.name, field.group ? `${field.group}: ${field.label}` : field.label])),
};

function activityCell(columnId: string, row: ActivityRow): ReactNode {
  switch (columnId) {
    case "title":
      return <Link to={`/activities/${row.id}`}>{row.title}</Link>;
    case "id":
      return <span className="mono">{row.id}</span>;
    case "provider":
      return (
        <>
          {row.providerName}
          <span className="sub mono">{row.providerId}</span>
        </>
      );
    case "format":
      return row.format;
    case "start":
      return formatDate(row.startDate);
    case "end":
      return formatDate(row.endDate);
    case "maxCredits":
      return formatCredits(row.maxCmeCredits);
    case "moc":
      return row.moc ? <span className="badge badge--neutral">MOC</span> : <span className="muted">—</span>;
    case "maxMocCredits":
      return row.maxMocCredits === null ? <span className="muted">—</span> : formatCredits(row.maxMocCredits);
    case "status":
      return STATUS_LABELS[row.status as ActivityStatus] ?? row.status;
    case "jointProvider":
      return row.jointProviderName ?? <span className="muted">Directly provided</span>;
    case "providerCity":
      return row.providerCity ?? <span className="muted">—</span>;
    case "providerState":
      return row.providerState ?? <span className="muted">—</span>;
    case "providerCountry":
      return row.providerCountry;
    case "accepted":
      return formatCount(row.accepted);
    case "rejected":
      return row.rejected > 0 ? <span className="badge badge--error">{formatCount(row.rejected)}</span> : "0";
    case "late":
      return row.late > 0 ? <span className="badge badge--warn">{formatCount(row.late)}</span> : "0";
    default:
      return null;
  }
}

const FORMAT_OPTIONS = ACTIVITY_FORMATS.map((f) => ({ value: f, label: f }));

/** The panel's PARS fields in order, those sharing a heading together. */
const panelGroups = ACTIVITY_PANEL_FIELDS.reduce<Array<{ group?: string; fields: Array<(typeof ACTIVITY_PANEL_FIELDS)[number]> }>>((groups, field) => {
  const last = groups[groups.length - 1];
  if (field.group && last?.group === field.group) last.fields.push(field);
  else groups.push({ group: field.group, fields: [field] });
  return groups;
}, []);

export default function Activities() {
  const { org, boards, grid } = useLoaderData<typeof loader>();
  const { values, filterErrors: errors } = grid;
  const value = (name: string) => values[name]?.[0] ?? "";
  return (
    <>
      <PageHeader
        eyebrow="Learner summary by activity"
        title="Activities"
        description={`Activities with credit reported to ${grid.multiBoard ? "any board" : org.code}, with your accepted, rejected and late records for each.`}
      />
      <GridSection<ActivityRow>
        grid={grid}
        columns={ACTIVITY_COLUMNS}
        cell={activityCell}
        rowId={(r) => r.id}
        caption="Activities with credit reported to your organization"
        title="Activities"
        noun={["activity", "activities"]}
        exportPath="/activities/export"
        filterLabels={FILTER_LABELS}
        cellClass={{ title: "wrap", provider: "wrap" }}
        filters={
          <>
            <TextFilter name="activity" label="Activity" value={value("activity")} error={errors.activity} hint="9-digit activity id, or words of the title" />
            <TextFilter name="provider" label="Provider" value={value("provider")} error={errors.provider} hint="7-digit provider id, or words of the name" />
            {grid.multiBoard ? (
              <SelectFilter name="board" label="Board" value={value("board")} error={errors.board} anyLabel="All boards" options={boards.map((b) => ({ value: b, label: b }))} />
            ) : errors.board ? (
              <p className="filter-error" id="f-board" tabIndex={-1}>
                {errors.board}
              </p>
            ) : null}
            <DateRangeFilter legend="Running between" from={{ name: "from", value: value("from"), error: errors.from }} to={{ name: "to", value: value("to"), error: errors.to }} />
            <details className="filter-group filter-disclosure" open={(values.format ?? []).length > 0 || Boolean(errors.format)}>
              <summary className="filter-label">Activity format</summary>
              <CheckboxFilter name="format" legend="Formats" values={values.format ?? []} options={FORMAT_OPTIONS} error={errors.format} />
            </details>
            <ToggleFilter name="moc" label="Registered for MOC only" checked={value("moc") !== ""} error={errors.moc} />
            {panelGroups.map(({ group, fields }) => {
              const drawn = fields.map((field) =>
                field.kind === "select" ? (
                  <SelectFilter key={field.name} name={field.name} label={field.label} value={value(field.name)} error={errors[field.name]} anyLabel={field.anyLabel} options={field.options} />
                ) : (
                  <TextFilter key={field.name} name={field.name} label={field.label} value={value(field.name)} error={errors[field.name]} hint={field.hint} />
                ),
              );
              if (!group) return drawn;
              const inUse = fields.some((f) => value(f.name) !== "" || errors[f.name]);
              return (
                <details key={group} className="filter-group filter-disclosure" open={inUse}>
                  <summary className="filter-label">{group}</summary>
                  {drawn}
                </details>
              );
            })}
          </>
        }
        empty={
          <>
            <h3>No activities match these filters</h3>
            <p>Loosen a filter, or clear them all.</p>
          </>
        }
      />
    </>
  );
}
