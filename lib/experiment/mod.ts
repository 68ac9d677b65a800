/**
 * The experiment layer: configuration and scale presets (config.ts), the runner every script uses
 * (runner.ts), the registry of experiments (registry.ts), the row vocabulary shared with the report
 * (conventions.ts) and opening a checkpoint behind the model interface (model.ts).
 *
 * @module
 */
export * from "./config.ts";
export * from "./conventions.ts";
export * from "./model.ts";
export * from "./registry.ts";
export * from "./runner.ts";
