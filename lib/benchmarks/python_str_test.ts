// Golden values: Python 3.11.7 (Unicode 14), e.g. `python3 -c "print(repr('ΑΣ ΟΔΟΣ'.capitalize()))"`.
import assert from "node:assert/strict";
import { PY_WHITESPACE_CLASS, pyCapitalize, pyStrip, pyTitleChar } from "./python_str.ts";

Deno.test("pyStrip() removes Python whitespace that JavaScript's trim() keeps", () => {
  assert.equal(pyStrip("\x1c\x1d\x1e\x1f what?\x85"), "what?");
  assert.equal(pyStrip("\u3000\u2028 a b \u00a0\u202f\u205f"), "a b");
});

Deno.test("pyStrip() keeps U+FEFF, which JavaScript's trim() removes", () => {
  assert.equal(pyStrip("\ufeff a \ufeff"), "\ufeff a \ufeff");
  assert.equal(pyStrip("\ufeff\x1c a \x85"), "\ufeff\x1c a");
  assert.equal("\ufeff a".trim(), "a");
});

Deno.test("pyStrip() keeps inner whitespace and returns empty for all-space text", () => {
  assert.equal(pyStrip(" \t\n\v\f\r "), "");
  assert.equal(pyStrip(""), "");
  assert.equal(pyStrip(" a \n b "), "a \n b");
});

Deno.test("PY_WHITESPACE_CLASS matches exactly Python's str.isspace() code points", () => {
  // [c for c in range(0x110000) if chr(c).isspace()]
  const python = [
    0x9,
    0xa,
    0xb,
    0xc,
    0xd,
    0x1c,
    0x1d,
    0x1e,
    0x1f,
    0x20,
    0x85,
    0xa0,
    0x1680,
    0x2000,
    0x2001,
    0x2002,
    0x2003,
    0x2004,
    0x2005,
    0x2006,
    0x2007,
    0x2008,
    0x2009,
    0x200a,
    0x2028,
    0x2029,
    0x202f,
    0x205f,
    0x3000,
  ];
  const re = new RegExp(`^[${PY_WHITESPACE_CLASS}]$`, "u");
  const found: number[] = [];
  for (let cp = 0; cp < 0x10000; cp++) if (re.test(String.fromCodePoint(cp))) found.push(cp);
  assert.deepEqual(found, python);
});

Deno.test("pyCapitalize() upper-cases the first letter and lowers the rest", () => {
  assert.equal(pyCapitalize("what IS the BRAND?"), "What is the brand?");
  assert.equal(pyCapitalize("hELLO wORLD"), "Hello world");
  assert.equal(pyCapitalize("123 ABC"), "123 abc");
  assert.equal(pyCapitalize("  leading SPACE"), "  leading space");
  assert.equal(pyCapitalize(""), "");
});

Deno.test("pyCapitalize() title-cases the first code point, unlike toUpperCase()", () => {
  assert.equal(pyCapitalize("ǆemal"), "ǅemal"); // U+01C6 → U+01C5, upper case would be U+01C4
  assert.equal(pyCapitalize("ßeta"), "Sseta"); // upper case would be "SSeta"
  assert.equal(pyCapitalize("ﬁsh"), "Fish"); // U+FB01 → "Fi"
  assert.equal(pyCapitalize("ᾳ"), "ᾼ"); // U+1FB3 → U+1FBC, upper case would be "ΑΙ"
  assert.equal(pyCapitalize("ᾷ"), "\u0391\u0342\u0345");
  assert.equal(pyCapitalize("ვარ"), "ვარ"); // Georgian keeps Mkhedruli; upper case gives Mtavruli
  assert.equal(pyCapitalize("𐐨𐐩"), "𐐀𐐩"); // astral code points count as one character
});

Deno.test("pyCapitalize() lowers with final sigma seen from the whole string", () => {
  assert.equal(pyCapitalize("ΑΣ ΟΔΟΣ"), "Ας οδος");
  assert.equal(pyCapitalize("WHAT does the ΣIGN say, ΟΔΟΣ?"), "What does the σign say, οδος?");
  assert.equal(pyCapitalize("ΣΑ"), "Σα");
  assert.equal(pyCapitalize("İSTANBUL"), "İstanbul");
  assert.equal(pyCapitalize("aİ"), "Ai\u0307"); // full lower-case mapping of U+0130
});

Deno.test("pyTitleChar() maps digraphs to their title-case form", () => {
  assert.deepEqual(["Ǆ", "ǅ", "ǆ", "Ǉ", "ǌ", "Ǳ", "ǳ"].map(pyTitleChar), ["ǅ", "ǅ", "ǅ", "ǈ", "ǋ", "ǲ", "ǲ"]);
  assert.equal(pyTitleChar("a"), "A");
  assert.equal(pyTitleChar("և"), "Եւ");
});
