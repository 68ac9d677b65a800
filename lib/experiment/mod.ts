/**
 * The experiment layer: configuration and scale presets (config.ts), the runner every script uses
 * (runner.ts), the registry of experiments (registry.ts), the row vocabulary shared with the report
 * (conventions.ts), opening a checkpoint behind the model interface (model.ts), and runs on the paper's
 * real benchmarks (benchmark_config.ts, benchmark_run.ts, shorthand options in shorthands.ts), and the checks
 * made before any work: where a result may be written (destination.ts) and config ranges (validate.ts),
 * run together by preflight.ts.
 *
 * @module
 */
export * from "./benchmark_config.ts";
export * from "./benchmark_run.ts";
export * from "./config.ts";
export * from "./conventions.ts";
export * from "./destination.ts";
export * from "./model.ts";
export * from "./preflight.ts";
export * from "./registry.ts";
export * from "./runner.ts";
export * from "./shorthands.ts";
export * from "./validate.ts";
export * from "./timing.ts";
