/**
 * GFLOP/s table of the attention cases in bench/attention_cases.ts (fused kernel, the model's tfjs path,
 * plain 2-D matmul) on wasm, for the machine this runs on.
 *
 *   deno run -A bench/attention_table.ts [--reps 7] [--warmup 2] [--shape "H 2 dh 16"]
 *
 * Variants of a shape are interleaved within every repetition so that load from other processes spreads
 * over all of them. Each run is timed twice: wall clock, and this process's CPU time (user + system),
 * which is far less disturbed when other processes share the cores. Reports medians with [min–max].
 * The last column is the target of issue 13: fused fwd+bwd GFLOP/s over plain-matmul GFLOP/s.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/engine/backend.ts";
import { type AttentionCase, attentionCases } from "./attention_cases.ts";

const { values } = parseArgs({
  options: {
    reps: { type: "string", default: "7" },
    warmup: { type: "string", default: "2" },
    shape: { type: "string" },
  },
});
const reps = Number(values.reps), warmup = Number(values.warmup);
if (!Number.isInteger(reps) || reps < 1) {
  throw new Error(`Invalid --reps "${values.reps}", expected an integer ≥ 1`);
}
if (!Number.isInteger(warmup) || warmup < 0) {
  throw new Error(`Invalid --warmup "${values.warmup}", expected an integer ≥ 0`);
}

await initBackend("wasm");
// Inputs are built for every shape (a few MB each) but only the chosen ones are timed.
const cases = attentionCases().filter((c) => values.shape === undefined || c.shape === values.shape);
if (cases.length === 0) throw new Error(`Unknown --shape "${values.shape}"`);
const shapes = [...new Set(cases.map((c) => c.shape))];

interface Timing {
  wall: number[];
  cpu: number[];
}
const timings = new Map<AttentionCase, Timing>(cases.map((c) => [c, { wall: [], cpu: [] }]));

for (const shape of shapes) {
  const group = cases.filter((c) => c.shape === shape);
  for (let i = 0; i < warmup; i++) group.forEach((c) => c.run());
  for (let r = 0; r < reps; r++) {
    for (const c of group) {
      const cpu0 = process.cpuUsage(), wall0 = performance.now();
      c.run();
      const wall = performance.now() - wall0, cpu = process.cpuUsage(cpu0);
      timings.get(c)!.wall.push(wall);
      timings.get(c)!.cpu.push((cpu.user + cpu.system) / 1000);
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** "median [min–max]" of GFLOP/s from times in ms. */
function gflops(flops: number, ms: number[]): string {
  const rates = ms.map((t) => flops / t / 1e6);
  return `${median(rates).toFixed(1)} [${Math.min(...rates).toFixed(1)}–${Math.max(...rates).toFixed(1)}]`;
}

console.log(
  `wasm backend, batch 16, T 150; ${reps} repetitions after ${warmup} warm-up; ${new Date().toISOString()}`,
);
console.log("GFLOP/s (dense FLOP count, see bench/attention_cases.ts): median [min–max]\n");
console.log("| shape | variant | MFLOP | wall ms (median) | GFLOP/s wall | GFLOP/s CPU time |");
console.log("|---|---|---:|---:|---:|---:|");
for (const c of cases) {
  const t = timings.get(c)!;
  console.log(
    `| ${c.shape} | ${c.variant} | ${(c.flops / 1e6).toFixed(1)} | ${median(t.wall).toFixed(1)} | ` +
      `${gflops(c.flops, t.wall)} | ${gflops(c.flops, t.cpu)} |`,
  );
}
console.log(
  "\n| shape | fused fwd+bwd / plain matmul (wall) | (CPU time) | fused / tfjs attend fwd+bwd (CPU time) |",
);
console.log("|---|---:|---:|---:|");
for (const shape of shapes) {
  const find = (prefix: string) => cases.find((c) => c.shape === shape && c.variant.startsWith(prefix))!;
  const rate = (c: AttentionCase, kind: keyof Timing) => c.flops / median(timings.get(c)![kind]);
  const [fused, plain, model] = [find("fused fwd+bwd"), find("plain matmul"), find("tfjs attend fwd+bwd")];
  console.log(
    `| ${shape} | ${(100 * rate(fused, "wall") / rate(plain, "wall")).toFixed(0)} % | ` +
      `${(100 * rate(fused, "cpu") / rate(plain, "cpu")).toFixed(0)} % | ` +
      `${(rate(fused, "cpu") / rate(model, "cpu")).toFixed(1)}× |`,
  );
}
