/**
 * Dataset files: `<dir>/<suite>/images/<id>.png` plus `<dir>/<suite>/samples.jsonl`, one validated
 * SampleSchema line per sample in index order.
 *
 * The same (suite, n, seed) always produces byte-identical files, so a dataset can be regenerated
 * instead of shipped, and caches keyed by its parameters stay valid. The JSONL is written last and
 * atomically: a reader never sees a half-written file, and a complete JSONL implies complete images.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { encodePng, loadImage } from "../image/png.ts";
import type { RgbImage } from "../image/types.ts";
import { formatIssues, type Sample, SampleSchema, sampleToJsonLine, type SuiteName } from "./schema.ts";
import { generateSample } from "./suites.ts";

/** Samples generated and encoded concurrently (sharp encodes on its own threads). */
const CHUNK = 16;

let tmpCounter = 0;

/** Write via a temp file in the same folder + rename, so the file is either old or complete. */
async function writeAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.${Deno.pid}-${tmpCounter++}.tmp`;
  try {
    await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Path of a suite's JSONL file. */
export function samplesPath(dir: string, suite: SuiteName): string {
  return join(dir, suite, "samples.jsonl");
}

/** Image path of a sample as stored in the JSONL: relative to the dataset folder, posix. */
export function imagePath(suite: SuiteName, id: string): string {
  return `${suite}/images/${id}.png`;
}

/**
 * Generate samples 0..n-1 of `suite` for `seed` and write their PNGs and the JSONL. Every line is
 * validated before it is written, so a generator bug cannot produce a file readDataset rejects.
 */
export async function writeDataset(
  dir: string,
  suite: SuiteName,
  n: number,
  seed: number,
): Promise<{ path: string }> {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`Sample count must be a non-negative integer, got "${n}"`);
  }
  await Deno.mkdir(join(dir, suite, "images"), { recursive: true });
  const lines: string[] = [];
  for (let start = 0; start < n; start += CHUNK) {
    const jobs: Promise<Sample>[] = [];
    for (let i = start; i < Math.min(n, start + CHUNK); i++) {
      const { sample, image } = generateSample(suite, i, seed);
      const line = SampleSchema.parse({ ...sample, image: imagePath(suite, sample.id) });
      jobs.push(encodePng(image).then((png) => writeAtomic(join(dir, line.image), png)).then(() => line));
    }
    for (const line of await Promise.all(jobs)) lines.push(sampleToJsonLine(line));
  }
  const path = samplesPath(dir, suite);
  const text = lines.length === 0 ? "" : lines.join("\n") + "\n";
  await writeAtomic(path, new TextEncoder().encode(text));
  return { path };
}

/**
 * Read and validate a suite's JSONL. Errors name the file and the 1-based line:
 * `Malformed JSONL in "path" line 3: box: ...`. Empty lines are errors (only the final newline is
 * allowed), and every sample must belong to `suite`.
 */
export async function readDataset(dir: string, suite: SuiteName): Promise<Sample[]> {
  const path = samplesPath(dir, suite);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`Cannot read dataset "${path}": file not found`);
    throw e;
  }
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((line, i) => {
    const fail = (what: string) => new Error(`Malformed JSONL in "${path}" line ${i + 1}: ${what}`);
    if (line.trim() === "") throw fail("empty line");
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw fail(`invalid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    const parsed = SampleSchema.safeParse(value);
    if (!parsed.success) throw fail(formatIssues(parsed.error));
    if (parsed.data.suite !== suite) {
      throw fail(`suite: "${parsed.data.suite}" does not belong in suite "${suite}"`);
    }
    return parsed.data;
  });
}

/**
 * Content hash of a suite's dataset files, images included (recorded as the "dataset" artifact of results):
 * the first 16 hex characters of the SHA-256 of a `sha256sum`-style manifest, one line
 * `<sha256 hex>  <path>` per file, paths relative to `dir`: the JSONL first, then every sample's image in
 * JSONL order. Replacing a PNG by another valid one therefore changes it. By hand:
 *
 *   cd <dir> && sha256sum <suite>/samples.jsonl $(jq -r .image <suite>/samples.jsonl) | sha256sum | cut -c1-16
 */
export async function datasetHash(dir: string, suite: SuiteName): Promise<string> {
  const samples = await readDataset(dir, suite);
  const files = [`${suite}/samples.jsonl`, ...samples.map((s) => s.image)];
  const manifest: string[] = [];
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(join(dir, ...file.split("/")));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new Error(`Cannot hash dataset "${samplesPath(dir, suite)}": file "${file}" not found`);
      }
      throw e;
    }
    manifest.push(`${createHash("sha256").update(bytes).digest("hex")}  ${file}\n`);
  }
  return createHash("sha256").update(manifest.join(""), "utf8").digest("hex").slice(0, 16);
}

/** Decode the PNG of one sample; `dir` is the dataset folder given to writeDataset / readDataset. */
export async function loadSampleImage(dir: string, sample: Pick<Sample, "image">): Promise<RgbImage> {
  return await loadImage(join(dir, ...sample.image.split("/")));
}
