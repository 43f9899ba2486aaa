// The account pages' pure helpers: a browser named from its User-Agent, and a moment shown in an
// organization's time zone (compared with Intl's own parts, an independent computation).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDateTime } from "../../app/lib/format";
import { describeUserAgent } from "../../app/lib/user-agent";

describe("describeUserAgent", () => {
  it.each([
    ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 on macOS"],
    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Edge 131 on Windows"],
    ["Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Linux"],
    ["Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari 18 on iPhone"],
    ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome 131 on Android"],
    ["curl/8.5.0", "Unknown browser"],
    [null, "Unknown browser"],
  ])("%s", (ua, expected) => {
    expect(describeUserAgent(ua)).toBe(expected);
  });
});

describe("formatDateTime", () => {
  it("is the instant in the zone, named, as 'Dec 5, 2026, 9:14 AM PST'", () => {
    expect(formatDateTime("2026-12-05T17:14:00Z", "America/Los_Angeles")).toBe("Dec 5, 2026, 9:14 AM PST");
    expect(formatDateTime("2026-07-05T17:14:00Z", "America/New_York")).toBe("Jul 5, 2026, 1:14 PM EDT");
    expect(formatDateTime(null, "UTC")).toBe("—");
  });

  it("shows the zone's own wall-clock day and hour for any instant", () => {
    const zones = fc.constantFrom("America/Los_Angeles", "America/New_York", "America/Chicago", "America/St_Thomas", "Pacific/Honolulu", "UTC");
    fc.assert(
      fc.property(fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }), zones, (d, zone) => {
        const parts = Object.fromEntries(
          new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", day: "numeric", hour: "numeric", hour12: true, minute: "2-digit" })
            .formatToParts(d)
            .map((p) => [p.type, p.value]),
        );
        const text = formatDateTime(d.toISOString(), zone);
        expect(text).toContain(`${parts.day}, ${parts.year}, ${parts.hour}:${parts.minute} ${parts.dayPeriod}`);
      }),
    );
  });
});
