/**
 * Greedy decoding with a KV cache, as LLaVA's evaluation runs it (`do_sample=False`): at every step the
 * most likely id among the ordinary vocabulary (ids below `image_token_index`, so neither `<image>` nor
 * the padding rows can be produced), stopping after the end-of-sequence id, which is kept.
 */
import * as tf from "@tensorflow/tfjs";
import type { LlamaTextConfig } from "./config.ts";
import { disposeCache, type KvCache, llamaPrefill } from "./llama.ts";
import type { LlamaWeights } from "./weights.ts";

/** Options of `greedyDecode`. */
export interface GreedyOptions {
  maxNewTokens: number;
  /** Stop after producing this id (kept in the output). */
  eosId: number;
  /** Only ids below this are candidates (LLaVA: image_token_index). */
  vocabLimit: number;
}

/** Index of the first maximum of `values[0..limit)`, as torch.argmax. */
export function argmax(values: ArrayLike<number>, limit = values.length): number {
  let best = 0;
  for (let i = 1; i < Math.min(limit, values.length); i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Continues a prefilled prompt: `firstLogits` [V] are the logits at the prompt's last position and
 * `cache` its prefix state (neither is modified or freed). Returns the generated ids.
 */
export async function greedyDecode(
  w: LlamaWeights,
  cfg: LlamaTextConfig,
  firstLogits: Float32Array,
  cache: KvCache,
  options: GreedyOptions,
): Promise<number[]> {
  const ids: number[] = [];
  let logits = firstLogits;
  let state = cache;
  try {
    while (ids.length < options.maxNewTokens) {
      const next = argmax(logits, options.vocabLimit);
      ids.push(next);
      if (next === options.eosId || ids.length === options.maxNewTokens) break;
      const embed = tf.tidy(() => tf.gather(w.embed, tf.tensor1d([next], "int32")) as tf.Tensor2D); // [1, d]
      const step = llamaPrefill(w, cfg, embed, { cache: state, logits: "last" });
      embed.dispose();
      if (state !== cache) disposeCache(state);
      state = step.cache;
      logits = (await step.logits!.data()) as Float32Array;
      step.logits!.dispose();
    }
  } finally {
    if (state !== cache) disposeCache(state);
  }
  return ids;
}
