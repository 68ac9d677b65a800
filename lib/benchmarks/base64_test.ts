// Golden values: Python 3.11.7 `base64.b64decode(s)` (validate=False).
import assert from "node:assert/strict";
import { pyB64Decode } from "./base64.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("pyB64Decode() decodes padded base64", () => {
  assert.equal(text(pyB64Decode("QUJD")), "ABC");
  assert.equal(text(pyB64Decode("QUI=")), "AB");
  assert.equal(text(pyB64Decode("QQ==")), "A");
  assert.deepEqual(pyB64Decode(""), new Uint8Array(0));
});

Deno.test("pyB64Decode() round-trips every byte value", () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  assert.deepEqual(pyB64Decode(btoa(binary)), bytes);
});

Deno.test("pyB64Decode() skips characters outside the alphabet, as Python does", () => {
  assert.equal(text(pyB64Decode("QU\nJD")), "ABC");
  assert.equal(text(pyB64Decode("Q!Q==")), "A");
  assert.deepEqual(pyB64Decode("@@@@"), new Uint8Array(0));
});

Deno.test("pyB64Decode() stops at the first complete padding", () => {
  assert.equal(text(pyB64Decode("QQ==QUJD")), "A");
  assert.equal(text(pyB64Decode("QUJ=D")), "AB");
});

Deno.test("pyB64Decode() raises Python's errors on bad lengths and padding", () => {
  assert.throws(() => pyB64Decode("QQ"), { message: "Incorrect padding" });
  assert.throws(() => pyB64Decode("QQ="), { message: "Incorrect padding" });
  assert.throws(() => pyB64Decode("Q"), {
    message:
      "Invalid base64-encoded string: number of data characters (1) cannot be 1 more than a multiple of 4",
  });
  assert.throws(() => pyB64Decode("not base64!!"), {
    message:
      "Invalid base64-encoded string: number of data characters (9) cannot be 1 more than a multiple of 4",
  });
});
