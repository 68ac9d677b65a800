/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * Data-parallel gradient worker: holds one replica of the model, receives parameters and a laid-out
 * half-batch, returns the summed-loss gradients as plain arrays. wasm tfjs runs on one core, so two of
 * these are how pretraining uses both cores (ENGINE-NOTES.md).
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendName, initBackend } from "../../engine/backend.ts";
import { gradsByName } from "../../engine/variables.ts";
import type { ModelConfig } from "./config.ts";
import { answerLossSum } from "./loss.ts";
import { importParams, type Params } from "./params.ts";
import type { SequenceBatch } from "./sequence.ts";

export type WorkerRequest =
  | {
    type: "init";
    backend: BackendName;
    config: ModelConfig;
    tensors: Record<string, { shape: number[]; data: Float32Array }>;
  }
  | { type: "step"; params: Record<string, Float32Array>; seq: SequenceBatch; trainable?: string[] };

export type WorkerReply =
  | { type: "ready"; backend: string }
  | { type: "grads"; grads: Record<string, Float32Array>; lossSum: number; count: number; seconds: number }
  | { type: "error"; message: string };

let params: Params | undefined;
let config: ModelConfig | undefined;

async function handle(msg: WorkerRequest): Promise<WorkerReply> {
  if (msg.type === "init") {
    const info = await initBackend(msg.backend);
    config = msg.config;
    params = importParams(config, msg.tensors, "worker init");
    return { type: "ready", backend: info.active };
  }
  if (!params || !config) throw new Error("Worker received a step before init");
  const t0 = performance.now();
  const current = params;
  // Inside tidy: assign() copies, and the temporary tensors must not accumulate step after step.
  tf.tidy(() => {
    for (const [name, data] of Object.entries(msg.params)) {
      const v = current[name];
      if (!v) throw new Error(`Worker has no parameter "${name}"`);
      v.assign(tf.tensor(data, v.shape));
    }
  });
  const p = params;
  const c = config;
  const seq = msg.seq;
  const vars = Object.fromEntries((msg.trainable ?? Object.keys(p)).map((n) => [n, p[n]!]));
  let count = 0;
  const { value, grads } = gradsByName(() => {
    const r = answerLossSum(p, c, seq);
    count = r.count;
    return r.loss;
  }, vars);
  const lossSum = (await value.data())[0]!;
  const out: Record<string, Float32Array> = {};
  // Own copies (not views into the backend's memory) so their buffers can be transferred.
  for (const [name, g] of Object.entries(grads)) {
    out[name] = new Float32Array((await g.data()) as Float32Array);
  }
  tf.dispose([value, ...Object.values(grads)]);
  return { type: "grads", grads: out, lossSum, count, seconds: (performance.now() - t0) / 1000 };
}

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  try {
    const reply = await handle(e.data);
    if (reply.type === "grads") {
      self.postMessage(
        reply,
        Object.values(reply.grads).map((g) => g.buffer as ArrayBuffer),
      );
    } else self.postMessage(reply);
  } catch (err) {
    self.postMessage(
      { type: "error", message: err instanceof Error ? err.message : String(err) } as WorkerReply,
    );
  }
};
