/**
 * Geometry of stage 2 (SD-RPN-SPEC §5.5–5.6): which grid regions of a proposal are cropped from
 * the ORIGINAL image, where they are in source pixels, and which crop tokens are kept.
 *
 * Grid → pixels is `gridBoxToSource` of lib/image/resize.ts, re-exported as
 * {@link gridBoxToSourceBox}: it already follows §5.6 to the letter (cell = encoderSize / grid,
 * minus the letterbox padding, divided by the ratio, clamped to [0, W] × [0, H], truncated), so it
 * is not duplicated. Clamping before truncating equals truncating before clamping here because the
 * bounds are integers. Note that this re-export loads resize.ts, which imports sharp.
 */
import type { Box } from "../image/types.ts";
import { gridBoxToSource, type LetterboxInfo } from "../image/resize.ts";
import type { RoiProposal } from "./propose.ts";

export { gridBoxToSource as gridBoxToSourceBox } from "../image/resize.ts";
export type { LetterboxInfo } from "../image/resize.ts";

/** Where the encoder grid sits on the original image. */
export interface GridGeometry {
  /** G: the visual grid is G×G tokens. */
  grid: number;
  /** Encoder input side in pixels (the letterboxed square). */
  encoderSize: number;
  /** Letterbox of the original image in the encoder square. */
  letterbox: LetterboxInfo;
  /** Original image width in pixels. */
  width: number;
  /** Original image height in pixels. */
  height: number;
}

/** One region to crop from the original image and encode for stage 2. */
export interface RoiCrop {
  /** Region in grid cells, exclusive end. */
  gridBox: Box;
  /** Same region in source pixels, exclusive end (may be empty if it lies in the padding). */
  sourceBox: Box;
  /** Crop tokens to add, row-major in the crop's G×G grid; null = all N tokens. */
  keptTokens: number[] | null;
}

/**
 * The crops of a proposal: "none" → []; "box" → its one box, all tokens; "mask" → the mask box with
 * the kept tokens. With `boxOnly` (the paper's "box-only" ablation) a mask-path proposal instead
 * yields one all-token crop per surviving box. (The released code's box mode gives up when more
 * than two boxes survive; the spec's "each surviving box" is followed here.)
 */
export function roiCrops(
  roi: Pick<RoiProposal, "path" | "boxes" | "keptTokens" | "maskBox">,
  geometry: GridGeometry,
  options: { boxOnly?: boolean } = {},
): RoiCrop[] {
  const { grid, encoderSize, letterbox, width, height } = geometry;
  const toSource = (box: Box) => gridBoxToSource(box, grid, encoderSize, letterbox, width, height);
  const whole = (box: Box): RoiCrop => ({ gridBox: box, sourceBox: toSource(box), keptTokens: null });
  switch (roi.path) {
    case "none":
      return [];
    case "box":
      return [whole(roi.boxes[0]!)];
    case "mask": {
      if (options.boxOnly) return roi.boxes.map(whole);
      if (!roi.maskBox) throw new Error(`Invalid proposal "mask": the mask path needs a mask box`);
      return [{ gridBox: roi.maskBox, sourceBox: toSource(roi.maskBox), keptTokens: [...roi.keptTokens] }];
    }
  }
}
