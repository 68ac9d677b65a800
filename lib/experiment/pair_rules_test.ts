import assert from "node:assert/strict";
import type { RowKey } from "../eval/rows.ts";
import { type ExpandedPair, expandPairRules, type PairRule, reportedPairs } from "./pair_rules.ts";

/** "a{extra} − b{extra} [label]": enough to compare an expansion with a hand-written order. */
function text(pairs: readonly ExpandedPair[]): string[] {
  const key = (k: RowKey) => `${k.method}${k.extra ? JSON.stringify(k.extra) : ""}`;
  return pairs.map((p) => `${key(p.a)} − ${key(p.b)}${p.label ? ` as ${key(p.label)}` : ""}`);
}

const baseline: RowKey = { method: "baseline" };
const tau = (method: string, t: number): RowKey => ({ method, extra: { sweep: "tau", tau: t } });

Deno.test("expandPairRules() expands rules in listed order, a rule's rows in evaluation order", () => {
  // Evaluation order as a run would add them: baseline, headlines, then points (box before masked).
  const keys: RowKey[] = [
    baseline,
    { method: "box" },
    { method: "masked" },
    tau("box", 0.2),
    tau("masked", 0.2),
    tau("box", 0.05),
    tau("masked", 0.05),
  ];
  const rules: PairRule[] = [
    { kind: "each", rows: { methods: ["masked"], has: ["sweep"] }, b: "baseline" },
    { kind: "pair", a: "masked", b: "box", report: true },
    { kind: "perPoint", methods: ["masked", "box"], pairs: [["masked", "box"], ["box", "baseline"]] },
    { kind: "pair", a: "masked", b: "box", metric: "delta_throughput", report: true },
  ];
  assert.deepEqual(text(expandPairRules("demo", rules, keys)), [
    'masked{"sweep":"tau","tau":0.2} − baseline',
    'masked{"sweep":"tau","tau":0.05} − baseline',
    "masked − box",
    'masked{"sweep":"tau","tau":0.2} − box{"sweep":"tau","tau":0.2}',
    'box{"sweep":"tau","tau":0.2} − baseline',
    'masked{"sweep":"tau","tau":0.05} − box{"sweep":"tau","tau":0.05}',
    'box{"sweep":"tau","tau":0.05} − baseline',
    // The delta_throughput pair is the report's to derive: no row.
  ]);
});

Deno.test("expandPairRules() pairs rows the script's keys select, by extra keys when methods vary", () => {
  const split = (B: number, R: number, paper?: string): RowKey => ({
    method: `B${B}R${R}`,
    extra: { B, R, ...(paper ? { paper } : {}) },
  });
  const size = (samples: number): RowKey => ({ method: "sdrpn", extra: { samples } });
  const keys = [baseline, split(1, 3, "B3R3"), split(2, 3), split(4, 3, "B15R3"), split(5, 3, "B18R3")];
  const rules: PairRule[] = [
    { kind: "each", rows: { has: ["B", "R"] }, b: "baseline" },
    { kind: "paperSplits", a: "B15R3", b: "B3R3" },
    { kind: "paperSplits", a: "B15R3", b: "B18R3" },
    { kind: "paperSplits", a: "B15R3", b: "B99R9" }, // no such analogue: nothing
  ];
  assert.deepEqual(text(expandPairRules("layers", rules, keys)), [
    'B1R3{"B":1,"R":3,"paper":"B3R3"} − baseline',
    'B2R3{"B":2,"R":3} − baseline',
    'B4R3{"B":4,"R":3,"paper":"B15R3"} − baseline',
    'B5R3{"B":5,"R":3,"paper":"B18R3"} − baseline',
    'B4R3{"B":4,"R":3,"paper":"B15R3"} − B1R3{"B":1,"R":3,"paper":"B3R3"}',
    'B4R3{"B":4,"R":3,"paper":"B15R3"} − B5R3{"B":5,"R":3,"paper":"B18R3"}',
  ]);
  // Analogues that coincide are one row: nothing to compare.
  const shallow = [baseline, { method: "B1R3", extra: { B: 1, R: 3, paper: "B15R3" } }];
  assert.deepEqual(text(expandPairRules("layers", rules.slice(1), shallow)), []);

  const span: PairRule[] = [
    {
      kind: "span",
      rows: { methods: ["sdrpn"], has: ["samples"] },
      by: "samples",
      label: "largest-vs-smallest",
    },
  ];
  // Largest and smallest by value, not by evaluation order.
  assert.deepEqual(text(expandPairRules("sizes", span, [baseline, size(300), size(75), size(150)])), [
    'sdrpn{"samples":300} − sdrpn{"samples":75} as largest-vs-smallest{"from":75,"to":300}',
  ]);
  assert.deepEqual(text(expandPairRules("sizes", span, [baseline, size(300)])), []);
});

Deno.test("expandPairRules() takes a method's one row without a sweep point as its headline, extra and all", () => {
  const keys: RowKey[] = [
    baseline,
    { method: "no_sink_removal", extra: {} },
    { method: "attention_sinks", extra: { threshold: 0.009 } },
    { method: "attention_sinks", extra: { sweep: "threshold", threshold: 0.0045 } },
  ];
  const rules: PairRule[] = [{ kind: "pair", a: "attention_sinks", b: "no_sink_removal" }];
  assert.deepEqual(expandPairRules("sinks", rules, keys), [{ a: keys[2], b: keys[1] }]);
});

Deno.test("expandPairRules() names the experiment and the pair when a row it needs was not evaluated", () => {
  const fixed: PairRule[] = [{ kind: "pair", a: "attention_prediction", b: "raw_attention" }];
  assert.throws(
    () => expandPairRules("label_assignment", fixed, [baseline, { method: "attention_prediction" }]),
    {
      message: 'Experiment "label_assignment" declares the paired difference ' +
        '"attention_prediction-vs-raw_attention" (lib/experiment/registry.ts) but evaluated no "raw_attention" row',
    },
  );
  const each: PairRule[] = [{ kind: "each", rows: { has: ["sweep"] }, b: "baseline" }];
  assert.throws(() => expandPairRules("masked_upscaling", each, [tau("masked", 0.1)]), {
    message: 'Experiment "masked_upscaling" declares the paired difference "masked-vs-baseline" ' +
      '(lib/experiment/registry.ts) but evaluated no "baseline" row',
  });
  // No selected row, no pair and no error: a sweep whose every point was skipped.
  assert.deepEqual(expandPairRules("masked_upscaling", each, []), []);
  const perPoint: PairRule[] = [{ kind: "perPoint", methods: ["masked", "box"], pairs: [["masked", "box"]] }];
  assert.throws(() => expandPairRules("masked_upscaling", perPoint, [tau("box", 0.1)]), {
    message: 'Experiment "masked_upscaling" declares the paired difference "masked-vs-box" at every sweep ' +
      'point (lib/experiment/registry.ts) but evaluated no "masked" row at {"sweep":"tau","tau":0.1}',
  });
  const sizes = [baseline, { method: "sdrpn", extra: { samples: 5 } }, {
    method: "sdrpn",
    extra: { samples: 9 },
  }];
  assert.throws(
    () => expandPairRules("data_size_sweep", [{ kind: "pair", a: "sdrpn", b: "baseline" }], sizes),
    {
      message: 'Experiment "data_size_sweep" declares the paired difference "sdrpn-vs-baseline" ' +
        '(lib/experiment/registry.ts) but "sdrpn" has 2 rows without a sweep point',
    },
  );
});

Deno.test("reportedPairs() keeps the method pairs marked report, in order", () => {
  const rules: PairRule[] = [
    { kind: "pair", a: "x", b: "baseline" },
    { kind: "pair", a: "y", b: "baseline", report: true },
    { kind: "each", rows: { has: ["sweep"] }, b: "baseline" },
    { kind: "pair", a: "y", b: "x", metric: "delta_throughput", report: true },
  ];
  assert.deepEqual(reportedPairs(rules), [rules[1], rules[3]]);
});
