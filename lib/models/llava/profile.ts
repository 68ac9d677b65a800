/**
 * SD-RPN's per-model settings for LLaVA-1.5 (SD-RPN-SPEC §1, §2, §4, §5; the authors' release), and the
 * rule that carries them to other depths.
 *
 * LLaVA-1.5-7B (32 decoder layers × 32 heads, G = 24, N = 576): grounding layer 14 with the hand-picked
 * heads 13, 24, 26; attention-sink layer 2 (all heads) with τ_sink = 0.576/N = 1e-3 (lib/roi's default);
 * backbone B = 15 and a twig of R = 3 layers initialised from layers 15–17; AdamW lr 5e-5 for one epoch
 * (betas (0.9, 0.98), 3 % warm-up, no weight decay, clip 1 are lib/roi's defaults already; the released
 * effective batch of 128 is left to `rpn.batchSize`, which trades memory for it: 32 by default).
 *
 * LLaVA-1.5-13B (40 × 40): the release trains the same K15T3 twig (B = 15, R = 3, lr 5e-5, one epoch) but
 * makes its pseudo-labels from heads of three layers (13: 21, 23, 26; 15: 2; 16: 2, 21, 30) and sinks from
 * two heads of layer 16 (LLaVA/llava/eval/model_vqa_label.py). lib/roi's teacher reads one grounding layer
 * and an all-head sink layer, so the profile takes layer 16 with heads 2, 21, 30 (the layer with the most
 * released heads) and the sink layer of the rule below — an approximation, stated in the result's config.
 *
 * Other depths L (e.g. the 4-layer test fixture) scale the 7B's layer indices by L/32, as the embedded
 * model's defaults do (14 of 32 → 4 of 8): grounding layer round(14L/32), sink layer max(1, round(2L/32)),
 * B = clamp(round(15L/32), 1, L − 1), R = min(3, L − B), all heads (hand-picked heads belong to one model's
 * weights; all heads is the spec's default for a new model, as ViCrop does). The norm-based sink test reads
 * the grounding layer's input, as the embedded model's default does.
 */

/** What lib/roi and lib/experiment take from a profile. */
export interface SdrpnProfile {
  /** teacher.layer, teacher.sinkLayer, teacher.normLayer (TeacherConfig). */
  teacher: { layer: number; sinkLayer: number; normLayer: number };
  /** variant.heads: heads averaged into the grounding map; absent = all heads. */
  heads?: number[];
  /** rpn.backbone (B), rpn.branch (R), and the training settings that differ from the suite's defaults. */
  rpn: { backbone: number; branch: number; lr?: number; epochs?: number };
  /** τ_sink of the attention-based sink test (0.576/N). */
  sinkThreshold: number;
  /** G and N the settings were made for. */
  grid: number;
  tokens: number;
}

/** Sizes a profile depends on. */
export interface ProfileShape {
  layers: number;
  heads: number;
  tokens: number;
}

/** Which released model a shape is: LLaVA-1.5-7B (32 × 32, N = 576), -13B (40 × 40, N = 576), or neither. */
export function releasedModel(shape: ProfileShape): "7b" | "13b" | null {
  if (shape.tokens !== 576) return null;
  if (shape.layers === 32 && shape.heads === 32) return "7b";
  if (shape.layers === 40 && shape.heads === 40) return "13b";
  return null;
}

/** SD-RPN's settings for a LLaVA-1.5 model of this shape (released values for 7B/13B, the scaling rule else). */
export function llavaProfile(shape: ProfileShape): SdrpnProfile {
  const L = shape.layers;
  if (!Number.isInteger(L) || L < 2) {
    throw new Error(`Cannot derive SD-RPN settings for "${L}" decoder layers: need at least 2`);
  }
  const grid = Math.round(Math.sqrt(shape.tokens));
  const scaled = (paper: number) => Math.round((paper * L) / 32);
  const backbone = Math.min(Math.max(scaled(15), 1), L - 1);
  const layer = Math.min(scaled(14), L - 1);
  const profile: SdrpnProfile = {
    teacher: { layer, sinkLayer: Math.min(Math.max(1, scaled(2)), L - 1), normLayer: layer },
    rpn: { backbone, branch: Math.min(3, L - backbone) },
    sinkThreshold: 0.576 / shape.tokens,
    grid,
    tokens: shape.tokens,
  };
  const released = releasedModel(shape);
  if (released === "7b") profile.heads = [13, 24, 26];
  if (released === "13b") {
    profile.teacher.layer = profile.teacher.normLayer = 16;
    profile.heads = [2, 21, 30];
    profile.rpn = { backbone: 15, branch: 3 };
  }
  if (released !== null) Object.assign(profile.rpn, { lr: 5e-5, epochs: 1 });
  return profile;
}

/**
 * The profile as dotted config overrides (`--set key=value` form, values JSON) for the keys an experiment
 * config has: `teacher.*`, `variant.heads`, `rpn.*`. τ_sink is left to lib/roi's default (the same 0.576/N).
 */
export function profileOverrides(profile: SdrpnProfile): Record<string, unknown> {
  const out: Record<string, unknown> = {
    "teacher.layer": profile.teacher.layer,
    "teacher.sinkLayer": profile.teacher.sinkLayer,
    "teacher.normLayer": profile.teacher.normLayer,
    "rpn.backbone": profile.rpn.backbone,
    "rpn.branch": profile.rpn.branch,
  };
  if (profile.heads) out["variant.heads"] = profile.heads;
  if (profile.rpn.lr !== undefined) out["rpn.lr"] = profile.rpn.lr;
  if (profile.rpn.epochs !== undefined) out["rpn.epochs"] = profile.rpn.epochs;
  return out;
}
