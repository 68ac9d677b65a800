import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ALIGNMENT_SIZE, alignmentSample } from "./alignment.ts";
import { vocabTokens } from "./vocab.ts";

Deno.test("alignmentSample() is a pure function of (index, seed)", () => {
  const a = alignmentSample(7, 3);
  const b = alignmentSample(7, 3);
  assert.deepEqual(a, b);
  const c = alignmentSample(8, 3);
  assert.notEqual(
    createHash("sha256").update(a.image.data).digest("hex"),
    createHash("sha256").update(c.image.data).digest("hex"),
  );
});

Deno.test("alignmentSample() questions and answers stay inside the testbed language", () => {
  const kinds = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const s = alignmentSample(i, 0);
    vocabTokens(s.question);
    vocabTokens(s.answer);
    kinds.add(s.question.split(" ").slice(0, 2).join(" "));
    assert.equal(s.image.width, ALIGNMENT_SIZE);
    const [x0, y0, x1, y1] = s.box;
    assert.ok(x0 >= 0 && y0 >= 0 && x1 <= ALIGNMENT_SIZE && y1 <= ALIGNMENT_SIZE);
    if (s.question.startsWith("is there")) assert.ok(s.answer === "yes" || s.answer === "no");
  }
  assert.deepEqual([...kinds].sort(), ["is there", "what code", "what mark"]);
});

Deno.test("alignmentSample() with a choice share: the other samples are unchanged, choice answers are right", () => {
  let choices = 0;
  for (let i = 0; i < 200; i++) {
    const s = alignmentSample(i, 5, 0.5);
    if (!s.question.startsWith("which mark")) {
      assert.deepEqual(s, alignmentSample(i, 5));
      continue;
    }
    choices++;
    vocabTokens(s.question);
    // "( A ) ring ( B ) bar" → ["ring", "bar"]; the answer letter must name the drawn mark.
    const options = [...s.question.matchAll(/\( [A-D] \) (\w+)/g)].map((m) => m[1]!);
    const picked = options["ABCD".indexOf(s.answer)];
    if (s.detail.kind === "mark") {
      assert.ok(options.length >= 2 && options.length <= 4, s.question);
      assert.equal(picked, s.detail.mark, s.question);
    } else if (s.detail.kind === "pair") {
      assert.equal(options.length, 2, s.question);
      const side = s.question.includes("on the left inside") ? s.detail.left : s.detail.right;
      assert.equal(picked, side, s.question);
    } else {
      assert.fail(`choice sample ${i} carries a ${s.detail.kind} detail`);
    }
  }
  // Binomial(200, 0.5): 75–125 holds with probability > 0.999.
  assert.ok(choices > 75 && choices < 125, `choices ${choices}`);
});
