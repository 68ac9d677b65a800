import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../results/atomic.ts";
import { formatJsonPath } from "../results/hash.ts";
import { writeChecksum } from "../results/checksum.ts";
import type { TeacherRecord } from "./teacher.ts";

/**
 * Teacher records on disk: a JSONL file whose first line is a header (format, version, config, sink dims)
 * and every further line one record. Written in chunks to `<path>.partial` (appended and flushed), renamed
 * to `<path>` when complete, with its content hash beside it (`<path>.sha256`, lib/results/checksum.ts): an
 * interrupted run resumes after the last complete line; a finished file is never half-written. A partial
 * file that cannot be read (empty, torn header, a malformed line) is started afresh, after saying so.
 */
export const TEACHER_FORMAT = "sdrpn-teacher";
export const TEACHER_VERSION = 1;

export const TeacherHeaderSchema = z.strictObject({
  format: z.literal(TEACHER_FORMAT),
  version: z.literal(TEACHER_VERSION),
  configHash: z.string(),
  config: z.record(z.string(), z.unknown()),
  sinkDims: z.array(z.int().nonnegative()),
  tokens: z.int().positive(),
  heads: z.int().positive(),
});
export type TeacherHeader = z.infer<typeof TeacherHeaderSchema>;

const finite = z.number().refine(Number.isFinite, { message: "must be finite" });

export function teacherRecordSchema(header: TeacherHeader) {
  const n = header.tokens;
  return z.strictObject({
    id: z.string().min(1),
    suite: z.string().min(1),
    question: z.string().min(1),
    gt: z.string(),
    answer: z.string(),
    correct: z.boolean(),
    queries: z.int().nonnegative(),
    perHead: z.array(finite).length(header.heads * n),
    sinkMap: z.array(finite).length(n),
    normScore: z.array(finite).length(n),
    box: z.tuple([z.int(), z.int(), z.int(), z.int()]),
  });
}

/** Read a complete or partial teacher file; every line validated. Missing file → null. */
export async function readTeacherFile(
  path: string,
): Promise<{ header: TeacherHeader; records: TeacherRecord[] } | null> {
  if (!existsSync(path)) return null;
  const text = await Deno.readTextFile(path);
  const lines = text.split("\n");
  const torn = lines.pop() !== "";
  // Only a partial file may end in an unterminated line (interrupted mid-write): drop it there.
  if (torn && !path.endsWith(".partial")) {
    throw new Error(`Malformed teacher file "${path}": last line is incomplete`);
  }
  if (lines.length === 0) throw new Error(`Malformed teacher file "${path}": empty`);
  const header = parseLine(path, 1, lines[0]!, TeacherHeaderSchema);
  const schema = teacherRecordSchema(header);
  const records = lines.slice(1).map((l, i) => parseLine(path, i + 2, l, schema) as TeacherRecord);
  return { header, records };
}

function parseLine<T>(path: string, lineNo: number, line: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    throw new Error(`Malformed JSONL in "${path}" line ${lineNo}: ${(e as Error).message}`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(
      `Malformed JSONL in "${path}" line ${lineNo}: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  return r.data;
}

/** Appends records to `<path>.partial`, starting a new partial with the header if needed. */
export class TeacherWriter {
  readonly partial: string;
  private constructor(readonly path: string, readonly header: TeacherHeader) {
    this.partial = `${path}.partial`;
  }

  /**
   * Open for writing; returns the writer and the records already in a partial file (to resume). The
   * partial's start (header and resumed records) is written atomically, so a crash never leaves it torn;
   * an unreadable partial is reported through `report` (default: stderr) and started afresh.
   */
  static async open(
    path: string,
    header: TeacherHeader,
    report: (message: string) => void = (m) => console.error(m),
  ): Promise<{ writer: TeacherWriter; done: TeacherRecord[] }> {
    const w = new TeacherWriter(path, header);
    await Deno.mkdir(dirname(path), { recursive: true });
    let existing: Awaited<ReturnType<typeof readTeacherFile>> = null;
    try {
      existing = await readTeacherFile(w.partial);
    } catch (error) {
      report(`Rebuilding teacher file "${w.partial}" from scratch: ${(error as Error).message}`);
    }
    const done = existing?.header.configHash === header.configHash ? existing.records : [];
    // Rewrite without a possibly torn last line, then continue appending.
    await writeFileAtomic(w.partial, [header, ...done].map((x) => JSON.stringify(x)).join("\n") + "\n");
    return { writer: w, done };
  }

  async append(records: TeacherRecord[]): Promise<void> {
    if (records.length === 0) return;
    const schema = teacherRecordSchema(this.header);
    for (const r of records) {
      // JSON would write NaN as null, making a file no reader accepts: refuse it here, naming the value.
      const bad = nonFinite(r);
      if (bad) {
        throw new Error(
          `Cannot write teacher record "${r.id}" to "${this.partial}": ${bad.path} is "${bad.value}", ` +
            "not a finite number (the checkpoint's activations diverged)",
        );
      }
      const checked = schema.safeParse(r);
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        throw new Error(
          `Cannot write teacher record "${r.id}" to "${this.partial}": ${
            issue.path.join(".") || "(root)"
          }: ${issue.message}`,
        );
      }
    }
    const f = await Deno.open(this.partial, { append: true });
    try {
      await f.write(new TextEncoder().encode(records.map((r) => JSON.stringify(r)).join("\n") + "\n"));
      await f.sync();
    } finally {
      f.close();
    }
  }

  /** The partial file becomes the final one, with its content hash beside it. */
  async finish(): Promise<void> {
    const bytes = await Deno.readFile(this.partial);
    await Deno.rename(this.partial, this.path);
    await writeChecksum(this.path, bytes);
  }
}

/** The first non-finite number in a record's arrays, with its path (`perHead[5]`). */
function nonFinite(record: TeacherRecord): { path: string; value: number } | null {
  for (const key of ["perHead", "sinkMap", "normScore"] as const) {
    const values = record[key];
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) return { path: formatJsonPath([key, i]), value: values[i]! };
    }
  }
  return null;
}
