// A small trend line for a dashboard figure: inline SVG (drawn on the server, no script needed),
// with the first and last values spelled out for screen readers.
import { monthLabel } from "~/lib/reports";

export function Sparkline({ values, months, format, label }: {
  values: ReadonlyArray<number | null>;
  /** YYYY-MM of each value. */
  months: readonly string[];
  format: (value: number) => string;
  label: string;
}) {
  const width = 180;
  const height = 36;
  const pad = 3;
  const known = values.map((v, i) => ({ v, i })).filter((p): p is { v: number; i: number } => p.v !== null);
  if (known.length < 2) return null;
  const max = Math.max(...known.map((p) => p.v));
  const min = Math.min(0, ...known.map((p) => p.v));
  const x = (i: number) => pad + (i * (width - 2 * pad)) / Math.max(1, values.length - 1);
  const y = (v: number) => height - pad - ((v - min) / (max - min || 1)) * (height - 2 * pad);
  const points = known.map((p) => `${x(p.i).toFixed(1)},${y(p.v).toFixed(1)}`).join(" ");
  const first = known[0]!;
  const last = known[known.length - 1]!;
  const description = `${label}: ${format(first.v)} in ${monthLabel(months[first.i] ?? "")}, ${format(last.v)} in ${monthLabel(months[last.i] ?? "")}.`;
  return (
    <svg className="sparkline" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={description}>
      <polyline points={`${x(first.i)},${height - pad} ${points} ${x(last.i)},${height - pad}`} className="sparkline__area" />
      <polyline points={points} className="sparkline__line" />
      <circle cx={x(last.i)} cy={y(last.v)} r={2.8} className="sparkline__dot" />
    </svg>
  );
}
