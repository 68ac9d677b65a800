import assert from "node:assert/strict";
import { join } from "node:path";
import { llavaWeightFiles, llavaWeightsHash, sampledHash } from "./weights_hash.ts";
import { encodeTypedSafetensors } from "./safetensors_writer.ts";

const FIXTURE = "tests/fixtures/llava-tiny";

Deno.test("llavaWeightFiles() lists the single file, or the index and its shards sorted", async () => {
  assert.deepEqual(await llavaWeightFiles(FIXTURE), {
    index: null,
    files: [join(FIXTURE, "model.safetensors")],
  });
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    join(dir, "model.safetensors.index.json"),
    JSON.stringify({
      weight_map: {
        a: "model-00002-of-00002.safetensors",
        b: "model-00001-of-00002.safetensors",
        c: "model-00002-of-00002.safetensors",
      },
    }),
  );
  assert.deepEqual(await llavaWeightFiles(dir), {
    index: join(dir, "model.safetensors.index.json"),
    files: [join(dir, "model-00001-of-00002.safetensors"), join(dir, "model-00002-of-00002.safetensors")],
  });
  await Deno.writeTextFile(join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: [] }));
  await assert.rejects(() => llavaWeightFiles(dir), {
    message: `Cannot read "${join(dir, "model.safetensors.index.json")}": key "weight_map" is not an object`,
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("llavaWeightsHash() hashes small files whole: any byte of config or weights changes it", async () => {
  const dir = await Deno.makeTempDir();
  for (const f of ["config.json", "model.safetensors"]) await Deno.copyFile(join(FIXTURE, f), join(dir, f));
  const base = await llavaWeightsHash(dir);
  assert.match(base, /^[0-9a-f]{16}$/);
  assert.equal(await llavaWeightsHash(FIXTURE), base, "the folder's name is not part of the hash");
  const bytes = await Deno.readFile(join(dir, "model.safetensors"));
  bytes[bytes.length - 1]! ^= 1;
  await Deno.writeFile(join(dir, "model.safetensors"), bytes);
  assert.notEqual(await llavaWeightsHash(dir), base);
  await Deno.remove(join(dir, "model.safetensors"));
  await assert.rejects(() => llavaWeightsHash(dir), {
    message: `Cannot read "${join(dir, "model.safetensors")}": file not found`,
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sampledHash() over a large file reads its header and 16 sampled blocks, not the rest", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "big.safetensors");
  const values = 400_000; // 1.6 MB of F32 data: 16 blocks of 64 KiB cover ~66 % of it
  const bytes = encodeTypedSafetensors([{
    name: "w",
    dtype: "F32",
    shape: [values],
    data: new Float32Array(values),
  }]);
  await Deno.writeFile(path, bytes);
  const limit = 1024; // treat the file as "large"
  const base = await sampledHash(dir, [path], limit);
  const flip = async (at: number) => {
    const copy = bytes.slice();
    copy[at]! ^= 1;
    await Deno.writeFile(path, copy);
    return await sampledHash(dir, [path], limit);
  };
  const dataStart = bytes.length - values * 4;
  assert.notEqual(await flip(dataStart), base, "the first block is sampled");
  assert.notEqual(await flip(bytes.length - 1), base, "the last block is sampled");
  assert.notEqual(await flip(10), base, "the header is hashed");
  // Just past the first 64 KiB block, before the second one starts (~101 KiB in): not read.
  assert.equal(await flip(dataStart + 70 * 1024), base);
  assert.notEqual(await sampledHash(dir, [path]), base, "whole-file hashing under the default limit differs");
  await Deno.remove(dir, { recursive: true });
});
