import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { lockOwner, parseHolder, withLock } from "./lock.ts";

const quiet = () => {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Set a file's mtime `ms` milliseconds into the past. */
function age(path: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  Deno.utimeSync(path, t, t);
}

Deno.test("withLock() serialises two holders of one path and removes the lock afterwards", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "artifact");
    const events: string[] = [];
    const waits: string[] = [];
    const task = (name: string) =>
      withLock(path, async () => {
        events.push(`${name} in`);
        await sleep(30);
        events.push(`${name} out`);
      }, { pollMs: 5, onWait: (h) => waits.push(h), report: quiet });
    await Promise.all([task("a"), task("b")]);
    // Either may win the race for the lock; the other runs only after it left.
    const first = events[0]!.split(" ")[0]!;
    const second = first === "a" ? "b" : "a";
    assert.deepEqual(events, [`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
    assert.deepEqual(waits, [lockOwner()]);
    assert.equal(existsSync(`${path}.lock`), false);
  });
});

Deno.test("withLock() releases the lock when the function throws and rethrows the error", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "x");
    await assert.rejects(() => withLock(path, () => Promise.reject(new Error("boom"))), { message: "boom" });
    assert.equal(existsSync(`${path}.lock`), false);
    assert.equal(await withLock(path, () => Promise.resolve(7)), 7);
  });
});

Deno.test({
  name: "withLock() takes over at once a lock left by a process of this host that no longer exists",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await inTempDir(async (dir) => {
      const path = join(dir, "y");
      // A pid above Linux's pid_max (2^22) cannot be alive.
      await Deno.writeTextFile(`${path}.lock`, `${lockOwner().split(" ")[0]} 99999999\n`);
      const waits: string[] = [];
      const reports: string[] = [];
      const ran = await withLock(path, () => Promise.resolve("ran"), {
        onWait: (h) => waits.push(h),
        report: (m) => reports.push(m),
      });
      assert.equal(ran, "ran");
      assert.deepEqual(waits, []);
      assert.deepEqual(reports, [
        `Took over lock "${path}.lock" held by ${lockOwner().split(" ")[0]} 99999999: ` +
        "that process no longer exists",
      ]);
      assert.equal(existsSync(`${path}.lock`), false);
    });
  },
});

Deno.test("withLock() takes over a foreign host's lock once its heartbeat is older than the limit", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "z");
    await Deno.writeTextFile(`${path}.lock`, "otherhost 1234\n");
    const reports: string[] = [];
    const t0 = performance.now();
    const ran = await withLock(path, () => Promise.resolve("ran"), {
      staleMs: 300,
      pollMs: 20,
      reportMs: 10_000,
      report: (m) => reports.push(m),
    });
    const waited = performance.now() - t0;
    assert.equal(ran, "ran");
    assert.ok(waited >= 250 && waited < 2_000, `took over after ${waited.toFixed(0)} ms, limit 300 ms`);
    assert.equal(reports.length, 2, reports.join("\n"));
    assert.match(
      reports[0]!,
      /^Waiting for "[^"]+\/z" \(0\.0 s so far\): lock "[^"]+\/z\.lock" is held by otherhost 1234, /,
    );
    assert.match(
      reports[1]!,
      /^Took over lock "[^"]+\/z\.lock" held by otherhost 1234: its heartbeat is 0\.\d s old, older than the 0\.3 s limit$/,
    );
    assert.equal(existsSync(`${path}.lock`), false);
  });
});

Deno.test("withLock() takes over a lock of a live process (a reused PID) whose heartbeat is stale", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "p");
    // This very process is alive: only the stale heartbeat can free the lock.
    await Deno.writeTextFile(`${path}.lock`, `${lockOwner()} 2026-01-01T00:00:00.000Z old-run\n`);
    age(`${path}.lock`, 3_600_000);
    const reports: string[] = [];
    const waits: string[] = [];
    assert.equal(
      await withLock(path, () => Promise.resolve(1), {
        onWait: (h) => waits.push(h),
        report: (m) => reports.push(m),
      }),
      1,
    );
    assert.deepEqual(waits, []);
    assert.equal(reports.length, 1);
    assert.match(reports[0]!, /: its heartbeat is 3600 s old, older than the 60 s limit$/);
  });
});

Deno.test("a run waiting on a live foreign lock says what it waits for at every report interval", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "rpn.safetensors");
    const lock = `${path}.lock`;
    await Deno.writeTextFile(lock, "otherhost 77 2026-03-04T05:06:07.000Z abc\n");
    // The foreign holder keeps beating.
    const beat = setInterval(() => age(lock, 0), 20);
    const reports: { at: number; message: string }[] = [];
    const t0 = performance.now();
    const run = withLock(path, () => Promise.resolve("late"), {
      what: `RPN "${path}"`,
      staleMs: 200,
      pollMs: 10,
      reportMs: 50,
      report: (message) => reports.push({ at: performance.now() - t0, message }),
    });
    await sleep(500);
    clearInterval(beat);
    assert.ok(existsSync(lock), "a live lock is never taken over");
    const gaps = reports.map((r, i) => r.at - (reports[i - 1]?.at ?? 0));
    assert.ok(reports.length >= 6, `${reports.length} messages in 500 ms`);
    assert.ok(Math.max(...gaps) < 150, `gaps ${gaps.map((g) => g.toFixed(0)).join(", ")} ms`);
    for (const { message } of reports) {
      assert.match(
        message,
        new RegExp(
          `^Waiting for RPN "${path}" \\(\\d\\.\\d s so far\\): lock "${lock}" is held by otherhost 77 ` +
            `since 2026-03-04T05:06:07\\.000Z, last heartbeat 0\\.\\d s ago; it is taken over once the ` +
            `heartbeat is 0\\.2 s old, or delete "${lock}" if no other run is building it$`,
        ),
      );
    }
    await Deno.remove(lock);
    assert.equal(await run, "late");
  });
});

Deno.test("the holder's heartbeat goes on while its main thread is blocked, so waiters do not take over", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "h");
    const events: string[] = [];
    const holder = withLock(path, async () => {
      events.push("holder in");
      await sleep(100); // let the heartbeat worker start
      // Blocked for 4× the stale limit: without the worker's heartbeat the waiter would take over. The limit
      // is generous next to the 50 ms beat so that a loaded machine (CI) cannot starve the worker past it.
      const until = performance.now() + 4000;
      while (performance.now() < until) { /* a long synchronous computation */ }
      // Yield: a waiter that found the heartbeat stale after the block would take over right here.
      await sleep(200);
      events.push("holder out");
    }, { heartbeatMs: 50, staleMs: 1000, report: quiet });
    await sleep(20);
    const waiter = withLock(path, () => {
      events.push("waiter in");
      return Promise.resolve();
    }, { staleMs: 1000, pollMs: 10, report: quiet });
    await Promise.all([holder, waiter]);
    assert.deepEqual(events, ["holder in", "holder out", "waiter in"]);
  });
});

Deno.test("a holder whose lock was taken over leaves the new holder's lock in place", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "q");
    await withLock(path, async () => {
      await Deno.writeTextFile(`${path}.lock`, "otherhost 5 2026-01-01T00:00:00.000Z new\n");
      await sleep(1);
    }, { report: quiet });
    assert.equal(Deno.readTextFileSync(`${path}.lock`), "otherhost 5 2026-01-01T00:00:00.000Z new\n");
  });
});

Deno.test("parseHolder() reads old two-field and current four-field lock files", () => {
  assert.deepEqual(parseHolder("otherhost 1234\n"), { host: "otherhost", pid: 1234, since: null });
  assert.deepEqual(parseHolder("h 5 2026-03-04T05:06:07.000Z id"), {
    host: "h",
    pid: 5,
    since: Date.UTC(2026, 2, 4, 5, 6, 7),
  });
  assert.deepEqual(parseHolder(""), { host: "", pid: null, since: null });
});
