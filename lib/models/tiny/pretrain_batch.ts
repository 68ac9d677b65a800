import { hashSeed, Rng } from "../../engine/rng.ts";
import type { SuiteName } from "../../data/schema.ts";
import { alignmentSample } from "../../data/alignment.ts";
import { languageDrill } from "../../data/drills.ts";
import { groundingSample } from "../../data/grounding.ts";
import { generateSample } from "../../data/suites.ts";
import { cropResize, letterbox } from "../../image/resize.ts";
import type { RgbImage } from "../../image/types.ts";
import type { ModelConfig } from "./config.ts";
import { gridOf } from "./config.ts";
import { type CropKind, type CropMix, pickKind, planCrops } from "./crop_plan.ts";
import { buildSequences, type SequenceBatch, type SequenceItem } from "./sequence.ts";
import type { Tokenizer } from "./tokenizer.ts";

/**
 * The pretraining batch of a step, as a pure function of (seed, step): suite, sample index, crop kind and
 * crop windows all come from streams named after the step, so a resumed run sees exactly the batches an
 * uninterrupted run would have seen.
 */
export interface PretrainBatchSpec {
  seed: number;
  step: number;
  batchSize: number;
  suites: readonly SuiteName[];
  mix: CropMix;
  /** Number of shards (gradient workers); rows are dealt round-robin. */
  shards: number;
  /**
   * Share of alignment batches, linear from `start` (step 0) to `end` (last step); `choice`: share of
   * alignment samples that are multiple-choice questions (default 0).
   */
  align: { start: number; end: number; choice?: number };
  totalSteps: number;
  /**
   * Position of step 0 in the data stream (default 0). A run continuing from a checkpoint that trained
   * for k steps passes k, so it sees new samples rather than replaying the parent's.
   */
  stepOffset?: number;
  /**
   * Share of text-only language-drill batches (lib/data/drills.ts), linear from `start` to `end`; absent =
   * none. Decided on a stream of its own, so the other steps are unchanged.
   */
  drills?: { start: number; end: number };
  /**
   * Share of grounding batches (lib/data/grounding.ts: "which box is the red circle in ?" → the cell code),
   * linear from `start` to `end`; absent = none. Decided on a stream of its own after the drill draw, so a
   * spec without it yields the batches it always did.
   */
  ground?: { start: number; end: number };
}

export async function pretrainBatch(
  tokenizer: Tokenizer,
  config: ModelConfig,
  spec: PretrainBatchSpec,
): Promise<{ kind: CropKind | "align" | "drill" | "ground"; shards: SequenceBatch[] }> {
  const at = spec.step + (spec.stepOffset ?? 0);
  const stepRng = new Rng(hashSeed(spec.seed, `pretrain/step/${at}`));
  const progress = spec.totalSteps > 1 ? spec.step / (spec.totalSteps - 1) : 0;
  if (spec.drills) {
    const share = shareAt(spec.drills, progress);
    if (new Rng(hashSeed(spec.seed, `pretrain/drill-step/${at}`)).next() < share) {
      const items = Array.from({ length: spec.batchSize }, (_, i): SequenceItem => {
        const d = languageDrill(at * spec.batchSize + i, spec.seed);
        return {
          question: tokenizer.encode(`${d.content} ${d.question}`),
          answer: tokenizer.encode(d.answer),
          blocks: [],
        };
      });
      return { kind: "drill", shards: shard(tokenizer, config, items, spec.shards, true) };
    }
  }
  if (spec.ground) {
    const share = shareAt(spec.ground, progress);
    if (new Rng(hashSeed(spec.seed, `pretrain/ground-step/${at}`)).next() < share) {
      const { grid } = gridOf(config);
      const items = await Promise.all(
        Array.from(
          { length: spec.batchSize },
          (_, i) =>
            singleImageItem(tokenizer, config, groundingSample(at * spec.batchSize + i, spec.seed, grid)),
        ),
      );
      return { kind: "ground", shards: shard(tokenizer, config, items, spec.shards) };
    }
  }
  const alignShare = shareAt(spec.align, progress);
  if (stepRng.next() < alignShare) {
    const items = await Promise.all(
      Array.from(
        { length: spec.batchSize },
        (_, i) =>
          singleImageItem(
            tokenizer,
            config,
            alignmentSample(at * spec.batchSize + i, spec.seed, spec.align.choice ?? 0),
          ),
      ),
    );
    return { kind: "align", shards: shard(tokenizer, config, items, spec.shards) };
  }
  const kind = pickKind(stepRng, spec.mix);
  const items = await Promise.all(
    Array.from({ length: spec.batchSize }, (_, i) => {
      const index = at * spec.batchSize + i;
      const suite = spec.suites[hashSeed(spec.seed, `pretrain/suite/${index}`) % spec.suites.length]!;
      const rng = new Rng(hashSeed(spec.seed, `pretrain/crop/${index}`));
      return pretrainItem(tokenizer, config, suite, index, spec.seed, kind, rng);
    }),
  );
  return { kind, shards: shard(tokenizer, config, items, spec.shards) };
}

function shard(
  tokenizer: Tokenizer,
  config: ModelConfig,
  items: SequenceItem[],
  shards: number,
  textOnly = false,
): SequenceBatch[] {
  const out: SequenceBatch[] = [];
  for (let s = 0; s < shards; s++) {
    out.push(buildSequences(tokenizer, config, items.filter((_, i) => i % shards === s), { textOnly }));
  }
  return out;
}

/** A batch share that moves linearly from `start` (progress 0) to `end` (progress 1). */
function shareAt(share: { start: number; end: number }, progress: number): number {
  return share.start + (share.end - share.start) * progress;
}

/** A question on one whole image as a training item (alignment and grounding samples). */
async function singleImageItem(
  tokenizer: Tokenizer,
  config: ModelConfig,
  sample: { question: string; answer: string; image: RgbImage },
): Promise<SequenceItem> {
  return {
    question: tokenizer.encode(sample.question),
    answer: tokenizer.encode(sample.answer),
    blocks: [{ pixels: (await letterbox(sample.image, config.imageSize)).pixels }],
  };
}

/** One training sample with its visual blocks for a given crop kind. */
export async function pretrainItem(
  tokenizer: Tokenizer,
  config: ModelConfig,
  suite: SuiteName,
  index: number,
  seed: number,
  kind: CropKind,
  rng: Rng,
): Promise<SequenceItem> {
  const { sample, image } = generateSample(suite, index, seed);
  const { grid } = gridOf(config);
  const S = config.imageSize;
  const plan = planCrops(rng, kind, sample.box, image.width, image.height, grid);
  const main = plan.view ? await cropResize(image, plan.view, S) : (await letterbox(image, S)).pixels;
  const crops = await Promise.all(plan.boxes.map((b) => cropResize(image, b, S)));
  return {
    question: tokenizer.encode(sample.question),
    answer: tokenizer.encode(sample.answers[0]!),
    blocks: [{ pixels: main }, ...crops.map((pixels, k) => ({ pixels, keep: plan.keeps[k] }))],
  };
}
