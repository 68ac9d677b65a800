/**
 * The report's example figures: one SVG per example recorded in a result (lib/results/example_schema.ts),
 * with four panels over the encoder's letterboxed square — the raw attention map, the pseudo-labels, the
 * RPN's map (each over the image, with the true box and the chosen crop outlined) — and the crop as
 * stage 2 received it.
 *
 * Pure: the images come in as data URIs (lib/report/example_images.ts regenerates and encodes them), so
 * the same example and images always give the same bytes. Without an image a panel says so instead of
 * failing, which keeps `buildReport` usable on result files alone.
 *
 * @module
 */
import { iou } from "../eval/boxes.ts";
import { letterboxGeometry } from "../image/geometry.ts";
import { EXAMPLE_IGNORE } from "../results/example_schema.ts";
import type { Example, Result } from "../results/schema.ts";
import { METHOD_LABELS } from "../experiment/conventions.ts";
import type { Figure } from "./figures.ts";
import { formatNumber } from "./markdown.ts";
import { escapeXml } from "./svg.ts";

/** The regenerated pictures of one example, as `data:image/png;base64,…` URIs. */
export interface ExampleImage {
  /** The source image (downsampled; drawn at the source's extent). */
  image: string;
  /** The crop resized to the encoder input, as stage 2 received it; null when nothing was cropped. */
  crop: string | null;
}

/** Images by `exampleImageKey`. */
export type ExampleImages = ReadonlyMap<string, ExampleImage>;

/** What identifies an example's pictures: the sample, its crop and the encoder size the crop is resized to. */
export function exampleImageKey(example: Example): string {
  const crop = example.rpn.crop?.join(",") ?? "none";
  return `${example.suite}/${example.index}/${example.dataSeed}/${crop}/${example.encoderSize}`;
}

/** Panel side, gaps and margins in pixels; header lines above the panels, a legend below. */
export const EXAMPLE_LAYOUT = { panel: 176, gap: 14, margin: 12, top: 92, legend: 34 } as const;

/** Colours of the figure (tests check them). */
export const EXAMPLE_COLOURS = {
  trueBox: "#2ca02c",
  crop: "#ff7f0e",
  rpnBox: "#ffffff",
  fg: "#d62728",
  bg: "#1f77b4",
  ignore: "url(#hatch)",
  padding: "#808080",
  missing: "#d9d9d9",
  dropped: "#808080",
} as const;

/** Viridis at five stops: dark = low, yellow = high. */
const RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]] as const;

/** Colour of `v` ∈ [0, 1] on the heat ramp (linear between the stops), as #rrggbb. */
export function heatColour(v: number): string {
  const t = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(t));
  const f = t - i;
  const [a, b] = [RAMP[i]!, RAMP[i + 1]!];
  return `#${
    [0, 1, 2].map((k) => Math.round(a[k]! + f * (b[k]! - a[k]!)).toString(16).padStart(2, "0")).join("")
  }`;
}

/**
 * Opacity of a heat cell of value v ∈ [0, 1]: low cells stay see-through so the image shows where the map
 * is cold, high cells are nearly opaque so the peak reads on white paper and on ink alike.
 */
export function heatOpacity(v: number): string {
  return formatNumber(0.3 + 0.5 * Math.min(1, Math.max(0, v)), 2);
}

/** Heat cell attributes. */
function heat(v: number): string {
  return `fill="${heatColour(v)}" fill-opacity="${heatOpacity(v)}"`;
}

const n = (v: number) => formatNumber(v, 2);

/** The figure of one example as an SVG document (UTF-8 text ending in a newline). */
export function exampleSvg(example: Example, images?: ExampleImage): string {
  const { panel: P, gap, margin, top, legend } = EXAMPLE_LAYOUT;
  const header = headerLines(example);
  const panelsWidth = 2 * margin + 4 * P + 3 * gap;
  // Text does not wrap in SVG: widen for a long question (≈ 6.5 px per character at 11 px).
  const width = Math.max(panelsWidth, Math.ceil(2 * margin + 6.5 * Math.max(...header.map((l) => l.length))));
  const height = top + P + legend;
  const geometry = panelGeometry(example);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    "<defs>",
    '<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">',
    '<rect x="0" y="0" width="6" height="6" fill="#e0e0e0" fill-opacity="0.6"/>',
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#555555" stroke-width="2"/>',
    "</pattern>",
    ...(images
      ? [
        `<image id="src" x="0" y="0" width="${n(geometry.image[2])}" height="${n(geometry.image[3])}" ` +
        `preserveAspectRatio="none" href="${images.image}"/>`,
      ]
      : []),
    "</defs>",
    ...header.map((line, i) =>
      `<text x="${margin}" y="${20 + 18 * i}"${i === 0 ? ' font-size="13" font-weight="bold"' : ""}>${
        escapeXml(line)
      }</text>`
    ),
  ];
  const panels = [
    attentionPanel(example),
    labelsPanel(example),
    rpnPanel(example),
  ];
  panels.forEach((p, i) => {
    const x = margin + i * (P + gap);
    out.push(
      `<text x="${x}" y="${top - 6}" font-size="10">${escapeXml(p.title)}</text>`,
      `<g transform="translate(${x} ${top})">`,
      ...backdrop(geometry, images !== undefined),
      ...p.body,
      ...outlines(example, geometry),
      `<rect x="0" y="0" width="${P}" height="${P}" fill="none" stroke="#000000"/>`,
      "</g>",
    );
  });
  const x = margin + 3 * (P + gap);
  out.push(
    `<text x="${x}" y="${top - 6}" font-size="10">${escapeXml(cropTitle(example))}</text>`,
    `<g transform="translate(${x} ${top})">`,
    ...cropPanel(example, images),
    `<rect x="0" y="0" width="${P}" height="${P}" fill="none" stroke="#000000"/>`,
    "</g>",
    ...legendItems(margin, top + P + 22),
    "</svg>",
  );
  return `${out.join("\n")}\n`;
}

/** Where things go in a panel: panel pixels per encoder pixel, the image rect, source → panel. */
interface PanelGeometry {
  cell: number;
  /** [x, y, width, height] of the source image in the panel. */
  image: [number, number, number, number];
  toPanel(box: readonly number[]): [number, number, number, number];
}

function panelGeometry(ex: Example): PanelGeometry {
  const { panel: P } = EXAMPLE_LAYOUT;
  const lb = letterboxGeometry(ex.width, ex.height, ex.encoderSize);
  // The grid covers the encoder's letterboxed square; source pixels land there as x·ratio + pad.
  const k = P / ex.encoderSize;
  const sx = (x: number) => (x * lb.ratio + lb.padX) * k;
  const sy = (y: number) => (y * lb.ratio + lb.padY) * k;
  return {
    cell: P / ex.grid,
    image: [sx(0), sy(0), sx(ex.width) - sx(0), sy(ex.height) - sy(0)],
    toPanel: (b) => [sx(b[0]!), sy(b[1]!), sx(b[2]!) - sx(b[0]!), sy(b[3]!) - sy(b[1]!)],
  };
}

function headerLines(ex: Example): string[] {
  const answers = ex.answers.map((a) =>
    `${METHOD_LABELS[a.method] ?? a.method}: "${a.answer}" (score ${formatNumber(a.score, 2)})`
  );
  const teacher = ex.teacher.queries === 0
    ? `teacher answer "${ex.teacher.answer}" (one token: no map)`
    : `teacher answer "${ex.teacher.answer}" (${ex.teacher.queries} query tokens)`;
  return [
    `${ex.id} — suite ${ex.suite}, sample ${ex.index}, data seed ${ex.dataSeed}`,
    `Q: ${ex.question}   expected: ${ex.expected.map((a) => `"${a}"`).join(" or ")}`,
    `${answers.join(" · ")} · ${teacher}`,
  ];
}

function rect(box: readonly number[], attrs: string): string {
  return `<rect x="${n(box[0]!)}" y="${n(box[1]!)}" width="${n(box[2]!)}" height="${n(box[3]!)}" ${attrs}/>`;
}

/** Letterbox padding grey, then the image (or a placeholder where it was not regenerated). */
function backdrop(g: PanelGeometry, hasImage: boolean): string[] {
  const { panel: P } = EXAMPLE_LAYOUT;
  const out = [rect([0, 0, P, P], `fill="${EXAMPLE_COLOURS.padding}"`)];
  if (hasImage) out.push(`<use href="#src" x="${n(g.image[0])}" y="${n(g.image[1])}"/>`);
  else {
    out.push(
      rect(g.image, `fill="${EXAMPLE_COLOURS.missing}"`),
      `<text x="${n(P / 2)}" y="${n(P - 8)}" text-anchor="middle" fill="#555555">image not embedded</text>`,
    );
  }
  return out;
}

/** Row-major cell j → its rect in panel pixels. */
function cellRect(j: number, grid: number, cell: number): [number, number, number, number] {
  return [(j % grid) * cell, Math.floor(j / grid) * cell, cell, cell];
}

function noMap(reason: string): string[] {
  const { panel: P } = EXAMPLE_LAYOUT;
  return [
    `<text x="${n(P / 2)}" y="${n(P / 2)}" text-anchor="middle" fill="#ffffff">${escapeXml(reason)}</text>`,
  ];
}

function attentionPanel(ex: Example): { title: string; body: string[] } {
  const title = `attention L${ex.teacher.layer} ÷ max, × = sink`;
  const map = ex.teacher.attention;
  if (!map) return { title, body: noMap("no map: one-token answer") };
  const { cell } = panelGeometry(ex);
  const max = Math.max(...map);
  const body = map.map((v, j) => rect(cellRect(j, ex.grid, cell), heat(max > 0 ? v / max : 0)));
  for (const j of ex.teacher.sinks) {
    const [x, y] = cellRect(j, ex.grid, cell);
    const [a, b] = [cell * 0.25, cell * 0.75];
    body.push(
      `<path d="M${n(x + a)} ${n(y + a)}L${n(x + b)} ${n(y + b)}M${n(x + b)} ${n(y + a)}L${n(x + a)} ${
        n(y + b)
      }" ` +
        'stroke="#ffffff" stroke-width="1.5"/>',
    );
  }
  return { title, body };
}

function labelsPanel(ex: Example): { title: string; body: string[] } {
  const title = `pseudo-labels, sinks ${ex.teacher.sinkRemoval === "none" ? "kept" : "removed"}`;
  const labels = ex.teacher.labels;
  if (!labels) return { title, body: noMap("no labels: one-token answer") };
  const { cell } = panelGeometry(ex);
  const fill = (v: number) =>
    v === EXAMPLE_IGNORE
      ? `fill="${EXAMPLE_COLOURS.ignore}"`
      : v === 1
      ? `fill="${EXAMPLE_COLOURS.fg}" fill-opacity="0.55"`
      : `fill="${EXAMPLE_COLOURS.bg}" fill-opacity="0.45"`;
  return { title, body: labels.map((v, j) => rect(cellRect(j, ex.grid, cell), fill(v))) };
}

function rpnPanel(ex: Example): { title: string; body: string[] } {
  const { cell } = panelGeometry(ex);
  const body = ex.rpn.probabilities.map((v, j) => rect(cellRect(j, ex.grid, cell), heat(v)));
  for (const b of ex.rpn.boxes) {
    body.push(
      rect(
        [b[0] * cell, b[1] * cell, (b[2] - b[0]) * cell, (b[3] - b[1]) * cell],
        `fill="none" stroke="${EXAMPLE_COLOURS.rpnBox}" stroke-width="1.5" stroke-dasharray="2 2"`,
      ),
    );
  }
  return { title: `RPN p(cell), τ=${formatNumber(ex.rpn.threshold, 2)}, path ${ex.rpn.path}`, body };
}

/** The true box (analysis only) and the chosen crop, in source pixels mapped onto the panel. */
function outlines(ex: Example, g: PanelGeometry): string[] {
  const out = [rect(g.toPanel(ex.box), `fill="none" stroke="${EXAMPLE_COLOURS.trueBox}" stroke-width="2"`)];
  if (ex.rpn.crop) {
    out.push(
      rect(
        g.toPanel(ex.rpn.crop),
        `fill="none" stroke="${EXAMPLE_COLOURS.crop}" stroke-width="2" stroke-dasharray="5 3"`,
      ),
    );
  }
  return out;
}

function cropTitle(ex: Example): string {
  if (!ex.rpn.crop) return "no crop: global view only";
  return ex.rpn.keptTokens.length > 0 ? "crop → stage 2, grey: dropped" : "crop → stage 2";
}

/** The crop stretched to the square as the encoder saw it; with masked upscaling, dropped tokens greyed. */
function cropPanel(ex: Example, images?: ExampleImage): string[] {
  const { panel: P } = EXAMPLE_LAYOUT;
  if (!ex.rpn.crop) {
    return [
      rect([0, 0, P, P], `fill="${EXAMPLE_COLOURS.missing}"`),
      `<text x="${n(P / 2)}" y="${n(P / 2)}" text-anchor="middle" fill="#555555">no crop (path none)</text>`,
    ];
  }
  const out = images?.crop
    ? [
      `<image x="0" y="0" width="${P}" height="${P}" preserveAspectRatio="none" ` +
      `style="image-rendering:pixelated" href="${images.crop}"/>`,
    ]
    : [
      rect([0, 0, P, P], `fill="${EXAMPLE_COLOURS.missing}"`),
      `<text x="${n(P / 2)}" y="${n(P - 8)}" text-anchor="middle" fill="#555555">image not embedded</text>`,
    ];
  if (ex.rpn.keptTokens.length > 0) {
    const kept = new Set(ex.rpn.keptTokens);
    const cell = P / ex.grid;
    for (let j = 0; j < ex.grid * ex.grid; j++) {
      if (!kept.has(j)) {
        out.push(rect(cellRect(j, ex.grid, cell), `fill="${EXAMPLE_COLOURS.dropped}" fill-opacity="0.85"`));
      }
    }
  }
  return out;
}

function legendItems(x0: number, y: number): string[] {
  const items: [string, string][] = [
    [`stroke="${EXAMPLE_COLOURS.trueBox}" stroke-width="2" fill="none"`, "true box (analysis only)"],
    [`stroke="${EXAMPLE_COLOURS.crop}" stroke-width="2" stroke-dasharray="5 3" fill="none"`, "chosen crop"],
    [`stroke="#000000" stroke-dasharray="2 2" fill="none"`, "RPN boxes"],
    [`fill="${EXAMPLE_COLOURS.fg}" fill-opacity="0.55"`, "fg"],
    [`fill="${EXAMPLE_COLOURS.bg}" fill-opacity="0.45"`, "bg"],
    [`fill="${EXAMPLE_COLOURS.ignore}" stroke="#555555"`, "ignore"],
    [`fill="${heatColour(0)}"`, "low"],
    [`fill="${heatColour(1)}"`, "high"],
  ];
  const out: string[] = [];
  let x = x0;
  for (const [style, label] of items) {
    out.push(rect([x, y - 9, 14, 10], style), `<text x="${n(x + 20)}" y="${y}">${escapeXml(label)}</text>`);
    x += 20 + 6.5 * label.length + 16;
  }
  return out;
}

/** File name of the k-th (1-based) example's figure. */
export function exampleFigureName(k: number, example: Example): string {
  return `example_${k}_${example.id.toLowerCase().replace(/[^a-z0-9]+/g, "_")}.svg`;
}

/** One figure per example of `result` (none without a result or examples). */
export function exampleFigures(result: Result | undefined, images: ExampleImages = new Map()): Figure[] {
  return (result?.examples ?? []).map((ex, i) => ({
    name: exampleFigureName(i + 1, ex),
    title: `Example ${i + 1}: ${ex.id}`,
    svg: exampleSvg(ex, images.get(exampleImageKey(ex))),
  }));
}

/** The "Examples" section: what the panels show, then each figure with a line on its outcome. */
export function examplesSection(
  result: Result | undefined,
  figures: readonly Figure[],
  figuresDir: string,
): string {
  const lines = ["## Examples", ""];
  const examples = result?.examples ?? [];
  if (!result) {
    return [...lines, "_Not run yet: no `main_results` result in the results folder._", ""].join("\n");
  }
  if (examples.length === 0) {
    return [
      ...lines,
      "_The `main_results` result records no examples (written before they existed, or with `examples=0`)._",
      "",
    ].join("\n");
  }
  const first = examples[0]!;
  lines.push(
    `Questions recorded in full by \`main_results\` (the first questions of evenly spread suites; the RPN of ` +
      `seed ${first.rpn.seed}). Panels over the encoder's letterboxed square: (1) the teacher's raw ` +
      `answer→image attention at layer ${first.teacher.layer}, mean over heads, before sink removal, scaled ` +
      `by its max, sinks crossed; (2) the pseudo-labels label assignment makes from it after sink removal ` +
      `(${first.teacher.sinkRemoval}): fg red, bg blue, ignore hatched; (3) the RPN's probability per cell ` +
      "(sigmoid of the stage-1 logits, before the blur) with its proposal boxes; (4) the crop as stage 2 " +
      "received it. Green: the true target box (analysis only); orange dashed: the chosen crop. Images are " +
      "regenerated from the testbed generator (suite, sample, data seed).",
    "",
  );
  examples.forEach((ex, i) => {
    const figure = figures[i];
    if (figure) lines.push(`![${figure.title}](${figuresDir}/${figure.name})`, "");
    lines.push(`- ${outcome(ex)}`, "");
  });
  return lines.join("\n");
}

function outcome(ex: Example): string {
  const answers = ex.answers.map((a) =>
    `${METHOD_LABELS[a.method] ?? a.method} "${a.answer}" (${formatNumber(a.score, 2)})`
  ).join(", ");
  const crop = ex.rpn.crop
    ? `crop [${ex.rpn.crop.join(", ")}] px, IoU with the true box ${
      formatNumber(iou(ex.rpn.crop, ex.box), 2)
    }`
    : "no crop";
  return `\`${ex.id}\`: "${ex.question}" — expected ${ex.expected.map((a) => `"${a}"`).join(" or ")}; ` +
    `${answers}; path ${ex.rpn.path}, ${crop}.`;
}
