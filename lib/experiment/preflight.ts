/**
 * What a script does right after opening the model and before any work (issue 14, defects 3 and 4):
 * validate every config value against the model (lib/experiment/validate.ts), decide where the result goes
 * (lib/experiment/destination.ts) and make sure it can be written there. One call, so a script that builds
 * its own result and the runner do the same.
 */
import type { CliArgs } from "../cli/mod.ts";
import { checkWritable, describeDestination, type Destination, resultDestination } from "./destination.ts";
import { validateConfig, type ValidationCounts } from "./validate.ts";

/** What is known once the backend is active and the model is open. */
export interface OpenedRun {
  counts: ValidationCounts;
  /** Weights hash of the checkpoint (lib/experiment/model.ts `openModel`). */
  checkpointHash: string;
  /** The active backend. */
  backend: string;
}

/**
 * Validate the config, decide the destination of the result `<stem>.json` and check that it is writable;
 * throws with one clear message otherwise. With `writes: false` (a step that writes no result) only the
 * config is validated and there is no destination. `log` (when given) hears where a run that is not
 * canonical writes.
 */
export async function preflight<T extends object>(
  stem: string,
  args: Pick<CliArgs<T>, "config" | "scale" | "seeds" | "preset" | "setKeys">,
  run: OpenedRun,
  options: { writes?: boolean; log?: (message: string) => void } = {},
): Promise<Destination | undefined> {
  validateConfig(args.config, run.counts);
  if (options.writes === false) return undefined;
  const dest = resultDestination(stem, {
    scale: args.scale,
    config: args.config,
    seeds: args.seeds,
    preset: args.preset,
    checkpointHash: run.checkpointHash,
    backend: run.backend,
    outGiven: args.setKeys.includes("out"),
  });
  const given = args.setKeys.includes("out") && dest.path === (args.config as { out?: unknown }).out;
  await checkWritable(dest.path, given ? "out" : undefined);
  if (options.log && !dest.canonical) options.log(`the result goes to ${describeDestination(dest)}`);
  return dest;
}
