/**
 * The suite's command-line layer. Experiment scripts import from here only, so the layer can be
 * replaced (e.g. by Cliffy where JSR is reachable) without touching them.
 */
export * from "./args.ts";
export * from "./progress.ts";
export * from "./table.ts";
