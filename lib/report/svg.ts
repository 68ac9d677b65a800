/**
 * A tiny line / scatter plot writer for the report's figures: axes with "nice" ticks, an optional log
 * x-axis, a legend, vertical error bars for CIs, optional point labels. No dependencies.
 *
 * The output is a pure function of the input with every coordinate printed with two decimals, so a
 * figure regenerated from the same results is byte-identical (the report's determinism test covers it).
 *
 * @module
 */
import { formatNumber } from "./markdown.ts";

/** One point; `lo`/`hi` draw an error bar (e.g. a 95 % CI), `label` a text beside the marker. */
export interface PlotPoint {
  x: number;
  y: number;
  lo?: number;
  hi?: number;
  label?: string;
}

/** A named series: markers joined by a line (sorted by x) unless `mode` is "scatter". */
export interface PlotSeries {
  name: string;
  points: readonly PlotPoint[];
  mode?: "line" | "scatter";
  dashed?: boolean;
}

/** What to plot. */
export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly PlotSeries[];
  /** Logarithmic x-axis (every x must be positive). */
  logX?: boolean;
  /** Plot-area size in pixels (default 360 × 240); margins, title and legend come on top. */
  plotWidth?: number;
  plotHeight?: number;
}

/**
 * Margins around the plot area, in pixels; the legend column sits right of the plot area. Data are
 * drawn `inset` pixels inside the axes so that points at the ends of the range do not sit on them.
 */
export const LAYOUT = { left: 56, right: 16, top: 36, bottom: 48, inset: 8 } as const;

/**
 * Width of the legend column: swatch and gap plus an estimate of the longest name at 11 px sans-serif
 * (about 6.5 px per character), never below 80 px. An estimate keeps the output font-independent.
 */
export function legendWidth(names: readonly string[]): number {
  if (names.length === 0) return 0;
  return Math.max(80, Math.ceil(34 + 6.5 * Math.max(...names.map((name) => name.length))));
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

/**
 * At most about `target` evenly spaced ticks at a step of 1, 2 or 5 × 10^k that cover [lo, hi]; the
 * first and last tick are the axis ends. lo = hi is widened first so the axis is never empty.
 */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) {
    throw new RangeError(`Cannot make ticks for the range "[${lo}, ${hi}]"`);
  }
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, target - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw - 1e-12 * raw)!;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  // Multiplying the integer index (instead of adding steps) keeps 0.1-steps free of accumulated error.
  for (let i = first; i <= last; i++) ticks.push(roundTo(i * step, step));
  return ticks;
}

/** Powers of ten covering [lo, hi] (both > 0); a single decade is widened to one on each side. */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) {
    throw new RangeError(`Cannot make log ticks for the range "[${lo}, ${hi}]"`);
  }
  let first = Math.floor(Math.log10(lo) + 1e-9);
  let last = Math.ceil(Math.log10(hi) - 1e-9);
  if (first === last) {
    first -= 1;
    last += 1;
  }
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(k < 0 ? Number(`1e${k}`) : 10 ** k);
  return ticks;
}

/** Tick text with as many decimals as the step needs (step 0.05 → "0.15"). */
export function formatTick(value: number, step: number): string {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  return formatNumber(value, Math.min(decimals, 20));
}

function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  return Number(value.toFixed(Math.min(decimals + 2, 20)));
}

/** Text safe inside an SVG element or attribute. */
export function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&apos;");
}

const n = (v: number) => formatNumber(v, 2);

/** The plot as an SVG document (UTF-8 text ending in a newline). */
export function linePlot(spec: PlotSpec): string {
  const { plotWidth = 360, plotHeight = 240, logX = false } = spec;
  validate(spec);
  const points = spec.series.flatMap((s) => s.points);
  const empty = points.length === 0;
  const xs = points.map((p) => p.x);
  const ys = points.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]);
  const xTicks = empty
    ? niceTicks(0, 1)
    : logX
    ? logTicks(Math.min(...xs), Math.max(...xs))
    : niceTicks(Math.min(...xs), Math.max(...xs));
  const yTicks = empty ? niceTicks(0, 1) : niceTicks(Math.min(...ys), Math.max(...ys));

  const legend = legendWidth(spec.series.map((series) => series.name));
  const width = LAYOUT.left + plotWidth + LAYOUT.right + legend;
  const height = LAYOUT.top + plotHeight + LAYOUT.bottom;
  const x0 = LAYOUT.left, x1 = LAYOUT.left + plotWidth;
  const y0 = LAYOUT.top + plotHeight, y1 = LAYOUT.top;
  const tx = (v: number) => logX ? Math.log10(v) : v;
  const [xLo, xHi] = [tx(xTicks[0]!), tx(xTicks[xTicks.length - 1]!)];
  const [yLo, yHi] = [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const { inset } = LAYOUT;
  const px = (v: number) => x0 + inset + ((tx(v) - xLo) / (xHi - xLo)) * (plotWidth - 2 * inset);
  const py = (v: number) => y0 - inset - ((v - yLo) / (yHi - yLo)) * (plotHeight - 2 * inset);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${n(x0 + plotWidth / 2)}" y="20" text-anchor="middle" font-size="13">${
      escapeXml(spec.title)
    }</text>`,
  ];
  const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
  for (const t of yTicks) {
    out.push(
      `<line x1="${n(x0)}" y1="${n(py(t))}" x2="${n(x1)}" y2="${n(py(t))}" stroke="#e0e0e0"/>`,
      `<text x="${n(x0 - 6)}" y="${n(py(t) + 4)}" text-anchor="end">${formatTick(t, yStep)}</text>`,
    );
  }
  const xStep = xTicks.length > 1 ? xTicks[1]! - xTicks[0]! : 1;
  for (const t of xTicks) {
    const label = logX ? formatTick(t, t) : formatTick(t, xStep);
    out.push(
      `<line x1="${n(px(t))}" y1="${n(y0)}" x2="${n(px(t))}" y2="${n(y0 + 5)}" stroke="#000000"/>`,
      `<text x="${n(px(t))}" y="${n(y0 + 18)}" text-anchor="middle">${label}</text>`,
    );
  }
  out.push(
    `<line x1="${n(x0)}" y1="${n(y0)}" x2="${n(x1)}" y2="${n(y0)}" stroke="#000000"/>`,
    `<line x1="${n(x0)}" y1="${n(y0)}" x2="${n(x0)}" y2="${n(y1)}" stroke="#000000"/>`,
    `<text x="${n(x0 + plotWidth / 2)}" y="${n(y0 + 38)}" text-anchor="middle">${
      escapeXml(spec.xLabel + (logX ? " (log scale)" : ""))
    }</text>`,
    `<text x="14" y="${n(y1 + plotHeight / 2)}" text-anchor="middle" ` +
      `transform="rotate(-90 14 ${n(y1 + plotHeight / 2)})">${escapeXml(spec.yLabel)}</text>`,
  );
  if (empty) {
    out.push(
      `<text x="${n(x0 + plotWidth / 2)}" y="${n(y1 + plotHeight / 2)}" text-anchor="middle" ` +
        `fill="#7f7f7f">no data</text>`,
    );
  }

  spec.series.forEach((series, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const dash = series.dashed ? ` stroke-dasharray="5 3"` : "";
    if ((series.mode ?? "line") === "line" && series.points.length > 1) {
      const sorted = [...series.points].sort((a, b) => a.x - b.x);
      const path = sorted.map((p) => `${n(px(p.x))},${n(py(p.y))}`).join(" ");
      out.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="1.5"${dash}/>`);
    }
    for (const p of series.points) {
      const cx = px(p.x), cy = py(p.y);
      if (p.lo !== undefined && p.hi !== undefined) {
        const [top, bottom] = [py(p.hi), py(p.lo)];
        out.push(
          `<line x1="${n(cx)}" y1="${n(top)}" x2="${n(cx)}" y2="${n(bottom)}" stroke="${color}"/>`,
          `<line x1="${n(cx - 4)}" y1="${n(top)}" x2="${n(cx + 4)}" y2="${n(top)}" stroke="${color}"/>`,
          `<line x1="${n(cx - 4)}" y1="${n(bottom)}" x2="${n(cx + 4)}" y2="${n(bottom)}" stroke="${color}"/>`,
        );
      }
      out.push(`<circle cx="${n(cx)}" cy="${n(cy)}" r="3" fill="${color}"/>`);
      if (p.label) {
        out.push(`<text x="${n(cx + 6)}" y="${n(cy - 6)}" font-size="10">${escapeXml(p.label)}</text>`);
      }
    }
    const ly = y1 + 8 + 18 * i;
    const lx = x1 + LAYOUT.right;
    if ((series.mode ?? "line") === "line") {
      out.push(
        `<line x1="${n(lx)}" y1="${n(ly)}" x2="${n(lx + 18)}" y2="${n(ly)}" stroke="${color}" ` +
          `stroke-width="1.5"${dash}/>`,
      );
    }
    out.push(
      `<circle cx="${n(lx + 9)}" cy="${n(ly)}" r="3" fill="${color}"/>`,
      `<text x="${n(lx + 24)}" y="${n(ly + 4)}">${escapeXml(series.name)}</text>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function validate(spec: PlotSpec): void {
  const { plotWidth = 360, plotHeight = 240 } = spec;
  if (!(plotWidth > 0 && plotHeight > 0)) {
    throw new RangeError(`Plot size must be positive, got "${plotWidth}x${plotHeight}"`);
  }
  for (const series of spec.series) {
    for (const p of series.points) {
      const values = [p.x, p.y, ...(p.lo === undefined ? [] : [p.lo]), ...(p.hi === undefined ? [] : [p.hi])];
      if (!values.every(Number.isFinite)) {
        throw new RangeError(`Cannot plot point (${p.x}, ${p.y}) of series "${series.name}": not finite`);
      }
      if (spec.logX && !(p.x > 0)) {
        throw new RangeError(
          `Cannot plot x "${p.x}" of series "${series.name}" on a log axis: x must be positive`,
        );
      }
    }
  }
}
