import type { ModelConfig } from "./config.ts";
import { gridOf } from "./config.ts";
import type { VisualBlock } from "../../model/mllm.ts";
import type { Tokenizer } from "./tokenizer.ts";

export type { VisualBlock };

/**
 * Chat template, one row:
 *
 *   <bos> <sys1> <sys2> <sys3> | image ×N | (<crop> roi ×N)* | pad* <q> question <a> | answer <eos> pad*
 *
 * The system tokens give attention sinks somewhere to form (as in LLaVA). RoI blocks sit right after the
 * image tokens (SD-RPN spec §0). Rows of a batch share the positions of every visual block and of `<a>`:
 * shorter questions are padded on the LEFT of `<q>`, answers on the right. Padding and masked RoI tokens
 * (masked upscaling) are marked invalid: they are never attended to and do not advance the rotary
 * position, so a masked-out token is exactly equivalent to a removed one.
 *
 * With `dropMasked` (inference), an RoI block holds only its kept tokens, in grid order, so the decoder
 * does not compute the masked ones at all: the block is as long as the most tokens any row of the batch
 * keeps, and a row keeping fewer is padded (invalid) at the block's end. Kept tokens then have the same
 * rotary positions and see the same valid keys as when masked in place.
 */
export interface SequenceItem {
  question: number[];
  /** Answer ids WITHOUT <eos>; present for training / teacher forcing. */
  answer?: number[];
  /** Block 0 is the whole image; further blocks are RoI crops. */
  blocks: VisualBlock[];
}

export interface SequenceBatch {
  batch: number;
  length: number;
  /** [B, T] token ids; visual positions hold `<img>`. */
  ids: Int32Array;
  /** [B, T] 1 = real token. */
  valid: Uint8Array;
  /** [B, T] rotary position of each token (index among the row's valid tokens). */
  positions: Int32Array;
  /** Start index of each visual block; identical for all rows. */
  visualStarts: number[];
  /** Slots of each visual block (N unless `dropMasked` shortened an RoI block). */
  blockLengths: number[];
  /**
   * Per block, [B·blockLength] the index among the block's N encoded tokens placed at each slot (0 on a
   * padding slot); null when the block holds all N tokens in grid order.
   */
  visualGather: (Int32Array | null)[];
  /** Per block: [B, N, P·P·3] patchified pixels. */
  patches: Float32Array[];
  /** Index of `<a>`, the last prompt token (the RPN query; predicts the first answer token). */
  promptEnd: number;
  /** [B, T] next-token targets (−1 where there is no loss). */
  targets: Int32Array;
}

export const SYSTEM_LENGTH = 4;

/**
 * One [S, S, 3] image in [0, 1] → [G·G, W·W·3] token inputs: per-image standardisation (per-channel mean
 * removed, divided by one overall std, so the background is ~0 and details carry the signal), zero-padded by
 * (W − P)/2, then the W×W window centred on each P×P patch, in grid row-major order, pixels row-major.
 */
export function patchify(
  pixels: Float32Array,
  imageSize: number,
  patchSize: number,
  window = patchSize,
): Float32Array {
  const S = imageSize;
  const n = S * S;
  const mean = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) mean[c]! += pixels[i * 3 + c]! / n;
  let sq = 0;
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) sq += (pixels[i * 3 + c]! - mean[c]!) ** 2;
  const inv = 1 / Math.sqrt(sq / (3 * n) + 1e-4);
  const g = S / patchSize;
  const pad = (window - patchSize) / 2;
  const per = window * window * 3;
  const out = new Float32Array(g * g * per);
  for (let gy = 0; gy < g; gy++) {
    for (let gx = 0; gx < g; gx++) {
      const base = (gy * g + gx) * per;
      for (let wy = 0; wy < window; wy++) {
        const y = gy * patchSize - pad + wy;
        if (y < 0 || y >= S) continue;
        for (let wx = 0; wx < window; wx++) {
          const x = gx * patchSize - pad + wx;
          if (x < 0 || x >= S) continue;
          const src = (y * S + x) * 3;
          const dst = base + (wy * window + wx) * 3;
          for (let c = 0; c < 3; c++) out[dst + c] = (pixels[src + c]! - mean[c]!) * inv;
        }
      }
    }
  }
  return out;
}

/** Options of `buildSequences`. */
export interface SequenceOptions {
  /** Admit items with no block at all (language-only drills: the template without the image). */
  textOnly?: boolean;
  /** RoI blocks hold their kept tokens only (see the chat template above); block 0 is never shortened. */
  dropMasked?: boolean;
}

/**
 * Lay out a batch; every item must carry the same number of visual blocks. `textOnly` admits items with no
 * block at all, which nothing else may build.
 */
export function buildSequences(
  tokenizer: Tokenizer,
  config: ModelConfig,
  items: SequenceItem[],
  options: SequenceOptions = {},
): SequenceBatch {
  if (items.length === 0) throw new Error("Cannot build an empty batch");
  const { tokens: n } = gridOf(config);
  const nBlocks = items[0]!.blocks.length;
  if (nBlocks < 1 && !options.textOnly) throw new Error("Cannot build a sequence without the image block");
  for (const it of items) {
    if (it.blocks.length !== nBlocks) {
      throw new Error(
        `Cannot batch items with "${it.blocks.length}" and "${nBlocks}" visual blocks together`,
      );
    }
  }
  const sys = [tokenizer.special("<bos>"), tokenizer.special("<sys1>"), tokenizer.special("<sys2>")];
  sys.push(tokenizer.special("<sys3>"));
  const img = tokenizer.special("<img>");
  const pad = tokenizer.special("<pad>");
  const eos = tokenizer.special("<eos>");
  // Per block and row, the grid indices of the tokens it holds; null = all N in grid order.
  const held = Array.from({ length: nBlocks }, (_, k) =>
    items.map((it) => {
      const keep = it.blocks[k]!.keep;
      if (keep && keep.length !== n) {
        throw new Error(`Visual block ${k} has a keep-mask of length "${keep.length}", expected ${n}`);
      }
      if (k === 0 || !options.dropMasked || !keep) return null;
      const kept: number[] = [];
      for (let j = 0; j < n; j++) if (keep[j]) kept.push(j);
      return kept;
    }));
  const blockLengths = held.map((rows) => Math.max(...rows.map((r) => r?.length ?? n)));
  const visualStarts: number[] = nBlocks > 0 ? [SYSTEM_LENGTH] : [];
  let cursor = SYSTEM_LENGTH + (nBlocks > 0 ? n : 0);
  for (let k = 1; k < nBlocks; k++) {
    visualStarts.push(cursor + 1); // after <crop>
    cursor += 1 + blockLengths[k]!;
  }
  const maxQ = Math.max(...items.map((it) => it.question.length));
  const maxA = Math.max(...items.map((it) => (it.answer ? it.answer.length + 1 : 0)));
  const promptEnd = cursor + maxQ + 1; // index of <a>
  const length = promptEnd + 1 + maxA;
  const B = items.length;
  const ids = new Int32Array(B * length).fill(pad);
  const valid = new Uint8Array(B * length);
  const targets = new Int32Array(B * length).fill(-1);
  const positions = new Int32Array(B * length);
  items.forEach((it, b) => {
    const row = b * length;
    const set = (t: number, id: number, ok = 1) => {
      ids[row + t] = id;
      valid[row + t] = ok;
    };
    sys.forEach((id, t) => set(t, id));
    it.blocks.forEach((blk, k) => {
      const start = visualStarts[k]!;
      if (k > 0) set(start - 1, tokenizer.special("<crop>"));
      const kept = held[k]![b];
      if (kept) {
        for (let i = 0; i < blockLengths[k]!; i++) set(start + i, img, i < kept.length ? 1 : 0);
      } else {
        for (let j = 0; j < n; j++) set(start + j, img, blk.keep ? (blk.keep[j] ? 1 : 0) : 1);
      }
    });
    const qStart = promptEnd - it.question.length;
    set(qStart - 1, tokenizer.special("<q>"));
    it.question.forEach((id, i) => set(qStart + i, id));
    set(promptEnd, tokenizer.special("<a>"));
    if (it.answer) {
      const ans = [...it.answer, eos];
      ans.forEach((id, i) => {
        set(promptEnd + 1 + i, id);
        targets[row + promptEnd + i] = id; // position t predicts token t+1
      });
    }
    let p = 0;
    for (let t = 0; t < length; t++) {
      positions[row + t] = p;
      if (valid[row + t]) p++;
    }
  });
  const patches = visualStartsToPatches(items, config, nBlocks);
  const visualGather = held.map((rows, k) => {
    if (rows.every((r) => r === null) && blockLengths[k] === n) return null;
    const K = blockLengths[k]!;
    const out = new Int32Array(B * K);
    rows.forEach((r, b) => {
      for (let i = 0; i < K; i++) out[b * K + i] = r ? (r[i] ?? 0) : i;
    });
    return out;
  });
  return {
    batch: B,
    length,
    ids,
    valid,
    positions,
    visualStarts,
    blockLengths,
    visualGather,
    patches,
    promptEnd,
    targets,
  };
}

function visualStartsToPatches(items: SequenceItem[], config: ModelConfig, nBlocks: number): Float32Array[] {
  const { tokens: n } = gridOf(config);
  const per = config.patchWindow * config.patchWindow * 3;
  const S = config.imageSize;
  const out: Float32Array[] = [];
  for (let k = 0; k < nBlocks; k++) {
    const buf = new Float32Array(items.length * n * per);
    items.forEach((it, b) => {
      const px = it.blocks[k]!.pixels;
      if (px.length !== S * S * 3) {
        throw new Error(`Visual block pixels have length "${px.length}", expected ${S * S * 3}`);
      }
      buf.set(patchify(px, S, config.patchSize, config.patchWindow), b * n * per);
    });
    out.push(buf);
  }
  return out;
}
