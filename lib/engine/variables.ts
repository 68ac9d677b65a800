import * as tf from "@tensorflow/tfjs";

/**
 * Named weights as tfjs variables, without tfjs's global name registry getting in the way.
 *
 * tfjs refuses two live variables with the same name, so a process could hold only one model (or one RPN
 * branch) under the natural names "lm.layers.0.wq"… Variables get a unique internal name here, and
 * `gradsByName` maps gradients back to the caller's keys.
 */
let counter = 0;

/** A variable for weight `name` (the internal tfjs name is made unique). */
export function namedVariable(name: string, value: tf.Tensor, trainable = true): tf.Variable {
  return tf.variable(value, trainable, `${name}#${counter++}`);
}

/** `tf.variableGrads` over `vars`, with gradients keyed like `vars`. */
export function gradsByName(
  f: () => tf.Scalar,
  vars: Record<string, tf.Variable>,
): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const byInternal = new Map(Object.entries(vars).map(([k, v]) => [v.name, k]));
  const { value, grads } = tf.variableGrads(f, Object.values(vars));
  const out: Record<string, tf.Tensor> = {};
  for (const [internal, g] of Object.entries(grads)) {
    const key = byInternal.get(internal);
    if (key === undefined) throw new Error(`Gradient for unknown variable "${internal}"`);
    out[key] = g;
  }
  return { value, grads: out };
}
