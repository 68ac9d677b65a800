import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expandImageTokens, tokenizerImageToken, VICUNA_SYSTEM, vicunaPrompt } from "./prompt.ts";
import { type LlavaTokenizer, loadLlavaTokenizer } from "./tokenizer.ts";

const FIXTURE = new URL("../../../tests/fixtures/llava-tiny/", import.meta.url).pathname;
const LLAMA2_DIR = new URL("../../../../shared/vendor/llama-2-tokenizer/", import.meta.url).pathname;
const NO_LLAMA2 = !existsSync(join(LLAMA2_DIR, "tokenizer.json"));

/** A stand-in tokenizer: one id per character (its code), BOS 1. */
const charTok: LlavaTokenizer = {
  encode: (text) => [...text].map((c) => c.codePointAt(0)!),
  decode: (ids) => String.fromCodePoint(...ids),
  bosId: 1,
  eosId: 2,
  vocabSize: 0x110000,
};

Deno.test("vicunaPrompt() is the vicuna_v1 one-turn prompt with the image before the question", () => {
  assert.equal(
    vicunaPrompt("Why?"),
    "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, " +
      "detailed, and polite answers to the user's questions. USER: <image>\nWhy? ASSISTANT:",
  );
  assert.ok(vicunaPrompt("x").startsWith(VICUNA_SYSTEM + " USER: "));
});

Deno.test("tokenizerImageToken() encodes the chunks around <image> separately with one BOS", () => {
  assert.deepEqual(tokenizerImageToken(charTok, "ab<image>c", 600), [1, 97, 98, 600, 99]);
  // Leading, trailing and repeated placeholders: empty chunks add nothing.
  assert.deepEqual(tokenizerImageToken(charTok, "<image>x<image><image>", 9), [1, 9, 120, 9, 9]);
  assert.deepEqual(tokenizerImageToken(charTok, "no image", 9), [
    1,
    ...[..."no image"].map((c) => c.charCodeAt(0)),
  ]);
});

Deno.test("tokenizerImageToken() encodes the text after <image> on its own, so it starts with its own ▁", async () => {
  const tok = await loadLlavaTokenizer(FIXTURE);
  // The chunk after <image> starts "▁\n…" (529, 13), as SentencePiece encodes it on its own.
  const ids = tokenizerImageToken(tok, "USER: <image>\nHow many stripes are there? ASSISTANT:", 600);
  assert.deepEqual(ids, [
    1,
    ...tok.encode("USER: "),
    600,
    529,
    13,
    585,
    279,
    383,
    434,
    282,
    302,
    384,
    553,
    363,
    556,
  ]);
});

Deno.test("expandImageTokens() repeats the placeholder n times and reports where the image starts", () => {
  assert.deepEqual(expandImageTokens([1, 5, 600, 7], 600, 3), {
    ids: [1, 5, 600, 600, 600, 7],
    imageTokenStart: 2,
  });
  // Two images: each placeholder expands, the start is the first one's.
  assert.deepEqual(expandImageTokens([600, 4, 600], 600, 2), {
    ids: [600, 600, 4, 600, 600],
    imageTokenStart: 0,
  });
});

Deno.test("expandImageTokens() rejects ids with no placeholder and a non-positive count", () => {
  assert.throws(() => expandImageTokens([1, 2, 3], 600, 36), {
    message: 'Cannot expand image tokens: the prompt has no image token "600"',
  });
  assert.throws(() => expandImageTokens([600], 600, 0), {
    message: 'Cannot expand image tokens to "0" copies: expected a positive integer',
  });
});

for (const name of ["square", "wide", "tall"]) {
  Deno.test(`the prompt pipeline reproduces the fixture's input_ids and image_token_start for "${name}"`, async () => {
    const expected = JSON.parse(await Deno.readTextFile(join(FIXTURE, "expected", `${name}.json`)));
    const tok = await loadLlavaTokenizer(FIXTURE);
    const ids = tokenizerImageToken(tok, vicunaPrompt(expected.question), 600);
    const got = expandImageTokens(ids, 600, 36);
    assert.deepEqual(got.ids, expected.input_ids);
    assert.equal(got.imageTokenStart, expected.image_token_start);
  });
}

Deno.test({
  name:
    "the real Llama-2 tokenizer: the chunk after <image> starts ▁ + newline byte and the prompt decodes back",
  ignore: NO_LLAMA2,
  fn: async () => {
    const tok = await loadLlavaTokenizer(LLAMA2_DIR);
    const ids = tokenizerImageToken(tok, vicunaPrompt("Is it 🐈?"), 32000);
    assert.equal(ids[0], 1);
    assert.equal(ids.filter((id) => id === 32000).length, 1);
    const at = ids.indexOf(32000);
    // The chunk after <image> begins with "▁" (29871) and the newline byte <0x0A> (13).
    assert.deepEqual(ids.slice(at + 1, at + 3), [29871, 13]);
    // decode() drops <s> and <image>; the separate chunks' "▁" become the spaces of the text.
    assert.equal(tok.decode(ids), vicunaPrompt("Is it 🐈?").replace("<image>", " "));
  },
});
