/** A tfjs backend the suite can run on; `auto` picks `tensorflow` when installed and working, else `wasm`. */
export type BackendName = "auto" | "wasm" | "cpu" | "webgpu" | "tensorflow";

/** Every accepted `BackendName` (kept apart from backend.ts so the CLI layer need not load tfjs). */
export const BACKEND_NAMES: readonly BackendName[] = ["auto", "wasm", "cpu", "webgpu", "tensorflow"];
