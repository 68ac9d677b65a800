import assert from "node:assert/strict";
import {
  extractChoice,
  levenshtein,
  METRIC_FAMILIES,
  normaliseVqa,
  parseNumber,
  parseYesNo,
  scoreAnswer,
  summarise,
} from "./metrics.ts";

const close = (actual: number, expected: number, eps = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);

Deno.test("METRIC_FAMILIES lists the five families", () => {
  assert.deepEqual([...METRIC_FAMILIES], ["vqa", "anls", "relaxed", "choice", "yesno"]);
});

// --- vqa -------------------------------------------------------------------------------------------

Deno.test("normaliseVqa() lower-cases, strips punctuation and articles, collapses spaces", () => {
  assert.equal(normaliseVqa("  The Red   Cat! "), "red cat");
  assert.equal(normaliseVqa("an apple, a pear?"), "apple pear");
  assert.equal(normaliseVqa("Theatre"), "theatre", "articles only as whole words");
  assert.equal(normaliseVqa("3.5"), "3.5", "decimal point kept");
  assert.equal(normaliseVqa("1,000."), "1000", "thousands comma and final period dropped");
  assert.equal(normaliseVqa("red,blue"), "red blue");
  assert.equal(normaliseVqa("A"), "a", "a lone article is kept, not erased");
  assert.equal(normaliseVqa(""), "");
});

Deno.test("scoreAnswer('vqa') is 1 for a normalised match with any accepted answer", () => {
  assert.equal(scoreAnswer("vqa", "The cat.", ["cat"]), 1);
  assert.equal(scoreAnswer("vqa", "K7Q", ["k7q"]), 1);
  assert.equal(scoreAnswer("vqa", "dog", ["cat", "a dog"]), 1);
  assert.equal(scoreAnswer("vqa", "cats", ["cat"]), 0);
  assert.equal(scoreAnswer("vqa", "the", ["A"]), 0, "article-only strings do not collapse to equal");
  assert.equal(scoreAnswer("vqa", "", ["cat"]), 0);
});

// --- anls ------------------------------------------------------------------------------------------

Deno.test("levenshtein() counts insertions, deletions and substitutions", () => {
  assert.equal(levenshtein("kitten", "sitting"), 3);
  assert.equal(levenshtein("", "abc"), 3);
  assert.equal(levenshtein("abc", ""), 3);
  assert.equal(levenshtein("flaw", "lawn"), 2);
  assert.equal(levenshtein("same", "same"), 0);
  assert.equal(levenshtein("é", "e"), 1, "code points, not bytes");
});

Deno.test("scoreAnswer('anls') gives 1 − NLD with the 0.5 threshold", () => {
  assert.equal(scoreAnswer("anls", "K3", ["K8"]), 0.5, "one substitution in two chars sits at τ");
  close(scoreAnswer("anls", "KX3", ["K3"]), 1 - 1 / 3);
  close(scoreAnswer("anls", "invoice", ["invoices"]), 1 - 1 / 8);
  assert.equal(scoreAnswer("anls", "K3", ["Q8"]), 0, "NLD 1 → 0");
  assert.equal(scoreAnswer("anls", "ABC", ["XYC"]), 0, "similarity 1/3 < 0.5 → 0");
  assert.equal(scoreAnswer("anls", "  Total  Due ", ["total due"]), 1, "trim, case and spaces");
  assert.equal(scoreAnswer("anls", "", [""]), 1);
  assert.equal(scoreAnswer("anls", "", ["ab"]), 0);
});

Deno.test("scoreAnswer('anls') takes the best accepted answer", () => {
  close(scoreAnswer("anls", "12.50", ["$12.50", "twelve"]), 1 - 1 / 6);
});

// --- relaxed ---------------------------------------------------------------------------------------

Deno.test("parseNumber() reads plain, signed, decimal, thousands, percent and exponent forms", () => {
  assert.equal(parseNumber("12"), 12);
  assert.equal(parseNumber(" -3.5 "), -3.5);
  assert.equal(parseNumber(".5"), 0.5);
  assert.equal(parseNumber("1,200"), 1200);
  assert.equal(parseNumber("1,200,300"), 1200300);
  assert.equal(parseNumber("45%"), 45);
  assert.equal(parseNumber("1e3"), 1000);
  assert.equal(parseNumber("12 apples"), undefined);
  assert.equal(parseNumber("1,20"), undefined, "not a thousands group");
  assert.equal(parseNumber(""), undefined);
  assert.equal(parseNumber("-"), undefined);
});

Deno.test("scoreAnswer('relaxed') accepts numbers within 5 % of the answer", () => {
  assert.equal(scoreAnswer("relaxed", "105", ["100"]), 1, "exactly 5 % off");
  assert.equal(scoreAnswer("relaxed", "95", ["100"]), 1);
  assert.equal(scoreAnswer("relaxed", "105.1", ["100"]), 0);
  assert.equal(scoreAnswer("relaxed", "21", ["20"]), 1, "1/20 = 0.05 exactly");
  assert.equal(scoreAnswer("relaxed", "-10.4", ["-10"]), 1, "relative to |gt|");
  assert.equal(scoreAnswer("relaxed", "10", ["-10"]), 0);
  assert.equal(scoreAnswer("relaxed", "1,050", ["1000"]), 1);
});

Deno.test("scoreAnswer('relaxed') is exact when the answer is 0", () => {
  assert.equal(scoreAnswer("relaxed", "0.0", ["0"]), 1);
  assert.equal(scoreAnswer("relaxed", "0.001", ["0"]), 0);
});

Deno.test("scoreAnswer('relaxed') falls back to normalised exact match for non-numbers", () => {
  assert.equal(scoreAnswer("relaxed", "The Blue bar.", ["blue bar"]), 1);
  assert.equal(scoreAnswer("relaxed", "blue", ["green"]), 0);
  assert.equal(scoreAnswer("relaxed", "12 apples", ["12"]), 0, "a number with words is not a number");
  assert.equal(scoreAnswer("relaxed", "2019", ["2018", "2019"]), 1);
});

// --- choice ----------------------------------------------------------------------------------------

Deno.test("extractChoice() reads letters in the usual answer shapes", () => {
  const cases: [string, string | undefined][] = [
    ["B", "B"],
    ["b", "B"],
    [" (C) ", "C"],
    ["( A )", "A"],
    ["D.", "D"],
    ["A) red circle", "A"],
    ["(b) blue square", "B"],
    ["C: green", "C"],
    ["Answer: C", "C"],
    ["The answer is (D).", "D"],
    ["E", undefined],
    ["a red circle", undefined],
    ["Apple", undefined],
    ["", undefined],
  ];
  for (const [input, expected] of cases) assert.equal(extractChoice(input), expected, input);
});

Deno.test("extractChoice() matches option texts and rejects letters beyond the options", () => {
  const options = ["red circle", "blue square", "green star"];
  assert.equal(extractChoice("Blue square.", options), "B");
  assert.equal(extractChoice("a green star", options), "C", "article before the option text");
  assert.equal(extractChoice("D", options), undefined, "only three options");
  assert.equal(extractChoice("purple", options), undefined);
  assert.throws(() => extractChoice("A", ["a", "b", "c", "d", "e"]), {
    message: 'Choice metric supports at most 4 options, got "5"',
  });
});

Deno.test("scoreAnswer('choice') compares option letters; answers may be letters or texts", () => {
  const options = ["left", "right", "above", "below"];
  assert.equal(scoreAnswer("choice", "(B)", ["B"], options), 1);
  assert.equal(scoreAnswer("choice", "right", ["B"], options), 1);
  assert.equal(scoreAnswer("choice", "B", ["right"], options), 1);
  assert.equal(scoreAnswer("choice", "A", ["B"], options), 0);
  assert.equal(scoreAnswer("choice", "no idea", ["B"], options), 0);
  assert.equal(scoreAnswer("choice", "C", ["C"]), 1, "without options, letters A–D");
  assert.throws(() => scoreAnswer("choice", "A", ["sideways"], options), {
    message: 'Choice answer "sideways" is neither an option letter nor an option text',
  });
});

// --- yesno -----------------------------------------------------------------------------------------

Deno.test("parseYesNo() reads yes/no at the start only", () => {
  assert.equal(parseYesNo("Yes"), "yes");
  assert.equal(parseYesNo("  NO."), "no");
  assert.equal(parseYesNo("yes, there is a cat"), "yes");
  assert.equal(parseYesNo("Nope"), undefined);
  assert.equal(parseYesNo("yesterday"), undefined);
  assert.equal(parseYesNo("There is no cat"), undefined);
  assert.equal(parseYesNo(""), undefined);
});

Deno.test("scoreAnswer('yesno') counts unparseable predictions as wrong", () => {
  assert.equal(scoreAnswer("yesno", "Yes, it is.", ["yes"]), 1);
  assert.equal(scoreAnswer("yesno", "no", ["No"]), 1);
  assert.equal(scoreAnswer("yesno", "no", ["yes"]), 0);
  assert.equal(scoreAnswer("yesno", "maybe", ["no"]), 0);
  assert.throws(() => scoreAnswer("yesno", "yes", ["perhaps"]), {
    message: 'Yes/no answer must be "yes" or "no", got "perhaps"',
  });
});

Deno.test("scoreAnswer() needs an accepted answer and a known family", () => {
  assert.throws(() => scoreAnswer("vqa", "x", []), {
    message: "scoreAnswer() needs at least one accepted answer",
  });
  assert.throws(() => scoreAnswer("bleu" as "vqa", "x", ["x"]), { message: 'Unknown metric family "bleu"' });
});

// --- summarise -------------------------------------------------------------------------------------

Deno.test("summarise() gives mean score in percent", () => {
  const items = [
    { prediction: "K3", answers: ["K8"], score: 0.5 },
    { prediction: "a", answers: ["a"], score: 1 },
    { prediction: "b", answers: ["c"], score: 0 },
    { prediction: "d", answers: ["d"], score: 1 },
  ];
  assert.deepEqual(summarise("anls", items), { accuracy: 62.5 });
});

Deno.test("summarise('yesno') adds POPE's F1 of 'yes' and the yes ratio", () => {
  // truth:  y  y  y  n  n  n  y
  // said:   y  y  n  y  n  ?  ?     → TP 2, FP 1, FN 2 (the "?" on a yes), TN 1, 1 unparseable on a no
  const rows: [string, string][] = [
    ["yes", "yes"],
    ["Yes.", "yes"],
    ["no", "yes"],
    ["yes", "no"],
    ["no", "no"],
    ["unsure", "no"],
    ["it is", "yes"],
  ];
  const items = rows.map(([prediction, truth]) => ({
    prediction,
    answers: [truth],
    score: scoreAnswer("yesno", prediction, [truth]),
  }));
  const summary = summarise("yesno", items);
  close(summary.accuracy, (100 * 3) / 7);
  // F1 = 2·TP / (2·TP + FP + FN) = 4 / 7
  close(summary.f1!, (100 * 4) / 7);
  close(summary.yesRatio!, (100 * 3) / 7);
});

Deno.test("summarise('yesno') gives F1 0 when nothing is or says yes", () => {
  const items = [{ prediction: "no", answers: ["no"], score: 1 }];
  assert.deepEqual(summarise("yesno", items), { accuracy: 100, f1: 0, yesRatio: 0 });
});

Deno.test("summarise() rejects empty input and out-of-range scores", () => {
  assert.throws(() => summarise("vqa", []), { message: "summarise() needs at least one item" });
  assert.throws(() => summarise("vqa", [{ prediction: "", answers: ["x"], score: 1.5 }]), {
    message: 'summarise() needs scores in [0, 1], got "1.5"',
  });
  assert.throws(() => summarise("vqa", [{ prediction: "", answers: ["x"], score: NaN }]), {
    message: 'summarise() needs scores in [0, 1], got "NaN"',
  });
});

Deno.test("scoreAnswer() and summarise() do not mutate their inputs", () => {
  const answers = ["B"];
  const options = ["x", "y"];
  scoreAnswer("choice", "B", answers, options);
  assert.deepEqual(answers, ["B"]);
  assert.deepEqual(options, ["x", "y"]);
  const items = [{ prediction: "yes", answers: ["yes"], score: 1 }];
  summarise("yesno", items);
  assert.deepEqual(items, [{ prediction: "yes", answers: ["yes"], score: 1 }]);
});
