/**
 * The question text each benchmark sends to LLaVA: `doc_to_text` of the lmms-eval task with the task's
 * `default` lmms_eval_specific_kwargs, as vendored in YuHengsss/SD-RPN under
 * `LLaVA/lmms-eval/lmms_eval/tasks/<task>/` (utils.py and the task YAML). Python string semantics are
 * kept (`str.strip`, `str.capitalize`, `re` whitespace and `$`).
 */
import { PY_WHITESPACE_CLASS, pyCapitalize, pyStrip } from "./python_str.ts";

/** Post-prompt of textvqa, docvqa, infovqa and pope (their YAMLs' `default.post_prompt`). */
export const SHORT_ANSWER = "\nAnswer the question using a single word or phrase.";
/** chartqa.yaml `default.post_prompt`. */
export const CHARTQA_POST = "\nAnswer the question with a single word.";
/** vstar_bench/_default_template_yaml `default.post_prompt`. */
export const VSTAR_POST = "\nAnswer with the option's letter from the given choices directly.";
/** The fixed tail of hrbench/utils.py `hrbench_doc_to_text`. */
export const HRBENCH_TAIL = "Answer the option letter directly.";

/** textvqa/utils.py `textvqa_doc_to_text` (ocr: false): the question capitalized, then the post-prompt. */
export function textvqaPrompt(question: string): string {
  return `${pyCapitalize(question)}${SHORT_ANSWER}`;
}

/** docvqa / infovqa `*_doc_to_text`: the question as stored, then the post-prompt. */
export function docvqaPrompt(question: string): string {
  return `${question}${SHORT_ANSWER}`;
}

/** chartqa/utils.py `chartqa_doc_to_text`. */
export function chartqaPrompt(question: string): string {
  return `${question}${CHARTQA_POST}`;
}

/** ocrbench/utils.py `ocrbench_doc_to_text`: the stripped question; pre- and post-prompt are empty. */
export function ocrbenchPrompt(question: string): string {
  return pyStrip(question);
}

/** pope/utils.py `pope_doc_to_text`: the stripped question, then the post-prompt. */
export function popePrompt(question: string): string {
  return `${pyStrip(question)}${SHORT_ANSWER}`;
}

// vstar_bench/utils.py: r"\([A-D]\)\s*([^()]+?)(?=\s*\([A-D]\)|$)". Python's `\s` is its str.isspace set
// and its `$` also matches before a final "\n", so both are spelled out for JavaScript.
const WS = `[${PY_WHITESPACE_CLASS}]`;
const VSTAR_OPTION = new RegExp(`\\([A-D]\\)${WS}*([^()]+?)(?=${WS}*\\([A-D]\\)|\\n?$)`, "g");
const OPTION_LETTERS = ["A", "B", "C", "D"];

/**
 * vstar_bench/utils.py `vstar_doc_to_text`: when the text holds "(A) … (B) …" options, the question
 * before "(A)" (stripped) and one "X. option" line per option (at most four); then the post-prompt.
 */
export function vstarPrompt(text: string): string {
  const options = [...text.matchAll(VSTAR_OPTION)].map((m) => m[1]!);
  let question = text;
  if (options.length > 0) {
    const lines = options.slice(0, OPTION_LETTERS.length).map((o, i) =>
      `${OPTION_LETTERS[i]}. ${pyStrip(o)}`
    );
    question = `${pyStrip(text.split("(A)")[0]!)}\n${lines.join("\n")}`;
  }
  return `${question}${VSTAR_POST}`;
}

/**
 * hrbench/utils.py `hrbench_doc_to_text`: the stripped question, one "X. option" line per non-null
 * option in letter order, then the fixed instruction (this task takes no kwargs).
 */
export function hrbenchPrompt(question: string, options: Readonly<Record<string, string | null>>): string {
  let lines = "";
  for (const letter of Object.keys(options).sort()) {
    const option = options[letter];
    if (option !== null && option !== undefined) lines += `${letter}. ${option}\n`;
  }
  return `${pyStrip(question)}\n${lines}${HRBENCH_TAIL}`;
}
