import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { loadLlavaConfig } from "./config.ts";
import { LlavaModel } from "./model.ts";
import { openSafetensors } from "./safetensors_reader.ts";
import { loadLlavaSession } from "./session.ts";
import { encodeTypedSafetensors, type TensorToWrite } from "./safetensors_writer.ts";
import { llavaTensorSpecs, newTensorName } from "./weights.ts";

const FIXTURE = join(import.meta.dirname!, "../../../tests/fixtures/llava-tiny");
const FILES = ["config.json", "tokenizer.json", "tokenizer_config.json", "preprocessor_config.json"];

/** A temporary copy of the fixture's small files; the caller writes the weights. */
async function scratchFolder(): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const f of FILES) await Deno.copyFile(join(FIXTURE, f), join(dir, f));
  return dir;
}

/** The fixture's header and raw bytes, to rewrite with one thing broken. */
async function fixtureParts() {
  const bytes = await Deno.readFile(join(FIXTURE, "model.safetensors"));
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  return { header, data: bytes.subarray(8 + n) };
}

function assemble(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

async function withFolder(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await scratchFolder();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("every tensor the fixture's config needs is in its safetensors with the expected shape", async () => {
  const config = await loadLlavaConfig(FIXTURE);
  const file = await openSafetensors(join(FIXTURE, "model.safetensors"));
  try {
    const specs = llavaTensorSpecs(config);
    // 3 embeddings + pre-LN 2 + 1 used CLIP layer × 16 + projector 4 + embed + 4 × 9 + norm + lm_head.
    assert.equal(specs.length, 3 + 2 + 16 + 4 + 1 + 36 + 1 + 1);
    for (const s of specs) assert.deepEqual(file.tensors.get(s.name)?.shape, s.shape, s.name);
  } finally {
    file.close();
  }
});

Deno.test("newTensorName maps the old llava-hf names to the transformers ≥ 4.52 spelling", () => {
  assert.equal(newTensorName("language_model.lm_head.weight"), "lm_head.weight");
  assert.equal(
    newTensorName("language_model.model.layers.3.mlp.up_proj.weight"),
    "model.language_model.layers.3.mlp.up_proj.weight",
  );
  assert.equal(
    newTensorName("vision_tower.vision_model.pre_layrnorm.bias"),
    "model.vision_tower.vision_model.pre_layrnorm.bias",
  );
  assert.equal(
    newTensorName("multi_modal_projector.linear_1.weight"),
    "model.multi_modal_projector.linear_1.weight",
  );
});

Deno.test("F32 weights with the new names load to the same model as the F16 fixture", async () => {
  await initBackend("wasm");
  await withFolder(async (dir) => {
    const source = await openSafetensors(join(FIXTURE, "model.safetensors"));
    const tensors: TensorToWrite[] = [];
    for (const [name, entry] of source.tensors) {
      tensors.push({
        name: newTensorName(name),
        dtype: "F32",
        shape: entry.shape,
        data: await source.read(name),
      });
    }
    source.close();
    await Deno.writeFile(join(dir, "model.safetensors"), encodeTypedSafetensors(tensors));
    const [a, b] = [await LlavaModel.load(FIXTURE), await LlavaModel.load(dir)];
    try {
      const pixels = Float32Array.from({ length: 3 * 84 * 84 }, (_, i) => Math.sin(i));
      const [fa, fb] = [a.encodeImage(pixels), b.encodeImage(pixels)];
      assert.deepEqual(await fa.data(), await fb.data());
      tf.dispose([fa, fb]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

Deno.test("a shard listed in the index but absent is one error naming the shard, the tensor and the index", async () => {
  await withFolder(async (dir) => {
    const { header, data } = await fixtureParts();
    await Deno.writeFile(join(dir, "model-00001-of-00002.safetensors"), assemble(header, data));
    const weightMap: Record<string, string> = {};
    for (const name of Object.keys(header)) weightMap[name] = "model-00001-of-00002.safetensors";
    weightMap["language_model.lm_head.weight"] = "model-00002-of-00002.safetensors";
    await Deno.writeTextFile(
      join(dir, "model.safetensors.index.json"),
      JSON.stringify({ weight_map: weightMap }),
    );
    await assert.rejects(LlavaModel.load(dir), {
      message: `Cannot read "${join(dir, "model-00002-of-00002.safetensors")}": file not found (listed for ` +
        `tensor "language_model.lm_head.weight" in "${join(dir, "model.safetensors.index.json")}")`,
    });
  });
});

Deno.test("a truncated safetensors file is one error naming the file and the tensor cut off", async () => {
  await withFolder(async (dir) => {
    const bytes = await Deno.readFile(join(FIXTURE, "model.safetensors"));
    const { header } = await fixtureParts();
    const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    // The tensor stored last is the first to lose bytes.
    const [lastName, last] = Object.entries(header as Record<string, { data_offsets: number[] }>)
      .filter(([k]) => k !== "__metadata__")
      .sort(([, a], [, b]) => b.data_offsets[1]! - a.data_offsets[1]!)[0]!;
    const path = join(dir, "model.safetensors");
    await Deno.writeFile(path, bytes.subarray(0, bytes.length - 10));
    await assert.rejects(LlavaModel.load(dir), {
      message:
        `Cannot read "${path}": tensor "${lastName}" ends at byte ${headerEnd + last.data_offsets[1]!} ` +
        `but the file has ${bytes.length - 10} bytes: the file is truncated`,
    });
    await Deno.writeFile(path, bytes.subarray(0, 100));
    await assert.rejects(LlavaModel.load(dir), {
      message: `Cannot read "${path}": header length ${headerEnd - 8} exceeds the file size (100 bytes): ` +
        "the file is truncated",
    });
  });
});

Deno.test("an unknown dtype in a needed tensor is one error naming the file, tensor and dtype", async () => {
  await withFolder(async (dir) => {
    const { header, data } = await fixtureParts();
    header["language_model.model.norm.weight"].dtype = "Q4_K";
    const path = join(dir, "model.safetensors");
    await Deno.writeFile(path, assemble(header, data));
    await assert.rejects(LlavaModel.load(dir), {
      message: `Cannot read "${path}": tensor "language_model.model.norm.weight" has dtype "Q4_K", ` +
        "expected F32, F16 or BF16",
    });
  });
});

Deno.test("a mis-shaped or missing tensor is one error naming the file and the tensor", async () => {
  await withFolder(async (dir) => {
    const { header, data } = await fixtureParts();
    const path = join(dir, "model.safetensors");
    header["language_model.model.norm.weight"].shape = [8, 8];
    await Deno.writeFile(path, assemble(header, data));
    await assert.rejects(LlavaModel.load(dir), {
      message:
        `Cannot read "${path}": tensor "language_model.model.norm.weight" has shape [8,8], expected [64]`,
    });
    header["language_model.model.norm.weight"].shape = [64];
    delete header["multi_modal_projector.linear_2.bias"];
    await Deno.writeFile(path, assemble(header, data));
    await assert.rejects(LlavaModel.load(dir), {
      message: `Cannot read "${path}": tensor "multi_modal_projector.linear_2.bias" is missing ` +
        '(also looked for "model.multi_modal_projector.linear_2.bias")',
    });
  });
});

Deno.test("a folder without weights, an unsupported architecture and a missing tokenizer.json each name the file", async () => {
  await withFolder(async (dir) => {
    await assert.rejects(LlavaModel.load(dir), {
      message: `Cannot read "${join(dir, "model.safetensors")}": file not found (and there is no ` +
        `"${join(dir, "model.safetensors.index.json")}")`,
    });
    await Deno.copyFile(join(FIXTURE, "model.safetensors"), join(dir, "model.safetensors"));
    const config = JSON.parse(await Deno.readTextFile(join(dir, "config.json")));
    await Deno.writeTextFile(
      join(dir, "config.json"),
      JSON.stringify({ ...config, architectures: ["Qwen2VLForConditionalGeneration"] }),
    );
    await assert.rejects(LlavaModel.load(dir), {
      message: `Cannot read "${join(dir, "config.json")}": key "architectures" is ` +
        '["Qwen2VLForConditionalGeneration"], expected ["LlavaForConditionalGeneration"]',
    });
    await Deno.copyFile(join(FIXTURE, "config.json"), join(dir, "config.json"));
    await Deno.remove(join(dir, "tokenizer.json"));
    await assert.rejects(loadLlavaSession(dir), {
      message: `Cannot load tokenizer: "${join(dir, "tokenizer.json")}" does not exist`,
    });
  });
});
