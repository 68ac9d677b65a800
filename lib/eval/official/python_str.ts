/**
 * Python 3 string semantics the lmms-eval scorers rely on, where JavaScript's built-ins differ.
 *
 * - `str.isspace()` (and so `strip()`, `split()`, and `\s` in `re` str patterns) includes
 *   U+001C–U+001F and U+0085 but not U+FEFF; JavaScript's `trim()` and `\s` are the other way round.
 * - `len()` counts code points, not UTF-16 code units.
 * - `float()` accepts `inf`/`nan`, underscores between digits and any Unicode decimal digit.
 * - `upper()`/`lower()` use the full case mappings ("ß".upper() == "SS", final sigma), as
 *   `toUpperCase()`/`toLowerCase()` do; the tables are the JavaScript engine's Unicode version, which only
 *   differs from CPython 3.11's (Unicode 14) on characters assigned after it.
 *
 * @module
 */

import { PY_WHITESPACE_CLASS, pyStrip } from "../../benchmarks/python_str.ts";

/** Python's whitespace and `str.strip()`: one definition, shared with the benchmark prompt builders. */
export { PY_WHITESPACE_CLASS, pyStrip };

const WS_RUN = new RegExp(`[${PY_WHITESPACE_CLASS}]+`, "u");
const IS_WS = new RegExp(`^[${PY_WHITESPACE_CLASS}]$`, "u");

/** Python's `str.isspace()` for one character. */
export function pyIsSpace(char: string): boolean {
  return IS_WS.test(char);
}

/** Python's `s.rstrip(chars)`: removes trailing characters that are any of the code points in `chars`. */
export function pyRstripChars(s: string, chars: string): string {
  const set = new Set(chars);
  const points = [...s];
  let end = points.length;
  while (end > 0 && set.has(points[end - 1]!)) end--;
  return points.slice(0, end).join("");
}

/** Python's `s.split()` (no argument): splits on runs of whitespace and drops empty pieces. */
export function pySplit(s: string): string[] {
  const stripped = pyStrip(s);
  return stripped === "" ? [] : stripped.split(WS_RUN);
}

/** Python's `len(s)`: the number of code points. */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Python's `s.lower()` (full case mapping, final sigma). */
export function pyLower(s: string): string {
  return s.toLowerCase();
}

/** Python's `s.upper()` (full case mapping: "ß" → "SS", "ﬃ" → "FFI"). */
export function pyUpper(s: string): string {
  return s.toUpperCase();
}

const ND = /^\p{Nd}$/u;
// CPython's float() strips only ASCII whitespace after mapping non-ASCII whitespace to " ", so the
// ASCII separators U+001C–U+001F that str.isspace() accepts make float() fail.
const FLOAT_ASCII_WS = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;
const FLOAT_SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;
// Python's float literal grammar: digitpart = digit (["_"] digit)*.
const FLOAT_DECIMAL = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;

/** The value 0–9 of a Unicode decimal digit (category Nd); Nd digits come in aligned runs of ten. */
function decimalValue(cp: number): number {
  let start = cp;
  while (start > 0 && ND.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/**
 * Python's `float(text)`, or `null` where Python raises `ValueError`.
 *
 * Like CPython, non-ASCII whitespace becomes a space and every Unicode decimal digit its ASCII digit before
 * parsing; any other non-ASCII character makes the text invalid. Decimal values are correctly rounded.
 */
export function pyFloat(text: string): number | null {
  let ascii = "";
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    if (cp < 128) ascii += char;
    else if (pyIsSpace(char)) ascii += " ";
    else if (ND.test(char)) ascii += String(decimalValue(cp));
    else return null;
  }
  const body = ascii.replace(FLOAT_ASCII_WS, "");
  const special = FLOAT_SPECIAL.exec(body);
  if (special) {
    if (special[2]!.toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  if (!FLOAT_DECIMAL.test(body)) return null;
  return Number(body.replaceAll("_", ""));
}
