import assert from "node:assert/strict";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import type { Mllm } from "../eval/answer.ts";
import { gridOf } from "../model/config.ts";
import { exportParams, initParams } from "../model/params.ts";
import { someItems, tinyModel } from "../model/test_helpers.ts";
import { backboneStates } from "./backbone.ts";
import { IGNORE } from "./labels.ts";
import { RpnTrainConfigSchema, trainRpn } from "./train_rpn.ts";

await initBackend("wasm");
const { config, tokenizer } = tinyModel();
const model: Mllm = { config, tokenizer, params: initParams(config, new Rng(8)) };
const N = gridOf(config).tokens;

async function examples() {
  const items = someItems(tokenizer, config.imageSize, 1, false);
  const states = await backboneStates(model, items, 3);
  // Hand-made labels: the first row of cells is foreground, the last row background, the rest ignored.
  const labels = new Int32Array(N).fill(IGNORE);
  for (let j = 0; j < 4; j++) labels[j] = 1;
  for (let j = N - 4; j < N; j++) labels[j] = 0;
  return states.map((state) => ({ state, labels }));
}

Deno.test("trainRpn() changes only the branch: the backbone weights are bit-identical afterwards", async () => {
  const before = await exportParams(model.params);
  const cfg = RpnTrainConfigSchema.parse({ backbone: 3, branch: 2, epochs: 4, batchSize: 2, lr: 1e-2 });
  const { weights, losses } = await trainRpn(model, await examples(), cfg, 0);
  const after = await exportParams(model.params);
  for (const [name, t] of Object.entries(before)) assert.deepEqual(after[name]!.data, t.data, name);
  // The branch did move away from its copy of layer 3, and learned the toy labels.
  assert.notDeepEqual(weights["rpn.layers.0.wq"]!.data, before["lm.layers.3.wq"]!.data);
  assert.ok(losses.at(-1)! < losses[0]!, `loss ${losses[0]} → ${losses.at(-1)}`);
  assert.deepEqual(Object.keys(weights).sort(), [
    "rpn.layers.0.attnNorm",
    "rpn.layers.0.mlpNorm",
    "rpn.layers.0.w1",
    "rpn.layers.0.w2",
    "rpn.layers.0.wk",
    "rpn.layers.0.wo",
    "rpn.layers.0.wq",
    "rpn.layers.0.wv",
    "rpn.layers.1.attnNorm",
    "rpn.layers.1.wk",
    "rpn.layers.1.wq",
    "rpn.norm",
  ]);
});

Deno.test("trainRpn() is deterministic for a seed", async () => {
  const cfg = RpnTrainConfigSchema.parse({ backbone: 3, branch: 1, epochs: 2, batchSize: 2 });
  const ex = await examples();
  const a = await trainRpn(model, ex, cfg, 5);
  const b = await trainRpn(model, ex, cfg, 5);
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.weights["rpn.norm"]!.data, b.weights["rpn.norm"]!.data);
});
