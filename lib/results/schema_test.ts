import assert from "node:assert/strict";
import { likelihoodMetric, type Result, ResultSchema, SCHEMA_VERSION } from "./schema.ts";

// configHash({ lr: 0.001, steps: 200 }), computed with sha256sum (see hash_test.ts).
const HASH = "b12eeea975f2cc41";

function sample(): Result {
  return {
    experiment: "main-results",
    schemaVersion: 1,
    config: { steps: 200, lr: 0.001 },
    configHash: HASH,
    seeds: [0],
    backend: { requested: "auto", active: "wasm" },
    packages: { zod: "4.6.7" },
    machine: { cores: 2, cpuModel: "Test CPU", os: "linux x86_64" },
    prompt: { template: "v1", metricVariant: "official" },
    rows: [{ method: "baseline", suite: "docs", metric: "anls", value: 51.5, n: 200, ci: [47, 56] }],
    artifacts: [{ kind: "checkpoint", path: "data/base.safetensors", hash: "abc" }],
    timing: { startedAt: "2024-01-01T00:00:00.000Z", endedAt: "2024-01-01T00:01:00.000Z", seconds: 60 },
  };
}

function firstIssue(value: unknown): { path: string; message: string } | undefined {
  const parsed = ResultSchema.safeParse(value);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return { path: issue.path.map(String).join("."), message: issue.message };
}

Deno.test("ResultSchema accepts a complete result with optional parts present or absent", () => {
  assert.equal(SCHEMA_VERSION, 1);
  assert.equal(firstIssue(sample()), undefined);
  const full = sample();
  full.notes = ["quick scale"];
  full.rows[0]!.extra = { iou: 0.4, perSeed: [51, 52] };
  full.timing.phases = { eval: 12.5 };
  assert.equal(firstIssue(full), undefined);
  const bare = sample();
  delete bare.rows[0]!.ci;
  bare.rows.push({ method: "sd-rpn", suite: "docs", metric: "anls", value: 0, n: 0 });
  assert.equal(firstIssue(bare), undefined);
});

Deno.test("ResultSchema rejects unknown keys at the root and inside nested objects", () => {
  assert.deepEqual(firstIssue({ ...sample(), extraKey: 1 }), {
    path: "",
    message: 'Unrecognized key: "extraKey"',
  });
  const row = sample();
  (row.rows[0] as Record<string, unknown>).stderr = 1;
  assert.deepEqual(firstIssue(row), { path: "rows.0", message: 'Unrecognized key: "stderr"' });
  const timing = sample();
  (timing.timing as Record<string, unknown>).tz = "UTC";
  assert.deepEqual(firstIssue(timing), { path: "timing", message: 'Unrecognized key: "tz"' });
});

Deno.test("ResultSchema rejects a wrong schema version and non-finite values", () => {
  assert.equal(firstIssue({ ...sample(), schemaVersion: 2 })?.path, "schemaVersion");
  const nan = sample();
  nan.rows[0]!.value = NaN;
  assert.equal(firstIssue(nan)?.path, "rows.0.value");
  const inf = sample();
  inf.rows[0]!.extra = { deep: { x: Infinity } };
  assert.deepEqual(firstIssue(inf), {
    path: "rows.0.extra.deep.x",
    message: "Infinity is not valid JSON",
  });
});

Deno.test("ResultSchema rejects an inverted confidence interval", () => {
  const bad = sample();
  bad.rows[0]!.ci = [60, 40];
  assert.deepEqual(firstIssue(bad), { path: "rows.0.ci", message: "lower bound exceeds upper bound" });
});

Deno.test("ResultSchema checks configHash against config", () => {
  const bad = sample();
  bad.config = { lr: 0.001, steps: 201 };
  const issue = firstIssue(bad);
  assert.equal(issue?.path, "configHash");
  assert.match(issue!.message, /^"b12eeea975f2cc41" does not match the config \(expected "[0-9a-f]{16}"\)$/);
  assert.deepEqual(firstIssue({ ...sample(), configHash: "XYZ" }), {
    path: "configHash",
    message: "expected 16 lower-case hex characters",
  });
});

Deno.test("ResultSchema rejects non-JSON config values naming their path", () => {
  const bad = sample();
  bad.config = { lr: 0.001, sched: { warmup: undefined } };
  assert.deepEqual(firstIssue(bad), { path: "config.sched.warmup", message: "undefined is not valid JSON" });
});

Deno.test("ResultSchema requires at least one seed, integer n and ISO timing dates", () => {
  assert.equal(firstIssue({ ...sample(), seeds: [] })?.path, "seeds");
  const n = sample();
  n.rows[0]!.n = 2.5;
  assert.equal(firstIssue(n)?.path, "rows.0.n");
  const date = sample();
  date.timing.startedAt = "yesterday";
  assert.equal(firstIssue(date)?.path, "timing.startedAt");
  const missing = sample() as Partial<Result>;
  delete missing.timing;
  assert.equal(firstIssue(missing)?.path, "timing");
});

Deno.test("ResultSchema bounds accuracies to [0, 100], shares to [0, 1] and counts to non-negative", () => {
  const row = (metric: string, value: number, ci?: [number, number]) => {
    const r = sample();
    r.rows[0] = { method: "m", suite: "s", metric, value, n: 3, ...(ci ? { ci } : {}) };
    return firstIssue(r);
  };
  assert.deepEqual(row("accuracy", 1e308), {
    path: "rows.0.value",
    message: '"1e+308" is outside [0, 100], the range of metric "accuracy"',
  });
  assert.deepEqual(row("vqa-accuracy", -5), {
    path: "rows.0.value",
    message: '"-5" is outside [0, 100], the range of metric "vqa-accuracy"',
  });
  assert.deepEqual(row("accuracy", 50, [40, 100.5]), {
    path: "rows.0.ci.1",
    message: '"100.5" is outside [0, 100], the range of metric "accuracy"',
  });
  assert.deepEqual(row("iou", 1.2), {
    path: "rows.0.value",
    message: '"1.2" is outside [0, 1], the range of metric "iou"',
  });
  assert.deepEqual(row("roi_tokens", -1), {
    path: "rows.0.value",
    message: '"-1" is outside [0, ∞], the range of metric "roi_tokens"',
  });
  assert.deepEqual(
    row("delta_accuracy", -100.5)?.message,
    '"-100.5" is outside [-100, 100], the range of metric "delta_accuracy"',
  );
  // The edges are in range; a difference may be negative; a metric without a known range is only finite.
  assert.equal(row("accuracy", 100, [0, 100]), undefined);
  assert.equal(row("delta_accuracy", -12.5, [-30, 4]), undefined);
  assert.equal(row("mass_excess", -0.03), undefined);
  const count = sample();
  count.rows[0]!.n = -1;
  assert.equal(firstIssue(count)?.path, "rows.0.n");
});

Deno.test('ResultSchema records the scoring protocols and requires "likelihood" for likelihood rows', () => {
  assert.equal(likelihoodMetric("choice"), "likelihood-choice-accuracy");
  const both = sample();
  both.scoring = ["generation", "likelihood"];
  both.rows.push({
    method: "global",
    suite: "vstar-attr",
    metric: "likelihood-choice-accuracy",
    value: 40,
    n: 40,
    ci: [25, 55],
    extra: { protocol: "likelihood" },
  });
  assert.equal(firstIssue(both), undefined);
  const unlisted = structuredClone(both);
  delete unlisted.scoring;
  assert.deepEqual(firstIssue(unlisted), {
    path: "rows.1.metric",
    message:
      '"likelihood-choice-accuracy" is a likelihood-protocol row, but "scoring" does not list "likelihood"',
  });
  assert.deepEqual(firstIssue({ ...both, scoring: ["generation", "generation"] }), {
    path: "scoring",
    message: "a protocol is listed twice",
  });
  assert.equal(firstIssue({ ...both, scoring: ["greedy"] })?.path, "scoring.0");
  assert.equal(firstIssue({ ...both, scoring: [] })?.path, "scoring");
  // A likelihood accuracy is a percentage like any accuracy.
  const over = structuredClone(both);
  over.rows[1]!.value = 101;
  assert.deepEqual(firstIssue(over), {
    path: "rows.1.value",
    message: '"101" is outside [0, 100], the range of metric "likelihood-choice-accuracy"',
  });
  // The runner's likelihood rows take the ranges of their generation twins.
  const twin = (metric: string, value: number) => {
    const r = structuredClone(both);
    r.rows[1] = { ...r.rows[1]!, metric, value };
    delete r.rows[1]!.ci;
    return firstIssue(r)?.message;
  };
  assert.equal(
    twin("likelihood-accuracy", 101),
    '"101" is outside [0, 100], the range of metric "likelihood-accuracy"',
  );
  assert.equal(twin("likelihood-f1", -1), '"-1" is outside [0, 100], the range of metric "likelihood-f1"');
  assert.equal(
    twin("likelihood-delta_accuracy", -101),
    '"-101" is outside [-100, 100], the range of metric "likelihood-delta_accuracy"',
  );
  assert.equal(twin("likelihood-delta_accuracy", -12.5), undefined);
  assert.equal(twin("likelihood-accuracy_seed_sd", 3), undefined);
});
