/**
 * The testbed's language: lower-case words and upper-case codes, one space between tokens.
 *
 * Words and codes can never collide (the article "a" vs the letter "A"), so a tokenizer maps a
 * space-separated piece to a word token if it is listed here and otherwise spells it out in
 * CODE_CHARS. The order of VOCAB_WORDS fixes token ids downstream: append, never reorder.
 */
import { MARK_NAMES } from "./font.ts";
import { COLOUR_NAMES, SHAPES } from "./raster.ts";

/** Characters codes are made of (also the option letters A-D). */
export const CODE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** Every word token of the language (punctuation included). "bar" is both a mark and a chart noun. */
export const VOCAB_WORDS: readonly string[] = [
  "?",
  "(",
  ")",
  "what",
  "which",
  "is",
  "there",
  "a",
  "the",
  "on",
  "in",
  "of",
  "with",
  "inside",
  "left",
  "right",
  "code",
  "mark",
  "number",
  "value",
  "written",
  "card",
  "band",
  "border",
  "box",
  "panel",
  "row",
  "sign",
  "yes",
  "no",
  ...COLOUR_NAMES,
  ...SHAPES,
  ...MARK_NAMES,
];

const WORD_SET: ReadonlySet<string> = new Set(VOCAB_WORDS);

/** True if `piece` is a word token. */
export function isVocabWord(piece: string): boolean {
  return WORD_SET.has(piece);
}

/** True if `piece` is a non-empty string of CODE_CHARS. */
export function isCode(piece: string): boolean {
  if (piece.length === 0) return false;
  for (const ch of piece) if (!CODE_CHARS.includes(ch)) return false;
  return true;
}

/**
 * Reference split of a testbed text into tokens (words whole, codes character by character). Throws if
 * the text is not in canonical form (single spaces, no leading/trailing space) or has a piece that is
 * neither a word nor a code — the contract every generated question, answer and option must meet.
 */
export function vocabTokens(text: string): string[] {
  const pieces = text.split(" ");
  const tokens: string[] = [];
  for (const piece of pieces) {
    if (piece === "") throw new Error(`Text "${text}" is not single-space separated`);
    if (isVocabWord(piece)) tokens.push(piece);
    else if (isCode(piece)) tokens.push(...piece);
    else throw new Error(`Text "${text}" has a piece outside the vocabulary: "${piece}"`);
  }
  return tokens;
}
