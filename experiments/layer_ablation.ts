/**
 * The paper's layer-split ablation (B3R3 / B15R3 / B18R3 on the 32-layer LLaVA-1.5-7B) as a grid over B
 * (frozen backbone layers) and R (branch layers) on our model, full method (attention sinks, labels, masked
 * upscaling), each split with its gain over the baseline and its throughput (stage 1 runs B + R layers).
 *
 * Scaling rule from the paper's 32 layers to our L (8) decoder layers (lib/experiment/conventions.ts,
 * `paperSplitAnalogue`): B keeps its relative depth, B' = max(1, round(B · L / 32)) (at most L − 1); R is
 * kept as in the paper, clipped so that B' + R ≤ L (the branch copies layers B'..B'+R−1). So B3R3 → B1R3,
 * B15R3 → B4R3, B18R3 → B5R3 for L = 8. R is not scaled: it counts refinement layers above the split, and
 * with R = 1 the branch would be the q/k projection alone (no full decoder layer). The analogues carry
 * `extra.paper`; `splits` adds more points of the grid.
 *
 *   deno task layer_ablation [--scale quick|default|full] [--seeds 0,1,2] [--set splits=[[4,1],[4,2]]]
 */
import { z } from "zod";
import {
  ABLATION_METHODS as A,
  experimentConfigFields,
  EXPERIMENTS,
  layerMethod,
  PAPER_LAYERS,
  PAPER_SPLITS,
  paperSplitAnalogue,
  runExperiment,
} from "../lib/experiment/mod.ts";

const Config = z.strictObject({
  ...experimentConfigFields,
  splits: z.array(z.tuple([z.int().positive(), z.int().positive()])).default([[4, 1], [4, 2], [2, 3]])
    .describe("[B, R] splits besides the paper's three analogues"),
});

await runExperiment({
  name: EXPERIMENTS.layerAblation,
  description:
    "B/R layer-split grid with the analogues of the paper's B3R3 / B15R3 / B18R3 (scaled to depth)",
  schema: Config,
  scales: {
    quick: { splits: [] },
    full: { splits: [[4, 1], [4, 2], [2, 3], [3, 3], [6, 2]] },
  },
}, async (exp) => {
  const cfg = exp.config;
  const L = exp.model.counts.layers;
  // Row extras spell the shape as the paper does: `{ B, R }` (lib/experiment/conventions.ts).
  const splits = new Map<string, { B: number; R: number; paper?: string }>();
  for (const p of PAPER_SPLITS) {
    const s = paperSplitAnalogue(p, L);
    splits.set(layerMethod(s.backbone, s.branch), {
      B: s.backbone,
      R: s.branch,
      paper: layerMethod(p.backbone, p.branch),
    });
  }
  for (const [B, R] of cfg.splits) {
    if (B + R > L) {
      throw new Error(`Split "B${B}R${R}" does not fit the ${L}-layer model (need B + R ≤ ${L})`);
    }
    if (!splits.has(layerMethod(B, R))) splits.set(layerMethod(B, R), { B, R });
  }
  const keys = [...splits.values()].sort((a, b) => a.B - b.B || a.R - b.R)
    .map((s) => ({ split: s, key: { method: layerMethod(s.B, s.R), extra: { ...s } } }));
  const suites = await exp.suites();
  const baseline = { method: A.baseline };

  await exp.evaluate(suites, [{ kind: "baseline", key: baseline }]);
  for (const seed of exp.seeds) {
    for (const { split, key } of keys) {
      const r = await exp.rpn(seed, { train: { ...cfg.rpn, backbone: split.B, branch: split.R } });
      await exp.evaluate(suites, [exp.sdrpn(key, r.rpn, "mask")], { label: `seed ${seed} ${key.method}` });
      exp.release(r.rpn);
    }
  }
  exp.note(
    `scaling rule (paper ${PAPER_LAYERS} layers → ours ${L}): B' = max(1, round(B·${L}/${PAPER_LAYERS})), ` +
      `R kept (clipped to B' + R ≤ ${L}): ${
        PAPER_SPLITS.map((p) => {
          const s = paperSplitAnalogue(p, L);
          return `${layerMethod(p.backbone, p.branch)} → ${layerMethod(s.backbone, s.branch)}`;
        }).join(", ")
      }. The backbone states of each B are cached once and shared by every R and seed.`,
  );
});
