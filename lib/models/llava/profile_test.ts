import assert from "node:assert/strict";
import { llavaProfile, profileOverrides, releasedModel } from "./profile.ts";

Deno.test("llavaProfile() gives LLaVA-1.5-7B the paper's settings: layer 14 heads 13/24/26, sink layer 2, B15R3", () => {
  const p = llavaProfile({ layers: 32, heads: 32, tokens: 576 });
  assert.deepEqual(p, {
    teacher: { layer: 14, sinkLayer: 2, normLayer: 14 },
    heads: [13, 24, 26],
    rpn: { backbone: 15, branch: 3, lr: 5e-5, epochs: 1 },
    sinkThreshold: 0.001,
    grid: 24,
    tokens: 576,
  });
});

Deno.test("llavaProfile() gives LLaVA-1.5-13B the released K15T3 twig and its layer-16 heads", () => {
  const p = llavaProfile({ layers: 40, heads: 40, tokens: 576 });
  assert.deepEqual(p.teacher, { layer: 16, sinkLayer: 3, normLayer: 16 });
  assert.deepEqual(p.heads, [2, 21, 30]);
  assert.deepEqual(p.rpn, { backbone: 15, branch: 3, lr: 5e-5, epochs: 1 });
});

Deno.test("llavaProfile() scales layers by L/32 for other depths and averages all heads", () => {
  // The 4-layer fixture: round(1.75) = 2, max(1, round(0.25)) = 1, round(1.875) = 2, min(3, 2) = 2.
  const tiny = llavaProfile({ layers: 4, heads: 4, tokens: 36 });
  assert.deepEqual(tiny.teacher, { layer: 2, sinkLayer: 1, normLayer: 2 });
  assert.deepEqual(tiny.rpn, { backbone: 2, branch: 2 });
  assert.equal(tiny.heads, undefined);
  assert.equal(tiny.sinkThreshold, 0.576 / 36);
  assert.equal(tiny.grid, 6);
  // 2 layers: B = 1 (at least one frozen layer), R = 1 (the scoring layer only).
  assert.deepEqual(llavaProfile({ layers: 2, heads: 4, tokens: 36 }).rpn, { backbone: 1, branch: 1 });
  // A 32-layer model with another grid is not the 7B: same layers, all heads, suite training defaults.
  const other = llavaProfile({ layers: 32, heads: 32, tokens: 256 });
  assert.deepEqual(other.rpn, { backbone: 15, branch: 3 });
  assert.equal(other.heads, undefined);
  assert.equal(releasedModel({ layers: 32, heads: 32, tokens: 256 }), null);
  assert.throws(() => llavaProfile({ layers: 1, heads: 4, tokens: 36 }), {
    message: 'Cannot derive SD-RPN settings for "1" decoder layers: need at least 2',
  });
});

Deno.test("profileOverrides() lists the experiment config keys a profile sets", () => {
  assert.deepEqual(profileOverrides(llavaProfile({ layers: 32, heads: 32, tokens: 576 })), {
    "teacher.layer": 14,
    "teacher.sinkLayer": 2,
    "teacher.normLayer": 14,
    "rpn.backbone": 15,
    "rpn.branch": 3,
    "variant.heads": [13, 24, 26],
    "rpn.lr": 5e-5,
    "rpn.epochs": 1,
  });
  assert.deepEqual(Object.keys(profileOverrides(llavaProfile({ layers: 4, heads: 4, tokens: 36 }))), [
    "teacher.layer",
    "teacher.sinkLayer",
    "teacher.normLayer",
    "rpn.backbone",
    "rpn.branch",
  ]);
});
