import assert from "node:assert/strict";
import {
  escapeXml,
  formatTick,
  LAYOUT,
  legendWidth,
  linePlot,
  logTicks,
  niceTicks,
  type PlotSpec,
} from "./svg.ts";

Deno.test("niceTicks() covers the range with steps of 1, 2 or 5 × 10^k", () => {
  assert.deepEqual(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]);
  // (67.9 − 43.2) / 5 = 4.94 → step 5.
  assert.deepEqual(niceTicks(43.2, 67.9), [40, 45, 50, 55, 60, 65, 70]);
  // (0.3 − 0.05) / 5 = 0.05; 0.1 + 0.2 style float sums must not leak into the ticks.
  assert.deepEqual(niceTicks(0.05, 0.3), [0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
  assert.deepEqual(niceTicks(-3, 4), [-4, -2, 0, 2, 4]);
});

Deno.test("niceTicks() widens an empty range instead of dividing by zero", () => {
  // 50 ± 10 % → [45, 55], step 2 (10 / 5).
  assert.deepEqual(niceTicks(50, 50), [44, 46, 48, 50, 52, 54, 56]);
  // 0 ± 1 → step 0.5 (2 / 5 = 0.4 rounds up to 0.5).
  assert.deepEqual(niceTicks(0, 0), [-1, -0.5, 0, 0.5, 1]);
  assert.throws(() => niceTicks(2, 1), { message: 'Cannot make ticks for the range "[2, 1]"' });
});

Deno.test("logTicks() gives the powers of ten around the data", () => {
  assert.deepEqual(logTicks(300, 4800), [100, 1000, 10000]);
  assert.deepEqual(logTicks(1000, 1000), [100, 1000, 10000]);
  assert.deepEqual(logTicks(0.0005, 0.01), [0.0001, 0.001, 0.01]);
  assert.throws(() => logTicks(0, 10), { message: 'Cannot make log ticks for the range "[0, 10]"' });
});

Deno.test("formatTick() prints as many decimals as the step needs", () => {
  assert.equal(formatTick(40, 5), "40");
  assert.equal(formatTick(0.15, 0.05), "0.15");
  assert.equal(formatTick(0.2, 0.1), "0.2");
  assert.equal(formatTick(0.001, 0.001), "0.001");
});

Deno.test("escapeXml() escapes markup characters", () => {
  assert.equal(escapeXml(`a<b & "c" 'd'>`), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
});

const SPEC: PlotSpec = {
  title: "Accuracy vs data",
  xLabel: "samples",
  yLabel: "accuracy (%)",
  plotWidth: 200,
  plotHeight: 200,
  series: [
    {
      name: "SD-RPN",
      points: [{ x: 0, y: 0 }, { x: 10, y: 10 }, { x: 5, y: 5, lo: 4, hi: 6, label: "mid" }],
    },
  ],
};

Deno.test("legendWidth() fits the longest name, with a floor", () => {
  assert.equal(legendWidth([]), 0);
  assert.equal(legendWidth(["SD-RPN"]), 80); // 34 + 6.5 · 6 = 73 → the 80-px floor
  assert.equal(legendWidth(["a", "masked_upscaling: masked"]), 190); // 34 + 6.5 · 24 = 190
});

Deno.test("linePlot() maps data to pixels on the tick-aligned axes", () => {
  const svg = linePlot(SPEC);
  // Axes: x 56..256, y 236 (bottom)..36 (top); data drawn 8 px inside them, so the domains [0, 10] ×
  // [0, 10] span 184 px: v → 64 + 18.4·v across, 228 − 18.4·v up.
  assert.deepEqual([LAYOUT.left, LAYOUT.top, LAYOUT.right, LAYOUT.inset], [56, 36, 16, 8]);
  // 56 + 200 + 16 + 80 (legend) wide, 36 + 200 + 48 high.
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="352" height="284"'));
  assert.ok(svg.includes('<circle cx="156.00" cy="136.00" r="3" fill="#1f77b4"/>'));
  assert.ok(svg.includes('<circle cx="248.00" cy="44.00" r="3" fill="#1f77b4"/>'));
  // The line joins the points in x order, whatever order they were given in.
  assert.ok(svg.includes('<polyline points="64.00,228.00 156.00,136.00 248.00,44.00"'));
  // Error bar from y = 6 (228 − 110.4 = 117.6 px) to y = 4 (154.4 px), with 4-px caps.
  assert.ok(svg.includes('<line x1="156.00" y1="117.60" x2="156.00" y2="154.40" stroke="#1f77b4"/>'));
  assert.ok(svg.includes('<line x1="152.00" y1="117.60" x2="160.00" y2="117.60" stroke="#1f77b4"/>'));
  assert.ok(svg.includes('<text x="162.00" y="130.00" font-size="10">mid</text>'));
  assert.ok(svg.includes(">SD-RPN</text>"));
  // y tick "10" at the top of the data range, right-aligned left of the axis.
  assert.ok(svg.includes('<text x="50.00" y="48.00" text-anchor="end">10</text>'));
  assert.ok(svg.endsWith("</svg>\n"));
});

Deno.test("linePlot() places x on a log axis when asked", () => {
  const svg = linePlot({
    ...SPEC,
    logX: true,
    series: [{ name: "s", points: [{ x: 100, y: 1 }, { x: 1000, y: 2 }, { x: 3000, y: 3 }] }],
  });
  // Ticks 100, 1000, 10000: two decades over 184 px; log10(3000) = 3.47712 → 64 + 0.73856 · 184.
  assert.ok(svg.includes('<circle cx="64.00"'));
  assert.ok(svg.includes('<circle cx="156.00"'));
  assert.ok(svg.includes('<circle cx="199.90"'));
  assert.ok(svg.includes(">samples (log scale)</text>"));
  assert.ok(svg.includes('text-anchor="middle">10000</text>'));
});

Deno.test("linePlot() is deterministic and does not mutate its input", () => {
  const before = structuredClone(SPEC);
  assert.equal(linePlot(SPEC), linePlot(SPEC));
  assert.deepEqual(SPEC, before);
});

Deno.test("linePlot() draws scatter series without a line and dashed series dashed", () => {
  const svg = linePlot({
    ...SPEC,
    series: [
      { name: "pts", mode: "scatter", points: [{ x: 1, y: 1 }, { x: 2, y: 2 }] },
      { name: "ref", dashed: true, points: [{ x: 1, y: 1.5 }, { x: 2, y: 1.5 }] },
    ],
  });
  assert.equal(svg.match(/<polyline/g)?.length, 1);
  // The scatter series' legend entry is a marker only; the dashed series' has a dashed swatch.
  assert.ok(!svg.includes('stroke="#1f77b4" stroke-width="1.5"'));
  assert.ok(svg.includes('stroke="#d62728" stroke-width="1.5" stroke-dasharray="5 3"/>'));
});

Deno.test("linePlot() with no points draws empty axes saying so", () => {
  const svg = linePlot({ ...SPEC, series: [] });
  assert.ok(svg.includes(">no data</text>"));
  assert.ok(!svg.includes("<circle"));
});

Deno.test("linePlot() rejects points it cannot place", () => {
  assert.throws(() => linePlot({ ...SPEC, logX: true, series: [{ name: "s", points: [{ x: 0, y: 1 }] }] }), {
    message: 'Cannot plot x "0" of series "s" on a log axis: x must be positive',
  });
  assert.throws(() => linePlot({ ...SPEC, series: [{ name: "s", points: [{ x: 1, y: NaN }] }] }), {
    message: 'Cannot plot point (1, NaN) of series "s": not finite',
  });
});
