import assert from "node:assert/strict";
import { join } from "node:path";
import { Rng } from "../../engine/rng.ts";
import { defaultTokenizer, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { initTensors } from "./params.ts";
import { tinyModel } from "./test_helpers.ts";

const { config } = tinyModel();
const tokenizer = defaultTokenizer();

Deno.test("saveCheckpoint() and loadCheckpoint() round-trip weights, config and vocabulary", async () => {
  const dir = await Deno.makeTempDir();
  const tensors = initTensors(config, new Rng(1));
  await saveCheckpoint(dir, config, tokenizer, tensors, { note: "test" });
  const loaded = await loadCheckpoint(dir);
  assert.deepEqual(loaded.config, config);
  assert.deepEqual(loaded.file.training, { note: "test" });
  for (const [name, t] of Object.entries(tensors)) {
    assert.deepEqual(loaded.tensors[name]!.shape, t.shape);
    assert.deepEqual(loaded.tensors[name]!.data, t.data);
  }
});

Deno.test("loadCheckpoint() names the missing file", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(() => loadCheckpoint(dir), {
    message: `Cannot load checkpoint "${
      join(dir, "model.json")
    }": file not found (run "deno task pretrain" first)`,
  });
});

Deno.test("loadCheckpoint() rejects an unknown config key in model.json", async () => {
  const dir = await Deno.makeTempDir();
  await saveCheckpoint(dir, config, tokenizer, initTensors(config, new Rng(1)), {});
  const path = join(dir, "model.json");
  const file = JSON.parse(await Deno.readTextFile(path));
  file.config.layerz = 3;
  await Deno.writeTextFile(path, JSON.stringify(file));
  await assert.rejects(() => loadCheckpoint(dir), {
    message: `Cannot load checkpoint "${path}": config: Unrecognized key: "layerz"`,
  });
});

Deno.test("loadCheckpoint() rejects weights whose shapes do not match the config", async () => {
  const dir = await Deno.makeTempDir();
  await saveCheckpoint(dir, config, tokenizer, initTensors(config, new Rng(1)), {});
  const path = join(dir, "model.json");
  const file = JSON.parse(await Deno.readTextFile(path));
  file.config.mlp = 48;
  await Deno.writeTextFile(path, JSON.stringify(file));
  await assert.rejects(() => loadCheckpoint(dir), {
    message: `Cannot load checkpoint "${
      join(dir, "model.safetensors")
    }": tensor "lm.layers.0.w1" has shape [16,32], expected [16,48]`,
  });
});

Deno.test("loadCheckpoint() rejects a checkpoint trained with another vocabulary", async () => {
  const dir = await Deno.makeTempDir();
  await saveCheckpoint(dir, config, tokenizer, initTensors(config, new Rng(1)), {});
  const path = join(dir, "model.json");
  const file = JSON.parse(await Deno.readTextFile(path));
  file.vocab[12] = "zebra";
  await Deno.writeTextFile(path, JSON.stringify(file));
  await assert.rejects(() => loadCheckpoint(dir), {
    message: `Cannot load checkpoint "${path}": its vocabulary differs from the testbed tokenizer`,
  });
});
