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
});

Deno.test("testbedSection() says not run yet without an eval_base result", () => {
  const other = fixtureResult("main_results", [row("baseline", "doc", "accuracy", 10)]);
  assert.equal(
    testbedSection(indexResults([other])),
    "## Testbed check: does the testbed need fine detail?\n\n" +
      "_Not run yet: no `eval_base` result in the results folder._\n",
  );
});
