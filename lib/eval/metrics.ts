/**
 * Answer scoring in the metric families of the benchmarks the testbed suites stand in for.
 *
 * Each suite is scored the way its real analogue is (DocVQA/InfoVQA → ANLS, TextVQA → VQA match,
 * ChartQA → relaxed numeric match, V* → option letter, POPE → yes/no accuracy + F1), so that a change
 * in a number here means what the same change means in the paper's tables.
 */

/** The metric family of a suite. */
export type MetricFamily = "vqa" | "anls" | "relaxed" | "choice" | "yesno";

/** All metric families, for schemas and CLI validation. */
export const METRIC_FAMILIES: readonly MetricFamily[] = ["vqa", "anls", "relaxed", "choice", "yesno"];

/** ANLS threshold τ: similarities below it count as a wrong answer, not a partial one. */
export const ANLS_THRESHOLD = 0.5;

/** ChartQA's relaxed accuracy tolerance: 5 % relative error. */
export const RELAXED_TOLERANCE = 0.05;

const ARTICLES = new Set(["a", "an", "the"]);
const CHOICE_LETTERS = "ABCD";

/**
 * VQA-style normalisation: lower-case; strip `. , ? !` (keeping a decimal point between digits and
 * dropping a thousands comma, so "3.5" and "1,000" survive as numbers); drop the articles a/an/the;
 * collapse whitespace. Articles are kept when nothing else remains, so a one-letter code answer
 * "A" is not erased to "" (which would then match any article-only prediction).
 */
export function normaliseVqa(text: string): string {
  const stripped = text.toLowerCase()
    .replace(/(?<=\d),(?=\d)/g, "")
    .replace(/(?<!\d)\.|\.(?!\d)|[,?!]/g, " ");
  const tokens = stripped.split(/\s+/).filter((t) => t !== "");
  const content = tokens.filter((t) => !ARTICLES.has(t));
  return (content.length > 0 ? content : tokens).join(" ");
}

/** Levenshtein edit distance (insert, delete, substitute, each cost 1) over Unicode code points. */
export function levenshtein(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  if (s.length === 0) return t.length;
  if (t.length === 0) return s.length;
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  let curr = new Array<number>(t.length + 1).fill(0);
  for (let i = 1; i <= s.length; i++) {
    curr[0] = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      curr[j] = Math.min(prev[j]! + 1, curr[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[t.length]!;
}

/** The DocVQA evaluation's normalisation for ANLS: trim, lower-case, collapse whitespace. */
function normaliseAnls(text: string): string {
  return text.trim().toLowerCase().split(/\s+/).filter((t) => t !== "").join(" ");
}

/** Similarity 1 − NLD of two strings after ANLS normalisation; 1 for two empty strings. */
function anlsSimilarity(prediction: string, answer: string): number {
  const p = normaliseAnls(prediction);
  const a = normaliseAnls(answer);
  const length = Math.max(Array.from(p).length, Array.from(a).length);
  return length === 0 ? 1 : 1 - levenshtein(p, a) / length;
}

/**
 * A number as ChartQA answers write it ("12", "-3.5", "1,200", "45%", "1e3"), or undefined. The
 * percent sign is dropped rather than dividing by 100, so "45%" and "45" read as the same value.
 */
export function parseNumber(text: string): number | undefined {
  const t = text.trim().replace(/%$/, "").replace(/(?<=\d),(?=\d{3}(?!\d))/g, "");
  if (!/^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i.test(t)) return undefined;
  return Number(t);
}

/**
 * The option letter a prediction chooses, or undefined. Accepts a lone letter ("B", "b", "(B)",
 * "B."), a letter opening the answer ("B) blue", "(b) blue", "C: red"), "Answer: C" / "The answer is
 * (C)", or the text of an option ("blue square" when option B reads "blue square"). A lower-case
 * letter followed by more words is not taken as a choice ("a red circle" is an article). With
 * `options`, letters beyond the number of options are not valid choices.
 */
export function extractChoice(prediction: string, options?: readonly string[]): string | undefined {
  if (options && options.length > CHOICE_LETTERS.length) {
    throw new RangeError(
      `Choice metric supports at most ${CHOICE_LETTERS.length} options, got "${options.length}"`,
    );
  }
  const count = options?.length ?? CHOICE_LETTERS.length;
  const valid = (letter: string | undefined): string | undefined => {
    if (letter === undefined) return undefined;
    const upper = letter.toUpperCase();
    return CHOICE_LETTERS.indexOf(upper) < count ? upper : undefined;
  };
  const patterns = [
    /^\s*\(?\s*([A-Da-d])\s*\)?\s*[.:]?\s*$/, // B | (B) | ( b ) | B.
    /^\s*\(\s*([A-Da-d])\s*\)/, // (B) blue square
    /^\s*([A-Da-d])\s*[).:](?!\d)/, // B) blue square | B. blue | C: red
    /^\s*(?:[Tt]he\s+)?(?:[Aa]nswer|[Oo]ption)(?:\s+is)?\s*:?\s*\(?\s*([A-D])\s*\)?(?![A-Za-z0-9])/,
  ];
  for (const pattern of patterns) {
    const match = prediction.match(pattern);
    if (match) return valid(match[1]);
  }
  if (options) {
    const p = normaliseVqa(prediction);
    const index = options.findIndex((option) => normaliseVqa(option) === p);
    if (index >= 0 && p !== "") return CHOICE_LETTERS[index];
  }
  return undefined;
}

/** "yes" or "no" when the text starts with that word (any case), else undefined ("Nope", "Maybe"). */
export function parseYesNo(text: string): "yes" | "no" | undefined {
  const match = text.match(/^\s*(yes|no)(?![\p{L}\p{N}])/iu);
  return match ? (match[1]!.toLowerCase() as "yes" | "no") : undefined;
}

function yesNoAnswer(answer: string): "yes" | "no" {
  const parsed = parseYesNo(answer);
  if (parsed === undefined) throw new RangeError(`Yes/no answer must be "yes" or "no", got "${answer}"`);
  return parsed;
}

/**
 * Score one prediction against the accepted answers, in [0, 1].
 * - vqa: 1 if the normalised prediction equals a normalised answer (see `normaliseVqa`).
 * - anls: max over answers of 1 − normalised Levenshtein distance, 0 below τ = 0.5.
 * - relaxed: numbers within 5 % relative error (exact when the answer is 0); otherwise VQA match.
 * - choice: the chosen option letter (see `extractChoice`) equals the answer's letter; answers may
 *   be letters or option texts.
 * - yesno: the yes/no the prediction starts with equals the answer; anything else is wrong.
 */
export function scoreAnswer(
  metric: MetricFamily,
  prediction: string,
  answers: readonly string[],
  options?: readonly string[],
): number {
  if (answers.length === 0) throw new RangeError("scoreAnswer() needs at least one accepted answer");
  switch (metric) {
    case "vqa": {
      const p = normaliseVqa(prediction);
      return answers.some((a) => normaliseVqa(a) === p) ? 1 : 0;
    }
    case "anls": {
      const best = Math.max(...answers.map((a) => anlsSimilarity(prediction, a)));
      return best < ANLS_THRESHOLD ? 0 : best;
    }
    case "relaxed": {
      const p = parseNumber(prediction);
      const pText = normaliseVqa(prediction);
      return answers.some((answer) => {
          const g = parseNumber(answer);
          if (p !== undefined && g !== undefined) {
            return g === 0 ? p === 0 : Math.abs(p - g) / Math.abs(g) <= RELAXED_TOLERANCE;
          }
          return normaliseVqa(answer) === pText;
        })
        ? 1
        : 0;
    }
    case "choice": {
      const letters = answers.map((answer) => {
        const letter = extractChoice(answer, options);
        if (letter === undefined) {
          throw new RangeError(`Choice answer "${answer}" is neither an option letter nor an option text`);
        }
        return letter;
      });
      const chosen = extractChoice(prediction, options);
      return chosen !== undefined && letters.includes(chosen) ? 1 : 0;
    }
    case "yesno": {
      const truth = answers.map(yesNoAnswer);
      const said = parseYesNo(prediction);
      return said !== undefined && truth.includes(said) ? 1 : 0;
    }
    default:
      throw new RangeError(`Unknown metric family "${metric as string}"`);
  }
}

/** One scored question, as `summarise` consumes it. */
export interface ScoredItem {
  prediction: string;
  answers: readonly string[];
  /** `scoreAnswer(...)` of this item, in [0, 1]. */
  score: number;
}

/** Suite-level numbers, all in percent. */
export interface MetricSummary {
  /** Mean score × 100 (accuracy, or mean ANLS × 100). */
  accuracy: number;
  /** yesno only: F1 of "yes" as the positive class × 100, as POPE reports it. */
  f1?: number;
  /** yesno only: share of predictions that say "yes" × 100. */
  yesRatio?: number;
}

/**
 * Summarise a suite. For yesno, the ground truth is each item's first answer; a prediction that is
 * neither yes nor no counts as a negative ("not yes") for F1, so it costs recall but not precision.
 * F1 is 0 when there is no true or predicted "yes" at all.
 */
export function summarise(metric: MetricFamily, items: readonly ScoredItem[]): MetricSummary {
  if (items.length === 0) throw new RangeError("summarise() needs at least one item");
  let total = 0;
  for (const item of items) {
    if (!(item.score >= 0 && item.score <= 1)) {
      throw new RangeError(`summarise() needs scores in [0, 1], got "${item.score}"`);
    }
    total += item.score;
  }
  const summary: MetricSummary = { accuracy: (100 * total) / items.length };
  if (metric !== "yesno") return summary;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let saidYes = 0;
  for (const item of items) {
    const answer = item.answers[0];
    if (answer === undefined) throw new RangeError("summarise() needs at least one answer per item");
    const truth = yesNoAnswer(answer);
    const said = parseYesNo(item.prediction) === "yes";
    if (said) saidYes++;
    if (said && truth === "yes") tp++;
    else if (said) fp++;
    else if (truth === "yes") fn++;
  }
  const denominator = 2 * tp + fp + fn;
  summary.f1 = denominator === 0 ? 0 : (100 * 2 * tp) / denominator;
  summary.yesRatio = (100 * saidYes) / items.length;
  return summary;
}
