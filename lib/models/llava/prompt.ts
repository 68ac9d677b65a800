/**
 * LLaVA-1.5's prompt: the vicuna_v1 conversation template, LLaVA's `tokenizer_image_token`, and the
 * Hugging Face processor's expansion of the one `<image>` placeholder into one id per image patch.
 */
import type { LlavaTokenizer } from "./tokenizer.ts";

/** The vicuna_v1 system message of LLaVA-1.5 (`conv_vicuna_v1.system`). */
export const VICUNA_SYSTEM = "A chat between a curious user and an artificial intelligence assistant. " +
  "The assistant gives helpful, detailed, and polite answers to the user's questions.";

/** The image placeholder in prompt text. */
export const IMAGE_PLACEHOLDER = "<image>";

/**
 * A one-turn vicuna_v1 prompt with the image before the question, as LLaVA's eval scripts build it:
 * `SYSTEM + " USER: <image>\n" + question + " ASSISTANT:"`.
 */
export function vicunaPrompt(question: string): string {
  return `${VICUNA_SYSTEM} USER: ${IMAGE_PLACEHOLDER}\n${question} ASSISTANT:`;
}

/**
 * LLaVA's `tokenizer_image_token`: the text between `<image>` placeholders is encoded chunk by chunk
 * (each chunk gets its own leading "▁", which is why the result differs from encoding the whole
 * prompt), BOS once at the start, one `imageTokenIndex` per placeholder.
 */
export function tokenizerImageToken(tok: LlavaTokenizer, prompt: string, imageTokenIndex: number): number[] {
  const ids: number[] = [tok.bosId];
  prompt.split(IMAGE_PLACEHOLDER).forEach((chunk, i) => {
    if (i > 0) ids.push(imageTokenIndex);
    // An empty chunk encodes to nothing, as `tokenizer("")` gives only the BOS LLaVA strips.
    if (chunk.length > 0) ids.push(...tok.encode(chunk));
  });
  return ids;
}

/**
 * The HF LLaVA processor's expansion: every `imageTokenIndex` becomes `n` copies (one per image
 * feature row). `imageTokenStart` is the index of the first copy.
 */
export function expandImageTokens(
  ids: readonly number[],
  imageTokenIndex: number,
  n: number,
): { ids: number[]; imageTokenStart: number } {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`Cannot expand image tokens to "${n}" copies: expected a positive integer`);
  }
  const imageTokenStart = ids.indexOf(imageTokenIndex);
  if (imageTokenStart < 0) {
    throw new Error(`Cannot expand image tokens: the prompt has no image token "${imageTokenIndex}"`);
  }
  const out: number[] = [];
  for (const id of ids) {
    if (id === imageTokenIndex) { for (let i = 0; i < n; i++) out.push(id); }
    else out.push(id);
  }
  return { ids: out, imageTokenStart };
}
