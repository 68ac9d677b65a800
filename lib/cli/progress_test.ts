import assert from "node:assert/strict";
import { formatDuration, formatRate, progress } from "./progress.ts";

/** A progress bar on a fake clock, recording everything it writes. */
function harness(total: number, isTty: boolean) {
  let clock = 1000;
  const out: string[] = [];
  const bar = progress("eval", total, { write: (t) => out.push(t), isTty, now: () => clock });
  return { bar, out, advance: (ms: number) => (clock += ms) };
}

Deno.test("formatDuration() and formatRate() print compact units", () => {
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(59.4), "59s");
  assert.equal(formatDuration(185), "3m05s");
  assert.equal(formatDuration(3720), "1h02m");
  assert.equal(formatRate(0.4234), "0.42");
  assert.equal(formatRate(12.46), "12.5");
  assert.equal(formatRate(340.2), "340");
});

Deno.test("progress() off a terminal prints a plain line per 10 % done", () => {
  const { bar, out, advance } = harness(100, false);
  for (let i = 0; i < 100; i++) {
    advance(10); // 100 items/s
    bar.tick();
  }
  assert.equal(out.length, 10);
  assert.equal(out[0], "eval 10/100 10% 100/s ETA 1s\n");
  assert.equal(out[9], "eval 100/100 100% 100/s ETA 0s\n");
  bar.done();
  assert.equal(out[10], "eval 100/100 done in 1s (100/s)\n");
  assert.ok(out.every((l) => !l.includes("\r")));
});

Deno.test("progress() off a terminal also prints every 5 s when progress is slow", () => {
  const { bar, out, advance } = harness(1000, false);
  for (let i = 0; i < 20; i++) {
    advance(1000); // 1 item/s: 20 s for 2 % of the work
    bar.tick(1, "loss 0.41");
  }
  assert.deepEqual(out, [
    "eval 5/1000 0% 1.00/s ETA 16m35s · loss 0.41\n",
    "eval 10/1000 1% 1.00/s ETA 16m30s · loss 0.41\n",
    "eval 15/1000 1% 1.00/s ETA 16m25s · loss 0.41\n",
    "eval 20/1000 2% 1.00/s ETA 16m20s · loss 0.41\n",
  ]);
});

Deno.test("progress() on a terminal redraws one line, throttled to 10 per second", () => {
  const { bar, out, advance } = harness(4, true);
  advance(50);
  bar.tick(); // first redraw waits 100 ms from the start
  advance(50);
  bar.tick(1, "acc 50%");
  advance(10);
  bar.tick(); // too soon
  advance(10);
  bar.tick(); // last item is always drawn
  bar.done("acc 75%");
  assert.deepEqual(out, [
    "\reval 2/4 50% 20.0/s ETA 0s · acc 50%\x1b[K",
    "\reval 4/4 100% 33.3/s ETA 0s\x1b[K",
    "\reval 4/4 done in 0s (33.3/s) · acc 75%\x1b[K\n",
  ]);
});

Deno.test("progress() with total 0 shows count and rate only", () => {
  const { bar, out, advance } = harness(0, false);
  advance(5000);
  bar.tick(3);
  bar.done();
  assert.deepEqual(out, ["eval 3 0.60/s\n", "eval 3 done in 5s (0.60/s)\n"]);
});

Deno.test("progress() ignores ticks and repeated done() after done()", () => {
  const { bar, out, advance } = harness(10, false);
  bar.done();
  advance(10_000);
  bar.tick(10);
  bar.done();
  assert.deepEqual(out, ["eval 0/10 done in 0s (0.00/s)\n"]);
});

Deno.test("progress() shows an unknown ETA before any item is done and caps overshoot", () => {
  const { bar, out, advance } = harness(2, false);
  advance(6000);
  bar.tick(0);
  advance(1000);
  bar.tick(3);
  assert.deepEqual(out, ["eval 0/2 0% 0.00/s ETA ?\n", "eval 3/2 100% 0.43/s ETA 0s\n"]);
});

Deno.test("progress() rejects a negative or non-finite total", () => {
  assert.throws(() => progress("x", -1), {
    message: 'Progress total must be a non-negative number, got "-1"',
  });
  assert.throws(() => progress("x", NaN), {
    message: 'Progress total must be a non-negative number, got "NaN"',
  });
});

Deno.test("progress() writes to stderr and never to stdout", async () => {
  const script = `import { progress } from ${JSON.stringify(new URL("./progress.ts", import.meta.url).href)};
const p = progress("work", 3); p.tick(); p.tick(); p.tick(); p.done();`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    cwd: new URL("../..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0);
  assert.equal(new TextDecoder().decode(out.stdout), "");
  const err = new TextDecoder().decode(out.stderr);
  assert.match(
    err,
    /^work 1\/3 33% .*\nwork 2\/3 66% .*\nwork 3\/3 100% .*\nwork 3\/3 done in 0s \(.*\/s\)\n$/,
  );
});
