/**
 * Canonical JSON and config hashes.
 *
 * Artifacts (pseudo-labels, RPN weights) are cached under the hash of the config that produced them,
 * and every result records the hash of its config. The hash must therefore not depend on key order,
 * whitespace or how the config object was assembled — only on its JSON value.
 */
import { createHash } from "node:crypto";

/** Where a value stops being plain JSON, and why. */
export interface JsonProblem {
  /** Keys and indices from the root to the offending value. */
  path: (string | number)[];
  /** Why the value is not plain JSON, e.g. `NaN is not valid JSON`. */
  reason: string;
}

/**
 * First place where `value` is not plain JSON (null, boolean, finite number, string, array, plain
 * object), or undefined when it is. Depth-first, object keys in sorted order, so the report is stable.
 */
export function findNonJson(value: unknown, path: (string | number)[] = []): JsonProblem | undefined {
  if (value === null || typeof value === "boolean" || typeof value === "string") return undefined;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return undefined;
    return { path, reason: `${value} is not valid JSON` };
  }
  if (value === undefined) return { path, reason: "undefined is not valid JSON" };
  if (typeof value !== "object") return { path, reason: `a ${typeof value} is not valid JSON` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      // Holes in sparse arrays read as undefined and are reported as such.
      const problem = findNonJson(value[i], [...path, i]);
      if (problem) return problem;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    // Dates, Maps, typed arrays... would serialise lossily or depend on toJSON(); refuse them.
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
    return { path, reason: `a ${name} is not plain JSON` };
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    const problem = findNonJson(record[key], [...path, key]);
    if (problem) return problem;
  }
  return undefined;
}

/** `a.b[2].c` for a path; `(root)` for the empty path. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return "(root)";
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

/**
 * JSON with object keys sorted recursively (by UTF-16 code unit) and no whitespace. Rejects NaN,
 * ±Infinity, undefined and non-plain objects with an error naming the key path, instead of silently
 * writing `null` or dropping the key as `JSON.stringify` would.
 */
export function canonicalJson(value: unknown): string {
  const problem = findNonJson(value);
  if (problem) {
    throw new TypeError(
      `Cannot canonicalise value at "${formatJsonPath(problem.path)}": ${problem.reason}`,
    );
  }
  return write(value);
}

function write(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(write).join(",")}]`;
  const record = value as Record<string, unknown>;
  const parts = Object.keys(record).sort().map((key) => `${JSON.stringify(key)}:${write(record[key])}`);
  return `{${parts.join(",")}}`;
}

/** First 16 hex characters (64 bits) of the SHA-256 of `canonicalJson(value)`. */
export function configHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value), "utf8").digest("hex").slice(0, 16);
}
