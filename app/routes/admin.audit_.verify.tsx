// Administrators: check the organization's audit trail for tampering. Each event carries a hash
// chained to the one before it; the check reads the whole chain and names the first broken event.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireUser } from "~/auth/permissions.server";
import { PageHeader } from "~/components/PageHeader";
import { formatCount, formatDateTime } from "~/lib/format";
import { readFormFields } from "~/lib/request-form.server";
import { recordAudit } from "~/models/audit.server";
import { verifyAuditChain } from "~/models/audit-chain.server";
import { organisationTimeZone } from "../../domain/reference";

export const meta: MetaFunction = () => [{ title: "Check the audit trail · CME Credit Verification" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { permission: "administer" });
  return { org: user.org };
}

const KIND_WORDS: Record<string, string> = {
  edited: "Edited",
  deleted: "Deleted",
  relinked: "Edited, with its hash recomputed",
  "deleted-at-end": "Deleted at the end of the trail",
  "head-missing": "End of the trail removed",
};

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request, { permission: "administer" });
  const form = await readFormFields(request);
  if (form.intent !== "verify") throw new Response("Unknown action", { status: 400 });
  const { db } = context.services;
  const report = await verifyAuditChain(db, user.org.code);
  await recordAudit(db, {
    action: "audit.verify",
    userId: user.id,
    orgCode: user.org.code,
    target: "audit-trail",
    detail: { intact: report.intact, rows: report.rowsChecked, ...(report.broken ? { brokenRow: report.broken.rowId, problem: report.broken.kind } : {}) },
    ip: context.clientIp,
  });
  const tz = organisationTimeZone(user.org.code);
  return {
    checkedAt: formatDateTime(new Date(), tz),
    rows: report.rowsChecked,
    intact: report.intact,
    headHash: report.headHash,
    broken: report.broken && {
      rowId: report.broken.rowId,
      seq: report.broken.seq,
      when: report.broken.occurredAt ? formatDateTime(report.broken.occurredAt, tz) : null,
      what: KIND_WORDS[report.broken.kind] ?? report.broken.kind,
      message: report.broken.message,
    },
  };
}

export default function VerifyAuditTrail() {
  const { org } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const checking = navigation.state === "submitting";
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/admin/audit">Audit trail</Link> / Check for tampering
      </nav>
      <PageHeader
        eyebrow="Administration"
        title="Check the audit trail for tampering"
        description={`Each event ${org.name} records carries a fingerprint of its contents and of the event before it. Editing or deleting any event, even directly in the database, breaks the chain from that point. The check reads the whole trail and names the first event where it breaks.`}
        actions={
          <Form method="post">
            <button type="submit" name="intent" value="verify" className="button button--primary" disabled={checking}>
              {checking ? "Checking…" : "Check now"}
            </button>
          </Form>
        }
      />
      {result ? (
        result.intact ? (
          <div className="notice notice--ok" role="status" data-testid="verify-result">
            <p>
              <strong>The audit trail is intact.</strong> All {formatCount(result.rows)} events were checked on {result.checkedAt}; none was edited or deleted.
            </p>
            {result.headHash ? (
              <p className="small">
                Fingerprint of the latest event: <span className="mono">{result.headHash}</span>. Keep a copy with your records outside this system: it lets an auditor confirm later that nothing up to this point was rewritten.
              </p>
            ) : null}
          </div>
        ) : (
          <div className="notice notice--warn" role="alert" data-testid="verify-result">
            <p>
              <strong>The audit trail has been tampered with.</strong> Checked on {result.checkedAt}; {formatCount(result.rows)} events were read before the first break.
            </p>
            {result.broken ? (
              <dl className="detail-grid">
                <dt>First broken event</dt>
                <dd data-testid="broken-row">{result.broken.rowId ? `Event ${result.broken.rowId}` : "Unknown"} (number {result.broken.seq} in the trail)</dd>
                <dt>Recorded</dt>
                <dd>{result.broken.when ?? "No longer in the trail"}</dd>
                <dt>What is wrong</dt>
                <dd>{result.broken.what}</dd>
                <dt>Details</dt>
                <dd>{result.broken.message}</dd>
              </dl>
            ) : null}
          </div>
        )
      ) : (
        <p className="empty-state">The check has not been run from this page yet. It reads every event of the trail, which takes a few seconds per million events.</p>
      )}
    </>
  );
}
