import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { checksumPath, removeWithChecksum, sha256Hex, verifyChecksum, writeChecksum } from "./checksum.ts";

Deno.test('sha256Hex() matches the published SHA-256 of "abc"', () => {
  assert.equal(
    sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("a side file in sha256sum format verifies the file, and a changed byte is reported", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "t.jsonl");
    assert.equal(await verifyChecksum(path), "unchecked");
    await Deno.writeTextFile(path, "abc");
    await writeChecksum(path);
    assert.equal(
      await Deno.readTextFile(checksumPath(path)),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  t.jsonl\n",
    );
    assert.equal(await verifyChecksum(path), "ok");
    await Deno.writeTextFile(path, "abd");
    assert.equal(
      await verifyChecksum(path),
      `content hash "a52d159f262b2c6d…" does not match "${path}.sha256" ("ba7816bf8f01cfea…")`,
    );
    await removeWithChecksum(path);
    assert.equal(existsSync(path) || existsSync(checksumPath(path)), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
