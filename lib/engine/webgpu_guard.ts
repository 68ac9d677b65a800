/**
 * A loud error where tfjs-backend-webgpu is silent: a tensor whose storage buffer is larger than the device's
 * `maxStorageBufferBindingSize` cannot be bound to a shader, and tfjs-webgpu 4.22 then computes zeros without
 * any error (measured on lavapipe, whose limit is 128 MiB: a matMul with a [4096, 8193] f32 weight gave
 * zeros, [4096, 8192] was correct; README "GPU"). The guard wraps the backend's buffer manager so that
 * allocating such a buffer throws, naming the sizes, before any wrong number is computed.
 */

/** `GPUBufferUsage.STORAGE`: buffers bound to shaders as storage (tensor data). */
const STORAGE_USAGE = 0x80;

/** The parts of tfjs-backend-webgpu's `WebGPUBackend` the guard touches. */
export interface GuardedWebGpuBackend {
  device: { limits: { maxStorageBufferBindingSize: number } };
  bufferManager: {
    acquireBuffer(size: number, usage: number, ...rest: unknown[]): unknown;
  };
}

/** The error a too-large storage buffer raises. */
export function storageLimitMessage(size: number, limit: number): string {
  return `WebGPU buffer of ${size} bytes exceeds this adapter's maxStorageBufferBindingSize (${limit} bytes): ` +
    `tfjs-webgpu would compute zeros without an error; use a smaller batch or --backend wasm`;
}

/**
 * Make `backend` throw when a storage buffer above the device's binding limit is requested. Idempotent;
 * returns the limit.
 */
export function guardStorageBuffers(backend: GuardedWebGpuBackend): number {
  const limit = backend.device.limits.maxStorageBufferBindingSize;
  const manager = backend.bufferManager as GuardedWebGpuBackend["bufferManager"] & { [GUARDED]?: true };
  if (manager[GUARDED]) return limit;
  const acquire = manager.acquireBuffer.bind(manager);
  manager.acquireBuffer = (size: number, usage: number, ...rest: unknown[]) => {
    if ((usage & STORAGE_USAGE) !== 0 && size > limit) throw new Error(storageLimitMessage(size, limit));
    return acquire(size, usage, ...rest);
  };
  manager[GUARDED] = true;
  return limit;
}

const GUARDED = Symbol("storage-limit-guard");
