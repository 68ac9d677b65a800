import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { glyphSheetView, TOKEN_CLASSES, tokenLabelledView } from "./token_labels.ts";

Deno.test("tokenLabelledView() returns encoder-sized pixels and one in-range label per token, deterministically", async () => {
  const a = await tokenLabelledView(new Rng(4), 64, 8);
  const b = await tokenLabelledView(new Rng(4), 64, 8);
  assert.equal(a.pixels.length, 64 * 64 * 3);
  assert.equal(a.labels.length, 64);
  assert.deepEqual(a.labels, b.labels);
  assert.deepEqual(a.pixels, b.pixels);
  let details = 0;
  for (let i = 0; i < 20; i++) {
    const v = await tokenLabelledView(new Rng(100 + i), 64, 8);
    for (const c of v.labels) {
      assert.ok(c >= 0 && c < TOKEN_CLASSES.length);
      if (c > 0) details++;
    }
  }
  assert.ok(details >= 20, `only ${details} labelled details in 20 views`);
  assert.equal(TOKEN_CLASSES[0], "none");
});

Deno.test("glyphSheetView() is deterministic and labels many tokens with in-range classes", async () => {
  const a = await glyphSheetView(new Rng(7), 64, 8, 2, [8, 10]);
  const b = await glyphSheetView(new Rng(7), 64, 8, 2, [8, 10]);
  assert.deepEqual(a.pixels, b.pixels);
  assert.deepEqual(a.labels, b.labels);
  assert.equal(a.pixels.length, 64 * 64 * 3);
  let labelled = 0;
  for (let i = 0; i < 10; i++) {
    const v = await glyphSheetView(new Rng(200 + i), 64, 8, 2, [8, 10]);
    for (const c of v.labels) {
      assert.ok(c >= 0 && c < TOKEN_CLASSES.length);
      if (c !== 0) labelled++;
    }
  }
  // Glyphs 8–10 px wide on 8-px tokens: far denser than the 2–5 details of tokenLabelledView.
  assert.ok(labelled / 10 >= 8, `mean labelled tokens per sheet ${labelled / 10}`);
});
