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

export const PRETRAIN_RECIPES: Readonly<Record<string, Recipe>> = {
  "shipped": {
    description: "the checkpoint in data/base: the default config continued three times (6000 steps)",
    out: "data/base",
    stages: [
      { name: "base", set: {}, seconds: 1771 },
      {
        name: "base-cont",
        set: { steps: 1500, ...CONTINUE, "align.start": 0.2, "align.end": 0.05 },
        seconds: 2085,
      },
      {
        name: "base-mc",
        set: { steps: 1500, ...CONTINUE, "align.start": 0.4, "align.end": 0.1, "align.choice": 0.5 },
        seconds: 1275,
      },
      {
        name: "base-drill",
        set: {
          steps: 2000,
          ...CONTINUE,
          "align.start": 0.3,
          "align.end": 0.1,
          "align.choice": 0.5,
          "drills.start": 0.5,
          "drills.end": 0.25,
        },
        seconds: 1279,
      },
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
