import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import type { TeacherRecord } from "./teacher.ts";

/**
 * Teacher records on disk: a JSONL file whose first line is a header (format, version, config, sink dims)
 * and every further line one record. Written in chunks to `<path>.partial` (appended and flushed), renamed
 * to `<path>` when complete: an interrupted run resumes after the last complete line; a finished file is
 * never half-written.
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
  private constructor(readonly path: string) {
    this.partial = `${path}.partial`;
  }

  /** Open for writing; returns the writer and the records already in a partial file (to resume). */
  static async open(
    path: string,
    header: TeacherHeader,
  ): Promise<{ writer: TeacherWriter; done: TeacherRecord[] }> {
    const w = new TeacherWriter(path);
    await Deno.mkdir(dirname(path), { recursive: true });
    const existing = await readTeacherFile(w.partial);
    if (existing && existing.header.configHash === header.configHash) {
      // Rewrite without a possibly torn last line, then continue appending.
      await Deno.writeTextFile(
        w.partial,
        [header, ...existing.records].map((x) => JSON.stringify(x)).join("\n") + "\n",
      );
      return { writer: w, done: existing.records };
    }
    await Deno.writeTextFile(w.partial, JSON.stringify(header) + "\n");
    return { writer: w, done: [] };
  }

  async append(records: TeacherRecord[]): Promise<void> {
    if (records.length === 0) return;
    const f = await Deno.open(this.partial, { append: true });
    try {
      await f.write(new TextEncoder().encode(records.map((r) => JSON.stringify(r)).join("\n") + "\n"));
      await f.sync();
    } finally {
      f.close();
    }
  }

  /** The partial file becomes the final one. */
  async finish(): Promise<void> {
    await Deno.rename(this.partial, this.path);
  }
}
