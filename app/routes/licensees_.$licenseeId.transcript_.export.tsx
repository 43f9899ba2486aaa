// The verification transcript as CSV or XLSX: the same accepted lines as the printable page.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/permissions.server";
import { learnerInScope } from "~/auth/scope.server";
import { TRANSCRIPT_COLUMNS } from "~/lib/credit-search";
import { exportCreditGrid } from "~/models/credit-grid.server";
import { licenseeIdFrom } from "~/models/licensees.server";

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const learnerId = licenseeIdFrom(params);
  const { db } = context.services;
  if (!(await learnerInScope(db, user.scope, learnerId))) throw new Response("Not found", { status: 404 });
  const search = new URL(request.url).searchParams;
  // The transcript: accepted records, newest completion first, its own columns.
  search.set("status", "accepted");
  search.set("sort", "completed");
  search.set("dir", "desc");
  for (const key of ["hide", "show"]) search.delete(key);
  return exportCreditGrid(context.services, user, search, {
    columns: TRANSCRIPT_COLUMNS,
    fixed: { learnerId },
    what: `transcript-${learnerId}`,
    target: `learner:${learnerId}`,
    sheetName: "Transcript",
    implied: ["status"],
    ip: context.clientIp,
    method: request.method,
  });
}
