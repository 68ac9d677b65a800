import * as tf from "@tensorflow/tfjs";
import type { Mllm, Prompt } from "../model/mllm.ts";
import type { RpnInput } from "./rpn.ts";

/**
 * The frozen backbone's output for one prompt: hidden states after decoder layer B−1 at the prompt's real
 * tokens only, `[L, d]` with L = system + image + `<q>` + question + `<a>`. These are the same for every RPN
 * built on B — whatever R, seed or data subset — so they are computed once and cached (issue 4).
 */
export interface BackboneState {
  /** [L, d] */
  hidden: Float32Array;
  /** Valid prompt tokens after the image besides the template's (`Mllm.template.questionExtra`). */
  questionLength: number;
}

/** Layer-B states of prompt-only sequences (image block only), computed in batches. */
export async function backboneStates(
  model: Mllm,
  prompts: readonly Prompt[],
  backbone: number,
  batchSize = 32,
): Promise<BackboneState[]> {
  const d = model.counts.hidden;
  const before = model.template.imageStart + model.counts.tokens + model.template.questionExtra;
  const size = Math.min(batchSize, model.maxBatch);
  const out: BackboneState[] = [];
  for (let s = 0; s < prompts.length; s += size) {
    const chunk = prompts.slice(s, s + size).map((p) => {
      if (p.blocks.length !== 1) throw new Error("RPN prompts carry the image only (no RoI blocks)");
      return p;
    });
    const { h, layout } = tidy(() => {
      const out = model.prefill(chunk, backbone);
      return { h: out.hidden, layout: out.layout };
    });
    const data = (await h.data()) as Float32Array; // [b, T, d]
    h.dispose();
    const T = layout.length;
    chunk.forEach((_, b) => {
      const rows: number[] = [];
      for (let t = 0; t < T; t++) if (layout.valid[b * T + t]) rows.push(t);
      const hidden = new Float32Array(rows.length * d);
      rows.forEach((t, i) => hidden.set(data.subarray((b * T + t) * d, (b * T + t + 1) * d), i * d));
      out.push({ hidden, questionLength: rows.length - before });
    });
  }
  return out;
}

/**
 * Re-pad cached states into one batch with exactly the layout the model gives prompt-only rows: template
 * head + image, then padding, then the question with its template tokens right-aligned. Padding is invalid
 * (never attended, no rotary step), so the branch sees what it would see in an uncached batch.
 */
export function batchRpnInput(states: readonly BackboneState[], model: Mllm): RpnInput {
  const n = model.counts.tokens;
  const d = model.counts.hidden;
  const extra = model.template.questionExtra;
  const prefix = model.template.imageStart + n;
  const maxQ = Math.max(...states.map((s) => s.questionLength));
  const T = prefix + maxQ + extra;
  const B = states.length;
  const hidden = new Float32Array(B * T * d);
  const valid = new Uint8Array(B * T);
  const positions = new Int32Array(B * T);
  states.forEach((s, b) => {
    const L = prefix + s.questionLength + extra;
    if (s.hidden.length !== L * d) {
      throw new Error(
        `Backbone state has ${s.hidden.length / d} rows, expected ${L} for its question length`,
      );
    }
    const row = b * T;
    hidden.set(s.hidden.subarray(0, prefix * d), row * d);
    const tail = T - (s.questionLength + extra);
    hidden.set(s.hidden.subarray(prefix * d), (row + tail) * d);
    let p = 0;
    for (let t = 0; t < T; t++) {
      const ok = t < prefix || t >= tail;
      valid[row + t] = ok ? 1 : 0;
      positions[row + t] = p;
      if (ok) p++;
    }
  });
  return {
    batch: B,
    length: T,
    hidden,
    valid,
    positions,
    imageStart: model.template.imageStart,
    promptEnd: T - 1,
  };
}

/** tf.tidy that keeps the callback's return type (tensors anywhere in the result survive). */
function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}
