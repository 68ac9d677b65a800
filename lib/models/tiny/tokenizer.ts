/**
 * Tokenizer for the testbed's small language: special tokens, whole words, and single code characters.
 *
 * Codes ("K3", "42") are split into characters so the model can read any code glyph by glyph, the way
 * a real tokenizer falls back to bytes. Words are lower-case and codes upper-case, so the article "a"
 * and the letter "A" never collide.
 */
export const SPECIAL_TOKENS = [
  "<pad>",
  "<bos>",
  "<eos>",
  "<sys1>",
  "<sys2>",
  "<sys3>",
  "<img>",
  "<crop>",
  "<q>",
  "<a>",
] as const;

export type SpecialToken = typeof SPECIAL_TOKENS[number];

export class Tokenizer {
  readonly vocab: readonly string[];
  readonly #ids = new Map<string, number>();
  readonly #charIds = new Set<number>();

  constructor(words: readonly string[], codeChars: string) {
    const vocab: string[] = [...SPECIAL_TOKENS];
    for (const w of words) {
      if (w !== w.toLowerCase() || /\s/.test(w) || w.length === 0) {
        throw new Error(`Cannot build tokenizer: word "${w}" must be non-empty lower-case without spaces`);
      }
      vocab.push(w);
    }
    for (const c of codeChars) vocab.push(c);
    vocab.forEach((t, i) => {
      if (this.#ids.has(t)) throw new Error(`Cannot build tokenizer: token "${t}" appears twice`);
      this.#ids.set(t, i);
    });
    for (const c of codeChars) this.#charIds.add(this.#ids.get(c)!);
    this.vocab = vocab;
  }

  get size(): number {
    return this.vocab.length;
  }

  /** Id of a special token. */
  special(token: SpecialToken): number {
    return this.#ids.get(token)!;
  }

  /** Space-separated text → ids: a known word is one token, anything else is split into code characters. */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const piece of text.trim().split(/\s+/)) {
      if (piece === "") continue;
      const id = this.#ids.get(piece);
      if (id !== undefined && !SPECIAL_TOKENS.includes(piece as SpecialToken)) {
        out.push(id);
        continue;
      }
      for (const ch of piece) {
        const cid = this.#ids.get(ch);
        if (cid === undefined || !this.#charIds.has(cid)) {
          throw new Error(`Cannot tokenize "${text}": piece "${piece}" is neither a word nor a code`);
        }
        out.push(cid);
      }
    }
    return out;
  }

  /** Ids → text: runs of code characters join into one code, words are separated by spaces. */
  decode(ids: readonly number[]): string {
    const parts: string[] = [];
    let code = "";
    for (const id of ids) {
      const tok = this.vocab[id];
      if (tok === undefined) throw new Error(`Cannot decode token id "${id}": outside the vocabulary`);
      if (this.#charIds.has(id)) {
        code += tok;
        continue;
      }
      if (code) parts.push(code), code = "";
      if (tok === "<eos>") break;
      if (tok.startsWith("<")) continue;
      parts.push(tok);
    }
    if (code) parts.push(code);
    return parts.join(" ");
  }
}
