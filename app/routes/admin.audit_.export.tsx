// The audit search as CSV or Excel: every matching event, newest first, streamed; the export is audited.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/permissions.server";
import { exportAuditTrail } from "~/models/audit-trail.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { permission: "oversee" });
  return exportAuditTrail(context.services, user, new URL(request.url).searchParams, { ip: context.clientIp, method: request.method });
}
