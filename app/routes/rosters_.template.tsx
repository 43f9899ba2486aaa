// The roster template: a CSV with the columns an upload reads (required ones first, then the NPI and
// the organization's own licensee attributes) and one example row. Boards only.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/permissions.server";
import { rosterTemplateColumns, rosterTemplateCsv } from "../../domain/roster-template";
import { organisationToday } from "../../domain/reference";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  if (user.org.kind !== "state_board" && user.org.kind !== "certifying_board") throw new Response("Not found", { status: 404 });
  const csv = rosterTemplateCsv(rosterTemplateColumns(user.org.code, user.org.kind === "certifying_board", organisationToday(user.org.code)));
  return new Response(`\uFEFF${csv}`, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${user.org.code.toLowerCase()}-roster-template.csv"`,
    },
  });
}
