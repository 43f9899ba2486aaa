// "Who has seen this record": the licensee page's panel for supervisors and administrators, from
// the audit trail (app/models/audit-trail.server.ts, recordViewers): who viewed, exported, decided
// on or issued a transcript of this person's record, when and from where.
import { Link } from "@remix-run/react";
import type { RecordViewers } from "~/models/audit-trail.server";
import { formatCount } from "~/lib/format";

export function RecordViewersPanel({ viewers, person }: { viewers: RecordViewers; person: string }) {
  const titleId = "record-viewers-title";
  return (
    <section aria-labelledby={titleId} className="stack section" data-testid="record-viewers">
      <h2 id={titleId} className="section-title">
        Who has seen this record
      </h2>
      {viewers.total === 0 ? (
        <p className="empty-state">No one in your organization has opened, exported or decided on this {person}&apos;s record yet.</p>
      ) : (
        <>
          <p className="small muted">
            {formatCount(viewers.total)} {viewers.total === 1 ? "event" : "events"} by {formatCount(viewers.people)} {viewers.people === 1 ? "person" : "people"}
            {viewers.total > viewers.events.length ? `; the latest ${viewers.events.length} are shown` : ""}.
          </p>
          <div className="table-wrap">
            <table className="data-table audit-table">
              <caption className="visually-hidden">Who has seen this record, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {viewers.events.map((e) => (
                  <tr key={e.id} data-testid="record-viewer">
                    <td className="when">
                      <time dateTime={e.at}>{e.when}</time>
                    </td>
                    <td>
                      {e.who}
                      {e.email ? <span className="sub">{e.email}</span> : null}
                    </td>
                    <td className="wrap">{e.what}</td>
                    <td className="mono">{e.ip ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <p>
        <Link to={viewers.href} data-testid="record-viewers-link">
          Search the audit trail for this {person}
        </Link>
      </p>
    </section>
  );
}
