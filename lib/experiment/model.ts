import { join } from "node:path";
import type { Mllm } from "../model/mllm.ts";
import { loadModel } from "../models/tiny/checkpoint.ts";

/**
 * Open the checkpoint folder an experiment names: the model behind the `Mllm` interface and the weights
 * file whose hash keys every cached artifact. The one place that knows which model families exist.
 */
export async function openModel(checkpoint: string): Promise<{ model: Mllm; weights: string }> {
  return { model: await loadModel(checkpoint), weights: join(checkpoint, "model.safetensors") };
}
