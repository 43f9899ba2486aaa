// The rows of a roster upload that were not kept, as CSV (line, reason, the row as uploaded): the
// board fixes them in its spreadsheet and uploads them again. Streamed through the one export
// pipeline (cells neutralised against formula injection) and audited.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/permissions.server";
import { recordAudit } from "~/models/audit.server";
import { exportFilename, exportResponse, outcomeDetail } from "~/models/exports.server";
import { rosterUploadErrors, rosterUploadIdFrom } from "~/models/rosters.server";
import type { RosterRowError } from "../../db/schema";
import { organisationTimeZone } from "../../domain/reference";

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const uploadId = rosterUploadIdFrom(params);
  const { db } = context.services;
  const errors = await rosterUploadErrors(db, user.org.code, uploadId);
  if (!errors) throw new Response("Not found", { status: 404 });
  return exportResponse<RosterRowError>({ services: context.services, userId: user.id, method: request.method }, {
    format: "csv",
    filename: exportFilename(user.org.code, `roster-${uploadId}-bad-rows`),
    sheetName: "Rows not kept",
    timeZone: organisationTimeZone(user.org.code),
    columns: [
      { header: "Line", value: (e) => e.line, kind: "number" },
      { header: "Reason", value: (e) => e.reason },
      { header: "Row as uploaded", value: (e) => e.raw },
    ],
    readsDatabase: false,
    rows: each(errors),
    onFinish: (outcome) =>
      recordAudit(db, {
        action: "export",
        userId: user.id,
        orgCode: user.org.code,
        target: `roster_upload:${uploadId}:errors`,
        detail: { format: "csv", what: "roster bad rows", ...outcomeDetail(outcome) },
        ip: context.clientIp,
      }),
  });
}
