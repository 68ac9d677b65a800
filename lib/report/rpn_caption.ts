/**
 * The headline RPN's shape and training settings as a Table 1 caption line, read from the recorded config
 * of the result (never from the suite's current defaults): a reader of the table sees which B/R split and
 * which schedule the SD-RPN rows come from.
 *
 * @module
 */
import type { Result } from "../results/schema.ts";
import { layerMethod } from "../experiment/conventions.ts";

/**
 * `"- SD-RPN's RPN: B4R3 (B = 4 frozen decoder layers, R = 3 branch layers), 3 epochs, batch 32, peak lr
 * 0.001 (the result's config \`rpn\`)."`, or undefined when the result's `config.rpn` lacks any of
 * backbone, branch, epochs, batchSize or lr as a number (then the table reads as before).
 */
export function rpnCaption(result: Result): string | undefined {
  const rpn = result.config.rpn;
  if (rpn === null || typeof rpn !== "object" || Array.isArray(rpn)) return undefined;
  const { backbone: b, branch: r, epochs, batchSize, lr } = rpn as Record<string, unknown>;
  const numbers = [b, r, epochs, batchSize, lr];
  if (!numbers.every((v): v is number => typeof v === "number")) return undefined;
  const [B, R] = numbers as [number, number];
  return `- SD-RPN's RPN: ${layerMethod(B, R)} (B = ${B} frozen decoder layers, R = ${R} branch layers), ` +
    `${epochs} epoch${
      epochs === 1 ? "" : "s"
    }, batch ${batchSize}, peak lr ${lr} (the result's config \`rpn\`).`;
}
