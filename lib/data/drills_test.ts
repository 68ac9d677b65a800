import assert from "node:assert/strict";
import { DRILL_KINDS, languageDrill } from "./drills.ts";
import { vocabTokens } from "./vocab.ts";

Deno.test("languageDrill() is a pure function of (index, seed) and covers every kind", () => {
  assert.deepEqual(languageDrill(11, 2), languageDrill(11, 2));
  assert.notDeepEqual(languageDrill(11, 2), languageDrill(11, 3));
  const kinds = new Set(Array.from({ length: 200 }, (_, i) => languageDrill(i, 0).kind));
  assert.deepEqual([...kinds].sort(), [...DRILL_KINDS].sort());
});

Deno.test("languageDrill() answers follow from the content (checked by re-deriving them)", () => {
  for (let i = 0; i < 300; i++) {
    const d = languageDrill(i, 1);
    vocabTokens(`${d.content} ${d.question}`);
    vocabTokens(d.answer);
    const words = d.content.split(" ");
    const options = [...d.question.matchAll(/\( [A-D] \) (\w+)/g)].map((m) => m[1]!);
    const picked = options["ABCD".indexOf(d.answer)];
    const asked = d.question.match(/^is there a (\S+) on/)?.[1];
    switch (d.kind) {
      case "choice":
        assert.equal(picked, d.content, d.question);
        break;
      case "spatial":
        assert.equal(picked, d.question.includes(" left ") ? words[0] : words[1], d.question);
        break;
      case "yes-mark":
      case "yes-code":
        assert.equal(d.answer, words.includes(asked!) ? "yes" : "no", d.question);
        break;
      case "code":
        assert.equal(d.answer, words.join(""));
        break;
      case "mark":
        assert.equal(d.answer, d.content);
        break;
    }
  }
});
