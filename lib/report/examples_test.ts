import assert from "node:assert/strict";
import type { Example } from "../results/schema.ts";
import {
  EXAMPLE_COLOURS,
  EXAMPLE_LAYOUT,
  exampleFigureName,
  exampleFigures,
  exampleImageKey,
  examplesSection,
  exampleSvg,
  heatColour,
  heatOpacity,
} from "./examples.ts";
import { fixtureExample, fixtureResult, mainResults } from "./test_helpers.ts";

const { panel: P, gap, margin, top } = EXAMPLE_LAYOUT;
const cell = P / 2;

/** The fixture moved onto a 256×128 image, so the letterbox pads 16 encoder px above and below. */
function wideExample(): Example {
  const ex = fixtureExample();
  return {
    ...ex,
    id: "pope-wide",
    width: 256,
    height: 128,
    box: [64, 32, 128, 96],
    rpn: { ...ex.rpn, crop: [0, 0, 128, 64] },
  };
}

const IMAGES = { image: "data:image/png;base64,AAAA", crop: "data:image/png;base64,BBBB" };

/** The `<g>` of panel `i` (0-based), from its opening tag to its closing one. */
function panel(svg: string, i: number): string {
  const open = `<g transform="translate(${margin + i * (P + gap)} ${top})">`;
  const start = svg.indexOf(open);
  assert.ok(start >= 0, `panel ${i}`);
  return svg.slice(start, svg.indexOf("</g>", start));
}

Deno.test("heatColour() and heatOpacity() run from see-through dark to opaque yellow and clamp", () => {
  assert.deepEqual([heatOpacity(0), heatOpacity(0.5), heatOpacity(1), heatOpacity(2)], [
    "0.30",
    "0.55",
    "0.80",
    "0.80",
  ]);
  assert.equal(heatColour(0), "#440154");
  assert.equal(heatColour(1), "#fde725");
  assert.equal(heatColour(0.5), "#21918c");
  assert.equal(heatColour(-3), "#440154");
  assert.equal(heatColour(7), "#fde725");
});

Deno.test("exampleSvg() draws each map's cells on a 2×2 grid with the expected colours", () => {
  const svg = exampleSvg(fixtureExample(), IMAGES);
  // Attention ÷ max: cell 0 = 1 (yellow), cell 3 = 0.04; sink cell 3 crossed.
  const attention = panel(svg, 0);
  assert.ok(
    attention.includes(
      `<rect x="0.00" y="0.00" width="88.00" height="88.00" fill="#fde725" fill-opacity="0.80"/>`,
    ),
  );
  assert.ok(
    attention.includes(`<rect x="88.00" y="88.00" width="88.00" height="88.00" fill="${heatColour(0.04)}"`),
  );
  assert.ok(attention.includes(`<path d="M110.00 110.00L154.00 154.00M154.00 110.00L110.00 154.00"`));
  // Labels [1, ignore, ignore, 0].
  const labels = panel(svg, 1);
  assert.ok(
    labels.includes(`<rect x="0.00" y="0.00" width="88.00" height="88.00" fill="${EXAMPLE_COLOURS.fg}"`),
  );
  assert.ok(labels.includes(`<rect x="88.00" y="0.00" width="88.00" height="88.00" fill="url(#hatch)"/>`));
  assert.ok(labels.includes(`<rect x="0.00" y="88.00" width="88.00" height="88.00" fill="url(#hatch)"/>`));
  assert.ok(
    labels.includes(`<rect x="88.00" y="88.00" width="88.00" height="88.00" fill="${EXAMPLE_COLOURS.bg}"`),
  );
  // RPN probabilities as given (not rescaled) and the two proposal boxes.
  const rpn = panel(svg, 2);
  assert.ok(rpn.includes(`<rect x="0.00" y="0.00" width="88.00" height="88.00" fill="${heatColour(0.9)}"`));
  assert.equal(rpn.match(/stroke-dasharray="2 2"/g)?.length, 2);
  assert.ok(
    rpn.includes(
      `<rect x="${cell}.00" y="${cell}.00" width="88.00" height="88.00" fill="none" stroke="#ffffff"`,
    ),
  );
  // Masked crop: tokens 1 and 2 greyed, 0 and 3 kept.
  const crop = panel(svg, 3);
  assert.ok(crop.includes(`href="${IMAGES.crop}"`));
  assert.equal(crop.match(/fill-opacity="0.85"/g)?.length, 2);
  assert.ok(
    crop.includes(
      `<rect x="88.00" y="0.00" width="88.00" height="88.00" fill="#808080" fill-opacity="0.85"/>`,
    ),
  );
  assert.ok(svg.includes(">crop → stage 2, grey: dropped</text>"));
  // The image is embedded once and used by each of the three map panels.
  assert.equal(svg.split(IMAGES.image).length - 1, 1);
  assert.equal(svg.match(/<use href="#src" x="0.00" y="0.00"\/>/g)?.length, 3);
});

Deno.test("exampleSvg() maps the true box and the crop through the letterbox onto every map panel", () => {
  // 256×128 in a 64-px square: ratio 0.25, padY 16 → panel y = (y·0.25 + 16)·176/64.
  const svg = exampleSvg(wideExample(), IMAGES);
  const trueBox =
    `<rect x="44.00" y="66.00" width="44.00" height="44.00" fill="none" stroke="${EXAMPLE_COLOURS.trueBox}" stroke-width="2"/>`;
  const crop =
    `<rect x="0.00" y="44.00" width="88.00" height="44.00" fill="none" stroke="${EXAMPLE_COLOURS.crop}" ` +
    `stroke-width="2" stroke-dasharray="5 3"/>`;
  for (const i of [0, 1, 2]) {
    assert.ok(panel(svg, i).includes(trueBox), `true box, panel ${i}`);
    assert.ok(panel(svg, i).includes(crop), `crop, panel ${i}`);
  }
  assert.ok(
    svg.includes(`<image id="src" x="0" y="0" width="176.00" height="88.00" preserveAspectRatio="none"`),
  );
  assert.ok(svg.includes(`<use href="#src" x="0.00" y="44.00"/>`), "the image sits below the top padding");
});

Deno.test("exampleSvg() without images, crop or map says so instead of failing", () => {
  const ex = fixtureExample();
  const bare = exampleSvg({
    ...ex,
    teacher: { ...ex.teacher, queries: 0, attention: null, labels: null, sinks: [] },
    rpn: { ...ex.rpn, path: "none", boxes: [], maskBox: null, keptTokens: [], crop: null },
  });
  assert.ok(!bare.includes("<image"));
  assert.equal(bare.match(/>image not embedded<\/text>/g)?.length, 3);
  assert.ok(bare.includes(">no map: one-token answer</text>"));
  assert.ok(bare.includes(">no labels: one-token answer</text>"));
  assert.ok(bare.includes(">no crop (path none)</text>"));
  assert.ok(bare.includes(`teacher answer &quot;yes&quot; (one token: no map)`));
  // Only the legend's swatch: no crop outline on the panels.
  assert.equal(bare.split(`stroke="${EXAMPLE_COLOURS.crop}"`).length - 1, 1);
});

Deno.test("exampleSvg() is deterministic and escapes the text it prints", () => {
  const ex = { ...fixtureExample(), question: 'is there a <b> & "c" ?' };
  assert.equal(exampleSvg(ex, IMAGES), exampleSvg(structuredClone(ex), { ...IMAGES }));
  const svg = exampleSvg(ex, IMAGES);
  assert.ok(svg.includes("Q: is there a &lt;b&gt; &amp; &quot;c&quot; ?"));
  assert.ok(svg.endsWith("</svg>\n"));
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="770" height="302"'));
});

Deno.test("exampleFigures() and examplesSection() name, link and describe every example", () => {
  const main = mainResults();
  const ex = main.examples![0]!;
  assert.equal(exampleImageKey(ex), "pope/0/0/0,0,256,256/64");
  assert.equal(exampleFigureName(1, ex), "example_1_pope_0.svg");
  const figures = exampleFigures(main, new Map([[exampleImageKey(ex), IMAGES]]));
  assert.deepEqual(figures.map((f) => [f.name, f.title]), [["example_1_pope_0.svg", "Example 1: pope-0"]]);
  assert.ok(figures[0]!.svg.includes(IMAGES.image));
  const text = examplesSection(main, figures, "figures");
  assert.ok(text.startsWith("## Examples\n"));
  assert.ok(text.includes("![Example 1: pope-0](figures/example_1_pope_0.svg)"));
  assert.ok(text.includes("at layer 4, mean over heads, before sink removal"));
  assert.match(
    text,
    /- `pope-0`: ".+" — expected "(yes|no)"; Baseline "no" \([01]\.00\), SD-RPN "yes" \([01]\.00\); path mask, crop \[0, 0, 256, 256\] px, IoU with the true box 0\.\d\d\./,
  );
  assert.deepEqual(exampleFigures(undefined), []);
  assert.ok(examplesSection(undefined, [], "figures").includes("_Not run yet: no `main_results` result"));
  const old = fixtureResult("main_results", []);
  assert.deepEqual(exampleFigures(old), []);
  assert.ok(examplesSection(old, [], "figures").includes("records no examples"));
});
