import assert from "node:assert/strict";
import type { Result } from "../results/schema.ts";
import { deltaMethod } from "../experiment/conventions.ts";
import { PAIRED_DIFFERENCES } from "../experiment/registry.ts";
import { gainOf, LADDER, stepOf } from "./ladder.ts";
import { indexResults } from "./lookup.ts";
import { judgeClaims, PAPER_CLAIMS } from "./paper_claims.ts";
import { fixtureResult, row } from "./test_helpers.ts";

/** One result per experiment holding exactly the paired differences conventions.ts asks for. */
function pairedOnly(): Result[] {
  return Object.entries(PAIRED_DIFFERENCES).map(([experiment, diffs]) =>
    fixtureResult(
      experiment,
      diffs!.flatMap((d) =>
        (d.suites ?? ["mean"]).map((suite) =>
          row(deltaMethod(d.a, d.b), suite, d.metric ?? "delta_accuracy", 1, { ci: [0.5, 1.5] })
        )
      ),
    )
  );
}

Deno.test("the paired differences of conventions.ts give every claim of those experiments a CI", () => {
  const results = indexResults(pairedOnly());
  const judged = judgeClaims(results).filter((j) => j.claim.experiment in PAIRED_DIFFERENCES);
  assert.equal(judged.length, 10);
  for (const j of judged) {
    assert.equal(j.outcome, "confirmed", j.claim.text);
    assert.deepEqual(j.measured?.ci, [0.5, 1.5], j.claim.text);
  }
});

Deno.test("the paired differences of conventions.ts give every ladder rung a paired gain and step", () => {
  const results = indexResults(pairedOnly());
  for (const rung of LADDER) {
    assert.deepEqual(gainOf(results.get(rung.experiment), rung.method)?.ci, [0.5, 1.5], rung.label);
    if (rung.stepFrom) assert.deepEqual(stepOf(results, rung)?.ci, [0.5, 1.5], rung.label);
  }
});

Deno.test("judgeClaims() says which experiments have not run and which effects are missing", () => {
  const none = judgeClaims(indexResults([]));
  assert.equal(none.length, PAPER_CLAIMS.length);
  assert.ok(none.every((j) => j.outcome === "not run yet" && j.measured === undefined));
  assert.deepEqual(none[0]!.reason, "no `main_results` result");
  const empty = judgeClaims(indexResults([fixtureResult("main_results", [])]));
  assert.deepEqual(empty.slice(0, 5).map((j) => j.outcome), Array(5).fill("not measured"));
  assert.equal(empty[0]!.reason, "the result has no row for this effect");
});
