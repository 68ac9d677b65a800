import assert from "node:assert/strict";
import { join } from "node:path";
import type { TensorMap } from "../../model/tensors.ts";
import { layerLeaves } from "./batched.ts";
import { loadLlavaConfig } from "./config.ts";
import { f32ToBf16Bits } from "./half.ts";
import { LlavaMllm } from "./mllm.ts";
import { loadReleasedRpn, RELEASED_NORM, releasedName } from "./released_rpn.ts";
import { type TensorToWrite, writeTypedSafetensors } from "./safetensors_writer.ts";

const FIXTURE = "tests/fixtures/llava-tiny";
const model = await LlavaMllm.load(FIXTURE);
const cfg = (await loadLlavaConfig(FIXTURE)).text;
const SHAPE = { backbone: 2, branch: 2 };

/** The value bf16 storage gives back (round to nearest even on the top 16 bits). */
function bf16(v: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, f32ToBf16Bits(v) << 16);
  return buf.getFloat32(0);
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/**
 * The model's layers B..B+R−1 and final norm as SD-RPN releases a twig: `model.twig_layers.<i>.*` in
 * PyTorch layout ([out, in]), every layer whole (the last one too), `twig_head.weight`, BF16.
 */
async function releasedTensors(): Promise<TensorToWrite[]> {
  const out: TensorToWrite[] = [];
  for (let i = 0; i < SHAPE.branch; i++) {
    const copy = await model.copyLayer(SHAPE.backbone + i, "all");
    for (const leaf of layerLeaves(cfg, "all")) {
      const t = copy[leaf]!;
      const torch = t.shape.length === 2
        ? { shape: [t.shape[1]!, t.shape[0]!], data: transpose(t.data, t.shape[0]!, t.shape[1]!) }
        : t;
      out.push({ name: releasedName(i, leaf), dtype: "BF16", ...torch });
    }
  }
  const norm = await model.copyFinalNorm();
  out.push({ name: RELEASED_NORM, dtype: "BF16", shape: norm.shape, data: norm.data });
  out.push({
    name: "twig_head.weight",
    dtype: "BF16",
    shape: [2, cfg.hiddenSize],
    data: new Float32Array(2 * cfg.hiddenSize),
  });
  return out;
}

async function expectedRpn(): Promise<TensorMap> {
  const out: TensorMap = {};
  for (let i = 0; i < SHAPE.branch; i++) {
    const copy = await model.copyLayer(SHAPE.backbone + i, i < SHAPE.branch - 1 ? "all" : "queryKey");
    for (const [leaf, t] of Object.entries(copy)) {
      out[`rpn.layers.${i}.${leaf}`] = { shape: t.shape, data: t.data.map(bf16) };
    }
  }
  const norm = await model.copyFinalNorm();
  out["rpn.norm"] = { shape: norm.shape, data: norm.data.map(bf16) };
  return out;
}

Deno.test("loadReleasedRpn() maps a BF16 twig file to lib/roi's RPN names, transposed, last layer q/k only", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "twig.safetensors");
  await writeTypedSafetensors(path, await releasedTensors());
  const got = await loadReleasedRpn(path, cfg, SHAPE);
  const want = await expectedRpn();
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
  assert.ok(!("rpn.layers.1.v.w" in got), "the scoring layer keeps only its norm and q/k");
  for (const [name, t] of Object.entries(want)) {
    assert.deepEqual(got[name]!.shape, t.shape, name);
    assert.deepEqual(Array.from(got[name]!.data), Array.from(t.data), name);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadReleasedRpn() reads a sharded folder and checks twig_K / twig_T of its config.json", async () => {
  const dir = await Deno.makeTempDir();
  const tensors = await releasedTensors();
  const half = Math.floor(tensors.length / 2);
  await writeTypedSafetensors(join(dir, "model-00001-of-00002.safetensors"), tensors.slice(0, half));
  await writeTypedSafetensors(join(dir, "model-00002-of-00002.safetensors"), tensors.slice(half));
  const weightMap: Record<string, string> = {};
  tensors.forEach((t, i) => (weightMap[t.name] = `model-0000${i < half ? 1 : 2}-of-00002.safetensors`));
  weightMap["model.layers.0.input_layernorm.weight"] = "model-00003-of-00003.safetensors"; // never opened
  await Deno.writeTextFile(
    join(dir, "model.safetensors.index.json"),
    JSON.stringify({ weight_map: weightMap }),
  );
  await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify({ twig_K: 2, twig_T: 2 }));
  const got = await loadReleasedRpn(dir, cfg, SHAPE);
  assert.equal(Object.keys(got).length, Object.keys(await expectedRpn()).length);
  await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify({ twig_K: 15, twig_T: 2 }));
  await assert.rejects(() => loadReleasedRpn(dir, cfg, SHAPE), {
    message: `Cannot use released RPN weights: "${join(dir, "config.json")}" has twig_K 15, expected B=2`,
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadReleasedRpn() names the file and tensor when one is missing or mis-shaped, and a wrong depth", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "twig.safetensors");
  const tensors = await releasedTensors();
  await writeTypedSafetensors(path, tensors.filter((t) => t.name !== RELEASED_NORM));
  await assert.rejects(() => loadReleasedRpn(path, cfg, SHAPE), {
    message: `Cannot read released RPN weights "${path}": tensor "model.twig_norm.weight" is missing`,
  });
  const q = releasedName(1, "q.w");
  await writeTypedSafetensors(
    path,
    tensors.map((
      t,
    ) => (t.name === q
      ? { ...t, shape: [t.shape[1]!, t.shape[0]! / 2], data: Array.from(t.data).slice(0, t.data.length / 2) }
      : t)
    ),
  );
  await assert.rejects(() => loadReleasedRpn(path, cfg, SHAPE), {
    message: `Cannot read "${path}": tensor "${q}" has shape [64,32], expected [64,64]`,
  });
  await writeTypedSafetensors(path, tensors);
  await assert.rejects(() => loadReleasedRpn(path, cfg, { backbone: 1, branch: 3 }), {
    message: `Cannot read released RPN weights "${path}": it holds 2 twig layers, expected R=3`,
  });
  await assert.rejects(() => loadReleasedRpn(join(dir, "nope"), cfg, SHAPE), {
    message: `Cannot read released RPN weights "${join(dir, "nope")}": file not found`,
  });
  await Deno.remove(dir, { recursive: true });
});
