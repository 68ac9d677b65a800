/**
 * Ablation row 5 of the paper: masked vs box-only upscaling (spec §5.5) on the full method (attention sinks,
 * labels, BCE):
 *   box     every surviving component is cropped and encoded whole (N tokens each);
 *   masked  with ≥ 2 components, the union box is cropped once and only the tokens under the resized mask
 *           are kept (the paper's default);
 * at the released per-suite τ_conf (headline), then a confidence-threshold sweep (`extra.tau`, one τ for
 * every suite, first `sweepSeeds` seeds) with throughput and the RoI tokens added per question — the points
 * of the accuracy-vs-throughput trade-off (the paper's Figure 5 analogue). Stage 1 runs once per RPN and
 * suite; every τ and mode reuses it.
 *
 *   deno task masked_upscaling [--scale quick|default|full] [--seeds 0,1,2] [--set taus=[0.1,0.2]]
 */
import { z } from "zod";
import {
  ABLATION_METHODS as A,
  experimentConfigFields,
  EXPERIMENTS,
  runExperiment,
  sweepConfigFields,
} from "../lib/experiment/mod.ts";
import type { MethodSpec } from "../lib/roi/evaluate.ts";

const Config = z.strictObject({
  ...experimentConfigFields,
  taus: z.array(z.number()).default([0.05, 0.1, 0.15, 0.2, 0.3]).describe(
    "τ_conf sweep points (one τ for every suite; negative = relative)",
  ),
  ...sweepConfigFields,
});

await runExperiment({
  name: EXPERIMENTS.maskedUpscaling,
  description: "Ablation row 5: masked vs box-only upscaling, confidence-threshold sweep with throughput",
  schema: Config,
  scales: { quick: { taus: [0.05, 0.2] } },
}, async (exp) => {
  const cfg = exp.config;
  const suites = await exp.suites();
  const baseline = { method: A.baseline };
  const box = { method: A.box };
  const masked = { method: A.masked };
  const point = (method: string, tau: number) => ({ method, extra: { sweep: "tau", tau } });

  await exp.evaluate(suites, [{ kind: "baseline", key: baseline }], { roiTokens: true });
  for (const [i, seed] of exp.seeds.entries()) {
    const { rpn } = await exp.rpn(seed);
    const methods: MethodSpec[] = [exp.sdrpn(box, rpn, "box"), exp.sdrpn(masked, rpn, "mask")];
    if (i < cfg.sweepSeeds) {
      for (const tau of cfg.taus) {
        methods.push(
          exp.sdrpn(point(A.box, tau), rpn, "box", tau),
          exp.sdrpn(point(A.masked, tau), rpn, "mask", tau),
        );
      }
    }
    await exp.evaluate(suites, methods, { label: `seed ${seed}`, roiTokens: true });
    exp.release(rpn);
  }

  exp.note(
    `headline rows use the released τ_conf per suite${
      cfg.thresholdOverride === undefined ? "" : ` (overridden: ${cfg.thresholdOverride})`
    }; sweep points one τ for every suite, on seeds ${exp.seeds.slice(0, cfg.sweepSeeds).join(",")}. ` +
      "roi_tokens = visual tokens added after the image tokens per question (0 when no RoI).",
  );
});
