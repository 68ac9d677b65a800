/**
 * The public llava-tiny fixture's three cases through the `llava` command's code path (`llavaDump`) and
 * through the command itself, against the PyTorch float64 reference outputs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../../lib/engine/backend.ts";
import { llavaDump, loadLlavaSession } from "../../lib/models/llava/session.ts";
import { compareDumps } from "./compare.ts";

const ROOT = join(import.meta.dirname!, "../..");
const FIXTURE = join(ROOT, "tests/fixtures/llava-tiny");
const CASES = ["square", "wide", "tall"];

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
  const want = await expected("wide");
  const out = await Deno.makeTempDir();
  try {
    const dumpPath = join(out, "wide.json");
    const command = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        join(ROOT, "experiments/llava.ts"),
        "--model",
        FIXTURE,
        "--image",
        join(FIXTURE, "cases/wide.png"),
        "--question",
        want.question,
        "--max-new-tokens",
        String(want.max_new_tokens),
        "--rpn",
        "2,2",
        "--backend",
        "wasm",
        "--dump",
        dumpPath,
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    });
    const { code, stdout, stderr } = await command.output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const dump = JSON.parse(await Deno.readTextFile(dumpPath));
    compareDumps(dump, want, "cli wide");
    // The answer is the decoded continuation, stripped (random weights: arbitrary but deterministic text).
    const { loadLlavaTokenizer } = await import("../../lib/models/llava/tokenizer.ts");
    const tok = await loadLlavaTokenizer(FIXTURE);
    assert.equal(new TextDecoder().decode(stdout), `${tok.decode(want.generated_ids).trim()}\n`);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(out))).map((e) => e.name), ["wide.json"]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
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
