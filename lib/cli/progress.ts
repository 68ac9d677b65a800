/**
 * Progress reporting for long loops (pretraining, pseudo-labelling, evaluation).
 *
 * Always on stderr: stdout is reserved for `--json` output, so `script --json > r.json` stays valid
 * JSON. On a terminal one line is redrawn in place; in CI logs (not a TTY) a plain line is printed
 * only every 5 s or every 10 %, so a log holds tens of lines, not thousands.
 */

/** Handle returned by `progress()`. */
export interface Progress {
  /** Count `n` more items done (default 1); `info` (e.g. "loss 0.41") is shown at the end of the line. */
  tick(n?: number, info?: string): void;
  /** Print the final line (total time and rate). Later calls, and ticks after it, do nothing. */
  done(info?: string): void;
}

/** Hooks for tests; scripts call `progress(label, total)` without them. */
export interface ProgressOptions {
  /** Where text goes; defaults to stderr. */
  write?: (text: string) => void;
  /** Redraw one line with `\r`; defaults to whether stderr is a terminal. */
  isTty?: boolean;
  /** Clock in milliseconds; defaults to `performance.now`. */
  now?: () => number;
}

/** Minimum interval between plain (non-TTY) lines unless another 10 % is done. */
const PLAIN_INTERVAL_MS = 5000;
/** Minimum interval between TTY redraws, to keep tight loops from spending time on the terminal. */
const TTY_INTERVAL_MS = 100;

/**
 * Start reporting progress of `total` items: `label 120/500 24% 3.10/s ETA 2m03s · info`.
 * A total of 0 (unknown) shows only the count and rate.
 */
export function progress(label: string, total: number, options: ProgressOptions = {}): Progress {
  if (!(total >= 0) || !Number.isFinite(total)) {
    throw new RangeError(`Progress total must be a non-negative number, got "${total}"`);
  }
  const write = options.write ?? writeStderr;
  const isTty = options.isTty ?? stderrIsTerminal();
  const now = options.now ?? (() => performance.now());
  const start = now();
  let count = 0;
  let lastPrint = start;
  let lastDecile = 0;
  let finished = false;

  const line = (info?: string): string => {
    const seconds = (now() - start) / 1000;
    const rate = seconds > 0 ? count / seconds : 0;
    const parts = [label, total > 0 ? `${count}/${total}` : `${count}`];
    if (total > 0) parts.push(`${Math.floor((100 * Math.min(count, total)) / total)}%`);
    parts.push(`${formatRate(rate)}/s`);
    if (total > 0) parts.push(`ETA ${rate > 0 ? formatDuration(Math.max(0, total - count) / rate) : "?"}`);
    return parts.join(" ") + (info ? ` · ${info}` : "");
  };

  return {
    tick(n = 1, info?: string) {
      if (finished) return;
      count += n;
      const t = now();
      if (isTty) {
        if (t - lastPrint < TTY_INTERVAL_MS && count < total) return;
        lastPrint = t;
        write(`\r${line(info)}\x1b[K`);
        return;
      }
      const decile = total > 0 ? Math.floor((10 * Math.min(count, total)) / total) : 0;
      if (t - lastPrint >= PLAIN_INTERVAL_MS || decile > lastDecile) {
        lastPrint = t;
        lastDecile = decile;
        write(`${line(info)}\n`);
      }
    },
    done(info?: string) {
      if (finished) return;
      finished = true;
      const seconds = (now() - start) / 1000;
      const rate = seconds > 0 ? count / seconds : 0;
      const counted = total > 0 ? `${count}/${total}` : `${count}`;
      const text = `${label} ${counted} done in ${formatDuration(seconds)} (${formatRate(rate)}/s)` +
        (info ? ` · ${info}` : "");
      write(isTty ? `\r${text}\x1b[K\n` : `${text}\n`);
    },
  };
}

/** `0.42`, `3.10`, `12.5`, `340` items per second: three significant digits, no exponent. */
export function formatRate(rate: number): string {
  if (rate >= 100) return rate.toFixed(0);
  if (rate >= 10) return rate.toFixed(1);
  return rate.toFixed(2);
}

/** `42s`, `3m05s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

const encoder = new TextEncoder();

function writeStderr(text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}

function stderrIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}
