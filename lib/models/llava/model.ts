/**
 * A LLaVA-1.5 checkpoint in the Hugging Face layout, loaded into tfjs: the object the model interface's
 * adapter, the SD-RPN code and the `llava` command build on.
 *
 * Every method works on one sequence; tensors returned are owned by the caller.
 */
import * as tf from "@tensorflow/tfjs";
import { clipFeatures } from "./clip.ts";
import { type LlavaConfig, loadLlavaConfig } from "./config.ts";
import { greedyDecode } from "./generate.ts";
import {
  type DecoderLayerOptions,
  type DecoderLayerResult,
  type KvCache,
  llamaDecoderLayer,
  llamaLogits,
  llamaPrefill,
  type PrefillOptions,
  type PrefillResult,
} from "./llama.ts";
import { project } from "./projector.ts";
import {
  disposeLlavaWeights,
  type LlamaLayerWeights,
  type LlavaWeights,
  loadLlavaWeights,
} from "./weights.ts";
import { rmsNorm } from "../../engine/ops.ts";

/** Options of `LlavaModel.generate`. */
export interface GenerateOptions {
  maxNewTokens: number;
  /** End-of-sequence id (default 2, Llama's `</s>`). */
  eosId?: number;
}

/** A loaded LLaVA model. */
export class LlavaModel {
  private constructor(readonly dir: string, readonly config: LlavaConfig, readonly weights: LlavaWeights) {}

  /** Loads `dir/config.json` and its safetensors (single file or shards), tensor by tensor. */
  static async load(dir: string): Promise<LlavaModel> {
    const config = await loadLlavaConfig(dir);
    return new LlavaModel(dir, config, await loadLlavaWeights(dir, config));
  }

  /** Image tokens per image (576 for LLaVA-1.5). */
  get numImageTokens(): number {
    return this.config.numImageTokens;
  }

  /** CLIP + projector: CHW `pixelValues` [C, S, S] → image features [N, d] in the Llama width. */
  encodeImage(pixelValues: Float32Array): tf.Tensor2D {
    return tf.tidy(() =>
      project(this.weights.projector, clipFeatures(this.weights.vision, this.config, pixelValues))
    );
  }

  /** Token embeddings [L, d] (image placeholder ids must be replaced, see `inputEmbeds`). */
  embedTokens(ids: readonly number[]): tf.Tensor2D {
    const vocab = this.config.text.vocabSize;
    const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
    if (bad !== undefined) throw new Error(`Cannot embed token id "${bad}": expected 0..${vocab - 1}`);
    return tf.tidy(() => tf.gather(this.weights.text.embed, tf.tensor1d([...ids], "int32")) as tf.Tensor2D);
  }

  /**
   * Input embeddings of a prompt whose image placeholder is already expanded: the k-th occurrence of
   * `image_token_index` takes row k of `imageFeatures` [N·images, d], as LLaVA's masked scatter does.
   */
  inputEmbeds(ids: readonly number[], imageFeatures: tf.Tensor2D): tf.Tensor2D {
    const image = this.config.imageTokenIndex;
    const positions = ids.flatMap((id, i) => (id === image ? [i] : []));
    if (positions.length !== imageFeatures.shape[0]) {
      throw new Error(
        `Cannot build input embeddings: the prompt has ${positions.length} image tokens but there are ` +
          `${imageFeatures.shape[0]} image features`,
      );
    }
    return tf.tidy(() => {
      const text = this.embedTokens(ids.map((id) => (id === image ? 0 : id)));
      if (positions.length === 0) return text;
      // Row i of the result: feature row k where positions[k] = i, else the text row.
      const source = new Int32Array(ids.length);
      const isImage = new Float32Array(ids.length);
      let k = 0;
      ids.forEach((id, i) => {
        if (id === image) {
          source[i] = k++;
          isImage[i] = 1;
        }
      });
      const scattered = tf.gather(imageFeatures, tf.tensor1d(source, "int32")); // [L, d]
      const mask = tf.tensor2d(isImage, [ids.length, 1]);
      return tf.add(tf.mul(scattered, mask), tf.mul(text, tf.sub(1, mask))) as tf.Tensor2D;
    });
  }

  /** Runs the decoder over input embeddings [T, d]; see `PrefillOptions` (partial forward, captures, cache). */
  prefill(embeds: tf.Tensor2D, options: PrefillOptions = {}): PrefillResult {
    return llamaPrefill(this.weights.text, this.config.text, embeds, options);
  }

  /** The weights of decoder layer `i` (shared, not copied; clone them with `cloneLayerWeights`). */
  layerWeights(i: number): LlamaLayerWeights {
    const layer = this.weights.text.layers[i];
    if (layer === undefined) {
      throw new Error(`Decoder layer ${i} does not exist (the model has ${this.config.text.numLayers})`);
    }
    return layer;
  }

  /** The final RMSNorm weight [d]. */
  get finalNormWeight(): tf.Tensor1D {
    return this.weights.text.norm;
  }

  /** Applies one Llama decoder layer with the given weights to `x` [T, d]. */
  applyLayer(
    x: tf.Tensor2D,
    weights: LlamaLayerWeights,
    options: DecoderLayerOptions = {},
  ): DecoderLayerResult {
    return llamaDecoderLayer(x, weights, this.config.text, options);
  }

  /** RMSNorm with this model's epsilon and the given weight [d] (the final norm, or a twig norm). */
  rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D): tf.Tensor2D {
    return rmsNorm(x, weight, this.config.text.rmsNormEps) as tf.Tensor2D;
  }

  /** Final norm + lm_head on residual rows [T, d] → logits [T, V]. */
  logits(x: tf.Tensor2D): tf.Tensor2D {
    return llamaLogits(this.weights.text, this.config.text, x);
  }

  /**
   * Greedy continuation of a prefilled prompt (`lastLogits` [V] at its last position, `cache` its state),
   * over ids below image_token_index, stopping after `</s>` (kept).
   */
  continueGreedy(lastLogits: Float32Array, cache: KvCache, options: GenerateOptions): Promise<number[]> {
    return greedyDecode(this.weights.text, this.config.text, lastLogits, cache, {
      maxNewTokens: options.maxNewTokens,
      eosId: options.eosId ?? 2,
      vocabLimit: Math.min(this.config.imageTokenIndex, this.config.text.vocabSize),
    });
  }

  /** Frees the model's tensors. */
  dispose(): void {
    disposeLlavaWeights(this.weights);
  }
}

/** A deep copy of a decoder layer's weights (e.g. to initialise SD-RPN's twig layers). */
export function cloneLayerWeights(w: LlamaLayerWeights): LlamaLayerWeights {
  const lin = (
    l: { w: tf.Tensor2D; b?: tf.Tensor1D },
  ) => (l.b ? { w: tf.clone(l.w), b: tf.clone(l.b) } : { w: tf.clone(l.w) });
  return {
    inputNorm: tf.clone(w.inputNorm),
    q: lin(w.q),
    k: lin(w.k),
    v: lin(w.v),
    o: lin(w.o),
    postNorm: tf.clone(w.postNorm),
    gate: lin(w.gate),
    up: lin(w.up),
    down: lin(w.down),
  };
}
