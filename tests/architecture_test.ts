/**
 * The layering of the code, enforced on every import under lib/, experiments/ and mod.ts (test files
 * included: a test sits in its module's layer):
 *
 *   engine, image → data, benchmarks, cli → results → model → models/* → eval → roi → experiment → report
 *     → experiments/ scripts, mod.ts
 *
 * A folder may import its own files and any folder of an EARLIER layer; folders of one layer may not import
 * each other (engine ↔ image, data ↔ benchmarks ↔ cli, one model family ↔ another, a script ↔ mod.ts).
 * Where the less obvious folders sit and why:
 *   - `cli` (argument parsing, progress bars, console tables) needs only `engine` (backend names), so it sits
 *     beside `data`: any layer above may print a table or a progress bar.
 *   - `results` (result schema, hashing, atomic writes, the artifact lock) needs `data` (suite names) and
 *     `engine` (backend info) and is needed by the model (atomic checkpoint writes), the evaluation and the
 *     caches of `roi`, so it sits right below `model`.
 *   - `model` is the model interface (lib/model/mllm.ts) and safetensors; `models/<family>` implement it
 *     (lib/models/tiny, later lib/models/llava); `eval` (incl. eval/official) and `roi` use only the
 *     interface: they may not import lib/models/ (checked below), and only lib/experiment/model.ts opens a
 *     checkpoint of a family for an experiment. A family's own command (`FAMILY_SCRIPTS`: pretrain for the
 *     embedded model, llava for LLaVA folders) may import its family and no other.
 * Besides the order: no import cycle anywhere, no file under lib/roi names a tensor of a model, and imports
 * of tests/ fixtures are for test files only.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

const ROOT = normalize(join(dirname(new URL(import.meta.url).pathname), ".."));

/** Layers in order; every folder of lib/ must be in one. */
export const LAYERS: readonly (readonly string[])[] = [
  ["engine", "image"],
  ["data", "benchmarks", "cli"],
  ["results"],
  ["model"],
  ["models"],
  ["eval"],
  ["roi"],
  ["experiment"],
  ["report"],
  ["experiments", "mod.ts"],
];

/** The unit a file belongs to: its folder under lib/ (`models/<family>` per family), or the top level. */
export function unitOf(path: string): string | null {
  const parts = path.split("/");
  if (path === "mod.ts") return "mod.ts";
  if (parts[0] === "experiments") return "experiments";
  if (parts[0] !== "lib" || parts.length < 3) return null;
  if (parts[1] === "models") return parts.length >= 4 ? `models/${parts[2]}` : "models";
  return parts[1]!;
}

/** The layer index of a unit; throws for a folder no layer lists. */
export function layerOf(unit: string): number {
  const folder = unit.split("/")[0]!;
  const i = LAYERS.findIndex((l) => l.includes(folder));
  if (i < 0) throw new Error(`Folder "lib/${folder}" has no layer in tests/architecture_test.ts`);
  return i;
}

/** Relative import specifiers of a TypeScript source (static, re-exports, side-effect and dynamic imports). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const patterns = [
    /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?[^"';]*?\sfrom\s+"([^"]+)"/g,
    /(?:^|\n)\s*import\s+"([^"]+)"/g,
    /\bimport\(\s*"([^"]+)"\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]!);
  return out.filter((s) => s.startsWith("."));
}

/** Why an import from `from` to `to` (repo-relative paths) breaks the layering, or null when it does not. */
export function layerViolation(from: string, to: string): string | null {
  const a = unitOf(from);
  const b = unitOf(to);
  if (a === null) return null;
  if (b === null) {
    if (to.startsWith("tests/") && from.endsWith("_test.ts")) return null;
    return `${from} imports ${to}, which is outside lib/, experiments/ and mod.ts`;
  }
  if (a === b) return null;
  const la = layerOf(a);
  const lb = layerOf(b);
  if (lb < la) return null;
  const what = lb === la ? "a folder of the same layer" : "a later layer";
  return `${from} imports ${to}: "${a}" (layer ${la}) may not import "${b}" (layer ${lb}, ${what}); order: ` +
    LAYERS.map((l) => l.join(", ")).join(" → ");
}

/** One import cycle of a graph as a path `a → b → … → a`, or null when there is none. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const s = state.get(next);
      if (s === 1) return [...stack.slice(stack.indexOf(next)), next];
      if (s === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 2);
    return null;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return null;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir)).sort()) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Every file of the layered tree with its resolved relative imports (repo-relative paths). */
function importGraph(): Map<string, string[]> {
  const files = [...sourceFiles("lib"), ...sourceFiles("experiments"), "mod.ts"];
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = importsOf(readFileSync(join(ROOT, file), "utf8")).map((spec) =>
      relative(ROOT, normalize(join(ROOT, dirname(file), spec)))
    );
    for (const t of targets) {
      if (!existsSync(join(ROOT, t))) throw new Error(`${file} imports "${t}", which does not exist`);
    }
    graph.set(file, targets);
  }
  return graph;
}

Deno.test("architecture: every import under lib/, experiments/ and mod.ts follows the layer order", () => {
  const violations: string[] = [];
  for (const [from, targets] of importGraph()) {
    for (const to of targets) {
      const v = layerViolation(from, to);
      if (v) violations.push(v);
    }
  }
  assert.deepEqual(violations, []);
});

Deno.test("architecture: there is no import cycle", () => {
  const graph = importGraph();
  const cycle = findCycle(graph);
  assert.equal(cycle, null, cycle ? `Import cycle: ${cycle.join(" → ")}` : "");
});

/**
 * Scripts that ARE one family's own command, not an experiment: they may import that family (and only
 * it). `pretrain` trains the embedded model's weights; `llava` is the LLaVA folder's CLI, whose `--dump`
 * is the family's parity contract (ids, pixel values, image features, logits — internals no interface
 * exposes, by design). Every experiment goes through `openModel` in lib/experiment/model.ts.
 */
export const FAMILY_SCRIPTS: Readonly<Record<string, string>> = {
  "experiments/pretrain.ts": "tiny",
  "experiments/llava.ts": "llava",
};

/** Why `from` may not import the model family file `to` (null when it may, or `to` is no family file). */
export function familyViolation(from: string, to: string): string | null {
  if (!to.startsWith("lib/models/")) return null;
  const unit = unitOf(from);
  if (!(unit === "roi" || unit === "eval" || unit === "experiments")) return null;
  const own = FAMILY_SCRIPTS[from];
  if (own !== undefined && to.startsWith(`lib/models/${own}/`)) return null;
  return `${from} imports ${to}`;
}

Deno.test("architecture: lib/roi, lib/eval and experiments/ use the model interface, not a model family", () => {
  const bad: string[] = [];
  for (const [from, targets] of importGraph()) {
    for (const to of targets) {
      const v = familyViolation(from, to);
      if (v) bad.push(v);
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("familyViolation() lets a family's own script import that family only", () => {
  assert.equal(familyViolation("experiments/llava.ts", "lib/models/llava/session.ts"), null);
  assert.equal(familyViolation("experiments/pretrain.ts", "lib/models/tiny/checkpoint.ts"), null);
  assert.equal(
    familyViolation("experiments/llava.ts", "lib/models/tiny/checkpoint.ts"),
    "experiments/llava.ts imports lib/models/tiny/checkpoint.ts",
  );
  assert.equal(
    familyViolation("experiments/eval_roi.ts", "lib/models/llava/mllm.ts"),
    "experiments/eval_roi.ts imports lib/models/llava/mllm.ts",
  );
  assert.equal(
    familyViolation("lib/roi/rpn.ts", "lib/models/llava/mllm.ts"),
    "lib/roi/rpn.ts imports lib/models/llava/mllm.ts",
  );
  assert.equal(familyViolation("lib/experiment/model.ts", "lib/models/llava/mllm.ts"), null);
  assert.equal(familyViolation("experiments/eval_roi.ts", "lib/roi/rpn.ts"), null);
});

Deno.test("architecture: no file under lib/roi names a tensor of a model", () => {
  const bad: string[] = [];
  for (const file of sourceFiles("lib/roi")) {
    const text = readFileSync(join(ROOT, file), "utf8");
    for (const m of text.matchAll(/["'`](?:lm|vit|proj)\.[\w.${}]*/g)) bad.push(`${file}: ${m[0]}`);
  }
  assert.deepEqual(bad, []);
});

Deno.test("layerViolation() allows earlier layers and the own folder, names both files otherwise", () => {
  assert.equal(layerViolation("lib/roi/rpn.ts", "lib/model/mllm.ts"), null);
  assert.equal(layerViolation("lib/roi/rpn.ts", "lib/roi/labels.ts"), null);
  assert.equal(layerViolation("lib/models/tiny/forward.ts", "lib/data/vocab.ts"), null);
  assert.equal(layerViolation("lib/roi/rpn_test.ts", "tests/fixtures/tiny_model.ts"), null);
  assert.equal(
    layerViolation("lib/model/mllm.ts", "lib/roi/rpn.ts"),
    'lib/model/mllm.ts imports lib/roi/rpn.ts: "model" (layer 3) may not import "roi" (layer 6, a later ' +
      "layer); order: engine, image → data, benchmarks, cli → results → model → models → eval → roi → " +
      "experiment → report → experiments, mod.ts",
  );
  assert.match(
    layerViolation("lib/models/llava/a.ts", "lib/models/tiny/b.ts")!,
    /a folder of the same layer/,
  );
  assert.match(layerViolation("lib/roi/rpn.ts", "tests/fixtures/tiny_model.ts")!, /outside lib\//);
  assert.throws(() => layerOf("nowhere"), {
    message: 'Folder "lib/nowhere" has no layer in tests/architecture_test.ts',
  });
});

Deno.test("importsOf() finds static, type-only, re-export, side-effect and dynamic imports", () => {
  const src = [
    'import { a } from "./a.ts";',
    'import type { B } from "../b.ts";',
    'export { c } from "./c.ts";',
    'import "./d.ts";',
    'const e = await import("./e.ts");',
    'import * as tf from "@tensorflow/tfjs";',
    "import {\n  f,\n  g,\n} from './not-double-quoted.ts';",
  ].join("\n");
  assert.deepEqual(importsOf(src), ["./a.ts", "../b.ts", "./c.ts", "./d.ts", "./e.ts"]);
});

Deno.test("findCycle() returns a cycle as a path back to its start, or null", () => {
  const acyclic = new Map([["a", ["b", "c"]], ["b", ["c"]], ["c", []]]);
  assert.equal(findCycle(acyclic), null);
  const cyclic = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]]);
  assert.deepEqual(findCycle(cyclic), ["a", "b", "c", "a"]);
});
