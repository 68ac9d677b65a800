import assert from "node:assert/strict";
import { judgeClaim } from "./claims.ts";

Deno.test("judgeClaim() confirms a positive claim when the CI lies above 0", () => {
  assert.deepEqual(judgeClaim({ direction: 1 }, { value: 2.5, ci: [0.5, 4.5] }), {
    verdict: "confirmed",
    reason: "95 % CI [0.50, 4.50] excludes 0 in the paper's direction",
  });
});

Deno.test("judgeClaim() does not confirm a positive claim when the CI lies below 0", () => {
  assert.deepEqual(judgeClaim({ direction: 1 }, { value: -2, ci: [-3.25, -0.75] }), {
    verdict: "not confirmed",
    reason: "95 % CI [-3.25, -0.75] excludes 0 in the opposite direction",
  });
});

Deno.test("judgeClaim() is inconclusive when the CI contains 0, including a bound exactly at 0", () => {
  assert.equal(judgeClaim({ direction: 1 }, { value: 1, ci: [-1, 3] }).verdict, "inconclusive");
  assert.deepEqual(judgeClaim({ direction: 1 }, { value: 1, ci: [0, 2] }), {
    verdict: "inconclusive",
    reason: "95 % CI [0.00, 2.00] contains 0",
  });
  assert.equal(judgeClaim({ direction: 1 }, { value: -1, ci: [-2, 0] }).verdict, "inconclusive");
  assert.equal(judgeClaim({ direction: 1 }, { value: 0, ci: [0, 0] }).verdict, "inconclusive");
});

Deno.test("judgeClaim() orients the CI for a negative claim", () => {
  assert.equal(judgeClaim({ direction: -1 }, { value: -2, ci: [-3, -1] }).verdict, "confirmed");
  assert.deepEqual(judgeClaim({ direction: -1 }, { value: 2, ci: [1, 3] }), {
    verdict: "not confirmed",
    reason: "95 % CI [1.00, 3.00] excludes 0 in the opposite direction",
  });
  assert.equal(judgeClaim({ direction: -1 }, { value: 0.5, ci: [-1, 2] }).verdict, "inconclusive");
});

Deno.test("judgeClaim() does not confirm an effect reliably smaller than the stated minimum", () => {
  assert.deepEqual(judgeClaim({ direction: 1, minEffect: 1 }, { value: 0.4, ci: [0.1, 0.7] }), {
    verdict: "not confirmed",
    reason: "95 % CI [0.10, 0.70] lies below the minimum effect 1.00",
  });
  // Reaching the minimum with the upper bound is enough not to rule the claim out.
  assert.equal(judgeClaim({ direction: 1, minEffect: 1 }, { value: 0.6, ci: [0.2, 1] }).verdict, "confirmed");
  assert.equal(
    judgeClaim({ direction: -1, minEffect: 1 }, { value: -0.4, ci: [-0.7, -0.1] }).verdict,
    "not confirmed",
  );
});

Deno.test("judgeClaim() without a CI is inconclusive, whatever the point estimate", () => {
  assert.deepEqual(judgeClaim({ direction: 1 }, { value: 12 }), {
    verdict: "inconclusive",
    reason: "no confidence interval was measured",
  });
});

Deno.test("judgeClaim() rejects non-finite effects, inverted intervals and negative minimums", () => {
  assert.throws(() => judgeClaim({ direction: 1 }, { value: NaN }), {
    message: 'Cannot judge a claim on a non-finite effect "NaN"',
  });
  assert.throws(() => judgeClaim({ direction: 1 }, { value: 1, ci: [2, 1] }), {
    message: 'Cannot judge a claim on the interval "[2, 1]"',
  });
  assert.throws(() => judgeClaim({ direction: 1, minEffect: -1 }, { value: 1, ci: [0, 2] }), {
    message: 'Minimum effect must be at least 0, got "-1"',
  });
});
