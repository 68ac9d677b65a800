import { createHash } from "node:crypto";
import type { BackendInfo } from "../engine/backend.ts";
import { configHash } from "./hash.ts";
import { machineInfo, packageVersions } from "./io.ts";
import {
  type Analysis,
  type Artifact,
  type Example,
  type Result,
  type ResultRow,
  SCHEMA_VERSION,
  type ScoringProtocol,
} from "./schema.ts";

/** First 16 hex characters of the SHA-256 of a file's bytes (artifact identity). */
export async function fileHash(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  return createHash("sha256").update(bytes).digest("hex").slice(0, 16);
}

/** An artifact entry for a file on disk. */
export async function artifact(kind: string, path: string): Promise<Artifact> {
  return { kind, path, hash: await fileHash(path) };
}

export interface RecordInput {
  experiment: string;
  config: Record<string, unknown>;
  seeds: number[];
  backend: BackendInfo;
  prompt: { template: string; metricVariant: string };
  rows: ResultRow[];
  artifacts: Artifact[];
  /** Recorded examples (lib/results/example_schema.ts); the field is left out when undefined. */
  examples?: Example[];
  /** Scoring protocols of the accuracy rows (`Result.scoring`); the field is left out when undefined. */
  scoring?: ScoringProtocol[];
  /** Model statistics (lib/results/analysis_schema.ts); the field is left out when undefined. */
  analysis?: Analysis;
  notes?: string[];
  startedAt: Date;
  phases?: Record<string, number>;
}

/**
 * Assemble a result in the results contract: everything deterministic up front, wall-clock facts only in
 * `timing`.
 */
export function makeResult(input: RecordInput): Result {
  const endedAt = new Date();
  const result: Result = {
    experiment: input.experiment,
    schemaVersion: SCHEMA_VERSION,
    config: input.config,
    configHash: configHash(input.config),
    seeds: input.seeds,
    backend: { requested: input.backend.requested, active: input.backend.active },
    packages: packageVersions(),
    machine: machineInfo(),
    prompt: input.prompt,
    rows: input.rows,
    artifacts: input.artifacts,
    timing: {
      startedAt: input.startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      seconds: Math.round((endedAt.getTime() - input.startedAt.getTime()) / 10) / 100,
      ...(input.phases ? { phases: input.phases } : {}),
    },
  };
  if (input.examples) result.examples = input.examples;
  if (input.scoring) result.scoring = input.scoring;
  if (input.analysis) result.analysis = input.analysis;
  if (input.notes) result.notes = input.notes;
  return result;
}

/** The prompt template and metric variant of every evaluation on the testbed (recorded in each result). */
export const TESTBED_PROMPT = {
  template: "sdrpn-chat-v1",
  metricVariant: "suite-native (vqa/anls/relaxed/choice/yesno)",
} as const;
