import { Rng } from "../../engine/rng.ts";
import { CODE_CHARS, VOCAB_WORDS } from "../../data/vocab.ts";
import { type ModelConfig, ModelConfigSchema } from "./config.ts";
import { Tokenizer } from "./tokenizer.ts";
import type { SequenceItem } from "./sequence.ts";

/** A tiny model config for fast unit tests (same code paths as the real one). */
export function tinyModel(): { config: ModelConfig; tokenizer: Tokenizer } {
  const tokenizer = new Tokenizer(VOCAB_WORDS, CODE_CHARS);
  const config = ModelConfigSchema.parse({
    imageSize: 16,
    patchSize: 4,
    patchWindow: 4,
    stem: "window",
    visionDim: 16,
    visionLayers: 1,
    visionHeads: 2,
    visionMlp: 32,
    projectorHidden: 16,
    dim: 16,
    layers: 8,
    heads: 2,
    headDim: 8,
    mlp: 32,
    vocabSize: tokenizer.size,
  });
  return { config, tokenizer };
}

/** Random [S, S, 3] pixels. */
export function randomPixels(rng: Rng, size: number): Float32Array {
  const a = new Float32Array(size * size * 3);
  for (let i = 0; i < a.length; i++) a[i] = rng.next();
  return a;
}

/** A few items of varying question/answer length with `blocks` visual blocks each. */
export function someItems(
  tokenizer: Tokenizer,
  size: number,
  blocks: number,
  answers = true,
): SequenceItem[] {
  const rng = new Rng(7);
  const qs = [
    "what code is on the red circle ?",
    "is there a K on the card ?",
    "what value is on the blue card ?",
  ];
  const as = ["K3", "yes", "650"];
  return qs.map((q, i) => ({
    question: tokenizer.encode(q),
    ...(answers ? { answer: tokenizer.encode(as[i]!) } : {}),
    blocks: Array.from({ length: blocks }, () => ({ pixels: randomPixels(rng, size) })),
  }));
}

export { Rng };
