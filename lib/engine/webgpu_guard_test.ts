import assert from "node:assert/strict";
import { guardStorageBuffers, storageLimitMessage } from "./webgpu_guard.ts";

function fakeBackend(limit: number) {
  const calls: [number, number, unknown[]][] = [];
  const backend = {
    device: { limits: { maxStorageBufferBindingSize: limit } },
    bufferManager: {
      acquireBuffer(size: number, usage: number, ...rest: unknown[]): unknown {
        calls.push([size, usage, rest]);
        return { size };
      },
    },
  };
  return { backend, calls };
}

Deno.test("guardStorageBuffers: a storage buffer above the binding limit throws, naming both sizes", () => {
  const { backend, calls } = fakeBackend(134217728);
  assert.equal(guardStorageBuffers(backend), 134217728);
  // STORAGE | COPY_SRC | COPY_DST (what tfjs uses for tensor data), one byte over 128 MiB.
  assert.throws(() => backend.bufferManager.acquireBuffer(134217729, 0x80 | 0x04 | 0x08), {
    message: "WebGPU buffer of 134217729 bytes exceeds this adapter's maxStorageBufferBindingSize " +
      "(134217728 bytes): tfjs-webgpu would compute zeros without an error; use a smaller batch or --backend wasm",
  });
  assert.deepEqual(calls, [], "nothing allocated");
});

Deno.test("guardStorageBuffers: buffers at the limit, and large non-storage buffers, pass through unchanged", () => {
  const { backend, calls } = fakeBackend(1000);
  guardStorageBuffers(backend);
  assert.deepEqual(backend.bufferManager.acquireBuffer(1000, 0x80, true, false), { size: 1000 });
  // A staging buffer (MAP_READ | COPY_DST) is never bound to a shader.
  assert.deepEqual(backend.bufferManager.acquireBuffer(5000, 0x01 | 0x08), { size: 5000 });
  assert.deepEqual(calls, [[1000, 0x80, [true, false]], [5000, 0x09, []]]);
});

Deno.test("guardStorageBuffers is idempotent: guarding twice wraps once", () => {
  const { backend, calls } = fakeBackend(10);
  guardStorageBuffers(backend);
  guardStorageBuffers(backend);
  backend.bufferManager.acquireBuffer(4, 0x80);
  assert.equal(calls.length, 1);
  assert.equal(storageLimitMessage(11, 10).startsWith("WebGPU buffer of 11 bytes"), true);
});
