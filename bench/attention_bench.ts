/**
 * Attention forward and forward+backward on wasm, fused kernel vs the model's tfjs path vs a plain 2-D
 * matmul; the cases and their FLOP counts are described in bench/attention_cases.ts.
 *
 *   deno bench -A bench/attention_bench.ts             (times per iteration)
 *   deno run -A bench/attention_table.ts [--reps 7]    (GFLOP/s table with medians and spread)
 */
import { initBackend } from "../lib/engine/backend.ts";
import { attentionCases } from "./attention_cases.ts";

await initBackend("wasm");

for (const c of attentionCases()) {
  Deno.bench(`${c.shape} | ${c.variant} [${(c.flops / 1e6).toFixed(1)} MFLOP]`, {
    group: c.shape,
    baseline: c.variant === "fused fwd+bwd",
    n: 8,
    warmup: 2,
  }, c.run);
}
