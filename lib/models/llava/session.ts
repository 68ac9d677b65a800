/**
 * Everything needed to answer a question about an image with a LLaVA folder: the model, its tokenizer
 * and its image preprocessing, plus the one-case run that the `llava` command and the parity tests share.
 */
import { basename } from "node:path";
import { loadImageRgb } from "../../image/load_rgb.ts";
import { type ForwardDump, forwardDump, type RpnDepths } from "./dump.ts";
import type { LlavaConfig } from "./config.ts";
import { LlavaModel } from "./model.ts";
import { llavaProfile } from "./profile.ts";
import { type ClipPreprocessorConfig, llavaPixelValues, loadPreprocessorConfig } from "./preprocess.ts";
import { expandImageTokens, tokenizerImageToken, vicunaPrompt } from "./prompt.ts";
import { type LlavaTokenizer, loadLlavaTokenizer } from "./tokenizer.ts";

/** A loaded LLaVA folder. */
export interface LlavaSession {
  model: LlavaModel;
  tokenizer: LlavaTokenizer;
  preprocessor: ClipPreprocessorConfig;
}

/**
 * Loads config, tokenizer and preprocessor first (cheap, and each names its file when broken), then the
 * weights. The preprocessor's crop size must be the vision tower's image size.
 */
export async function loadLlavaSession(dir: string): Promise<LlavaSession> {
  const tokenizer = await loadLlavaTokenizer(dir);
  const preprocessor = await loadPreprocessorConfig(dir);
  const model = await LlavaModel.load(dir);
  const size = model.config.vision.imageSize;
  if (preprocessor.cropHeight !== size || preprocessor.cropWidth !== size) {
    model.dispose();
    throw new Error(
      `Cannot use "${dir}/preprocessor_config.json": crop size ${preprocessor.cropWidth}×${preprocessor.cropHeight} ` +
        `differs from the vision tower's image size ${size}`,
    );
  }
  return { model, tokenizer, preprocessor };
}

/** One image + question. */
export interface LlavaRequest {
  imagePath: string;
  question: string;
  maxNewTokens: number;
  /** With depths, the run also captures attention rows and the SD-RPN score (the full dump). */
  rpn?: RpnDepths;
}

/** The dump contract of tests/fixtures/llava-tiny/README.md, keys in contract order. */
export type LlavaDump = {
  question: string;
  image: string;
  max_new_tokens: number;
  rpn: RpnDepths | null;
} & ForwardDump;

/** `llavaDump`'s result: the dump and the decoded answer. */
export interface LlavaRun {
  dump: LlavaDump;
  answer: string;
}

/**
 * Runs one case as LLaVA-1.5's evaluation does: pad-to-square + CLIP preprocessing, the vicuna_v1
 * prompt through `tokenizer_image_token`, the `<image>` id expanded to one id per image feature,
 * greedy decoding; the answer is the decoded continuation without special tokens, stripped.
 */
export async function llavaDump(session: LlavaSession, request: LlavaRequest): Promise<LlavaRun> {
  const { model, tokenizer, preprocessor } = session;
  const image = await loadImageRgb(request.imagePath);
  const pixelValues = llavaPixelValues(image, preprocessor);
  const index = model.config.imageTokenIndex;
  const prompt = tokenizerImageToken(tokenizer, vicunaPrompt(request.question), index);
  const { ids } = expandImageTokens(prompt, index, model.numImageTokens);
  const forward = await forwardDump(model, {
    inputIds: ids,
    pixelValues,
    maxNewTokens: request.maxNewTokens,
    rpn: request.rpn,
    eosId: tokenizer.eosId,
  });
  const dump: LlavaDump = {
    question: request.question,
    image: basename(request.imagePath),
    max_new_tokens: request.maxNewTokens,
    rpn: request.rpn ?? null,
    ...forward,
  };
  return { dump, answer: tokenizer.decode(forward.generated_ids).trim() };
}

/**
 * SD-RPN depths B, R of a model from its per-model profile (lib/models/llava/profile.ts): the released
 * B15R3 for LLaVA-1.5-7B and -13B, else scaled by depth (B = round(15L/32), R = min(3, L − B)).
 */
export function defaultRpnDepths(config: LlavaConfig): RpnDepths {
  const { rpn } = llavaProfile({
    layers: config.text.numLayers,
    heads: config.text.numHeads,
    tokens: config.numImageTokens,
  });
  return { B: rpn.backbone, R: rpn.branch };
}
