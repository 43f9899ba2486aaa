// One headline figure with its label.
export function StatCard({
  label,
  value,
  hint,
  tone,
  testId,
}: {
  label: string;
  value: string;
  hint?: string;
  tone?: "warn";
  testId?: string;
}) {
  return (
    <div className={tone ? `stat-card stat-card--${tone}` : "stat-card"}>
      <p className="stat-card__label">{label}</p>
      <p className="stat-card__value" data-testid={testId}>
        {value}
      </p>
      {hint ? <p className="stat-card__hint">{hint}</p> : null}
    </div>
  );
}
