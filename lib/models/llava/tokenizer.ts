/**
 * The LLaVA-1.5 (Llama-2 SentencePiece) tokenizer from a Hugging Face `tokenizer.json`.
 *
 * Encoding and decoding go through `@huggingface/tokenizers` (pure JS, reads the file as given) rather
 * than a hand-written BPE: the legacy Llama form (Prepend "▁" + Replace " " → "▁", BPE with byte
 * fallback) reproduces SentencePiece's ids, including the "▁" it puts before every encoded chunk, which
 * LLaVA's `tokenizer_image_token` relies on.
 */
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

/** What the LLaVA pipeline needs from the tokenizer. */
export interface LlavaTokenizer {
  /** Ids of `text` without BOS, SentencePiece-style (Llama legacy: a "▁" is prepended to the text). */
  encode(text: string): number[];
  /** Text of `ids` with special tokens skipped, like HF `batch_decode(skip_special_tokens=True)`. */
  decode(ids: readonly number[]): string;
  readonly bosId: number;
  readonly eosId: number;
  /** Ids the tokenizer knows, added tokens included (the model's embedding may be padded larger). */
  readonly vocabSize: number;
}

// LlamaTokenizer's defaults when tokenizer_config.json is absent or silent.
const DEFAULT_BOS = "<s>";
const DEFAULT_EOS = "</s>";

async function readJson(path: string, optional: boolean): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      if (optional) return undefined;
      throw new Error(`Cannot load tokenizer: "${path}" does not exist`);
    }
    throw new Error(`Cannot load tokenizer: "${path}": ${e instanceof Error ? e.message : String(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`Cannot load tokenizer: "${path}" is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error(`Cannot load tokenizer: "${path}" is not a JSON object`);
  }
  return json as Record<string, unknown>;
}

// tokenizer_config.json spells special tokens as a string or as an AddedToken object.
function tokenContent(value: unknown, fallback: string): string {
  if (typeof value === "string") return value;
  if (
    typeof value === "object" && value !== null &&
    typeof (value as { content?: unknown }).content === "string"
  ) {
    return (value as { content: string }).content;
  }
  return fallback;
}

/**
 * Loads `DIR/tokenizer.json` (and `DIR/tokenizer_config.json` when present, for the BOS/EOS tokens and
 * `clean_up_tokenization_spaces`). A missing or unreadable tokenizer.json, or a BOS/EOS token it does
 * not contain, is one error naming the file.
 */
export async function loadLlavaTokenizer(dir: string): Promise<LlavaTokenizer> {
  const jsonPath = join(dir, "tokenizer.json");
  const configPath = join(dir, "tokenizer_config.json");
  const json = (await readJson(jsonPath, false))!;
  const config = (await readJson(configPath, true)) ?? {};
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(json, config);
  } catch (e) {
    throw new Error(`Cannot load tokenizer: "${jsonPath}": ${e instanceof Error ? e.message : String(e)}`);
  }
  const idOf = (token: string, key: string): number => {
    const id = tok.token_to_id(token);
    if (id === undefined) {
      throw new Error(`Cannot load tokenizer: "${jsonPath}" has no token "${token}" (the ${key})`);
    }
    return id;
  };
  const bosId = idOf(tokenContent(config.bos_token, DEFAULT_BOS), "bos_token");
  const eosId = idOf(tokenContent(config.eos_token, DEFAULT_EOS), "eos_token");
  // LlamaTokenizer(Fast) defaults to False; the library would default to true and glue " ." → ".".
  const cleanUp = config.clean_up_tokenization_spaces === true;
  let vocabSize = 0;
  for (const id of tok.get_vocab(true).values()) vocabSize = Math.max(vocabSize, id + 1);
  return {
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    decode: (ids) => {
      // The library skips unknown ids silently; a model id past the tokenizer is a caller bug.
      const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
      if (bad !== undefined) {
        throw new Error(`Cannot decode id "${bad}": the tokenizer has ids 0..${vocabSize - 1}`);
      }
      // The library throws on an empty id list; HF returns "".
      if (ids.length === 0) return "";
      return tok.decode([...ids], { skip_special_tokens: true, clean_up_tokenization_spaces: cleanUp });
    },
    bosId,
    eosId,
    vocabSize,
  };
}
