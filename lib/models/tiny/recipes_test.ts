import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ModelConfigSchema } from "./config.ts";
import { pretrainHash } from "./pretrain_config.ts";
import {
  PRETRAIN_RECIPES,
  type Recipe,
  recipeByName,
  runRecipe,
  stageArgs,
  stageConfig,
  stageDir,
} from "./recipes.ts";

interface TrainingRecord {
  configHash: string;
  seed: number;
  backend: string;
  pretrainConfig: Record<string, unknown>;
  init?: { path: string; sha256: string; training: TrainingRecord };
}

/** The training records nested in a checkpoint's model.json, first stage first. */
async function stagesOf(dir: string): Promise<TrainingRecord[]> {
  const file = JSON.parse(await Deno.readTextFile(join(dir, "model.json"))) as { training: TrainingRecord };
  const out: TrainingRecord[] = [];
  for (let t: TrainingRecord | undefined = file.training; t; t = t.init?.training) out.unshift(t);
  return out;
}

/** A config as the pretrain script records it, normalised: model overrides filled with the defaults. */
function normalised(cfg: Record<string, unknown>): Record<string, unknown> {
  const { cacheDir: _c, stopAt: _s, init, model, ...rest } = cfg;
  return {
    ...rest,
    // Stages run before `init` existed record none; earlier versions recorded the full model config.
    init: init ?? "",
    model: ModelConfigSchema.omit({ vocabSize: true }).parse(model ?? {}),
  };
}

for (const [name, recipe] of Object.entries(PRETRAIN_RECIPES)) {
  Deno.test(`recipe "${name}" is the chain recorded in ${recipe.out}/model.json, stage by stage`, async () => {
    const records = await stagesOf(recipe.out);
    assert.equal(records.length, recipe.stages.length);
    records.forEach((record, i) => {
      const cfg = stageConfig(recipe, i, record.init?.path ?? "", String(record.pretrainConfig.out));
      assert.deepEqual(normalised(cfg), normalised(record.pretrainConfig), `stage ${i + 1}`);
      // The recipe runs with the script's default seed and backend.
      assert.deepEqual([record.seed, record.backend], [0, "auto"], `stage ${i + 1}`);
    });
  });
}

Deno.test("pretrainHash ignores the output folders and stopAt but not the parent's weights", () => {
  const recipe = recipeByName("shipped");
  const model = ModelConfigSchema.parse({ vocabSize: 92 });
  const a = stageConfig(recipe, 1, "x", "out-a");
  const b = { ...stageConfig(recipe, 1, "y", "out-b"), cacheDir: "elsewhere", stopAt: 7 };
  assert.equal(pretrainHash(a, "sha1", 0, "auto", model), pretrainHash(b, "sha1", 0, "auto", model));
  assert.notEqual(pretrainHash(a, "sha1", 0, "auto", model), pretrainHash(a, "sha2", 0, "auto", model));
  assert.notEqual(pretrainHash(a, "sha1", 0, "auto", model), pretrainHash(a, "sha1", 1, "auto", model));
});

Deno.test("stageArgs chains each stage to the previous one's folder and writes the last to out", () => {
  const recipe = recipeByName("shipped");
  const wide = [
    "model.dim=128",
    "model.heads=4",
    "model.headDim=32",
    "model.mlp=384",
    "model.attentionKernel=fused",
  ];
  const pairs = (args: string[]) => {
    assert.ok(args.every((a, i) => i % 2 === 1 || a === "--set"), args.join(" "));
    return args.filter((_, i) => i % 2 === 1);
  };
  // The first stage has no parent: no init, and its folder is its own name.
  assert.deepEqual(pairs(stageArgs("shipped", recipe, 0)), [
    ...wide,
    "steps=1500",
    "batchSize=64",
    "lr=0.002",
    "warmup=60",
    "vision.steps=0",
    "alignProjector=false",
    "drills.start=1",
    "drills.end=1",
    "out=data/generated/recipes/shipped/lm",
  ]);
  assert.deepEqual(pairs(stageArgs("shipped", recipe, 2)), [
    ...wide,
    "steps=2500",
    "lr=0.001",
    "warmup=30",
    "align.start=0.3",
    "align.end=0.1",
    "align.choice=0.5",
    "drills.start=0.3",
    "drills.end=0.3",
    "init=data/generated/recipes/shipped/mllm",
    "out=data/generated/recipes/shipped/mllm-cont",
  ]);
  assert.equal(stageDir("shipped", recipe, recipe.stages.length - 1), "data/base");
  assert.deepEqual(pairs(stageArgs("shipped", recipe, 4)).slice(-2), [
    "init=data/generated/recipes/shipped/ground",
    "out=data/base",
  ]);
});

Deno.test("stageConfig nests dotted keys and keeps the schema's defaults", () => {
  const cfg = stageConfig(recipeByName("shipped"), 3, "p", "o");
  assert.deepEqual(cfg.align, { start: 0.1, end: 0.05, choice: 0.5 });
  assert.deepEqual(cfg.ground, { start: 0.2, end: 0.2 });
  assert.equal(cfg.model?.dim, 128);
  assert.equal(cfg.steps, 3000);
  assert.equal(cfg.batchSize, 32);
  assert.equal(cfg.init, "p");
  assert.equal(cfg.out, "o");
});

Deno.test("an unknown recipe is an error that lists the known ones", () => {
  assert.throws(() => recipeByName("nope"), {
    message: `Unknown pretraining recipe "nope" (known: ${Object.keys(PRETRAIN_RECIPES).join(", ")})`,
  });
  assert.throws(() => recipeByName("toString"), { message: /Unknown pretraining recipe "toString"/ });
});

Deno.test({
  name: "runRecipe() chains the stages through experiments/pretrain.ts and reruns a finished chain as no-ops",
  sanitizeResources: false,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "sdrpn-recipe-" });
    const tiny = {
      "model.imageSize": 16,
      "model.patchSize": 4,
      "model.patchWindow": 4,
      "model.stem": "window",
      "model.visionDim": 16,
      "model.visionLayers": 1,
      "model.visionMlp": 16,
      "model.projectorHidden": 48,
      "model.dim": 16,
      "model.heads": 2,
      "model.headDim": 8,
      "model.mlp": 16,
      batchSize: 4,
      warmup: 1,
      cacheDir: join(tmp, "cache"),
    };
    const recipe: Recipe = {
      description: "a test chain",
      out: join(tmp, "final"),
      stages: [
        { name: "one", set: { ...tiny, steps: 2, "vision.steps": 2, "vision.batchSize": 2 }, seconds: 1 },
        { name: "two", set: { ...tiny, steps: 3, lr: 1e-3 }, seconds: 1 },
      ],
    };
    const script = new URL("../../../experiments/pretrain.ts", import.meta.url).pathname;
    await runRecipe("t", script, { t: recipe }, join(tmp, "stages"));
    const final = JSON.parse(await Deno.readTextFile(join(recipe.out, "model.json")));
    // String values reach the script as typed (the state went to the cacheDir given, not a quoted path).
    assert.ok(existsSync(join(tmp, "cache", "pretrain")));
    assert.equal(final.config.stem, "window");
    assert.equal(final.training.steps, 5);
    assert.equal(final.training.init.path, join(tmp, "stages", "t", "one"));
    assert.equal(final.training.init.training.steps, 2);
    const weights = join(recipe.out, "model.safetensors");
    const before = (await Deno.stat(weights)).mtime;
    await runRecipe("t", script, { t: recipe }, join(tmp, "stages"));
    assert.deepEqual((await Deno.stat(weights)).mtime, before);
    await Deno.remove(tmp, { recursive: true });
  },
});
