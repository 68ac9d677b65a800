import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Cli, CliArgs } from "../cli/mod.ts";
import type { Mllm } from "../model/mllm.ts";
import { loadModel } from "../models/tiny/checkpoint.ts";
import { loadLlavaConfig } from "../models/llava/config.ts";
import { LlavaMllm } from "../models/llava/mllm.ts";
import { llavaProfile, profileOverrides } from "../models/llava/profile.ts";
import { loadReleasedRpn } from "../models/llava/released_rpn.ts";
import type { ReleasedRpnLoader } from "../roi/pipeline.ts";
import { llavaWeightFiles, llavaWeightsHash, sampledHash } from "../models/llava/weights_hash.ts";
import { fileHash } from "../results/record.ts";

/** A model opened for an experiment. */
export interface OpenedModel {
  model: Mllm;
  /** The weights file an artifact entry names (LLaVA: the single file or the shard index). */
  weights: string;
  /**
   * Identity of the weights, keying every cached artifact: the embedded model's SHA-256 of its
   * model.safetensors (unchanged), a LLaVA folder's sampled hash (lib/models/llava/weights_hash.ts).
   */
  hash: string;
}

/** The model families a folder can hold. */
export type ModelFamily = "tiny" | "llava";

/** A Hugging Face LLaVA folder (config.json with model_type "llava"), else the embedded checkpoint. */
export function modelFamily(dir: string): ModelFamily {
  const path = join(dir, "config.json");
  if (!existsSync(path)) return "tiny";
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read "${path}": ${(error as Error).message}`);
  }
  const type = (json as { model_type?: unknown } | null)?.model_type;
  if (type === "llava") return "llava";
  throw new Error(`Cannot open "${dir}": "${path}" has model_type ${JSON.stringify(type)}, expected "llava"`);
}

/**
 * Open the checkpoint folder an experiment names: the model behind the `Mllm` interface, the weights file
 * and the weights' hash. The one place that knows which model families exist.
 */
export async function openModel(checkpoint: string): Promise<OpenedModel> {
  if (modelFamily(checkpoint) === "llava") {
    const { index, files } = await llavaWeightFiles(checkpoint);
    return {
      model: await LlavaMllm.load(checkpoint),
      weights: index ?? files[0]!,
      hash: await llavaWeightsHash(checkpoint),
    };
  }
  const weights = join(checkpoint, "model.safetensors");
  return { model: await loadModel(checkpoint), weights, hash: await fileHash(weights) };
}

/**
 * Config overrides that a model folder brings (`--set` form): `checkpoint` itself, and for a LLaVA
 * folder SD-RPN's per-model settings (lib/models/llava/profile.ts: grounding/sink layers, heads, B and R,
 * scaled to its depth). The embedded checkpoint brings none: its defaults are the config's.
 */
export async function modelOverrides(dir: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { checkpoint: dir };
  if (modelFamily(dir) !== "llava") return out;
  const config = await loadLlavaConfig(dir);
  const profile = llavaProfile({
    layers: config.text.numLayers,
    heads: config.text.numHeads,
    tokens: config.numImageTokens,
  });
  return { ...out, ...profileOverrides(profile) };
}

/**
 * The reader of SD-RPN's released RPN weights for a model's family (`--set rpn.released=PATH`: a
 * safetensors file, or the released model's folder), or undefined when the family has none (the embedded
 * model: its RPNs are always trained here).
 */
export function releasedRpnLoader(model: Mllm): ReleasedRpnLoader | undefined {
  if (!(model instanceof LlavaMllm)) return undefined;
  return (path, shape) => loadReleasedRpn(path, model.model.config.text, shape);
}

/**
 * An artifact's hash: a file's SHA-256 (`fileHash`, as always), a folder's (e.g. a released model given as
 * `rpn.released`) the sampled hash of its .json and .safetensors files (lib/models/llava/weights_hash.ts).
 */
export async function artifactHash(path: string): Promise<string> {
  if (!statSync(path).isDirectory()) return await fileHash(path);
  const files = readdirSync(path).filter((f) => f.endsWith(".json") || f.endsWith(".safetensors")).sort();
  return await sampledHash(path, files.map((f) => join(path, f)));
}

/** The valued option every experiment script takes (lib/cli `options`). */
export const MODEL_OPTION = {
  model: "model folder: the embedded checkpoint or a Hugging Face LLaVA-1.5 folder (sets checkpoint and, " +
    "for LLaVA, SD-RPN's per-model layers; --set overrides them)",
} as const;

/**
 * Parse a script's command line with `--model DIR`: the folder's overrides (`modelOverrides`) go in as
 * `--set` entries BEFORE the user's, so an explicit `--set` still wins; keys the script's config does not
 * have are left out. Without `--model`, the plain parse.
 */
export async function parseWithModel<T>(
  cli: Cli<T>,
  argv: readonly string[],
  configKeys: readonly string[],
): Promise<CliArgs<T>> {
  const first = cli.parse(argv);
  const dir = first.options["model"];
  if (first.help || dir === undefined) return first;
  if (!existsSync(dir)) throw new Error(`Invalid value for --model "${dir}": the folder does not exist`);
  const sets: string[] = [];
  for (const [key, value] of Object.entries(await modelOverrides(dir))) {
    if (!configKeys.includes(key.split(".")[0]!)) continue;
    sets.push("--set", `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  return cli.parse([...sets, ...argv]);
}
