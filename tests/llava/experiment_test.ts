/**
 * `--model DIR` with a Hugging Face LLaVA folder, end to end through an experiment script on the synthetic
 * testbed: teacher pass, pseudo-labels, RPN training on LLaVA's layers, two-stage inference. The tiny
 * fixture's answers are random; what is checked is the pipeline and its bookkeeping: the folder's SD-RPN
 * profile is applied under explicit `--set`s, the weights' hash keys the caches and names the artifact.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { llavaWeightsHash } from "../../lib/models/llava/weights_hash.ts";
import { readResult } from "../../lib/results/io.ts";
import { runScript } from "../script.ts";

const FIXTURE = "tests/fixtures/llava-tiny";

Deno.test({
  name: "eval-roi --model <LLaVA folder> runs teacher, RPN training and two-stage inference on LLaVA",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const tmp = await Deno.makeTempDir({ prefix: "sdrpn-llava-e2e-" });
    const out = join(tmp, "eval_roi.json");
    const run = await runScript("eval_roi.ts", [
      "--scale",
      "quick",
      "--model",
      FIXTURE,
      "--backend",
      "cpu",
      "--set",
      "teacher.samples=12",
      "--set",
      "teacher.batchSize=6",
      "--set",
      "teacher.sinkLayer=2", // an explicit --set wins over the profile's 1
      "--set",
      "rpn.epochs=1",
      "--set",
      "rpn.batchSize=8",
      "--set",
      'suites=["doc"]',
      "--set",
      "n=3",
      "--set",
      `dataDir=${join(tmp, "generated")}`,
      "--set",
      `cacheDir=${join(tmp, "cache")}`,
      "--set",
      "backboneChunk=6",
      // Random weights give flat maps: accept any fg box; a relative τ_conf and no area cap so that stage 2 crops.
      "--set",
      "variant.maxRatio=1.01",
      "--set",
      "thresholdOverride=-0.9",
      "--set",
      "maxAreaRatio=1",
      "--set",
      `out=${out}`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const result = await readResult(out);
    const config = result.config as Record<string, Record<string, unknown>>;
    assert.equal(config["checkpoint"] as unknown, FIXTURE);
    // The 4-layer profile: grounding layer round(14·4/32) = 2, B = round(15·4/32) = 2, R = min(3, 4 − 2).
    assert.deepEqual(
      [config["teacher"]!["layer"], config["teacher"]!["sinkLayer"], config["teacher"]!["normLayer"]],
      [2, 2, 2],
    );
    assert.deepEqual([config["rpn"]!["backbone"], config["rpn"]!["branch"]], [2, 2]);
    const ckpt = result.artifacts.find((a) => a.kind === "checkpoint")!;
    assert.deepEqual(ckpt, {
      kind: "checkpoint",
      path: join(FIXTURE, "model.safetensors"),
      hash: await llavaWeightsHash(FIXTURE),
    });
    assert.match(run.stderr, /rpn: training on \d+ of 12 teacher samples/);
    const accuracy = result.rows.filter((r) => r.metric.endsWith("-accuracy") && r.suite === "doc");
    assert.deepEqual(accuracy.map((r) => r.method).sort(), ["baseline", "sdrpn_box", "sdrpn_mask", "vicrop"]);
    // Stage 2 ran with RoI blocks: at τ = −0.9 (relative) some question got a box or a masked crop.
    const paths = result.rows.filter((r) => r.metric === "path-share");
    const cropped = paths.reduce(
      (a, r) => a + Number(r.extra?.["box"] ?? 0) + Number(r.extra?.["mask"] ?? 0),
      0,
    );
    assert.ok(cropped > 0, JSON.stringify(paths));
    await Deno.remove(tmp, { recursive: true });
  },
});

Deno.test("llava --dump without --rpn scores with the profile's B, R (2, 2 for the 4-layer fixture)", async () => {
  const tmp = await Deno.makeTempDir();
  const dump = join(tmp, "dump.json");
  const run = await runScript("llava.ts", [
    ...["--model", FIXTURE, "--image", join(FIXTURE, "cases/square.png")],
    ...["--question", "What color is the large circle?", "--max-new-tokens", "2", "--dump", dump],
  ]);
  assert.equal(run.code, 0, run.stderr);
  const got = JSON.parse(await Deno.readTextFile(dump));
  assert.deepEqual(got.rpn, { B: 2, R: 2 });
  const want = JSON.parse(await Deno.readTextFile(join(FIXTURE, "expected/square.json")));
  got.rpn_logits.forEach((v: number, j: number) => assert.ok(Math.abs(v - want.rpn_logits[j]) <= 2e-3));
  await Deno.remove(tmp, { recursive: true });
});
