/**
 * Backend selection for tfjs, with loud failures and a numeric self-check.
 *
 * tfjs's own `setBackend` fails silently (it returns `false` and keeps computing on whatever backend it
 * had), and a backend can activate yet compute wrong numbers (a broken driver, a software adapter with a
 * bug). A research run that silently trains on the wrong backend wastes hours and mislabels its results,
 * so every activation here is checked twice: that tfjs really runs on the requested backend, and that a
 * small matMul and softmax agree with a plain-JS reference.
 */
import * as tf from "@tensorflow/tfjs";
// Registers the "wasm" backend; under Deno the package reads its .wasm binary from its own folder.
import "@tensorflow/tfjs-backend-wasm";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { BACKEND_NAMES, type BackendName } from "./backend_names.ts";
import { type GuardedWebGpuBackend, guardStorageBuffers } from "./webgpu_guard.ts";
export { BACKEND_NAMES, type BackendName };

/** What `initBackend` activated. */
export interface BackendInfo {
  /** The name the caller asked for. */
  requested: BackendName;
  /** The tfjs backend now in use, as reported by `tf.getBackend()`. */
  active: string;
  /** Version of the tfjs union package. */
  tfjsVersion: string;
  /** Why `auto` did not pick `tensorflow` although tfjs-node-gpu is installed. */
  note?: string;
}

/** Options for `initBackend`. */
export interface InitBackendOptions {
  /** Folder whose `node_modules` is searched for an installed tfjs-node-gpu (default: `Deno.cwd()`). */
  cwd?: string;
}

// Full npm specifiers, imported through a variable on purpose: Deno pre-resolves (and would download)
// dynamic imports written as string literals, but these optional backends must only be fetched when a
// user explicitly asks for them.
const WEBGPU_SPECIFIER = "npm:@tensorflow/tfjs-backend-webgpu@4.22.0";
const TENSORFLOW_SPECIFIER = "npm:@tensorflow/tfjs-node-gpu@4.22.0";
const TENSORFLOW_PACKAGE = "@tensorflow/tfjs-node-gpu";

/** Largest accepted |backend − reference| in the activation self-check. */
const VERIFY_TOLERANCE = 1e-4;

/**
 * Activates a tfjs backend and verifies it numerically.
 *
 * - `wasm`, `cpu`: built in.
 * - `webgpu`: imports tfjs-backend-webgpu on demand (Deno's built-in `navigator.gpu`); a tensor above the
 *   adapter's storage-binding limit throws (lib/engine/webgpu_guard.ts) instead of computing zeros.
 * - `tensorflow`: tfjs-node-gpu (libtensorflow, CUDA) — opt-in for GPU runners; it is loaded from
 *   `node_modules` when installed there, otherwise imported from npm on demand.
 * - `auto`: `tensorflow` if `node_modules/@tensorflow/tfjs-node-gpu` exists under `cwd` and imports,
 *   else `wasm`; never downloads anything.
 *
 * Throws `Backend "x" is not available: …` when the backend's package cannot be imported,
 * `Backend "x" requested but tfjs is running on "y": …` when tfjs does not switch to it, and
 * `Backend "x" failed verification: …` when it computes wrong numbers.
 */
export async function initBackend(
  requested: BackendName,
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  const cwd = options.cwd ?? Deno.cwd();
  const tfjsVersion = tf.version.tfjs;
  switch (requested) {
    case "wasm":
    case "cpu":
      await activate(requested);
      break;
    case "webgpu":
      ensureXdgRuntimeDir();
      await importBackendPackage("webgpu", () => import(WEBGPU_SPECIFIER));
      await activate("webgpu");
      // tfjs-webgpu computes zeros, silently, in buffers above the binding limit: make that an error.
      guardStorageBuffers(tf.backend() as unknown as GuardedWebGpuBackend);
      break;
    case "tensorflow":
      await importBackendPackage("tensorflow", () => loadTensorflow(cwd, true));
      await activate("tensorflow");
      break;
    case "auto": {
      if (!existsSync(join(cwd, "node_modules", TENSORFLOW_PACKAGE))) {
        await activate("wasm");
        break;
      }
      try {
        await importBackendPackage("tensorflow", () => loadTensorflow(cwd, false));
      } catch (error) {
        // Installed but unusable (e.g. its libtensorflow binary was never downloaded): fall back, and
        // say why in the returned info so that run logs show it.
        await activate("wasm");
        await verifyActiveBackend("wasm");
        return { requested, active: "wasm", tfjsVersion, note: (error as Error).message };
      }
      // It imports, so the user has a GPU install: a failure to activate it is an error, not a fallback.
      await activate("tensorflow");
      break;
    }
    default:
      throw new Error(
        `Unknown backend "${requested satisfies never}", expected one of ${BACKEND_NAMES.join(", ")}`,
      );
  }
  const active = tf.getBackend();
  await verifyActiveBackend(active);
  return { requested, active, tfjsVersion };
}

/**
 * Sets XDG_RUNTIME_DIR, if unset, to a private folder under the temp dir: Deno's WebGPU prints errors
 * without it (headless machines, CI). Call before touching `navigator.gpu` directly.
 */
export function ensureXdgRuntimeDir(): void {
  if (Deno.env.get("XDG_RUNTIME_DIR") !== undefined) return;
  // One stable folder per user rather than a fresh temp folder per run, so runs leave nothing behind.
  const dir = join(tmpdir(), `sdrpn-xdg-${Deno.uid() ?? "user"}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  Deno.env.set("XDG_RUNTIME_DIR", dir);
}

/** Loads tfjs-node-gpu: from `cwd`'s node_modules if installed there, else from npm when allowed. */
async function loadTensorflow(cwd: string, allowFetch: boolean): Promise<unknown> {
  if (existsSync(join(cwd, "node_modules", TENSORFLOW_PACKAGE))) {
    // require() resolves strictly inside node_modules, so it cannot trigger a registry request.
    return createRequire(join(cwd, "noop.js"))(TENSORFLOW_PACKAGE);
  }
  if (!allowFetch) throw new Error(`${TENSORFLOW_PACKAGE} is not installed under "${cwd}"`);
  return await import(TENSORFLOW_SPECIFIER);
}

async function importBackendPackage(name: string, load: () => Promise<unknown>): Promise<void> {
  try {
    await load();
  } catch (error) {
    throw new Error(`Backend "${name}" is not available: ${firstLine(error)}`, { cause: error });
  }
}

/** `tf.setBackend` with its silent failure modes turned into an error. */
async function activate(name: string): Promise<void> {
  const previous = tf.getBackend() as string | null | undefined;
  // tfjs reports why a backend failed to initialise only through console.warn; capture it for the error.
  const warnings: string[] = [];
  const ok = await withCapturedWarnings(warnings, async () => {
    try {
      return await tf.setBackend(name);
    } catch (error) {
      warnings.unshift(firstLine(error));
      return false;
    }
  });
  if (ok && tf.getBackend() === name) {
    for (const w of warnings) console.warn(w);
    return;
  }

  // tfjs warns "Initialization of backend x failed" and then the error's stack; keep the error itself.
  const details = warnings
    .map((w) => firstLine(w).replace(/^\w*Error: /, ""))
    .filter((w) => w !== "" && !w.startsWith(`Initialization of backend ${name} failed`));
  const reason = details.length > 0
    ? details.join("; ")
    : ok
    ? `tf.getBackend() reports "${tf.getBackend()}"`
    : `tf.setBackend("${name}") returned false`;
  // After a failed setBackend tfjs has no working backend selected; put back what it had (or what it would
  // pick by itself) so that the message names where computation would really happen.
  await withCapturedWarnings([], async () => {
    try {
      if (previous && previous !== name) await tf.setBackend(previous);
      else await tf.ready();
    } catch {
      // Nothing usable is left; the message says "none".
    }
  });
  const running = tf.getBackend() === name ? "none" : (tf.getBackend() ?? "none");
  throw new Error(`Backend "${name}" requested but tfjs is running on "${running}": ${reason}`);
}

async function withCapturedWarnings<T>(sink: string[], f: () => Promise<T>): Promise<T> {
  const original = console.warn;
  console.warn = (...args: unknown[]) => sink.push(args.map(String).join(" "));
  try {
    return await f();
  } finally {
    console.warn = original;
  }
}

/**
 * Checks the active backend against a plain-JS reference: a [3, 4] × [4, 5] matMul and a softmax over
 * rows of 5 (tolerance 1e-4). Reads results with `await data()`, which every backend supports
 * (`dataSync` crashes on WebGPU under Deno).
 */
async function verifyActiveBackend(name: string): Promise<void> {
  const m = 3, k = 4, n = 5;
  // Fixed, exactly representable inputs with mixed signs; no randomness needed.
  const a = Float32Array.from({ length: m * k }, (_, i) => ((i * 7) % 11) / 4 - 1.25);
  const b = Float32Array.from({ length: k * n }, (_, i) => ((i * 5) % 13) / 8 - 0.75);
  // The cpu backend prints a banner recommending tfjs-node on its first tensor; that advice does not
  // apply here (see ENGINE-NOTES), so keep it out of every run log.
  const banner = "looks like you are running TensorFlow.js in Node.js";
  const warnings: string[] = [];
  const { product, probs } = await withCapturedWarnings(warnings, () =>
    Promise.resolve(tf.tidy(() => {
      const p = tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])); // [m, n]
      return { product: p, probs: tf.softmax(p) }; // softmax over the last axis
    })));
  for (const w of warnings) if (!w.includes(banner)) console.warn(w);
  let got: { product: Float32Array; probs: Float32Array };
  try {
    got = {
      product: (await product.data()) as Float32Array,
      probs: (await probs.data()) as Float32Array,
    };
  } finally {
    tf.dispose([product, probs]);
  }

  const want = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t]! * b[t * n + j]!;
      want[i * n + j] = s;
    }
  }
  const wantProbs = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = want.subarray(i * n, (i + 1) * n);
    const max = Math.max(...row);
    let z = 0;
    for (let j = 0; j < n; j++) z += Math.exp(row[j]! - max);
    for (let j = 0; j < n; j++) wantProbs[i * n + j] = Math.exp(row[j]! - max) / z;
  }
  checkClose(name, "matMul", got.product, want);
  checkClose(name, "softmax", got.probs, wantProbs);
}

function checkClose(backend: string, op: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  if (got.length !== want.length) {
    throw new Error(
      `Backend "${backend}" failed verification: ${op} returned ${got.length} values, expected ${want.length}`,
    );
  }
  for (let i = 0; i < want.length; i++) {
    const diff = Math.abs(got[i]! - want[i]!);
    // `!(diff <= tol)` also catches NaN.
    if (!(diff <= VERIFY_TOLERANCE)) {
      throw new Error(
        `Backend "${backend}" failed verification: ${op} value ${i} is ${got[i]}, ` +
          `the plain-JS reference is ${want[i]!.toPrecision(6)}`,
      );
    }
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]!.trim();
}
