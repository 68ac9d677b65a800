import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadLlavaTokenizer } from "./tokenizer.ts";

const FIXTURE = new URL("../../../tests/fixtures/llava-tiny/", import.meta.url).pathname;
// The real Llama-2 vocabulary lives outside the repo (licence); its tests run only where it exists.
const LLAMA2_DIR = new URL("../../../../shared/vendor/llama-2-tokenizer/", import.meta.url).pathname;
const NO_LLAMA2 = !existsSync(join(LLAMA2_DIR, "tokenizer.json"));

interface Vector {
  text: string;
  ids: number[];
  decoded: string;
}

Deno.test("loadLlavaTokenizer() reproduces SentencePiece's ids and decodes for all 44 fixture vectors", async () => {
  const tok = await loadLlavaTokenizer(FIXTURE);
  const vectors: Vector[] = JSON.parse(await Deno.readTextFile(join(FIXTURE, "tokenizer_vectors.json")));
  assert.equal(vectors.length, 44);
  for (const v of vectors) {
    assert.deepEqual(tok.encode(v.text), v.ids, `encode ${JSON.stringify(v.text)}`);
    assert.equal(tok.decode(v.ids), v.decoded, `decode ${JSON.stringify(v.ids)}`);
  }
});

Deno.test("loadLlavaTokenizer() takes BOS/EOS from tokenizer_config.json and counts the added tokens", async () => {
  const tok = await loadLlavaTokenizer(FIXTURE);
  assert.equal(tok.bosId, 1);
  assert.equal(tok.eosId, 2);
  // 600 SentencePiece pieces + <image> (600) + <pad> (601); the model pads its embedding to 640.
  assert.equal(tok.vocabSize, 602);
});

Deno.test("decode() skips special tokens and returns an empty string for no ids", async () => {
  const tok = await loadLlavaTokenizer(FIXTURE);
  const hello = tok.encode("Hello world");
  assert.equal(tok.decode([tok.bosId, ...hello, 600, tok.eosId, 601]), "Hello world");
  assert.equal(tok.decode([]), "");
  assert.equal(tok.decode([tok.eosId]), "");
});

Deno.test("decode() rejects an id outside the tokenizer's vocabulary", async () => {
  const tok = await loadLlavaTokenizer(FIXTURE);
  assert.throws(() => tok.decode([5, 620]), {
    message: 'Cannot decode id "620": the tokenizer has ids 0..601',
  });
  assert.throws(() => tok.decode([-1]), { message: 'Cannot decode id "-1": the tokenizer has ids 0..601' });
});

Deno.test("loadLlavaTokenizer() names a missing or invalid tokenizer.json", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "tokenizer.json");
    await assert.rejects(loadLlavaTokenizer(dir), {
      message: `Cannot load tokenizer: "${path}" does not exist`,
    });
    await Deno.writeTextFile(path, "[]");
    await assert.rejects(loadLlavaTokenizer(dir), {
      message: `Cannot load tokenizer: "${path}" is not a JSON object`,
    });
    await Deno.writeTextFile(path, "{");
    await assert.rejects(loadLlavaTokenizer(dir), (e: Error) => {
      assert.match(e.message, new RegExp(`^Cannot load tokenizer: "${path}" is not valid JSON \\(`));
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadLlavaTokenizer() works without tokenizer_config.json and names an unknown BOS token", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile(join(FIXTURE, "tokenizer.json"), join(dir, "tokenizer.json"));
    const tok = await loadLlavaTokenizer(dir);
    assert.equal(tok.bosId, 1);
    assert.equal(tok.eosId, 2);
    await Deno.writeTextFile(
      join(dir, "tokenizer_config.json"),
      JSON.stringify({ bos_token: { content: "<bos>" } }),
    );
    await assert.rejects(loadLlavaTokenizer(dir), {
      message: `Cannot load tokenizer: "${join(dir, "tokenizer.json")}" has no token "<bos>" (the bos_token)`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "the real Llama-2 tokenizer gives the known ids for Hello, newline and byte-fallback emoji",
  ignore: NO_LLAMA2,
  fn: async () => {
    const tok = await loadLlavaTokenizer(LLAMA2_DIR);
    assert.equal(tok.bosId, 1);
    assert.equal(tok.eosId, 2);
    // 32000 pieces + <image> 32000 + <pad> 32001.
    assert.equal(tok.vocabSize, 32002);
    assert.deepEqual(tok.encode("Hello"), [15043]);
    // "▁" is 29871; byte pieces <0x00>..<0xFF> are ids 3..258, so byte b is id 3 + b.
    assert.deepEqual(tok.encode("\n"), [29871, 3 + 0x0a]);
    // 🙂 has no piece: its UTF-8 bytes F0 9F 99 82 fall back to byte ids.
    assert.deepEqual(tok.encode("🙂"), [29871, 3 + 0xf0, 3 + 0x9f, 3 + 0x99, 3 + 0x82]);
  },
});

Deno.test({
  name: "the real Llama-2 tokenizer round-trips non-ASCII text, emoji, runs of spaces and newlines",
  ignore: NO_LLAMA2,
  fn: async () => {
    const tok = await loadLlavaTokenizer(LLAMA2_DIR);
    const texts = [
      "Wie viele Äpfel liegen auf dem Tisch? Größe: 3 × 4 cm",
      "这张图片里有几只猫？",
      "Is the 🐈 on the left?  🙂👍🏽",
      "a   b     c",
      "line one\nline two\n\n  indented",
      "café naïve résumé — “quoted”",
    ];
    for (const text of texts) {
      const ids = tok.encode(text);
      assert.ok(ids.every((id) => id < 32000), `ids in the SentencePiece range for ${JSON.stringify(text)}`);
      assert.equal(tok.decode(ids), text);
      assert.equal(tok.decode([tok.bosId, ...ids, tok.eosId]), text);
    }
  },
});
