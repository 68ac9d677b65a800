/**
 * The paper's 10K vs 152K comparison as a curve: accuracy of SD-RPN (full method, masked upscaling) vs the
 * number of teacher samples its RPN is trained on, log-spaced up to `teacher.samples`:
 * sizes = teacher.samples / factor^k for k = points−1 … 0. A smaller set is the first `size` samples of a
 * seeded shuffle of the teacher set, so for one seed every smaller set is part of every larger one; the
 * largest size is the whole set (the RPN every other experiment uses). The teacher pass and the backbone
 * states are computed once and shared by every size and seed.
 *
 * Rows: method `sdrpn` with `extra.samples` per size, its gain over the baseline, and `largest-vs-smallest`.
 *
 *   deno task data_size_sweep [--scale quick|default|full] [--seeds 0,1,2] [--set points=4]
 */
import { z } from "zod";
import {
  ABLATION_METHODS as A,
  experimentConfigFields,
  EXPERIMENTS,
  runExperiment,
} from "../lib/experiment/mod.ts";

const Config = z.strictObject({
  ...experimentConfigFields,
  points: z.int().positive().default(5).describe("number of teacher-set sizes"),
  factor: z.number().gt(1).default(2).describe("ratio between consecutive sizes"),
});

/** Log-spaced sizes up to `largest`, ascending, distinct, at least 1. */
function sizes(largest: number, points: number, factor: number): number[] {
  const out = Array.from({ length: points }, (_, k) => Math.max(1, Math.round(largest / factor ** k)));
  return [...new Set(out)].sort((a, b) => a - b);
}

await runExperiment({
  name: EXPERIMENTS.dataSizeSweep,
  description: "Accuracy vs number of teacher samples (log-spaced), the 10K vs 152K analogue",
  schema: Config,
  scales: { quick: { points: 3 } },
}, async (exp) => {
  const cfg = exp.config;
  const all = cfg.teacher.samples;
  const grid = sizes(all, cfg.points, cfg.factor);
  const suites = await exp.suites();
  const baseline = { method: A.baseline };
  const key = (samples: number) => ({ method: A.sdrpn, extra: { samples } });

  await exp.evaluate(suites, [{ kind: "baseline", key: baseline }]);
  const examples: string[] = [];
  for (const seed of exp.seeds) {
    for (const size of grid) {
      const r = await exp.rpn(seed, size === all ? {} : { subset: size });
      await exp.evaluate(suites, [exp.sdrpn(key(size), r.rpn, "mask")], {
        label: `seed ${seed} ${size} samples`,
      });
      exp.release(r.rpn);
      if (seed === exp.seeds[0]) examples.push(`${size}: ${r.examples}`);
    }
  }
  exp.note(
    `teacher-set sizes ${grid.join(", ")} (factor ${cfg.factor}); usable samples per size (seed ${
      exp.seeds[0]
    }): ${examples.join(", ")}. Paper: 10K vs 152K samples (15×).`,
  );
});
