import assert from "node:assert/strict";
import { initBackend } from "../../engine/backend.ts";
import { Rng } from "../../engine/rng.ts";
import { TOKEN_CLASSES } from "../../data/token_labels.ts";
import { alignProjector, classTokenIds } from "./align_init.ts";
import { ModelConfigSchema } from "./config.ts";
import { initTensors } from "./params.ts";
import { tinyModel } from "./test_helpers.ts";

await initBackend("wasm");

Deno.test("classTokenIds() maps every detail class to its single answer token", () => {
  const { tokenizer } = tinyModel();
  const ids = classTokenIds(tokenizer);
  assert.equal(ids.length, TOKEN_CLASSES.length - 1);
  assert.equal(ids[TOKEN_CLASSES.indexOf("A") - 1], tokenizer.encode("A")[0]);
  assert.equal(ids[TOKEN_CLASSES.indexOf("7") - 1], tokenizer.encode("7")[0]);
  assert.equal(ids[TOKEN_CLASSES.indexOf("ring") - 1], tokenizer.encode("ring")[0]);
});

Deno.test("alignProjector() routes each class margin to its token embedding and ties the head", () => {
  const { tokenizer, config: tiny } = tinyModel();
  const K = TOKEN_CLASSES.length;
  const config = ModelConfigSchema.parse({ ...tiny, projectorHidden: K + 3 });
  const tensors = initTensors(config, new Rng(1));
  const rng = new Rng(2);
  const probe = Float32Array.from({ length: config.visionDim * K }, () => rng.normal());
  const before = structuredClone(tensors["proj.fc2"]!.data);
  const per = config.patchWindow * config.patchWindow * 3;
  const calibration = Float32Array.from({ length: 2 * 16 * per }, () => rng.normal());
  const { featureRms, meanMargin } = alignProjector(config, tensors, probe, tokenizer, calibration, 2);
  assert.ok(featureRms > 0 && meanMargin > 0);
  const H = config.projectorHidden, d = config.dim, V = config.vocabSize, dv = config.visionDim;
  const embed = tensors["lm.embed"]!.data;
  const a = TOKEN_CLASSES.indexOf("A");
  const id = tokenizer.encode("A")[0]!;
  // Unit a−1: fc1 column = (probe[:, a] − probe[:, none]) · rms, zero bias; fc2 row = embed[A] / margin.
  for (let i = 0; i < dv; i++) {
    assert.ok(
      Math.abs(tensors["proj.fc1"]!.data[i * H + a - 1]! - (probe[i * K + a]! - probe[i * K]!) * featureRms) <
        1e-5,
    );
  }
  assert.equal(tensors["proj.fc1b"]!.data[a - 1], 0);
  for (let j = 0; j < d; j++) {
    assert.ok(Math.abs(tensors["proj.fc2"]!.data[(a - 1) * d + j]! - embed[id * d + j]! / meanMargin) < 1e-7);
  }
  // Units past the K−1 classes keep their random init.
  assert.deepEqual(tensors["proj.fc2"]!.data.subarray((K - 1) * d), before.subarray((K - 1) * d));
  // Head tied to the embedding: head[j, v] = embed[v, j].
  assert.equal(tensors["lm.head"]!.data[5 * V + id], embed[id * d + 5]);
});

Deno.test("alignProjector() needs a projector unit per detail class", () => {
  const { tokenizer, config } = tinyModel();
  const tensors = initTensors(config, new Rng(1));
  assert.throws(
    () => alignProjector(config, tensors, new Float32Array(0), tokenizer, new Float32Array(0), 0),
    {
      message: `Model config "projectorHidden" ${config.projectorHidden} must be ≥ ${
        TOKEN_CLASSES.length - 1
      } detail classes`,
    },
  );
});
