import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../../engine/backend.ts";
import type { LlavaConfig } from "./config.ts";
import { defaultRpnDepths, llavaDump, loadLlavaSession } from "./session.ts";

const FIXTURE = join(import.meta.dirname!, "../../../tests/fixtures/llava-tiny");
await initBackend("wasm");
const session = await loadLlavaSession(FIXTURE);

Deno.test("a session holds the fixture's model, tokenizer and CLIP preprocessing", () => {
  assert.equal(session.model.dir, FIXTURE);
  assert.equal(session.preprocessor.cropWidth, 84);
  assert.equal(session.preprocessor.shortestEdge, 84);
  assert.equal(session.tokenizer.eosId, 2);
});

Deno.test("a preprocessor crop that is not the vision tower's image size is one error naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for await (const entry of Deno.readDir(FIXTURE)) {
      if (entry.isFile) await Deno.copyFile(join(FIXTURE, entry.name), join(dir, entry.name));
    }
    const config = JSON.parse(await Deno.readTextFile(join(dir, "preprocessor_config.json")));
    config.crop_size = { height: 56, width: 70 };
    await Deno.writeTextFile(join(dir, "preprocessor_config.json"), JSON.stringify(config));
    await assert.rejects(loadLlavaSession(dir), {
      message: `Cannot use "${dir}/preprocessor_config.json": crop size 70×56 differs from the vision ` +
        "tower's image size 84",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("llavaDump runs the wide case: contract keys in order, image basename, answer decoded and stripped", async () => {
  const want = JSON.parse(await Deno.readTextFile(join(FIXTURE, "expected", "wide.json")));
  const { dump, answer } = await llavaDump(session, {
    imagePath: join(FIXTURE, "cases", "wide.png"),
    question: want.question,
    maxNewTokens: 3,
  });
  assert.deepEqual(Object.keys(dump).slice(0, 5), [
    "question",
    "image",
    "max_new_tokens",
    "rpn",
    "input_ids",
  ]);
  assert.equal(dump.image, "wide.png");
  assert.equal(dump.max_new_tokens, 3);
  assert.equal(dump.rpn, null); // no depths asked: no attention, no rpn_logits
  assert.deepEqual(dump.rpn_logits, []);
  assert.deepEqual(dump.input_ids, want.input_ids);
  assert.deepEqual(dump.generated_ids, want.generated_ids.slice(0, 3));
  assert.equal(answer, session.tokenizer.decode(want.generated_ids.slice(0, 3)).trim());
});

Deno.test("defaultRpnDepths: the fixture's 4 layers give B 2, R 2; 7B shapes give the released B15R3", () => {
  const config = session.model.config;
  assert.deepEqual(defaultRpnDepths(config), { B: 2, R: 2 });
  const scaled = (layers: number, heads: number, tokens: number): LlavaConfig => ({
    ...config,
    text: { ...config.text, numLayers: layers, numHeads: heads },
    numImageTokens: tokens,
  });
  assert.deepEqual(defaultRpnDepths(scaled(32, 32, 576)), { B: 15, R: 3 });
  // B = round(15·24/32) = 11, R = min(3, 24 − 11) = 3; two layers: B = round(0.94) = 1, R = 1.
  assert.deepEqual(defaultRpnDepths(scaled(24, 16, 576)), { B: 11, R: 3 });
  assert.deepEqual(defaultRpnDepths(scaled(2, 4, 36)), { B: 1, R: 1 });
});
