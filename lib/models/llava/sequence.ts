/**
 * Token layout of LLaVA prompts behind the model interface.
 *
 * One row, as LLaVA-1.5 + SD-RPN feed it (only valid tokens — the "compact" sequence the model runs):
 *
 *   <s> SYSTEM USER: | image ×N | (kept RoI tokens)* | \n question ASSISTANT: | answer
 *
 * RoI blocks follow the base image tokens directly, with no separator, and their dropped tokens (masked
 * upscaling) are not in the sequence at all, so positions stay sequential over kept tokens (SD-RPN's
 * layout). The batch view pads rows to one layout shared by every row: the head and the blocks (every
 * block's N slots; dropped ones invalid) at fixed places, the tail right-aligned so that the last prompt
 * token sits at one index (`promptEnd`), answers left-aligned after it. Invalid slots get the position of
 * the next valid token and are never attended to: a row's valid slots, in order, are exactly its compact
 * sequence.
 *
 * The tail ("\n" + question + " ASSISTANT:") is one SentencePiece chunk, so the question's own tokens
 * cannot be told apart from the template's: the whole tail counts as the question
 * (`PromptTemplate.questionExtra` = 0).
 */
import type { TokenLayout, VisualBlock } from "../../model/mllm.ts";

/** One row to lay out: the compact pieces. */
export interface RowSpec {
  /** Tokens after the image placeholder, up to and including the last prompt token. */
  tail: readonly number[];
  blocks: readonly VisualBlock[];
  /** Answer tokens fed after the prompt (teacher forcing), else none. */
  answer?: readonly number[];
}

/** A laid-out batch: the interface's layout plus, per row, its compact ids and where they sit. */
export interface LlavaLayout extends TokenLayout {
  /** Per row: the compact sequence's ids (image positions hold `imageTokenIndex`). */
  ids: number[][];
  /** Per row: the layout index of each compact token. */
  slots: Int32Array[];
  /** Per row and block: indices (row-major) of the block's kept tokens. */
  kept: number[][][];
  /** Per row: compact index of the last prompt token. */
  promptEndCompact: number[];
}

/** Lay out rows sharing `head` (tokens before the image) and the same number of visual blocks. */
export function layoutRows(
  head: readonly number[],
  rows: readonly RowSpec[],
  tokens: number,
  imageTokenIndex: number,
): LlavaLayout {
  if (rows.length === 0) throw new Error("Cannot lay out an empty batch");
  const nBlocks = rows[0]!.blocks.length;
  if (nBlocks < 1) throw new Error("Cannot build a sequence without the image block");
  for (const r of rows) {
    if (r.blocks.length !== nBlocks) {
      throw new Error(`Cannot batch items with "${r.blocks.length}" and "${nBlocks}" visual blocks together`);
    }
  }
  const visualEnd = head.length + nBlocks * tokens;
  const maxTail = Math.max(...rows.map((r) => r.tail.length));
  const maxAnswer = Math.max(...rows.map((r) => r.answer?.length ?? 0));
  const promptEnd = visualEnd + maxTail - 1;
  const T = promptEnd + 1 + maxAnswer;
  const B = rows.length;
  const valid = new Uint8Array(B * T);
  const positions = new Int32Array(B * T);
  const out: LlavaLayout = {
    batch: B,
    length: T,
    valid,
    positions,
    imageStart: head.length,
    promptEnd,
    ids: [],
    slots: [],
    kept: [],
    promptEndCompact: [],
  };
  rows.forEach((r, b) => {
    const ids: number[] = [];
    const slots: number[] = [];
    const put = (slot: number, id: number) => {
      ids.push(id);
      slots.push(slot);
      valid[b * T + slot] = 1;
    };
    head.forEach((id, i) => put(i, id));
    const kept = r.blocks.map((block, k) => {
      if (block.keep && block.keep.length !== tokens) {
        throw new Error(
          `Visual block ${k} has a keep-mask of length "${block.keep.length}", expected ${tokens}`,
        );
      }
      if (k === 0 && block.keep) throw new Error("The image block (block 0) cannot have a keep-mask");
      const idx: number[] = [];
      for (let j = 0; j < tokens; j++) {
        if (block.keep && !block.keep[j]) continue;
        idx.push(j);
        put(head.length + k * tokens + j, imageTokenIndex);
      }
      return idx;
    });
    const tailStart = promptEnd + 1 - r.tail.length;
    r.tail.forEach((id, i) => put(tailStart + i, id));
    out.promptEndCompact.push(ids.length - 1);
    (r.answer ?? []).forEach((id, i) => put(promptEnd + 1 + i, id));
    let p = 0;
    for (let t = 0; t < T; t++) {
      positions[b * T + t] = p;
      if (valid[b * T + t]) p++;
    }
    out.ids.push(ids);
    out.slots.push(Int32Array.from(slots));
    out.kept.push(kept);
  });
  return out;
}
