/**
 * TextVQA scoring: the EvalAI answer processor (lmms-eval `tasks/_task_utils/vqa_eval_metric.py`, itself
 * MMF's copy of the VQA evaluation code) and the 10-annotator leave-one-out accuracy of
 * `tasks/textvqa/utils.py` `textvqa_process_results`.
 *
 * @module
 */

import { pyMean } from "./python_mean.ts";
import { pyLower, pySplit, pyStrip } from "./python_str.ts";

// The processor's contraction table (vqa_eval_metric.py L11-132), data reproduced verbatim so that the
// normalisation matches entry for entry, including its odd "somebody'd" → "somebodyd" and the
// capitalised keys that can never match lower-cased text.
const CONTRACTIONS = new Map<string, string>([
  ["aint", "ain't"],
  ["arent", "aren't"],
  ["cant", "can't"],
  ["couldve", "could've"],
  ["couldnt", "couldn't"],
  ["couldn'tve", "couldn't've"],
  ["couldnt've", "couldn't've"],
  ["didnt", "didn't"],
  ["doesnt", "doesn't"],
  ["dont", "don't"],
  ["hadnt", "hadn't"],
  ["hadnt've", "hadn't've"],
  ["hadn'tve", "hadn't've"],
  ["hasnt", "hasn't"],
  ["havent", "haven't"],
  ["hed", "he'd"],
  ["hed've", "he'd've"],
  ["he'dve", "he'd've"],
  ["hes", "he's"],
  ["howd", "how'd"],
  ["howll", "how'll"],
  ["hows", "how's"],
  ["Id've", "I'd've"],
  ["I'dve", "I'd've"],
  ["Im", "I'm"],
  ["Ive", "I've"],
  ["isnt", "isn't"],
  ["itd", "it'd"],
  ["itd've", "it'd've"],
  ["it'dve", "it'd've"],
  ["itll", "it'll"],
  ["let's", "let's"],
  ["maam", "ma'am"],
  ["mightnt", "mightn't"],
  ["mightnt've", "mightn't've"],
  ["mightn'tve", "mightn't've"],
  ["mightve", "might've"],
  ["mustnt", "mustn't"],
  ["mustve", "must've"],
  ["neednt", "needn't"],
  ["notve", "not've"],
  ["oclock", "o'clock"],
  ["oughtnt", "oughtn't"],
  ["ow's'at", "'ow's'at"],
  ["'ows'at", "'ow's'at"],
  ["'ow'sat", "'ow's'at"],
  ["shant", "shan't"],
  ["shed've", "she'd've"],
  ["she'dve", "she'd've"],
  ["she's", "she's"],
  ["shouldve", "should've"],
  ["shouldnt", "shouldn't"],
  ["shouldnt've", "shouldn't've"],
  ["shouldn'tve", "shouldn't've"],
  ["somebody'd", "somebodyd"],
  ["somebodyd've", "somebody'd've"],
  ["somebody'dve", "somebody'd've"],
  ["somebodyll", "somebody'll"],
  ["somebodys", "somebody's"],
  ["someoned", "someone'd"],
  ["someoned've", "someone'd've"],
  ["someone'dve", "someone'd've"],
  ["someonell", "someone'll"],
  ["someones", "someone's"],
  ["somethingd", "something'd"],
  ["somethingd've", "something'd've"],
  ["something'dve", "something'd've"],
  ["somethingll", "something'll"],
  ["thats", "that's"],
  ["thered", "there'd"],
  ["thered've", "there'd've"],
  ["there'dve", "there'd've"],
  ["therere", "there're"],
  ["theres", "there's"],
  ["theyd", "they'd"],
  ["theyd've", "they'd've"],
  ["they'dve", "they'd've"],
  ["theyll", "they'll"],
  ["theyre", "they're"],
  ["theyve", "they've"],
  ["twas", "'twas"],
  ["wasnt", "wasn't"],
  ["wed've", "we'd've"],
  ["we'dve", "we'd've"],
  ["weve", "we've"],
  ["werent", "weren't"],
  ["whatll", "what'll"],
  ["whatre", "what're"],
  ["whats", "what's"],
  ["whatve", "what've"],
  ["whens", "when's"],
  ["whered", "where'd"],
  ["wheres", "where's"],
  ["whereve", "where've"],
  ["whod", "who'd"],
  ["whod've", "who'd've"],
  ["who'dve", "who'd've"],
  ["wholl", "who'll"],
  ["whos", "who's"],
  ["whove", "who've"],
  ["whyll", "why'll"],
  ["whyre", "why're"],
  ["whys", "why's"],
  ["wont", "won't"],
  ["wouldve", "would've"],
  ["wouldnt", "wouldn't"],
  ["wouldnt've", "wouldn't've"],
  ["wouldn'tve", "wouldn't've"],
  ["yall", "y'all"],
  ["yall'll", "y'all'll"],
  ["y'allll", "y'all'll"],
  ["yall'd've", "y'all'd've"],
  ["y'alld've", "y'all'd've"],
  ["y'all'dve", "y'all'd've"],
  ["youd", "you'd"],
  ["youd've", "you'd've"],
  ["you'dve", "you'd've"],
  ["youll", "you'll"],
  ["youre", "you're"],
  ["youve", "you've"],
]);

const NUMBER_MAP = new Map<string, string>([
  ["none", "0"],
  ["zero", "0"],
  ["one", "1"],
  ["two", "2"],
  ["three", "3"],
  ["four", "4"],
  ["five", "5"],
  ["six", "6"],
  ["seven", "7"],
  ["eight", "8"],
  ["nine", "9"],
  ["ten", "10"],
]);

const ARTICLES = new Set(["a", "an", "the"]);

const PUNCTUATIONS = [
  ";",
  "/",
  "[",
  "]",
  '"',
  "{",
  "}",
  "(",
  ")",
  "=",
  "+",
  "\\",
  "_",
  "-",
  ">",
  "<",
  "@",
  "`",
  ",",
  "?",
  "!",
];

// Python's `\d` in a str pattern is any Unicode decimal digit, hence \p{Nd}. The reference's
// "(?!<=\d)" is a mistyped look-behind: a look-ahead for the text "<=digit", which never holds in front
// of a ".", so the pattern removes every "." not followed by a digit.
const PERIOD_STRIP = /(?!<=\p{Nd})(\.)(?!\p{Nd})/gu;
const COMMA_STRIP = /(?<=\p{Nd})(,)+(?=\p{Nd})/u;
// vqa_eval_metric.py L190 passes re.UNICODE (== 32) as `sub`'s positional `count`: only the first 32
// periods are removed.
const PERIOD_STRIP_COUNT = 32;

function wordTokenize(word: string): string {
  const out = pyLower(word).replaceAll(",", "").replaceAll("?", "").replaceAll("'s", " 's");
  return pyStrip(out);
}

function processPunctuation(inText: string): string {
  let outText = inText;
  // Tested on the input, not the running output, as the reference does (L186). word_tokenize has
  // already removed every ",", so the digit-comma test never holds; it is kept to follow L186 as written.
  const hasDigitComma = COMMA_STRIP.test(inText);
  for (const p of PUNCTUATIONS) {
    const touchesSpace = inText.includes(p + " ") || inText.includes(" " + p);
    outText = outText.replaceAll(p, touchesSpace || hasDigitComma ? "" : " ");
  }
  let removed = 0;
  return outText.replace(PERIOD_STRIP, (period) => removed++ < PERIOD_STRIP_COUNT ? "" : period);
}

function processDigitArticle(inText: string): string {
  const words = pySplit(pyLower(inText))
    .map((word) => NUMBER_MAP.get(word) ?? word)
    .filter((word) => !ARTICLES.has(word));
  return words.map((word) => CONTRACTIONS.get(word) ?? word).join(" ");
}

/**
 * The EvalAI answer normalisation TextVQA applies to the prediction and to every annotator answer:
 * lower-case; drop "," and "?"; split off "'s"; remove or blank punctuation (removed when it touches a
 * space, blanked otherwise); drop periods not followed by a digit; map number words zero–ten to digits;
 * drop articles; restore contractions ("dont" → "don't"); collapse whitespace.
 */
export function evalAiNormalize(answer: string): string {
  let item = wordTokenize(answer);
  item = pyStrip(item.replaceAll("\n", " ").replaceAll("\t", " "));
  item = processPunctuation(item);
  return processDigitArticle(item);
}

/**
 * TextVQA accuracy of one raw model output against the annotator answers: the mean over annotators i of
 * min(1, #{j ≠ i : N(a_j) = N(pred)} / 3), N = {@link evalAiNormalize}, the mean taken exactly as Python's
 * `statistics.mean`. No answers scores 0 (lmms-eval scores a missing list 0; it raises on an empty one).
 */
export function textvqaAccuracy(prediction: string, answers: string[]): number {
  if (answers.length === 0) return 0;
  const predicted = evalAiNormalize(pyStrip(prediction));
  const normalised = answers.map(evalAiNormalize);
  const perAnnotator = normalised.map((_, i) => {
    const matching = normalised.filter((answer, j) => j !== i && answer === predicted).length;
    return Math.min(1, matching / 3);
  });
  return pyMean(perAnnotator);
}
