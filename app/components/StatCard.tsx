// One headline figure with its label (and, on the dashboard, its trend drawn under it).
import type { ReactNode } from "react";

export function StatCard({
  label,
  value,
  hint,
  tone,
  testId,
  small,
  children,
}: {
  label: string;
  value: string;
  hint?: string;
  tone?: "warn";
  testId?: string;
  /** A value in words rather than a figure (smaller type). */
  small?: boolean;
  /** Drawn under the value (a sparkline). */
  children?: ReactNode;
}) {
  const classes = ["stat-card", tone ? `stat-card--${tone}` : "", small ? "stat-card--text" : ""].filter(Boolean).join(" ");
  return (
    <div className={classes}>
      <p className="stat-card__label">{label}</p>
      <p className="stat-card__value" data-testid={testId}>
        {value}
      </p>
      {children}
      {hint ? <p className="stat-card__hint">{hint}</p> : null}
    </div>
  );
}
