/**
 * Where a result's numbers come from — its scale and checkpoint — and whether the results a report combines
 * share them. A table that puts a quick-scale number beside a default-scale one, or numbers of two
 * checkpoints side by side, compares unlike things without a word; the report CLI therefore refuses such a
 * folder unless asked to build it anyway, and then the report lists each result's source and says so.
 *
 * @module
 */
import type { Result } from "../results/schema.ts";
import { experimentKey } from "../experiment/conventions.ts";
import { markdownTable } from "./markdown.ts";

/** A result's source; null where the result does not record it. */
export interface ResultSource {
  /** `config.scale`. */
  scale: string | null;
  /** Content hash of the "checkpoint" artifact, else `config.checkpoint`. */
  checkpoint: string | null;
}

/** The scale and checkpoint a result was made with. */
export function resultSource(result: Result): ResultSource {
  const scale = typeof result.config.scale === "string" ? result.config.scale : null;
  const artifact = result.artifacts.find((a) => a.kind === "checkpoint");
  const configured = typeof result.config.checkpoint === "string" ? result.config.checkpoint : null;
  return { scale, checkpoint: artifact?.hash ?? configured };
}

/**
 * Null when the results share one scale and one checkpoint (results that do not record one are not
 * compared on it), else what differs, naming each result by `labels[i]` (default: its experiment), e.g.
 * `scale "default" (eval_base.json), scale "quick" (x.json)`.
 */
export function sourceMismatch(results: readonly Result[], labels?: readonly string[]): string | null {
  const parts: string[] = [];
  for (const key of ["scale", "checkpoint"] as const) {
    const groups = new Map<string, string[]>();
    results.forEach((r, i) => {
      const value = resultSource(r)[key];
      if (value === null) return;
      groups.set(value, [...(groups.get(value) ?? []), labels?.[i] ?? experimentKey(r.experiment)]);
    });
    if (groups.size < 2) continue;
    parts.push([...groups].map(([value, names]) => `${key} "${value}" (${names.join(", ")})`).join(", "));
  }
  return parts.length ? parts.join("; ") : null;
}

/**
 * A "Mixed sources" section for results that do not share scale and checkpoint: a warning and each
 * result's source. Empty when they do share them, so a consistent report is unchanged.
 */
export function sourcesSection(results: readonly Result[]): string {
  if (sourceMismatch(results) === null) return "";
  const rows = results.map((r) => {
    const s = resultSource(r);
    return [`\`${experimentKey(r.experiment)}\``, s.scale ?? "—", s.checkpoint ? `\`${s.checkpoint}\`` : "—"];
  });
  return [
    "## Mixed sources",
    "",
    "**Warning:** the results below do not share one scale and one checkpoint, so numbers from different " +
    "experiments are not comparable across sources. Each section takes its numbers from the experiment it " +
    "names; its source is:",
    "",
    markdownTable(["experiment", "scale", "checkpoint"], rows, { align: ["left", "left", "left"] }),
    "",
  ].join("\n");
}
