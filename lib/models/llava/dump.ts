/**
 * The parity dump of one image+question case (tests/fixtures/llava-tiny/README.md, "Dump contract"):
 * everything between the prompt ids and the answer that an independent reference can be compared with.
 */
import * as tf from "@tensorflow/tfjs";
import type { LlavaModel } from "./model.ts";
import { rpnLogitsAtInit } from "./twig_score.ts";

/** SD-RPN depths: backbone layers B, twig layers R. */
export interface RpnDepths {
  B: number;
  R: number;
}

/** A flat row-major array with its shape. */
export interface ShapedArray {
  shape: number[];
  data: number[];
}

/** The model-side fields of the dump (the CLI adds question, image, max_new_tokens, rpn). */
export interface ForwardDump {
  input_ids: number[];
  image_token_start: number;
  pixel_values: ShapedArray;
  image_features: ShapedArray;
  last_logits: number[];
  generated_ids: number[];
  /** Layer → per head, the last prompt position's probabilities over the image tokens. */
  attention: Record<string, number[][]>;
  rpn_logits: number[];
}

/** Inputs of `forwardDump`: a prompt with its image placeholder already expanded, and pixel values. */
export interface ForwardDumpInput {
  inputIds: readonly number[];
  /** CHW [C, S, S]. */
  pixelValues: Float32Array;
  maxNewTokens: number;
  /** SD-RPN depths for `rpn_logits`; without them neither attention rows nor rpn_logits are computed. */
  rpn?: RpnDepths;
  /** End-of-sequence id (default 2, `</s>`). */
  eosId?: number;
}

/**
 * Runs one case end to end: image features, one prefill with the last row's attention captured at
 * every layer, greedy decoding from its KV cache, and the SD-RPN score at twig initialisation.
 */
export async function forwardDump(model: LlavaModel, input: ForwardDumpInput): Promise<ForwardDump> {
  const { config } = model;
  const ids = [...input.inputIds];
  const start = ids.indexOf(config.imageTokenIndex);
  const n = config.numImageTokens;
  // Exactly one run of N image ids: a run cut off by the prompt's end, a split run or extra image ids would
  // otherwise reach inputEmbeds only after the image was encoded.
  const count = ids.filter((id) => id === config.imageTokenIndex).length;
  if (start < 0 || count !== n || ids.slice(start, start + n).some((id) => id !== config.imageTokenIndex)) {
    throw new Error(
      `Cannot run the case: the prompt needs ${n} consecutive image tokens (id ${config.imageTokenIndex})`,
    );
  }
  const last = ids.length - 1;
  const features = model.encodeImage(input.pixelValues); // [N, d]
  const embeds = model.inputEmbeds(ids, features); // [L, d]
  const tensors: tf.Tensor[] = [features, embeds];
  try {
    const capture = input.rpn !== undefined;
    const run = model.prefill(embeds, { attentionRows: capture ? [last] : [], logits: "last" });
    try {
      tensors.push(run.logits!, ...Object.values(run.attention));
      const lastLogits = (await run.logits!.data()) as Float32Array;
      const attention: Record<string, number[][]> = {};
      for (const [layer, rows] of Object.entries(run.attention)) {
        const [, heads, keys] = rows.shape; // [1, H, S]
        const data = (await rows.data()) as Float32Array;
        attention[layer] = Array.from(
          { length: heads },
          (_, h) => Array.from(data.subarray(h * keys + start, h * keys + start + n)),
        );
      }
      const generated = await model.continueGreedy(lastLogits, run.cache, {
        maxNewTokens: input.maxNewTokens,
        eosId: input.eosId,
      });
      const at = { imageStart: start, imageCount: n, query: last };
      const rpn = input.rpn === undefined
        ? new Float32Array()
        : await rpnLogitsAtInit(model, embeds, input.rpn.B, input.rpn.R, at);
      return {
        input_ids: ids,
        image_token_start: start,
        pixel_values: {
          shape: [config.vision.numChannels, config.vision.imageSize, config.vision.imageSize],
          data: Array.from(input.pixelValues),
        },
        image_features: { shape: features.shape, data: Array.from((await features.data()) as Float32Array) },
        last_logits: Array.from(lastLogits),
        generated_ids: generated,
        attention,
        rpn_logits: Array.from(rpn),
      };
    } finally {
      for (const l of run.cache.layers) tensors.push(l.k, l.v);
    }
  } finally {
    tf.dispose(tensors);
  }
}
