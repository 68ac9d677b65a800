import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "./config.ts";
import { decodeStep, forward, type KvCache } from "./forward.ts";
import type { Params } from "./params.ts";
import { capturePrefix, forwardFromPrefix, type PrefixState } from "./prefix.ts";
import type { SequenceBatch } from "./sequence.ts";

export interface GenerateOptions {
  maxNewTokens: number;
  eosId: number;
  /** Decoder layers whose attention rows to keep for each fed-back answer token. */
  captureLayers?: number[];
  /**
   * Stage-1 state of the sequence's prefix (system + global image, lib/models/tiny/prefix.ts): the prefill then
   * skips what it holds. Same tokens as without it; the caller keeps ownership.
   */
  prefix?: PrefixState;
  /** Also return the [system, image] prefix state after every layer (`Generation.prefix`). */
  keepPrefix?: boolean;
}

export interface Generation {
  /** Generated ids per row, including the final <eos> when one was produced. */
  tokens: number[][];
  /**
   * captured[l][b]: attention rows of the fed-back answer tokens of row b at layer captureLayers[l], each
   * [H, T_k] (key length grows by one per step; the prefix covers the prompt positions).
   */
  captured: Float32Array[][][];
  /** Key length of the prompt (columns 0..promptLength−1 are prompt positions in every captured row). */
  promptLength: number;
  /** With `keepPrefix`: the prompt's prefix state over all layers, owned by the caller; else null. */
  prefix: PrefixState | null;
}

/**
 * Greedy decoding with a KV cache. The prompt is prefilled once; each generated token is fed back with one
 * `decodeStep`. Following SD-RPN §1, the queries whose attention is captured are exactly the fed-back tokens
 * t0..t(n−2): the final token (normally <eos>) is never fed back, and the prefill position is not a query.
 */
export async function generate(
  params: Params,
  config: ModelConfig,
  seq: SequenceBatch,
  options: GenerateOptions,
): Promise<Generation> {
  // Before the prefill: a refused call must not compute (or leak) a KV cache.
  if (seq.length !== seq.promptEnd + 1) {
    throw new Error("Cannot generate from a sequence that already has answers");
  }
  const B = seq.batch;
  const capture = options.captureLayers ?? [];
  const tokens: number[][] = Array.from({ length: B }, () => []);
  const captured: Float32Array[][][] = capture.map(() => Array.from({ length: B }, () => []));
  const done = new Uint8Array(B);
  let cache: KvCache;
  let next: Int32Array;
  let prefix: PrefixState | null;
  {
    const r = tidy(() => {
      const out = options.prefix
        ? forwardFromPrefix(params, config, seq, options.prefix, { cache: true })
        : forward(params, config, seq, { cache: true });
      const last = tf.slice(out.logits!, [0, seq.promptEnd, 0], [B, 1, config.vocabSize]);
      return {
        argmax: tf.argMax(tf.reshape(last, [B, config.vocabSize]), 1),
        cache: out.cache!,
        prefix: options.keepPrefix ? capturePrefix(config, seq, out) : null,
      };
    });
    cache = r.cache;
    prefix = r.prefix;
    next = (await r.argmax.data()) as Int32Array;
    r.argmax.dispose();
  }
  const fedAnswer = new Uint8Array(B); // row fed back a real answer token in this step
  for (let step = 0; step < options.maxNewTokens; step++) {
    for (let b = 0; b < B; b++) {
      fedAnswer[b] = 0;
      if (!done[b]) {
        tokens[b]!.push(next[b]!);
        if (next[b] === options.eosId) done[b] = 1;
        else fedAnswer[b] = 1;
      }
    }
    if (done.every((d) => d === 1) || step === options.maxNewTokens - 1) break;
    const fed = next;
    const r = tidy(() => {
      const s = decodeStep(params, config, cache, fed, { captureAttention: capture.length > 0 });
      const kept = capture.map((l) => s.attentions[l]!);
      return { s, argmax: tf.argMax(s.logits, 1), kept };
    });
    for (let i = 0; i < capture.length; i++) {
      const data = (await r.kept[i]!.data()) as Float32Array; // [B, H, 1, T]
      const per = data.length / B;
      for (let b = 0; b < B; b++) {
        if (fedAnswer[b]) captured[i]![b]!.push(data.slice(b * per, (b + 1) * per));
      }
    }
    disposeCache(cache);
    cache = r.s.cache;
    next = (await r.argmax.data()) as Int32Array;
    tf.dispose([r.argmax, r.s.logits, ...r.kept]);
  }
  disposeCache(cache);
  return { tokens, captured, promptLength: seq.promptEnd + 1, prefix };
}

export function disposeCache(cache: KvCache): void {
  for (const c of cache.layers) tf.dispose([c.keysT, c.values]);
}

/** tf.tidy that keeps the callback's return type (tensors anywhere in the result survive). */
function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}
