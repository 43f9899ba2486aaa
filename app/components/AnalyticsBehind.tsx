// The notice every report page and the overview show while their figures are behind the learner
// store (the last update failed, or updates run late): how far behind, since when updates fail, and
// when the figures shown were read. Plain words: reviewers need not know how analytics are kept.
import type { AnalyticsFreshness } from "../../db/analytics/service";
import { formatDuration } from "~/lib/format";
import { DateTime } from "./DateTime";

export function AnalyticsBehind({ freshness }: { freshness: AnalyticsFreshness | null | undefined }) {
  if (!freshness?.behind) return null;
  const { asOf, now, failedAt } = freshness;
  const lag = formatDuration(Date.parse(now) - Date.parse(asOf));
  return (
    <p className="notice notice--warn" role="status" data-testid="analytics-behind">
      Analytics are {lag} behind:{" "}
      {failedAt ? (
        <>
          the last update failed at <DateTime value={failedAt} />.
        </>
      ) : (
        <>updates are running late.</>
      )}{" "}
      The figures below are from <DateTime value={asOf} />.
      {failedAt ? " The update is tried again automatically." : null}
    </p>
  );
}
