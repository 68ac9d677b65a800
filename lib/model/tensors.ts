import type * as tf from "@tensorflow/tfjs";

/** Weights as tfjs variables by name (a model's own names, or an RPN branch's names). */
export type Params = Record<string, tf.Variable>;

/** One tensor in host memory: row-major data and its shape. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** Plain-array weights by name (checkpoints, worker messages, the optimiser, copies handed to the RPN). */
export type TensorMap = Record<string, HostTensor>;
