/**
 * Answer one question about one image with a LLaVA-1.5 checkpoint in the Hugging Face layout
 * (config.json, model.safetensors or shards + index, tokenizer.json, preprocessor_config.json).
 *
 *   deno task llava --model DIR --image FILE --question TEXT [--max-new-tokens N] [--rpn B,R]
 *                   [--backend wasm|webgpu|…] [--dump FILE]
 *
 * Prints the answer. `--dump FILE` also writes the parity dump (tests/fixtures/llava-tiny/README.md:
 * ids, pixel values, image features, last logits, generated ids, last-row attention over the image
 * tokens at every layer and head, SD-RPN score at twig initialisation for B, R), atomically.
 * Defaults: --max-new-tokens 128 (LLaVA's model_vqa), --rpn from SD-RPN's per-model profile
 * (lib/models/llava/profile.ts): 15,3 (the released B15R3) for LLaVA-1.5-7B and -13B, else scaled by depth.
 */
import { z } from "zod";
import { defineCli, runMain } from "../lib/cli/mod.ts";
import { initBackend } from "../lib/engine/backend.ts";
import type { RpnDepths } from "../lib/models/llava/dump.ts";
import { defaultRpnDepths, llavaDump, loadLlavaSession } from "../lib/models/llava/session.ts";
import { writeJsonAtomic } from "../lib/results/atomic.ts";

const cli = defineCli({
  name: "llava",
  description:
    "Answer a question about an image with a Hugging Face LLaVA-1.5 folder (optionally dump internals)",
  schema: z.strictObject({}),
  scales: { quick: {}, default: {}, full: {} },
  options: {
    model: "LLaVA folder in the Hugging Face layout (required)",
    image: "PNG or JPEG image (required)",
    question: "Question text (required)",
    "max-new-tokens": "Greedy decoding limit (default: 128)",
    rpn:
      "SD-RPN depths B,R for rpn_logits in the dump (default: the model's SD-RPN profile, 15,3 for 7B/13B)",
    dump: "Write the parity dump JSON to this file",
  },
});

function required(options: Record<string, string | undefined>, name: string): string {
  const value = options[name];
  if (value === undefined || value === "") throw new Error(`Missing required option "--${name}"`);
  return value;
}

function parseMaxNewTokens(text: string | undefined): number {
  if (text === undefined) return 128;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
    throw new Error(`Invalid value for --max-new-tokens "${text}": expected a positive integer`);
  }
  return Number(text);
}

function parseRpn(text: string): RpnDepths {
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`Invalid value for --rpn "${text}": expected B,R, e.g. 15,3`);
  return { B: Number(m[1]), R: Number(m[2]) };
}

await runMain(async () => {
  const args = cli.parse(Deno.args);
  if (args.help) return console.log(cli.usage());
  const dir = required(args.options, "model");
  const imagePath = required(args.options, "image");
  const question = required(args.options, "question");
  const maxNewTokens = parseMaxNewTokens(args.options["max-new-tokens"]);
  const rpnText = args.options.rpn;
  const explicitRpn = rpnText === undefined ? undefined : parseRpn(rpnText);
  const dumpPath = args.options.dump;
  await initBackend(args.backend);
  const session = await loadLlavaSession(dir);
  try {
    const numLayers = session.model.config.text.numLayers;
    if (
      explicitRpn && (explicitRpn.B < 1 || explicitRpn.R < 1 || explicitRpn.B + explicitRpn.R > numLayers)
    ) {
      throw new Error(
        `Invalid value for --rpn "${rpnText}": expected B ≥ 1, R ≥ 1 and B+R ≤ ${numLayers} (the model's layers)`,
      );
    }
    // Without --dump the attention rows and the SD-RPN score are not needed.
    const rpn = dumpPath === undefined ? undefined : explicitRpn ?? defaultRpnDepths(session.model.config);
    const { dump, answer } = await llavaDump(session, { imagePath, question, maxNewTokens, rpn });
    if (dumpPath !== undefined) await writeJsonAtomic(dumpPath, dump);
    console.log(answer);
  } finally {
    session.model.dispose();
  }
});
