// One of the compliance overview's tables (months, shortfall or requirements) as CSV or XLSX, as on
// the page: numbers as numbers, shares in percent rounded to two places; audited.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { BOARD_KINDS, requireUser } from "~/auth/permissions.server";
import { recordAudit } from "~/models/audit.server";
import { COMPLIANCE_TABLES, complianceOverview, complianceTables, complianceWindow } from "~/models/compliance-overview.server";
import { queueMeasures } from "~/models/renewal-shortfalls.server";
import { exportCell, exportHeader } from "~/lib/reports";
import { EXPORT_FORMATS, exportFilename, exportResponse, outcomeDetail } from "~/models/exports.server";
import { organisationTimeZone, organisationToday } from "../../domain/reference";

const Table = z.enum(COMPLIANCE_TABLES, { error: "Choose table=months, table=shortfall or table=requirements." });
const Format = z.enum(EXPORT_FORMATS, { error: "Choose download=csv or download=xlsx." });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { kinds: BOARD_KINDS });
  const { db } = context.services;
  const params = new URL(request.url).searchParams;
  const which = Table.safeParse(params.get("table") ?? "months");
  if (!which.success) throw new Response(which.error.issues[0]!.message, { status: 400 });
  const format = Format.safeParse(params.get("download") ?? "csv");
  if (!format.success) throw new Response(format.error.issues[0]!.message, { status: 400 });
  const today = organisationToday(user.org.code);
  const { window, errors } = complianceWindow(params, today);
  if (Object.keys(errors).length) throw new Response(`The export was not started. ${Object.entries(errors).map(([key, message]) => `${key}: ${message}`).join(" ")}`, { status: 400 });
  const { unit } = await queueMeasures(db, user.org.code);
  const table = complianceTables(await complianceOverview(db, user.org.code, window, today), { kind: user.org.kind, unit })[which.data];
  return exportResponse({ services: context.services, userId: user.id, method: request.method }, {
    format: format.data,
    filename: exportFilename(user.org.code, `compliance-${table.id}`, { range: window }),
    sheetName: table.sheet ?? table.title,
    timeZone: organisationTimeZone(user.org.code),
    // As the report exports write them: a share in percent to two places (10.71, not 0.10714285714285714).
    columns: table.columns.map((c) => ({
      header: exportHeader(c),
      value: (row: (typeof table.rows)[number]) => exportCell(c, row),
      kind: c.kind === "text" || c.kind === "month" ? ("text" as const) : ("number" as const),
    })),
    readsDatabase: false,
    rows: (async function* () {
      yield* table.rows;
      if (table.total) yield table.total;
    })(),
    onFinish: (outcome) =>
      recordAudit(db, {
        action: "export",
        userId: user.id,
        orgCode: user.org.code,
        target: `report:compliance:${table.id}`,
        detail: { format: format.data, window, ...outcomeDetail(outcome) },
        ip: context.clientIp,
      }),
  });
}
