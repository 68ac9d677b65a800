/**
 * Command-line layer shared by every experiment script: flags, typed config with scale presets and
 * `--set` overrides, usage text, and the error-to-exit-code wrapper.
 *
 * Built on `node:util` parseArgs + zod because JSR (Cliffy, @std/cli) is unreachable here. Everything
 * CLI-specific lives in lib/cli/ so this module can be swapped for Cliffy without touching scripts.
 *
 * A script:
 * ```ts
 * const cli = defineCli({ name: "sink-removal", description: "...", schema: Config, scales });
 * await runMain(async () => {
 *   const args = cli.parse(Deno.args);
 *   if (args.help) return console.log(cli.usage());
 *   // ... run with args.config, args.seeds, args.backend; print the result to stdout if args.json
 * });
 * ```
 */
import { parseArgs } from "node:util";
import type { z } from "zod";

import { BACKEND_NAMES, type BackendName } from "../engine/backend_names.ts";
export { BACKEND_NAMES, type BackendName };

/** Size presets accepted by `--scale`. */
export const SCALE_NAMES = ["quick", "default", "full"] as const;
/** A `--scale` value. */
export type Scale = (typeof SCALE_NAMES)[number];

/** Recursive partial, so scale presets can override single fields of nested config objects. */
export type DeepPartial<T> = T extends readonly unknown[] ? T
  : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> }
  : T;

/** What a script declares about its command line. */
export interface CliSpec<S extends z.ZodObject> {
  /** Script name, as in `deno task <name>`. */
  name: string;
  /** One line on what the script does (the paper table or ablation it regenerates). */
  description: string;
  /** Config schema; defaults and `.describe()` texts appear in `usage()`. */
  schema: S;
  /** Overrides per `--scale`, applied over the schema defaults and under `--set`. */
  scales: Record<Scale, DeepPartial<z.infer<S>>>;
  /** Extra boolean flags: name (without dashes) → description. */
  flags?: Record<string, string>;
  /** Extra valued options (`--name VALUE`): name (without dashes) → description. */
  options?: Record<string, string>;
  /**
   * How many seeds a scale runs when `--seeds` is not given: `--seed` (default 0) and the next ones, e.g.
   * `{ default: 3 }` → seeds 0, 1, 2. Scales not listed run one seed.
   */
  seedCount?: Partial<Record<Scale, number>>;
}

/** Parsed command line. */
export interface CliArgs<T> {
  /** Resolved config: schema defaults < scale preset < `--set`, validated by the schema. */
  config: T;
  scale: Scale;
  /** `--seed`, else the first of `--seeds`, else 0. */
  seed: number;
  /** `--seeds`, else `seedCount[scale]` consecutive seeds from `seed` (default one: `[seed]`). */
  seeds: number[];
  backend: BackendName;
  /** `--json`: print the result JSON to stdout (progress and logs go to stderr). */
  json: boolean;
  /** `--help`/`-h`: the caller prints `usage()` and exits. */
  help: boolean;
  /** Extra flags from `CliSpec.flags`, each true when given. */
  flags: Record<string, boolean>;
  /** Extra valued options from `CliSpec.options`: the value given, or undefined. */
  options: Record<string, string | undefined>;
  /**
   * What the same `--scale` gives with no `--set`, `--seed` or `--seeds` (the scale's preset run), which
   * lib/experiment/destination.ts compares a run against; undefined when the preset alone is not a valid
   * config (a key without a default).
   */
  preset?: { config: T; seeds: number[] };
  /** The dotted config keys given with `--set`, in order (e.g. to tell a given `out` from a preset's). */
  setKeys: string[];
}

/** A script's command line: `parse(Deno.args)` and `usage()`. */
export interface Cli<T> {
  parse(argv: readonly string[]): CliArgs<T>;
  usage(): string;
}

const BUILTIN_FLAGS = new Set(["help", "scale", "seed", "seeds", "backend", "json", "set"]);
const MAX_SEED = 0xffffffff;

/**
 * Declare a script's command line.
 *
 * Flags: `--help/-h`, `--scale quick|default|full`, `--seed N`, `--seeds 0,1,2`, `--backend NAME`,
 * `--json`, `--set key=value` (repeatable; the value is parsed as JSON when it parses and the key is
 * not a string field, else taken as a string; dotted keys reach nested objects), plus `spec.flags`.
 * Unknown flags and unknown config keys are errors. Scale presets are checked for unknown keys here,
 * so a typo in a script fails at start-up, not when that scale is first used.
 */
export function defineCli<S extends z.ZodObject>(spec: CliSpec<S>): Cli<z.infer<S>> {
  const extraFlags = Object.keys(spec.flags ?? {});
  const extraOptions = Object.keys(spec.options ?? {});
  for (const flag of [...extraFlags, ...extraOptions]) {
    if (BUILTIN_FLAGS.has(flag)) throw new Error(`Flag "--${flag}" is built in and cannot be redefined`);
  }
  for (const flag of extraOptions) {
    if (extraFlags.includes(flag)) throw new Error(`Flag "--${flag}" is declared as a flag and as an option`);
  }
  for (const [scale, count] of Object.entries(spec.seedCount ?? {})) {
    if (!Number.isInteger(count) || count < 1) {
      throw new Error(`Invalid seed count "${count}" for scale "${scale}": expected a positive integer`);
    }
  }
  for (const scale of SCALE_NAMES) {
    try {
      checkPresetKeys(spec.schema, spec.scales[scale], []);
    } catch (error) {
      throw new Error(`Invalid scale preset "${scale}": ${lowerFirst((error as Error).message)}`);
    }
  }

  const options: Record<string, { type: "boolean" | "string"; short?: string; multiple?: boolean }> = {
    help: { type: "boolean", short: "h" },
    scale: { type: "string" },
    seed: { type: "string" },
    seeds: { type: "string" },
    backend: { type: "string" },
    json: { type: "boolean" },
    set: { type: "string", multiple: true },
  };
  for (const flag of extraFlags) options[flag] = { type: "boolean" };
  for (const option of extraOptions) options[option] = { type: "string" };

  function parse(argv: readonly string[]): CliArgs<z.infer<S>> {
    let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
    try {
      values = parseArgs({ args: joinNegativeSeeds(argv), options, strict: true, allowPositionals: false })
        .values;
    } catch (error) {
      throw new Error(parseArgsMessage(error));
    }
    const scale = oneOf("--scale", values.scale as string | undefined, SCALE_NAMES, "default");
    const backend = oneOf("--backend", values.backend as string | undefined, BACKEND_NAMES, "auto");
    const seedFlag = values.seed === undefined ? undefined : parseSeed("--seed", values.seed as string);
    const seeds = values.seeds === undefined ? undefined : parseSeeds(values.seeds as string);
    const seed = seedFlag ?? seeds?.[0] ?? 0;
    const count = spec.seedCount?.[scale] ?? 1;
    if (seeds === undefined && seed + count - 1 > MAX_SEED) {
      throw new Error(
        `Invalid value for --seed "${seed}": the ${count} seeds of this scale pass ${MAX_SEED}`,
      );
    }
    const sets = (values.set ?? []) as string[];
    const flags: Record<string, boolean> = {};
    for (const flag of extraFlags) flags[flag] = values[flag] === true;
    const extra: Record<string, string | undefined> = {};
    for (const option of extraOptions) extra[option] = values[option] as string | undefined;
    const preset = presetRun(spec.schema, spec.scales[scale], count);
    return {
      config: resolveConfig(spec.schema, spec.scales[scale], sets),
      scale,
      seed,
      seeds: seeds ?? Array.from({ length: count }, (_, i) => seed + i),
      backend,
      json: values.json === true,
      help: values.help === true,
      flags,
      options: extra,
      ...(preset ? { preset } : {}),
      setKeys: sets.map((entry) => entry.slice(0, Math.max(0, entry.indexOf("="))).trim()),
    };
  }

  function usage(): string {
    return formatUsage(spec);
  }

  return { parse, usage };
}

// --- config resolution -------------------------------------------------------------------------------

type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
};

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schema under default/optional/nullable/readonly/catch/pipe wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 32; i++) {
    const def = defOf(current);
    const next = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    if (!next) return current;
    current = next;
  }
  return current;
}

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const def = defOf(unwrap(schema));
  return def.type === "object" ? def.shape : undefined;
}

function descriptionOf(schema: z.ZodType): string | undefined {
  let current: z.ZodType | undefined = schema;
  for (let i = 0; current && i < 32; i++) {
    if (current.description) return current.description;
    const def = defOf(current);
    current = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
  }
  return undefined;
}

/**
 * Schema of the value at a dotted key, or an error naming the unknown part. `record` fields accept
 * any key below them.
 */
function schemaAt(root: z.ZodObject, path: readonly string[]): z.ZodType {
  let current: z.ZodType = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const here = path.slice(0, i + 1).join(".");
    const def = defOf(unwrap(current));
    if (def.type === "record" && def.valueType) {
      current = def.valueType;
      continue;
    }
    const shape = shapeOf(current);
    if (!shape) {
      throw new Error(
        `Unknown config key "${path.join(".")}" ("${path.slice(0, i).join(".")}" is not an object)`,
      );
    }
    const next = shape[key];
    if (!next) {
      const prefix = path.slice(0, i).map((p) => `${p}.`).join("");
      const known = Object.keys(shape).map((k) => prefix + k).join(", ");
      throw new Error(`Unknown config key "${here}" (known: ${known})`);
    }
    current = next;
  }
  return current;
}

/** Throw on the first preset key that the schema does not know, naming it by its full dotted path. */
function checkPresetKeys(root: z.ZodObject, preset: unknown, path: string[]): void {
  if (!isPlainObject(preset)) return;
  for (const [key, value] of Object.entries(preset)) {
    const keyPath = [...path, key];
    const field = schemaAt(root, keyPath);
    if (shapeOf(field) && isPlainObject(value)) checkPresetKeys(root, value, keyPath);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Per-key schema defaults (keys without one are left out so zod reports them as missing). */
function schemaDefaults(schema: z.ZodObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const parsed = field.safeParse(undefined);
    if (parsed.success && parsed.data !== undefined) out[key] = structuredClone(parsed.data);
  }
  return out;
}

function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return structuredClone(override);
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = value === undefined ? out[key] : deepMerge(out[key], value);
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!isPlainObject(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function parseSetValue(raw: string, field: z.ZodType): unknown {
  // A string field keeps the text as typed, so `--set name=123` or `--set tag=true` stay strings.
  if (defOf(unwrap(field)).type === "string") return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function resolveConfig<S extends z.ZodObject>(
  schema: S,
  preset: DeepPartial<z.infer<S>>,
  sets: readonly string[],
): z.infer<S> {
  const merged = deepMerge(schemaDefaults(schema), preset) as Record<string, unknown>;
  for (const entry of sets) {
    const eq = entry.indexOf("=");
    const key = eq < 0 ? "" : entry.slice(0, eq).trim();
    const path = key.split(".");
    if (eq < 0 || path.some((p) => p === "")) {
      throw new Error(`Invalid --set "${entry}": expected key=value`);
    }
    const field = schemaAt(schema, path);
    setPath(merged, path, parseSetValue(entry.slice(eq + 1), field));
  }
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String).join(".");
    if (path === "") throw new Error(`Invalid config: ${issue.message}`);
    const value = valueAt(merged, issue.path.map(String));
    if (value === undefined) throw new Error(`Invalid value for config key "${path}": ${issue.message}`);
    throw new Error(`Invalid value "${formatValue(value)}" for config key "${path}": ${issue.message}`);
  }
  return parsed.data;
}

/** A config value as the user would type it after `--set key=`. */
export function formatValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The scale's preset run: its config without `--set`, and its default seeds from 0. */
function presetRun<S extends z.ZodObject>(
  schema: S,
  preset: DeepPartial<z.infer<S>>,
  count: number,
): { config: z.infer<S>; seeds: number[] } | undefined {
  try {
    return { config: resolveConfig(schema, preset, []), seeds: Array.from({ length: count }, (_, i) => i) };
  } catch {
    return undefined;
  }
}

// --- flag values -------------------------------------------------------------------------------------

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`Invalid value for ${flag} "${value}" (expected ${allowed.join(", ")})`);
}

function parseSeed(flag: string, text: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || value > MAX_SEED) {
    throw new Error(`Invalid value for ${flag} "${text}": expected an integer from 0 to ${MAX_SEED}`);
  }
  return value;
}

/**
 * `--seed -1` and `--seeds -1,2` as `--seed=-1` and `--seeds=-1,2`: node:util reads a value that starts
 * with "-" as the next option and reports a missing value, while the seed parser can say what is wrong.
 */
function joinNegativeSeeds(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if ((arg === "--seed" || arg === "--seeds") && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function parseSeeds(text: string): number[] {
  const parts = text.split(",");
  const negative = parts.find((p) => /^\s*-\s*\d+\s*$/.test(p));
  if (negative !== undefined) {
    throw new Error(
      `Invalid value for --seeds "${text}": seed "${negative.trim()}" is negative, expected integers from 0 ` +
        `to ${MAX_SEED}`,
    );
  }
  if (parts.some((p) => !/^\s*\d+\s*$/.test(p))) {
    throw new Error(`Invalid value for --seeds "${text}": expected comma-separated integers, e.g. 0,1,2`);
  }
  const seeds = parts.map((p) => parseSeed("--seeds", p));
  if (new Set(seeds).size !== seeds.length) {
    throw new Error(`Invalid value for --seeds "${text}": repeated seed`);
  }
  return seeds;
}

/** node:util's parse errors, reworded in the suite's error style. */
function parseArgsMessage(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const quoted = (message ?? "").match(/'([^']+)'/)?.[1] ?? "";
  const option = quoted.split(" ")[0] ?? quoted;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `Unknown option "${option}"`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `Unexpected argument "${quoted}" (config values go through --set key=value)`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /does not take an argument/.test(message ?? "")
        ? `Option "${option}" does not take a value`
        : `Missing value for option "${option}"`;
    default:
      return message ?? String(error);
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

// --- usage -------------------------------------------------------------------------------------------

function formatUsage<S extends z.ZodObject>(spec: CliSpec<S>): string {
  const flagRows: [string, string][] = [
    ["-h, --help", "Show this help and exit"],
    ["--scale <name>", `Size preset: ${SCALE_NAMES.join(", ")} (default: default)`],
    ["--seed <n>", "Seed of the run (default: 0)"],
    ["--seeds <list>", `Comma-separated seeds, e.g. 0,1,2 (default: ${seedsDefaultText(spec.seedCount)})`],
    ["--backend <name>", `tfjs backend: ${BACKEND_NAMES.join(", ")} (default: auto)`],
    ["--json", "Print the result JSON to stdout"],
    ["--set <key=value>", "Override a config key (repeatable; value parsed as JSON when it parses)"],
    ...Object.entries(spec.flags ?? {}).map(([flag, text]): [string, string] => [`--${flag}`, text]),
    ...Object.entries(spec.options ?? {}).map((
      [name, text],
    ): [string, string] => [`--${name} <value>`, text]),
  ];

  const defaults = schemaDefaults(spec.schema);
  const keyRows: [string, string, string][] = [];
  const walk = (shape: Record<string, z.ZodType>, prefix: string[]) => {
    for (const [key, field] of Object.entries(shape)) {
      const path = [...prefix, key];
      const nested = shapeOf(field);
      if (nested) {
        walk(nested, path);
        continue;
      }
      let text = descriptionOf(field) ?? "";
      const presets = SCALE_NAMES
        .map((scale) => [scale, valueAt(spec.scales[scale], path)] as const)
        .filter(([, value]) => value !== undefined)
        .map(([scale, value]) => `${scale}: ${JSON.stringify(value)}`);
      if (presets.length > 0) text += `${text ? " " : ""}[${presets.join(", ")}]`;
      keyRows.push([path.join("."), defaultText(defaults, path, field), text]);
    }
  };
  walk(spec.schema.shape as Record<string, z.ZodType>, []);

  const flagWidth = Math.max(...flagRows.map(([f]) => f.length));
  const keyWidth = Math.max(0, ...keyRows.map(([k]) => k.length));
  const defaultWidth = Math.max(0, ...keyRows.map(([, d]) => d.length));
  const lines = [
    `${spec.name}: ${spec.description}`,
    "",
    `Usage: deno task ${spec.name} [options]`,
    "",
    "Options:",
    ...flagRows.map(([flag, text]) => `  ${flag.padEnd(flagWidth)}  ${text}`),
    "",
    "Config keys (--set key=value; default, then description and scale presets):",
    ...keyRows.map(([key, def, text]) =>
      `  ${key.padEnd(keyWidth)}  ${def.padEnd(defaultWidth)}  ${text}`.trimEnd()
    ),
  ];
  if (keyRows.length === 0) lines.push("  (none)");
  return lines.join("\n");
}

function seedsDefaultText(counts: Partial<Record<Scale, number>> | undefined): string {
  const listed = SCALE_NAMES.filter((scale) => (counts?.[scale] ?? 1) > 1);
  if (listed.length === 0) return "the --seed value";
  const parts = SCALE_NAMES.map((scale) => `${scale}: ${counts?.[scale] ?? 1}`);
  return `this many seeds from --seed, ${parts.join(", ")}`;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function defaultText(defaults: Record<string, unknown>, path: readonly string[], field: z.ZodType): string {
  const value = valueAt(defaults, path);
  if (value !== undefined) return JSON.stringify(value);
  return field.safeParse(undefined).success ? "(unset)" : "(required)";
}

// --- entry point -------------------------------------------------------------------------------------

/** Hooks for tests; scripts call `runMain(fn)` without them. */
export interface RunMainOptions {
  /** Defaults to `Deno.exit`. */
  exit?: (code: number) => void;
  /** Defaults to writing the line to stderr. */
  writeError?: (line: string) => void;
  /** Print the stack too; defaults to env SDRPN_DEBUG=1. */
  debug?: boolean;
}

/**
 * Run a script's main function. On error print only `error: <message>` to stderr (plus the stack
 * when SDRPN_DEBUG=1) and exit with code 1: users see the actionable message, not a stack trace.
 */
export async function runMain(fn: () => unknown, options: RunMainOptions = {}): Promise<void> {
  try {
    await fn();
  } catch (error) {
    const writeError = options.writeError ?? ((line: string) => console.error(line));
    const message = error instanceof Error ? error.message : String(error);
    writeError(`error: ${message}`);
    if (options.debug ?? debugFromEnv()) {
      if (error instanceof Error && error.stack) writeError(error.stack);
    }
    (options.exit ?? Deno.exit)(1);
  }
}

function debugFromEnv(): boolean {
  try {
    return Deno.env.get("SDRPN_DEBUG") === "1";
  } catch {
    // Without --allow-env there is no way to ask for stacks; default to the short message.
    return false;
  }
}
