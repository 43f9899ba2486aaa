// Moments on a page, in the signed-in organization's time zone (the root loader names it), through
// the one formatter (app/lib/format.ts): "Dec 5, 2026, 9:14 AM PST".
import { useRouteLoaderData } from "@remix-run/react";
import { formatDateTime, formatSubmittedDate } from "~/lib/format";

/** The organization's time zone; UTC when no one is signed in. */
export function useTimeZone(): string {
  const data = useRouteLoaderData("root") as { user?: { timeZone?: string } | null } | undefined;
  return data?.user?.timeZone ?? "UTC";
}

export function DateTime({ value, seconds }: { value: string | null; seconds?: boolean }) {
  const timeZone = useTimeZone();
  if (value === null) return <>—</>;
  return <time dateTime={value}>{formatDateTime(value, timeZone, { seconds })}</time>;
}

/** A submission's calendar date in the organization's zone (MM/DD/YYYY), its full time on hover. */
export function SubmittedDate({ value }: { value: string }) {
  const timeZone = useTimeZone();
  return (
    <time dateTime={value} title={formatDateTime(value, timeZone)}>
      {formatSubmittedDate(value, timeZone)}
    </time>
  );
}
