import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { CODE_CHARS, VOCAB_WORDS } from "../../data/vocab.ts";
import { writeJsonAtomic } from "../../results/atomic.ts";
import { type ModelConfig, ModelConfigSchema } from "./config.ts";
import { importParams, paramShapes, type TensorMap } from "./params.ts";
import { loadSafetensors, saveSafetensors } from "../../model/safetensors.ts";
import { TinyMllm } from "./tiny_mllm.ts";
import { Tokenizer } from "./tokenizer.ts";

/** The shipped base checkpoint every experiment starts from. */
export const BASE_CHECKPOINT_DIR = new URL("../../../data/base/", import.meta.url).pathname;

/** `model.json`: what the weights are (architecture + vocabulary) and how they were made. */
export const ModelFileSchema = z.strictObject({
  format: z.literal("sdrpn-mllm"),
  version: z.literal(1),
  config: ModelConfigSchema,
  vocab: z.array(z.string()),
  training: z.record(z.string(), z.unknown()),
});
export type ModelFile = z.infer<typeof ModelFileSchema>;

/** The tokenizer of the testbed language (the only one the suite's model family uses). */
export function defaultTokenizer(): Tokenizer {
  return new Tokenizer(VOCAB_WORDS, CODE_CHARS);
}

/** Write `model.safetensors` + `model.json` into `dir` (each atomically). */
export async function saveCheckpoint(
  dir: string,
  config: ModelConfig,
  tokenizer: Tokenizer,
  tensors: TensorMap,
  training: Record<string, unknown>,
): Promise<void> {
  const file: ModelFile = { format: "sdrpn-mllm", version: 1, config, vocab: [...tokenizer.vocab], training };
  await saveSafetensors(join(dir, "model.safetensors"), tensors, { format: "sdrpn-mllm" });
  await writeJsonAtomic(join(dir, "model.json"), file);
}

/** Load and check a checkpoint folder: config, vocabulary and every tensor's shape must agree. */
export async function loadCheckpoint(
  dir: string = BASE_CHECKPOINT_DIR,
): Promise<{ config: ModelConfig; tokenizer: Tokenizer; tensors: TensorMap; file: ModelFile }> {
  const jsonPath = join(dir, "model.json");
  if (!existsSync(jsonPath)) {
    throw new Error(`Cannot load checkpoint "${jsonPath}": file not found (run "deno task pretrain" first)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(jsonPath));
  } catch (e) {
    throw new Error(`Cannot load checkpoint "${jsonPath}": invalid JSON (${(e as Error).message})`);
  }
  const parsed = ModelFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `Cannot load checkpoint "${jsonPath}": ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  const file = parsed.data;
  const tokenizer = defaultTokenizer();
  if (file.vocab.join("\n") !== tokenizer.vocab.join("\n") || file.config.vocabSize !== tokenizer.size) {
    throw new Error(
      `Cannot load checkpoint "${jsonPath}": its vocabulary differs from the testbed tokenizer`,
    );
  }
  const weightsPath = join(dir, "model.safetensors");
  const { tensors } = await loadSafetensors(weightsPath);
  for (const [name, shape] of paramShapes(file.config)) {
    const t = tensors[name];
    if (!t) throw new Error(`Cannot load checkpoint "${weightsPath}": tensor "${name}" is missing`);
    if (t.shape.join(",") !== shape.join(",")) {
      throw new Error(
        `Cannot load checkpoint "${weightsPath}": tensor "${name}" has shape [${t.shape}], expected [${shape}]`,
      );
    }
  }
  return { config: file.config, tokenizer, tensors, file };
}

/** Load a checkpoint as tfjs variables, ready for inference (the backend must be initialised). */
export async function loadModel(dir: string = BASE_CHECKPOINT_DIR): Promise<TinyMllm> {
  const { config, tokenizer, tensors } = await loadCheckpoint(dir);
  return new TinyMllm(config, tokenizer, importParams(config, tensors, join(dir, "model.safetensors")));
}
