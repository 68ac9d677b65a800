/**
 * The testbed's own 5×7 bitmap font (0-9, A-Z) and five 5×5 marks.
 *
 * Shipped as code so images are byte-identical on every machine (system fonts differ). Glyphs that
 * classic 5×7 fonts make near-identical are kept apart by at least two pixels: the zero is slashed
 * (vs O), Q has a tail, I has serifs (vs 1 and T). The marks carry similar ink (9–12 pixels) so that
 * once a mark is blurred to a pixel or two, its brightness alone does not say which mark it was.
 */

/** Glyph width and height in font pixels. */
export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Mark side in font pixels. */
export const MARK_SIZE = 5;

/** Characters 0-9 and A-Z → 7 rows of 5 bits ("1" = ink). */
export const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  "0": ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
  "1": ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
  "2": ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
  "3": ["11111", "00010", "00100", "00010", "00001", "10001", "01110"],
  "4": ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
  "5": ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
  "6": ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
  "7": ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
  "8": ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
  "9": ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
  A: ["01110", "10001", "10001", "11111", "10001", "10001", "10001"],
  B: ["11110", "10001", "10001", "11110", "10001", "10001", "11110"],
  C: ["01110", "10001", "10000", "10000", "10000", "10001", "01110"],
  D: ["11100", "10010", "10001", "10001", "10001", "10010", "11100"],
  E: ["11111", "10000", "10000", "11110", "10000", "10000", "11111"],
  F: ["11111", "10000", "10000", "11110", "10000", "10000", "10000"],
  G: ["01110", "10001", "10000", "10111", "10001", "10001", "01111"],
  H: ["10001", "10001", "10001", "11111", "10001", "10001", "10001"],
  I: ["11111", "00100", "00100", "00100", "00100", "00100", "11111"],
  J: ["00111", "00010", "00010", "00010", "00010", "10010", "01100"],
  K: ["10001", "10010", "10100", "11000", "10100", "10010", "10001"],
  L: ["10000", "10000", "10000", "10000", "10000", "10000", "11111"],
  M: ["10001", "11011", "10101", "10101", "10001", "10001", "10001"],
  N: ["10001", "10001", "11001", "10101", "10011", "10001", "10001"],
  O: ["01110", "10001", "10001", "10001", "10001", "10001", "01110"],
  P: ["11110", "10001", "10001", "11110", "10000", "10000", "10000"],
  Q: ["01110", "10001", "10001", "10001", "10101", "10010", "01101"],
  R: ["11110", "10001", "10001", "11110", "10100", "10010", "10001"],
  S: ["01111", "10000", "10000", "01110", "00001", "00001", "11110"],
  T: ["11111", "00100", "00100", "00100", "00100", "00100", "00100"],
  U: ["10001", "10001", "10001", "10001", "10001", "10001", "01110"],
  V: ["10001", "10001", "10001", "10001", "10001", "01010", "00100"],
  W: ["10001", "10001", "10001", "10101", "10101", "10101", "01010"],
  X: ["10001", "10001", "01010", "00100", "01010", "10001", "10001"],
  Y: ["10001", "10001", "10001", "01010", "00100", "00100", "00100"],
  Z: ["11111", "00001", "00010", "00100", "01000", "10000", "11111"],
};

/** Mark names, in vocabulary order. */
export const MARK_NAMES = ["dot", "cross", "ring", "bar", "plus"] as const;
export type MarkName = typeof MARK_NAMES[number];

/** Mark name → 5 rows of 5 bits. */
export const MARKS: Readonly<Record<MarkName, readonly string[]>> = {
  dot: ["00000", "01110", "01110", "01110", "00000"],
  cross: ["10001", "01010", "00100", "01010", "10001"],
  ring: ["01110", "10001", "10001", "10001", "01110"],
  bar: ["00000", "11111", "11111", "00000", "00000"],
  plus: ["00100", "00100", "11111", "00100", "00100"],
};

/** Rows of one glyph; throws for a character the font does not have. */
export function glyph(char: string): readonly string[] {
  const rows = Object.hasOwn(GLYPHS, char) ? GLYPHS[char] : undefined;
  if (rows === undefined) throw new Error(`Unknown glyph "${char}": the font has 0-9 and A-Z`);
  return rows;
}

/** Rows of one mark; throws for an unknown mark name. */
export function mark(name: string): readonly string[] {
  const rows = Object.hasOwn(MARKS, name) ? MARKS[name as MarkName] : undefined;
  if (rows === undefined) throw new Error(`Unknown mark "${name}": expected one of ${MARK_NAMES.join(", ")}`);
  return rows;
}

/** True for a mark name. */
export function isMarkName(name: string): name is MarkName {
  return (MARK_NAMES as readonly string[]).includes(name);
}
