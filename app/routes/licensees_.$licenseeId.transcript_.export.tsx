// The official transcript as CSV or XLSX: the same header block as the printed page (issuer,
// primary source, licensee, period, produced at, verification code), the totals reported and
// counted, then one row per record with what is not counted and why. A transcript is one licensee's
// records for a period (a few hundred rows), so the file is built whole; the export is audited and
// issues (or reuses) the verification code it carries.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/permissions.server";
import { exportFilename } from "~/models/exports.server";
import { recordAudit } from "~/models/audit.server";
import { getLicensee, licenseeCount, licenseeIdFrom } from "~/models/licensees.server";
import { formatCode, issueTranscript, transcriptCsv, transcriptPeriod, transcriptXlsx, type TranscriptDocument } from "~/models/transcripts.server";
import { organisationTimeZone } from "../../domain/reference";

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const learnerId = licenseeIdFrom(params);
  const { db } = context.services;
  const licensee = await getLicensee(db, user.scope, learnerId);
  if (!licensee) throw new Response("Not found", { status: 404 });
  const search = new URL(request.url).searchParams;
  const format = search.get("download") ?? "csv";
  if (format !== "csv" && format !== "xlsx") throw new Response("Choose download=csv or download=xlsx.", { status: 400 });
  const answer = await transcriptPeriod(db, user, learnerId, search);
  if (!answer.ok) {
    // Named by the field the request used, as every export names it.
    const field = (name: "from" | "to") => (search.has(name) ? name : search.has(name === "from" ? "completedFrom" : "completedTo") ? (name === "from" ? "completedFrom" : "completedTo") : name);
    const problems = Object.entries(answer.errors).map(([key, message]) => (key === "entry" ? `entry: ${message}` : `${field(key as "from" | "to")}: ${message}`));
    throw new Response(`The export was not started. ${problems.join(" ")}`, { status: 400 });
  }
  const headers = {
    "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "Content-Disposition": `attachment; filename="${exportFilename(user.org.code, `transcript-${learnerId}`, { range: answer.period })}.${format}"`,
    "Cache-Control": "no-store",
  };
  // A HEAD is answered with the file's headers alone: nothing issued, nothing read.
  if (request.method.toUpperCase() === "HEAD") return new Response(null, { headers });
  const { period } = answer;
  const [count, boards] = await Promise.all([licenseeCount(db, user.scope, learnerId, period), db.selectFrom("board.organisation").select(["code", "name"]).execute()]);
  const issued = await issueTranscript(db, user, learnerId, period, count, { format, ip: context.clientIp });
  const doc: TranscriptDocument = {
    issuer: user.org.name,
    licensee,
    boardNames: Object.fromEntries(boards.map((b) => [b.code, b.name])),
    period,
    count,
    issued,
    producedBy: user.displayName,
    timeZone: organisationTimeZone(user.org.code),
    verifyUrl: `${new URL(request.url).origin}/verify/${formatCode(issued.code)}`,
  };
  const body = format === "csv" ? transcriptCsv(doc) : new Uint8Array(await transcriptXlsx(doc));
  await recordAudit(db, {
    action: "export",
    userId: user.id,
    orgCode: user.org.code,
    target: `learner:${learnerId}`,
    detail: { format, what: "transcript", from: period.from, to: period.to, code: issued.code, rows: count.records.length, rowsWritten: count.records.length, completed: true },
    ip: context.clientIp,
  });
  return new Response(body, { headers });
}
