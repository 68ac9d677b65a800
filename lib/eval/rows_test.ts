import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { answerMetrics, round, ScoreTable } from "./rows.ts";

const cat = { answers: ["cat"] };
const dog = { answers: ["dog"] };

Deno.test("ScoreTable.rows() averages seeds per question, then questions; the seed spread gets its own row", () => {
  const t = new ScoreTable();
  // Seed 1 gets question 1 right (50 %), seed 2 both (100 %): per question [100, 50] → 75.
  t.addAnswers({ method: "sdrpn" }, "doc", "vqa", ["cat", "cow"], [cat, dog]);
  t.addAnswers({ method: "sdrpn" }, "doc", "vqa", ["cat", "dog"], [cat, dog]);
  const [r, sd] = t.rows("accuracy", new Rng(1));
  assert.equal(r!.method, "sdrpn");
  assert.equal(r!.suite, "doc");
  assert.equal(r!.metric, "accuracy");
  assert.equal(r!.value, 75);
  assert.equal(r!.n, 2);
  assert.equal(r!.extra, undefined);
  // Sample SD of [50, 100]: sqrt((25² + 25²) / 1) = 35.36.
  assert.deepEqual(sd, {
    method: "sdrpn",
    suite: "doc",
    metric: "accuracy_seed_sd",
    value: 35.36,
    n: 2,
    extra: { perSeed: [50, 100] },
  });
  // Resample means of [100, 50] are 50, 75 or 100.
  assert.ok([50, 75].includes(r!.ci![0]) && [75, 100].includes(r!.ci![1]));
  assert.deepEqual(t.perQuestion("accuracy", { method: "sdrpn" }, "doc"), [100, 50]);
});

Deno.test("ScoreTable.rows() adds a mean row that weighs every suite the same", () => {
  const t = new ScoreTable();
  t.addAnswers({ method: "baseline" }, "doc", "vqa", ["cat", "cow", "cow", "cow"], [cat, dog, dog, dog]);
  t.addAnswers({ method: "baseline" }, "ocr", "vqa", ["dog"], [dog]);
  const rows = t.rows("accuracy", new Rng(2));
  assert.deepEqual(rows.map((r) => [r.suite, r.value, r.n]), [["doc", 25, 4], ["ocr", 100, 1], [
    "mean",
    62.5, // (25 + 100) / 2, not the pooled 40
    5,
  ]]);
  assert.equal(rows[2]!.extra, undefined);
});

Deno.test("ScoreTable.rows() gives yes/no suites an F1 row (yes = positive class)", () => {
  const t = new ScoreTable();
  const yes = { answers: ["yes"] }, no = { answers: ["no"] };
  // tp = 1 (q1), fp = 1 (q3), fn = 1 (q2): F1 = 2/(2 + 1 + 1) = 50 %; accuracy 2/4 = 50 %.
  t.addAnswers({ method: "baseline" }, "pope", "yesno", ["yes", "no", "yes", "no"], [yes, yes, no, no]);
  const rows = t.rows("accuracy", new Rng(3));
  assert.deepEqual(rows.map((r) => [r.metric, r.value]), [["accuracy", 50], ["f1", 50]]);
});

Deno.test("ScoreTable keeps sweep points with one method name apart by their extra", () => {
  const t = new ScoreTable();
  t.addValues("iou", { method: "masked", extra: { tau: 0.1 } }, "doc", [0.5, 0.25]);
  t.addValues("iou", { method: "masked", extra: { tau: 0.2 } }, "doc", [1, 1]);
  const rows = t.rows("iou", new Rng(4));
  assert.deepEqual(rows.map((r) => [r.method, r.extra, r.value]), [
    ["masked", { tau: 0.1 }, 0.375],
    ["masked", { tau: 0.2 }, 1],
  ]);
  assert.deepEqual(rows[1]!.ci, [1, 1]);
});

Deno.test("ScoreTable.paired() reports a − b per suite and over suites, CI from the paired bootstrap", () => {
  const t = new ScoreTable();
  t.addAnswers({ method: "sdrpn" }, "doc", "vqa", ["cat", "dog"], [cat, dog]);
  t.addAnswers({ method: "baseline" }, "doc", "vqa", ["cat", "cow"], [cat, dog]);
  t.addAnswers({ method: "sdrpn" }, "ocr", "vqa", ["dog", "dog"], [dog, dog]);
  t.addAnswers({ method: "baseline" }, "ocr", "vqa", ["dog", "dog"], [dog, dog]);
  const rows = t.paired({ method: "sdrpn" }, { method: "baseline" }, new Rng(5), {
    method: "sdrpn-vs-baseline",
    extra: { tau: 0.1 },
  });
  assert.deepEqual(rows.map((r) => [r.method, r.suite, r.metric, r.value, r.n]), [
    ["sdrpn-vs-baseline", "doc", "delta_accuracy", 50, 2],
    ["sdrpn-vs-baseline", "ocr", "delta_accuracy", 0, 2],
    ["sdrpn-vs-baseline", "mean", "delta_accuracy", 25, 4],
  ]);
  assert.deepEqual(rows[1]!.ci, [0, 0]); // identical answers: exactly zero
  assert.deepEqual(rows[0]!.extra, { tau: 0.1 });
  assert.throws(() => t.paired({ method: "vicrop" }, { method: "baseline" }, new Rng(5)), {
    message: 'Cannot pair "vicrop" with "baseline" on "accuracy": no suite has both',
  });
});

Deno.test("ScoreTable rejects seeds over different questions and answers that do not match the questions", () => {
  const t = new ScoreTable();
  t.addAnswers({ method: "m" }, "doc", "vqa", ["cat"], [cat]);
  assert.throws(() => t.addAnswers({ method: "m" }, "doc", "vqa", ["cat", "dog"], [cat, dog]), {
    message: 'Seeds of "m" on "doc" cover different questions (1 vs 2)',
  });
  assert.throws(() => t.addAnswers({ method: "m" }, "ocr", "vqa", ["cat"], [cat, dog]), {
    message: 'Got 1 answers for 2 questions of "ocr"',
  });
  assert.throws(() => t.addValues("iou", { method: "m" }, "teacher", []), {
    message: 'No "iou" values for "m" on "teacher"',
  });
  assert.throws(() => t.addValues("iou", { method: "m", extra: { B: 1 } }, "doc", [NaN]), {
    message: 'Non-finite "iou" value "NaN" for "m {"B":1}"',
  });
});

Deno.test("rows are the same for the same seed and do not depend on insertion order of other methods", () => {
  const build = (extraFirst: boolean) => {
    const t = new ScoreTable();
    if (extraFirst) t.addAnswers({ method: "other" }, "doc", "vqa", ["cow", "dog"], [cat, dog]);
    t.addAnswers({ method: "m" }, "doc", "vqa", ["cat", "cow", "dog"], [cat, dog, dog]);
    return t.rows("accuracy", new Rng(9)).filter((r) => r.method === "m");
  };
  assert.deepEqual(build(true), build(false));
});

Deno.test("round() rounds half away from zero at the digit and never returns −0", () => {
  assert.equal(round(0.125, 2), 0.13);
  assert.equal(round(2 / 3, 3), 0.667);
  assert.ok(Object.is(round(-0.001, 2), 0));
});

Deno.test("ScoreTable writes the given aggregates: plain means of suites and a pooled micro-average", () => {
  const t = new ScoreTable([
    { name: "mean" },
    { name: "mean-text", suites: ["doc", "ocr"] },
    { name: "vstar", suites: ["va", "vs"], pooled: true },
  ]);
  t.addAnswers({ method: "m" }, "doc", "vqa", ["cat"], [cat]); // 100
  t.addAnswers({ method: "m" }, "va", "vqa", ["cow", "cow", "cow"], [cat, cat, cat]); // 0 (3 questions)
  t.addAnswers({ method: "m" }, "vs", "vqa", ["dog"], [dog]); // 100 (1 question)
  const rows = t.rows("accuracy", new Rng(6));
  // mean = (100 + 0 + 100) / 3; mean-text has one member only (no row); vstar pools 1 of 4 questions.
  assert.deepEqual(rows.slice(3).map((r) => [r.suite, r.value, r.n]), [["mean", 66.67, 5], ["vstar", 25, 4]]);
});

Deno.test("ScoreTable.paired() labels a sweep point's difference with the point's extra by default", () => {
  const t = new ScoreTable();
  const point = { method: "masked", extra: { sweep: "tau", tau: 0.2 } };
  t.addAnswers(point, "doc", "vqa", ["cat"], [cat]);
  t.addAnswers({ method: "baseline" }, "doc", "vqa", ["cow"], [cat]);
  const [r] = t.paired(point, { method: "baseline" }, new Rng(7));
  assert.equal(r!.method, "masked-vs-baseline");
  assert.deepEqual(r!.extra, { sweep: "tau", tau: 0.2 });
  assert.equal(r!.value, 100);
});

Deno.test("ScoreTable gives every row of a sweep point exactly the point's extra", () => {
  const t = new ScoreTable();
  const point = { method: "masked", extra: { sweep: "tau", tau: 0.1 } };
  const yes = { answers: ["yes"] };
  t.addAnswers(point, "doc", "vqa", ["cat"], [cat]);
  t.addAnswers(point, "pope", "yesno", ["yes"], [yes]);
  t.addAnswers(point, "doc", "vqa", ["cow"], [cat]);
  t.addAnswers(point, "pope", "yesno", ["yes"], [yes]);
  const rows = t.rows("accuracy", new Rng(8));
  assert.deepEqual(rows.map((r) => [r.suite, r.metric]), [
    ["doc", "accuracy"],
    ["doc", "accuracy_seed_sd"],
    ["pope", "accuracy"],
    ["pope", "f1"],
    ["pope", "accuracy_seed_sd"],
    ["mean", "accuracy"],
  ]);
  for (const r of rows.filter((r) => !r.metric.endsWith("_seed_sd"))) assert.deepEqual(r.extra, point.extra);
  assert.deepEqual(t.metrics(), ["accuracy"]);
});

/** An independent percentile bootstrap (type-7 quantiles) of the mean, drawing `rng.int(n)` per value. */
function referenceCi(values: number[], rng: Rng): [number, number] {
  const means: number[] = [];
  for (let b = 0; b < 1000; b++) {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[rng.int(values.length)]!;
    means.push(sum / values.length);
  }
  means.sort((x, y) => x - y);
  const q = (p: number) => {
    const pos = p * (means.length - 1);
    const lo = Math.floor(pos);
    return means[lo]! + (pos - lo) * (means[lo + 1]! - means[lo]!);
  };
  return [round(q(0.025), 2), round(q(0.975), 2)];
}

const [optA, optB] = [{ answers: ["A"], options: ["red", "blue"] }, {
  answers: ["B"],
  options: ["red", "blue"],
}];
const yes = { answers: ["yes"] };
const no = { answers: ["no"] };

Deno.test("answerMetrics() names the F1 and difference metrics of an accuracy metric", () => {
  assert.deepEqual(answerMetrics("accuracy"), { f1: "f1", delta: "delta_accuracy" });
  assert.deepEqual(answerMetrics("likelihood-accuracy"), {
    f1: "likelihood-f1",
    delta: "likelihood-delta_accuracy",
  });
  assert.throws(() => answerMetrics("iou"), {
    message: 'Metric "iou" is not an accuracy metric (it must end in "accuracy")',
  });
});

Deno.test("ScoreTable files answers under a second accuracy metric without touching the generation rows", () => {
  const lik = "likelihood-accuracy";
  const key = { method: "baseline", extra: { protocol: "likelihood" } };
  const fill = (t: ScoreTable, withLikelihood: boolean) => {
    t.addAnswers({ method: "baseline" }, "vstar-attr", "choice", ["A", "A", "A", "A"], [
      optA,
      optB,
      optB,
      optA,
    ]);
    if (withLikelihood) {
      t.addAnswers(key, "vstar-attr", "choice", ["A", "B", "B", "B"], [optA, optB, optB, optA], {
        metric: lik,
      });
    }
    t.addAnswers({ method: "baseline" }, "pope", "yesno", ["yes", "yes", "no", "yes"], [yes, no, no, yes]);
    if (withLikelihood) {
      t.addAnswers(key, "pope", "yesno", ["yes", "no", "yes", "no"], [yes, no, no, yes], { metric: lik });
    }
  };
  const [plain, both] = [new ScoreTable(), new ScoreTable()];
  fill(plain, false);
  fill(both, true);
  assert.deepEqual(both.rows("accuracy", new Rng(5)), plain.rows("accuracy", new Rng(5)));
  assert.deepEqual(both.metrics(), ["accuracy", lik]);

  const rows = both.rows(lik, new Rng(5), { digits: 2 });
  // vstar-attr: picks A B B B vs truth A B B A → 3/4; pope: yes no yes no vs yes no no yes → 2/4; F1 of
  // "yes": tp 1, fp 1, fn 1 → 50; mean = (75 + 50) / 2.
  assert.deepEqual(rows.map((r) => [r.suite, r.metric, r.value, r.n, r.extra]), [
    ["vstar-attr", lik, 75, 4, { protocol: "likelihood" }],
    ["pope", lik, 50, 4, { protocol: "likelihood" }],
    ["pope", "likelihood-f1", 50, 4, { protocol: "likelihood" }],
    ["mean", lik, 62.5, 8, { protocol: "likelihood" }],
  ]);
  // Per-question scores [100, 100, 100, 0] on the stream named after the metric and the entry.
  const stream = new Rng(5).fork('likelihood-accuracy/baseline|{"protocol":"likelihood"}|vstar-attr');
  assert.deepEqual(rows[0]!.ci, referenceCi([100, 100, 100, 0], stream));
});

Deno.test("ScoreTable.paired() on a second accuracy metric writes its own differences", () => {
  const lik = "likelihood-accuracy";
  const t = new ScoreTable();
  const [a, b] = [{ method: "sdrpn" }, { method: "baseline" }];
  // sdrpn right on every question, baseline on none of vstar-attr and half of pope: the per-question
  // differences are constant on vstar-attr (CI of zero width) and 0/100 on pope.
  t.addAnswers(a, "vstar-attr", "choice", ["A", "B", "B"], [optA, optB, optB], { metric: lik });
  t.addAnswers(b, "vstar-attr", "choice", ["B", "A", "A"], [optA, optB, optB], { metric: lik });
  t.addAnswers(a, "pope", "yesno", ["yes", "no"], [yes, no], { metric: lik });
  t.addAnswers(b, "pope", "yesno", ["yes", "yes"], [yes, no], { metric: lik });
  t.addAnswers(a, "doc", "vqa", ["cat"], [cat]);
  t.addAnswers(b, "doc", "vqa", ["dog"], [cat]);
  assert.deepEqual(t.sharedSuites(lik, a, b), ["vstar-attr", "pope"]);
  assert.deepEqual(t.sharedSuites(lik, a, { method: "vicrop" }), []);
  const rows = t.paired(a, b, new Rng(3), undefined, { metric: lik });
  assert.deepEqual(rows.map((r) => [r.method, r.suite, r.metric, r.value, r.n]), [
    ["sdrpn-vs-baseline", "vstar-attr", "likelihood-delta_accuracy", 100, 3],
    ["sdrpn-vs-baseline", "pope", "likelihood-delta_accuracy", 50, 2],
    ["sdrpn-vs-baseline", "mean", "likelihood-delta_accuracy", 75, 5],
  ]);
  assert.deepEqual(rows[0]!.ci, [100, 100]);
  const stream = new Rng(3).fork("likelihood-delta_accuracy/sdrpn-vs-baseline|{}|pope");
  assert.deepEqual(rows[1]!.ci, referenceCi([0, 100], stream));
  // The generation metric of the same table pairs only doc.
  assert.deepEqual(t.paired(a, b, new Rng(3)).map((r) => [r.suite, r.metric, r.value]), [
    ["doc", "delta_accuracy", 100],
  ]);
  assert.throws(() => t.paired(a, { method: "vicrop" }, new Rng(3), undefined, { metric: lik }), {
    message: 'Cannot pair "sdrpn" with "vicrop" on "likelihood-accuracy": no suite has both',
  });
});

Deno.test("ScoreTable.keys() lists a metric's distinct keys in the order first added, over suites and seeds", () => {
  const t = new ScoreTable();
  const point = { method: "masked", extra: { sweep: "tau", tau: 0.1 } };
  t.addAnswers({ method: "baseline" }, "doc", "vqa", ["cat"], [cat]);
  t.addAnswers(point, "doc", "vqa", ["cat"], [cat]);
  t.addAnswers({ method: "masked" }, "doc", "vqa", ["cat"], [cat]);
  t.addAnswers({ method: "baseline" }, "chart", "vqa", ["dog"], [dog]);
  t.addAnswers(point, "doc", "vqa", ["cow"], [cat]); // a second seed adds no key
  t.addValues("iou", { method: "box" }, "doc", [0.5]);
  assert.deepEqual(t.keys("accuracy"), [{ method: "baseline" }, point, { method: "masked" }]);
  assert.deepEqual(t.keys("iou"), [{ method: "box" }]);
  assert.deepEqual(t.keys("delta_accuracy"), []);
});
