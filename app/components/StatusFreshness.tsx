// When the renewal statuses a page shows were computed, and whether an update is under way: the
// statuses are computed in the background (after new records, rule changes and roster uploads), so a
// page says how fresh they are instead of computing them while the reviewer waits.
import { DateTime } from "./DateTime";

export interface StatusFreshnessView {
  computedAt: string | null;
  updating: boolean;
  /** The time of the answer (ISO), so "today" is read the same way on the server and in the browser. */
  now: string;
}

export function StatusFreshness({ freshness }: { freshness: StatusFreshnessView }) {
  const { computedAt, updating } = freshness;
  return (
    <p className={updating ? "notice notice--info status-freshness" : "muted small status-freshness"} role="status" data-testid="status-freshness">
      {computedAt ? (
        <>
          Statuses computed <DateTime value={computedAt} />
          {updating ? "; updating…" : "."}
        </>
      ) : (
        <>Statuses are being computed for the first time; entries show “Being evaluated” until then.</>
      )}
      {updating && computedAt ? " New and changed entries show “Being evaluated” until the update finishes; reload to see it." : null}
    </p>
  );
}
