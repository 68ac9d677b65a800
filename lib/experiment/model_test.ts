import assert from "node:assert/strict";
import { join } from "node:path";
import { z } from "zod";
import { defineCli } from "../cli/mod.ts";
import { LlavaMllm } from "../models/llava/mllm.ts";
import { llavaWeightsHash } from "../models/llava/weights_hash.ts";
import { fileHash } from "../results/record.ts";
import { TeacherConfigSchema } from "../roi/teacher_cache.ts";
import { RpnTrainConfigSchema } from "../roi/train_rpn.ts";
import {
  artifactHash,
  MODEL_OPTION,
  modelFamily,
  modelOverrides,
  openModel,
  parseWithModel,
  releasedRpnLoader,
} from "./model.ts";

const FIXTURE = "tests/fixtures/llava-tiny";

Deno.test("modelFamily() tells a Hugging Face LLaVA folder from the embedded checkpoint, and rejects others", async () => {
  assert.equal(modelFamily(FIXTURE), "llava");
  const dir = await Deno.makeTempDir();
  assert.equal(modelFamily(dir), "tiny"); // no config.json: the embedded checkpoint's layout
  await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify({ model_type: "qwen2_vl" }));
  assert.throws(() => modelFamily(dir), {
    message: `Cannot open "${dir}": "${
      join(dir, "config.json")
    }" has model_type "qwen2_vl", expected "llava"`,
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("openModel() opens a LLaVA folder behind the interface, keyed by its weights hash", async () => {
  const opened = await openModel(FIXTURE);
  assert.ok(opened.model instanceof LlavaMllm);
  assert.equal(opened.model.family, "llava-1.5");
  assert.equal(opened.weights, join(FIXTURE, "model.safetensors"));
  assert.equal(opened.hash, await llavaWeightsHash(FIXTURE));
  assert.ok(releasedRpnLoader(opened.model) !== undefined);
  (opened.model as LlavaMllm).model.dispose();
});

Deno.test("modelOverrides() brings the checkpoint and, for LLaVA, the profile's layers", async () => {
  assert.deepEqual(await modelOverrides(FIXTURE), {
    checkpoint: FIXTURE,
    "teacher.layer": 2,
    "teacher.sinkLayer": 1,
    "teacher.normLayer": 2,
    "rpn.backbone": 2,
    "rpn.branch": 2,
  });
  const dir = await Deno.makeTempDir();
  assert.deepEqual(await modelOverrides(dir), { checkpoint: dir });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseWithModel() applies --model under the user's --set, and only keys the config has", async () => {
  const schema = z.strictObject({
    checkpoint: z.string().default("data/base"),
    teacher: TeacherConfigSchema.default(TeacherConfigSchema.parse({})),
    rpn: RpnTrainConfigSchema.default(RpnTrainConfigSchema.parse({})),
  });
  const cli = defineCli({
    name: "x",
    description: "x",
    schema,
    scales: { quick: {}, default: {}, full: {} },
    options: { ...MODEL_OPTION },
  });
  const keys = Object.keys(schema.shape);
  const plain = await parseWithModel(cli, [], keys);
  assert.deepEqual([plain.config.checkpoint, plain.config.teacher.layer, plain.config.rpn.backbone], [
    "data/base",
    4,
    4,
  ]);
  const llava = await parseWithModel(cli, ["--model", FIXTURE, "--set", "rpn.branch=1"], keys);
  assert.equal(llava.config.checkpoint, FIXTURE);
  assert.deepEqual([llava.config.teacher.layer, llava.config.teacher.sinkLayer], [2, 1]);
  assert.deepEqual([llava.config.rpn.backbone, llava.config.rpn.branch], [2, 1]);
  // A script without teacher/rpn keys (e.g. eval-base) gets the checkpoint only.
  const small = z.strictObject({ checkpoint: z.string().default("data/base") });
  const smallCli = defineCli({
    name: "y",
    description: "y",
    schema: small,
    scales: { quick: {}, default: {}, full: {} },
    options: { ...MODEL_OPTION },
  });
  assert.equal(
    (await parseWithModel(smallCli, ["--model", FIXTURE], ["checkpoint"])).config.checkpoint,
    FIXTURE,
  );
  await assert.rejects(() => parseWithModel(cli, ["--model", "no/such/dir"], keys), {
    message: 'Invalid value for --model "no/such/dir": the folder does not exist',
  });
});

Deno.test("artifactHash() is fileHash for a file and a sampled hash of .json/.safetensors for a folder", async () => {
  const file = join(FIXTURE, "config.json");
  assert.equal(await artifactHash(file), await fileHash(file));
  const dir = await Deno.makeTempDir();
  await Deno.copyFile(file, join(dir, "config.json"));
  const a = await artifactHash(dir);
  await Deno.writeTextFile(join(dir, "notes.txt"), "ignored");
  assert.equal(await artifactHash(dir), a);
  await Deno.writeTextFile(join(dir, "extra.json"), "{}");
  assert.notEqual(await artifactHash(dir), a);
  await Deno.remove(dir, { recursive: true });
});
