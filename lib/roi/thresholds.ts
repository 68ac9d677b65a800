/**
 * τ_conf of SD-RPN's post-processing per evaluation suite (SD-RPN-SPEC §5.3): the released per-benchmark
 * defaults carried over by analogue — 0.15 text-centric, 0.10 DocVQA / V* / HR-Bench, 0.05 OCRBench; POPE is
 * not in the released list, so it takes the text-centric 0.15. Fixed a priori, never tuned on these suites.
 */
export const RELEASED_THRESHOLDS: Readonly<Record<string, number>> = {
  doc: 0.10,
  textvqa: 0.15,
  ocr: 0.05,
  chart: 0.15,
  info: 0.15,
  "vstar-attr": 0.10,
  "vstar-spatial": 0.10,
  pope: 0.15,
  hr: 0.10,
};

/** The released τ_conf of an evaluation suite. */
export function releasedThreshold(suite: string): number {
  const tau = RELEASED_THRESHOLDS[suite];
  if (tau === undefined) throw new Error(`No released confidence threshold for suite "${suite}"`);
  return tau;
}
