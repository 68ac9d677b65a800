import assert from "node:assert/strict";
import { experimentIn, experimentsIn } from "../experiment/registry.ts";
import { LADDER } from "./ladder.ts";

Deno.test("every experiment a ladder rung reads is one the registry lists under the ladder", () => {
  const listed = new Set<string>(experimentsIn("ladder"));
  const read = new Set(LADDER.flatMap((r) => [r.experiment, ...(r.stepExperiments ?? [])]));
  assert.deepEqual([...read].filter((e) => !listed.has(e)), []);
  assert.deepEqual([...listed].filter((e) => !read.has(e)), []);
});

Deno.test("the answer-source rows come from the one experiment listed under answers", () => {
  assert.equal(experimentIn("answers"), "label_assignment");
});
