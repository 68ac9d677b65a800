/**
 * One pretraining worker step (forward + backward of the answer loss on one shard, as lib/models/tiny/
 * grad_worker.ts runs it) with the tfjs attention and with the fused kernel (`attentionKernel`), at the
 * shipped shape and at a wider one. Kernels alternate step by step so machine load hits both alike.
 *
 *   deno run -A bench/pretrain_step_kernel.ts [--steps 5] [--shard 16]
 *
 * Prints per shape and kernel the median wall-clock and process-CPU milliseconds per step (first step of
 * each is a warm-up and not counted) and the range of the wall-clock times.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { SUITE_NAMES, SUITES } from "../lib/data/suites.ts";
import { initBackend } from "../lib/engine/backend.ts";
import { Rng } from "../lib/engine/rng.ts";
import { gradsByName } from "../lib/engine/variables.ts";
import { defaultTokenizer } from "../lib/models/tiny/checkpoint.ts";
import { type ModelConfig, ModelConfigSchema } from "../lib/models/tiny/config.ts";
import { DEFAULT_CROP_MIX } from "../lib/models/tiny/crop_plan.ts";
import { answerLossSum } from "../lib/models/tiny/loss.ts";
import { initParams } from "../lib/models/tiny/params.ts";
import { pretrainBatch } from "../lib/models/tiny/pretrain_batch.ts";
import type { SequenceBatch } from "../lib/models/tiny/sequence.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { steps: { type: "string" }, shard: { type: "string" } },
});
const steps = Number(values.steps ?? 5);
const shard = Number(values.shard ?? 16);
await initBackend("wasm");
const tokenizer = defaultTokenizer();
const trainSuites = SUITE_NAMES.filter((s) => SUITES[s].split === "train");

const shapes: Record<string, Record<string, number>> = {
  "shipped (d 64, H 2 × 16)": {},
  "wide (d 128, H 4 × 32)": { dim: 128, heads: 4, headDim: 32, mlp: 384 },
};

/** Batches of image steps (drills have no vision tower), the same for both kernels. */
async function batches(config: ModelConfig): Promise<SequenceBatch[]> {
  const out: SequenceBatch[] = [];
  for (let step = 0; out.length < steps + 1; step++) {
    const b = await pretrainBatch(tokenizer, config, {
      seed: 0,
      step,
      batchSize: shard,
      suites: trainSuites,
      mix: DEFAULT_CROP_MIX,
      shards: 1,
      align: { start: 0, end: 0 },
      totalSteps: 1000,
    });
    if (b.kind !== "drill") out.push(b.shards[0]!);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

for (const [label, overrides] of Object.entries(shapes)) {
  const base = ModelConfigSchema.parse({ ...overrides, vocabSize: tokenizer.size });
  const seqs = await batches(base);
  const kernels = ["tfjs", "fused"] as const;
  const params = initParams(base, new Rng(1));
  const wall: Record<string, number[]> = { tfjs: [], fused: [] };
  const cpu: Record<string, number[]> = { tfjs: [], fused: [] };
  const loss: Record<string, number[]> = { tfjs: [], fused: [] };
  for (let s = 0; s < seqs.length; s++) {
    for (const kernel of s % 2 ? [...kernels].reverse() : kernels) {
      const config: ModelConfig = { ...base, attentionKernel: kernel };
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const { value, grads } = gradsByName(() => answerLossSum(params, config, seqs[s]!).loss, params);
      for (const g of Object.values(grads)) await g.data();
      const v = (await value.data())[0]!;
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      tf.dispose([value, ...Object.values(grads)]);
      loss[kernel]!.push(v);
      if (s === 0) continue; // warm-up
      wall[kernel]!.push(ms);
      cpu[kernel]!.push((c.user + c.system) / 1000);
    }
  }
  const rel = Math.max(...loss.tfjs!.map((l, i) => Math.abs(l - loss.fused![i]!) / Math.abs(l)));
  console.log(
    `${label}: shard ${shard}, ${steps} timed steps, max relative loss difference ${rel.toExponential(1)}`,
  );
  for (const k of kernels) {
    const w = wall[k]!;
    console.log(
      `  ${k.padEnd(5)} wall ${median(w).toFixed(0)} ms (${Math.min(...w).toFixed(0)}–${
        Math.max(...w).toFixed(0)
      }), cpu ${median(cpu[k]!).toFixed(0)} ms`,
    );
  }
  Object.values(params).forEach((v) => v.dispose());
}
