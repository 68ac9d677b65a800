import type { BackendName } from "../../engine/backend.ts";
import type { ModelConfig } from "./config.ts";
import type { WorkerReply, WorkerRequest } from "./grad_worker.ts";
import type { SequenceBatch } from "./sequence.ts";

/**
 * A fixed pool of gradient workers. `step` sends shard i to worker i and sums the replies in worker
 * order, so the result is deterministic for a given pool size (float addition is not associative:
 * the pool size is part of the training config).
 */
export class GradPool {
  #workers: Worker[] = [];

  private constructor() {}

  static async create(
    size: number,
    backend: BackendName,
    config: ModelConfig,
    tensors: Record<string, { shape: number[]; data: Float32Array }>,
  ): Promise<GradPool> {
    const pool = new GradPool();
    for (let i = 0; i < size; i++) {
      pool.#workers.push(new Worker(new URL("./grad_worker.ts", import.meta.url), { type: "module" }));
    }
    try {
      await Promise.all(pool.#workers.map((w) => call(w, { type: "init", backend, config, tensors })));
    } catch (error) {
      pool.close(); // the caller never gets the pool, so it could not stop the workers itself
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.#workers.length;
  }

  /** Gradients of the summed loss over all shards, the summed loss, token count and per-worker seconds. */
  async step(
    params: Record<string, Float32Array>,
    shards: SequenceBatch[],
    trainable?: string[],
  ): Promise<{ grads: Record<string, Float32Array>; lossSum: number; count: number; seconds: number[] }> {
    if (shards.length !== this.#workers.length) {
      throw new Error(`Gradient pool has ${this.#workers.length} workers but got "${shards.length}" shards`);
    }
    const replies = await Promise.all(
      this.#workers.map((w, i) => call(w, { type: "step", params, seq: shards[i]!, trainable })),
    );
    const grads: Record<string, Float32Array> = {};
    let lossSum = 0;
    let count = 0;
    for (const r of replies) {
      if (r.type !== "grads") throw new Error("Gradient worker replied out of order");
      for (const [name, g] of Object.entries(r.grads)) {
        const acc = grads[name];
        if (!acc) grads[name] = g;
        else for (let i = 0; i < g.length; i++) acc[i]! += g[i]!;
      }
      lossSum += r.lossSum;
      count += r.count;
    }
    return { grads, lossSum, count, seconds: replies.map((r) => (r.type === "grads" ? r.seconds : 0)) };
  }

  close(): void {
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
  }
}

function call(worker: Worker, msg: WorkerRequest): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      if (e.data.type === "error") reject(new Error(e.data.message));
      else resolve(e.data);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`Gradient worker failed: ${e.message}`));
    };
    worker.postMessage(msg);
  });
}
