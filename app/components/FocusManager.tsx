// Where keyboard focus goes after the app changes the page, and what a screen reader hears:
// - after following a link to another page, focus starts again from the top, as on a full page load
//   (the next Tab reaches "Skip to content", not whatever sat where the last page's control was);
// - after a form is submitted (a search, a decision, an upload, a sign-in failure), focus moves to
//   its result — an error summary first, then whatever the page marks as the result
//   (`data-result`), else the page's heading — and the result's words are announced in one polite
//   live region, so nobody is left on a button that vanished or on the page's body.
import { useLocation, useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";

/** The elements a submission's result can be, most urgent first. */
const RESULT_SELECTORS = ["[data-error-summary]", "main [role=alert]", "main [data-result]", "main h1"];
const MAX_ANNOUNCEMENT = 300;

function resultElement(): HTMLElement | null {
  for (const selector of RESULT_SELECTORS) {
    const found = document.querySelector<HTMLElement>(selector);
    if (found && found.offsetParent !== null) return found;
  }
  return null;
}

export function FocusManager() {
  const navigation = useNavigation();
  const location = useLocation();
  const top = useRef<HTMLDivElement>(null);
  const submitted = useRef(false);
  const lastPath = useRef(location.pathname);
  const [announcement, setAnnouncement] = useState("");

  if (navigation.state !== "idle" && navigation.formMethod) submitted.current = true;

  useEffect(() => {
    if (navigation.state !== "idle") return;
    const pathChanged = lastPath.current !== location.pathname;
    lastPath.current = location.pathname;
    const wasSubmitted = submitted.current;
    submitted.current = false;
    // A submission that stays on its page (a search, a decision, a failed sign-in) focuses its
    // result; one that leads to another page (a sign-in, a save that redirects) starts that page
    // from the top, as any new page does, unless it opens on an error.
    const urgent = wasSubmitted && pathChanged ? document.querySelector<HTMLElement>("[data-error-summary], main [role=alert]") : null;
    if (wasSubmitted && (!pathChanged || urgent)) {
      const result = urgent ?? resultElement();
      if (!result) return;
      if (!result.matches("a, button, input, select, textarea, [tabindex]")) result.tabIndex = -1;
      result.focus();
      const words = (result.innerText || result.textContent || "").replace(/\s+/g, " ").trim().slice(0, MAX_ANNOUNCEMENT);
      // Emptied first, so the same words after a second submission are heard again.
      setAnnouncement("");
      requestAnimationFrame(() => setAnnouncement(words));
    } else if (pathChanged) {
      top.current?.focus({ preventScroll: true });
    }
  }, [navigation.state, location.pathname, location.search]);

  return (
    <>
      <div ref={top} tabIndex={-1} className="focus-start" />
      <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="announcer">
        {announcement}
      </div>
    </>
  );
}
