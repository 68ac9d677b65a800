import assert from "node:assert/strict";
import { join } from "node:path";
import { openSafetensors } from "./safetensors_reader.ts";
import { encodeTypedSafetensors, writeTypedSafetensors } from "./safetensors_writer.ts";

/** The header JSON and its padded length (the 8-byte prefix). */
function header(bytes: Uint8Array): { json: Record<string, unknown>; length: number; raw: Uint8Array } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const raw = bytes.subarray(8, 8 + length);
  return { json: JSON.parse(new TextDecoder().decode(raw)), length, raw };
}

Deno.test("the header lists tensors in the given order with packed offsets, padded with spaces to 8 bytes", () => {
  const bytes = encodeTypedSafetensors([
    { name: "z.weight", dtype: "BF16", shape: [3], data: [1, 2, 3] },
    { name: "a.bias", dtype: "F32", shape: [1, 2], data: [4, 5] },
  ]);
  const { json, length, raw } = header(bytes);
  assert.equal(length % 8, 0);
  assert.deepEqual(Object.keys(json), ["z.weight", "a.bias"]);
  assert.deepEqual(json["z.weight"], { dtype: "BF16", shape: [3], data_offsets: [0, 6] });
  assert.deepEqual(json["a.bias"], { dtype: "F32", shape: [1, 2], data_offsets: [6, 14] });
  const text = new TextDecoder().decode(raw);
  assert.equal(text.trimEnd(), JSON.stringify(json));
  assert.ok(/^ *$/.test(text.slice(text.trimEnd().length)));
  assert.equal(bytes.length, 8 + length + 14);
  // Data section: BF16 1, 2, 3 are 0x3f80, 0x4000, 0x4040; then F32 4 and 5.
  const view = new DataView(bytes.buffer, bytes.byteOffset + 8 + length);
  assert.deepEqual([0, 2, 4].map((o) => view.getUint16(o, true)), [0x3f80, 0x4000, 0x4040]);
  assert.deepEqual([view.getFloat32(6, true), view.getFloat32(10, true)], [4, 5]);
});

Deno.test("no tensors is an 8-byte header of {} padded with spaces; scalars and empty tensors are allowed", () => {
  const empty = encodeTypedSafetensors([]);
  assert.equal(empty.length, 16);
  assert.equal(header(empty).length, 8);
  assert.equal(new TextDecoder().decode(empty.subarray(8)), "{}      ");
  const bytes = encodeTypedSafetensors([
    { name: "s", dtype: "F32", shape: [], data: [7] },
    { name: "e", dtype: "BF16", shape: [0, 4], data: [] },
  ]);
  const { json } = header(bytes);
  assert.deepEqual(json["s"], { dtype: "F32", shape: [], data_offsets: [0, 4] });
  assert.deepEqual(json["e"], { dtype: "BF16", shape: [0, 4], data_offsets: [4, 4] });
});

Deno.test("data that does not fill the shape is one error naming the tensor", () => {
  assert.throws(
    () => encodeTypedSafetensors([{ name: "w", dtype: "F32", shape: [2, 3], data: [1, 2, 3, 4, 5] }]),
    { message: 'Cannot encode tensor "w": shape [2,3] holds 6 values but data has 5' },
  );
  assert.throws(
    () => encodeTypedSafetensors([{ name: "e", dtype: "BF16", shape: [0], data: [1] }]),
    { message: 'Cannot encode tensor "e": shape [0] holds 0 values but data has 1' },
  );
});

Deno.test("BF16 round trip through the reader rounds to nearest even (golden values)", async () => {
  const values = [
    1 + 2 ** -8, // exact tie, even neighbour 1 → 1
    1 + 3 * 2 ** -8, // exact tie, odd 1.0078125 → even 1.015625
    1 + 2 ** -8 + 2 ** -20, // just above the tie → 1.0078125
    -(1 + 2 ** -8 + 2 ** -20), // sign kept
    0.1, // 0x3dcccccd → 0x3dcd = 0.10009765625
    3.4028234663852886e38, // float32 max overflows to Infinity, as torch's .to(bfloat16)
    -0,
    Infinity,
    NaN,
  ];
  const want = [1, 1.015625, 1.0078125, -1.0078125, 0.10009765625, Infinity, -0, Infinity, NaN];
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "m.safetensors");
    await writeTypedSafetensors(path, [
      { name: "b", dtype: "BF16", shape: [values.length], data: values },
      { name: "f", dtype: "F32", shape: [3], data: [0.1, -2.5, 1e-40] },
    ]);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), ["m.safetensors"]);
    const f = await openSafetensors(path);
    try {
      assert.deepEqual(f.tensors.get("b"), {
        name: "b",
        dtype: "BF16",
        shape: [values.length],
        start: 8 + header(await Deno.readFile(path)).length,
        end: 8 + header(await Deno.readFile(path)).length + 2 * values.length,
      });
      const got = Array.from(await f.read("b"));
      got.forEach((g, i) => assert.ok(Object.is(g, want[i]), `${i}: ${g} vs ${want[i]}`));
      assert.deepEqual(Array.from(await f.read("f")), [Math.fround(0.1), -2.5, Math.fround(1e-40)]);
    } finally {
      f.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeTypedSafetensors replaces an existing file whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "m.safetensors");
    await Deno.writeTextFile(path, "x".repeat(1000));
    await writeTypedSafetensors(path, [{ name: "a", dtype: "F32", shape: [1], data: [2] }]);
    const bytes = await Deno.readFile(path);
    assert.deepEqual(bytes, encodeTypedSafetensors([{ name: "a", dtype: "F32", shape: [1], data: [2] }]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
