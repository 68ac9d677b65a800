import assert from "node:assert/strict";
import { MARK_NAMES } from "./font.ts";
import { COLOUR_NAMES, SHAPES } from "./raster.ts";
import { CODE_CHARS, isCode, isVocabWord, VOCAB_WORDS, vocabTokens } from "./vocab.ts";

Deno.test("VOCAB_WORDS are unique, lower-case, space-free, and never codes", () => {
  assert.equal(new Set(VOCAB_WORDS).size, VOCAB_WORDS.length);
  for (const w of VOCAB_WORDS) {
    assert.equal(w, w.toLowerCase());
    assert.doesNotMatch(w, /\s/);
    assert.ok(w.length > 0);
    assert.equal(isCode(w), false, w);
  }
  for (const w of [...COLOUR_NAMES, ...SHAPES, ...MARK_NAMES, "yes", "no", "?", "(", ")"]) {
    assert.ok(isVocabWord(w), w);
  }
  // Words cannot collide with option letters or single-character codes.
  for (const ch of CODE_CHARS) assert.equal(isVocabWord(ch), false, ch);
});

Deno.test("CODE_CHARS is 0-9 then A-Z", () => {
  assert.equal(CODE_CHARS, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
});

Deno.test("vocabTokens() keeps words whole and spells codes out", () => {
  assert.deepEqual(vocabTokens("what code is on the red circle ?"), [
    "what",
    "code",
    "is",
    "on",
    "the",
    "red",
    "circle",
    "?",
  ]);
  assert.deepEqual(vocabTokens("is there a K3 on the card ?"), [
    "is",
    "there",
    "a",
    "K",
    "3",
    "on",
    "the",
    "card",
    "?",
  ]);
  assert.deepEqual(vocabTokens("( A ) dot ( B ) bar"), ["(", "A", ")", "dot", "(", "B", ")", "bar"]);
  assert.deepEqual(vocabTokens("42"), ["4", "2"]);
});

Deno.test("vocabTokens() rejects unknown words, lower-case codes and bad spacing", () => {
  assert.throws(() => vocabTokens("what is the colour ?"), {
    message: 'Text "what is the colour ?" has a piece outside the vocabulary: "colour"',
  });
  assert.throws(() => vocabTokens("is there a k ?"), {
    message: 'Text "is there a k ?" has a piece outside the vocabulary: "k"',
  });
  assert.throws(() => vocabTokens("what  code"), {
    message: 'Text "what  code" is not single-space separated',
  });
  assert.throws(() => vocabTokens("yes "), { message: 'Text "yes " is not single-space separated' });
  assert.throws(() => vocabTokens(""), { message: 'Text "" is not single-space separated' });
});
