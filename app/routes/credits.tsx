// Credit search: every credit report in the organisation's scope, filtered, sorted and paged in
// PostgreSQL; all state in the URL. PARS's "Learner Search", for boards.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { pageAnswer } from "~/lib/input-status.server";
import { ALL_CREDIT_FILTER_FIELDS, CreditGrid } from "~/components/CreditGrid";
import { PageHeader } from "~/components/PageHeader";
import { CREDIT_COLUMNS } from "~/lib/credit-search";
import { loadCreditGrid } from "~/models/credit-grid.server";
import { auditView, viewFilters } from "~/models/view-audit.server";

export const meta: MetaFunction = () => [{ title: "Credit search · CME Credit Verification" }];
export const handle = { wide: true };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const search = new URL(request.url).searchParams;
  const grid = await loadCreditGrid(context.services.db, user, search, { columns: CREDIT_COLUMNS, snapshot: context.services.analytics.reader });
  auditView(context, user, { action: "credits.view", detail: { filters: viewFilters(search) }, rows: grid.rows.length });
  return pageAnswer({ org: user.org, grid }, [...grid.notices, ...Object.keys(grid.filterErrors)]);
}

export default function CreditSearch() {
  const { org, grid } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader
        eyebrow="Credit reports"
        title="Credit search"
        description={`Credit that accredited providers reported to ${grid.multiBoard ? "every board" : org.code}. Filter, sort, and open a licensee or an activity.`}
      />
      <CreditGrid data={grid} org={org} fields={ALL_CREDIT_FILTER_FIELDS} columns={CREDIT_COLUMNS} exportPath="/credits/export" caption="Credit reports matching the filters" />
    </>
  );
}
