// Golden prompts written from the task files vendored in YuHengsss/SD-RPN,
// LLaVA/lmms-eval/lmms_eval/tasks/<task>/ (utils.py `*_doc_to_text` and the YAML `default` kwargs), and
// checked against those functions run in Python 3.11.7.
import assert from "node:assert/strict";
import {
  chartqaPrompt,
  docvqaPrompt,
  hrbenchPrompt,
  ocrbenchPrompt,
  popePrompt,
  textvqaPrompt,
  vstarPrompt,
} from "./prompts.ts";

const SHORT = "\nAnswer the question using a single word or phrase.";
const VSTAR = "\nAnswer with the option's letter from the given choices directly.";

Deno.test("textvqaPrompt() capitalizes the question and appends the post-prompt (textvqa/utils.py)", () => {
  assert.equal(
    textvqaPrompt("what is the BRAND of this camera?"),
    `What is the brand of this camera?${SHORT}`,
  );
  // No strip: leading spaces stay, so nothing is upper-cased.
  assert.equal(textvqaPrompt("  what NUMBER?"), `  what number?${SHORT}`);
  assert.equal(textvqaPrompt("ǆemal's STRASSE or straße?"), `ǅemal's strasse or straße?${SHORT}`);
});

Deno.test("docvqaPrompt() keeps the question as stored (docvqa/utils.py, infovqa/utils.py)", () => {
  assert.equal(
    docvqaPrompt("what is the date mentioned in this letter? "),
    `what is the date mentioned in this letter? ${SHORT}`,
  );
});

Deno.test("chartqaPrompt() appends the single-word post-prompt (chartqa.yaml)", () => {
  assert.equal(
    chartqaPrompt("  How many bars? "),
    "  How many bars? \nAnswer the question with a single word.",
  );
});

Deno.test("ocrbenchPrompt() is the question stripped with Python whitespace (ocrbench/utils.py)", () => {
  assert.equal(ocrbenchPrompt("\x1cwhat is written in the image?\x85"), "what is written in the image?");
  assert.equal(ocrbenchPrompt("\ufeffWhat is the title? "), "\ufeffWhat is the title?");
});

Deno.test("popePrompt() strips the question and appends the post-prompt (pope/utils.py)", () => {
  assert.equal(popePrompt(" Is there a car in the image?\u3000"), `Is there a car in the image?${SHORT}`);
  assert.equal(popePrompt("Is there a\u00a0dog?\n"), `Is there a\u00a0dog?${SHORT}`);
});

Deno.test("vstarPrompt() re-formats '(A) x (B) y' options as lettered lines (vstar_bench/utils.py)", () => {
  assert.equal(
    vstarPrompt("What is the color of the woman's bag? (A) black (B) white (C) red (D) blue"),
    `What is the color of the woman's bag?\nA. black\nB. white\nC. red\nD. blue${VSTAR}`,
  );
  // Python's `$` matches before a final newline.
  assert.equal(
    vstarPrompt("Is the dog on the left or right side of the bench?\n(A) left\n(B) right\n"),
    `Is the dog on the left or right side of the bench?\nA. left\nB. right${VSTAR}`,
  );
});

Deno.test("vstarPrompt() follows the regex where options are malformed or missing", () => {
  // "(B) cotton (x)" cannot match ([^()] stops at "("), so the letters are renumbered over the matches.
  assert.equal(
    vstarPrompt("What is the material?\u00a0(A)\u00a0leather\u0085(B) cotton (x) (C) rubber"),
    `What is the material?\nA. leather\nB. rubber${VSTAR}`,
  );
  // Without options the text is left as is, unstripped.
  assert.equal(vstarPrompt("Which object is closer? "), `Which object is closer? ${VSTAR}`);
  // Options before "(A)" stay in the question; only four lines are kept.
  assert.equal(
    vstarPrompt("Q (B) b (A) a (C) c (D) d (A) e"),
    `Q (B) b\nA. b\nB. a\nC. c\nD. d${VSTAR}`,
  );
});

Deno.test("hrbenchPrompt() lists the non-null options and the fixed instruction (hrbench/utils.py)", () => {
  assert.equal(
    hrbenchPrompt("What is the color of the umbrella? ", { A: "red", B: "blue", C: "green", D: "yellow" }),
    "What is the color of the umbrella?\nA. red\nB. blue\nC. green\nD. yellow\nAnswer the option letter directly.",
  );
  // pd.isna("") is False: an empty option is listed; null ones are left out.
  assert.equal(
    hrbenchPrompt("\tIs the flag above the door?", { A: "Yes", B: "No", C: "", D: null }),
    "Is the flag above the door?\nA. Yes\nB. No\nC. \nAnswer the option letter directly.",
  );
});
