/**
 * The public llava-tiny fixture's three cases through the `llava` command's code path (`llavaDump`) and
 * through the command itself, against the PyTorch float64 reference outputs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureXdgRuntimeDir, initBackend } from "../../lib/engine/backend.ts";
import { llavaDump, loadLlavaSession } from "../../lib/models/llava/session.ts";
import { loadLlavaTokenizer } from "../../lib/models/llava/tokenizer.ts";
import { compareDumps } from "./compare.ts";

const ROOT = join(import.meta.dirname!, "../..");
const FIXTURE = join(ROOT, "tests/fixtures/llava-tiny");
const CASES = ["square", "wide", "tall"];

ensureXdgRuntimeDir();
// WebGPU needs an adapter (a GPU, or lavapipe/llvmpipe in CI); without one that test is skipped.
const HAS_ADAPTER = (await navigator.gpu?.requestAdapter().catch(() => null)) != null;

/** Runs `deno task llava` on one fixture case; returns the dump and stdout. */
async function runCli(name: string, backend: string, dir: string) {
  const want = await expected(name);
  const dumpPath = join(dir, `${name}.json`);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(ROOT, "experiments/llava.ts"),
      ...["--model", FIXTURE, "--image", join(FIXTURE, "cases", want.image), "--question", want.question],
      ...["--max-new-tokens", String(want.max_new_tokens), "--rpn", `${want.rpn.B},${want.rpn.R}`],
      ...["--backend", backend, "--dump", dumpPath],
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return {
    want,
    dump: JSON.parse(await Deno.readTextFile(dumpPath)),
    stdout: new TextDecoder().decode(stdout),
  };
}

async function expected(name: string) {
  return JSON.parse(await Deno.readTextFile(join(FIXTURE, "expected", `${name}.json`)));
}

Deno.test("llava-tiny: every case matches the PyTorch reference within the README tolerances (wasm)", async () => {
  await initBackend("wasm");
  const session = await loadLlavaSession(FIXTURE);
  try {
    for (const name of CASES) {
      const want = await expected(name);
      const { dump } = await llavaDump(session, {
        imagePath: join(FIXTURE, "cases", want.image),
        question: want.question,
        maxNewTokens: want.max_new_tokens,
        rpn: want.rpn,
      });
      const deltas = compareDumps(JSON.parse(JSON.stringify(dump)), want, name);
      // fp32 against float64: far inside the 2e-3 tolerance (measured ≤ 5e-6).
      assert.ok(Math.max(...Object.values(deltas).slice(1)) < 1e-4, `${name}: ${JSON.stringify(deltas)}`);
    }
  } finally {
    session.model.dispose();
  }
});

Deno.test("deno task llava --dump writes the contract for the wide case and prints the answer", async () => {
  const out = await Deno.makeTempDir();
  try {
    const { want, dump, stdout } = await runCli("wide", "wasm", out);
    compareDumps(dump, want, "cli wide");
    // The answer is the decoded continuation, stripped (random weights: arbitrary but deterministic text).
    const tok = await loadLlavaTokenizer(FIXTURE);
    assert.equal(stdout, `${tok.decode(want.generated_ids).trim()}\n`);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(out))).map((e) => e.name), ["wide.json"]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test({
  name: "llava-tiny: every case passes under --backend webgpu where an adapter exists",
  ignore: !HAS_ADAPTER,
  fn: async () => {
    const out = await Deno.makeTempDir();
    try {
      for (const name of CASES) {
        const { want, dump } = await runCli(name, "webgpu", out);
        compareDumps(dump, want, `webgpu ${name}`);
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test("deno task llava reports a missing required option as one error", async () => {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "experiments/llava.ts"), "--model", FIXTURE, "--image", "x.png"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 1);
  assert.equal(new TextDecoder().decode(stderr), 'error: Missing required option "--question"\n');
});
