/**
 * Base64 decoding as Python's `base64.b64decode(s)` (binascii.a2b_base64, non-strict) does it, which
 * is how lmms-eval's HR-Bench task turns the `image` column into bytes: characters outside the
 * alphabet are skipped, decoding stops at the first complete padding, and a data length that does not
 * end on a quad boundary is an error.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const PAD = 0x3d; // "="
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/**
 * Decode base64 text like Python's `base64.b64decode` (validate=False). Throws with Python's reason
 * ("Incorrect padding", or the 1-more-than-a-multiple-of-4 message) when it would raise.
 */
export function pyB64Decode(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let length = 0;
  let quadPos = 0;
  let leftChar = 0;
  let pads = 0;
  let dataChars = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === PAD) {
      // Padding only counts once at least two data characters of the quad are in.
      if (quadPos >= 2 && quadPos + ++pads >= 4) return out.slice(0, length);
      continue;
    }
    const value = code < 128 ? VALUE[code]! : -1;
    if (value < 0) continue;
    pads = 0;
    dataChars++;
    switch (quadPos) {
      case 0:
        leftChar = value;
        quadPos = 1;
        break;
      case 1:
        out[length++] = (leftChar << 2) | (value >> 4);
        leftChar = value & 0x0f;
        quadPos = 2;
        break;
      case 2:
        out[length++] = (leftChar << 4) | (value >> 2);
        leftChar = value & 0x03;
        quadPos = 3;
        break;
      default:
        out[length++] = (leftChar << 6) | value;
        quadPos = 0;
    }
  }
  if (quadPos === 1) {
    throw new Error(
      `Invalid base64-encoded string: number of data characters (${dataChars}) cannot be 1 more than a multiple of 4`,
    );
  }
  if (quadPos !== 0) throw new Error("Incorrect padding");
  return out.slice(0, length);
}
