/**
 * zod schemas of the column types the benchmark datasets use, as hyparquet returns them with
 * `utf8: false`: strings, list<string>, integer ids (number or bigint), and the Hugging Face `Image`
 * feature `struct{bytes: binary, path: string}`.
 */
import { z } from "zod";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A text column. Unannotated byte arrays (some writers leave strings so) are decoded as strict UTF-8. */
export const text = z.preprocess((v) => v instanceof Uint8Array ? utf8.decode(v) : v, z.string());

/** A nullable text column. */
export const nullableText = z.preprocess(
  (v) => v instanceof Uint8Array ? utf8.decode(v) : v,
  z.string().nullable(),
);

/** A list<string> column. */
export const textList = z.array(text);

/** An id column (string or integer) as Python's `str()` prints it. */
export const idColumn = z.union([z.string(), z.int(), z.bigint()]).transform((v) => String(v));

/** The `Image` feature: the encoded bytes must be embedded (a bare path points outside the snapshot). */
export const imageStruct = z.object({
  bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, "expected embedded image bytes"),
  path: nullableText.optional(),
});

/** One zod issue as `column "<path>": <message>`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const message = issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  return `column "${issue.path.map(String).join(".")}": ${message}`;
}
