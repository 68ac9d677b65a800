import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { lockOwner, withLock } from "./lock.ts";

Deno.test("withLock() serialises two holders of one path and removes the lock afterwards", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "artifact");
    const events: string[] = [];
    const waits: string[] = [];
    const task = (name: string) =>
      withLock(path, async () => {
        events.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 30));
        events.push(`${name} out`);
      }, { pollMs: 5, onWait: (h) => waits.push(h) });
    await Promise.all([task("a"), task("b")]);
    // Either may win the race for the lock; the other runs only after it left.
    const first = events[0]!.split(" ")[0]!;
    const second = first === "a" ? "b" : "a";
    assert.deepEqual(events, [`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
    assert.deepEqual(waits, [lockOwner()]);
    assert.equal(existsSync(`${path}.lock`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withLock() releases the lock when the function throws and rethrows the error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "x");
    await assert.rejects(
      () => withLock(path, () => Promise.reject(new Error("boom"))),
      { message: "boom" },
    );
    assert.equal(existsSync(`${path}.lock`), false);
    assert.equal(await withLock(path, () => Promise.resolve(7)), 7);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "withLock() takes over a lock left by a process that no longer exists",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const path = join(dir, "y");
      // A pid above Linux's pid_max (2^22) cannot be alive.
      await Deno.writeTextFile(`${path}.lock`, `${lockOwner().split(" ")[0]} 99999999\n`);
      const waits: string[] = [];
      assert.equal(
        await withLock(path, () => Promise.resolve("ran"), { onWait: (h) => waits.push(h) }),
        "ran",
      );
      assert.deepEqual(waits, []);
      assert.equal(existsSync(`${path}.lock`), false);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("withLock() waits for a live holder of another host instead of taking its lock", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "z");
    await Deno.writeTextFile(`${path}.lock`, "other-host 1\n");
    const waits: string[] = [];
    const run = withLock(path, () => Promise.resolve("late"), { pollMs: 5, onWait: (h) => waits.push(h) });
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(waits, ["other-host 1"]);
    await Deno.remove(`${path}.lock`);
    assert.equal(await run, "late");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
