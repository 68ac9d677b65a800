import assert from "node:assert/strict";
import { rpnCaption } from "./rpn_caption.ts";
import { fixtureResult } from "./test_helpers.ts";

const withRpn = (rpn: unknown) => fixtureResult("main_results", [], { config: { scale: "default", rpn } });

Deno.test("rpnCaption() spells the recorded B/R split and schedule of the headline RPN", () => {
  assert.equal(
    rpnCaption(withRpn({ backbone: 4, branch: 3, epochs: 3, batchSize: 32, lr: 0.001, target: "labels" })),
    "- SD-RPN's RPN: B4R3 (B = 4 frozen decoder layers, R = 3 branch layers), 3 epochs, batch 32, peak lr " +
      "0.001 (the result's config `rpn`).",
  );
  assert.equal(
    rpnCaption(withRpn({ backbone: 15, branch: 3, epochs: 1, batchSize: 128, lr: 5e-5 })),
    "- SD-RPN's RPN: B15R3 (B = 15 frozen decoder layers, R = 3 branch layers), 1 epoch, batch 128, peak lr " +
      "0.00005 (the result's config `rpn`).",
  );
});

Deno.test("rpnCaption() is undefined for a result whose config lacks any of the five settings", () => {
  assert.equal(rpnCaption(fixtureResult("main_results", [])), undefined);
  assert.equal(rpnCaption(withRpn({ backbone: 4, branch: 3, epochs: 3, batchSize: 32 })), undefined);
  assert.equal(rpnCaption(withRpn({ backbone: 4, branch: "3", epochs: 3, batchSize: 32, lr: 1 })), undefined);
  assert.equal(rpnCaption(withRpn([4, 3])), undefined);
  assert.equal(rpnCaption(withRpn(null)), undefined);
});
