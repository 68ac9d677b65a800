import assert from "node:assert/strict";
import type { LlamaTextConfig } from "../lib/models/llava/config.ts";
import {
  checkpointParams,
  clipLayerFlops,
  clipLayerParams,
  estimateQuestion,
  imageEncodeFlops,
  llamaLayerFlops,
  llamaLayerParams,
  llava7bConfig,
} from "./llava_cost.ts";

// Golden values below were computed by hand from the published shapes (d 4096, MLP 11008, vocab 32064,
// CLIP d 1024, MLP 4096, 24 blocks, 14-px patches at 336 px, projector 1024→4096→4096).

Deno.test("the published 7B config parses to 23 used CLIP blocks and 576 image tokens", () => {
  const c = llava7bConfig();
  assert.equal(c.visionLayersUsed, 23);
  assert.equal(c.numImageTokens, 576);
  assert.equal(c.text.rmsNormEps, 1e-5);
  assert.equal(c.text.numKvHeads, 32);
});

Deno.test("the 7B checkpoint holds 7,063,427,072 parameters", () => {
  const c = llava7bConfig();
  // Llama: 32 × 202,383,360 + 2 × 131,334,144 (embed, lm_head) + 4,096 (norm) = 6,738,939,904;
  // CLIP: 24 × 12,596,224 + 602,112 (patch) + 590,848 (position) + 1,024 (class) + 4,096 (pre/post LN)
  // = 303,507,456; projector: 4,198,400 + 16,781,312 = 20,979,712.
  assert.equal(llamaLayerParams(c.text), 202_383_360);
  assert.equal(clipLayerParams(c.vision), 12_596_224);
  assert.equal(checkpointParams(c), 7_063_427_072);
});

Deno.test("a 7B Llama layer costs 265.75 GFLOP at 640 tokens and 0.415 GFLOP per decode step", () => {
  const t = llava7bConfig().text;
  // 8·640·4096² + 6·640·4096·11008 + 4·32·640·640·128
  assert.equal(llamaLayerFlops(t, 640), 265_751_101_440);
  // 8·4096² + 6·4096·11008 + 4·32·1·641·128
  assert.equal(llamaLayerFlops(t, 1, 640), 415_252_480);
});

Deno.test("grouped-query attention shrinks only the key and value projections", () => {
  const t: LlamaTextConfig = {
    vocabSize: 10,
    hiddenSize: 8,
    intermediateSize: 16,
    numLayers: 1,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 2,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    maxPositionEmbeddings: 16,
    attentionBias: false,
    mlpBias: false,
  };
  // q,k,v: 2·3·8·(8+4+4) = 768; o: 2·3·8·8 = 384; MLP: 6·3·8·16 = 2304; attention: 4·4·3·5·2 = 480.
  assert.equal(llamaLayerFlops(t, 3, 2), 3936);
  // q 64 + k 32 + v 32 + o 64 + MLP 384 + norms 16.
  assert.equal(llamaLayerParams(t), 592);
});

Deno.test("a CLIP-L block costs 15.88 GFLOP at 577 tokens, one image 390.19 GFLOP with the projector", () => {
  const c = llava7bConfig();
  // 8·577·1024² + 4·577·1024·4096 + 4·577²·1024
  assert.equal(clipLayerFlops(c.vision, 577), 15_884_357_632);
  // patch 2·576·588·1024 + 23 blocks + projector 2·576·(1024·4096 + 4096²)
  assert.equal(imageEncodeFlops(c), 390_193_049_600);
});

Deno.test("a question's estimate adds stage 1, a second image encoding and a longer stage-2 prefill", () => {
  const e = estimateQuestion(
    llava7bConfig(),
    { promptTokens: 640, newTokens: 10, b: 15, twigLayers: 2, roiTokens: 576 },
    { prefillGflops: 10, clipGflops: 10, decodeLayerMs: 100 },
  );
  // At 10 GFLOP/s: image 390.19 GFLOP; prefill 32 layers at 640 + lm_head row; 9 decode steps of
  // 32 × 100 ms + lm_head scaled by 131,334,144 / 202,383,360 weights; stage 1: 17 layers + the scorer's
  // 2·576·4096² key projection; stage 2: 32 layers at 1216 tokens + lm_head row.
  const close = (got: number, want: number) => assert.ok(Math.abs(got - want) < 1e-6, `${got} vs ${want}`);
  close(e.imageEncode, 39.01930496);
  close(e.prefill, 850.4297914368);
  close(e.decode, 29.384043715846992);
  close(e.stage1, 453.7096077312);
  close(e.stage2Prefill, 1652.5149339648);
  close(e.baseline, 918.833140112647);
  close(e.sdrpn, 2213.647195331847);
});
