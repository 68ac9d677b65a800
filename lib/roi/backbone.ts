import * as tf from "@tensorflow/tfjs";
import type { Mllm } from "../eval/answer.ts";
import { gridOf } from "../model/config.ts";
import type { ModelConfig } from "../model/config.ts";
import { forward } from "../model/mllm.ts";
import { buildSequences, type SequenceItem, SYSTEM_LENGTH } from "../model/sequence.ts";
import type { RpnInput } from "./rpn.ts";

/**
 * The frozen backbone's output for one prompt: hidden states after decoder layer B−1 at the prompt's real
 * tokens only, `[L, d]` with L = system + image + `<q>` + question + `<a>`. These are the same for every RPN
 * built on B — whatever R, seed or data subset — so they are computed once and cached (issue 4).
 */
export interface BackboneState {
  /** [L, d] */
  hidden: Float32Array;
  questionLength: number;
}

/** Layer-B states of prompt-only sequences (image block only), computed in batches. */
export async function backboneStates(
  model: Mllm,
  items: SequenceItem[],
  backbone: number,
  batchSize = 32,
): Promise<BackboneState[]> {
  const d = model.config.dim;
  const out: BackboneState[] = [];
  for (let s = 0; s < items.length; s += batchSize) {
    const chunk = items.slice(s, s + batchSize).map((it) => {
      if (it.blocks.length !== 1) throw new Error("RPN prompts carry the image only (no RoI blocks)");
      return { ...it, answer: undefined };
    });
    const seq = buildSequences(model.tokenizer, model.config, chunk);
    const h = tf.tidy(() =>
      forward(model.params, model.config, seq, { upTo: backbone, logits: false }).hidden
    );
    const data = (await h.data()) as Float32Array; // [b, T, d]
    h.dispose();
    chunk.forEach((it, b) => {
      const rows: number[] = [];
      for (let t = 0; t < seq.length; t++) if (seq.valid[b * seq.length + t]) rows.push(t);
      const hidden = new Float32Array(rows.length * d);
      rows.forEach((t, i) =>
        hidden.set(data.subarray((b * seq.length + t) * d, (b * seq.length + t + 1) * d), i * d)
      );
      out.push({ hidden, questionLength: it.question.length });
    });
  }
  return out;
}

/**
 * Re-pad cached states into one batch with exactly the layout `buildSequences` gives prompt-only rows:
 * system + image, then padding, then `<q>` question `<a>` right-aligned. Padding is invalid (never
 * attended, no rotary step), so the branch sees what it would see in an uncached batch.
 */
export function batchRpnInput(states: BackboneState[], config: ModelConfig): RpnInput {
  const { tokens: n } = gridOf(config);
  const d = config.dim;
  const prefix = SYSTEM_LENGTH + n;
  const maxQ = Math.max(...states.map((s) => s.questionLength));
  const T = prefix + maxQ + 2;
  const B = states.length;
  const hidden = new Float32Array(B * T * d);
  const valid = new Uint8Array(B * T);
  const positions = new Int32Array(B * T);
  states.forEach((s, b) => {
    const L = prefix + s.questionLength + 2;
    if (s.hidden.length !== L * d) {
      throw new Error(
        `Backbone state has ${s.hidden.length / d} rows, expected ${L} for its question length`,
      );
    }
    const row = b * T;
    hidden.set(s.hidden.subarray(0, prefix * d), row * d);
    const tail = T - (s.questionLength + 2);
    hidden.set(s.hidden.subarray(prefix * d), (row + tail) * d);
    let p = 0;
    for (let t = 0; t < T; t++) {
      const ok = t < prefix || t >= tail;
      valid[row + t] = ok ? 1 : 0;
      positions[row + t] = p;
      if (ok) p++;
    }
  });
  return { batch: B, length: T, hidden, valid, positions, imageStart: SYSTEM_LENGTH, promptEnd: T - 1 };
}
