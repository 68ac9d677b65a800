import assert from "node:assert/strict";
import { expandShorthands, shorthandUsage } from "./shorthands.ts";

const SHORT = { data: "real.data", limit: "real.limit" };

Deno.test("shorthand options become --set entries, other arguments stay in place", () => {
  assert.deepEqual(
    expandShorthands(["--scale", "quick", "--data", "/d", "--limit=5", "--json"], SHORT),
    ["--scale", "quick", "--set", "real.data=/d", "--set", "real.limit=5", "--json"],
  );
  assert.deepEqual(expandShorthands(["--database", "x"], SHORT), ["--database", "x"]);
  assert.deepEqual(expandShorthands(["--toString", "x"], SHORT), ["--toString", "x"]);
});

Deno.test("a shorthand option without a value is an error naming it", () => {
  assert.throws(() => expandShorthands(["--data"], SHORT), { message: 'Missing value for option "--data"' });
  assert.throws(() => expandShorthands(["--limit", "--json"], SHORT), {
    message: 'Missing value for option "--limit"',
  });
});

Deno.test("shorthand usage lists each option with the --set it stands for", () => {
  assert.equal(
    shorthandUsage(SHORT),
    "Shorthand options:\n  --data VALUE  = --set real.data=VALUE\n  --limit VALUE = --set real.limit=VALUE",
  );
  assert.equal(shorthandUsage({}), "");
});
