/**
 * A cross-process lock around building one shared artifact (a teacher file, a backbone-state chunk, RPN
 * weights).
 *
 * `deno task reproduce` runs two experiments at a time and most of them need the same artifacts. Atomic
 * writes already keep a finished artifact whole, but two processes appending to one resumable `.partial`
 * file would interleave their lines, and two processes training the same RPN waste a core. So whoever
 * builds an artifact holds `<path>.lock` (created atomically, holding `<host> <pid>`); the other waits,
 * then finds the artifact finished. A lock whose process is gone (killed mid-run) is stale and taken over,
 * so an interrupted run never blocks the next one.
 */
import { existsSync } from "node:fs";
import { dirname } from "node:path";

/** Options of {@link withLock}. */
export interface LockOptions {
  /** Milliseconds between attempts while another process holds the lock (default 500). */
  pollMs?: number;
  /** Called once when the lock is found held by someone else, with the holder's `<host> <pid>`. */
  onWait?: (holder: string) => void;
}

/** Grace period for an empty lock file: withLock never leaves one, so it was made by hand or by a crash. */
const EMPTY_LOCK_GRACE_MS = 10_000;

/**
 * Run `fn` while holding the lock `<path>.lock`; the lock is released when `fn` settles, also on error.
 * Callers re-check inside `fn` whether the artifact appeared while they waited.
 */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lock = `${path}.lock`;
  const pollMs = options.pollMs ?? 500;
  await Deno.mkdir(dirname(lock), { recursive: true });
  let waited = false;
  for (;;) {
    if (await tryCreate(lock)) break;
    const holder = readHolder(lock);
    if (holder !== null && isStale(lock, holder)) {
      await Deno.remove(lock).catch(() => {});
      continue;
    }
    if (!waited) options.onWait?.(holder || "(unknown)");
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  try {
    return await fn();
  } finally {
    await Deno.remove(lock).catch(() => {});
  }
}

/** This process's lock-file content. */
export function lockOwner(): string {
  return `${hostname()} ${Deno.pid}`;
}

/**
 * Create the lock with its content in one step: write a private temporary file, then hard-link it to the
 * lock path (link fails if the path exists). Creating the lock and then writing into it would let a
 * waiter read it empty in between.
 */
async function tryCreate(lock: string): Promise<boolean> {
  const temp = `${lock}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(temp, `${lockOwner()}\n`);
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

/** The holder's `<host> <pid>`, "" for an empty file, null when the lock vanished meanwhile. */
function readHolder(lock: string): string | null {
  try {
    return Deno.readTextFileSync(lock).trim();
  } catch {
    return null;
  }
}

/**
 * Stale: held by a process of this host that no longer exists (checked through /proc, so only on Linux;
 * elsewhere a lock is never judged stale and has to be deleted by hand), or empty for longer than the grace
 * period (its creator died between creating and writing it).
 */
function isStale(lock: string, holder: string): boolean {
  if (holder === "") {
    const mtime = statMtime(lock);
    return mtime !== null && Date.now() - mtime > EMPTY_LOCK_GRACE_MS;
  }
  const [host, pidText] = holder.split(" ");
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || Deno.build.os !== "linux") return false;
  return !existsSync(`/proc/${pid}`);
}

function statMtime(path: string): number | null {
  try {
    return Deno.statSync(path).mtime?.getTime() ?? null;
  } catch {
    return null;
  }
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}
