import { join } from "node:path";
import { type PretrainConfig, PretrainConfigSchema } from "./pretrain_config.ts";

/**
 * Named chains of `deno task pretrain` stages: how a shipped checkpoint was made, written down so that
 * `deno task pretrain --recipe <name>` replays it (each stage a resumable run of the same script; a stage
 * whose output already holds its weights is skipped) and so that a test can check the recipe against the
 * training records nested in the checkpoint's model.json.
 */
export interface RecipeStage {
  /** Folder of the stage's checkpoint under `data/generated/recipes/<recipe>/` (the last one writes `out`). */
  name: string;
  /**
   * `--set` overrides of the stage, as dotted keys (the README's commands). The stage's `init` is the
   * previous stage's checkpoint (none for the first) and is not listed.
   */
  set: Readonly<Record<string, string | number | boolean | readonly number[]>>;
  /** Wall time measured when the stage was run for the shipped checkpoint (2 cores, wasm). */
  seconds: number;
}

export interface Recipe {
  description: string;
  /** Folder of the final checkpoint. */
  out: string;
  stages: readonly RecipeStage[];
}

const CONTINUE = { lr: 1e-3, warmup: 30 } as const;

/** The wide decoder of the shipped checkpoint: 8 layers × 128, 4 heads of 32, MLP 384, fused attention. */
const WIDE = {
  "model.dim": 128,
  "model.heads": 4,
  "model.headDim": 32,
  "model.mlp": 384,
  "model.attentionKernel": "fused",
} as const;

/** The MLLM stages' mix of stage 2–3: alignment decaying with half multiple-choice, 30 % language drills. */
const MLLM_MIX = {
  "align.start": 0.3,
  "align.end": 0.1,
  "align.choice": 0.5,
  "drills.start": 0.3,
  "drills.end": 0.3,
} as const;

/** Stages 4–5: mostly the training suites, 10 % drills, 20 % grounding batches. */
const GROUND_MIX = {
  "align.start": 0.1,
  "align.end": 0.05,
  "align.choice": 0.5,
  "drills.start": 0.1,
  "drills.end": 0.1,
  "ground.start": 0.2,
  "ground.end": 0.2,
} as const;

export const PRETRAIN_RECIPES: Readonly<Record<string, Recipe>> = {
  "shipped": {
    description:
      "the checkpoint in data/base: a language stage on text-only drills, then a fresh vision tower " +
      "(1500-step vision stage, projector alignment) and four MLLM stages (11 000 steps)",
    out: "data/base",
    stages: [
      {
        name: "lm",
        set: {
          ...WIDE,
          steps: 1500,
          batchSize: 64,
          lr: 2e-3,
          warmup: 60,
          "vision.steps": 0,
          alignProjector: false,
          "drills.start": 1,
          "drills.end": 1,
        },
        seconds: 2051,
      },
      // 3128 s of MLLM steps + the 1500-step vision stage, measured alone at 3032 s (it was cached by config).
      {
        name: "mllm",
        set: {
          ...WIDE,
          freshTower: true,
          "vision.steps": 1500,
          steps: 3000,
          lr: 1e-3,
          warmup: 60,
          ...MLLM_MIX,
        },
        seconds: 6160,
      },
      { name: "mllm-cont", set: { ...WIDE, steps: 2500, ...CONTINUE, ...MLLM_MIX }, seconds: 2966 },
      { name: "ground", set: { ...WIDE, steps: 3000, ...CONTINUE, ...GROUND_MIX }, seconds: 4500 },
      { name: "ground-cont", set: { ...WIDE, steps: 2500, ...CONTINUE, ...GROUND_MIX }, seconds: 3671 },
    ],
  },
};

/** The recipe of this name, or an error listing the known ones. */
export function recipeByName(
  name: string,
  recipes: Readonly<Record<string, Recipe>> = PRETRAIN_RECIPES,
): Recipe {
  const recipe = Object.hasOwn(recipes, name) ? recipes[name] : undefined;
  if (!recipe) {
    throw new Error(`Unknown pretraining recipe "${name}" (known: ${Object.keys(recipes).join(", ")})`);
  }
  return recipe;
}

/** Folder under which a recipe's intermediate stages are written (git-ignored, like every generated file). */
export const RECIPE_ROOT = "data/generated/recipes";

/** Output folder of stage `i` (the last stage writes the recipe's `out`). */
export function stageDir(name: string, recipe: Recipe, i: number, root = RECIPE_ROOT): string {
  return i === recipe.stages.length - 1 ? recipe.out : join(root, name, recipe.stages[i]!.name);
}

/** Command-line arguments of stage `i` for experiments/pretrain.ts. */
export function stageArgs(name: string, recipe: Recipe, i: number, root = RECIPE_ROOT): string[] {
  const stage = recipe.stages[i]!;
  // As typed on a command line: `--set` keeps a string field's text and parses the rest as JSON.
  const sets: string[] = Object.entries(stage.set).map(([k, v]) =>
    `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`
  );
  if (i > 0) sets.push(`init=${stageDir(name, recipe, i - 1, root)}`);
  sets.push(`out=${stageDir(name, recipe, i, root)}`);
  return sets.flatMap((s) => ["--set", s]);
}

/**
 * The parsed config of stage `i`, `init` given by the caller (the parent's folder), as the script parses
 * it: dotted keys nest, everything else takes the schema's defaults.
 */
export function stageConfig(recipe: Recipe, i: number, init: string, out: string): PretrainConfig {
  const nested: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(recipe.stages[i]!.set)) {
    const path = key.split(".");
    let at = nested;
    for (const part of path.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
    at[path.at(-1)!] = value;
  }
  return PretrainConfigSchema.parse({ ...nested, init, out });
}

/**
 * Run every stage of a recipe in order, each as its own `deno run` of `script` (resumable; a finished stage
 * is a no-op). `recipes` and `root` are for tests.
 */
export async function runRecipe(
  name: string,
  script: string,
  recipes: Readonly<Record<string, Recipe>> = PRETRAIN_RECIPES,
  root = RECIPE_ROOT,
): Promise<void> {
  const recipe = recipeByName(name, recipes);
  const total = recipe.stages.reduce((a, s) => a + s.seconds, 0);
  console.error(
    `pretrain: recipe "${name}" — ${recipe.description}; ${recipe.stages.length} stages, measured ` +
      `${Math.round(total / 60)} min on 2 cores`,
  );
  for (let i = 0; i < recipe.stages.length; i++) {
    const stage = recipe.stages[i]!;
    const args = stageArgs(name, recipe, i, root);
    console.error(
      `pretrain: recipe "${name}" stage ${i + 1}/${recipe.stages.length} "${stage.name}" ` +
        `(measured ${stage.seconds} s): deno task pretrain ${args.join(" ")}`,
    );
    const status = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, ...args],
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn().status;
    if (!status.success) {
      throw new Error(`Recipe "${name}" stage "${stage.name}" failed (exit code ${status.code})`);
    }
  }
}
