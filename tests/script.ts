/**
 * Run an experiment script as a subprocess, exactly as `deno task` runs it, and collect its output. Shared by
 * the end-to-end tests (tests/experiments_test.ts, tests/foundation_e2e_test.ts, tests/report_test.ts).
 */
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;

/** `deno run -A experiments/<script> ...args` from the repository root. */
export async function runScript(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "experiments", script), ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
