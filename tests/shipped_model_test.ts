/**
 * Integration tests on the SHIPPED checkpoint (data/base/), not a tiny stand-in: it loads, answers
 * deterministically, and the SD-RPN pipeline runs through it end to end — teacher pass, pseudo-labels, RPN
 * training that leaves the backbone untouched, and two-stage inference whose stage-1 prefix reuse changes
 * nothing. Kept small (a few dozen questions) so the suite stays fast; the measured numbers are in
 * `deno task eval-roi` and the experiments, not here.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { generateSample } from "../lib/data/suites.ts";
import { initBackend } from "../lib/engine/backend.ts";
import { answerAll } from "../lib/eval/answer.ts";
import { letterbox } from "../lib/image/resize.ts";
import { loadModel } from "../lib/models/tiny/checkpoint.ts";
import { gridOf } from "../lib/models/tiny/config.ts";
import { exportParams } from "../lib/models/tiny/params.ts";
import { SHIPPED_CHECKPOINT_HASH } from "../lib/experiment/destination.ts";
import { fileHash } from "../lib/results/record.ts";
import { IGNORE } from "../lib/roi/labels.ts";
import { disposeRpn, ensureRpn } from "../lib/roi/pipeline.ts";
import { DEFAULT_VARIANT, pseudoLabels } from "../lib/roi/pseudo_labels.ts";
import { TeacherConfigSchema } from "../lib/roi/teacher_cache.ts";
import { RpnTrainConfigSchema } from "../lib/roi/train_rpn.ts";
import { proposal, roiBlocks, stageOne } from "../lib/roi/two_stage.ts";

const BASE = new URL("../data/base", import.meta.url).pathname;

async function evalItems(suite: "doc" | "vstar-attr", count: number) {
  return await Promise.all(Array.from({ length: count }, async (_, i) => {
    const { sample, image } = generateSample(suite, i, 0);
    return { sample, image, pixels: (await letterbox(image, 64)).pixels };
  }));
}

/** SHA-256 over every base parameter's name and bytes, in name order. */
async function paramsDigest(model: Awaited<ReturnType<typeof loadModel>>): Promise<string> {
  const tensors = await exportParams(model.params);
  const parts: Uint8Array[] = [];
  for (const name of Object.keys(tensors).sort()) {
    const data = tensors[name]!.data;
    parts.push(new TextEncoder().encode(name), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) (all.set(p, at), at += p.length);
  const digest = await crypto.subtle.digest("SHA-256", all);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test({
  name:
    "the shipped checkpoint is within the size budget, has the required shape and answers deterministically",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await initBackend("wasm");
    const size = (await Deno.stat(join(BASE, "model.safetensors"))).size;
    assert.ok(size <= 20 * 1024 * 1024, `checkpoint is ${size} bytes`);
    const model = await loadModel(BASE);
    const { grid } = gridOf(model.config);
    assert.ok(grid >= 8 && model.config.layers >= 8 && model.config.heads >= 2);
    const items = await evalItems("vstar-attr", 6);
    const requests = items.map((it) => ({ question: it.sample.question, blocks: [{ pixels: it.pixels }] }));
    const first = await answerAll(model, requests);
    const second = await answerAll(model, requests, { batchSize: 4 });
    assert.deepEqual(second, first, "same answers whatever the batching");
    assert.ok(first.every((a) => a.length > 0), `empty answer in ${JSON.stringify(first)}`);
  },
});

Deno.test({
  name:
    "SD-RPN runs end to end on the shipped checkpoint; the backbone is unchanged and prefix reuse is exact",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await initBackend("wasm");
    const model = await loadModel(BASE);
    const { grid, tokens: n } = gridOf(model.config);
    const before = await paramsDigest(model);
    const cacheDir = await Deno.makeTempDir({ prefix: "sdrpn-shipped-" });
    try {
      const teacher = TeacherConfigSchema.parse({ samples: 48, batchSize: 16 });
      const train = RpnTrainConfigSchema.parse({ epochs: 1, batchSize: 8 });
      const { rpn, teacherRecords, examples, losses } = await ensureRpn(model, {
        checkpointHash: await fileHash(join(BASE, "model.safetensors")),
        teacher,
        variant: DEFAULT_VARIANT,
        train,
        seed: 0,
      }, { cacheDir, backboneChunk: 16 });

      // Teacher records: attention probabilities restricted to image columns sum to at most 1 per head.
      assert.equal(teacherRecords.length, 48);
      for (const r of teacherRecords) {
        for (let h = 0; h < model.config.heads; h++) {
          const sum = r.perHead.slice(h * n, (h + 1) * n).reduce((a, b) => a + b, 0);
          assert.ok(sum >= 0 && sum <= 1 + 1e-4, `head ${h} of ${r.id} sums to ${sum}`);
        }
        const { labels } = pseudoLabels(r, DEFAULT_VARIANT, { grid, heads: model.config.heads, dim: 64 });
        assert.ok(labels.every((l) => l === IGNORE || l === 0 || l === 1));
      }
      assert.ok(examples > 0 && examples <= 48);
      assert.ok(losses !== null && losses.every(Number.isFinite) && losses.length > 0);
      assert.equal(await paramsDigest(model), before, "backbone weights changed");

      // Two-stage inference: stage 1 with and without the kept prefix gives the same logits, and stage 2
      // answers the same from the kept prefix as from a full recomputation.
      const items = await evalItems("doc", 4);
      const stage1 = items.map((it) => ({ question: it.sample.question, pixels: it.pixels }));
      const kept = await stageOne(model, rpn, stage1, { reusePrefix: true });
      const plain = await stageOne(model, rpn, stage1, { reusePrefix: false });
      assert.equal(plain.prefixes, null);
      const requests = await Promise.all(items.map(async (it, i) => {
        assert.equal(kept.logits[i]!.length, n);
        assert.ok(kept.logits[i]!.every(Number.isFinite));
        for (let j = 0; j < n; j++) assert.ok(Math.abs(kept.logits[i]![j]! - plain.logits[i]![j]!) < 1e-5);
        const roi = proposal(rpn, kept.logits[i]!, grid, -0.5, Math.floor(0.39 * n));
        const { blocks } = await roiBlocks(model, it.image, roi);
        return { question: it.sample.question, blocks: [{ pixels: it.pixels }, ...blocks] };
      }));
      // One request per layout group (answerAll batches by block count), with and without the prefix.
      const withPrefix = await answerAll(
        model,
        requests.map((r, i) => ({ ...r, prefix: kept.prefixes![i]! })),
      );
      assert.deepEqual(withPrefix, await answerAll(model, requests));
      disposeRpn(model, rpn);
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});

Deno.test("SHIPPED_CHECKPOINT_HASH is the weights hash of data/base and the one the committed results record", async () => {
  const hash = await fileHash(join(BASE, "model.safetensors"));
  assert.equal(SHIPPED_CHECKPOINT_HASH, hash);
  const result = JSON.parse(await Deno.readTextFile(new URL("../results/eval_base.json", import.meta.url)));
  const checkpoint = result.artifacts.find((a: { kind: string }) => a.kind === "checkpoint");
  assert.equal(checkpoint.hash, hash);
});
