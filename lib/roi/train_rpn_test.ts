import assert from "node:assert/strict";
import { initBackend } from "../engine/backend.ts";
import { somePrompts, tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import { backboneStates } from "./backbone.ts";
import { IGNORE } from "./labels.ts";
import { rpnParamNames } from "./rpn.ts";
import { RpnTrainConfigSchema, trainRpn } from "./train_rpn.ts";

await initBackend("wasm");
const model = tinyTestModel(8);
const N = model.counts.tokens;

/** Every decoder layer's weights (what the backbone is), as values. */
function backbone() {
  return Promise.all(Array.from({ length: model.counts.layers }, (_, l) => model.copyLayer(l, "all")));
}

async function examples() {
  const states = await backboneStates(model, somePrompts(16, 1), 3);
  // Hand-made labels: the first row of cells is foreground, the last row background, the rest ignored.
  const labels = new Int32Array(N).fill(IGNORE);
  for (let j = 0; j < 4; j++) labels[j] = 1;
  for (let j = N - 4; j < N; j++) labels[j] = 0;
  return states.map((state) => ({ state, labels }));
}

Deno.test("trainRpn() changes only the branch: the backbone weights are bit-identical afterwards", async () => {
  const before = await backbone();
  const layer3 = await model.copyLayer(3, "all");
  const cfg = RpnTrainConfigSchema.parse({ backbone: 3, branch: 2, epochs: 4, batchSize: 2, lr: 1e-2 });
  const { weights, losses } = await trainRpn(model, await examples(), cfg, 0);
  assert.deepEqual(await backbone(), before);
  // The branch did move away from its copy of layer 3, and learned the toy labels.
  const [, q] = model.layerLeaves("queryKey");
  assert.notDeepEqual(weights[`rpn.layers.0.${q}`]!.data, layer3[q!]!.data);
  assert.ok(losses.at(-1)! < losses[0]!, `loss ${losses[0]} → ${losses.at(-1)}`);
  assert.deepEqual(Object.keys(weights), rpnParamNames(model, { backbone: 3, branch: 2 }));
});

Deno.test("trainRpn() is deterministic for a seed", async () => {
  const cfg = RpnTrainConfigSchema.parse({ backbone: 3, branch: 1, epochs: 2, batchSize: 2 });
  const ex = await examples();
  const a = await trainRpn(model, ex, cfg, 5);
  const b = await trainRpn(model, ex, cfg, 5);
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.weights["rpn.norm"]!.data, b.weights["rpn.norm"]!.data);
});
