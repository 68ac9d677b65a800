import assert from "node:assert/strict";
import { canonicalJson, configHash, findNonJson, formatJsonPath } from "./hash.ts";

Deno.test("canonicalJson() sorts keys recursively and drops whitespace", () => {
  const value = { z: 1, a: { y: [true, null, "é"], b: 0.5 }, m: -3 };
  assert.equal(canonicalJson(value), '{"a":{"b":0.5,"y":[true,null,"é"]},"m":-3,"z":1}');
});

Deno.test("canonicalJson() keeps array order and escapes strings like JSON", () => {
  assert.equal(canonicalJson([3, 1, 2]), "[3,1,2]");
  assert.equal(canonicalJson({ 'q"k': "a\nb" }), '{"q\\"k":"a\\nb"}');
  assert.equal(canonicalJson("x"), '"x"');
  assert.equal(canonicalJson(null), "null");
  assert.equal(canonicalJson({}), "{}");
  assert.equal(canonicalJson([]), "[]");
});

Deno.test("canonicalJson() is independent of insertion order", () => {
  assert.equal(canonicalJson({ b: 1, a: { d: 2, c: 3 } }), canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
});

Deno.test("canonicalJson() rejects NaN, Infinity and undefined naming the key path", () => {
  assert.throws(
    () => canonicalJson({ train: { lr: NaN } }),
    { message: 'Cannot canonicalise value at "train.lr": NaN is not valid JSON' },
  );
  assert.throws(
    () => canonicalJson({ sweep: [1, Infinity] }),
    { message: 'Cannot canonicalise value at "sweep[1]": Infinity is not valid JSON' },
  );
  assert.throws(
    () => canonicalJson({ a: [{ b: undefined }] }),
    { message: 'Cannot canonicalise value at "a[0].b": undefined is not valid JSON' },
  );
  assert.throws(
    () => canonicalJson(-Infinity),
    { message: 'Cannot canonicalise value at "(root)": -Infinity is not valid JSON' },
  );
});

Deno.test("canonicalJson() rejects non-plain objects, functions and bigints", () => {
  assert.throws(
    () => canonicalJson({ at: new Date(0) }),
    { message: 'Cannot canonicalise value at "at": a Date is not plain JSON' },
  );
  assert.throws(
    () => canonicalJson({ w: new Float32Array(2) }),
    { message: 'Cannot canonicalise value at "w": a Float32Array is not plain JSON' },
  );
  assert.throws(
    () => canonicalJson({ f: () => 1 }),
    { message: 'Cannot canonicalise value at "f": a function is not valid JSON' },
  );
  assert.throws(
    () => canonicalJson({ n: 1n }),
    { message: 'Cannot canonicalise value at "n": a bigint is not valid JSON' },
  );
});

Deno.test("canonicalJson() accepts null-prototype objects", () => {
  const bare = Object.create(null) as Record<string, unknown>;
  bare.b = 2;
  bare.a = 1;
  assert.equal(canonicalJson(bare), '{"a":1,"b":2}');
});

Deno.test("findNonJson() returns undefined for plain JSON and the first problem otherwise", () => {
  assert.equal(findNonJson({ a: [1, "x", null, { b: false }] }), undefined);
  // Keys are visited in sorted order, so "a" is reported before "b".
  assert.deepEqual(findNonJson({ b: NaN, a: undefined }), {
    path: ["a"],
    reason: "undefined is not valid JSON",
  });
});

Deno.test("formatJsonPath() joins keys with dots and indices with brackets", () => {
  assert.equal(formatJsonPath([]), "(root)");
  assert.equal(formatJsonPath(["rows", 3, "ci", 0]), "rows[3].ci[0]");
  assert.equal(formatJsonPath([0, "a"]), "[0].a");
});

Deno.test("configHash() matches golden SHA-256 prefixes computed with sha256sum", () => {
  // printf '%s' '<canonical json>' | sha256sum
  assert.equal(configHash({ z: 1, a: { y: [true, null, "é"], b: 0.5 }, m: -3 }), "3562b943d1d9f3b5");
  assert.equal(configHash({}), "44136fa355b3678a");
  assert.equal(configHash({ steps: 200, lr: 0.001 }), "b12eeea975f2cc41");
});

Deno.test("configHash() changes when a value changes and is 16 lower-case hex characters", () => {
  const a = configHash({ lr: 0.001, steps: 200 });
  const b = configHash({ lr: 0.001, steps: 201 });
  assert.notEqual(a, b);
  assert.match(a, /^[0-9a-f]{16}$/);
});

Deno.test("configHash() does not mutate its input", () => {
  const value = { b: [2, 1], a: 1 };
  configHash(value);
  assert.deepEqual(Object.keys(value), ["b", "a"]);
  assert.deepEqual(value.b, [2, 1]);
});
