import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { bootstrapCi } from "./bootstrap.ts";
import { round2, scoreMethod } from "./score.ts";

Deno.test("scoreMethod() writes the suite-native accuracy row with percent scores per question", () => {
  // Relaxed accuracy: 10.4 is within 5 % of 10, 11 is not.
  const r = scoreMethod("global", "chart", "relaxed", ["10.4", "11"], [{ answers: ["10"] }, {
    answers: ["10"],
  }], new Rng(0));
  assert.deepEqual(r.scores, [100, 0]);
  assert.equal(r.accuracy, 50);
  const ci = bootstrapCi([100, 0], { rng: new Rng(0) });
  assert.deepEqual(r.row, {
    method: "global",
    suite: "chart",
    metric: "relaxed-accuracy",
    value: 50,
    n: 2,
    ci: [round2(ci.lo), round2(ci.hi)],
  });
});

Deno.test("scoreMethod() adds F1 and the yes ratio for yes/no suites, rounded to 2 decimals", () => {
  // Said yes, yes, no to truths yes, no, no: accuracy 2/3, tp 1, fp 1, fn 0 → F1 2/3, yes ratio 2/3.
  const samples = [{ answers: ["yes"] }, { answers: ["no"] }, { answers: ["no"] }];
  const r = scoreMethod("oracle", "pope", "yesno", ["Yes", "yes.", "No"], samples, new Rng(1));
  assert.equal(r.accuracy, 66.67);
  assert.equal(r.row.metric, "yesno-accuracy");
  assert.deepEqual(r.row.extra, { f1: 66.67, yesRatio: 66.67 });
});

Deno.test("scoreMethod() gives a degenerate CI when every question scores the same", () => {
  const samples = [{ answers: ["A"], options: ["red", "blue"] }, {
    answers: ["B"],
    options: ["red", "blue"],
  }];
  const r = scoreMethod("random", "vstar-attr", "choice", ["A", "(B) blue"], samples, new Rng(2));
  assert.equal(r.row.value, 100);
  assert.deepEqual(r.row.ci, [100, 100]);
  assert.equal(r.row.extra, undefined);
});

Deno.test("round2() rounds to 2 decimals with halves going up, as Math.round does (-0.125 → -0.12)", () => {
  assert.equal(round2(66.666), 66.67);
  assert.equal(round2(17.325), 17.33);
  assert.equal(round2(-0.125), -0.12);
  assert.equal(round2(3), 3);
});

Deno.test("scoreMethod() marks likelihood-protocol rows by metric and extra.protocol, with the same scores", () => {
  const samples = [{ answers: ["yes"] }, { answers: ["no"] }, { answers: ["no"] }];
  const generation = scoreMethod("oracle", "pope", "yesno", ["yes", "yes", "no"], samples, new Rng(1));
  const likelihood = scoreMethod(
    "oracle",
    "pope",
    "yesno",
    ["yes", "yes", "no"],
    samples,
    new Rng(1),
    "likelihood",
  );
  assert.equal(likelihood.row.metric, "likelihood-yesno-accuracy");
  assert.deepEqual(likelihood.row.extra, { protocol: "likelihood", f1: 66.67, yesRatio: 66.67 });
  assert.deepEqual(likelihood.scores, generation.scores);
  assert.deepEqual(likelihood.row.ci, generation.row.ci);
  const choice = scoreMethod(
    "global",
    "hr",
    "choice",
    ["B", "A"],
    [
      { answers: ["B"], options: ["red", "blue"] },
      { answers: ["B"], options: ["red", "blue"] },
    ],
    new Rng(2),
    "likelihood",
  );
  assert.equal(choice.row.metric, "likelihood-choice-accuracy");
  assert.equal(choice.accuracy, 50);
  assert.deepEqual(choice.row.extra, { protocol: "likelihood" });
});
