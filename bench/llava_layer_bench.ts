/**
 * One LLaVA-1.5-7B decoder layer and one CLIP-L/336 encoder block at full size, run by the model's own
 * layer code (llamaDecoderLayer, clipLayer) on seeded random weights uploaded by the loader's
 * toDeviceLayout — the numbers behind the README's seconds-per-question extrapolation.
 *
 *   deno bench -A bench/llava_layer_bench.ts                                  # wasm
 *   SDRPN_BENCH_BACKEND=webgpu SDRPN_BENCH_TOKENS=64 deno bench -A bench/llava_layer_bench.ts
 *
 * A process has one tfjs backend, hence the variable (wasm | webgpu | cpu; default wasm). webgpu without an
 * adapter skips every bench with a message; an adapter whose maxStorageBufferBindingSize is below the
 * largest Llama tensor (lavapipe: 128 MiB < the 172 MiB MLP matrices) runs the CLIP block only, because
 * tfjs-webgpu returns zeros without an error there. Every layer's output is checked (finite, not all zero)
 * before it is timed. SDRPN_BENCH_TOKENS: prefill rows of the Llama layer (default
 * 640 = 576 image + 64 text tokens; time is ~linear in it, so a software adapter can use fewer).
 * SDRPN_BENCH_N: timed iterations per bench (default 2; deno bench adds one warm-up run). Bench names
 * carry each case's matmul GFLOP (bench/llava_cost.ts), so GFLOP/s = GFLOP / time.
 */
import * as tf from "@tensorflow/tfjs";
import { BACKEND_NAMES, type BackendName, ensureXdgRuntimeDir, initBackend } from "../lib/engine/backend.ts";
import { Rng } from "../lib/engine/rng.ts";
import { clipLayer } from "../lib/models/llava/clip.ts";
import { type LayerCache, llamaDecoderLayer } from "../lib/models/llava/llama.ts";
import {
  type ClipLayerWeights,
  type LlamaLayerWeights,
  llavaTensorSpecs,
  type TensorSpec,
  toDeviceLayout,
} from "../lib/models/llava/weights.ts";
import { clipLayerFlops, llamaLayerFlops, llava7bConfig } from "./llava_cost.ts";

const backend = (Deno.env.get("SDRPN_BENCH_BACKEND") ?? "wasm") as BackendName;
if (!BACKEND_NAMES.includes(backend)) {
  throw new Error(`SDRPN_BENCH_BACKEND is "${backend}", expected one of ${BACKEND_NAMES.join(", ")}`);
}
const tokens = positiveInt("SDRPN_BENCH_TOKENS", 640);
const n = positiveInt("SDRPN_BENCH_N", 2);

const config = llava7bConfig();
const text = config.text, vision = config.vision;
const clipTokens = (vision.imageSize / vision.patchSize) ** 2 + 1; // 576 patches + CLS

const LLAMA_PREFIX = "language_model.model.layers.0.";
const CLIP_PREFIX = "vision_tower.vision_model.encoder.layers.0.";
const specs = llavaTensorSpecs(config);
const llamaSpecs = specs.filter((s) => s.name.startsWith(LLAMA_PREFIX));
const clipSpecs = specs.filter((s) => s.name.startsWith(CLIP_PREFIX));
const largestBytes = (list: TensorSpec[]) =>
  Math.max(...list.map((s) => 4 * s.shape.reduce((p, x) => p * x, 1)));

let skip: string | undefined;
let skipLlama: string | undefined;
if (backend === "webgpu") {
  ensureXdgRuntimeDir();
  const adapter = await navigator.gpu?.requestAdapter();
  if (adapter == null) skip = "no WebGPU adapter";
  else {
    // tfjs-webgpu binds each tensor as one storage buffer; above the device's limit it computes zeros
    // without any error (seen on lavapipe, whose limit is 128 MiB), so such timings would be meaningless.
    const limit = adapter.limits.maxStorageBufferBindingSize;
    const largest = largestBytes(llamaSpecs);
    if (largest > limit) {
      skipLlama = `its largest tensor (${largest} bytes) exceeds the adapter's maxStorageBufferBindingSize ` +
        `${limit} (${adapter.info.description})`;
    }
    if (largestBytes(clipSpecs) > limit) skip = `CLIP tensors exceed maxStorageBufferBindingSize ${limit}`;
  }
}

/** Host data of one layer: per tensor spec, PyTorch layout, as a checkpoint reader would return it. */
interface HostLayer {
  specs: TensorSpec[];
  data: Float32Array[];
  bytes: number;
}

const bench = (name: string, fn: (b: Deno.BenchContext) => Promise<void>, ignore = false) =>
  Deno.bench({ name, n, warmup: 0, ignore: ignore || skip !== undefined, fn });

if (skip !== undefined) {
  console.log(`llava_layer_bench: skipped on ${backend}: ${skip}`);
} else {
  const info = await initBackend(backend);
  console.log(`llava_layer_bench: backend ${info.active}, ${tokens} Llama prefill tokens, n = ${n}`);
  if (skipLlama !== undefined) console.log(`llava_layer_bench: Llama benches skipped: ${skipLlama}`);
  const rng = new Rng(7);
  const gflop = (f: number) => `${(f / 1e9).toFixed(1)} GFLOP`;

  const clipHost = randomLayer(clipSpecs, rng.fork("clip"));
  const clip = clipWeights(await upload(clipHost));
  const clipIn = tf.tensor2d(normals(rng.fork("v"), clipTokens * vision.hiddenSize), [
    clipTokens,
    vision.hiddenSize,
  ]);
  await checkOutput("CLIP block", clipLayer(clipIn, clip, vision));
  bench(
    `CLIP-L/336 block, ${clipTokens} tokens (${gflop(clipLayerFlops(vision, clipTokens))})`,
    async () => {
      const out = clipLayer(clipIn, clip, vision);
      await out.data();
      out.dispose();
    },
  );

  if (skipLlama === undefined) {
    const llamaHost = randomLayer(llamaSpecs, rng.fork("llama"));
    const llama = llamaWeights(await upload(llamaHost));
    const llamaIn = tf.tensor2d(normals(rng.fork("x"), tokens * text.hiddenSize), [tokens, text.hiddenSize]);
    const stepIn = tf.tensor2d(normals(rng.fork("s"), text.hiddenSize), [1, text.hiddenSize]);
    // The decode step continues after `tokens` cached positions, as generation does after the prompt.
    const prefix = llamaDecoderLayer(llamaIn, llama, text);
    const past: LayerCache = prefix.cache;
    await checkOutput("Llama layer", prefix.out);
    const rss = (Deno.memoryUsage().rss / 2 ** 30).toFixed(2);
    console.log(`llava_layer_bench: weights resident, process RSS ${rss} GiB`);

    bench(
      `Llama-7B layer prefill, ${tokens} tokens, causal (${gflop(llamaLayerFlops(text, tokens))})`,
      async () => {
        const { out, cache } = llamaDecoderLayer(llamaIn, llama, text);
        await out.data();
        tf.dispose([out, cache.k, cache.v]);
      },
    );
    bench(
      `Llama-7B layer decode step after ${tokens} (${gflop(llamaLayerFlops(text, 1, tokens))})`,
      async () => {
        const { out, cache } = llamaDecoderLayer(stepIn, llama, text, { past });
        await out.data();
        tf.dispose([out, cache.k, cache.v]);
      },
    );
    bench(`upload one Llama-7B layer, f32 (${(llamaHost.bytes / 1e6).toFixed(0)} MB)`, async (b) => {
      b.start();
      const tensors = await upload(llamaHost);
      b.end();
      tf.dispose([...tensors.values()]);
    });
  }
}

/**
 * Refuses to time a layer whose output is not finite or all zeros (what an over-limit binding gives on
 * WebGPU): benchmarks of a computation that silently did nothing would be meaningless. Frees `out`.
 */
async function checkOutput(what: string, out: tf.Tensor): Promise<void> {
  const values = await out.data();
  out.dispose();
  let nonZero = false;
  for (const v of values) {
    if (!Number.isFinite(v)) throw new Error(`The ${what} computed a non-finite value on "${backend}"`);
    if (v !== 0) nonZero = true;
  }
  if (!nonZero) throw new Error(`The ${what} computed only zeros on "${backend}"`);
}

function positiveInt(name: string, fallback: number): number {
  const raw = Deno.env.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} is "${raw}", expected a positive integer`);
  }
  return value;
}

function normals(rng: Rng, count: number): Float32Array {
  return Float32Array.from({ length: count }, () => rng.normal());
}

/**
 * Random weights at the checkpoint's shapes: norms' gains 1, biases 0, matrices uniform with std 0.02
 * (Llama's init), so activations stay in the normal float range (denormals would slow the CPU paths).
 */
function randomLayer(layerSpecs: TensorSpec[], rng: Rng): HostLayer {
  const half = 0.02 * Math.sqrt(3);
  const data = layerSpecs.map((s) => {
    const size = s.shape.reduce((p, x) => p * x, 1);
    if (s.shape.length === 2) {
      const values = new Float32Array(size);
      for (let i = 0; i < size; i++) values[i] = (rng.next() * 2 - 1) * half;
      return values;
    }
    return new Float32Array(size).fill(s.name.endsWith(".bias") ? 0 : 1);
  });
  return { specs: layerSpecs, data, bytes: data.reduce((n, d) => n + d.byteLength, 0) };
}

/**
 * Creates every tensor of a layer with the loader's own layout step and waits until the backend holds it:
 * reading one value back makes webgpu flush its queue (uploads included); wasm copies synchronously.
 */
async function upload(host: HostLayer): Promise<Map<string, tf.Tensor>> {
  const tensors = new Map<string, tf.Tensor>();
  host.specs.forEach((s, i) => tensors.set(s.name, toDeviceLayout(s, host.data[i]!)));
  // 1-D tensors stay host-side on webgpu until first use: read one element of each so every upload is timed.
  const probe = tf.tidy(() =>
    tf.addN(
      [...tensors.values()].map((t) =>
        tf.reshape(tf.slice(t, t.shape.map(() => 0), t.shape.map(() => 1)), [1])
      ),
    )
  );
  await probe.data();
  probe.dispose();
  return tensors;
}

function take<T extends tf.Tensor>(t: Map<string, tf.Tensor>, prefix: string, name: string): T {
  const tensor = t.get(prefix + name);
  if (tensor === undefined) throw new Error(`Missing tensor "${prefix + name}" in the benchmark layer`);
  return tensor as T;
}

function llamaWeights(t: Map<string, tf.Tensor>): LlamaLayerWeights {
  const w = (name: string) => ({ w: take<tf.Tensor2D>(t, LLAMA_PREFIX, `${name}.weight`) });
  return {
    inputNorm: take(t, LLAMA_PREFIX, "input_layernorm.weight"),
    q: w("self_attn.q_proj"),
    k: w("self_attn.k_proj"),
    v: w("self_attn.v_proj"),
    o: w("self_attn.o_proj"),
    postNorm: take(t, LLAMA_PREFIX, "post_attention_layernorm.weight"),
    gate: w("mlp.gate_proj"),
    up: w("mlp.up_proj"),
    down: w("mlp.down_proj"),
  };
}

function clipWeights(t: Map<string, tf.Tensor>): ClipLayerWeights {
  const lin = (name: string) => ({
    w: take<tf.Tensor2D>(t, CLIP_PREFIX, `${name}.weight`),
    b: take<tf.Tensor1D>(t, CLIP_PREFIX, `${name}.bias`),
  });
  const ln = (name: string) => ({
    g: take<tf.Tensor1D>(t, CLIP_PREFIX, `${name}.weight`),
    b: take<tf.Tensor1D>(t, CLIP_PREFIX, `${name}.bias`),
  });
  return {
    ln1: ln("layer_norm1"),
    q: lin("self_attn.q_proj"),
    k: lin("self_attn.k_proj"),
    v: lin("self_attn.v_proj"),
    out: lin("self_attn.out_proj"),
    ln2: ln("layer_norm2"),
    fc1: lin("mlp.fc1"),
    fc2: lin("mlp.fc2"),
  };
}
