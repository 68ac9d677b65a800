/**
 * Comparison of a `llava` dump with a reference dump under the fixture README's tolerances: exact ids
 * and metadata, pixel values within one uint8 level (≥ 99 % within 1e-4), every model float within
 * 2e-3, and the same full-vocabulary argmax of the last logits.
 */
import assert from "node:assert/strict";

/** Max |Δ| per float key. */
export type DumpDeltas = Record<
  "pixel_values" | "image_features" | "last_logits" | "attention" | "rpn_logits",
  number
>;

function maxDelta(a: readonly number[], b: readonly number[], key: string): number {
  assert.equal(a.length, b.length, `${key}: length`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function argmaxOf(v: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

// deno-lint-ignore no-explicit-any
type Dump = Record<string, any>;

/** Asserts the tolerances and returns the measured max |Δ| per float key. */
export function compareDumps(got: Dump, want: Dump, label: string): DumpDeltas {
  assert.deepEqual(Object.keys(got), Object.keys(want), `${label}: keys`);
  for (
    const key of [
      "question",
      "image",
      "max_new_tokens",
      "rpn",
      "input_ids",
      "image_token_start",
      "generated_ids",
    ]
  ) {
    assert.deepEqual(got[key], want[key], `${label}: ${key}`);
  }
  assert.deepEqual(got.pixel_values.shape, want.pixel_values.shape, `${label}: pixel_values shape`);
  assert.deepEqual(got.image_features.shape, want.image_features.shape, `${label}: image_features shape`);
  const pixels = maxDelta(got.pixel_values.data, want.pixel_values.data, "pixel_values");
  const close =
    (got.pixel_values.data as number[]).filter((v, i) => Math.abs(v - want.pixel_values.data[i]) <= 1e-4)
      .length;
  assert.ok(pixels <= 0.02, `${label}: pixel_values max |Δ| ${pixels}`);
  assert.ok(close >= 0.99 * want.pixel_values.data.length, `${label}: pixel_values within 1e-4: ${close}`);
  assert.deepEqual(Object.keys(got.attention), Object.keys(want.attention), `${label}: attention layers`);
  let attention = 0;
  for (const layer of Object.keys(want.attention)) {
    assert.equal(
      got.attention[layer].length,
      want.attention[layer].length,
      `${label}: heads of layer ${layer}`,
    );
    want.attention[layer].forEach((row: number[], h: number) => {
      attention = Math.max(attention, maxDelta(got.attention[layer][h], row, "attention"));
    });
  }
  const deltas: DumpDeltas = {
    pixel_values: pixels,
    image_features: maxDelta(got.image_features.data, want.image_features.data, "image_features"),
    last_logits: maxDelta(got.last_logits, want.last_logits, "last_logits"),
    attention,
    rpn_logits: maxDelta(got.rpn_logits, want.rpn_logits, "rpn_logits"),
  };
  for (const key of ["image_features", "last_logits", "attention", "rpn_logits"] as const) {
    assert.ok(deltas[key] <= 2e-3, `${label}: ${key} max |Δ| ${deltas[key]} > 2e-3`);
  }
  assert.equal(argmaxOf(got.last_logits), argmaxOf(want.last_logits), `${label}: last_logits argmax`);
  return deltas;
}
