import assert from "node:assert/strict";
import { z } from "zod";
import { describeIssue, idColumn, imageStruct, text } from "./columns.ts";

Deno.test("text decodes unannotated UTF-8 bytes and keeps a leading BOM", () => {
  assert.equal(text.parse(new TextEncoder().encode("\ufeffhé")), "\ufeffhé");
  assert.equal(text.parse("plain"), "plain");
  assert.throws(() => text.parse(new Uint8Array([0xff, 0xfe])));
});

Deno.test("idColumn prints integers and bigints in decimal", () => {
  assert.deepEqual([idColumn.parse(3), idColumn.parse(9007199254740993n), idColumn.parse("q1")], [
    "3",
    "9007199254740993",
    "q1",
  ]);
});

Deno.test("describeIssue() names the column path of the first issue", () => {
  const schema = z.object({ question: text, image: imageStruct });
  const missingBytes = schema.safeParse({ question: "q", image: { bytes: null, path: "x.png" } });
  assert.equal(describeIssue(missingBytes.error!), 'column "image.bytes": expected embedded image bytes');
  const nullQuestion = schema.safeParse({ question: null, image: { bytes: new Uint8Array(1), path: null } });
  assert.equal(
    describeIssue(nullQuestion.error!),
    'column "question": invalid input: expected string, received null',
  );
});
