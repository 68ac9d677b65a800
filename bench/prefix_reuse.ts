/**
 * What reusing stage 1's [system, image] prefix saves in SD-RPN stage 2 (issue 3 item 8,
 * lib/model/prefix.ts), on random weights — the cost does not depend on the weights.
 *
 *   deno run -A bench/prefix_reuse.ts [--reps 5] [--batch 16] [--depth 4] [--new-tokens 6]
 *
 * For the tiny test model and the default model config (imageSize 64, patch 8 → 64 image tokens), one
 * batch of questions, each with its whole image plus one RoI block (box upscaling: all G² crop tokens):
 *   stage 2 prefill           forward() vs forwardFromPrefix(), KV cache kept (what generate() runs first);
 *                             "image only" reuses the global image's visual tokens alone (a B = 0 state);
 *   stage 2 answer            generate() (prefill + greedy decoding of `new-tokens` tokens) without / with;
 *   stage 1 capture           what keeping the prefix adds to stage 1: the K/V cache, slicing and the
 *                             download into per-question rows (prefixRows), and stackPrefix in stage 2.
 * Variants are interleaved and each is timed `reps` times after one warm-up; medians are reported.
 * Greedy tokens are checked identical. Wall clock on the wasm backend, sharing the machine with whatever
 * else runs: compare the ratios, not the absolute numbers, across runs.
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { CODE_CHARS, VOCAB_WORDS } from "../lib/data/vocab.ts";
import { initBackend } from "../lib/engine/backend.ts";
import { Rng } from "../lib/engine/rng.ts";
import { gridOf, type ModelConfig, ModelConfigSchema } from "../lib/models/tiny/config.ts";
import { disposeCache, generate } from "../lib/models/tiny/generate.ts";
import { forward } from "../lib/models/tiny/forward.ts";
import { initParams, type Params } from "../lib/models/tiny/params.ts";
import {
  capturePrefix,
  disposePrefix,
  forwardFromPrefix,
  type PrefixRow,
  prefixRows,
  type PrefixState,
  stackPrefix,
} from "../lib/models/tiny/prefix.ts";
import { buildSequences, type SequenceBatch } from "../lib/models/tiny/sequence.ts";
import { randomPixels, tinyModel } from "../lib/models/tiny/test_helpers.ts";
import { Tokenizer } from "../lib/models/tiny/tokenizer.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    reps: { type: "string", default: "5" },
    batch: { type: "string", default: "16" },
    depth: { type: "string", default: "4" },
    "new-tokens": { type: "string", default: "6" },
  },
});
const reps = Number(args.reps);
const batch = Number(args.batch);
const depth = Number(args.depth);
const newTokens = Number(args["new-tokens"]);

const backend = await initBackend("wasm");

const QUESTIONS = [
  "what code is on the red circle ?",
  "is there a K on the card ?",
  "what value is on the blue card ?",
  "what value ?",
];

function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** ms of one call of each variant, `reps` times interleaved after a warm-up; median per variant. */
async function timeAll(variants: Record<string, () => Promise<void>>): Promise<Record<string, number>> {
  const times: Record<string, number[]> = {};
  for (const [name, fn] of Object.entries(variants)) await fn(), times[name] = [];
  for (let r = 0; r < reps; r++) {
    for (const [name, fn] of Object.entries(variants)) {
      const t0 = performance.now();
      await fn();
      times[name]!.push(performance.now() - t0);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

async function benchConfig(label: string, config: ModelConfig, tokenizer: Tokenizer): Promise<void> {
  const params: Params = initParams(config, new Rng(1));
  const S = config.imageSize;
  const N = gridOf(config).tokens;
  const rng = new Rng(2);
  const base = Array.from({ length: batch }, (_, i) => ({
    question: tokenizer.encode(QUESTIONS[i % QUESTIONS.length]!),
    image: randomPixels(rng, S),
    roi: randomPixels(rng, S),
  }));
  const eos = tokenizer.special("<eos>");
  const s1 = buildSequences(
    tokenizer,
    config,
    base.map((b) => ({ question: b.question, blocks: [{ pixels: b.image }] })),
  );
  const s2 = buildSequences(
    tokenizer,
    config,
    base.map((b) => ({ question: b.question, blocks: [{ pixels: b.image }, { pixels: b.roi }] })),
  );

  // Stage 1 as two_stage.ts runs it (upTo B), without / with the prefix kept and downloaded.
  let rows: PrefixRow[] = [];
  const stage1 = async (keep: boolean) => {
    const r = tidy(() => {
      const out = forward(params, config, s1, { upTo: depth, logits: false, cache: keep });
      return { h: tf.sum(out.hidden), prefix: keep ? capturePrefix(config, s1, out) : null };
    });
    await r.h.data();
    r.h.dispose();
    if (r.prefix) rows = await prefixRows(config, r.prefix), disposePrefix(r.prefix);
  };
  await stage1(true);
  const prefix = stackPrefix(config, rows);
  // The image encoding alone (B = 0): what skipping the vision tower for the global image saves.
  const imageOnly = tidy(() =>
    capturePrefix(config, s1, forward(params, config, s1, { upTo: 0, logits: false, cache: true }))
  );

  const prefill = async (seq: SequenceBatch, from: PrefixState | null) => {
    const out = tidy(() =>
      from
        ? forwardFromPrefix(params, config, seq, from, { cache: true })
        : forward(params, config, seq, { cache: true })
    );
    await out.logits!.data();
    tf.dispose([out.logits!, out.hidden, out.inputs]);
    disposeCache(out.cache!);
  };
  let tokens: Record<string, number[][]> = {};
  const answer = async (seq: SequenceBatch, reuse: boolean, name: string) => {
    const g = await generate(params, config, seq, {
      maxNewTokens: newTokens,
      eosId: eos,
      ...(reuse ? { prefix } : {}),
    });
    tokens[name] = g.tokens;
  };

  const live = tf.memory().numTensors;
  const t = await timeAll({
    "stage 1 (B layers + nothing kept)": () => stage1(false),
    "stage 1 + keep prefix rows": () => stage1(true),
    "stackPrefix (stage 2 upload)": () => Promise.resolve(disposePrefix(stackPrefix(config, rows))),
    "stage 2 prefill, full": () => prefill(s2, null),
    "stage 2 prefill, reuse image only": () => prefill(s2, imageOnly),
    "stage 2 prefill, reuse": () => prefill(s2, prefix),
    "stage 2 answer, full": () => answer(s2, false, "full"),
    "stage 2 answer, reuse": () => answer(s2, true, "reuse"),
  });
  if (JSON.stringify(tokens.full) !== JSON.stringify(tokens.reuse)) {
    throw new Error(`Greedy tokens differ with prefix reuse on ${label}`);
  }
  tokens = {};
  if (tf.memory().numTensors !== live) throw new Error(`Tensor leak: ${tf.memory().numTensors - live}`);

  // Numerical agreement at this config, for the record.
  const diff = tidy(() => {
    const a = forward(params, config, s2).logits!;
    const b = forwardFromPrefix(params, config, s2, prefix).logits!;
    return tf.max(tf.abs(tf.sub(a, b)));
  });
  const maxDiff = (await diff.data())[0]!;
  diff.dispose();
  disposePrefix(prefix);
  disposePrefix(imageOnly);

  const P = s2.visualStarts[0]! + N;
  console.log(
    `\n## ${label}: layers ${config.layers}, d ${config.dim}, N ${N}, stem ${config.stem}, batch ${batch}, ` +
      `B ${depth}, stage-2 length ${s2.length} (prefix ${P}), ${newTokens} new tokens, max |Δlogit| ${
        maxDiff.toExponential(1)
      }`,
  );
  for (const [k, v] of Object.entries(t)) console.log(`${k.padEnd(36)} ${v.toFixed(1).padStart(8)} ms`);
  const fullP = t["stage 2 prefill, full"]!;
  const reuseP = t["stage 2 prefill, reuse"]!;
  const fullA = t["stage 2 answer, full"]!;
  const reuseA = t["stage 2 answer, reuse"]!;
  const capture = t["stage 1 + keep prefix rows"]! - t["stage 1 (B layers + nothing kept)"]! +
    t["stackPrefix (stage 2 upload)"]!;
  console.log(
    `prefill saving ${(fullP - reuseP).toFixed(1)} ms (${(100 * (1 - reuseP / fullP)).toFixed(0)} %); ` +
      `answer saving ${(fullA - reuseA).toFixed(1)} ms (${(100 * (1 - reuseA / fullA)).toFixed(0)} %); ` +
      `capture overhead ${capture.toFixed(1)} ms; net per batch ${(fullA - reuseA - capture).toFixed(1)} ms`,
  );
}

console.log(`backend ${backend.active}, reps ${reps} (median), batch ${batch}`);
const tiny = tinyModel();
await benchConfig("tiny test model", tiny.config, tiny.tokenizer);
const tokenizer = new Tokenizer(VOCAB_WORDS, CODE_CHARS);
await benchConfig("default config", ModelConfigSchema.parse({ vocabSize: tokenizer.size }), tokenizer);
