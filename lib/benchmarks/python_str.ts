/**
 * Python `str` semantics the lmms-eval prompt builders rely on, where JavaScript differs.
 *
 * `str.strip()` removes Python's whitespace (`str.isspace()`): JavaScript's `trim()` also removes U+FEFF
 * but keeps U+001C–U+001F and U+0085. `str.capitalize()` (Python ≥ 3.8) title-cases the first code
 * point — not upper-cases it: "ǆ" → "ǅ", "ß" → "Ss", Georgian letters stay as they are — and lower-cases
 * the rest with the final-sigma rule seen from the whole string. Case tables are those of Python 3.11
 * (Unicode 14) where V8 agrees; code points added after Unicode 14 follow V8.
 */

/** Python's whitespace (`str.isspace()`), as the body of a regex character class. */
export const PY_WHITESPACE_CLASS =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

const LEADING = new RegExp(`^[${PY_WHITESPACE_CLASS}]+`);
const TRAILING = new RegExp(`[${PY_WHITESPACE_CLASS}]+$`);

/** Python's `s.strip()` with no argument. */
export function pyStrip(s: string): string {
  return s.replace(LEADING, "").replace(TRAILING, "");
}

/** Title case where it differs from upper case (UnicodeData titlecase field and SpecialCasing.txt). */
const TITLE_EXCEPTIONS: ReadonlyMap<number, string> = buildTitleExceptions();

function buildTitleExceptions(): Map<number, string> {
  const map = new Map<number, string>();
  const cps = (...points: number[]) => String.fromCodePoint(...points);
  // Latin digraphs: DŽ/Dž/dž → Dž, LJ → Lj, NJ → Nj, DZ → Dz.
  for (const [first, title] of [[0x1c4, 0x1c5], [0x1c7, 0x1c8], [0x1ca, 0x1cb], [0x1f1, 0x1f2]]) {
    for (let i = 0; i < 3; i++) map.set(first! + i, cps(title!));
  }
  // Greek with ypogegrammeni: the title case keeps the iota subscript on one letter (prosgegrammeni).
  for (const block of [0x1f80, 0x1f90, 0x1fa0]) {
    for (let i = 0; i < 16; i++) map.set(block + i, cps(block + 8 + (i & 7)));
  }
  for (const [a, b] of [[0x1fb3, 0x1fbc], [0x1fc3, 0x1fcc], [0x1ff3, 0x1ffc]]) {
    map.set(a!, cps(b!));
    map.set(b!, cps(b!));
  }
  const special: [number, number[]][] = [
    [0x1fb2, [0x1fba, 0x345]],
    [0x1fb4, [0x386, 0x345]],
    [0x1fb7, [0x391, 0x342, 0x345]],
    [0x1fc2, [0x1fca, 0x345]],
    [0x1fc4, [0x389, 0x345]],
    [0x1fc7, [0x397, 0x342, 0x345]],
    [0x1ff2, [0x1ffa, 0x345]],
    [0x1ff4, [0x38f, 0x345]],
    [0x1ff7, [0x3a9, 0x342, 0x345]],
    // Ligatures: upper case of the first letter, lower case of the rest.
    [0xdf, [0x53, 0x73]],
    [0x587, [0x535, 0x582]],
    [0xfb00, [0x46, 0x66]],
    [0xfb01, [0x46, 0x69]],
    [0xfb02, [0x46, 0x6c]],
    [0xfb03, [0x46, 0x66, 0x69]],
    [0xfb04, [0x46, 0x66, 0x6c]],
    [0xfb05, [0x53, 0x74]],
    [0xfb06, [0x53, 0x74]],
    [0xfb13, [0x544, 0x576]],
    [0xfb14, [0x544, 0x565]],
    [0xfb15, [0x544, 0x56b]],
    [0xfb16, [0x54e, 0x576]],
    [0xfb17, [0x544, 0x56d]],
  ];
  for (const [cp, title] of special) map.set(cp, cps(...title));
  // Georgian Mkhedruli: upper case is Mtavruli (Unicode 11), title case is the letter itself.
  for (let cp = 0x10d0; cp <= 0x10ff; cp++) {
    if (cp <= 0x10fa || cp >= 0x10fd) map.set(cp, cps(cp));
  }
  return map;
}

/** Python's full title-case mapping of one code point (`_PyUnicode_ToTitleFull`). */
export function pyTitleChar(ch: string): string {
  return TITLE_EXCEPTIONS.get(ch.codePointAt(0)!) ?? ch.toUpperCase();
}

/** Python's `s.capitalize()`: first code point title-cased, the rest lower-cased. */
export function pyCapitalize(s: string): string {
  if (s === "") return s;
  const first = String.fromCodePoint(s.codePointAt(0)!);
  // Lower-case the whole string so a capital sigma sees the first letter as its left context (final
  // sigma); position 0 itself has no left context, so its mapping is the context-free one.
  const rest = s.toLowerCase().slice(first.toLowerCase().length);
  return pyTitleChar(first) + rest;
}
