/**
 * Where a run's result goes (issue 14, defect 3): the committed `results/*.json` are written only by the
 * canonical run, so an exploratory `deno task eval-base --set n=2` can never replace them.
 *
 * The canonical run is the default scale's preset run: the config that `--scale default` gives with no
 * `--set` (compared value by value, so `--set n=300` where 300 is the default still is canonical), the
 * default seeds, the shipped checkpoint (`data/base` with the weights hash the committed results record)
 * and the wasm backend they were measured on. The only key that never changes a result is `out` itself;
 * every other key (batch size, cache and data folders included) takes a run off the canonical path, which
 * errs on the safe side: the run still completes, under results/scratch/.
 *
 * Destinations:
 *   canonical run                     → results/<stem>.json
 *   quick/full preset run             → the scale's own place, results/scratch/<scale>/<stem>.json
 *   any other run                     → results/scratch/<hash>/<stem>.json, the hash of what makes it differ
 *   `--set out=FILE`                  → FILE, unless FILE is in results/ and the run is not canonical
 */
import { dirname, join, resolve } from "node:path";
import type { Scale } from "../cli/mod.ts";
import { formatValue } from "../cli/args.ts";
import { canonicalJson, configHash } from "../results/hash.ts";
import { resultDir } from "./config.ts";

/** The folder of the committed, canonical results. */
export const CANONICAL_RESULTS_DIR = "results";
/** The git-ignored folder of every other run's results. */
export const SCRATCH_RESULTS_DIR = join(CANONICAL_RESULTS_DIR, "scratch");
/**
 * Weights hash (lib/results/record.ts `fileHash`) of the shipped data/base/model.safetensors, the one the
 * committed results record; shipping a new checkpoint updates it (tests/shipped_model_test.ts checks it).
 */
export const SHIPPED_CHECKPOINT_HASH = "1d9a7ae860d4a675";
/** The backend the committed results were measured on (what `--backend auto` picks on the reference machine). */
export const CANONICAL_BACKEND = "wasm";
/** Config keys that never change a result. */
export const RESULT_NEUTRAL_KEYS: readonly string[] = ["out"];

/** What decides a run's destination. */
export interface RunFacts {
  scale: Scale;
  /** The run's resolved config. */
  config: object;
  seeds: readonly number[];
  /** The same scale's preset run (lib/cli `CliArgs.preset`); undefined: the scale has none. */
  preset?: { config: object; seeds: readonly number[] } | undefined;
  /** Hash of the weights; undefined when not known yet (reproduce: its experiments check it). */
  checkpointHash?: string;
  /** Active backend; undefined when not known yet. */
  backend?: string;
  /**
   * Whether the user gave `out` (`CliArgs.setKeys`); when undefined, an `out` that differs from the
   * preset's counts as given.
   */
  outGiven?: boolean;
  /** Keys left out of the comparison and the hash (default `RESULT_NEUTRAL_KEYS`). */
  neutralKeys?: readonly string[];
}

/** A run's result file and why it is (not) canonical. */
export interface Destination {
  path: string;
  /** True for the canonical run only. */
  canonical: boolean;
  /** How the run differs from its scale's preset run (empty for a preset run). */
  differences: string[];
}

/**
 * How a run differs from its scale's preset run, one phrase per difference: config keys (as dotted keys,
 * with both values), seeds, a checkpoint other than the shipped one, a backend other than wasm.
 */
export function presetDifferences(facts: RunFacts): string[] {
  if (!facts.preset) return ["the scale has no complete preset config"];
  const neutral = facts.neutralKeys ?? RESULT_NEUTRAL_KEYS;
  const out = diffKeys(
    withoutKeys(facts.preset.config, neutral),
    withoutKeys(facts.config, neutral),
    [],
  );
  if (facts.seeds.join(",") !== facts.preset.seeds.join(",")) {
    out.push(`seeds ${facts.seeds.join(",")} instead of ${facts.preset.seeds.join(",")}`);
  }
  if (facts.checkpointHash !== undefined && facts.checkpointHash !== SHIPPED_CHECKPOINT_HASH) {
    out.push(
      `checkpoint weights "${facts.checkpointHash}" instead of the shipped "${SHIPPED_CHECKPOINT_HASH}"`,
    );
  }
  if (facts.backend !== undefined && facts.backend !== CANONICAL_BACKEND) {
    out.push(`backend ${facts.backend} instead of ${CANONICAL_BACKEND}`);
  }
  return out;
}

/** 16 hex digits identifying a run's results: scale, config (without neutral keys), seeds, weights, backend. */
export function runHash(facts: RunFacts): string {
  return configHash(withoutUndefined({
    scale: facts.scale,
    config: withoutKeys(facts.config, facts.neutralKeys ?? RESULT_NEUTRAL_KEYS),
    seeds: facts.seeds,
    checkpointHash: facts.checkpointHash,
    backend: facts.backend,
  }));
}

/**
 * The folder a run's results go to when it names none: results/ for the canonical run, the scale's
 * results/scratch/<scale>/ for a quick or full preset run, else results/scratch/<runHash>/.
 */
export function runResultsDir(facts: RunFacts): string {
  if (presetDifferences(facts).length > 0) return join(SCRATCH_RESULTS_DIR, runHash(facts));
  return resultDir(facts.scale);
}

/**
 * `runResultsDir` for a driver of other runs (reproduce) from its parsed command line, before any model or
 * backend is opened: `--backend auto` is not yet a backend (its runs check the one it picks), any other is.
 */
export function driverResultsDir(
  args: {
    scale: Scale;
    config: object;
    seeds: readonly number[];
    preset?: { config: object; seeds: readonly number[] };
    backend: string;
  },
  neutralKeys: readonly string[],
): string {
  const { scale, config, seeds, preset, backend } = args;
  return runResultsDir({
    scale,
    config,
    seeds,
    ...(preset ? { preset } : {}),
    neutralKeys,
    ...(backend === "auto" ? {} : { backend }),
  });
}

/**
 * Where the result `<stem>.json` of a run goes. A given `out` is honoured; one that is only the preset's
 * (eval-base's results/eval_base.json) is where the preset run writes, and an empty `out` means the default
 * destination. Throws when a run that is not canonical names a file in results/ itself.
 */
export function resultDestination(stem: string, facts: RunFacts): Destination {
  const differences = presetDifferences(facts);
  const canonical = differences.length === 0 && facts.scale === "default";
  const out = stringKey(facts.config, "out");
  const presetOut = facts.preset ? stringKey(facts.preset.config, "out") : "";
  if (out !== "" && (facts.outGiven ?? out !== presetOut)) {
    if (!canonical && resolve(dirname(out)) === resolve(CANONICAL_RESULTS_DIR)) {
      const why = differences.length > 0 ? differences.join("; ") : `${facts.scale} scale`;
      throw new Error(
        `Refusing to write "${out}": ${CANONICAL_RESULTS_DIR}/ holds the canonical results and this run is not ` +
          `canonical (${why}); leave out "out" to write under ${SCRATCH_RESULTS_DIR}/, or name a file outside ` +
          `${CANONICAL_RESULTS_DIR}/`,
      );
    }
    return { path: out, canonical, differences };
  }
  if (differences.length === 0 && presetOut !== "") return { path: presetOut, canonical, differences };
  return { path: join(runResultsDir(facts), `${stem}.json`), canonical, differences };
}

/**
 * Throws when a report would be written into results/ (the committed REPORT.md and figures) from any folder
 * but results/ itself: the canonical report is built from the canonical results only.
 */
export function checkReportDestination(resultsDir: string, out: string): void {
  const canonical = resolve(CANONICAL_RESULTS_DIR);
  if (resolve(dirname(out)) !== canonical || resolve(resultsDir) === canonical) return;
  throw new Error(
    `Refusing to write "${out}": ${CANONICAL_RESULTS_DIR}/ holds the canonical report, built from ` +
      `${CANONICAL_RESULTS_DIR}/ only, not from "${resultsDir}"; leave out --out to write it beside those ` +
      `results, or name a file outside ${CANONICAL_RESULTS_DIR}/`,
  );
}

/** One line for stderr: where the result goes, and why there when the run is not a preset run. */
export function describeDestination(dest: Destination): string {
  if (dest.differences.length === 0) return dest.path;
  return `${dest.path} (not the canonical run: ${dest.differences.join("; ")})`;
}

/**
 * Fail now, before the run, when the result file cannot be written: `path` is a folder, or its folder
 * cannot be created or written to. Creates the folder (the write would) and removes its probe file.
 * `key` names the config key the path came from, when the user gave it.
 */
export async function checkWritable(path: string, key?: string): Promise<void> {
  const fail = (reason: string) =>
    new Error(
      key === undefined
        ? `Cannot write the result "${path}": ${reason}`
        : `Invalid value "${path}" for config key "${key}": ${reason}`,
    );
  if (path.endsWith("/")) throw fail("it names a folder, expected a file");
  const stat = await Deno.stat(path).catch(() => undefined);
  if (stat?.isDirectory) throw fail("it is a folder, expected a file");
  const dir = dirname(path);
  const blocker = await fileAncestor(dir);
  if (blocker !== undefined) throw fail(`"${blocker}" is a file, not a folder`);
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    throw fail(`cannot create the folder "${dir}" (${(error as Error).message})`);
  }
  const probe = join(dir, `.write-probe-${Deno.pid}-${crypto.randomUUID()}.tmp`);
  try {
    await Deno.writeFile(probe, new Uint8Array(0), { createNew: true });
  } catch (error) {
    throw fail(`the folder "${dir}" is not writable (${(error as Error).message})`);
  }
  await Deno.remove(probe);
}

/** The nearest existing ancestor of `dir` (itself included) when it is a file rather than a folder. */
async function fileAncestor(dir: string): Promise<string | undefined> {
  for (let d = dir;; d = dirname(d)) {
    const stat = await Deno.stat(d).catch(() => undefined);
    if (stat) return stat.isDirectory ? undefined : d;
    if (dirname(d) === d) return undefined;
  }
}

/** Dotted keys whose values differ, e.g. `config key "n" = 2 instead of 300`; arrays compare whole. */
function diffKeys(preset: unknown, run: unknown, path: string[]): string[] {
  if (isRecord(preset) && isRecord(run)) {
    const keys = [...new Set([...Object.keys(preset), ...Object.keys(run)])].sort();
    return keys.flatMap((k) => diffKeys(preset[k], run[k], [...path, k]));
  }
  if (same(preset, run)) return [];
  const shown = (v: unknown) => v === undefined ? "unset" : formatValue(v);
  return [`config key "${path.join(".")}" = ${shown(run)} instead of ${shown(preset)}`];
}

function same(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(withoutUndefined(a)) === canonicalJson(withoutUndefined(b));
}

function withoutKeys(config: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(config as Record<string, unknown>) };
  for (const k of keys) delete out[k];
  return out;
}

function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withoutUndefined(v);
  return out;
}

function stringKey(config: object, key: string): string {
  const v = (config as Record<string, unknown>)[key];
  return typeof v === "string" ? v : "";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
