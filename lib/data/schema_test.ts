import assert from "node:assert/strict";
import {
  formatIssues,
  type Sample,
  SAMPLE_KEYS,
  SampleMetaSchema,
  SampleSchema,
  sampleToJsonLine,
  SUITE_NAMES,
} from "./schema.ts";

const good: Sample = {
  id: "vstar-attr-3",
  suite: "vstar-attr",
  kind: "vision",
  split: "eval",
  width: 256,
  height: 256,
  question: "which mark is on the red circle ? ( A ) dot ( B ) ring",
  answers: ["B"],
  metric: "choice",
  options: ["dot", "ring"],
  box: [10, 20, 50, 60],
  image: "vstar-attr/images/vstar-attr-3.png",
};

/** The formatted issues of a value that must fail SampleSchema. */
function issues(value: unknown): string {
  const r = SampleSchema.safeParse(value);
  assert.equal(r.success, false, "expected the schema to reject the value");
  return formatIssues(r.error!);
}

Deno.test("SampleSchema accepts a well-formed line and SampleMetaSchema the same without image", () => {
  assert.deepEqual(SampleSchema.parse(good), good);
  const { image: _image, ...meta } = good;
  assert.deepEqual(SampleMetaSchema.parse(meta), meta);
  assert.equal(SampleMetaSchema.safeParse(good).success, false);
  assert.equal(SUITE_NAMES.length, 11);
});

Deno.test("sampleToJsonLine() writes keys in fixed order and omits absent options", () => {
  const shuffled = Object.fromEntries(Object.entries(good).reverse()) as Sample;
  assert.equal(
    sampleToJsonLine(shuffled),
    '{"id":"vstar-attr-3","suite":"vstar-attr","kind":"vision","split":"eval","width":256,"height":256,' +
      '"question":"which mark is on the red circle ? ( A ) dot ( B ) ring","answers":["B"],"metric":"choice",' +
      '"options":["dot","ring"],"box":[10,20,50,60],"image":"vstar-attr/images/vstar-attr-3.png"}',
  );
  const { options: _o, ...noOptions } = good;
  const line = sampleToJsonLine({ ...noOptions, metric: "vqa", answers: ["K3"] });
  assert.deepEqual(Object.keys(JSON.parse(line)), SAMPLE_KEYS.filter((k) => k !== "options"));
});

Deno.test("SampleSchema rejects field-level problems with their path", () => {
  assert.equal(
    issues({ ...good, box: [10, 20, "50", 60] }),
    "box.2: Invalid input: expected number, received string",
  );
  assert.equal(
    issues({ ...good, suite: "gqa" }),
    'suite: Invalid option: expected one of "train-scenes"|"train-covers"|"doc"|"textvqa"|"ocr"|"chart"|"info"|"vstar-attr"|"vstar-spatial"|"pope"|"hr"',
  );
  assert.equal(issues({ ...good, answers: [] }), "answers: Too small: expected array to have >=1 items");
  assert.equal(issues({ ...good, extra: 1 }), '(root): Unrecognized key: "extra"');
  assert.equal(
    issues({ ...good, box: [10.5, 20, 50, 60] }),
    "box.0: Invalid input: expected int, received number",
  );
  assert.equal(issues([]), "(root): Invalid input: expected object, received array");
});

Deno.test("SampleSchema rejects inconsistent samples", () => {
  assert.equal(
    issues({ ...good, box: [10, 20, 300, 60] }),
    'box: box "10,20,300,60" must be non-empty and inside the 256x256 image',
  );
  assert.equal(
    issues({ ...good, box: [10, 20, 10, 60] }),
    'box: box "10,20,10,60" must be non-empty and inside the 256x256 image',
  );
  assert.equal(issues({ ...good, answers: ["C"] }), 'answers.0: answer "C" is not an option letter (A, B)');
  const { options: _o, ...noOptions } = good;
  assert.equal(issues(noOptions), "options: a choice question needs options");
  assert.equal(issues({ ...good, metric: "vqa" }), "options: only choice questions have options");
  assert.equal(
    issues({ ...noOptions, metric: "yesno", answers: ["maybe"] }),
    'answers.0: answer "maybe" is not yes or no',
  );
  assert.equal(
    issues({ ...good, options: ["dot"] }),
    'options: Too small: expected array to have >=2 items; answers.0: answer "B" is not an option letter (A)',
  );
});

Deno.test("SampleSchema only accepts relative posix PNG paths", () => {
  const msg = "image: must be a relative posix path ending in .png";
  for (const image of ["/abs/x.png", "doc\\images\\x.png", "../x.png", "doc/../../x.png", "doc/x.jpg", ""]) {
    assert.equal(issues({ ...good, image }), msg, image);
  }
  assert.equal(SampleSchema.safeParse({ ...good, image: "doc/images/a..b.png" }).success, true);
});
