/**
 * A second tiny LLaVA checkpoint (see second_checkpoint.ts: GQA, BF16 in two shards with the newer
 * names, class defaults, Llama-2 vocabulary) against the independent float64 reference: through the
 * model directly, and — when ../shared has the Llama-2 tokenizer — through `llavaDump` and the `llava`
 * command with wide/tall images, a question with non-ASCII text, an emoji and a run of spaces, and a
 * case that stops at `</s>`.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { initBackend } from "../../lib/engine/backend.ts";
import { Rng } from "../../lib/engine/rng.ts";
import { encodePng } from "../../lib/image/png.ts";
import type { RgbImage } from "../../lib/image/types.ts";
import { loadLlavaConfig } from "../../lib/models/llava/config.ts";
import { forwardDump } from "../../lib/models/llava/dump.ts";
import { LlavaModel } from "../../lib/models/llava/model.ts";
import { llavaPixelValues, parsePreprocessorConfig } from "../../lib/models/llava/preprocess.ts";
import { expandImageTokens, tokenizerImageToken, vicunaPrompt } from "../../lib/models/llava/prompt.ts";
import { type LlavaDump, llavaDump, loadLlavaSession } from "../../lib/models/llava/session.ts";
import { loadLlavaTokenizer } from "../../lib/models/llava/tokenizer.ts";
import { compareDumps } from "./compare.ts";
import { referenceForward, type RefTensor } from "./reference_forward.ts";
import {
  forceEos,
  LLAMA2_TOKENIZER,
  SECOND_CONFIG,
  SECOND_PREPROCESSOR_JSON,
  secondCheckpointWeights,
  writeSecondCheckpoint,
} from "./second_checkpoint.ts";

const ROOT = join(import.meta.dirname!, "../..");
const HAS_TOKENIZER = existsSync(LLAMA2_TOKENIZER);
const N = 16; // (56 / 14)²

/** A deterministic picture: gradients plus a few rectangles. */
function picture(width: number, height: number, seed: number): RgbImage {
  const rng = new Rng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = ((x + y) * 7) % 256;
    }
  }
  for (let k = 0; k < 4; k++) {
    const [x0, y0] = [rng.int(width - 4), rng.int(height - 4)];
    const color = [rng.int(256), rng.int(256), rng.int(256)];
    for (let y = y0; y < Math.min(height, y0 + 8); y++) {
      for (let x = x0; x < Math.min(width, x0 + 6); x++) data.set(color, (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

const CASES = [
  {
    name: "wide.png",
    image: picture(90, 40, 1),
    question: "Où est le café? 🙂   Answer in one word.",
    max: 6,
    rpn: { B: 1, R: 3 },
  },
  {
    name: "tall.png",
    image: picture(30, 77, 2),
    question: "How many   windows are there?",
    max: 7,
    rpn: { B: 2, R: 2 },
  },
];

/** The reference's outputs in the dump layout, for the ids and pixel values the run used. */
function referenceDump(weights: Map<string, RefTensor>, got: LlavaDump) {
  const r = referenceForward(weights, SECOND_CONFIG, {
    inputIds: got.input_ids,
    pixelValues: got.pixel_values.data,
    maxNewTokens: got.max_new_tokens,
    B: got.rpn!.B,
    R: got.rpn!.R,
  });
  return {
    ...got,
    image_features: { shape: [N, SECOND_CONFIG.text.hidden], data: Array.from(r.imageFeatures) },
    last_logits: Array.from(r.lastLogits),
    generated_ids: r.generated,
    attention: Object.fromEntries(r.attention.map((rows, l) => [String(l), rows])),
    rpn_logits: Array.from(r.rpnLogits),
  };
}

Deno.test("second checkpoint: GQA, BF16 shards, new names and class defaults match the float64 reference", async () => {
  await initBackend("wasm");
  const dir = await Deno.makeTempDir();
  try {
    const weights = secondCheckpointWeights();
    const rng = new Rng(5);
    const pixelValues = Float32Array.from({ length: 3 * 56 * 56 }, () => rng.normal());
    const ids = [
      1,
      ...Array.from({ length: 9 }, () => 3 + rng.int(31997)),
      ...Array(N).fill(32000),
      29871,
      13,
      450,
    ];
    forceEos(weights, { inputIds: ids, pixelValues });
    await writeSecondCheckpoint(dir, weights);
    const config = await loadLlavaConfig(dir);
    assert.deepEqual([config.text.rmsNormEps, config.text.numKvHeads, config.imageTokenIndex], [
      1e-6,
      2,
      32000,
    ]);
    const model = await LlavaModel.load(dir);
    try {
      const input = { inputIds: ids, pixelValues, maxNewTokens: 6, rpn: { B: 1, R: 2 } };
      const got = {
        question: "",
        image: "",
        max_new_tokens: 6,
        rpn: input.rpn,
        ...(await forwardDump(model, input)),
      };
      const want = referenceDump(weights, got);
      compareDumps(JSON.parse(JSON.stringify(got)), want, "second/model");
      assert.equal(got.generated_ids.at(-1), 2, `stops at </s>: ${got.generated_ids}`);
      assert.ok(got.generated_ids.length < 6);
    } finally {
      model.dispose();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "second checkpoint through llavaDump and deno task llava: other aspect ratios, unicode question, </s> stop",
  ignore: !HAS_TOKENIZER,
  fn: async () => {
    await initBackend("wasm");
    const dir = await Deno.makeTempDir();
    try {
      const weights = secondCheckpointWeights();
      await Deno.writeTextFile(
        join(dir, "preprocessor_config.json"),
        JSON.stringify(SECOND_PREPROCESSOR_JSON),
      );
      for (const c of CASES) await Deno.writeFile(join(dir, c.name), await encodePng(c.image));
      // Make the tall case stop at </s>, on exactly the ids and pixels the command will compute.
      const tok = await loadLlavaTokenizer(join(LLAMA2_TOKENIZER, ".."));
      const pre = parsePreprocessorConfig(SECOND_PREPROCESSOR_JSON, "preprocessor_config.json");
      const tall = CASES[1]!;
      const { ids } = expandImageTokens(
        tokenizerImageToken(tok, vicunaPrompt(tall.question), 32000),
        32000,
        N,
      );
      forceEos(weights, { inputIds: ids, pixelValues: llavaPixelValues(tall.image, pre) });
      assert.ok(await writeSecondCheckpoint(dir, weights));

      const session = await loadLlavaSession(dir);
      try {
        for (const c of CASES) {
          const { dump, answer } = await llavaDump(session, {
            imagePath: join(dir, c.name),
            question: c.question,
            maxNewTokens: c.max,
            rpn: c.rpn,
          });
          const got = JSON.parse(JSON.stringify(dump));
          compareDumps(got, referenceDump(weights, got), `second/${c.name}`);
          assert.equal(got.input_ids[0], 1);
          assert.equal(got.input_ids.filter((id: number) => id === 32000).length, N);
          assert.equal(answer, tok.decode(got.generated_ids).trim());
          if (c === tall) assert.equal(got.generated_ids.at(-1), 2, `stops at </s>: ${got.generated_ids}`);
        }
      } finally {
        session.model.dispose();
      }

      // The same tall case through the command line.
      const dumpPath = join(dir, "tall.json");
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          join(ROOT, "experiments/llava.ts"),
          ...["--model", dir, "--image", join(dir, tall.name), "--question", tall.question],
          ...["--max-new-tokens", String(tall.max), "--rpn", "2,2", "--backend", "wasm", "--dump", dumpPath],
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      const cli = JSON.parse(await Deno.readTextFile(dumpPath));
      compareDumps(cli, referenceDump(weights, cli), "second/cli");
      assert.equal(cli.question, tall.question);
      assert.equal(cli.generated_ids.at(-1), 2);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
