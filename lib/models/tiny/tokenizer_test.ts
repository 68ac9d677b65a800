import assert from "node:assert/strict";
import { CODE_CHARS, VOCAB_WORDS } from "../../data/vocab.ts";
import { SPECIAL_TOKENS, Tokenizer } from "./tokenizer.ts";

const tok = new Tokenizer(VOCAB_WORDS, CODE_CHARS);

Deno.test("Tokenizer places special tokens first, then words, then code characters", () => {
  assert.equal(tok.size, SPECIAL_TOKENS.length + VOCAB_WORDS.length + CODE_CHARS.length);
  assert.equal(tok.special("<pad>"), 0);
  assert.equal(tok.vocab[SPECIAL_TOKENS.length], VOCAB_WORDS[0]);
  assert.equal(tok.vocab[tok.size - 1], "Z");
});

Deno.test("Tokenizer.encode() maps words to one token and spells codes character by character", () => {
  const ids = tok.encode("is there a K3 on the red circle ?");
  const pieces = ids.map((i) => tok.vocab[i]);
  assert.deepEqual(pieces, ["is", "there", "a", "K", "3", "on", "the", "red", "circle", "?"]);
});

Deno.test("Tokenizer round-trips questions, options and answers", () => {
  for (
    const text of [
      "what code is on the blue triangle ?",
      "which mark is on the orange circle ? ( A ) cross ( B ) ring ( C ) bar ( D ) dot",
      "650",
      "yes",
      "K3",
    ]
  ) {
    assert.equal(tok.decode(tok.encode(text)), text);
  }
});

Deno.test("Tokenizer.decode() stops at <eos> and skips other special tokens", () => {
  const ids = [tok.special("<a>"), ...tok.encode("K3"), tok.special("<eos>"), ...tok.encode("yes")];
  assert.equal(tok.decode(ids), "K3");
});

Deno.test("Tokenizer keeps the article a and the letter A apart", () => {
  assert.notEqual(tok.encode("a")[0], tok.encode("A")[0]);
});

Deno.test("Tokenizer.encode() rejects a piece that is neither a word nor a code", () => {
  assert.throws(
    () => tok.encode("what colour is it ?"),
    { message: 'Cannot tokenize "what colour is it ?": piece "colour" is neither a word nor a code' },
  );
});

Deno.test("Tokenizer rejects duplicate or malformed words", () => {
  assert.throws(() => new Tokenizer(["red", "red"], "0"), {
    message: 'Cannot build tokenizer: token "red" appears twice',
  });
  assert.throws(
    () => new Tokenizer(["Red"], "0"),
    { message: 'Cannot build tokenizer: word "Red" must be non-empty lower-case without spaces' },
  );
});
