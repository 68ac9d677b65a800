import assert from "node:assert/strict";
import { z } from "zod";
import { defineCli, runMain } from "./args.ts";

const schema = z.object({
  lr: z.number().positive().default(0.001).describe("Learning rate of the RPN"),
  steps: z.int().positive().default(200).describe("Training steps"),
  suite: z.enum(["docs", "charts"]).default("docs"),
  name: z.string().default("run"),
  heads: z.array(z.int()).default([0, 1]),
  note: z.string().optional(),
  train: z.object({
    batch: z.int().positive().default(8).describe("Batch size"),
    warmup: z.number().default(0.1),
  }).default({ batch: 8, warmup: 0.1 }),
  tags: z.record(z.string(), z.number()).default({}),
});

function cli(flags?: Record<string, string>) {
  return defineCli({
    name: "label-assignment",
    description: "Ablation rows 2→3",
    schema,
    scales: { quick: { steps: 10, train: { batch: 2 } }, default: {}, full: { steps: 5000 } },
    flags,
  });
}

const DEFAULTS = {
  lr: 0.001,
  steps: 200,
  suite: "docs",
  name: "run",
  heads: [0, 1],
  train: { batch: 8, warmup: 0.1 },
  tags: {},
};

Deno.test("parse() with no arguments gives schema defaults and default flags", () => {
  assert.deepEqual(cli().parse([]), {
    config: DEFAULTS,
    scale: "default",
    seed: 0,
    seeds: [0],
    backend: "auto",
    json: false,
    help: false,
    flags: {},
    options: {},
    preset: { config: DEFAULTS, seeds: [0] },
    setKeys: [],
  });
});

Deno.test("parse() gives the scale's preset run beside the run, whatever --set and --seeds say", () => {
  const args = cli().parse(["--scale", "quick", "--set", "steps=3", "--seeds", "4,5"]);
  assert.equal(args.config.steps, 3);
  assert.deepEqual(args.setKeys, ["steps"]);
  assert.deepEqual(args.preset, {
    config: { ...DEFAULTS, steps: 10, train: { batch: 2, warmup: 0.1 } },
    seeds: [0],
  });
});

Deno.test("parse() applies the scale preset over defaults, reaching nested keys", () => {
  const args = cli().parse(["--scale", "quick"]);
  assert.equal(args.scale, "quick");
  assert.deepEqual(args.config, { ...DEFAULTS, steps: 10, train: { batch: 2, warmup: 0.1 } });
  assert.equal(cli().parse(["--scale=full"]).config.steps, 5000);
});

Deno.test("parse() applies --set over the scale preset", () => {
  const args = cli().parse(["--scale", "quick", "--set", "steps=42", "--set=train.warmup=0.5"]);
  assert.equal(args.config.steps, 42);
  assert.deepEqual(args.config.train, { batch: 2, warmup: 0.5 });
});

Deno.test("parse() reads --set values as JSON when they parse, else as strings", () => {
  const args = cli().parse([
    "--set",
    "heads=[3,4]",
    "--set",
    "suite=charts",
    "--set",
    "name=123",
    "--set",
    "note=",
    "--set",
    'tags={"a":1}',
    "--set",
    "tags.b=2",
  ]);
  assert.deepEqual(args.config.heads, [3, 4]);
  assert.equal(args.config.suite, "charts");
  assert.equal(args.config.name, "123", "string fields keep the text");
  assert.equal(args.config.note, "");
  assert.deepEqual(args.config.tags, { a: 1, b: 2 }, "record fields accept any key");
  assert.equal(cli().parse(["--set", "name=a=b"]).config.name, "a=b", "only the first = splits");
});

Deno.test("parse() rejects unknown config keys, listing the known ones", () => {
  assert.throws(() => cli().parse(["--set", "foo=1"]), {
    message: 'Unknown config key "foo" (known: lr, steps, suite, name, heads, note, train, tags)',
  });
  assert.throws(() => cli().parse(["--set", "train.size=1"]), {
    message: 'Unknown config key "train.size" (known: train.batch, train.warmup)',
  });
  assert.throws(() => cli().parse(["--set", "lr.x=1"]), {
    message: 'Unknown config key "lr.x" ("lr" is not an object)',
  });
});

Deno.test("parse() rejects invalid config values with zod's message", () => {
  assert.throws(() => cli().parse(["--set", "lr=-1"]), {
    message: 'Invalid value "-1" for config key "lr": Too small: expected number to be >0',
  });
  assert.throws(() => cli().parse(["--set", "lr=fast"]), {
    message: 'Invalid value "fast" for config key "lr": Invalid input: expected number, received string',
  });
  assert.throws(() => cli().parse(["--set", "train.batch=2.5"]), {
    message: 'Invalid value "2.5" for config key "train.batch": Invalid input: expected int, received number',
  });
  assert.throws(() => cli().parse(["--set", "suite=tables"]), {
    message: 'Invalid value "tables" for config key "suite": Invalid option: expected one of "docs"|"charts"',
  });
  assert.throws(() => cli().parse(["--set", "heads=[0,1.5]"]), {
    message: 'Invalid value "1.5" for config key "heads.1": Invalid input: expected int, received number',
  });
});

Deno.test("parse() rejects malformed --set entries", () => {
  for (const entry of ["steps", "=3", "train..batch=1", ".lr=1"]) {
    assert.throws(() => cli().parse(["--set", entry]), {
      message: `Invalid --set "${entry}": expected key=value`,
    });
  }
});

Deno.test("parse() reads --seed, --seeds, --backend, --json and --help", () => {
  const args = cli().parse(["--seed", "7", "--backend", "cpu", "--json", "-h"]);
  assert.equal(args.seed, 7);
  assert.deepEqual(args.seeds, [7]);
  assert.equal(args.backend, "cpu");
  assert.equal(args.json, true);
  assert.equal(args.help, true);
  const multi = cli().parse(["--seeds", "3,1, 2"]);
  assert.equal(multi.seed, 3, "first of --seeds when --seed is absent");
  assert.deepEqual(multi.seeds, [3, 1, 2]);
  const both = cli().parse(["--seed", "9", "--seeds", "0,1"]);
  assert.equal(both.seed, 9);
  assert.deepEqual(both.seeds, [0, 1]);
  assert.equal(cli().parse(["--seed", "4294967295"]).seed, 4294967295);
});

Deno.test("parse() rejects bad flag values", () => {
  assert.throws(() => cli().parse(["--scale", "huge"]), {
    message: 'Invalid value for --scale "huge" (expected quick, default, full)',
  });
  assert.throws(() => cli().parse(["--backend", "gpu"]), {
    message: 'Invalid value for --backend "gpu" (expected auto, wasm, cpu, webgpu, tensorflow)',
  });
  assert.throws(() => cli().parse(["--seed", "1.5"]), {
    message: 'Invalid value for --seed "1.5": expected an integer from 0 to 4294967295',
  });
  assert.throws(() => cli().parse(["--seed", "4294967296"]), {
    message: 'Invalid value for --seed "4294967296": expected an integer from 0 to 4294967295',
  });
  assert.throws(() => cli().parse(["--seeds", "0,,1"]), {
    message: 'Invalid value for --seeds "0,,1": expected comma-separated integers, e.g. 0,1,2',
  });
  assert.throws(() => cli().parse(["--seeds", "-1,2"]), {
    message:
      'Invalid value for --seeds "-1,2": seed "-1" is negative, expected integers from 0 to 4294967295',
  });
  assert.throws(() => cli().parse(["--seeds=0,-3"]), {
    message:
      'Invalid value for --seeds "0,-3": seed "-3" is negative, expected integers from 0 to 4294967295',
  });
  assert.throws(() => cli().parse(["--seed", "-1"]), {
    message: 'Invalid value for --seed "-1": expected an integer from 0 to 4294967295',
  });
  assert.throws(() => cli().parse(["--seeds", "1,1"]), {
    message: 'Invalid value for --seeds "1,1": repeated seed',
  });
});

Deno.test("parse() rejects unknown options, positionals and missing values", () => {
  assert.throws(() => cli().parse(["--foo"]), { message: 'Unknown option "--foo"' });
  assert.throws(() => cli().parse(["-x"]), { message: 'Unknown option "-x"' });
  assert.throws(() => cli().parse(["steps=3"]), {
    message: 'Unexpected argument "steps=3" (config values go through --set key=value)',
  });
  assert.throws(() => cli().parse(["--seed"]), { message: 'Missing value for option "--seed"' });
  assert.throws(() => cli().parse(["--seed", "--json"]), { message: 'Missing value for option "--seed"' });
  assert.throws(() => cli().parse(["--json=yes"]), { message: 'Option "--json" does not take a value' });
});

Deno.test("parse() supports extra boolean flags", () => {
  const withFlags = cli({ "no-cache": "Recompute artifacts" });
  assert.deepEqual(withFlags.parse([]).flags, { "no-cache": false });
  assert.deepEqual(withFlags.parse(["--no-cache"]).flags, { "no-cache": true });
  assert.throws(() => cli().parse(["--no-cache"]), { message: 'Unknown option "--no-cache"' });
  assert.throws(() => cli({ json: "again" }), {
    message: 'Flag "--json" is built in and cannot be redefined',
  });
});

Deno.test("parse() supports extra valued options", () => {
  const withOptions = defineCli({
    name: "llava",
    description: "One question",
    schema,
    scales: { quick: {}, default: {}, full: {} },
    flags: { jsonl: "One JSON object per row" },
    options: { model: "Hugging Face LLaVA folder", limit: "Rows per benchmark" },
  });
  assert.deepEqual(withOptions.parse([]).options, { model: undefined, limit: undefined });
  const args = withOptions.parse(["--model", "dir/x", "--limit=3", "--jsonl"]);
  assert.deepEqual(args.options, { model: "dir/x", limit: "3" });
  assert.equal(args.flags.jsonl, true);
  assert.throws(() => withOptions.parse(["--model"]), { message: 'Missing value for option "--model"' });
  assert.match(withOptions.usage(), /--model <value> +Hugging Face LLaVA folder/);
  assert.throws(
    () =>
      defineCli({
        name: "x",
        description: "x",
        schema,
        scales: { quick: {}, default: {}, full: {} },
        options: { seed: "no" },
      }),
    { message: 'Flag "--seed" is built in and cannot be redefined' },
  );
  assert.throws(
    () =>
      defineCli({
        name: "x",
        description: "x",
        schema,
        scales: { quick: {}, default: {}, full: {} },
        flags: { a: "" },
        options: { a: "" },
      }),
    { message: 'Flag "--a" is declared as a flag and as an option' },
  );
});

Deno.test("parse() does not share state between calls or mutate the presets", () => {
  const c = cli();
  const first = c.parse(["--set", "train.batch=4", "--set", "heads=[9]"]);
  first.config.heads.push(10);
  const second = c.parse([]);
  assert.deepEqual(second.config, DEFAULTS);
  assert.deepEqual(c.parse(["--scale", "quick"]).config.train, { batch: 2, warmup: 0.1 });
});

Deno.test("defineCli() rejects scale presets with unknown keys", () => {
  assert.throws(
    () =>
      defineCli({
        name: "x",
        description: "x",
        schema,
        scales: { quick: { train: { bacth: 2 } } as never, default: {}, full: {} },
      }),
    {
      message:
        'Invalid scale preset "quick": unknown config key "train.bacth" (known: train.batch, train.warmup)',
    },
  );
});

Deno.test("parse() reports a required key without default", () => {
  const strictCli = defineCli({
    name: "x",
    description: "x",
    schema: z.object({ checkpoint: z.string().describe("Checkpoint path") }),
    scales: { quick: {}, default: {}, full: {} },
  });
  assert.throws(() => strictCli.parse([]), {
    message: 'Invalid value for config key "checkpoint": Invalid input: expected string, received undefined',
  });
  assert.equal(strictCli.parse(["--set", "checkpoint=a.safetensors"]).config.checkpoint, "a.safetensors");
  assert.match(strictCli.usage(), /\n {2}checkpoint {2}\(required\) {2}Checkpoint path$/);
});

Deno.test("usage() lists flags and every config key with default, description and presets", () => {
  const text = cli({ "no-cache": "Recompute artifacts" }).usage();
  const lines = text.split("\n");
  assert.equal(lines[0], "label-assignment: Ablation rows 2→3");
  assert.ok(lines.includes("Usage: deno task label-assignment [options]"));
  for (const flag of ["-h, --help", "--scale <name>", "--seed <n>", "--seeds <list>", "--backend <name>"]) {
    assert.ok(lines.some((l) => l.startsWith(`  ${flag} `)), flag);
  }
  assert.ok(lines.some((l) => /^ {2}--no-cache +Recompute artifacts$/.test(l)));
  const keys = lines.slice(lines.findIndex((l) => l.startsWith("Config keys")) + 1);
  assert.deepEqual(keys, [
    "  lr            0.001    Learning rate of the RPN",
    "  steps         200      Training steps [quick: 10, full: 5000]",
    '  suite         "docs"',
    '  name          "run"',
    "  heads         [0,1]",
    "  note          (unset)",
    "  train.batch   8        Batch size [quick: 2]",
    "  train.warmup  0.1",
    "  tags          {}",
  ]);
});

Deno.test("runMain() prints only the message and exits 1 on error", async () => {
  const lines: string[] = [];
  const codes: number[] = [];
  await runMain(() => {
    throw new Error('Unknown option "--foo"');
  }, { writeError: (l) => lines.push(l), exit: (c) => codes.push(c), debug: false });
  assert.deepEqual(lines, ['error: Unknown option "--foo"']);
  assert.deepEqual(codes, [1]);
});

Deno.test("runMain() awaits async functions, prints stacks in debug mode, and leaves success alone", async () => {
  const lines: string[] = [];
  const codes: number[] = [];
  const hooks = { writeError: (l: string) => lines.push(l), exit: (c: number) => codes.push(c) };
  await runMain(async () => {
    await Promise.resolve();
    throw new Error("late failure");
  }, { ...hooks, debug: true });
  assert.equal(lines[0], "error: late failure");
  assert.match(lines[1] ?? "", /^Error: late failure\n\s+at /);
  assert.deepEqual(codes, [1]);
  lines.length = 0;
  codes.length = 0;
  let ran = false;
  await runMain(() => {
    ran = true;
  }, hooks);
  assert.ok(ran);
  assert.deepEqual(lines, []);
  assert.deepEqual(codes, []);
  await runMain(() => {
    throw "plain string";
  }, { ...hooks, debug: true });
  assert.deepEqual(lines, ["error: plain string"]);
});

Deno.test("runMain() in a real process: stderr has one line, stdout is empty, exit code 1", async () => {
  const script = `import { runMain } from ${JSON.stringify(new URL("./args.ts", import.meta.url).href)};
await runMain(() => { throw new Error('Invalid value for config key "lr": too big'); });`;
  const env = { ...Deno.env.toObject() };
  delete env.SDRPN_DEBUG;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    cwd: new URL("../..", import.meta.url).pathname,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 1);
  assert.equal(new TextDecoder().decode(out.stdout), "");
  assert.equal(new TextDecoder().decode(out.stderr), 'error: Invalid value for config key "lr": too big\n');
});

Deno.test("parse() runs seedCount consecutive seeds from --seed when --seeds is absent", () => {
  const counted = () =>
    defineCli({
      name: "x",
      description: "d",
      schema,
      scales: { quick: {}, default: {}, full: {} },
      seedCount: { default: 3, full: 5 },
    });
  assert.deepEqual(counted().parse([]).seeds, [0, 1, 2]);
  assert.deepEqual(counted().parse(["--seed", "10"]).seeds, [10, 11, 12]);
  assert.deepEqual(counted().parse(["--scale", "quick", "--seed", "4"]).seeds, [4]);
  assert.deepEqual(counted().parse(["--scale", "full"]).seeds, [0, 1, 2, 3, 4]);
  assert.deepEqual(counted().parse(["--seeds", "7"]).seeds, [7], "--seeds wins");
  assert.throws(() => counted().parse(["--seed", "4294967294"]), {
    message: 'Invalid value for --seed "4294967294": the 3 seeds of this scale pass 4294967295',
  });
  assert.match(
    counted().usage(),
    /--seeds <list> +Comma-separated seeds, e\.g\. 0,1,2 \(default: this many seeds from --seed, quick: 1, default: 3, full: 5\)/,
  );
  assert.throws(
    () =>
      defineCli({
        name: "x",
        description: "d",
        schema,
        scales: { quick: {}, default: {}, full: {} },
        seedCount: { quick: 0 },
      }),
    { message: 'Invalid seed count "0" for scale "quick": expected a positive integer' },
  );
});
