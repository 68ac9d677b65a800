import assert from "node:assert/strict";
import { join } from "node:path";
import { Rng } from "../engine/rng.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  type NamedTensors,
  nonFiniteTensor,
  saveSafetensors,
} from "./safetensors.ts";

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/** A safetensors file from a literal header string (not padded) and raw data bytes. */
function rawFile(header: string, data: number[] = [], declaredLength = header.length): Uint8Array {
  const bytes = new Uint8Array(8 + header.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(declaredLength), true);
  bytes.set(ascii(header), 8);
  bytes.set(data, 8 + header.length);
  return bytes;
}

async function withTempDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sdrpn-safetensors-test-" });
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("encodeSafetensors() writes the exact bytes of a hand-built two-tensor file", () => {
  // Given out of order: the writer sorts by name.
  const bytes = encodeSafetensors(
    {
      b: { shape: [2], data: new Float32Array([1, -2]) },
      a: { shape: [1, 1], data: new Float32Array([0.5]) },
    },
    { step: "7" },
  );
  const header = '{"a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},' + // 56 chars
    '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},' + // 54 chars
    '"__metadata__":{"step":"7"}}'; // 28 chars
  assert.equal(header.length, 138);
  // 8 + 138 = 146 → padded with 6 spaces to 152, a multiple of 8, so N = 144 = 0x90.
  const expected = [
    ...[0x90, 0, 0, 0, 0, 0, 0, 0],
    ...ascii(header),
    ...[0x20, 0x20, 0x20, 0x20, 0x20, 0x20],
    ...[0x00, 0x00, 0x00, 0x3f], // a: 0.5
    ...[0x00, 0x00, 0x80, 0x3f], // b: 1.0
    ...[0x00, 0x00, 0x00, 0xc0], // b: -2.0
  ];
  assert.equal(expected.length, 164);
  assert.deepEqual(Array.from(bytes), expected);
});

Deno.test("encodeSafetensors() leaves out __metadata__ when there is none and pads a header that fits", () => {
  const bytes = encodeSafetensors({ x: { shape: [], data: new Float32Array([1]) } });
  const header = '{"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}'; // 53 chars → 8 + 53 = 61 → 3 spaces
  assert.equal(header.length, 53);
  assert.deepEqual(Array.from(bytes), [
    56,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    ...ascii(header),
    0x20,
    0x20,
    0x20,
    0,
    0,
    0x80,
    0x3f,
  ]);
});

Deno.test("decodeSafetensors() reads the hand-built file back", () => {
  const header = '{"a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},' +
    '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"__metadata__":{"step":"7"}}      ';
  const file = rawFile(header, [0, 0, 0, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
  assert.deepEqual(decodeSafetensors(file, "hand.safetensors"), {
    tensors: {
      a: { shape: [1, 1], data: new Float32Array([0.5]) },
      b: { shape: [2], data: new Float32Array([1, -2]) },
    },
    metadata: { step: "7" },
  });
});

Deno.test("decodeSafetensors() accepts other writers' layouts: metadata first, unpadded, any key order", () => {
  const header = '{"__metadata__":{"format":"pt"},"w":{"data_offsets":[0,8],"shape":[2],"dtype":"F32"}}';
  const file = rawFile(header, [0, 0, 0x80, 0xbf, 0, 0, 0x40, 0x40]); // -1, 3
  // Also from a view that does not start at the beginning of its buffer.
  const padded = new Uint8Array(file.length + 3);
  padded.set(file, 3);
  const decoded = decodeSafetensors(padded.subarray(3), "hf.safetensors");
  assert.deepEqual(decoded, {
    tensors: { w: { shape: [2], data: new Float32Array([-1, 3]) } },
    metadata: { format: "pt" },
  });
});

Deno.test("safetensors round-trips random tensors, special floats, empty and scalar tensors", async () => {
  const rng = new Rng(11);
  const tensors: NamedTensors = {
    "layers.0.attn.wq": { shape: [3, 5], data: Float32Array.from({ length: 15 }, () => rng.normal()) },
    "embed": { shape: [4, 2], data: Float32Array.from({ length: 8 }, () => rng.normal()) },
    "special": { shape: [5], data: new Float32Array([NaN, Infinity, -Infinity, -0, 3.4e38]) },
    "empty": { shape: [0, 3], data: new Float32Array(0) },
    "scalar": { shape: [], data: new Float32Array([42]) },
    // Computed key: a literal "__proto__" key would set the prototype instead of adding a tensor.
    ["__proto__"]: { shape: [1], data: new Float32Array([7]) },
  };
  const snapshot = structuredClone(tensors);
  const metadata = { config: '{"layers":8}', "unicode ✓": "é" };
  const decoded = decodeSafetensors(encodeSafetensors(tensors, metadata), "mem");
  assert.deepEqual(decoded.metadata, metadata);
  assert.deepEqual(Object.keys(decoded.tensors), [
    "__proto__",
    "embed",
    "empty",
    "layers.0.attn.wq",
    "scalar",
    "special",
  ]);
  for (const [name, t] of Object.entries(tensors)) assert.deepEqual(decoded.tensors[name], t, name);
  assert.ok(Object.is(decoded.tensors.special!.data[3], -0));
  assert.deepEqual(tensors, snapshot, "inputs are not mutated");

  await withTempDir(async (dir) => {
    const path = join(dir, "nested", "ckpt.safetensors");
    // The file API refuses non-finite values (see the test below), so the file round-trip leaves them out.
    const finite = { ...tensors, special: { shape: [2], data: new Float32Array([-0, 3.4e38]) } };
    await saveSafetensors(path, finite, metadata);
    const loaded = await loadSafetensors(path);
    assert.deepEqual(loaded, decodeSafetensors(encodeSafetensors(finite, metadata), "mem"));
    // Overwriting replaces the file, and no temporary file is left behind either time.
    await saveSafetensors(path, { only: { shape: [1], data: new Float32Array([1]) } });
    assert.deepEqual(await loadSafetensors(path), {
      tensors: { only: { shape: [1], data: new Float32Array([1]) } },
      metadata: {},
    });
    assert.deepEqual([...Deno.readDirSync(join(dir, "nested"))].map((e) => e.name), ["ckpt.safetensors"]);
  });
});

Deno.test("saveSafetensors() reports a failed write and leaves no temporary file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "ckpt.safetensors");
    await Deno.mkdir(path); // a folder where the file should go: the final rename fails
    await assert.rejects(saveSafetensors(path, { x: { shape: [1], data: new Float32Array([1]) } }), {
      message: `Cannot save checkpoint "${path}": is a directory`,
    });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["ckpt.safetensors"]);
    assert.deepEqual([...Deno.readDirSync(path)], []);
  });
});

Deno.test("encodeSafetensors() rejects a reserved name and a shape that does not match the data", () => {
  assert.throws(() => encodeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } }), {
    message: 'Cannot encode tensor "__metadata__": the name is reserved for metadata',
  });
  assert.throws(() => encodeSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } }), {
    message: 'Cannot encode tensor "w": shape "[2,2]" holds 4 values but data has 3',
  });
  assert.throws(() => encodeSafetensors({ w: { shape: [-1, 2], data: new Float32Array(2) } }), {
    message: 'Cannot encode tensor "w": shape "[-1,2]" is not a list of sizes',
  });
});

Deno.test("loadSafetensors() reports a missing file and a folder", async () => {
  await withTempDir(async (dir) => {
    const missing = join(dir, "missing.safetensors");
    await assert.rejects(loadSafetensors(missing), {
      message: `Cannot load checkpoint "${missing}": file not found`,
    });
    await assert.rejects(loadSafetensors(dir), {
      message: `Cannot load checkpoint "${dir}": is a directory`,
    });
  });
});

Deno.test("decodeSafetensors() rejects corrupt files with exact messages", () => {
  const p = "data/ckpt.safetensors";
  const cases: [string, Uint8Array][] = [
    ["file has 5 bytes, fewer than the 8-byte header length", new Uint8Array(5)],
    ["header length exceeds file size", rawFile("{}", [], 3)],
    ["header length exceeds file size", rawFile("{}", [], 2 ** 40)],
    ["malformed header JSON", rawFile('{"a":')],
    ["malformed header JSON", rawFile("[1,2]")],
    ["malformed header JSON", rawFile("null")],
    ["malformed header JSON", Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe])], // not UTF-8
    [
      'tensor "h" has dtype "F16", only F32 is supported',
      rawFile('{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
    ],
    ['tensor "h" has no dtype', rawFile('{"h":{"shape":[1],"data_offsets":[0,4]}}', [0, 0, 0, 0])],
    ['tensor "h" has a malformed header entry', rawFile('{"h":[1]}')],
    ['tensor "h" has a malformed shape', rawFile('{"h":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}')],
    [
      'tensor "h" has malformed data_offsets',
      rawFile('{"h":{"dtype":"F32","shape":[1],"data_offsets":[4]}}'),
    ],
    [
      'tensor "w" has data_offsets "[0,12]" (12 bytes) but shape "[2,2]" needs 16 bytes',
      rawFile('{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}', new Array(12).fill(0)),
    ],
    [
      'tensor "w" has data_offsets "[0,16]" beyond the 8-byte data section',
      rawFile('{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}', new Array(8).fill(0)),
    ],
    [
      'tensor "b" starts at byte 8 of the data section, expected 4 (tensors must be packed without gaps or overlaps)',
      rawFile(
        '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
        new Array(12).fill(0),
      ),
    ],
    [
      'tensor "b" starts at byte 0 of the data section, expected 4 (tensors must be packed without gaps or overlaps)',
      rawFile(
        '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
        new Array(4).fill(0),
      ),
    ],
    [
      "the data section has 4 bytes after the last tensor",
      rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Array(8).fill(0)),
    ],
    ['"__metadata__" must map strings to strings', rawFile('{"__metadata__":{"step":7}}')],
  ];
  for (const [reason, bytes] of cases) {
    assert.throws(() => decodeSafetensors(bytes, p), { message: `Cannot load checkpoint "${p}": ${reason}` });
  }
});

Deno.test("loadSafetensors() names the path in decoding errors", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bad.safetensors");
    await Deno.writeFile(path, rawFile("{}", [], 100));
    await assert.rejects(loadSafetensors(path), {
      message: `Cannot load checkpoint "${path}": header length exceeds file size`,
    });
  });
});

Deno.test("saveSafetensors() refuses a tensor holding NaN or Infinity, naming the file and tensor", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "model.safetensors");
    const tensors: NamedTensors = {
      "a.ok": { shape: [2], data: new Float32Array([1, 2]) },
      "b.bad": { shape: [3], data: new Float32Array([0, NaN, Infinity]) },
    };
    await assert.rejects(saveSafetensors(path, tensors), {
      message: `Cannot save checkpoint "${path}": tensor "b.bad" has the non-finite value "NaN" at index 1`,
    });
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing is written");
    assert.equal(
      nonFiniteTensor({ w: { shape: [1], data: new Float32Array([-Infinity]) } }),
      'tensor "w" has the non-finite value "-Infinity" at index 0',
    );
    assert.equal(nonFiniteTensor({ w: { shape: [1], data: new Float32Array([3.4e38]) } }), null);
  });
});

Deno.test("loadSafetensors() rejects a file holding a non-finite value, naming the file and tensor", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "nan.safetensors");
    // Written by another tool (the codec itself carries any float32).
    const bytes = encodeSafetensors({
      "lm.head": { shape: [2, 2], data: new Float32Array([1, 2, 3, Infinity]) },
      "lm.embed": { shape: [1], data: new Float32Array([5]) },
    });
    await Deno.writeFile(path, bytes);
    await assert.rejects(loadSafetensors(path), {
      message:
        `Cannot load checkpoint "${path}": tensor "lm.head" has the non-finite value "Infinity" at index 3`,
    });
  });
});
