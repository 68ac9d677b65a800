/**
 * The report's figures, as SVG text keyed by file name: accuracy vs teacher samples (log x), accuracy vs
 * relative throughput (the paper's Figure 5 analogue), gain vs layer split, and one figure per numeric
 * sweep. A figure whose data is missing is not produced; the report says so where it would be linked.
 *
 * @module
 */
import type { Result } from "../results/schema.ts";
import {
  ABLATION_METHODS,
  AGGREGATE_SUITES,
  EXPERIMENTS,
  METHOD_LABELS,
  TEXT_SUITES,
  VISION_SUITES,
} from "../experiment/conventions.ts";
import { dataSizePoints } from "./data_size.ts";
import { gainOf } from "./ladder.ts";
import { layerSplits } from "./layers.ts";
import { accuracyOf, type Measured, type ResultSet, throughputOf } from "./lookup.ts";
import { tableMethods } from "./main_tables.ts";
import { linePlot, type PlotPoint, type PlotSeries } from "./svg.ts";
import { sweepGroups } from "./sweeps.ts";

/** A rendered figure. */
export interface Figure {
  /** File name under the figures folder, e.g. "data_size.svg". */
  name: string;
  title: string;
  svg: string;
}

/** The standard figures, in report order, with the experiment each needs. */
export const STANDARD_FIGURES = [
  {
    name: "data_size.svg",
    title: "Accuracy vs number of teacher samples",
    experiment: EXPERIMENTS.dataSizeSweep,
  },
  {
    name: "accuracy_vs_throughput.svg",
    title: "Accuracy vs relative throughput (Figure 5 analogue)",
    experiment: EXPERIMENTS.mainResults,
  },
  {
    name: "layer_split.svg",
    title: "Gain over the baseline vs layer split",
    experiment: EXPERIMENTS.layerAblation,
  },
] as const;

function point(x: number, m: Measured, label?: string): PlotPoint {
  return { x, y: m.value, ...(m.ci ? { lo: m.ci[0], hi: m.ci[1] } : {}), ...(label ? { label } : {}) };
}

const MEAN = AGGREGATE_SUITES.mean;

function dataSizeFigure(result: Result | undefined): string | undefined {
  const points = dataSizePoints(result).filter((p) => p.accuracy && p.samples > 0);
  if (points.length === 0) return undefined;
  const series: PlotSeries[] = [{ name: "SD-RPN", points: points.map((p) => point(p.samples, p.accuracy!)) }];
  const baseline = accuracyOf(result, { method: ABLATION_METHODS.baseline, suite: MEAN });
  if (baseline) {
    const xs = [points[0]!.samples, points[points.length - 1]!.samples];
    series.push({
      name: "baseline",
      dashed: true,
      points: [...new Set(xs)].map((x) => ({ x, y: baseline.value })),
    });
  }
  return linePlot({
    title: STANDARD_FIGURES[0].title,
    xLabel: "teacher samples",
    yLabel: "mean accuracy (%)",
    logX: true,
    series,
  });
}

function throughputFigure(results: ResultSet): string | undefined {
  const main = results.get(EXPERIMENTS.mainResults);
  const series: PlotSeries[] = [];
  if (main) {
    const points = tableMethods(main, [...TEXT_SUITES, ...VISION_SUITES, ...Object.values(AGGREGATE_SUITES)])
      .flatMap((method) => {
        const acc = accuracyOf(main, { method, suite: MEAN });
        const speed = throughputOf(main, { method });
        return acc && speed ? [point(speed.value, acc, METHOD_LABELS[method] ?? method)] : [];
      });
    if (points.length) series.push({ name: "main results", mode: "scatter", points });
  }
  // Sweeps that recorded a throughput per point trace the accuracy/cost trade-off (e.g. τ_conf).
  for (const experiment of Object.values(EXPERIMENTS)) {
    const result = results.get(experiment);
    for (const group of result ? sweepGroups(result) : []) {
      const points = group.points.filter((p) => p.accuracy && p.throughput)
        .map((p) => point(p.throughput!.value, p.accuracy!, `${group.param}=${String(p.value)}`));
      if (points.length) series.push({ name: `${experiment}: ${group.method}`, points });
    }
  }
  if (series.length === 0) return undefined;
  return linePlot({
    title: STANDARD_FIGURES[1].title,
    xLabel: "throughput relative to the baseline (×)",
    yLabel: "mean accuracy (%)",
    series,
  });
}

function layersFigure(result: Result | undefined): string | undefined {
  const splits = layerSplits(result);
  const rs = [...new Set(splits.map((s) => s.R))].sort((a, b) => a - b);
  const series = rs.map((r): PlotSeries => ({
    name: `R = ${r}`,
    points: splits.filter((s) => s.R === r).flatMap((s) => {
      const gain = gainOf(result, s.method);
      return gain ? [point(s.B, gain)] : [];
    }),
  })).filter((s) => s.points.length > 0);
  if (series.length === 0) return undefined;
  return linePlot({
    title: STANDARD_FIGURES[2].title,
    xLabel: "B (frozen backbone layers)",
    yLabel: "gain over baseline (points)",
    series,
  });
}

/** File-name-safe form of a label. */
function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

function sweepFigures(results: ResultSet): Figure[] {
  const figures: Figure[] = [];
  for (const experiment of Object.values(EXPERIMENTS)) {
    const result = results.get(experiment);
    const byParam = new Map<string, PlotSeries[]>();
    for (const group of result ? sweepGroups(result) : []) {
      const points = group.points.filter((p) => typeof p.value === "number" && p.accuracy)
        .map((p) => point(p.value as number, p.accuracy!));
      if (points.length < 2) continue;
      byParam.set(group.param, [...(byParam.get(group.param) ?? []), { name: group.method, points }]);
    }
    for (const [param, series] of byParam) {
      const xs = series.flatMap((s) => s.points.map((p) => p.x));
      // A sweep over orders of magnitude (e.g. sink thresholds 1e-4…1e-2) reads only on a log axis.
      const logX = xs.every((x) => x > 0) && Math.max(...xs) / Math.min(...xs) >= 20;
      const title = `${experiment}: mean accuracy vs ${param}`;
      figures.push({
        name: `sweep_${slug(experiment)}_${slug(param)}.svg`,
        title,
        svg: linePlot({ title, xLabel: param, yLabel: "mean accuracy (%)", logX, series }),
      });
    }
  }
  return figures;
}

/** Every figure the results allow, standard ones first, then sweeps. */
export function buildFigures(results: ResultSet): Figure[] {
  const standard = [
    dataSizeFigure(results.get(EXPERIMENTS.dataSizeSweep)),
    throughputFigure(results),
    layersFigure(results.get(EXPERIMENTS.layerAblation)),
  ];
  const figures: Figure[] = [];
  STANDARD_FIGURES.forEach((f, i) => {
    const svg = standard[i];
    if (svg) figures.push({ name: f.name, title: f.title, svg });
  });
  return [...figures, ...sweepFigures(results)];
}
