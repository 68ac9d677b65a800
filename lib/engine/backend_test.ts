import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { type BackendInfo, type BackendName, ensureXdgRuntimeDir, initBackend } from "./backend.ts";

const REPO = join(import.meta.dirname!, "..", "..");

/** A fake `node_modules/@tensorflow/tfjs-node-gpu` whose entry point runs `source` (CommonJS). */
async function fakeTfjsNodeGpu(source: string): Promise<string> {
  const cwd = await Deno.makeTempDir({ prefix: "sdrpn-backend-test-" });
  const pkg = join(cwd, "node_modules", "@tensorflow", "tfjs-node-gpu");
  await Deno.mkdir(pkg, { recursive: true });
  await Deno.writeTextFile(
    join(pkg, "package.json"),
    '{"name":"@tensorflow/tfjs-node-gpu","main":"index.js"}',
  );
  await Deno.writeTextFile(join(pkg, "index.js"), source);
  return cwd;
}

/**
 * Runs `initBackend(requested)` in a separate Deno process with no lock file and no node_modules folder,
 * so that fetching optional backend packages from npm never touches the repository's deno.lock or
 * node_modules, and a backend registered there cannot leak into this process.
 */
async function initInSubprocess(
  requested: string,
  /** Code run after a successful init (with `tf` imported), whose error message is reported. */
  after = "",
): Promise<{ info?: BackendInfo; message?: string; cause?: string }> {
  const dir = await Deno.makeTempDir({ prefix: "sdrpn-backend-probe-" });
  try {
    const script = join(dir, "probe.ts");
    const backendUrl = new URL("./backend.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import * as tf from "@tensorflow/tfjs";
import { initBackend } from ${JSON.stringify(backendUrl)};
try {
  const info = await initBackend(${JSON.stringify(requested)});
  ${after}
  console.log(JSON.stringify({ info }));
} catch (e) {
  console.log(JSON.stringify({ message: e.message, cause: e.cause?.message }));
}
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        "--no-lock",
        "--node-modules-dir=none",
        `--config=${join(REPO, "deno.json")}`,
        script,
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout).trim().split("\n");
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return JSON.parse(stdout.at(-1)!);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function webgpuAdapterPresent(): Promise<boolean> {
  if (!("gpu" in navigator) || !navigator.gpu) return false;
  ensureXdgRuntimeDir();
  return (await navigator.gpu.requestAdapter()) !== null;
}

Deno.test("initBackend() activates wasm, verifies it and reports the tfjs version", async () => {
  const info = await initBackend("wasm");
  assert.deepEqual(info, { requested: "wasm", active: "wasm", tfjsVersion: "4.22.0" });
  assert.equal(tf.getBackend(), "wasm");
});

Deno.test("initBackend() activates cpu", async () => {
  try {
    const info = await initBackend("cpu");
    assert.deepEqual(info, { requested: "cpu", active: "cpu", tfjsVersion: "4.22.0" });
    assert.equal(tf.getBackend(), "cpu");
  } finally {
    await initBackend("wasm");
  }
});

Deno.test("initBackend() rejects an unknown name, e.g. from an unchecked CLI flag", async () => {
  await assert.rejects(initBackend("gpu" as BackendName), {
    message: 'Unknown backend "gpu", expected one of auto, wasm, cpu, webgpu, tensorflow',
  });
});

Deno.test("initBackend('auto') resolves to wasm when tfjs-node-gpu is not installed", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "sdrpn-backend-test-" });
  try {
    assert.deepEqual(await initBackend("auto", { cwd }), {
      requested: "auto",
      active: "wasm",
      tfjsVersion: "4.22.0",
    });
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("initBackend('auto') resolves to wasm in the repository on this machine", async () => {
  const info = await initBackend("auto", { cwd: REPO });
  assert.equal(info.active, "wasm");
});

Deno.test("initBackend('auto') falls back to wasm, with a note, when tfjs-node-gpu fails to import", async () => {
  const cwd = await fakeTfjsNodeGpu('throw new Error("fake addon missing\\nsecond line");');
  try {
    assert.deepEqual(await initBackend("auto", { cwd }), {
      requested: "auto",
      active: "wasm",
      tfjsVersion: "4.22.0",
      note: 'Backend "tensorflow" is not available: fake addon missing',
    });
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("initBackend('tensorflow') reports the first line of the import error", async () => {
  const cwd = await fakeTfjsNodeGpu('throw new Error("fake addon missing\\nsecond line");');
  try {
    await assert.rejects(initBackend("tensorflow", { cwd }), {
      message: 'Backend "tensorflow" is not available: fake addon missing',
    });
    assert.equal(tf.getBackend(), "wasm");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("initBackend() fails loudly when tfjs cannot switch to an imported backend", async () => {
  // Imports fine but its backend cannot start, like tfjs-node-gpu on a machine with a bad CUDA driver.
  const cwd = await fakeTfjsNodeGpu(
    'globalThis._tfengine.registerBackend("tensorflow", () => { throw new Error("CUDA driver is too old"); }, 3);',
  );
  try {
    await initBackend("wasm");
    await assert.rejects(initBackend("auto", { cwd }), {
      message: 'Backend "tensorflow" requested but tfjs is running on "wasm": CUDA driver is too old',
    });
    // tfjs is back on the backend it had, not left without one.
    assert.equal(tf.getBackend(), "wasm");
    assert.deepEqual(await tf.add(tf.scalar(1), tf.scalar(2)).data(), new Float32Array([3]));
  } finally {
    tf.removeBackend("tensorflow");
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("initBackend() fails loudly when the package registers no backend", async () => {
  const cwd = await fakeTfjsNodeGpu("module.exports = {};");
  try {
    await initBackend("wasm");
    await assert.rejects(initBackend("tensorflow", { cwd }), {
      message: 'Backend "tensorflow" requested but tfjs is running on "wasm": Backend name \'tensorflow\' ' +
        "not found in registry",
    });
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("initBackend() rejects a backend that computes a wrong softmax", async () => {
  await initBackend("wasm");
  const original = tf.getKernel("Softmax", "wasm");
  const identity = tf.getKernel("Identity", "wasm");
  assert.ok(original && identity);
  tf.unregisterKernel("Softmax", "wasm");
  // A "softmax" that returns its logits unchanged.
  tf.registerKernel({
    kernelName: "Softmax",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend }) =>
      identity.kernelFunc({ inputs: { x: inputs.logits! }, backend, attrs: {} }),
  });
  try {
    // Row 0 of the check's matMul is [1.625, -0.40625, -0.40625, 1.625, -0.40625] (worked by hand), so
    // softmax value 0 is 1 / (2 + 3·e^-2.03125) = 0.417796.
    await assert.rejects(initBackend("wasm"), {
      message:
        'Backend "wasm" failed verification: softmax value 0 is 1.625, the plain-JS reference is 0.417796',
    });
  } finally {
    tf.unregisterKernel("Softmax", "wasm");
    tf.registerKernel(original);
  }
  assert.equal((await initBackend("wasm")).active, "wasm");
});

Deno.test("initBackend('tensorflow') is not available here: tfjs-node-gpu has no libtensorflow", async () => {
  const result = await initInSubprocess("tensorflow");
  assert.equal(result.info, undefined);
  assert.ok(result.cause, "the error keeps the import error as its cause");
  const causeLine = result.cause.split("\n")[0]!.trim();
  assert.equal(result.message, `Backend "tensorflow" is not available: ${causeLine}`);
  // What happens on this machine kind (ENGINE-NOTES): the package installs but its binary does not.
  assert.match(
    result.message!,
    /^Backend "tensorflow" is not available: The Node\.js native addon module \(tfjs_binding\.node\) can not be found at path: \S+tfjs_binding\.node\.$/,
  );
});

Deno.test({
  name: "initBackend('webgpu') activates and verifies tfjs-backend-webgpu",
  ignore: !(await webgpuAdapterPresent()),
  async fn() {
    // ~2 s on the llvmpipe software adapter (measured), so it runs whenever an adapter exists.
    const result = await initInSubprocess("webgpu");
    assert.equal(result.message, undefined);
    assert.deepEqual(result.info, { requested: "webgpu", active: "webgpu", tfjsVersion: "4.22.0" });
  },
});

Deno.test({
  name:
    "initBackend('webgpu'): a tensor above the adapter's storage-binding limit throws instead of computing zeros",
  ignore: !(await webgpuAdapterPresent()),
  async fn() {
    const limit = (await navigator.gpu.requestAdapter())!.limits.maxStorageBufferBindingSize;
    // One f32 row more than fits (lavapipe: 128 MiB → [4096, 8193] floats, which gave zeros unguarded).
    const cols = Math.floor(limit / 4 / 4096) + 1;
    const result = await initInSubprocess("webgpu", `await tf.ones([4096, ${cols}]).mul(2).data();`);
    assert.equal(
      result.message,
      `WebGPU buffer of ${
        4096 * cols * 4
      } bytes exceeds this adapter's maxStorageBufferBindingSize (${limit} ` +
        "bytes): tfjs-webgpu would compute zeros without an error; use a smaller batch or --backend wasm",
    );
  },
});
