/**
 * Shorthand options of an experiment script: `--name VALUE` (or `--name=VALUE`) standing for
 * `--set key=VALUE`, so that the options a user types most (`--data DIR`, `--limit N`) read like flags
 * while the value still lands in the config — validated by its schema and recorded (and hashed) with
 * the result like any other config key.
 */

/** Rewrite the shorthand options of `argv` into `--set key=value`; everything else is left as it is. */
export function expandShorthands(
  argv: readonly string[],
  shorthands: Readonly<Record<string, string>>,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") ? arg.slice(2, eq < 0 ? undefined : eq) : "";
    const key = Object.hasOwn(shorthands, name) ? shorthands[name] : undefined;
    if (key === undefined) {
      out.push(arg);
      continue;
    }
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new Error(`Missing value for option "--${name}"`);
      }
      value = next;
      i++;
    }
    out.push("--set", `${key}=${value}`);
  }
  return out;
}

/** The usage lines of shorthand options, e.g. `  --data VALUE       = --set real.data=VALUE`. */
export function shorthandUsage(shorthands: Readonly<Record<string, string>>): string {
  const entries = Object.entries(shorthands);
  if (entries.length === 0) return "";
  const width = Math.max(...entries.map(([name]) => name.length)) + 8;
  return [
    "Shorthand options:",
    ...entries.map(([name, key]) => `  ${`--${name} VALUE`.padEnd(width)} = --set ${key}=VALUE`),
  ].join("\n");
}
