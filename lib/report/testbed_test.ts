import assert from "node:assert/strict";
import { indexResults } from "./lookup.ts";
import { testbedSection } from "./testbed.ts";
import { evalBase, fixtureResult, row } from "./test_helpers.ts";

Deno.test("testbedSection() shows global, oracle and random crops with the oracle − global gap per suite", () => {
  const text = testbedSection(indexResults([evalBase()]));
  assert.match(text, /^## Testbed check: does the testbed need fine detail\?/);
  // doc: 40 / 80 / 41; the gap has no paired row, so it is derived (80 − 40 = +40.0*).
  assert.match(
    text,
    /\| doc +\| +40\.0 \[35\.0, 45\.0\] \| +80\.0 \[75\.0, 85\.0\] \| +41\.0 \[36\.0, 46\.0\] \| +\+40\.0\* \|/,
  );
  // Suites without any row are left out rather than shown as a line of dashes.
  assert.doesNotMatch(text, /\| textvqa /);
  // A result scored by generation only has no likelihood columns.
  assert.doesNotMatch(text, /\(L\)/);
});

Deno.test("testbedSection() adds likelihood-protocol columns only when the result has likelihood rows", () => {
  const base = evalBase();
  const lik = { protocol: "likelihood" };
  const result = {
    ...base,
    scoring: ["generation" as const, "likelihood" as const],
    rows: [
      ...base.rows,
      row("global", "hr", "choice-accuracy", 20, { ci: [10, 30] }),
      row("oracle", "hr", "choice-accuracy", 25, { ci: [15, 35] }),
      row("random", "hr", "choice-accuracy", 20, { ci: [10, 30] }),
      row("global", "hr", "likelihood-choice-accuracy", 30, { ci: [20, 40], extra: lik }),
      row("oracle", "hr", "likelihood-choice-accuracy", 55, { ci: [45, 65], extra: lik }),
      row("random", "hr", "likelihood-choice-accuracy", 31, { ci: [21, 41], extra: lik }),
    ],
  };
  const text = testbedSection(indexResults([result]));
  const header = [
    "suite",
    "global",
    "oracle crop",
    "random crop",
    "oracle − global",
    "global (L)",
    "oracle crop (L)",
  ]
    .concat(["random crop (L)", "oracle − global (L)"]);
  assert.deepEqual(text.split("\n")[2]!.split("|").slice(1, -1).map((c) => c.trim()), header);
  // hr: generation 20 / 25 / 20, likelihood 30 / 55 / 31 and the derived gap +25.0*.
  assert.match(
    text,
    /\| hr +\| +20\.0 \[10\.0, 30\.0\] \| +25\.0 \[15\.0, 35\.0\] \| +20\.0 \[10\.0, 30\.0\] \| +\+5\.0\* \| +30\.0 \[20\.0, 40\.0\] \| +55\.0 \[45\.0, 65\.0\] \| +31\.0 \[21\.0, 41\.0\] \| +\+25\.0\* \|/,
  );
  // doc (a text suite) has no likelihood numbers: dashes in the (L) columns.
  assert.match(text, /\| doc +\|.*\| +\+40\.0\* \| +— \| +— \| +— \| +— \|/);
  assert.match(text, /- \(L\): the option-likelihood protocol/);
});

Deno.test("testbedSection() says not run yet without an eval_base result", () => {
  const other = fixtureResult("main_results", [row("baseline", "doc", "accuracy", 10)]);
  assert.equal(
    testbedSection(indexResults([other])),
    "## Testbed check: does the testbed need fine detail?\n\n" +
      "_Not run yet: no `eval_base` result in the results folder._\n",
  );
});
