/**
 * Issue 14, defects 3 and 4, end to end: scripts run as `deno task` runs them, in a scratch copy of the
 * repository layout (the shipped checkpoint linked in, everything else empty), so that what they write —
 * or do not write — under results/ is seen exactly.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;

/** A folder laid out like the repository: data/base linked to the shipped checkpoint, nothing else. */
async function scratchRepo(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sdrpn-canonical-" });
  await Deno.mkdir(join(dir, "data"));
  await Deno.symlink(join(ROOT, "data", "base"), join(dir, "data", "base"));
  return dir;
}

/** `deno run -A experiments/<script> ...args` with `cwd` as the working folder. */
async function runIn(cwd: string, script: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", join(ROOT, "deno.json"), join(ROOT, "experiments", script), ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

Deno.test({
  name:
    "eval-base --set n=2 at the default scale leaves results/eval_base.json alone and says where it wrote",
  sanitizeResources: false,
  fn: async () => {
    const repo = await scratchRepo();
    try {
      const r = await runIn(repo, "eval_base.ts", ["--set", "n=2"]);
      assert.equal(r.code, 0, r.stderr);
      const where = r.stderr.match(
        /eval-base: wrote (results\/scratch\/[0-9a-f]{16}\/eval_base\.json) \(not the canonical run: config key "n" = 2 instead of 300\)/,
      );
      assert.ok(where, r.stderr);
      assert.deepEqual(filesUnder(join(repo, "results")), [where[1]!.slice("results/".length)]);
      const result = JSON.parse(readFileSync(join(repo, where[1]!), "utf8"));
      assert.equal(result.experiment, "eval-base");
      assert.equal(result.config.n, 2);
    } finally {
      await Deno.remove(repo, { recursive: true });
    }
  },
});

Deno.test({
  name: "eval-roi --set teacher.layer=99 fails before the teacher pass, naming key, value and range",
  sanitizeResources: false,
  fn: async () => {
    const repo = await scratchRepo();
    try {
      const r = await runIn(repo, "eval_roi.ts", [
        "--set",
        "teacher.layer=99",
        "--set",
        "teacher.samples=8",
        "--set",
        "n=2",
      ]);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'error: Invalid value "99" for config key "teacher.layer": expected an integer from 0 to 7 (the model ' +
          "has 8 decoder layers)\n",
      );
      assert.deepEqual(filesUnder(join(repo, "results")), []);
      assert.deepEqual(filesUnder(join(repo, "data", "cache")), [], "no teacher pass ran");
    } finally {
      await Deno.remove(repo, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "main_results refuses an RPN split beyond the model and a canonical out for a run that is not canonical",
  sanitizeResources: false,
  fn: async () => {
    const repo = await scratchRepo();
    const small = [
      "--set",
      "n=2",
      "--set",
      "teacher.samples=8",
      "--set",
      "rpn.epochs=1",
      "--set",
      "examples=0",
    ];
    try {
      const split = await runIn(repo, "main_results.ts", [...small, "--set", "rpn.backbone=99"]);
      assert.equal(split.code, 1);
      assert.equal(
        split.stderr,
        'error: Invalid value "99" for config key "rpn.backbone": expected an integer from 1 to 5 (the model has ' +
          "8 decoder layers and rpn.branch is 3)\n",
      );
      const out = await runIn(repo, "main_results.ts", [...small, "--set", "out=results/main_results.json"]);
      assert.equal(out.code, 1);
      assert.equal(
        out.stderr,
        'error: Refusing to write "results/main_results.json": results/ holds the canonical results and this run ' +
          'is not canonical (config key "examples" = 0 instead of 6; config key "n" = 2 instead of 200; config ' +
          'key "rpn.epochs" = 1 instead of 3; config key "teacher.samples" = 8 instead of 4000); leave out "out" ' +
          "to write under results/scratch/, or name a file outside results/\n",
      );
      assert.deepEqual(filesUnder(join(repo, "results")), []);
      assert.deepEqual(filesUnder(join(repo, "data", "cache")), []);
    } finally {
      await Deno.remove(repo, { recursive: true });
    }
  },
});
