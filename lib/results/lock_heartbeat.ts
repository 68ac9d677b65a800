/**
 * Worker of lib/results/lock.ts: refreshes a held lock file's mtime every `intervalMs` until terminated.
 *
 * It runs on its own thread so that the heartbeat goes on while the holder's main thread is busy in a long
 * synchronous computation (a training loop that never yields to timers). It stops touching the file once
 * the file no longer holds the holder's content (the lock was taken over or released).
 */
/// <reference lib="deno.worker" />

interface Start {
  lock: string;
  content: string;
  intervalMs: number;
}

self.onmessage = (event: MessageEvent<Start>) => {
  const { lock, content, intervalMs } = event.data;
  const beat = () => {
    try {
      if (Deno.readTextFileSync(lock).trim() !== content) return clearInterval(timer);
      const now = new Date();
      Deno.utimeSync(lock, now, now);
    } catch {
      clearInterval(timer);
    }
  };
  const timer = setInterval(beat, intervalMs);
  beat();
  // The holder waits for this before it starts its work: the heartbeat is running from then on.
  self.postMessage("beating");
};
