// The one chart component of the reports (Recharts): bars, stacked bars and lines over the rows of
// a report table, on one or two value axes, always with a title, axis labels and a legend. The
// numbers are those of the table printed under it; the chart is a picture of them (role="img"
// with a summary), the table is what screen readers and keyboards use.
import { useEffect, useState } from "react";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from "recharts";
import { monthLabel, type CellValue, type ReportRow } from "~/lib/reports";
import { formatCount, formatCredits } from "~/lib/format";

export type ValueFormat = "count" | "percent" | "credits";

export interface ChartSeries {
  key: string;
  label: string;
  type: "bar" | "line";
  axis?: "left" | "right";
  /** Bars with the same stack id are stacked (only for additive figures). */
  stack?: string;
}

export interface ChartSpec {
  title: string;
  /** One sentence of what the chart shows, for screen readers (the table beneath has the numbers). */
  summary: string;
  rows: ReportRow[];
  /** The category of each row (months, bands, providers…). */
  category: { key: string; label: string; format?: "month" | "text" };
  series: ChartSeries[];
  left: { label: string; format: ValueFormat };
  right?: { label: string; format: ValueFormat };
  /** Categories down the side (long names: providers, formats, reasons). */
  horizontal?: boolean;
  height?: number;
}

/** Colours told apart with colour-blindness too (Okabe–Ito order, then muted tones). */
const LINE_ON_BARS = "#1b2430";
export const SERIES_COLOURS = ["#2563a6", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#0b3d6b", "#8a8f98", "#b7950b", "#6a3d9a", "#1f9e89", "#b15928"];

const compactNumber = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** A value as the tooltip (full) or an axis tick (compact) shows it. */
function formatValue(value: CellValue | undefined, format: ValueFormat, compact = false): string {
  if (value === null || value === undefined || typeof value !== "number") return "—";
  if (format === "percent") return `${(value * 100).toFixed(compact ? 0 : 1)}%`;
  if (compact) return compactNumber.format(value);
  return format === "credits" ? formatCredits(value) : formatCount(value);
}

function categoryText(value: CellValue | undefined, format: "month" | "text" | undefined): string {
  if (value === null || value === undefined) return "";
  return format === "month" ? monthLabel(String(value)) : String(value);
}

/** Long names (providers) on one line beside a bar; the table has them in full. */
function shortened(text: string, max = 34): string {
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/** The largest value of the series on an axis. */
function maxOf(spec: ChartSpec, axis: "left" | "right"): number {
  let max = 0;
  for (const s of spec.series) {
    if ((s.axis ?? "left") !== axis) continue;
    for (const row of spec.rows) {
      const v = row[s.key];
      if (typeof v === "number" && v > max) max = v;
    }
  }
  return max;
}

/** A share axis: 0–100% when shares are large, else up to a round step above the largest, with round ticks. */
function percentAxis(max: number): { domain: [number, number]; ticks: number[] } {
  if (max > 0.5) return { domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1] };
  const step = max <= 0.1 ? 0.02 : max <= 0.25 ? 0.05 : 0.1;
  const top = Math.max(step, Math.ceil(max / step) * step);
  const ticks: number[] = [];
  for (let t = 0; t <= top + 1e-9; t += step) ticks.push(Math.round(t * 1000) / 1000);
  return { domain: [0, top], ticks };
}

/** A count or credits axis: 0 to a round number just above the largest, with four or five round steps. */
function amountAxis(max: number): { domain: [number, number]; ticks: number[] } {
  if (max <= 0) return { domain: [0, 1], ticks: [0, 1] };
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  const top = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let t = 0; t <= top + step / 2; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
  return { domain: [0, top], ticks };
}

/** The largest stack (or single value) drawn on an axis: stacked bars add up. */
function stackedMaxOf(spec: ChartSpec, axis: "left" | "right"): number {
  let max = 0;
  for (const row of spec.rows) {
    const stacks = new Map<string, number>();
    for (const s of spec.series) {
      if ((s.axis ?? "left") !== axis) continue;
      const v = row[s.key];
      if (typeof v !== "number") continue;
      const key = s.stack ?? `__${s.key}`;
      stacks.set(key, (stacks.get(key) ?? 0) + v);
    }
    for (const v of stacks.values()) max = Math.max(max, v);
  }
  return max;
}

const valueAxis = (spec: ChartSpec, axis: "left" | "right", format: ValueFormat) =>
  format === "percent" ? percentAxis(maxOf(spec, axis)) : amountAxis(stackedMaxOf(spec, axis));

/** A category tick beside a horizontal bar: one line, shortened, the full name on hover. */
function SideTick(props: { x?: number | string; y?: number | string; payload?: { value: CellValue }; format?: "month" | "text" }) {
  const full = categoryText(props.payload?.value, props.format);
  return (
    <text x={Number(props.x ?? 0)} y={Number(props.y ?? 0)} dy={4} textAnchor="end" fontSize={12} fill="#4a5668">
      <title>{full}</title>
      {shortened(full)}
    </text>
  );
}

/** Recharts measures the page: render it after hydration, in a box of the final size meanwhile. */
function useMounted(): boolean {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return mounted;
}

export function ReportChart({ spec, testId }: { spec: ChartSpec; testId?: string }) {
  const mounted = useMounted();
  const horizontal = spec.horizontal ?? false;
  const hasBars = spec.series.some((s) => s.type === "bar");
  const height = spec.height ?? (horizontal ? Math.max(260, 90 + spec.rows.length * 28) : 320);
  const axisFormat = (format: ValueFormat) => (v: number) => formatValue(v, format, true);
  const seriesFormat = new Map(spec.series.map((s) => [s.label, s.axis === "right" && spec.right ? spec.right.format : spec.left.format]));
  const categoryAxisProps = {
    dataKey: spec.category.key,
    tickFormatter: (v: CellValue) => categoryText(v, spec.category.format),
    tick: { fontSize: 12, fill: "#4a5668" },
    stroke: "#c4ccd6",
  };
  const valueTick = { fontSize: 12, fill: "#4a5668" };
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption className="chart__title">{spec.title}</figcaption>
      <div className="chart__canvas" style={{ height }} role="img" aria-label={`${spec.title}. ${spec.summary} The table below has the numbers.`}>
        {mounted ? (
          <ComposedChart
            responsive
            data={spec.rows}
            layout={horizontal ? "vertical" : "horizontal"}
            style={{ width: "100%", height }}
            margin={{ top: 8, right: spec.right ? 12 : 24, bottom: 8, left: horizontal ? 8 : 12 }}
            accessibilityLayer={false}
          >
            <CartesianGrid stroke="#e8edf2" vertical={horizontal} horizontal={!horizontal} />
            {horizontal ? (
              <>
                <XAxis
                  type="number"
                  tickFormatter={axisFormat(spec.left.format)}
                  tick={valueTick}
                  stroke="#c4ccd6"
                  label={{ value: spec.left.label, position: "insideBottom", offset: -4, fill: "#4a5668", fontSize: 12 }}
                  height={44}
                  {...valueAxis(spec, "left", spec.left.format)}
                />
                <YAxis
                  type="category"
                  dataKey={spec.category.key}
                  stroke="#c4ccd6"
                  tick={<SideTick format={spec.category.format} />}
                  width={240}
                  interval={0}
                  label={{ value: spec.category.label, angle: -90, position: "insideLeft", fill: "#4a5668", fontSize: 12, dx: -2, style: { textAnchor: "middle" } }}
                />
              </>
            ) : (
              <>
                <XAxis
                  {...categoryAxisProps}
                  height={48}
                  minTickGap={8}
                  label={{ value: spec.category.label, position: "insideBottom", offset: -2, fill: "#4a5668", fontSize: 12 }}
                />
                <YAxis
                  yAxisId="left"
                  tickFormatter={axisFormat(spec.left.format)}
                  tick={valueTick}
                  stroke="#c4ccd6"
                  width={64}
                  {...valueAxis(spec, "left", spec.left.format)}
                  label={{ value: spec.left.label, angle: -90, position: "insideLeft", fill: "#4a5668", fontSize: 12, style: { textAnchor: "middle" } }}
                />
                {spec.right ? (
                  <YAxis
                    yAxisId="right"
                    orientation="right"
                    tickFormatter={axisFormat(spec.right.format)}
                    tick={valueTick}
                    stroke="#c4ccd6"
                    width={64}
                    {...valueAxis(spec, "right", spec.right.format)}
                    label={{ value: spec.right.label, angle: 90, position: "insideRight", fill: "#4a5668", fontSize: 12, style: { textAnchor: "middle" } }}
                  />
                ) : null}
              </>
            )}
            <Tooltip
              formatter={(value, name) => formatValue(typeof value === "number" ? value : null, seriesFormat.get(String(name)) ?? spec.left.format)}
              labelFormatter={(label) => categoryText(label as CellValue, spec.category.format)}
              contentStyle={{ borderRadius: 6, borderColor: "#dde3ea", fontSize: 13 }}
            />
            <Legend verticalAlign="top" align="left" iconType="square" itemSorter={null} wrapperStyle={{ fontSize: 13, color: "#1b2430", paddingBottom: 8 }} />
            {spec.series.map((s, i) => {
              // Beside bars, a line is drawn in ink so it never reads as one more bar colour.
              const colour = s.type === "line" && hasBars ? LINE_ON_BARS : SERIES_COLOURS[i % SERIES_COLOURS.length];
              const axisId = horizontal ? undefined : s.axis === "right" ? "right" : "left";
              return s.type === "bar" ? (
                <Bar
                  key={s.key}
                  dataKey={(row: ReportRow) => row[s.key]}
                  name={s.label}
                  fill={colour}
                  yAxisId={axisId}
                  stackId={s.stack}
                  isAnimationActive={false}
                  maxBarSize={horizontal ? 22 : 42}
                />
              ) : (
                <Line
                  key={s.key}
                  dataKey={(row: ReportRow) => row[s.key]}
                  name={s.label}
                  stroke={colour}
                  strokeWidth={2.5}
                  dot={{ r: 3 }}
                  yAxisId={axisId}
                  isAnimationActive={false}
                  connectNulls={false}
                  type="linear"
                />
              );
            })}
          </ComposedChart>
        ) : (
          <div className="chart__placeholder" aria-hidden="true" />
        )}
      </div>
    </figure>
  );
}
