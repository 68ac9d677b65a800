import assert from "node:assert/strict";
import { join } from "node:path";
import { openSafetensors } from "./safetensors_reader.ts";
import { encodeTypedSafetensors } from "./safetensors_writer.ts";

async function withFile(bytes: Uint8Array, fn: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "t.safetensors");
    await Deno.writeFile(path, bytes);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("F32 and BF16 tensors written by the writer read back tensor by tensor", async () => {
  const bytes = encodeTypedSafetensors([
    { name: "a", dtype: "F32", shape: [2, 2], data: [1, -2.5, 3.25, 1e-3] },
    { name: "b", dtype: "BF16", shape: [3], data: [1, -3, 0.33203125] },
  ]);
  assert.equal((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8, 0); // aligned data
  await withFile(bytes, async (path) => {
    const f = await openSafetensors(path);
    try {
      assert.deepEqual([...f.tensors.keys()], ["a", "b"]);
      assert.deepEqual(Array.from(await f.read("b")), [1, -3, 0.33203125]);
      assert.deepEqual(Array.from(await f.read("a")), [1, -2.5, 3.25, Math.fround(1e-3)]);
      await assert.rejects(f.read("c"), { message: `Cannot read "${path}": tensor "c" is not in the file` });
    } finally {
      f.close();
    }
  });
});

Deno.test("a header that does not describe its data is one error naming the file and tensor", async () => {
  const header = (entry: unknown) => {
    const json = new TextEncoder().encode(JSON.stringify({ x: entry }));
    const out = new Uint8Array(8 + json.length + 8);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };
  const cases: [unknown, string][] = [
    [
      { dtype: "F16", shape: [3], data_offsets: [0, 8] },
      'tensor "x" has data_offsets [0,8] (8 bytes) but F16 shape [3] needs 6 bytes',
    ],
    [{ dtype: "F32", shape: [-1], data_offsets: [0, 4] }, 'tensor "x" has a malformed shape'],
    [{ dtype: "F32", shape: [1], data_offsets: [4, 0] }, 'tensor "x" has malformed data_offsets'],
    [{ shape: [1], data_offsets: [0, 4] }, 'tensor "x" has no dtype'],
  ];
  for (const [entry, reason] of cases) {
    await withFile(header(entry), async (path) => {
      await assert.rejects(openSafetensors(path), { message: `Cannot read "${path}": ${reason}` });
    });
  }
  await withFile(new Uint8Array([1, 0, 0]), async (path) => {
    await assert.rejects(openSafetensors(path), {
      message: `Cannot read "${path}": file has 3 bytes, fewer than the 8-byte header length`,
    });
  });
  const bad = new Uint8Array(12);
  new DataView(bad.buffer).setBigUint64(0, 4n, true);
  bad.set([0x7b, 0x7b, 0x20, 0x20], 8);
  await withFile(bad, async (path) => {
    await assert.rejects(openSafetensors(path), { message: `Cannot read "${path}": malformed header JSON` });
  });
  await assert.rejects(openSafetensors("/nonexistent/x.safetensors"), {
    message: 'Cannot read "/nonexistent/x.safetensors": file not found',
  });
});
