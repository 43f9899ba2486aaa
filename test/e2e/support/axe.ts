// Accessibility in the browser tests: axe-core's WCAG 2.1 A and AA rules on the page as it is, failing
// on any serious or critical violation with the rule, the element and axe's own explanation.
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

export async function expectNoSeriousA11yViolations(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const described = serious.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => `${n.target.join(" ")} — ${n.failureSummary ?? ""}`.replace(/\s+/g, " ")).slice(0, 5).join("\n  ")}`);
  expect(described, `axe on ${what}`).toEqual([]);
}
