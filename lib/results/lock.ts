/**
 * A cross-process lock around building one shared artifact (a teacher file, a backbone-state chunk, RPN
 * weights).
 *
 * `deno task reproduce` runs two experiments at a time and most of them need the same artifacts. Atomic
 * writes already keep a finished artifact whole, but two processes appending to one resumable `.partial`
 * file would interleave their lines, and two processes training the same RPN waste a core. So whoever
 * builds an artifact holds `<path>.lock` (created atomically, holding `<host> <pid> <since> <id>`); the
 * other waits, then finds the artifact finished.
 *
 * A lock must never wedge later runs. Its holder refreshes the lock file's mtime (the heartbeat) from a
 * worker thread, so a main thread busy in a long synchronous computation still beats. A lock is stale, and
 * taken over, when its heartbeat is older than a limit — whatever its host or PID, since containers change
 * hostname and PIDs get reused — or at once when its PID is dead on this host. A waiting run says every
 * ~10 s what it waits for, who holds it since when, and how to clear it.
 */
import { existsSync } from "node:fs";
import { dirname } from "node:path";

/** Options of {@link withLock}. */
export interface LockOptions {
  /** What the lock guards, for messages, e.g. `RPN "data/cache/rpn/x.safetensors"` (default: the path). */
  what?: string;
  /** Milliseconds between attempts while another process holds the lock (default 500). */
  pollMs?: number;
  /** Milliseconds between the holder's heartbeats (default 5 000). */
  heartbeatMs?: number;
  /** A lock whose heartbeat is older than this many milliseconds is taken over (default 60 000). */
  staleMs?: number;
  /** Milliseconds between "still waiting" messages (default 10 000). */
  reportMs?: number;
  /** Called once when the lock is found held by someone else, with the holder's `<host> <pid>`. */
  onWait?: (holder: string) => void;
  /** Where waiting and takeover messages go (default: stderr). */
  report?: (message: string) => void;
  /** Clock in milliseconds since the epoch (default `Date.now`); compared with the lock file's mtime. */
  now?: () => number;
}

/** Defaults of {@link LockOptions}. */
export const LOCK_DEFAULTS = { pollMs: 500, heartbeatMs: 5_000, staleMs: 60_000, reportMs: 10_000 } as const;

/** Who holds a lock, as read from its file. */
export interface LockHolder {
  host: string;
  pid: number | null;
  /** When the holder took the lock (ms since the epoch), null for a lock written by an older version. */
  since: number | null;
}

/**
 * Run `fn` while holding the lock `<path>.lock`; the lock is released when `fn` settles, also on error.
 * Callers re-check inside `fn` whether the artifact appeared while they waited.
 */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lock = `${path}.lock`;
  const o = { ...LOCK_DEFAULTS, ...definedOnly(options) };
  const now = options.now ?? Date.now;
  const report = options.report ?? ((m: string) => console.error(m));
  const what = options.what ?? `"${path}"`;
  await Deno.mkdir(dirname(lock), { recursive: true });
  let waitedSince: number | null = null;
  let lastReport = -Infinity;
  let content: string;
  for (;;) {
    content = `${hostname()} ${Deno.pid} ${new Date(now()).toISOString()} ${crypto.randomUUID()}`;
    if (await tryCreate(lock, content)) break;
    const text = readText(lock);
    if (text === null) continue; // released meanwhile
    const holder = parseHolder(text);
    const beat = statMtime(lock);
    const age = beat === null ? 0 : now() - beat;
    const reason = staleReason(text, holder, age, o.staleMs);
    if (reason !== null) {
      if (await removeIfStill(lock, text)) report(`Took over lock "${lock}" ${reason}`);
      continue;
    }
    const holderText = text === "" ? "(empty lock file)" : `${holder.host} ${holder.pid ?? "?"}`;
    if (waitedSince === null) {
      waitedSince = now();
      options.onWait?.(holderText);
    }
    if (now() - lastReport >= o.reportMs) {
      lastReport = now();
      report(waitMessage(what, lock, holderText, holder, age, now() - waitedSince, o.staleMs));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(o.pollMs, o.reportMs)));
  }
  const heartbeat = await startHeartbeat(lock, content, o.heartbeatMs);
  try {
    return await fn();
  } finally {
    heartbeat.terminate();
    // Only our own lock: after a takeover the file belongs to the run that took it.
    if (readText(lock) === content) await Deno.remove(lock).catch(() => {});
  }
}

/** This process's lock holder, `<host> <pid>` (the first two fields of its lock files). */
export function lockOwner(): string {
  return `${hostname()} ${Deno.pid}`;
}

/** Parse a lock file's `<host> <pid> [<since ISO> <id>]`. */
export function parseHolder(text: string): LockHolder {
  const [host = "", pidText, sinceText] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  const since = sinceText === undefined ? NaN : Date.parse(sinceText);
  return {
    host,
    pid: Number.isInteger(pid) && pid > 0 ? pid : null,
    since: Number.isFinite(since) ? since : null,
  };
}

/**
 * Why a lock is stale, or null when it is live: its heartbeat is older than `staleMs` (any host, any PID:
 * the holder is gone or cannot be reached), or its PID no longer exists on this host (checked through /proc,
 * so only on Linux).
 */
function staleReason(text: string, holder: LockHolder, age: number, staleMs: number): string | null {
  if (age > staleMs) {
    const who = text === "" ? "an empty lock file" : `${holder.host} ${holder.pid ?? "?"}`;
    return `held by ${who}: its heartbeat is ${seconds(age)} old, older than the ${seconds(staleMs)} limit`;
  }
  if (
    holder.host === hostname() && holder.pid !== null && Deno.build.os === "linux" &&
    !existsSync(`/proc/${holder.pid}`)
  ) {
    return `held by ${holder.host} ${holder.pid}: that process no longer exists`;
  }
  return null;
}

function waitMessage(
  what: string,
  lock: string,
  holderText: string,
  holder: LockHolder,
  age: number,
  waited: number,
  staleMs: number,
): string {
  const since = holder.since === null ? "" : ` since ${new Date(holder.since).toISOString()}`;
  return `Waiting for ${what} (${
    seconds(waited)
  } so far): lock "${lock}" is held by ${holderText}${since}, ` +
    `last heartbeat ${seconds(age)} ago; it is taken over once the heartbeat is ${seconds(staleMs)} old, ` +
    `or delete "${lock}" if no other run is building it`;
}

/**
 * Remove a stale lock unless it changed since it was read. Renaming it aside first makes the check and the
 * removal one step for other waiters: if two take over at once, only one rename succeeds, and a lock created
 * meanwhile by a third run is put back instead of deleted.
 */
async function removeIfStill(lock: string, text: string): Promise<boolean> {
  const aside = `${lock}.${Deno.pid}.${crypto.randomUUID()}.stale`;
  try {
    await Deno.rename(lock, aside);
  } catch {
    return false;
  }
  if (readText(aside) !== text) await Deno.link(aside, lock).catch(() => {});
  const removed = readText(aside) === text;
  await Deno.remove(aside).catch(() => {});
  return removed;
}

/**
 * Create the lock with its content in one step: write a private temporary file, then hard-link it to the
 * lock path (link fails if the path exists). Creating the lock and then writing into it would let a
 * waiter read it empty in between.
 */
async function tryCreate(lock: string, content: string): Promise<boolean> {
  const temp = `${lock}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(temp, `${content}\n`);
  try {
    await Deno.link(temp, lock);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  } finally {
    await Deno.remove(temp).catch(() => {});
  }
}

/**
 * Refreshes the lock's mtime from a worker thread until terminated. Resolves once the worker has beaten
 * once, so the holder's work (which may block its own thread for minutes) never starts before the heartbeat
 * does: a worker that starts slowly on a loaded machine could otherwise miss the stale limit. A worker that
 * fails to start resolves too (the lock then lives on its PID check and the stale limit alone).
 */
function startHeartbeat(lock: string, content: string, intervalMs: number): Promise<Worker> {
  const worker = new Worker(new URL("./lock_heartbeat.ts", import.meta.url), { type: "module" });
  return new Promise((resolve) => {
    worker.onmessage = () => resolve(worker);
    worker.onerror = (event) => {
      event.preventDefault();
      resolve(worker);
    };
    worker.postMessage({ lock, content, intervalMs });
  });
}

/** A file's text without surrounding white space, null when it does not exist (any more). */
function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return null;
  }
}

function statMtime(path: string): number | null {
  try {
    return Deno.statSync(path).mtime?.getTime() ?? null;
  } catch {
    return null;
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(Math.max(0, ms) / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}
