/**
 * Reading and writing result files, and the environment facts every result records.
 *
 * Results are validated on both sides of the disk so a report never renders a file that an older or
 * buggy script wrote, and written with keys in a stable order so identical runs give identical bytes.
 */
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { writeJsonAtomic } from "./atomic.ts";
import { type Result, ResultSchema } from "./schema.ts";

/** Validate `result` against `ResultSchema` and write it atomically as 2-space JSON. */
export async function writeResult(path: string, result: Result): Promise<void> {
  const parsed = ResultSchema.safeParse(result);
  if (!parsed.success) throw new Error(`Invalid result for "${path}": ${describeIssue(parsed.error)}`);
  await writeJsonAtomic(path, stableResult(parsed.data));
}

/** Read and validate a result file; errors name the file and, for schema errors, the field. */
export async function readResult(path: string): Promise<Result> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "file not found" : errorMessage(error);
    throw new Error(`Cannot read result file "${path}": ${reason}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`Malformed result file "${path}": invalid JSON (${errorMessage(error)})`);
  }
  const parsed = ResultSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Malformed result file "${path}": ${describeIssue(parsed.error)}`);
  return parsed.data;
}

/** `rows.0.value: Invalid input: expected number, received string` for the first issue. */
function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "unknown validation error";
  const path = issue.path.map(String).join(".");
  return path === "" ? issue.message : `${path}: ${issue.message}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Same result with free-form records (config, packages, row extras, timing phases) key-sorted, so the
 * bytes do not depend on the order in which a script happened to fill them. Fixed-shape objects keep
 * the schema's field order, which zod's output already follows.
 */
function stableResult(result: Result): Result {
  return {
    ...result,
    config: sortKeysDeep(result.config) as Result["config"],
    packages: sortKeysDeep(result.packages) as Result["packages"],
    rows: result.rows.map((row) =>
      row.extra === undefined ? row : { ...row, extra: sortKeysDeep(row.extra) as typeof row.extra }
    ),
    timing: result.timing.phases === undefined
      ? result.timing
      : { ...result.timing, phases: sortKeysDeep(result.timing.phases) as Record<string, number> },
  };
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) out[key] = sortKeysDeep(record[key]);
  return out;
}

/** The machine facts a result records. */
export interface MachineInfo {
  /** Logical cores (navigator.hardwareConcurrency). */
  cores: number;
  /** CPU model from /proc/cpuinfo, or "unknown" where that is not readable. */
  cpuModel: string;
  /** `<os> <arch>`, e.g. "linux x86_64". */
  os: string;
}

/** Cores, CPU model and OS of this machine. Needs read access to /proc/cpuinfo for the CPU model. */
export function machineInfo(): MachineInfo {
  return {
    cores: navigator.hardwareConcurrency,
    cpuModel: cpuModel(),
    os: `${Deno.build.os} ${Deno.build.arch}`,
  };
}

function cpuModel(): string {
  let text: string;
  try {
    text = Deno.readTextFileSync("/proc/cpuinfo");
  } catch {
    return "unknown";
  }
  // x86 says "model name"; some ARM kernels only give "Hardware" or "Processor".
  for (const key of ["model name", "Hardware", "Processor"]) {
    const match = text.match(new RegExp(`^${key}\\s*:\\s*(.+)$`, "m"));
    if (match?.[1]) return match[1].trim().replace(/\s+/g, " ");
  }
  return "unknown";
}

const DENO_JSON = new URL("../../deno.json", import.meta.url);

/**
 * Package name → version from the import map in the project's deno.json (`npm:name@version` and
 * `jsr:name@version` specifiers), plus "deno" → the running Deno version.
 */
export function packageVersions(denoJson: URL | string = DENO_JSON): Record<string, string> {
  const path = denoJson instanceof URL ? fileURLToPath(denoJson) : denoJson;
  let imports: unknown;
  try {
    imports = (JSON.parse(Deno.readTextFileSync(path)) as { imports?: unknown }).imports;
  } catch (error) {
    throw new Error(`Cannot read package versions from "${path}": ${errorMessage(error)}`);
  }
  if (imports === undefined) imports = {};
  if (imports === null || typeof imports !== "object" || Array.isArray(imports)) {
    throw new Error(`Cannot read package versions from "${path}": "imports" is not an object`);
  }
  return { ...parsePackageVersions(imports as Record<string, unknown>), deno: Deno.version.deno };
}

/**
 * Versions from an import map: `{ "zod": "npm:zod@4.6.7", "x": "npm:@a/b@1.2.3/sub" }` →
 * `{ "zod": "4.6.7", "@a/b": "1.2.3" }`. Entries without a pinned npm/jsr version are skipped. Keys sorted.
 */
export function parsePackageVersions(imports: Record<string, unknown>): Record<string, string> {
  const found: [string, string][] = [];
  for (const specifier of Object.values(imports)) {
    if (typeof specifier !== "string") continue;
    const match = specifier.match(/^(?:npm|jsr):(@[^/@]+\/[^/@]+|[^/@]+)@([^/]+)/);
    if (match?.[1] && match[2]) found.push([match[1], match[2]]);
  }
  found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(found);
}
